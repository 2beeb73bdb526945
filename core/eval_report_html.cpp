#include "core/eval_report_html.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string_view>

#include "core/report_json.h"
#include "memnet/version.h"
#include "server/web_assets.h"

namespace memnet::core {
namespace {

using json = nlohmann::ordered_json;  // keys in the documented order

constexpr std::string_view kPaperSource =
    "Sukhbaatar et al., End-To-End Memory Networks (NIPS 2015), Table 1: 1k training "
    "examples, PE LS RN joint";

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// `s` for an HTML text or attribute: invalid UTF-8 replaced (as in the JSON), then escaped.
std::string text(const std::string& s) {
  const std::string valid =
      json::parse(json(s).dump(-1, ' ', false, json::error_handler_t::replace)).get<std::string>();
  return html_escape(valid);
}

std::string percent(double fraction) { return fmt::format("{:.1f}%", 100 * fraction); }

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:%Y-%m-%d %H:%M} UTC", tm);
}

std::string_view asset(std::string_view path) {
  const web::Asset* a = web::find_asset(path);
  if (!a) throw std::logic_error(fmt::format("the embedded asset {} is missing", path));
  return a->body;
}

// An asset's source inlined in <script> or <style>: "</script" ("</style"), in any case,
// would end the element early. It can only sit in a string, a regular expression or a
// comment, where "<\/" reads the same, so that is what it becomes. (Today's assets hold none.)
std::string inline_source(std::string_view source, std::string_view element) {
  std::string out(source);
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  for (size_t i = 0; (i = out.find("</", i)) != std::string::npos; i += 2) {
    bool closes = out.size() - i - 2 >= element.size();
    for (size_t k = 0; closes && k < element.size(); ++k)
      closes = lower(out[i + 2 + k]) == element[k];
    if (closes) out.replace(i, 2, "<\\/");
  }
  return out;
}

// JSON placed in a <script type="application/json">: every "<" as \u003c, so neither
// "</script" nor "<!--" can appear; JSON.parse reads the escape back as "<".
std::string script_json(const std::string& dumped) {
  std::string out;
  out.reserve(dumped.size());
  for (char c : dumped) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

std::string model_file(const EvalReportContext& c) {
  return std::filesystem::path(c.model_path).filename().string();
}

json example_json(const FailedExample& f) {
  json facts = json::array();
  for (const auto& m : f.facts) {
    facts.push_back(
        {{"index", m.index}, {"text", m.text}, {"gold", m.gold}, {"in_window", m.in_window}});
  }
  return {{"story", f.story},
          {"question_line", f.question_line},
          {"question", f.question},
          {"answer", f.answer},
          {"predicted", f.predicted},
          {"probability", f.probability},
          {"answer_probability", f.answer_probability},
          {"memory_first", f.memory_first},
          {"facts", facts},
          {"attention", f.attention},
          {"empty_weight", f.empty_weight}};
}

// The failed questions of one task, as HTML; report.js draws each heat map in its slot.
std::string task_examples_html(const TaskResult& t) {
  std::string out = fmt::format(
      "<details class=\"task{}\" id=\"task-{}\"{}>\n<summary><span class=\"task-name\">Task "
      "{}</span> <span class=\"task-error\">{} error</span> <span class=\"task-shown\">{} of {} "
      "failed question{} shown</span></summary>\n",
      t.failed ? " failed" : "", t.task, t.failed ? " open" : "", t.task, percent(t.error),
      t.failed_examples.size(), t.wrong, t.wrong == 1 ? "" : "s");
  for (size_t i = 0; i < t.failed_examples.size(); ++i) {
    const FailedExample& f = t.failed_examples[i];
    out += fmt::format(
        "<article class=\"example\">\n<h4>{}</h4>\n<p class=\"where\">story {}, line {}</p>\n"
        "<p class=\"answers\"><span class=\"gold-answer\">gold <b>{}</b> (p = {:.2f})</span> "
        "<span class=\"predicted\">predicted <b>{}</b> (p = {:.2f})</span></p>\n"
        "<div class=\"heatmap-slot\" data-task=\"{}\" data-example=\"{}\"></div>\n</article>\n",
        text(f.question), f.story, f.question_line, text(f.answer), f.answer_probability,
        text(f.predicted), f.probability, t.task, i);
  }
  out += "</details>\n";
  return out;
}

}  // namespace

