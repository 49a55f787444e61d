/* The dashboards' ECharts scaffolding (ECharts vendored): fkCharts(rootId, dataId, draw, colors)
   parses the JSON the page embeds in #dataId and calls draw(root, data, make, narrow), where
   make(el, option) creates a chart; the charts are disposed before an htmx swap of #rootId,
   drawn again after it settles, and resized with the window. Without JavaScript the tables
   beside the charts show the same numbers. */
window.fkCharts = function (rootId, dataId, draw, colors) {
  "use strict";
  var charts = [];
  var FONT = '-apple-system,"PingFang SC","Hiragino Sans GB","Noto Sans CJK SC","Microsoft YaHei",sans-serif';

  function dispose() {
    charts.forEach(function (c) { c.dispose(); });
    charts = [];
  }

  function make(el, option) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    option.animation = false;
    option.textStyle = { fontFamily: FONT };
    if (colors) option.color = colors;
    chart.setOption(option);
    charts.push(chart);
  }

  function run() {
    var node = document.getElementById(dataId);
    var root = document.getElementById(rootId);
    if (!node || !root || typeof echarts === "undefined") return;
    dispose();
    draw(root, JSON.parse(node.textContent), make, window.innerWidth < 720);
  }

  document.addEventListener("DOMContentLoaded", run);
  document.addEventListener("htmx:beforeSwap", function (e) { if (e.detail.target && e.detail.target.id === rootId) dispose(); });
  document.addEventListener("htmx:afterSettle", run);
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
};
