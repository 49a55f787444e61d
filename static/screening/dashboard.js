/* Draws the screening dashboard's charts (ECharts, vendored) from #screening-dashboard-data, and
   again after every htmx refresh. Without JavaScript the tables show the same numbers. */
(function () {
  "use strict";
  var BLUE = "#0b5cad", GREEN = "#1a7f37", ORANGE = "#bc4c00", GREY = "#6e7781", RED = "#cf222e";

  fkCharts("screening-dashboard", "screening-dashboard-data", function (root, d, make, narrow) {
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var kind = el.getAttribute("data-chart");
      if (kind === "funnel") {
        make(el, {
          grid: { left: 70, right: 50, top: 10, bottom: 20 },
          tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
          xAxis: { type: "value", minInterval: 1 },
          yAxis: { type: "category", inverse: true, data: d.funnel.labels },
          series: [{ type: "bar", data: d.funnel.values, itemStyle: { color: BLUE }, label: { show: true, position: "right" } }]
        });
      } else if (kind === "identification") {
        var colors = [GREEN, BLUE, ORANGE, GREY, RED];
        make(el, {
          grid: { left: 80, right: 20, top: 34, bottom: 20 },
          legend: { top: 0 },
          tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
          xAxis: { type: "value", minInterval: 1 },
          yAxis: { type: "category", inverse: true, data: d.identification.labels },
          series: d.identification.series.map(function (s, i) {
            return { type: "bar", stack: "all", name: s.name, data: s.data, itemStyle: { color: colors[i % colors.length] } };
          })
        });
      } else if (kind === "times") {
        var n = d.times.labels.length;
        el.style.height = Math.max(200, n * (narrow ? 46 : 40) + 80) + "px";
        var shades = [[BLUE, "#8fb8e8"], [GREEN, "#9fd8ae"], [ORANGE, "#f0b48a"]];
        var series = [];
        d.times.series.forEach(function (s, i) {
          series.push({ type: "bar", name: s.name + " " + d.times.median, data: s.median, itemStyle: { color: shades[i][0] } });
          series.push({ type: "bar", name: s.name + " " + d.times.p90, data: s.p90, itemStyle: { color: shades[i][1] } });
        });
        make(el, {
          grid: { left: narrow ? 96 : 130, right: 24, top: narrow ? 60 : 34, bottom: 20 },
          legend: { top: 0 },
          tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
          xAxis: { type: "value", minInterval: 1, axisLabel: { formatter: "{value} " + d.times.unit } },
          yAxis: { type: "category", inverse: true, data: d.times.labels, axisLabel: { width: narrow ? 88 : 120, overflow: "truncate" } },
          series: series
        });
      }
    });
  });
})();
