// `memnet eval --html` through the real binary: a small model trained on data/demo, its
// report checked against `eval --json`, then rendered by a real browser when one is present.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tests/run_memnet.h"
#include "tests/test_data.h"

namespace {

using memnet::testing::Run;
using memnet::testing::run_memnet;

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t i = 0; (i = s.find(what, i)) != std::string::npos; i += what.size()) ++n;
  return n;
}

nlohmann::json report_data(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"report-data\">";
  const size_t from = html.find(open);
  REQUIRE(from != std::string::npos);
  const size_t to = html.find("</script>", from);
  REQUIRE(to != std::string::npos);
  return nlohmann::json::parse(html.substr(from + open.size(), to - from - open.size()));
}

// $MEMNET_CHROMIUM, else Debian's (scripts/setup.sh installs it).
std::string chromium() {
  const char* env = std::getenv("MEMNET_CHROMIUM");
  return env && *env ? env : "/usr/bin/chromium";
}

// The DOM after the page's scripts ran, as chromium serialises it.
std::string rendered_dom(const std::filesystem::path& html, const std::filesystem::path& profile) {
  const std::string cmd = "timeout 120 " + chromium() +
                          " --headless --disable-gpu --no-sandbox --user-data-dir='" +
                          profile.string() + "' --virtual-time-budget=2000 --dump-dom 'file://" +
                          html.string() + "' 2>/dev/null";
  FILE* pipe = popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  return out;
}

}  // namespace

TEST_CASE("cli: eval --html writes a self-contained report that agrees with eval --json") {
  const auto dir = memnet::testing::temp_dir("cli_html");
  const std::string data = std::string(MEMNET_SOURCE_DIR) + "/data/demo";
  const std::string db = (dir / "m.db").string();
  const auto html_path = dir / "report.html";
  // Few epochs, so that every task gets questions wrong.
  const Run t = run_memnet("train --data " + data + " --task 1 2 --model " + db +
                           " --epochs 3 --ls-epochs 0 --threads 2 --quiet");
  REQUIRE_MESSAGE(t.status == 0, t.out);

  const Run json_run = run_memnet("eval --model " + db + " --data " + data + " --json", true);
  REQUIRE_MESSAGE(json_run.status == 0, json_run.out);
  const auto expected = nlohmann::json::parse(json_run.out);

  const Run e = run_memnet("eval --model " + db + " --data " + data + " --html " +
                           html_path.string() + " --html-examples 2");
  REQUIRE_MESSAGE(e.status == 0, e.out);
  CHECK(e.out.find("HTML report: " + html_path.string()) != std::string::npos);
  REQUIRE(std::filesystem::exists(html_path));
  const std::string html = read(html_path);

  // Nothing loaded from the network or the disk: scripts inline, d3 among them.
  CHECK(html.find(" src=") == std::string::npos);
  CHECK(html.find("<link") == std::string::npos);
  CHECK(html.find("src=\"http") == std::string::npos);
  CHECK(html.find("href=\"http") == std::string::npos);
  CHECK(html.find("var d3={version:\"3.5") != std::string::npos);
  CHECK(count(html, "<script") == 4);

  const auto j = report_data(html);
  REQUIRE(j["tasks"].size() == expected["tasks"].size());
  REQUIRE(j["tasks"].size() == 2);
  for (size_t i = 0; i < j["tasks"].size(); ++i) {
    const auto& got = j["tasks"][i];
    const auto& want = expected["tasks"][i];
    CAPTURE(want.dump());
    CHECK(got["task"] == want["task"]);
    CHECK(got["error"] == want["error"]);  // the same double, printed alike
    CHECK(got["support_hit"] == want["support_hit"]);
    CHECK(got["failed"] == want["failed"]);
    CHECK(got["questions"] == want["questions"]);
    REQUIRE(got["wrong"].get<int>() > 0);
    CHECK(got["wrong"].get<double>() / got["questions"].get<double>() ==
          doctest::Approx(got["error"].get<double>()));
    // the first two failed questions, in file order, each with its memory and attention
    REQUIRE(got["examples"].size() == 2);
    CHECK(got["examples"][0]["question_line"].get<int>() <
          got["examples"][1]["question_line"].get<int>());
    for (const auto& ex : got["examples"]) {
      CHECK(ex["answer"] != ex["predicted"]);
      int in_window = 0, gold = 0;
      for (const auto& f : ex["facts"]) {
        in_window += f["in_window"].get<bool>() ? 1 : 0;
        gold += f["gold"].get<bool>() ? 1 : 0;
        CHECK(!f["text"].get<std::string>().empty());
      }
      CHECK(gold >= 1);                      // data/demo gives supporting facts
      REQUIRE(ex["attention"].size() == 3);  // K = 3 hops
      REQUIRE(ex["empty_weight"].size() == 3);
      for (size_t k = 0; k < 3; ++k) {
        REQUIRE(ex["attention"][k].size() == static_cast<size_t>(in_window));
        double sum = ex["empty_weight"][k].get<double>();
        for (const auto& p : ex["attention"][k]) sum += p.get<double>();
        CHECK(sum == doctest::Approx(1.0).epsilon(1e-4));
      }
    }
  }
  CHECK(j["mean_error"] == expected["mean_error"]);
  CHECK(j["failed"] == expected["failed"]);

  // --html-examples without --html is a usage error; a path that cannot be written exits 1
  // and names the path.
  CHECK(run_memnet("eval --model " + db + " --data " + data + " --html-examples 2").status == 2);
  const Run bad =
      run_memnet("eval --model " + db + " --data " + data + " --html /nonexistent/dir/report.html");
  CHECK(bad.status == 1);
  CHECK_MESSAGE(bad.out.find("cannot write /nonexistent/dir/report.html") != std::string::npos,
                bad.out);

  // A real browser runs the page's scripts: the bar chart and the heat maps are drawn.
  if (::access(chromium().c_str(), X_OK) != 0) {
    MESSAGE("SKIPPED: the browser check of eval --html: " << chromium()
                                                          << " not found (scripts/setup.sh "
                                                             "installs chromium; or set "
                                                             "MEMNET_CHROMIUM)");
    std::filesystem::remove_all(dir);
    return;
  }
  const std::string dom = rendered_dom(html_path, dir / "chromium-profile");
  REQUIRE_MESSAGE(dom.find("id=\"error-chart\"") != std::string::npos, dom.substr(0, 2000));
  CHECK(count(dom, "<svg") == 1);
  CHECK(count(dom, "class=\"bar memnet\"") == 2);  // one bar per task
  CHECK(count(dom, "class=\"bar paper\"") == 2);   // tasks 1 and 2 have a paper figure
  CHECK(dom.find("class=\"threshold\"") != std::string::npos);
  CHECK(count(dom, "<table class=\"heatmap\">") == 4);  // 2 tasks x 2 failed questions
  CHECK(dom.find("<tr class=\"fact gold\"") != std::string::npos);
  CHECK(count(dom, "<tr class=\"empty\"") == 4);
  CHECK(dom.find("tabindex=\"0\"") != std::string::npos);  // focusable cells
  std::filesystem::remove_all(dir);
}
