/* Draws the dashboard's charts (ECharts, vendored) from the JSON the page embeds, and again
   after every htmx refresh of #dashboard. Without JavaScript the tables beside them show the
   same numbers. */
(function () {
  "use strict";
  var COLORS = { pending: "#d4a72c", on_hold: "#bf8700", overdue: "#cf222e", bar: "#0b5cad" };

  fkCharts("dashboard", "dashboard-data", function (root, d, make, narrow) {
    root.classList.add("charts-on");
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var kind = el.getAttribute("data-chart");
      if (kind === "statuses") {
        make(el, {
          grid: { left: 70, right: 40, top: 10, bottom: 20 },
          tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
          xAxis: { type: "value", minInterval: 1 },
          yAxis: { type: "category", inverse: true, data: d.statuses.labels },
          series: [{ type: "bar", data: d.statuses.values, itemStyle: { color: COLORS.bar },
                     label: { show: true, position: "right" } }]
        });
      } else if (kind === "hours") {
        make(el, {
          grid: { left: 44, right: 28, top: 16, bottom: 40 },
          tooltip: { trigger: "axis" },
          xAxis: { type: "category", data: d.hours.labels, axisLabel: { hideOverlap: true } },
          yAxis: { type: "value", minInterval: 1 },
          series: [{ type: "bar", name: d.series_names.bookings, data: d.hours.values, itemStyle: { color: COLORS.bar } }]
        });
      } else if (kind === "rows") {
        var n = d.rows.labels.length;
        el.style.height = Math.max(160, n * (narrow ? 20 : 22) + 70) + "px";
        make(el, {
          grid: { left: narrow ? 96 : 130, right: 24, top: 34, bottom: 20 },
          legend: { top: 0 },
          tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
          xAxis: { type: "value", minInterval: 1 },
          yAxis: { type: "category", inverse: true, data: d.rows.labels,
                   axisLabel: { width: narrow ? 88 : 120, overflow: "truncate" } },
          series: [
            { type: "bar", stack: "backlog", name: d.series_names.pending, data: d.rows.pending, itemStyle: { color: COLORS.pending } },
            { type: "bar", stack: "backlog", name: d.series_names.on_hold, data: d.rows.on_hold, itemStyle: { color: COLORS.on_hold } },
            { type: "bar", name: d.series_names.overdue, data: d.rows.overdue, itemStyle: { color: COLORS.overdue } }
          ]
        });
      }
    });
  });
})();
