// 测评 checklist on the phone. Each answer is stamped on the phone (time, place, a key made
// when the page was drawn) and kept in IndexedDB until the server has it: on a bad network the
// answer waits on the phone and is sent again when the network returns (every 20 s, on
// "online" and on page load); the key makes a resend a no-op on the server.
(function () {
  var root = document.querySelector("[data-checklist]");
  if (!root) return;
  var url = root.getAttribute("data-answer-url");
  var status = document.querySelector("[data-queue-status]");
  var answered = document.querySelector("[data-answered]");
  var csrf = (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
  var DB = "cc-evaluation", STORE = "answers";
  var position = null;

  if (navigator.geolocation) {
    navigator.geolocation.getCurrentPosition(function (p) { position = p.coords; }, function () {}, { enableHighAccuracy: true, timeout: 10000 });
  }

  function open() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no indexedDB")); return; }
      var req = indexedDB.open(DB, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "key" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function tx(mode, fn) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var out = fn(t.objectStore(STORE));
        t.oncomplete = function () { resolve(out && out.result !== undefined ? out.result : out); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  function say(text) { if (status) status.textContent = text; }

  function send(entry) {
    var body = new FormData();
    Object.keys(entry.fields).forEach(function (k) { body.append(k, entry.fields[k]); });
    if (entry.photo) body.append("photo", entry.photo, entry.photoName || "photo.jpg");
    return fetch(entry.url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf },
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        return { ok: resp.ok, status: resp.status, data: data };
      });
    });
  }

  function flush() {
    return tx("readonly", function (s) { return s.getAll(); }).then(function (entries) {
      entries = entries || [];
      if (!entries.length) { say(""); return; }
      say("有 " + entries.length + " 条答案待上传……");
      return entries.reduce(function (p, entry) {
        return p.then(function () {
          return send(entry).then(function (r) {
            // sent (or refused for good: shown, not retried); a network error keeps it queued
            if (r.ok || (r.status >= 400 && r.status < 500)) {
              mark(entry, r);
              return tx("readwrite", function (s) { s.delete(entry.key); });
            }
          }, function () {});
        });
      }, Promise.resolve()).then(function () {
        return tx("readonly", function (s) { return s.count(); }).then(function (n) {
          say(n ? "有 " + n + " 条答案暂存在手机上，网络恢复后自动上传" : "全部答案已上传");
        });
      });
    }).catch(function () {});
  }

  function mark(entry, r) {
    var card = document.getElementById("item-" + entry.fields.item);
    if (!card) return;
    var current = card.querySelector("[data-current]");
    if (r.ok) {
      var labels = { pass: "合格", fail: "不合格", na: "不适用" };
      if (current && current.querySelector(".muted") && answered) answered.textContent = String(Number(answered.textContent) + 1);
      if (current) current.textContent = "当前：" + (labels[entry.fields.result] || entry.fields.result) + (entry.fields.note ? " · " + entry.fields.note : "") + "（已上传）";
    } else if (current) {
      current.textContent = "未保存：" + ((r.data && r.data.detail) || "请检查后重试");
      current.className = "alert alert-error";
    }
  }

  root.querySelectorAll("[data-answer-form]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!window.indexedDB || !window.fetch) return; // plain form post
      ev.preventDefault();
      var fields = {};
      new FormData(form).forEach(function (v, k) { if (!(v instanceof File)) fields[k] = v; });
      fields.answered_at = new Date().toISOString();
      if (position) { fields.lat = position.latitude.toFixed(6); fields.lng = position.longitude.toFixed(6); }
      if (!fields.result) { say("请选择合格、不合格或不适用"); return; }
      var file = form.querySelector("input[type=file]").files[0] || null;
      var entry = { key: fields.client_key, url: url, fields: fields, photo: file, photoName: file ? file.name : "" };
      // a new key for the next answer to this item (this one is on its way)
      var keyInput = form.querySelector("[data-key]");
      keyInput.value = (window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).replace(/[^A-Za-z0-9]/g, "").slice(0, 64);
      tx("readwrite", function (s) { s.put(entry); }).then(flush);
      form.reset();
    });
  });
  window.addEventListener("online", flush);
  setInterval(flush, 20000);
  flush();
})();
