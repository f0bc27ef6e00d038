/* 智能辅助 on the intake page: tell htmx when the map pin moved (map.js sets the lat/lng
   inputs without events), so 可能重复的在办工单 is looked up again. */
(function () {
  "use strict";
  var last = null;

  function pinValue() {
    var lat = document.getElementById("id_lat"), lng = document.getElementById("id_lng");
    return (lat ? lat.value : "") + "," + (lng ? lng.value : "");
  }

  function check() {
    var now = pinValue();
    if (last !== null && now !== last) {
      document.body.dispatchEvent(new CustomEvent("pinchange", { bubbles: true }));
    }
    last = now;
  }

  document.addEventListener("click", function (ev) {
    if (ev.target.closest("[data-map], [data-clear-pin], [data-geolocate]")) setTimeout(check, 0);
  });
  document.addEventListener("change", function (ev) {
    if (ev.target.id === "id_lat" || ev.target.id === "id_lng") setTimeout(check, 0);
  });
  document.addEventListener("DOMContentLoaded", function () { last = pinValue(); });
})();
