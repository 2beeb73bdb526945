// report.js: the page of `memnet eval --html` (core/eval_report_html.cpp inlines it after
// d3.min.js and heatmap.js). Reads the JSON of the script element #report-data (its shape is in
// core/eval_report_html.h), draws the bar chart of test error per task (memnet beside the
// paper's joint column, a line at 5%) with d3 v3, and the heat map of each failed question
// with memnetHeatmap. Loads nothing.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var percent = d3.format(".1%");

  function drawChart(container, tasks) {
    var root = d3.select(container);
    root.selectAll("*").remove();
    if (!tasks.length) return;
    var width = Math.max(280, container.clientWidth || 800);
    var margin = {top: 18, right: 30, bottom: 40, left: 46};
    var height = width < 500 ? 220 : 280;
    var w = width - margin.left - margin.right;
    var h = height - margin.top - margin.bottom;
    var hasPaper = tasks.some(function (t) { return t.paper_error !== null; });
    var series = hasPaper ? ["memnet", "paper"] : ["memnet"];

    var x = d3.scale.ordinal().domain(tasks.map(function (t) { return t.task; }))
        .rangeRoundBands([0, w], 0.22, 0.1);
    var inner = d3.scale.ordinal().domain(series).rangeBands([0, x.rangeBand()], 0.08);
    var top = d3.max(tasks, function (t) { return Math.max(t.error, t.paper_error || 0); });
    var y = d3.scale.linear().domain([0, Math.max(0.1, top)]).nice().range([h, 0]);

    // Drawn for the container's width, and scaled by the viewBox should that change.
    var svg = root.append("svg").attr("viewBox", "0 0 " + width + " " + height)
        .attr("width", "100%").attr("preserveAspectRatio", "xMinYMin meet")
        .attr("role", "img")
        .attr("aria-label", "Bar chart of the test error per task: memnet" +
              (hasPaper ? " beside the paper's joint model" : "") +
              "; the table below holds the same numbers");
    var g = svg.append("g").attr("transform", "translate(" + margin.left + "," + margin.top + ")");

    g.append("g").attr("class", "axis y")
        .call(d3.svg.axis().scale(y).orient("left").ticks(5).tickSize(-w, 0)
            .tickFormat(d3.format(".0%")));
    var xAxis = d3.svg.axis().scale(x).orient("bottom").tickSize(3, 0);
    if (w / tasks.length < 20) {  // a phone: every other task number
      xAxis.tickValues(x.domain().filter(function (t, i) { return i % 2 === 0; }));
    }
    g.append("g").attr("class", "axis x").attr("transform", "translate(0," + h + ")")
        .call(xAxis);
    g.append("text").attr("class", "axis-label").attr("x", w / 2).attr("y", h + 34)
        .attr("text-anchor", "middle").text("task");
    g.append("text").attr("class", "axis-label").attr("transform", "rotate(-90)")
        .attr("x", -h / 2).attr("y", -36).attr("text-anchor", "middle").text("test error");

    var group = g.selectAll("g.task").data(tasks).enter().append("g")
        .attr("class", function (t) { return t.failed ? "task failed" : "task"; })
        .attr("transform", function (t) { return "translate(" + x(t.task) + ",0)"; });
    group.append("rect").attr("class", "bar memnet")
        .attr("x", inner("memnet")).attr("width", inner.rangeBand())
        .attr("y", function (t) { return y(t.error); })
        .attr("height", function (t) { return h - y(t.error); })
        .attr("data-error", function (t) { return t.error; })
        .append("title").text(function (t) {
          return "task " + t.task + ", memnet: " + percent(t.error) + (t.failed ? " (failed)" : "");
        });
    group.filter(function (t) { return t.paper_error !== null; })
        .append("rect").attr("class", "bar paper")
        .attr("x", inner("paper")).attr("width", inner.rangeBand())
        .attr("y", function (t) { return y(t.paper_error); })
        .attr("height", function (t) { return h - y(t.paper_error); })
        .append("title").text(function (t) {
          return "task " + t.task + ", paper (joint): " + percent(t.paper_error);
        });

    g.append("line").attr("class", "threshold")
        .attr("x1", 0).attr("x2", w).attr("y1", y(0.05)).attr("y2", y(0.05));
    g.append("text").attr("class", "threshold-label").attr("x", w + 4).attr("y", y(0.05) + 4)
        .text("5%");
  }

  // heatmap.js's model from a failed question of the report data.
  function heatmapModel(example) {
    var rows = example.facts.map(function (f) {
      var j = f.index - example.memory_first;
      return {
        label: f.text, seq: f.index, gold: f.gold,
        weights: f.in_window ? example.attention.map(function (hop) { return hop[j]; }) : null
      };
    });
    return {hops: example.attention.length, rows: rows, empty: example.empty_weight};
  }

  var byTask = {};
  data.tasks.forEach(function (t) { byTask[t.task] = t; });
  d3.selectAll(".heatmap-slot").each(function () {
    var task = byTask[this.getAttribute("data-task")];
    var example = task && task.examples[+this.getAttribute("data-example")];
    if (example) memnetHeatmap(this, heatmapModel(example));
  });

  var chart = document.getElementById("error-chart");
  var lastWidth = -1;
  function redraw() {
    if (chart.clientWidth === lastWidth) return;
    lastWidth = chart.clientWidth;
    drawChart(chart, data.tasks);
  }
  redraw();
  if (typeof ResizeObserver === "function") {
    new ResizeObserver(redraw).observe(chart);
  } else {
    d3.select(window).on("resize.report", redraw);
  }
})();
