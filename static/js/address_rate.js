/* The identification-rate page's chart (vendored ECharts): decisions per day as stacked bars
   and the room identification rate as a line. The tables below carry the same numbers. */
(function () {
  "use strict";
  var FONT = '-apple-system,"PingFang SC","Hiragino Sans GB","Noto Sans CJK SC","Microsoft YaHei",sans-serif';
  var COLORS = { matched: "#1a7f37", alias: "#4ac26b", committee_only: "#0b5cad", review: "#d4a72c",
                 outside: "#8c959f", confirmed: "#8250df", rejected: "#cf222e", rate: "#24292f" };
  function draw() {
    var el = document.getElementById("rate-chart");
    var data = document.getElementById("rate-data");
    if (!el || !data || typeof echarts === "undefined") return;
    var d = JSON.parse(data.textContent);
    var series = ["matched", "alias", "committee_only", "review", "outside"].map(function (k) {
      return { name: d.names[k], type: "bar", stack: "auto", data: d.series[k], itemStyle: { color: COLORS[k] } };
    });
    ["confirmed", "rejected"].forEach(function (k) {
      series.push({ name: d.names[k], type: "bar", stack: "human", data: d.series[k], itemStyle: { color: COLORS[k] } });
    });
    series.push({ name: d.names.rate, type: "line", yAxisIndex: 1, data: d.rate, connectNulls: true,
                  itemStyle: { color: COLORS.rate }, lineStyle: { width: 2 } });
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false, textStyle: { fontFamily: FONT },
      legend: { top: 0 }, tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 44, right: 48, top: 48, bottom: 28 },
      xAxis: { type: "category", data: d.labels, axisLabel: { hideOverlap: true } },
      yAxis: [{ type: "value", minInterval: 1 }, { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }],
      series: series
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
