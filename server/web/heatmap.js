// heatmap.js: the attention heat map of one answer, shared by the page of `memnet serve`
// and the `memnet eval --html` report. Uses d3 (v3, Debian's libjs-d3) for the data join
// and the colour scale.
//
//   memnetHeatmap(container, {
//     hops: K,
//     rows: [{label: "Mary went to the kitchen.", seq: 0,
//             weights: [p per hop] or null (outside the memory window),
//             gold: true if a gold supporting fact}],
//     empty: [weight on the empty memory slots, per hop] or null
//   })
//
// Rows are facts (oldest first), then one row for the empty slots; columns are hops; the
// colour is the weight. Each cell is focusable and carries its exact value in data-weight
// (the number as the API wrote it), its title, and its aria-label.
(function (global) {
  "use strict";
  var color = d3.scale.linear().domain([0, 1]).range(["#ffffff", "#08306b"])
      .interpolate(d3.interpolateLab);

  function textColor(w) { return w > 0.5 ? "#ffffff" : "#111111"; }

  function shortValue(w) {
    if (w >= 0.995) return "1";
    if (w < 0.005) return "";
    return w.toFixed(2).replace(/^0/, "");
  }

  function memnetHeatmap(container, model) {
    var root = d3.select(container);
    root.selectAll("*").remove();
    var hops = d3.range(model.hops);
    var table = root.append("table").attr("class", "heatmap");
    var head = table.append("thead").append("tr");
    head.append("th").attr("scope", "col").text("fact");
    head.selectAll("th.hop").data(hops).enter().append("th")
        .attr("scope", "col").attr("class", "hop").text(function (k) { return "hop " + (k + 1); });

    var rows = model.rows.slice();
    if (model.empty) rows.push({label: "(empty memory slots)", weights: model.empty, empty: true});
    var tr = table.append("tbody").selectAll("tr").data(rows).enter().append("tr")
        .attr("class", function (r) {
          return [r.empty ? "empty" : "fact", r.weights ? "" : "outside", r.gold ? "gold" : ""]
              .filter(Boolean).join(" ");
        })
        .attr("data-seq", function (r) { return r.empty ? null : r.seq; });
    tr.append("th").attr("scope", "row").attr("class", "label")
        .attr("title", function (r) {
          if (r.empty) return "attention on the model's empty memory slots";
          if (!r.weights) return "outside the memory window: not seen by this answer";
          return r.gold ? "gold supporting fact" : null;
        })
        .text(function (r) { return r.label; });
    tr.selectAll("td").data(function (r) {
      return hops.map(function (k) {
        return {hop: k + 1, w: r.weights ? r.weights[k] : null, text: r.weightText ? r.weightText[k] : null};
      });
    }).enter().append("td")
        .attr("class", function (c) { return c.w === null ? "cell none" : "cell"; })
        .attr("tabindex", function (c) { return c.w === null ? null : 0; })
        .attr("data-hop", function (c) { return c.hop; })
        .attr("data-weight", function (c) { return c.w === null ? null : (c.text || String(c.w)); })
        .attr("title", function (c) { return c.w === null ? null : "hop " + c.hop + ": " + (c.text || String(c.w)); })
        .attr("aria-label", function (c) {
          return c.w === null ? "not in memory" : "hop " + c.hop + " weight " + (c.text || String(c.w));
        })
        .style("background-color", function (c) { return c.w === null ? null : color(c.w); })
        .style("color", function (c) { return c.w === null ? null : textColor(c.w); })
        .text(function (c) { return c.w === null ? "" : shortValue(c.w); });
    return table.node();
  }

  global.memnetHeatmap = memnetHeatmap;
})(this);
