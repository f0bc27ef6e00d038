/* 网格地图: the grids one reads as outlines (the lookup's own cells, grid.geometry), today's
   patrols as routes (blue: in progress, green: ended, red dashes: flagged), open events as
   markers coloured by their clock's light, each grid shaded by its overdue visits. A click on
   a grid fills the panel below with its figures and links. Data from data-url (JSON, scoped
   on the server); tiles and the city's outlines as on the other map pages (map-config). */
(function () {
  "use strict";
  var CENTER = [40.842, 111.70];
  var LIGHTS = { red: "#c62828", yellow: "#f9a825", green: "#2e7d32", "": "#607d8b" };

  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function text(s) {
    var d = document.createElement("div");
    d.textContent = s === null || s === undefined ? "" : String(s);
    return d.innerHTML;
  }

  function info(g) {
    var box = document.getElementById("grid-info");
    if (!box) return;
    box.innerHTML =
      "<h2>" + text(g.name) + " <span class=\"muted small\">" + text(g.code) + "</span></h2>" +
      "<p>专职网格员：" + text(g.worker || "—") + "</p>" +
      "<p>今日巡查 <strong data-testid=\"info-patrols\">" + g.patrols + "</strong> 次（进行中 " + g.patrolling +
      "，越出网格 " + g.flagged + "）· 未办结事件 <strong data-testid=\"info-events\">" + g.open_events +
      "</strong> 件 · 逾期探访 <strong data-testid=\"info-overdue\">" + g.overdue_visits + "</strong> 人（关爱对象 " + g.care + " 人）</p>" +
      "<p><a href=\"" + text(g.links.ledger) + "\">网格台账</a> · <a href=\"" + text(g.links.events) +
      "\">网格事件</a> · <a href=\"" + text(g.links.patrols) + "\">巡查记录</a></p>";
    box.setAttribute("data-grid", g.code);
  }

  function init(el) {
    if (typeof L === "undefined" || !window.fetch) return;
    var config = readJSON("map-config") || { layers: [] };
    var layers = config.layers || [];
    var tiles = layers.length > 0;
    var map = L.map(el, { zoomControl: true, attributionControl: tiles, zoomSnap: 0.25 }).setView(CENTER, 12);
    layers.forEach(function (t) {
      L.tileLayer(t.url, { maxZoom: 19, subdomains: t.subdomains || "abc", attribution: t.attribution || "" }).addTo(map);
    });
    if (!tiles) el.classList.add("offline");
    fetch(el.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { el.setAttribute("data-grids", "error"); return; }
        var outlines = L.featureGroup();
        var maxOverdue = 1;
        data.grids.forEach(function (g) { if (g.overdue_visits > maxOverdue) maxOverdue = g.overdue_visits; });
        data.grids.forEach(function (g) {
          var layer;
          var shade = 0.12 + 0.5 * g.overdue_visits / maxOverdue;
          var style = { color: "#1f4e79", weight: 1.5, fillColor: g.overdue_visits ? "#e65100" : "#90caf9", fillOpacity: g.overdue_visits ? shade : 0.15 };
          if (g.geometry) layer = L.geoJSON({ type: "Feature", geometry: g.geometry, properties: {} }, { style: style });
          else if (g.lat !== null && g.lng !== null) layer = L.circle([g.lat, g.lng], Object.assign({ radius: 60 }, style));
          if (!layer) return;
          layer.bindTooltip(g.name + "<br>未办结事件 " + g.open_events + " · 逾期探访 " + g.overdue_visits, { sticky: true });
          layer.on("click", function () {
            outlines.eachLayer(function (l) { if (l.setStyle) l.setStyle({ weight: 1.5 }); });
            if (layer.setStyle) layer.setStyle({ weight: 3.5 });
            info(g);
          });
          layer.addTo(outlines);
        });
        outlines.addTo(map);
        var routes = L.featureGroup();
        data.patrols.forEach(function (p) {
          if (!p.route.length) return;
          var colour = p.flagged ? "#c62828" : (p.ended_at ? "#2e7d32" : "#1565c0");
          L.polyline(p.route, { color: colour, weight: 3, opacity: 0.9, dashArray: p.flagged ? "6 4" : null })
            .bindPopup(text(p.worker) + "：" + text(p.started_at) + "–" + text(p.ended_at || "进行中") + (p.flagged ? "（越出网格）" : ""))
            .addTo(routes);
        });
        routes.addTo(map);
        var markers = L.featureGroup();
        data.events.forEach(function (e) {
          L.circleMarker([e.lat, e.lng], { radius: 7, color: "#333", weight: 1, fillColor: LIGHTS[e.light] || LIGHTS[""], fillOpacity: 0.95 })
            .bindPopup("<a href=\"" + text(e.url) + "\">" + text(e.number) + "</a><br>" + text(e.title) + "<br>" + text(e.state))
            .addTo(markers);
        });
        markers.addTo(map);
        el.setAttribute("data-grids", String(data.grids.length));
        el.setAttribute("data-patrols", String(data.patrols.length));
        el.setAttribute("data-events", String(data.events.length));
        // the view: the grids' centres (an outer grid's cell reaches out as far as the lookup
        // does, up to 3 km, and would shrink the inner grids to nothing)
        var centres = data.grids.filter(function (g) { return g.lat !== null && g.lng !== null; })
          .map(function (g) { return [g.lat, g.lng]; });
        if (centres.length) map.fitBounds(L.latLngBounds(centres).pad(0.3), { maxZoom: 18 });
        else if (outlines.getLayers().length) map.fitBounds(outlines.getBounds(), { padding: [12, 12] });
      }).catch(function () { el.setAttribute("data-grids", "error"); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-grid-map]").forEach(init);
  });
})();
