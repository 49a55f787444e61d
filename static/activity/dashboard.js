/* Draws the activity dashboard's charts (ECharts, vendored) from #activity-data.
   Without JavaScript the tables show the same numbers. */
(function () {
  "use strict";
  var COLORS = ["#0b5cad", "#1a7f37", "#bc4c00", "#8250df", "#cf222e", "#6e7781", "#0a7ea4", "#9a6700"];

  fkCharts("activity-dashboard", "activity-data", function (root, d, make, narrow) {
    var daily = root.querySelector('[data-chart="daily"]');
    if (daily) {
      var series = [{ type: "line", name: d.total.name, data: d.total.data, lineStyle: { width: 3 }, symbolSize: 4 }];
      d.modules.forEach(function (m) { series.push({ type: "line", name: m.name, data: m.data, symbolSize: 3 }); });
      make(daily, {
        grid: { left: 40, right: 16, top: narrow ? 60 : 34, bottom: 24 },
        legend: { top: 0, type: "scroll" },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: d.days },
        yAxis: { type: "value", minInterval: 1 },
        series: series
      });
    }
    var units = root.querySelector('[data-chart="units"]');
    if (units) {
      units.style.height = Math.max(160, d.units.labels.length * 26 + 60) + "px";
      make(units, {
        grid: { left: narrow ? 90 : 130, right: 30, top: 30, bottom: 20 },
        legend: { top: 0 },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", inverse: true, data: d.units.labels },
        series: [
          { type: "bar", name: "今日", data: d.units.today, label: { show: true, position: "right" } },
          { type: "bar", name: "7 天日均", data: d.units.avg7 }
        ]
      });
    }
  }, COLORS);
})();
