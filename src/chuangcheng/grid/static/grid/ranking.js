/* 网格月度指标: the chosen indicator per grid as a bar chart (ECharts, vendored), and tables
   sorted by a click on a column's head (numbers by their value, a blank rate last). */
(function () {
  "use strict";
  function chart() {
    var el = document.getElementById("gd-chart");
    var src = document.getElementById("gd-chart-data");
    if (!el || !src || typeof echarts === "undefined") return;
    var d = JSON.parse(src.textContent);
    var c = echarts.init(el, null, { renderer: "canvas" });
    c.setOption({
      animation: false,
      color: ["#1f4e79"],
      tooltip: { trigger: "axis" },
      grid: { left: 48, right: 10, top: 28, bottom: 60 },
      xAxis: { type: "category", data: d.names, axisLabel: { interval: 0, rotate: d.names.length > 6 ? 30 : 0 } },
      yAxis: d.percent ? { type: "value", max: 100, name: d.label + "（%）" } : { type: "value", name: d.label, minInterval: 1 },
      series: [{ type: "bar", data: d.values, label: { show: true, position: "top" } }]
    });
    window.addEventListener("resize", function () { c.resize(); });
    el.setAttribute("data-rendered", "1");
  }

  function sortable(table) {
    table.querySelectorAll("th[data-sort]").forEach(function (th, col) {
      th.style.cursor = "pointer";
      th.addEventListener("click", function () {
        var desc = th.getAttribute("data-dir") !== "desc";
        table.querySelectorAll("th[data-sort]").forEach(function (h) { h.removeAttribute("data-dir"); });
        th.setAttribute("data-dir", desc ? "desc" : "asc");
        var numeric = th.getAttribute("data-sort") === "num";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows).filter(function (r) { return r.cells.length > col; });
        rows.sort(function (a, b) {
          var x = a.cells[col], y = b.cells[col];
          if (numeric) {
            var u = parseFloat(x.getAttribute("data-v")), v = parseFloat(y.getAttribute("data-v"));
            if (u < 0 && v >= 0) return 1;
            if (v < 0 && u >= 0) return -1;
            return desc ? v - u : u - v;
          }
          return desc ? y.textContent.localeCompare(x.textContent, "zh") : x.textContent.localeCompare(y.textContent, "zh");
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    chart();
    document.querySelectorAll("table.sortable").forEach(sortable);
  });
})();
