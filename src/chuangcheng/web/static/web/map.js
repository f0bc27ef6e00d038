/* Leaflet map pin for intake and the citizen's appeal. Tiles come from the json_script
   "map-config" (天地图 with a key, or any XYZ source). The city's own street and community
   outlines are drawn over them; with no tiles (offline) they are the map: filled, with the
   streets' names, zoomed to the city. */
(function () {
  "use strict";
  var CENTER = [40.842, 111.70];

  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function init(el) {
    if (typeof L === "undefined") return;
    var latInput = document.getElementById(el.getAttribute("data-lat-input"));
    var lngInput = document.getElementById(el.getAttribute("data-lng-input"));
    var config = readJSON("map-config") || { layers: [] };
    var layers = config.layers || [];
    var tiles = layers.length > 0;
    var map = L.map(el, { zoomControl: true, attributionControl: tiles, zoomSnap: 0.25 }).setView(CENTER, 12);
    layers.forEach(function (t) {
      L.tileLayer(t.url, { maxZoom: 18, subdomains: t.subdomains || "abc", attribution: t.attribution || "" }).addTo(map);
    });
    if (!tiles) el.classList.add("offline");
    var marker = null;
    if (config.outlines && window.fetch) {
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
        });
        var communities = L.geoJSON(data, {
          filter: function (f) { return f.properties.level === "community"; },
          interactive: false,
          style: { color: "#5b7fa6", weight: 0.8, opacity: 0.8, dashArray: "2 3", fill: false }
        });
        if (!tiles) communities.addTo(map);
        streets.addTo(map);
        el.classList.add("outlined");
        el.setAttribute("data-outlines", String(data.features.length));
        if (!marker && !tiles) map.fitBounds(streets.getBounds(), { padding: [8, 8] });
      }).catch(function () { /* the map still takes a click */ });
    }
    var bounds = readJSON("city-bounds");
    if (bounds) {
      L.rectangle([[bounds[1], bounds[0]], [bounds[3], bounds[2]]],
                  { color: "#b71c1c", weight: 1, fill: false, dashArray: "4 4", interactive: false }).addTo(map);
    }
    (readJSON("map-landmarks") || []).forEach(function (p) {
      L.circleMarker([p.lat, p.lng], { radius: 4, color: "#1f4e79", weight: 1, fillOpacity: 0.6 })
        // offline with no outlines, the street names are the only orientation there is
        .bindTooltip(p.name, { permanent: !tiles && !config.outlines, direction: "right", className: "landmark" }).addTo(map);
    });
    function pin(lat, lng, pan) {
      lat = Math.round(lat * 1e6) / 1e6; lng = Math.round(lng * 1e6) / 1e6;
      if (marker) marker.setLatLng([lat, lng]);
      else marker = L.marker([lat, lng]).addTo(map);
      if (latInput) latInput.value = lat;
      if (lngInput) lngInput.value = lng;
      if (pan) map.setView([lat, lng], Math.max(map.getZoom(), 15));
    }
    if (latInput && lngInput && latInput.value && lngInput.value) {
      pin(parseFloat(latInput.value), parseFloat(lngInput.value), true);
    }
    map.on("click", function (ev) { pin(ev.latlng.lat, ev.latlng.lng, false); });
    el._ccPin = pin;
    el._ccClear = function () {
      if (marker) { map.removeLayer(marker); marker = null; }
      if (latInput) latInput.value = "";
      if (lngInput) lngInput.value = "";
    };
  }

  document.addEventListener("click", function (ev) {
    var clear = ev.target.closest("[data-clear-pin]");
    if (clear) {
      var m = document.getElementById(clear.getAttribute("data-clear-pin"));
      if (m && m._ccClear) m._ccClear();
    }
    var geo = ev.target.closest("[data-geolocate]");
    if (geo) {
      var mapEl = document.getElementById(geo.getAttribute("data-geolocate"));
      var status = document.querySelector("[data-geo-status]");
      if (!navigator.geolocation) { if (status) status.textContent = "当前浏览器不支持定位，请在地图上点击标注。"; return; }
      if (status) status.textContent = "正在定位…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        if (mapEl && mapEl._ccPin) mapEl._ccPin(pos.coords.latitude, pos.coords.longitude, true);
        if (status) status.textContent = "已定位（精度约 " + Math.round(pos.coords.accuracy) + " 米），可在地图上微调。";
      }, function () {
        if (status) status.textContent = "无法获取位置，请在地图上点击标注。";
      }, { enableHighAccuracy: true, timeout: 10000 });
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-map]").forEach(init);
  });
})();
