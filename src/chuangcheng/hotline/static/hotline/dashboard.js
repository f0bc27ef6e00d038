/* 领导看板 charts (ECharts, vendored). Data comes from the json_script "chart-data".
   Every bar, point and slice opens the 工单查询 list of the orders it counts. */
(function () {
  "use strict";
  var COLORS = ["#b71c1c", "#1f4e79", "#e08e0b", "#2e7d32", "#6a1b9a", "#00838f", "#8d6e63", "#546e7a"];
  var FONT = '"PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif';

  function chart(id, option, linkFor) {
    var el = document.getElementById(id);
    if (!el || typeof echarts === "undefined") return;
    var c = echarts.init(el, null, { renderer: "canvas" });
    option.color = COLORS;
    option.textStyle = { fontFamily: FONT };
    option.animation = false;
    c.setOption(option);
    if (linkFor) {
      c.on("click", function (p) {
        var url = linkFor(p);
        if (url) window.location.href = url;
      });
    }
    window.addEventListener("resize", function () { c.resize(); });
    el.setAttribute("data-rendered", "1");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("chart-data");
    if (!el) return;
    var d = JSON.parse(el.textContent);
    var pctFmt = function (v) { return v == null ? "—" : v + "%"; };
    // Every unit gets a readable row: 15 at a time (the best at the top), the rest one scroll
    // or one drag of the slider away, rather than every other name left out.
    var ranked = d.ranking.names.length, shown = 15;
    chart("chart-ranking", {
      grid: { left: 150, right: ranked > shown ? 60 : 40, top: 10, bottom: 44 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "value", max: 100, name: "综合得分", nameLocation: "middle", nameGap: 26 },
      yAxis: {
        type: "category", data: d.ranking.names,
        axisLabel: { width: 140, overflow: "truncate", interval: 0 }
      },
      dataZoom: ranked > shown ? [
        { type: "slider", yAxisIndex: 0, width: 12, right: 8, startValue: ranked - shown,
          endValue: ranked - 1, zoomLock: true, showDetail: false, brushSelect: false },
        { type: "inside", yAxisIndex: 0, zoomOnMouseWheel: false, moveOnMouseWheel: true }
      ] : [],
      series: [{ type: "bar", data: d.ranking.scores, label: { show: true, position: "right" } }],
      graphic: d.ranking.names.length ? [] : [{ type: "text", left: "center", top: "middle", style: { text: "本月暂无有效回访", fill: "#999" } }]
    }, function (p) { return d.ranking.links[p.dataIndex]; });
    chart("chart-trend", {
      grid: { left: 50, right: 50, top: 40, bottom: 40 },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      xAxis: { type: "category", data: d.trend.months, axisLabel: { rotate: 30 } },
      yAxis: [{ type: "value", name: "件" }, { type: "value", name: "%", min: 0, max: 100 }],
      series: [
        { name: "受理量", type: "bar", data: d.trend.received },
        { name: "办结量", type: "bar", data: d.trend.completed },
        { name: "响应率", type: "line", yAxisIndex: 1, data: d.trend.response, tooltip: { valueFormatter: pctFmt } },
        { name: "解决率", type: "line", yAxisIndex: 1, data: d.trend.resolution, tooltip: { valueFormatter: pctFmt } },
        { name: "满意率", type: "line", yAxisIndex: 1, data: d.trend.satisfaction, tooltip: { valueFormatter: pctFmt } }
      ]
    }, function (p) { return (d.trend.links[p.seriesName] || [])[p.dataIndex]; });
    chart("chart-type", {
      tooltip: { trigger: "item" },
      legend: { bottom: 0 },
      series: [{ type: "pie", radius: ["35%", "65%"], data: d.by_type, label: { formatter: "{b} {c}" } }]
    }, function (p) { return (d.by_type[p.dataIndex] || {}).link; });
    chart("chart-category", {
      grid: { left: 110, right: 40, top: 10, bottom: 30 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: d.by_category.map(function (r) { return r.name; }).reverse() },
      series: [{ type: "bar", data: d.by_category.map(function (r) { return r.value; }).reverse(), label: { show: true, position: "right" } }]
    }, function (p) { return (d.by_category[d.by_category.length - 1 - p.dataIndex] || {}).link; });
  });
})();
