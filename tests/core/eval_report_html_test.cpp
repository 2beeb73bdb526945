#include "core/eval_report_html.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "server/web_assets.h"

using memnet::core::EvalReport;
using memnet::core::EvalReportContext;
using memnet::core::FailedExample;
using memnet::core::TaskResult;

namespace {

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t i = 0; (i = s.find(what, i)) != std::string::npos; i += what.size()) ++n;
  return n;
}

// The text of <script type="application/json" id="report-data">.
std::string report_data(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"report-data\">";
  const size_t from = html.find(open);
  REQUIRE(from != std::string::npos);
  const size_t to = html.find("</script>", from);
  REQUIRE(to != std::string::npos);
  return html.substr(from + open.size(), to - from - open.size());
}

// Two tasks; task 2 has one failed question whose story tries to end the data block.
EvalReport sample_report() {
  EvalReport r;
  TaskResult t1;
  t1.task = 1;
  t1.model = "task1";
  t1.questions = 200;
  t1.support_hit = 1;
  TaskResult t2;
  t2.task = 2;
  t2.model = "task<2>";
  t2.questions = 200;
  t2.wrong = 20;
  t2.error = 0.1;
  t2.support_hit = 0.75;
  t2.failed = true;
  FailedExample f;
  f.story = 3;
  f.question_line = 17;
  f.question = "Where is Mary?</script><script>alert(1)</script>";
  f.answer = "kitchen";
  f.predicted = "garden";
  f.probability = 0.6f;
  f.answer_probability = 0.3f;
  f.memory_first = 1;
  f.facts = {{0, "Mary went to the kitchen.", true, false},
             {1, "<!-- John moved to the garden.", false, true},
             {2, "Mary went back to the garden. \xff", true, true}};
  f.attention = {{0.25f, 0.5f}, {0.125f, 0.625f}};
  f.empty_weight = {0.25f, 0.25f};
  t2.failed_examples = {f};
  r.tasks = {t1, t2};
  r.mean_error = 0.05;
  r.failed = 1;
  return r;
}

}  // namespace

TEST_CASE("eval report html: the paper's joint column is docs/benchmarks.md's") {
  // docs/benchmarks.md, "1k, one joint model over the 20 tasks", column "paper, joint"
  std::ifstream in(std::string(MEMNET_SOURCE_DIR) + "/docs/benchmarks.md");
  REQUIRE(in);
  std::string line;
  int column = -1;
  std::vector<double> documented;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, '|')) {
      const size_t a = cell.find_first_not_of(' '), b = cell.find_last_not_of(' ');
      cells.push_back(a == std::string::npos ? "" : cell.substr(a, b - a + 1));
    }
    if (column < 0) {
      if (line.rfind("| task |", 0) != 0) continue;
      for (size_t i = 0; i < cells.size(); ++i) {
        if (cells[i] == "paper, joint") column = static_cast<int>(i);
      }
      continue;
    }
    if (line.rfind("| **mean**", 0) == 0) break;
    if (line.rfind("|---", 0) == 0) continue;
    REQUIRE(static_cast<int>(cells.size()) > column);
    documented.push_back(std::stod(cells[static_cast<size_t>(column)]));
  }
  REQUIRE(documented.size() == 20);
  double sum = 0;
  int failed = 0;
  for (int t = 1; t <= 20; ++t) {
    CAPTURE(t);
    const double d = documented[static_cast<size_t>(t - 1)];
    CHECK(memnet::core::kPaperJoint1kErrorPercent[t - 1] == doctest::Approx(d));
    CHECK(*memnet::core::paper_joint_error(t) == doctest::Approx(d / 100));
    sum += d;
    failed += d > 5 ? 1 : 0;
  }
  // the published mean (12.4) and failed count (11) follow from the column
  CHECK(sum / 20 == doctest::Approx(memnet::core::kPaperJoint1kMeanPercent).epsilon(0.005));
  CHECK(failed == memnet::core::kPaperJoint1kFailed);
  CHECK_FALSE(memnet::core::paper_joint_error(0).has_value());
  CHECK_FALSE(memnet::core::paper_joint_error(21).has_value());
}

