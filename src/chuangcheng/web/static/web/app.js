/* 创城 pages: live countdowns, dialogs, unit filter. No framework; htmx handles partials. */
(function () {
  "use strict";
  var SOON_MS = 24 * 3600 * 1000;

  function durationText(ms) {
    var minutes = Math.floor(Math.abs(ms) / 60000);
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60);
    if (days) return days + "天" + hours + "小时";
    if (hours) return hours + "小时";
    return (minutes % 60) + "分钟";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-due"));
      if (isNaN(due)) return;
      var left = due - now;
      el.classList.remove("ok", "soon", "overdue");
      if (left < 0) {
        el.textContent = "已超期 " + durationText(left);
        el.classList.add("overdue");
      } else {
        el.textContent = "剩余 " + durationText(left);
        el.classList.add(left < SOON_MS ? "soon" : "ok");
      }
    });
  }

  function openDialog(dlg) {
    if (!dlg) return;
    if (typeof dlg.showModal === "function") { if (!dlg.open) dlg.showModal(); }
    else dlg.setAttribute("open", "open");
    var first = dlg.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  }

  document.addEventListener("click", function (ev) {
    var opener = ev.target.closest("[data-open]");
    if (opener) { openDialog(document.getElementById(opener.getAttribute("data-open"))); return; }
    var closer = ev.target.closest("[data-close]");
    if (closer) { var d = closer.closest("dialog"); if (d) d.close(); }
  });

  // a form that asks before it goes (data-confirm; no inline handlers under the CSP)
  document.addEventListener("submit", function (ev) {
    var form = ev.target.closest && ev.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.getAttribute("data-confirm"))) ev.preventDefault();
  }, true);

  // 直接办结: show the answer box only when chosen
  document.addEventListener("change", function (ev) {
    if (ev.target.id === "id_answer_now") {
      var box = document.getElementById("answer-box");
      if (box) box.hidden = !ev.target.checked;
    }
  });

  // filter the options of a unit select by typed text
  document.addEventListener("input", function (ev) {
    var id = ev.target.getAttribute && ev.target.getAttribute("data-filter-for");
    if (!id) return;
    var sel = document.getElementById(id), q = ev.target.value.trim();
    if (!sel) return;
    Array.prototype.forEach.call(sel.options, function (opt) {
      var text = opt.getAttribute("data-search") || opt.text;  // name, 简称, 别名 (widgets.py)
      opt.hidden = !!q && opt.value !== "" && text.indexOf(q) === -1;
    });
    if (q && sel.selectedOptions.length && sel.selectedOptions[0].hidden && !sel.multiple) {
      var firstVisible = Array.prototype.find.call(sel.options, function (o) { return !o.hidden && o.value; });
      if (firstVisible) sel.value = firstVisible.value;
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 30000);
    document.querySelectorAll("dialog[data-autoopen]").forEach(openDialog);
  });
})();
