/* 创城测评得分率: the trend of the year as a line chart (ECharts, vendored). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("ev-trend");
    var src = document.getElementById("ev-trend-data");
    if (!el || !src || typeof echarts === "undefined") return;
    var d = JSON.parse(src.textContent);
    var c = echarts.init(el, null, { renderer: "canvas" });
    c.setOption({
      animation: false,
      color: ["#b71c1c"],
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
      grid: { left: 40, right: 10, top: 20, bottom: 30 },
      xAxis: { type: "category", data: d.labels },
      yAxis: { type: "value", min: 50, max: 100, name: "得分率 %" },
      series: [{ type: "line", data: d.rates, label: { show: true }, connectNulls: true }]
    });
    window.addEventListener("resize", function () { c.resize(); });
    el.setAttribute("data-rendered", "1");
  });
})();
