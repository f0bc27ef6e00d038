/* 测评点位 on a map: the list's sites (same filters, same scope) from data-url, each marker
   coloured by its latest 得分率 (grey: never inspected). Tiles and the city's outlines as on the
   other map pages (the json_script "map-config"): with no tiles the outlines are the map. */
(function () {
  "use strict";
  var CENTER = [40.842, 111.70];

  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function colour(rate) {
    if (rate === null || rate === undefined) return "#9e9e9e";
    if (rate >= 0.9) return "#2e7d32";
    if (rate >= 0.8) return "#9ccc65";
    if (rate >= 0.7) return "#f9a825";
    return "#c62828";
  }

  function text(s) {
    var d = document.createElement("div");
    d.textContent = s;
    return d.innerHTML;
  }

  function init(el) {
    if (typeof L === "undefined" || !window.fetch) return;
    var config = readJSON("map-config") || { layers: [] };
    var layers = config.layers || [];
    var tiles = layers.length > 0;
    var map = L.map(el, { zoomControl: true, attributionControl: tiles, zoomSnap: 0.25 }).setView(CENTER, 12);
    layers.forEach(function (t) {
      L.tileLayer(t.url, { maxZoom: 18, subdomains: t.subdomains || "abc", attribution: t.attribution || "" }).addTo(map);
    });
    if (!tiles) el.classList.add("offline");
    var fitted = false;
    if (config.outlines) {
      fetch(config.outlines, { credentials: "same-origin" }).then(function (r) {
        return r.ok ? r.json() : null;
      }).then(function (data) {
        if (!data || !data.features || !data.features.length) return;
        var streets = L.geoJSON(data, {
          filter: function (f) { return f.properties.level === "street"; },
          interactive: false,
          style: tiles
            ? { color: "#b71c1c", weight: 1.5, opacity: 0.7, fill: false, dashArray: "6 4" }
            : { color: "#1f4e79", weight: 2, opacity: 0.9, fillColor: "#dbe7f3", fillOpacity: 0.55 },
          onEachFeature: function (f, layer) {
            if (!tiles) layer.bindTooltip(f.properties.name, { permanent: true, direction: "center", className: "region-label" });
          }
        }).addTo(map);
        streets.bringToBack();
        el.classList.add("outlined");
        if (!fitted) map.fitBounds(streets.getBounds(), { padding: [8, 8] });
      }).catch(function () { /* the markers still show */ });
    }
    fetch(el.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        var group = L.featureGroup();
        data.sites.forEach(function (s) {
          var rate = s.rate === null ? "未测评" : (100 * s.rate).toFixed(1) + "%（" + s.inspected + "）";
          L.circleMarker([s.lat, s.lng], {
            radius: 6, color: "#333", weight: 1, fillColor: colour(s.rate), fillOpacity: 0.9
          }).bindPopup("<strong>" + text(s.name) + "</strong><br>" + text(s.code + " · " + s.type) +
                       "<br>最近得分率：" + text(rate)).addTo(group);
        });
        group.addTo(map);
        el.setAttribute("data-markers", String(data.sites.length));
        if (data.sites.length) { map.fitBounds(group.getBounds(), { padding: [16, 16], maxZoom: 16 }); fitted = true; }
      }).catch(function () { el.setAttribute("data-markers", "error"); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-sites-map]").forEach(init);
  });
})();
