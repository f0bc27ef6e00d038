// The activity check-in page (form[data-checkin]): the phone's position fills lat and lng, and
// the 签到 / 签退 buttons wait for it.
(function () {
  "use strict";
  var form = document.querySelector("form[data-checkin]");
  if (!form) { return; }
  var status = form.querySelector("[data-locate-status]");
  var buttons = form.querySelectorAll("button[name=kind]");
  function enable(on) {
    for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = !on; }
  }
  if (!navigator.geolocation) { status.textContent = "手机不支持定位，无法签到"; return; }
  enable(false);
  navigator.geolocation.getCurrentPosition(function (p) {
    form.elements.lat.value = p.coords.latitude;
    form.elements.lng.value = p.coords.longitude;
    status.textContent = "已获取位置";
    status.setAttribute("data-located", "1");
    enable(true);
  }, function () {
    status.textContent = "无法获取位置：请打开手机定位并允许本页面获取位置后刷新";
  }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
})();