TEST_CASE("eval report html: one self-contained page; no story text can end its data block") {
  const EvalReport report = sample_report();
  const EvalReportContext context{"/models/run 1.db", "/data/en", "2026-12-02 10:00 UTC"};
  const std::string html = memnet::core::eval_report_html(report, context);

  CHECK(html.rfind("<!doctype html>", 0) == 0);
  CHECK(html.find("<title>memnet eval: run 1.db</title>") != std::string::npos);
  CHECK(html.find("2026-12-02 10:00 UTC") != std::string::npos);
  // nothing from the network, nor from disk: no src, no <link>, every script inline
  CHECK(html.find(" src=") == std::string::npos);
  CHECK(html.find("<link") == std::string::npos);
  CHECK(html.find("@import") == std::string::npos);
  CHECK(count(html, "<script") == 4);  // the data, d3, heatmap.js, report.js
  CHECK(count(html, "</script>") == 4);
  CHECK(html.find("var d3={version:\"3.5") != std::string::npos);  // d3.min.js inlined
  CHECK(html.find("function memnetHeatmap(") != std::string::npos);
  CHECK(html.find("function drawChart(") != std::string::npos);
  // the question's "</script>" and the fact's "<!--" appear only escaped
  CHECK(html.find("alert(1)</script>") == std::string::npos);
  CHECK(html.find("<!-- John") == std::string::npos);
  CHECK(html.find("Where is Mary?&lt;/script&gt;") != std::string::npos);  // the HTML text
  CHECK(html.find("task&lt;2&gt;") != std::string::npos);
  // the table and the failed question are plain HTML too (readable without JavaScript)
  CHECK(html.find("<span class=\"mark\">FAILED</span>") != std::string::npos);
  CHECK(html.find("data-task=\"2\" data-example=\"0\"") != std::string::npos);
  CHECK(html.find("1 of 20 failed questions shown") != std::string::npos);
  CHECK(html.find("No wrong answer in task 1.") != std::string::npos);

  // The data block is the documented JSON, read back as JSON.parse would.
  const std::string data = report_data(html);
  CHECK(data.find('<') == std::string::npos);
  const auto j = nlohmann::json::parse(data);
  CHECK(j == nlohmann::json::parse(memnet::core::eval_report_data_json(report, context)));
  CHECK(j["model_file"] == "run 1.db");
  CHECK(j["data_dir"] == "/data/en");
  REQUIRE(j["tasks"].size() == 2);
  CHECK(j["tasks"][0]["paper_error"].get<double>() == doctest::Approx(0.0));
  CHECK(j["tasks"][1]["paper_error"].get<double>() == doctest::Approx(0.114));
  CHECK(j["tasks"][1]["error"].get<double>() == 0.1);
  const auto& ex = j["tasks"][1]["examples"][0];
  CHECK(ex["question"] == "Where is Mary?</script><script>alert(1)</script>");
  CHECK(ex["facts"][0]["in_window"] == false);
  CHECK(ex["facts"][1]["text"] == "<!-- John moved to the garden.");
  CHECK(ex["facts"][2]["text"] == "Mary went back to the garden. \xef\xbf\xbd");  // U+FFFD
  CHECK(ex["attention"][1][1].get<double>() == 0.625);
  CHECK(ex["empty_weight"][0].get<double>() == 0.25);
  CHECK(j["paper"]["mean_error"].get<double>() == doctest::Approx(0.124));
}

TEST_CASE("eval report html: a task outside 1..20 has no paper bar; an empty date is now") {
  EvalReport report;
  TaskResult t;
  t.task = 21;
  t.model = "custom";
  t.questions = 10;
  report.tasks = {t};
  const std::string html = memnet::core::eval_report_html(report, {"m.db", "d", ""});
  const auto j = nlohmann::json::parse(report_data(html));
  CHECK(j["tasks"][0]["paper_error"].is_null());
  const std::string date = j["date"];
  CHECK_MESSAGE(date.size() == 20, date);  // "YYYY-MM-DD HH:MM UTC"
  CHECK(date.substr(16) == " UTC");
  CHECK(html.find("The paper&rsquo;s joint model") == std::string::npos);  // nothing to compare
}

TEST_CASE("eval report html: an unwritable path is an error naming it") {
  CHECK_THROWS_WITH_AS(memnet::core::write_eval_report_html("/nonexistent/dir/report.html",
                                                            sample_report(), {"m.db", "d", "x"}),
                       "cannot write /nonexistent/dir/report.html: No such file or directory",
                       std::runtime_error);
}

TEST_CASE("web assets: the report's scripts and styles are embedded") {
  for (const char* path :
       {"/static/d3.min.js", "/static/heatmap.js", "/static/report.js", "/static/report.css"}) {
    CAPTURE(path);
    const memnet::web::Asset* a = memnet::web::find_asset(path);
    REQUIRE(a != nullptr);
    CHECK(a->body.size() > 100);
  }
}
