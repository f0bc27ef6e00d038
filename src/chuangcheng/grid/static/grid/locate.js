// Fill a form's lat/lng from the phone's position (form[data-locate]).
(function () {
  "use strict";
  var form = document.querySelector("form[data-locate]");
  if (!form) { return; }
  var status = form.querySelector("[data-locate-status]");
  if (!navigator.geolocation) { status.textContent = "手机不支持定位，无法登记位置"; return; }
  navigator.geolocation.getCurrentPosition(function (p) {
    if (form.hasAttribute("data-position-kept")) { return; }  // a kept form resent (queue.js)
    form.elements.lat.value = p.coords.latitude;
    form.elements.lng.value = p.coords.longitude;
    status.textContent = "已获取位置";
  }, function () {
    if (form.hasAttribute("data-position-kept")) { return; }
    status.textContent = "无法获取位置，请打开手机定位后刷新页面";
  }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
})();