std::optional<double> paper_joint_error(int task) {
  if (task < 1 || task > 20) return std::nullopt;
  return kPaperJoint1kErrorPercent[task - 1] / 100.0;
}

std::string eval_report_data_json(const EvalReport& report, const EvalReportContext& context) {
  json tasks = json::array();
  for (const auto& t : report.tasks) {
    json examples = json::array();
    for (const auto& f : t.failed_examples) examples.push_back(example_json(f));
    const auto paper = paper_joint_error(t.task);
    json task = task_json(t);
    task["wrong"] = t.wrong;
    task["paper_error"] = paper ? json(*paper) : json(nullptr);
    task["examples"] = std::move(examples);
    tasks.push_back(std::move(task));
  }
  const json j = {{"model_file", model_file(context)},
                  {"model_path", context.model_path},
                  {"data_dir", context.data_dir},
                  {"date", context.date.empty() ? now_utc() : context.date},
                  {"version", kVersion},
                  {"mean_error", report.mean_error},
                  {"failed", report.failed},
                  {"paper",
                   {{"source", kPaperSource},
                    {"mean_error", kPaperJoint1kMeanPercent / 100.0},
                    {"failed", kPaperJoint1kFailed}}},
                  {"tasks", tasks}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string eval_report_html(const EvalReport& report, const EvalReportContext& context_in) {
  EvalReportContext context = context_in;
  if (context.date.empty()) context.date = now_utc();
  const std::string d3 = inline_source(asset("/static/d3.min.js"), "script");
  const std::string heatmap = inline_source(asset("/static/heatmap.js"), "script");
  const std::string script = inline_source(asset("/static/report.js"), "script");
  const std::string css = inline_source(asset("/static/report.css"), "style");

  // The paper's figures over the evaluated tasks only, so the two means compare.
  double paper_sum = 0;
  int paper_tasks = 0, paper_failed = 0;
  for (const auto& t : report.tasks) {
    if (const auto p = paper_joint_error(t.task)) {
      paper_sum += *p;
      ++paper_tasks;
      paper_failed += *p > 0.05 ? 1 : 0;
    }
  }

  double support_hit = 0;
  for (const auto& t : report.tasks) support_hit += t.support_hit;
  if (!report.tasks.empty()) support_hit /= static_cast<double>(report.tasks.size());

  std::string rows;
  for (const auto& t : report.tasks) {
    const auto paper = paper_joint_error(t.task);
    rows += fmt::format(
        "<tr class=\"{}\"><th scope=\"row\">{}</th><td class=\"model\">{}</td><td class=\"num "
        "questions\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td>{}</td></tr>\n",
        t.failed ? "failed" : "passed", t.task, text(t.model), t.questions, percent(t.error),
        paper ? percent(*paper) : "&ndash;", percent(t.support_hit),
        t.failed ? "<span class=\"mark\">FAILED</span>" : "");
  }

  std::string failures;
  std::string perfect;  // tasks without a wrong answer: "1, 12, 15"
  bool none_kept = false;
  for (const auto& t : report.tasks) {
    if (t.wrong == 0) {
      perfect += (perfect.empty() ? "" : ", ") + std::to_string(t.task);
    } else if (t.failed_examples.empty()) {
      none_kept = true;
    } else {
      failures += task_examples_html(t);
    }
  }
  if (!perfect.empty()) {
    failures += fmt::format("<p class=\"perfect\">No wrong answer in task{} {}.</p>\n",
                            perfect.find(',') == std::string::npos ? "" : "s", perfect);
  }
  if (none_kept) {
    failures +=
        "<p>Some tasks have wrong answers but no question of theirs was kept "
        "(<code>--html-examples 0</code>).</p>\n";
  }

  std::string paper_line;
  if (paper_tasks > 0) {
    paper_line = fmt::format(
        " The paper&rsquo;s joint model on the same {} task{}: {} mean, {} failed.", paper_tasks,
        paper_tasks == 1 ? "" : "s", percent(paper_sum / paper_tasks), paper_failed);
  }

  return fmt::format(
      R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="memnet {version}">
<title>memnet eval: {model_file}</title>
<style>
{css}</style>
</head>
<body>
<header>
<h1>memnet eval: <code>{model_file}</code></h1>
<dl class="meta">
<dt>model file</dt><dd><code>{model_path}</code></dd>
<dt>test data</dt><dd><code>{data_dir}</code></dd>
<dt>date</dt><dd>{date}</dd>
<dt>memnet</dt><dd>{version}</dd>
</dl>
</header>
<main>
<section id="summary" aria-labelledby="summary-title">
<h2 id="summary-title">Summary</h2>
<p class="headline"><strong>{mean}</strong> mean test error over {tasks} task{tasks_s};
<strong>{failed}</strong> failed (test error above 5%); support hit {support_hit} (mean over
tasks).{paper_line}</p>
<noscript><p class="note">The chart and the heat maps need JavaScript (it is inside this file;
nothing is fetched).</p></noscript>
</section>
<section id="errors" aria-labelledby="errors-title">
<h2 id="errors-title">Test error per task</h2>
<figure class="chart">
<div id="error-chart"></div>
<figcaption><span class="key memnet"></span> memnet <span class="key paper"></span> paper,
joint (published) <span class="key threshold"></span> 5%: a task fails above it</figcaption>
</figure>
<div class="table-wrap" tabindex="0">
<table class="tasks">
<caption>Test error, the paper&rsquo;s joint column, and how often the strongest attention of
some hop is on a gold supporting fact (support hit)</caption>
<thead><tr><th scope="col">task</th><th scope="col" class="model">model</th><th scope="col" class="questions">questions</th>
<th scope="col">test error</th><th scope="col">paper, joint</th><th scope="col">support hit</th>
<th scope="col"><span class="visually-hidden">status</span></th></tr></thead>
<tbody>
{rows}</tbody>
</table>
</div>
</section>
<section id="failures" aria-labelledby="failures-title">
<h2 id="failures-title">Failed questions</h2>
<p>The first wrongly answered questions of each task, in file order. Each heat map has a row
per fact in the model&rsquo;s memory window (oldest first; <span class="gold-key">gold
supporting facts</span> are marked), a row for the empty memory slots, and a column per hop;
the darker the cell, the more attention. Cells can be focused for their exact weight.</p>
{failures}</section>
</main>
<footer>
<p>Paper column: {paper_source} (also docs/benchmarks.md). It is a published figure, not a
result of this model.</p>
</footer>
<script type="application/json" id="report-data">{data}</script>
<script>{d3}</script>
<script>{heatmap}</script>
<script>{script}</script>
</body>
</html>
)",
      fmt::arg("version", kVersion), fmt::arg("model_file", text(model_file(context))),
      fmt::arg("css", css), fmt::arg("model_path", text(context.model_path)),
      fmt::arg("data_dir", text(context.data_dir)), fmt::arg("date", text(context.date)),
      fmt::arg("mean", percent(report.mean_error)), fmt::arg("tasks", report.tasks.size()),
      fmt::arg("tasks_s", report.tasks.size() == 1 ? "" : "s"), fmt::arg("failed", report.failed),
      fmt::arg("support_hit", percent(support_hit)), fmt::arg("paper_line", paper_line),
      fmt::arg("rows", rows), fmt::arg("failures", failures),
      fmt::arg("paper_source", html_escape(kPaperSource)),
      fmt::arg("data", script_json(eval_report_data_json(report, context))), fmt::arg("d3", d3),
      fmt::arg("heatmap", heatmap), fmt::arg("script", script));
}

void write_eval_report_html(const std::string& path, const EvalReport& report,
                            const EvalReportContext& context) {
  const std::string html = eval_report_html(report, context);
  errno = 0;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (out) out.write(html.data(), static_cast<std::streamsize>(html.size()));
  if (out) out.close();
  if (!out) {
    throw std::runtime_error(
        fmt::format("cannot write {}: {}", path, errno ? std::strerror(errno) : "write failed"));
  }
}

}  // namespace memnet::core
