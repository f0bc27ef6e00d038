// The grid pages' phone queue: `ccGrid.post` sends a request that gives up after 10 s (the
// patrol page uses it too); a form marked data-queue is kept in localStorage with its client
// key until the server has it, so a bad network loses nothing and a resend never doubles (the
// server answers the same key with the same record).
(function () {
  "use strict";
  var STORE = "cc-grid-queue";
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
    if (!items.length) { return Promise.resolve(); }
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

  window.addEventListener("online", flush);
  setInterval(flush, 20000);
  note();
  flush();
})();
