// 巡查 on the phone: start (with the phone's position), the route taken every 30 s and kept in
// localStorage until the server has it (a bad network loses nothing; a resend is ignored by
// the server: one point per moment), end (sent when it can be).
(function () {
  "use strict";
  var box = document.querySelector("[data-testid=patrol]");
  if (!box) { return; }
  var errorBox = box.querySelector("[data-error]");
  var EVERY_MS = 30000;

  function showError(text) { errorBox.textContent = text; errorBox.hidden = !text; }

  function position() {
    return new Promise(function (resolve, reject) {
      if (!navigator.geolocation) { reject(new Error("手机不支持定位")); return; }
      navigator.geolocation.getCurrentPosition(
        function (p) { resolve({ lat: p.coords.latitude, lng: p.coords.longitude }); },
        function () { reject(new Error("无法获取位置，请打开手机定位后重试")); },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 10000 }
      );
    });
  }

  var post = window.ccGrid.post;  // grid/queue.js: gives up after 10 s, errors carry status

  var start = box.querySelector("[data-testid=start-form]");
  if (start) {
    start.addEventListener("submit", function (ev) {
      ev.preventDefault();
      showError("");
      position().then(function (pos) {
        return post(start.getAttribute("data-url"), {
          grid: start.elements.grid.value, lat: pos.lat, lng: pos.lng,
          at: new Date().toISOString(), client_key: start.elements.client_key.value
        });
      }).then(function () { window.location.reload(); })
        .catch(function (e) { showError(e.message); });
    });
    return;
  }

  var id = box.getAttribute("data-patrol");
  if (!id) { return; }
  var key = "cc-patrol-points-" + id;
  var endKey = "cc-patrol-end-" + id;
  var counter = box.querySelector("[data-points]");
  var queueNote = box.querySelector("[data-queue]");

  function queued() { try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; } }
  function keep(points) { localStorage.setItem(key, JSON.stringify(points)); note(); }
  function note() {
    var n = queued().length;
    queueNote.textContent = n ? "（" + n + " 个轨迹点暂存在手机上，联网后自动上传）" : "";
  }

  var sending = false;
  function flush() {
    var points = queued();
    if (sending || !points.length) { return Promise.resolve(); }
    sending = true;
    var batch = points.slice(0, 200);
    var sent = {};
    batch.forEach(function (p) { sent[p.at] = true; });
    // drop what was sent by its moment, not its place: points taken meanwhile stay queued
    function forget() { keep(queued().filter(function (p) { return !sent[p.at]; })); }
    return post(box.getAttribute("data-points-url"), { points: batch }, true)
      .then(function (d) {
        forget();
        if (counter && d.points !== undefined) { counter.textContent = d.points; }
      })
      .catch(function (e) {
        if (e.status === 400) { forget(); return; }
        if (e.login) { showError(e.message); return; }  // kept; sent once the worker signs in again
        // no answer (offline, or a request lost): try again soon, not only on the next tick
        setTimeout(function () { flush().then(sendEnd); }, 3000);
      })
      .then(function () { sending = false; });
  }

  function take(pos) {
    var points = queued();
    points.push({ at: new Date().toISOString(), lat: pos.coords.latitude, lng: pos.coords.longitude });
    keep(points);
    flush();
  }

  // the last place the phone knew: where the patrol started, then every fix of the watch
  var lastFix = {
    lat: parseFloat(box.getAttribute("data-start-lat")),
    lng: parseFloat(box.getAttribute("data-start-lng"))
  };
  if (navigator.geolocation) {
    var last = 0;
    navigator.geolocation.watchPosition(function (pos) {
      lastFix = { lat: pos.coords.latitude, lng: pos.coords.longitude };
      var now = Date.now();
      if (now - last >= EVERY_MS) { last = now; take(pos); }
    }, function () { showError("无法获取位置，轨迹暂停记录"); }, { enableHighAccuracy: true, maximumAge: 10000 });
  }

  function sendEnd() {
    var pending = localStorage.getItem(endKey);
    if (!pending) { return Promise.resolve(false); }
    return flush().then(function () {
      return post(box.getAttribute("data-end-url"), JSON.parse(pending));
    }).then(function () {
      localStorage.removeItem(endKey);
      localStorage.removeItem(key);
      window.location.reload();
      return true;
    }).catch(function (e) {
      if (e.status === 400 || e.status === 404) { localStorage.removeItem(endKey); showError(e.message); }
      else if (e.login) { showError(e.message); }
      else { showError("网络不好，结束巡查的信息已暂存，联网后自动提交"); }
      return false;
    });
  }

  box.querySelector("[data-testid=end-form]").addEventListener("submit", function (ev) {
    ev.preventDefault();
    showError("");
    var form = ev.target;
    position().catch(function () { return null; }).then(function (pos) {
      // no fresh fix (indoors, GPS slow): end where the phone last knew it was
      var here = pos || (isNaN(lastFix.lat) ? null : lastFix);
      if (!here) { showError("无法获取位置，请打开手机定位后重试"); return; }
      localStorage.setItem(endKey, JSON.stringify({
        lat: here.lat, lng: here.lng, at: new Date().toISOString(), note: form.elements.note.value
      }));
      sendEnd();
    });
  });

  window.addEventListener("online", function () { flush().then(sendEnd); });
  setInterval(function () { flush().then(sendEnd); }, 20000);
  note();
  flush().then(sendEnd);
})();
