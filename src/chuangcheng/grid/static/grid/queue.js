// The grid pages' phone queue: `ccGrid.post` sends a request that gives up after 10 s (the
// patrol page uses it too) and counts only the app's own JSON answer as an answer (a lapsed login
// answered by the login page, a Wi-Fi sign-in page, a proxy's error are not). A form marked
// data-queue is kept on the phone with its client key and its worker's user id until the server
// has it, so a bad network or a lapsed login loses nothing and a resend never doubles (the server
// answers the same key with the same record): a text form in localStorage, a form with photos
// (the event form) in IndexedDB (its fields and its photos as Blobs, scaled to ≤ 1600 px JPEG
// first, sent as multipart FormData). Both are sent in order, one at a time, only in their own
// worker's session (a shared phone); a form the server refuses stays on the phone marked failed
// with the server's message (今日工作 lists it) until the worker fixes or deletes it.
(function () {
  "use strict";
  var STORE = "cc-grid-queue";
  // whose queue: every grid page that loads this script names the signed-in worker (on the
  // script tag); a phone shared by two workers sends each one's forms only in their own session
  var script = document.currentScript;
  var who = script && script.hasAttribute("data-queue-user") ? script : document.querySelector("[data-queue-user]");
  var me = who ? who.getAttribute("data-queue-user") : "";
  var MAX_PX = 1600;  // photos kept on the phone: at most this long on their long side
  var dbOpen = null;
  var waitingFiles = {};  // client key → the form with photos on this page waiting for its answer
  var csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  var LOGIN = "登录已过期，请重新登录后自动发送";

  // what the server answered: the app's JSON, or an error saying whether the form was refused
  // (e.refused: the app's Chinese reason; never sent again by itself) or is to be tried again
  // (e.login: the session lapsed; anything else: no network, a timeout, a 5xx, someone's page)
  function answer(r) {
    var json = (r.headers.get("Content-Type") || "").indexOf("application/json") === 0;
    return (json ? r.json().catch(function () { return null; }) : Promise.resolve(null)).then(function (d) {
      if (r.ok && !r.redirected && d && typeof d === "object") { return d; }
      var e;
      if (!r.ok && d && d.detail) {
        var why = [d.detail];
        Object.keys(d.fields || {}).forEach(function (k) { why = why.concat(d.fields[k]); });
        e = new Error(why.join(" "));
        if (r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429) { e.refused = e.message; }
      } else if (r.redirected && /\/login\//.test(r.url)) {
        e = new Error(LOGIN);
        e.login = true;
      } else {
        e = new Error(r.ok ? "未收到服务器的确认，稍后自动重发" : "服务器暂时不能接收（" + r.status + "），稍后自动重发");
      }
      if (!r.ok) { e.status = r.status; }
      throw e;
    });
  }

  function post(url, data, json) {
    var headers = { "X-CSRFToken": csrf, Accept: "application/json" };
    var body;
    if (json) { headers["Content-Type"] = "application/json"; body = JSON.stringify(data); }
    else { body = new URLSearchParams(data); }
    // a request the network swallowed gives up after 10 s, so the next try is not held back
    var abort = window.AbortController ? new AbortController() : null;
    var timer = abort ? setTimeout(function () { abort.abort(); }, 10000) : null;
    return fetch(url, {
      method: "POST", credentials: "same-origin", headers: headers, body: body,
      signal: abort ? abort.signal : undefined
    })
      .finally(function () { if (timer) { clearTimeout(timer); } })
      .then(answer);
  }
  window.ccGrid = { post: post };

  // ---- text forms: localStorage, each item {key, user, url, page, data, label, at, failed} ----
  function queued() { try { return JSON.parse(localStorage.getItem(STORE) || "[]"); } catch (e) { return []; } }
  function mine() { return queued().filter(function (i) { return i.user === me; }); }
  function keep(items) { localStorage.setItem(STORE, JSON.stringify(items)); note(); showText(); }
  function others(key) { return queued().filter(function (i) { return !(i.key === key && i.user === me); }); }
  function forget(key) { keep(others(key)); }
  function mark(key, why) {
    keep(queued().map(function (i) { if (i.key === key && i.user === me) { i.failed = why; } return i; }));
  }
  if (me) {  // kept by the script before items named their worker: the phone's current worker's
    var old = queued();
    if (old.some(function (i) { return !i.user; })) {
      localStorage.setItem(STORE, JSON.stringify(old.map(function (i) { if (!i.user) { i.user = me; } return i; })));
    }
  }
  function note(text) {
    var items = mine();
    var failed = items.filter(function (i) { return i.failed; }).length;
    var n = items.length - failed;
    var base = n ? "（" + n + " 条暂存在手机上，联网后自动上报）" : "";
    if (failed) { base += (base ? "；" : "") + failed + " 条未被接受，请在今日工作中修改或删除"; }
    document.querySelectorAll("[data-queue-note]").forEach(function (el) {
      el.textContent = text || base;
      el.hidden = !el.textContent;
    });
  }
  function newKey() {
    return window.crypto && crypto.randomUUID ? crypto.randomUUID().replace(/-/g, "")
      : String(Date.now()) + Math.random().toString(16).slice(2);
  }
  function here() {  // this page's address without ?queued=
    var q = window.location.search.replace(/([?&])queued=[^&]*&?/, "$1").replace(/[?&]$/, "");
    return window.location.pathname + q;
  }
  function when(ms) {
    var at = new Date(ms);
    return (at.getMonth() + 1) + "月" + at.getDate() + "日 " + ("0" + at.getHours()).slice(-2) + ":" + ("0" + at.getMinutes()).slice(-2);
  }

  var waiting = {};  // key → the form on this page waiting for its answer
  var sending = false;
  function flush() {
    if (sending || !me) { return Promise.resolve(); }
    var item = mine().filter(function (i) { return !i.failed; })[0];
    if (!item) { return flushFiles(); }
    sending = true;
    var form = waiting[item.key];
    return post(item.url, item.data).then(function (d) {
      forget(item.key);
      if (form) { window.location.href = form.getAttribute("data-next") || d.url || window.location.href; return; }
      sending = false;
      return flush();
    }).catch(function (e) {
      sending = false;
      delete waiting[item.key];
      if (e.refused && form) {  // the form is still filled in on this page: fix it there
        forget(item.key);
        showError(form, e.refused);
        return flush();
      }
      if (e.refused) {  // kept, marked, never sent again until the worker fixes or deletes it
        mark(item.key, e.refused);
        return flush();
      }
      if (form) {  // no network or a lapsed login: kept on the phone; the form is free for the next one
        form.reset();
        if (form.elements.client_key) { form.elements.client_key.value = newKey(); }
        fillNow(form);
      }
      if (e.login) { note(e.message); }
      else if (form) { note("网络不好，" + item.label + "已暂存在手机上，联网后自动上报"); }
    });
  }

  function showError(form, text) {
    var box = form.querySelector("[data-error]");
    if (box) { box.textContent = text; box.hidden = !text; } else if (text) { window.alert(text); }
  }

  function fillNow(form) {
    var el = form.querySelector("[data-now]");
    if (!el) { return; }
    var d = new Date();
    d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
    el.value = d.toISOString().slice(0, 16);
    el.max = el.value;
  }

  // 今日工作's list of the worker's text forms on the phone: waiting, or refused with the reason
  function showText() {
    var items = mine();
    document.querySelectorAll("[data-queue-list]").forEach(function (box) {
      var ul = box.querySelector("ul");
      ul.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.setAttribute("data-queued-key", item.key);
        var d = item.data || {};
        var what = d.summary || d.place || d.description || d.tenant || d.name || "";
        li.appendChild(document.createTextNode(item.label + (what ? "：" + what.slice(0, 40) : "") +
          (item.at ? " · " + when(item.at) : "") + " · "));
        var state = document.createElement("span");
        state.className = item.failed ? "bad" : "muted small";
        state.textContent = item.failed ? "未被接受：" + item.failed : "待发送";
        li.appendChild(state);
        if (item.failed) {
          if (d.client_key && item.page) {  // a form with fields: back into its page to fix
            var fix = document.createElement("a");
            fix.className = "btn";
            fix.href = item.page + (item.page.indexOf("?") < 0 ? "?" : "&") + "queued=" + encodeURIComponent(item.key);
            fix.textContent = "修改后重发";
            li.appendChild(document.createTextNode(" ")); li.appendChild(fix);
          }
          var drop = document.createElement("button");
          drop.type = "button"; drop.className = "btn"; drop.textContent = "删除";
          drop.addEventListener("click", function () {
            if (window.confirm("删除这条手机上暂存的" + item.label + "？删除后不能恢复。")) { forget(item.key); }
          });
          li.appendChild(document.createTextNode(" ")); li.appendChild(drop);
        }
        ul.appendChild(li);
      });
      box.hidden = !items.length;
    });
  }

  var textForms = [];
  document.querySelectorAll("form[data-queue]").forEach(function (form) {
    if (form.querySelector("input[type=file]")) { fileForm(form); return; }
    textForms.push(form);
    fillNow(form);
    var grid = form.querySelector("select[name=grid]");
    var homes = form.querySelector("select[name=home]");
    function onlyGrid() {  // the homes of the chosen grid only
      if (!grid || !homes) { return; }
      Array.prototype.forEach.call(homes.options, function (o) {
        var g = o.getAttribute("data-grid");
        o.hidden = !!g && g !== grid.value;
      });
    }
    if (grid) { grid.addEventListener("change", onlyGrid); }
    form.onlyGrid = onlyGrid;
    onlyGrid();
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (!me) { form.submit(); return; }  // a page that does not name its worker: an ordinary post
      showError(form, "");
      var data = {};
      new FormData(form).forEach(function (v, k) { if (k !== "csrfmiddlewaretoken" && typeof v === "string") { data[k] = v; } });
      var key = data.client_key || form.getAttribute("action") || newKey();
      var items = others(key);
      items.push({ key: key, user: me, url: form.getAttribute("action") || here(), page: here(),
                   data: data, label: form.getAttribute("data-queue") || "记录", at: Date.now(), failed: "" });
      keep(items);
      waiting[key] = form;
      var button = form.querySelector("[type=submit]");
      if (button) { button.disabled = true; setTimeout(function () { button.disabled = false; }, 3000); }
      flush();
    });
  });
  (function refill() {  // 修改后重发: a refused text form back in its page, with the same key
    var editing = /[?&]queued=([^&]+)/.exec(window.location.search);
    if (!editing || !me) { return; }
    var key = decodeURIComponent(editing[1]);
    var item = mine().filter(function (i) { return i.key === key; })[0];
    if (!item) { return; }
    var form = textForms.filter(function (f) { return f.getAttribute("action") === item.url; })[0] ||
      textForms.filter(function (f) { return !f.getAttribute("action"); })[0];
    if (!form) { return; }
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.type === "file" || el.type === "submit") { return; }
      if (el.type === "checkbox" || el.type === "radio") { el.checked = item.data[el.name] === el.value; return; }
      if (Object.prototype.hasOwnProperty.call(item.data, el.name)) {
        if (el.tagName === "SELECT" && !Array.prototype.some.call(el.options, function (o) { return o.value === item.data[el.name]; })) {
          return;  // a choice no longer offered (e.g. a grid that is not the worker's): chosen again
        }
        el.value = item.data[el.name];
      }
    });
    if (form.onlyGrid) { form.onlyGrid(); }
    showError(form, item.failed ? "上次未被接受：" + item.failed : "");
  })();

  // ---- forms with photos: IndexedDB ----
  function db() {
    if (!dbOpen) {
      dbOpen = new Promise(function (resolve, reject) {
        if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
        var r = indexedDB.open("cc-grid-queue", 1);
        r.onupgradeneeded = function () { r.result.createObjectStore("forms", { keyPath: "id", autoIncrement: true }); };
        r.onsuccess = function () { resolve(r.result); };
        r.onerror = function () { reject(r.error); };
      });
    }
    return dbOpen;
  }
  function tx(mode, fn) {  // resolves with the request's result once the transaction is done
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction("forms", mode);
        var req = fn(t.objectStore("forms"));
        t.oncomplete = function () { resolve(req ? req.result : undefined); };
        t.onerror = t.onabort = function () { reject(t.error || (req && req.error)); };
      });
    });
  }
  function stored() {
    if (!me || !window.indexedDB) { return Promise.resolve([]); }
    return tx("readonly", function (st) { return st.getAll(); }).then(function (l) {
      return (l || []).filter(function (i) { return i.user === me; });
    });
  }
  function storedPut(item) { return tx("readwrite", function (st) { return st.put(item); }); }
  function storedDelete(id) { return tx("readwrite", function (st) { return st.delete(id); }); }

  function sendFiles(item) {
    var body = new FormData();
    item.fields.forEach(function (p) { body.append(p[0], p[1]); });
    item.files.forEach(function (f) { body.append(f.field, f.blob, f.name); });
    // photos take longer than a patrol point: a request the network swallowed gives up after 60 s
    var abort = window.AbortController ? new AbortController() : null;
    var timer = abort ? setTimeout(function () { abort.abort(); }, 60000) : null;
    return fetch(item.url, {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
      signal: abort ? abort.signal : undefined
    })
      .finally(function () { if (timer) { clearTimeout(timer); } })
      .then(answer)  // the app's JSON with the event's id; refused, lapsed login, or try again
      .then(function (d) { if (!d.id) { throw new Error("未收到服务器的确认，稍后自动重发"); } return d; });
  }

  function flushFiles() {
    if (sending) { return Promise.resolve(); }
    sending = true;
    return stored().then(function (items) {
      var item = items.filter(function (i) { return !i.failed; })[0];
      if (!item) { sending = false; return showFiles(items); }
      var form = waitingFiles[item.key];
      return sendFiles(item).then(function (d) {
        return storedDelete(item.id).then(function () {
          if (form) { window.location.href = d.url || form.getAttribute("data-next") || window.location.href; return; }
          sending = false;
          return flushFiles();
        });
      }, function (e) {
        delete waitingFiles[item.key];
        if (e.refused && form) {  // the form is still filled in on this page: fix it there
          return storedDelete(item.id).then(function () {
            sending = false;
            showError(form, e.refused);
            fileNote("");
            return flushFiles();
          });
        }
        if (e.refused) {  // kept, marked, never sent again until the worker fixes it
          item.failed = e.refused;
          return storedPut(item).then(function () { sending = false; return flushFiles(); });
        }
        sending = false;  // no network (or the server is down): tried again later, in order
        if (form) { freshForm(form); }
        return stored().then(showFiles).then(function () {
          if (e.login) { fileNote(e.message); }
        });
      });
    }, function () { sending = false; });
  }

  function fileNote(text) {
    document.querySelectorAll("[data-files-note]").forEach(function (el) { el.textContent = text; el.hidden = !text; });
  }
  function showFiles(items) {
    var waiting = items.filter(function (i) { return !i.failed; }).length;
    var failed = items.length - waiting;
    var text = waiting ? "已保存在手机上，联网后自动上报（" + waiting + " 条待发送）" : "";
    if (failed) { text += (text ? "；" : "") + failed + " 条未被接受，请在今日工作中修改或删除"; }
    fileNote(text);
    document.querySelectorAll("[data-files-list]").forEach(function (box) {
      var ul = box.querySelector("ul");
      ul.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.setAttribute("data-queued", item.id);
        var at = new Date(item.at);
        li.appendChild(document.createTextNode(item.title + " · " + (at.getMonth() + 1) + "月" + at.getDate() + "日 " +
          ("0" + at.getHours()).slice(-2) + ":" + ("0" + at.getMinutes()).slice(-2) + " · 照片 " + item.files.length + " 张 · "));
        var state = document.createElement("span");
        state.className = item.failed ? "bad" : "muted small";
        state.textContent = item.failed ? "未被接受：" + item.failed : "待发送";
        li.appendChild(state);
        if (item.failed) {
          var fix = document.createElement("a");
          fix.className = "btn"; fix.href = item.page + "?queued=" + item.id; fix.textContent = "修改后重发";
          var drop = document.createElement("button");
          drop.type = "button"; drop.className = "btn"; drop.textContent = "删除";
          drop.addEventListener("click", function () {
            if (window.confirm("删除这条手机上暂存的" + item.label + "？删除后不能恢复。")) {
              storedDelete(item.id).then(stored).then(showFiles);
            }
          });
          li.appendChild(document.createTextNode(" ")); li.appendChild(fix);
          li.appendChild(document.createTextNode(" ")); li.appendChild(drop);
        }
        ul.appendChild(li);
      });
      box.hidden = !items.length;
    });
  }

  function freshForm(form) {
    form.reset();
    if (form.elements.client_key) { form.elements.client_key.value = newKey(); }
    form.removeAttribute("data-replaces");
    form.removeAttribute("data-position-kept");
    form.reuse = null;
    var reused = form.querySelector("[data-reused]");
    if (reused) { reused.hidden = true; }
  }

  function decode(file) {
    if (window.createImageBitmap) { return createImageBitmap(file); }
    return new Promise(function (resolve, reject) {
      var img = new Image();
      img.onload = function () { resolve(img); };
      img.onerror = reject;
      img.src = URL.createObjectURL(file);
    });
  }
  function scaled(file) {  // a photo as a JPEG of at most 1600 px; anything else as it is
    var same = { blob: file, name: file.name || "photo" };
    if (!/^image\/(jpeg|png|webp|bmp)/.test(file.type)) { return Promise.resolve(same); }
    return decode(file).then(function (img) {
      var k = Math.min(1, MAX_PX / Math.max(img.width, img.height));
      var c = document.createElement("canvas");
      c.width = Math.max(1, Math.round(img.width * k));
      c.height = Math.max(1, Math.round(img.height * k));
      var g = c.getContext("2d");
      g.fillStyle = "#fff";
      g.fillRect(0, 0, c.width, c.height);
      g.drawImage(img, 0, 0, c.width, c.height);
      return new Promise(function (resolve) { c.toBlob(resolve, "image/jpeg", 0.85); }).then(function (blob) {
        if (!blob || (k === 1 && file.type === "image/jpeg" && blob.size >= file.size)) { return same; }
        return { blob: blob, name: (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg" };
      });
    }).catch(function () { return same; });
  }

  function fileForm(form) {
    var label = form.getAttribute("data-queue") || "记录";
    var editing = /[?&]queued=(\d+)/.exec(window.location.search);
    if (editing) {  // 修改后重发: the refused form back in the page, its photos kept unless replaced
      stored().then(function (items) {
        var item = items.filter(function (i) { return String(i.id) === editing[1]; })[0];
        if (!item) { return; }
        item.fields.forEach(function (p) {
          var el = form.elements[p[0]];
          if (el && el.type !== "file" && (p[1] || el.type !== "hidden")) { el.value = p[1]; }
        });
        if (form.elements.lat && form.elements.lat.value) {  // where it was found, not where the worker is now
          form.setAttribute("data-position-kept", "");
          var status = form.querySelector("[data-locate-status]");
          if (status) { status.textContent = "沿用登记时的位置"; }
        }
        form.setAttribute("data-replaces", item.id);
        form.reuse = item.files;
        var reused = form.querySelector("[data-reused]");
        if (reused) { reused.textContent = "沿用暂存的照片 " + item.files.length + " 张（重新选择将替换）"; reused.hidden = !item.files.length; }
        showError(form, item.failed ? "上次未被接受：" + item.failed : "");
      });
    }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (!me || !window.indexedDB) { form.submit(); return; }  // an ordinary upload
      showError(form, "");
      var button = form.querySelector("[type=submit]");
      if (button) { button.disabled = true; }
      var fields = [];
      var files = [];
      new FormData(form).forEach(function (v, k) {
        if (k === "csrfmiddlewaretoken") { return; }
        if (typeof v === "string") { fields.push([k, v]); } else if (v && v.size) { files.push([k, v]); }
      });
      if (!files.length && form.reuse) {
        files = null;
      }
      var replaces = form.getAttribute("data-replaces");
      var key = (form.elements.client_key && form.elements.client_key.value) || newKey();
      Promise.all((files || []).map(function (p) {
        return scaled(p[1]).then(function (s) { return { field: p[0], name: s.name, blob: s.blob }; });
      })).then(function (photos) {
        if (files === null) { photos = form.reuse; }
        return stored().then(function (items) {
          var max = parseInt(form.getAttribute("data-queue-max-bytes"), 10) || 50 * 1048576;
          var others = items.filter(function (i) { return i.key !== key && String(i.id) !== replaces; });
          var bytes = photos.reduce(function (n, f) { return n + f.blob.size; }, 0);
          var held = others.reduce(function (n, i) { return n + (i.bytes || 0); }, 0);
          if (held + bytes > max) {
            throw new Error("手机上暂存的照片已满（上限 " + Math.round(max / 1048576) + " MB），请联网发送已保存的" + label + "后再登记，或少选几张照片。");
          }
          var title = form.elements.title ? form.elements.title.value : label;
          var item = { user: me, key: key, url: form.getAttribute("action") || window.location.pathname, page: window.location.pathname,
                       label: label, title: title, fields: fields, files: photos, bytes: bytes, at: Date.now(), failed: "" };
          var old = items.filter(function (i) { return i.key === key || String(i.id) === replaces; });
          return Promise.all(old.map(function (i) { return storedDelete(i.id); })).then(function () { return storedPut(item); });
        });
      }).then(function () {
        if (navigator.onLine === false) {  // kept on the phone; the form is free for the next one
          freshForm(form);
          return stored().then(showFiles);
        }
        waitingFiles[key] = form;
        fileNote("正在上报……");
        return flush();
      }, function (e) {
        if (e && e.message && e.message.indexOf("手机上暂存的照片已满") === 0) { showError(form, e.message); return; }
        if (e && e.name === "QuotaExceededError") { showError(form, "手机存储空间不足，无法暂存照片，请清理手机空间或联网后再登记。"); return; }
        form.submit();  // no IndexedDB on this phone: an ordinary upload
      }).finally(function () { if (button) { button.disabled = false; } });
    });
  }

  window.addEventListener("online", flush);
  setInterval(flush, 20000);
  note();
  showText();
  if (window.indexedDB && document.querySelector("[data-files-note], [data-files-list]")) {
    stored().then(showFiles).catch(function () { return null; });
  }
  flush();
})();
