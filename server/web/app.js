// app.js: the page of `memnet serve`. Talks only to the JSON API of the server it came from
// (docs/http-api.md); d3 (Debian's libjs-d3, v3) draws the heat map and the training curves.
// State lives in the URL hash: #story=ID[&q=QUESTION][&as_of=N], #models, #model=NAME.
(function () {
  "use strict";

  var state = {story: null, facts: [], questions: [], asOf: null, models: [], deleteArmed: false};

  function $(id) { return document.getElementById(id); }

  // ---- the API -------------------------------------------------------------------------
  // A server started with --token-file answers 401 without "Authorization: Bearer TOKEN".
  // The page then asks for the token once and keeps it for this tab (sessionStorage).
  var TOKEN_KEY = "memnet-token";
  var tokenHere = "";  // where sessionStorage is unavailable
  function storedToken() {
    try { return sessionStorage.getItem(TOKEN_KEY) || tokenHere; } catch (e) { return tokenHere; }
  }
  function storeToken(token) {
    tokenHere = token;
    try { sessionStorage.setItem(TOKEN_KEY, token); } catch (e) { /* kept in tokenHere */ }
  }

  function api(method, path, body, retried) {
    var init = {method: method, headers: {}};
    var token = storedToken();
    if (token) init.headers["Authorization"] = "Bearer " + token;
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (res) {
      if (res.status === 401 && !retried) {
        // Another request may have asked for the token meanwhile: then only retry.
        var fresh = storedToken();
        if (fresh === token) {
          fresh = (window.prompt("This memnet server needs its access token " +
                                 "(the file given to memnet serve --token-file):") || "").trim();
          if (fresh) storeToken(fresh);
        }
        if (fresh && fresh !== token) return api(method, path, body, true);
      }
      return res.text().then(function (text) {
        var json = null;
        try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
        if (!res.ok) {
          var msg = json && json.error ? json.error.message : (text || res.statusText);
          var field = json && json.error && json.error.field ? " (" + json.error.field + ")" : "";
          throw new Error(res.status + ": " + msg + field);
        }
        return json;
      });
    });
  }

  function showError(err) {
    var box = $("error");
    box.textContent = String(err && err.message ? err.message : err);
    box.hidden = false;
  }
  function clearError() { $("error").hidden = true; $("error").textContent = ""; }

  // ---- the URL hash --------------------------------------------------------------------
  function readHash() {
    var out = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      if (!part) return;
      var eq = part.indexOf("=");
      var key = eq < 0 ? part : part.slice(0, eq);
      out[decodeURIComponent(key)] = eq < 0 ? "" : decodeURIComponent(part.slice(eq + 1));
    });
    return out;
  }
  function hashFor(params) {
    return "#" + Object.keys(params).filter(function (k) {
      return params[k] !== null && params[k] !== undefined;
    }).map(function (k) {
      return encodeURIComponent(k) + (params[k] === "" ? "" : "=" + encodeURIComponent(params[k]));
    }).join("&");
  }
  function setHash(params, replace) {
    var h = hashFor(params);
    if (h === location.hash) return;
    if (replace) { history.replaceState(null, "", h); } else { location.hash = h; }
  }

  // ---- stories -------------------------------------------------------------------------
  function loadStories() {
    return api("GET", "/v1/stories").then(function (data) {
      var list = d3.select("#story-list").selectAll("li").data(data.stories, function (s) { return s.id; });
      list.exit().remove();
      var li = list.enter().append("li");
      li.append("button").attr("type", "button").attr("class", "link");
      list.attr("data-story-id", function (s) { return s.id; })
          .classed("selected", function (s) { return state.story && state.story.id === s.id; });
      list.select("button")
          .text(function (s) { return (s.name || "story " + s.id) + " (" + s.fact_count + ")"; })
          .attr("aria-current", function (s) { return state.story && state.story.id === s.id ? "true" : null; })
          .on("click", function (s) { setHash({story: s.id}); });
      list.order();
    });
  }

  function loadModels() {
    return api("GET", "/v1/models").then(function (data) {
      state.models = data.models;
      var sel = d3.select("#model-select").selectAll("option.m").data(data.models, function (m) { return m.name; });
      sel.exit().remove();
      sel.enter().append("option").attr("class", "m");
      sel.attr("value", function (m) { return m.name; }).text(function (m) { return m.name; });
      return data.models;
    });
  }

  function modelOf(story) {
    var name = $("model-select").value || (story && story.model);
    for (var i = 0; i < state.models.length; ++i) if (state.models[i].name === name) return state.models[i];
    return state.models.length === 1 ? state.models[0] : null;
  }

  function selectStory(id, question, asOf) {
    clearError();
    return api("GET", "/v1/stories/" + encodeURIComponent(id) + "?limit=100000").then(function (story) {
      state.story = story;
      state.facts = story.facts;
      state.questions = story.questions || [];
      state.deleteArmed = false;
      $("delete-story").textContent = "Delete story";
      renderStory();
      loadStories().catch(showError);
      if (question) {
        $("question").value = question;
        setAsOf(asOf === undefined || asOf === null || asOf === "" ? null : Number(asOf));
        return ask();
      }
      $("answer").hidden = true;
      setAsOf(null);
    }).catch(function (err) {
      state.story = null;
      $("story-view").hidden = true;
      $("story-empty").hidden = false;
      showError(err);
      return loadStories().catch(function () {});  // the list stays usable after a 404
    });
  }

  function renderStory() {
    var s = state.story;
    $("story-view").hidden = false;
    $("story-empty").hidden = true;
    $("story-title").textContent = s.name || "story " + s.id;
    var m = modelOf(s);
    $("story-meta").textContent = "story " + s.id + " \u00b7 " + s.fact_count + " facts \u00b7 model " +
        (s.model || "none") + (m ? " (memory of " + m.memory_size + " facts)" : "");
    var facts = d3.select("#story-facts").selectAll("li").data(state.facts, function (f) { return f.id; });
    facts.exit().remove();
    facts.enter().append("li");
    facts.attr("value", function (f) { return f.seq; }).attr("data-seq", function (f) { return f.seq; })
        .text(function (f) { return f.text; });
    facts.order();
    $("questions-box").hidden = state.questions.length === 0;
    var qs = d3.select("#story-questions").selectAll("li").data(state.questions, function (q) { return q.ordinal; });
    qs.exit().remove();
    var li = qs.enter().append("li");
    li.append("button").attr("type", "button").attr("class", "link");
    li.append("span").attr("class", "muted");
    qs.select("button").text(function (q) { return q.question; })
        .on("click", function (q) { setHash({story: s.id, q: q.question, as_of: q.as_of}); });
    qs.select("span").text(function (q) { return " after fact " + q.as_of + ", gold: " + q.answer; });
  }

  function setAsOf(asOf) {
    state.asOf = asOf;
    var el = $("as-of");
    if (asOf === null || asOf === undefined || isNaN(asOf)) {
      state.asOf = null;
      el.hidden = true;
      el.textContent = "";
      return;
    }
    el.hidden = false;
    el.textContent = "over the story's first " + asOf + " facts, as the bAbI file asked it ";
    var clear = document.createElement("button");
    clear.type = "button";
    clear.className = "link";
    clear.textContent = "(ask over all facts)";
    clear.addEventListener("click", function () { setAsOf(null); });
    el.appendChild(clear);
  }

  // ---- asking --------------------------------------------------------------------------
  // The words of the question as the tokenizer sees them (datasets/tokenize.h): split on
  // whitespace, trim sentence punctuation, lower-case ASCII.
  function questionWords(text) {
    return text.split(/[\s\u00a0\u3000]+/).map(function (piece) {
      var word = piece.replace(/^[.?!,;:"'()\u0964\u0965\u3002\uff1f\uff01\uff0c]+|[.?!,;:"'()\u0964\u0965\u3002\uff1f\uff01\uff0c]+$/g, "");
      return {shown: piece, token: word.replace(/[A-Z]/g, function (c) { return c.toLowerCase(); })};
    }).filter(function (w) { return w.token.length > 0; });
  }

  function ask() {
    clearError();
    var s = state.story;
    var question = $("question").value;
    var body = {question: question, top: 6};
    if ($("model-select").value) body.model = $("model-select").value;
    if ($("select-mode").value) body.select = $("select-mode").value;
    if (state.asOf !== null) body.as_of = state.asOf;
    setHash({story: s.id, q: question, as_of: state.asOf}, true);
    $("ask").disabled = true;
    return api("POST", "/v1/stories/" + s.id + "/ask", body).then(function (r) {
      renderAnswer(question, r);
    }).catch(function (err) {
      $("answer").hidden = true;
      showError(err);
    }).then(function () { $("ask").disabled = false; });
  }

  function renderAnswer(question, r) {
    $("answer").hidden = false;
    var unknown = {};
    r.unknown_words.forEach(function (w) { unknown[w] = true; });
    var words = d3.select("#question-words").selectAll("span.word").data(questionWords(question));
    words.exit().remove();
    words.enter().append("span");
    words.attr("class", function (w) { return unknown[w.token] ? "word unknown" : "word"; })
        .attr("title", function (w) { return unknown[w.token] ? "not in the model's vocabulary: ignored" : null; })
        .text(function (w) { return w.shown; });
    $("unknown-note").hidden = r.unknown_words.length === 0;
    $("unknown-note").textContent = r.unknown_words.length ?
        "Not in the model's vocabulary, so ignored: " + r.unknown_words.join(", ") : "";

    var info = null;
    state.models.forEach(function (m) { if (m.name === r.model) info = m; });
    var notes = [];
    if (info && info.members > 1) {
      notes.push("This model is an ensemble of " + info.members + " networks" +
          (info.ungated_members > 0 ? " (" + info.ungated_members + " of them without gates)" : "") +
          ": the answer is the mean of their answer distributions, and each weight below is the mean of theirs.");
    }
    if (info && info.self_attention_layers > 0) {
      notes.push("Before the hops, the facts attend to each other in " + info.self_attention_layers +
          " self-attention layer" + (info.self_attention_layers > 1 ? "s" : "") + " (" + info.heads +
          " head" + (info.heads > 1 ? "s" : "") + "); the weights below are the hops' attention over the result.");
    }
    if (r.memory.select !== "recent") {
      notes.push("The memory holds " + r.memory.size + " of the story's " + r.memory.facts +
          " facts, chosen by " + r.memory.select + (r.memory.select === "match" ?
          " (facts sharing a word with the question)" : " (matching facts, then the most recent)") + ".");
    }
    $("model-note").hidden = notes.length === 0;
    $("model-note").textContent = notes.join(" ");
    $("answer-text").textContent = r.answer;
    var p = $("answer-probability");
    p.setAttribute("data-probability", String(r.probability));
    p.textContent = "p = " + r.probability.toFixed(4) + " (" + r.model + ")";
    var gold = $("gold");
    if (r.gold) {
      gold.hidden = false;
      gold.className = r.gold.correct ? "right" : "wrong";
      gold.textContent = r.gold.correct ? "right" : "wrong: gold answer " + r.gold.answer;
    } else {
      gold.hidden = true;
      gold.className = "";
    }

    var alts = d3.select("#alternatives").selectAll("li").data(r.alternatives);
    alts.exit().remove();
    var li = alts.enter().append("li");
    li.append("span").attr("class", "alt-word");
    li.append("span").attr("class", "bar").append("span");
    li.append("span").attr("class", "alt-p");
    alts.classed("chosen", function (a, i) { return i === 0; })
        .attr("data-answer", function (a) { return a.answer; })
        .attr("data-probability", function (a) { return String(a.probability); });
    alts.select(".alt-word").text(function (a) { return a.answer; });
    alts.select(".bar span").style("width", function (a) { return (100 * a.probability).toFixed(1) + "%"; });
    alts.select(".alt-p").text(function (a) { return a.probability < 0.0001 ? a.probability.toExponential(1) : a.probability.toFixed(4); });

    // Heat map rows: every fact up to the window's end; those outside the window greyed.
    var bySeq = {};
    r.hops.forEach(function (hop, k) {
      hop.attention.forEach(function (a) {
        if (!bySeq[a.seq]) bySeq[a.seq] = [];
        bySeq[a.seq][k] = a.weight;
      });
    });
    var supporting = {};
    (r.gold ? r.gold.supporting : []).forEach(function (seq) { supporting[seq] = true; });
    var rows = state.facts.filter(function (f) { return f.seq < r.memory.facts; }).map(function (f) {
      return {label: f.text, seq: f.seq, weights: bySeq[f.seq] || null, gold: !!supporting[f.seq]};
    });
    memnetHeatmap($("heatmap"), {
      hops: r.hops.length,
      rows: rows,
      empty: r.hops.map(function (h) { return h.empty_weight; })
    });
    d3.select("#heatmap").selectAll("td.cell")
        .on("mouseenter", describeCell).on("focus", describeCell);
    var first = document.querySelector("#heatmap tr.fact:not(.outside)");
    if (first && first.scrollIntoView && rows.length > 12) {
      $("heatmap").scrollTop = Math.max(0, first.offsetTop - 40);
    }
  }

  function describeCell() {
    var row = this.parentNode;
    var label = row.querySelector("th").textContent;
    $("cell-detail").textContent = "hop " + this.getAttribute("data-hop") + ", \u201c" + label +
        "\u201d: p = " + this.getAttribute("data-weight");
  }

  // ---- models --------------------------------------------------------------------------
  function showModels(name) {
    clearError();
    return loadModels().then(function (models) {
      var li = d3.select("#model-list").selectAll("li").data(models, function (m) { return m.name; });
      li.exit().remove();
      li.enter().append("li").append("button").attr("type", "button").attr("class", "link");
      li.select("button").text(function (m) { return m.name; })
          .attr("aria-current", function (m) { return m.name === name ? "true" : null; })
          .on("click", function (m) { setHash({model: m.name}); });
      if (!name && models.length) name = models[0].name;
      if (!name) {
        $("model-title").textContent = "No model in this file: train one with memnet train --model FILE";
        return;
      }
      return api("GET", "/v1/models/" + encodeURIComponent(name)).then(renderModel);
    }).catch(showError);
  }

  function renderModel(m) {
    $("model-title").textContent = m.name;
    var t = m.training;
    var rows = [
      ["hops K", m.hops], ["embedding d", m.dim], ["memory size", m.memory_size],
      ["vocabulary size", m.vocab_size], ["sentence length J", m.sentence_length],
      ["position encoding", m.encoding], ["temporal encoding", m.temporal], ["tying", m.tying],
      ["attention kernel", m.attention], ["gated hops", m.gated], ["ReLU units", m.relu_units],
      ["self-attention layers", m.self_attention_layers], ["heads", m.heads],
      ["ensemble members", m.members + (m.ungated_members > 0 ? " (" + m.ungated_members + " ungated)" : "")],
      ["trained on", t.dataset + " (tasks " + t.tasks.join(", ") + ")"],
      ["repeats (seeds)", t.repeats + ", kept " + (t.best_repeat + 1)],
      ["validation error", (100 * t.validation_error).toFixed(1) + "%"],
      ["training time", t.wall_seconds.toFixed(1) + " s"], ["created", m.created_at]
    ];
    var tr = d3.select("#model-config").selectAll("tr").data(rows);
    tr.exit().remove();
    var enter = tr.enter().append("tr");
    enter.append("th").attr("scope", "row");
    enter.append("td");
    tr.select("th").text(function (r) { return r[0]; });
    tr.select("td").text(function (r) { return String(r[1]); });
    drawCurves(t);
  }

  function drawCurves(t) {
    var root = d3.select("#training-curve");
    root.selectAll("*").remove();
    var byRepeat = d3.nest().key(function (e) { return e.repeat; }).entries(t.epochs);
    if (!byRepeat.length) {
      root.append("p").attr("class", "muted").text("No epochs recorded for this model.");
      return;
    }
    var palette = d3.scale.category10();
    [["train_loss", "training loss"], ["validation_error", "validation error"]].forEach(function (what) {
      var width = Math.min(560, Math.max(280, root.node().clientWidth || 560));
      var height = 220, margin = {top: 20, right: 16, bottom: 34, left: 48};
      var w = width - margin.left - margin.right, h = height - margin.top - margin.bottom;
      var x = d3.scale.linear().domain(d3.extent(t.epochs, function (e) { return e.epoch; })).range([0, w]);
      var y = d3.scale.linear().domain([0, d3.max(t.epochs, function (e) { return e[what[0]]; }) || 1]).nice().range([h, 0]);
      var svg = root.append("svg").attr("class", "chart").attr("viewBox", "0 0 " + width + " " + height)
          .attr("role", "img").attr("aria-label", what[1] + " per epoch, one line per repeat");
      var g = svg.append("g").attr("transform", "translate(" + margin.left + "," + margin.top + ")");
      g.append("g").attr("class", "axis").attr("transform", "translate(0," + h + ")")
          .call(d3.svg.axis().scale(x).orient("bottom").ticks(6));
      g.append("g").attr("class", "axis").call(d3.svg.axis().scale(y).orient("left").ticks(5)
          .tickFormat(what[0] === "validation_error" ? d3.format(".0%") : d3.format(".2g")));
      g.append("text").attr("class", "chart-title").attr("x", 0).attr("y", -6).text(what[1]);
      g.append("text").attr("class", "axis-label").attr("x", w).attr("y", h + 30).attr("text-anchor", "end").text("epoch");
      var line = d3.svg.line().x(function (e) { return x(e.epoch); }).y(function (e) { return y(e[what[0]]); });
      g.selectAll("path.line").data(byRepeat).enter().append("path")
          .attr("class", function (r) { return Number(r.key) === t.best_repeat ? "line kept" : "line"; })
          .attr("data-repeat", function (r) { return r.key; })
          .attr("d", function (r) { return line(r.values); })
          .style("stroke", function (r) { return palette(r.key); })
          .append("title").text(function (r) { return "repeat " + (Number(r.key) + 1) + (Number(r.key) === t.best_repeat ? " (kept)" : ""); });
    });
  }

  // ---- wiring --------------------------------------------------------------------------
  function route() {
    var h = readHash();
    var models = h.models !== undefined || h.model !== undefined;
    $("stories-view").hidden = models;
    $("models-view").hidden = !models;
    $("nav-stories").setAttribute("aria-current", models ? "false" : "page");
    $("nav-models").setAttribute("aria-current", models ? "page" : "false");
    if (models) return showModels(h.model);
    if (h.story) return selectStory(h.story, h.q, h.as_of);
    state.story = null;
    $("story-view").hidden = true;
    $("story-empty").hidden = false;
    return loadStories().catch(showError);
  }

  $("create-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    clearError();
    api("POST", "/v1/stories", {name: $("new-story-name").value}).then(function (s) {
      $("new-story-name").value = "";
      setHash({story: s.id});
    }).catch(showError);
  });

  $("facts-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    clearError();
    var lines = $("facts-input").value.split(/\r?\n/).map(function (l) { return l.trim(); })
        .filter(function (l) { return l.length > 0; });
    if (!lines.length) { showError("Type at least one fact (one per line)."); return; }
    api("POST", "/v1/stories/" + state.story.id + "/facts", {facts: lines}).then(function (r) {
      $("facts-input").value = "";
      var unknown = [];
      r.facts.forEach(function (f) { unknown = unknown.concat(f.unknown_words); });
      return selectStory(state.story.id).then(function () {
        if (unknown.length) showError("Added; not in the model's vocabulary (ignored): " + unknown.join(", "));
      });
    }).catch(showError);
  });

  $("delete-story").addEventListener("click", function () {
    if (!state.deleteArmed) {
      state.deleteArmed = true;
      this.textContent = "Confirm delete";
      return;
    }
    clearError();
    api("DELETE", "/v1/stories/" + state.story.id).then(function () {
      state.story = null;
      setHash({}, false);
      if (location.hash === "" || location.hash === "#") route();
    }).catch(showError);
  });

  $("sample-story").addEventListener("click", function () {
    clearError();
    api("GET", "/v1/stories/sample").then(function (s) {
      var last = s.questions && s.questions.length ? s.questions[s.questions.length - 1] : null;
      setHash(last ? {story: s.id, q: last.question, as_of: last.as_of} : {story: s.id});
    }).catch(showError);
  });

  $("ask-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (state.story) ask();
  });
  $("question").addEventListener("input", function () {
    // A question typed by hand is asked over the whole story.
    if (state.asOf !== null) setAsOf(null);
  });

  window.addEventListener("hashchange", route);
  loadModels().catch(showError).then(route);
})();
