// The grid pages' phone queue: `ccGrid.post` sends a request that gives up after 10 s (the
// patrol page uses it too); a form marked data-queue is kept in localStorage with its client
// key until the server has it, so a bad network loses nothing and a resend never doubles (the
// server answers the same key with the same record). A form with photos (the event form) is kept
// in IndexedDB instead (its fields and its photos as Blobs, scaled to ≤ 1600 px JPEG first) and
// sent as multipart FormData, in order, one at a time; a form the server refuses stays on the
// phone marked failed with the server's message (今日工作 lists it) until the worker fixes or
// deletes it.
(function () {
  "use strict";
  var STORE = "cc-grid-queue";
  // whose queue of forms with photos: a phone shared by two workers sends each one's forms only
  // in their own session
  var who = document.querySelector("[data-queue-user]");
  var me = who ? who.getAttribute("data-queue-user") : "";
  var MAX_PX = 1600;  // photos kept on the phone: at most this long on their long side
  var dbOpen = null;
  var waitingFiles = {};  // client key → the form with photos on this page waiting for its answer
  var csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";

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
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (d) {
          if (!r.ok) { var e = new Error(d.detail || "提交失败"); e.status = r.status; throw e; }
          return d;
        });
      });
  }
  window.ccGrid = { post: post };

  function queued() { try { return JSON.parse(localStorage.getItem(STORE) || "[]"); } catch (e) { return []; } }
  function keep(items) { localStorage.setItem(STORE, JSON.stringify(items)); note(); }
  function forget(key) { keep(queued().filter(function (i) { return i.key !== key; })); }
  function note(text) {
    var n = queued().length;
    document.querySelectorAll("[data-queue-note]").forEach(function (el) {
      el.textContent = text || (n ? "（" + n + " 条暂存在手机上，联网后自动上报）" : "");
      el.hidden = !el.textContent;
    });
  }
  function newKey() {
    return window.crypto && crypto.randomUUID ? crypto.randomUUID().replace(/-/g, "")
      : String(Date.now()) + Math.random().toString(16).slice(2);
  }

  var waiting = {};  // key → the form on this page waiting for its answer
  var sending = false;
  function flush() {
    if (sending) { return Promise.resolve(); }
    var items = queued();
    if (!items.length) { return flushFiles(); }
    sending = true;
    var item = items[0];
    return post(item.url, item.data).then(function (d) {
      forget(item.key);
      var form = waiting[item.key];
      if (form) { window.location.href = form.getAttribute("data-next") || d.url || window.location.href; return; }
      sending = false;
      return flush();
    }).catch(function (e) {
      sending = false;
      var form = waiting[item.key];
      if (e.status && e.status >= 400 && e.status < 500 && e.status !== 408 && e.status !== 429) {
        // refused (bad input, not allowed): not sent again; the form on the page says why
        forget(item.key);
        if (form) { showError(form, e.message); delete waiting[item.key]; }
        else { note("一条暂存的" + item.label + "未被接受：" + e.message); }
        return flush();
      }
      if (form) {  // offline: kept on the phone; the form is free for the next one
        delete waiting[item.key];
        form.reset();
        if (form.elements.client_key) { form.elements.client_key.value = newKey(); }
        fillNow(form);
        note("网络不好，" + item.label + "已暂存在手机上，联网后自动上报");
      }
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

  document.querySelectorAll("form[data-queue]").forEach(function (form) {
    if (form.querySelector("input[type=file]")) { fileForm(form); return; }
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
    if (grid) { grid.addEventListener("change", onlyGrid); onlyGrid(); }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      showError(form, "");
      var data = {};
      new FormData(form).forEach(function (v, k) { if (k !== "csrfmiddlewaretoken" && typeof v === "string") { data[k] = v; } });
      var key = data.client_key || form.getAttribute("action") || newKey();
      var items = queued().filter(function (i) { return i.key !== key; });
      items.push({ key: key, url: form.getAttribute("action") || window.location.pathname + window.location.search,
                   data: data, label: form.getAttribute("data-queue") || "记录" });
      keep(items);
      waiting[key] = form;
      var button = form.querySelector("[type=submit]");
      if (button) { button.disabled = true; setTimeout(function () { button.disabled = false; }, 3000); }
      flush();
    });
  });

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
    if (!me) { return Promise.resolve([]); }
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
      .then(function (r) {
        return r.json().catch(function () { return null; }).then(function (d) {
          if (r.ok && d && d.id) { return d; }
          var e = new Error(r.ok ? "登录已过期，请重新登录后自动上报" : "提交失败");
          // refused: only the app's own answer (JSON with its Chinese reason) says the form is bad;
          // a proxy's page, a lapsed login or a server error is tried again later
          if (!r.ok && d && d.detail && r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429) {
            var why = [d.detail];
            Object.keys(d.fields || {}).forEach(function (k) { why = why.concat(d.fields[k]); });
            e.refused = why.join(" ");
          }
          throw e;
        });
      });
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
          if (e.message.indexOf("登录") === 0) { fileNote(e.message); }
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
  if (window.indexedDB && document.querySelector("[data-files-note], [data-files-list]")) {
    stored().then(showFiles).catch(function () { return null; });
  }
  flush();
})();
