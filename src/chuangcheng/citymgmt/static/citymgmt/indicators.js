/* 城管考核: the departments' 综合指标值 as a bar chart (ECharts, vendored). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("cm-chart");
    var src = document.getElementById("cm-chart-data");
    if (!el || !src || typeof echarts === "undefined") return;
    var d = JSON.parse(src.textContent);
    var c = echarts.init(el, null, { renderer: "canvas" });
    c.setOption({
      animation: false,
      color: ["#1f4e79"],
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 10, top: 20, bottom: 40 },
      xAxis: { type: "category", data: d.names },
      yAxis: { type: "value", max: 100, name: "综合指标值" },
      series: [{ type: "bar", data: d.scores, label: { show: true, position: "top" } }]
    });
    window.addEventListener("resize", function () { c.resize(); });
    el.setAttribute("data-rendered", "1");
  });
})();
