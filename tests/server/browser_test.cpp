// The web page of `memnet serve` (server/web/) in a real browser: Debian's chromium in
// headless mode, driven over the DevTools protocol (tests/server/cdp_client.h), against the
// real binary on an ephemeral port with a model trained by `memnet train`. The page is
// driven through its DOM contract (ids and data- attributes, not its looks), and what it
// shows is compared with what the JSON API answers for the same question.
//
// Numbers: the API prints each float32 in its shortest exact decimal form; the page parses
// the JSON (to a double) and writes String(number) into data-weight / data-probability. The
// tests parse both the page's attribute (strtod) and the API's number (nlohmann, strtod too)
// to doubles and compare them with ==. Both parses are correctly rounded and String() of a
// double round-trips, so equality holds exactly when the page shows the API's value
// unchanged; comparing the strings would fail on formatting alone ("1.6712389e-06" is
// "0.0000016712389" in JavaScript), comparing float32 would let a rounding page pass.
//
// Without chromium every test here reports SKIPPED and passes.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <signal.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "datasets/babi.h"
#include "tests/run_memnet.h"
#include "tests/server/cdp_client.h"
#include "tests/server/http_client.h"
#include "tests/server/serve_process.h"
#include "tests/test_data.h"

namespace {

using memnet::test::Browser;
using memnet::test::HttpClient;
using memnet::test::js_string;
using memnet::test::ServeProcess;
using memnet::testing::run_memnet;
using nlohmann::json;

const std::string kJson = "application/json";

// Reports the test as skipped, with the reason, where chromium is missing.
#define SKIP_WITHOUT_CHROMIUM()                                                 \
  if (const std::string why = memnet::test::chromium_missing(); !why.empty()) { \
    MESSAGE("SKIPPED: " << why);                                                \
    return;                                                                     \
  }

std::string demo_dir() { return std::string(MEMNET_SOURCE_DIR) + "/data/demo"; }

// A memnet file with a model trained on data/demo task 1 (a short run, as in
// serve_e2e_test.cpp) with a memory of 6 facts, so that longer stories have facts outside
// the window; copied into `dir`. Trained once per test run.
std::string trained_db(const std::filesystem::path& dir) {
  static const std::filesystem::path trained = [] {
    const auto d = memnet::testing::temp_dir("browser_model");
    const std::string db = (d / "memnet.db").string();
    const auto t = run_memnet(fmt::format(
        "train --data {} --task 1 --pe reference --model {} --memory 6 --epochs 30 --ls-epochs 10",
        demo_dir(), db));
    INFO(t.out);
    REQUIRE(t.status == 0);
    return std::filesystem::path(db);
  }();
  const auto db = dir / "memnet.db";
  std::filesystem::copy_file(trained, db);
  return db.string();
}

// A server on a trained model with a browser beside it, and helpers that speak the page's
// DOM contract.
struct Page {
  explicit Page(const std::string& tag, std::vector<std::string> serve_flags = {})
      : dir(memnet::testing::temp_dir(tag)),
        server(trained_db(dir), std::move(serve_flags)),
        api(server.port()) {}

  std::string url(const std::string& hash = "") const {
    return fmt::format("http://127.0.0.1:{}/{}", server.port(), hash);
  }

  // Loads the page at `hash` (its scripts have run once this returns: they are loaded
  // before the load event, and no module is deferred).
  void open(const std::string& hash = "") {
    browser.navigate(url(hash));
    browser.wait_for("document.querySelector('#story-list') !== null");
  }

  json eval(const std::string& js) { return browser.evaluate(js); }

  // textContent of the first match, trimmed; "" when nothing matches.
  std::string text(const std::string& selector) {
    return eval("(document.querySelector(" + js_string(selector) + ")?.textContent ?? '').trim()")
        .get<std::string>();
  }

  bool visible(const std::string& selector) {
    return eval("(() => { const e = document.querySelector(" + js_string(selector) +
                "); if (!e || e.hidden || e.closest('[hidden]')) return false;"
                " const s = getComputedStyle(e); const r = e.getBoundingClientRect();"
                " return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 &&"
                " r.height > 0; })()") == true;
  }

  // Waits until #question-words shows the words of `question` (the answer shown belongs to
  // that question, not to an earlier one) and the heat map has cells.
  void wait_for_answer_to(const std::string& question) {
    browser.wait_for(
        "(() => { const norm = s => s.toLowerCase().replace(/[^a-z0-9 ]+/g, ' ').trim()"
        ".split(/ +/).join(' ');"
        " const shown = [...document.querySelectorAll('#question-words span.word')]"
        ".map(s => s.textContent).join(' ');"
        " return norm(shown) === norm(" +
        js_string(question) +
        ") && document.querySelector('#heatmap td.cell') !== null &&"
        " (document.querySelector('#answer-text')?.textContent ?? '').trim() !== ''; })()");
  }

  json ask_api(std::int64_t story, json body) {
    const auto r = api.post(fmt::format("/v1/stories/{}/ask", story), body.dump(), kJson);
    INFO(r.body);
    REQUIRE(r.status == 200);
    return json::parse(r.body);
  }

  // Asks the API what the page asked, with as many alternatives as the page shows and one
  // more (the page may leave out the answer itself from its list).
  json ask_api_like_page(std::int64_t story, json body) {
    const int shown = eval("document.querySelectorAll('#alternatives li').length");
    body["top"] = shown + 1;
    return ask_api(story, std::move(body));
  }

  std::int64_t create_story_api(const std::string& name, const std::vector<std::string>& facts) {
    const auto created = api.post("/v1/stories", json{{"name", name}}.dump(), kJson);
    REQUIRE(created.status == 201);
    const std::int64_t id = json::parse(created.body)["id"];
    const auto added =
        api.post(fmt::format("/v1/stories/{}/facts", id), json{{"facts", facts}}.dump(), kJson);
    REQUIRE(added.status == 201);
    return id;
  }

  std::filesystem::path dir;
  ServeProcess server;
  HttpClient api;
  Browser browser;
};

double as_double(const std::string& attribute) {
  char* end = nullptr;
  const double v = std::strtod(attribute.c_str(), &end);
  if (attribute.empty() || *end != '\0') {
    FAIL_CHECK("not a number: '" << attribute << "'");
    return -1;
  }
  return v;
}

// Checks that a data- attribute of the page holds `api_number` (see the top of this file).
void check_same_number(const json& attribute, const json& api_number) {
  REQUIRE_MESSAGE(attribute.is_string(),
                  "no attribute on the page; the API wrote " << api_number.dump());
  CHECK_MESSAGE(
      as_double(attribute) == api_number.get<double>(),
      "the page has " << attribute.get<std::string>() << ", the API wrote " << api_number.dump());
}

// Checks that the answer, its probability, the alternatives, the question's words and
// every heat map cell on the page are those of `expected` (an answer of the JSON API).
void check_page_shows(Page& page, const json& expected) {
  CAPTURE(expected.dump());
  INFO("page log:\n" << page.browser.log());
  CHECK(page.text("#answer-text") == expected["answer"].get<std::string>());
  const json prob =
      page.eval("document.querySelector('#answer-probability')?.getAttribute('data-probability')");
  check_same_number(prob, expected["probability"]);

  // The alternatives: either all the API's (the answer first) or those after the answer.
  const json alternatives = page.eval(
      "[...document.querySelectorAll('#alternatives li')].map(li =>"
      " [li.getAttribute('data-answer'), li.getAttribute('data-probability')])");
  REQUIRE(alternatives.size() >= 1);
  const std::size_t skip = alternatives[0][0] == expected["answer"] ? 0 : 1;
  REQUIRE(skip + alternatives.size() <= expected["alternatives"].size());
  for (std::size_t i = 0; i < alternatives.size(); ++i) {
    CAPTURE(i);
    const json& want = expected["alternatives"][skip + i];
    CHECK(alternatives[i][0] == want["answer"]);
    check_same_number(alternatives[i][1], want["probability"]);
  }

  // Rows: one per fact of the story shown, in seq order, those outside the window without
  // weights; then the empty slots.
  const json rows = page.eval(
      "[...document.querySelectorAll('#heatmap table.heatmap tr.fact, #heatmap table.heatmap "
      "tr.outside, #heatmap table.heatmap tr.empty')].map(tr => ({seq: "
      "tr.getAttribute('data-seq'), empty:"
      " tr.classList.contains('empty'), outside: tr.classList.contains('outside'), cells:"
      " [...tr.querySelectorAll('td.cell')].map(td => [td.getAttribute('data-hop'),"
      " td.getAttribute('data-weight')])}))");
  const json& hops = expected["hops"];
  std::map<std::int64_t, std::size_t> index_of_seq;  // seq -> index in each hop's attention
  for (std::size_t i = 0; i < hops[0]["attention"].size(); ++i) {
    index_of_seq[hops[0]["attention"][i]["seq"].get<std::int64_t>()] = i;
  }
  std::set<std::int64_t> seen_seqs;
  int empty_rows = 0, weighted_cells = 0;
  for (const json& row : rows) {
    CAPTURE(row.dump());
    if (row["empty"] == true) {
      ++empty_rows;
      REQUIRE(row["cells"].size() == hops.size());
      for (std::size_t k = 0; k < hops.size(); ++k) {
        CHECK(row["cells"][k][0] == std::to_string(k + 1));
        check_same_number(row["cells"][k][1], hops[k]["empty_weight"]);
        ++weighted_cells;
      }
      continue;
    }
    REQUIRE(row["seq"].is_string());
    const std::int64_t seq = std::stoll(row["seq"].get<std::string>());
    seen_seqs.insert(seq);
    const auto at = index_of_seq.find(seq);
    if (at == index_of_seq.end()) {
      // Outside the memory window: marked so, and no weights.
      CHECK(row["outside"] == true);
      for (const json& cell : row["cells"]) CHECK(cell[1].is_null());
      continue;
    }
    CHECK(row["outside"] == false);
    REQUIRE(row["cells"].size() == hops.size());
    for (std::size_t k = 0; k < hops.size(); ++k) {
      CAPTURE(k);
      CHECK(row["cells"][k][0] == std::to_string(k + 1));
      const json& a = hops[k]["attention"][at->second];
      CHECK(a["seq"] == seq);
      check_same_number(row["cells"][k][1], a["weight"]);
      ++weighted_cells;
    }
  }
  CHECK(empty_rows == 1);
  for (const auto& [seq, i] : index_of_seq) {
    CAPTURE(seq);
    CHECK(seen_seqs.count(seq) == 1);  // every fact in the window has its row
  }
  CHECK(weighted_cells == static_cast<int>(hops.size() * (hops[0]["attention"].size() + 1)));

  // The question's words, those the model does not know marked.
  const json unknown = page.eval(
      "[...document.querySelectorAll('#question-words span.word.unknown')].map(s =>"
      " s.textContent.toLowerCase().replace(/[^\\p{L}\\p{N}]+/gu, ''))");
  json want_unknown = json::array();
  for (const json& w : expected["unknown_words"]) want_unknown.push_back(w);
  CHECK(unknown == want_unknown);
  CHECK_FALSE(page.visible("#error"));
}

}  // namespace

TEST_CASE("browser: a story created, filled and asked on the page shows the API's answer") {
  SKIP_WITHOUT_CHROMIUM();
  Page page("browser_flow");
  page.open();

  // Create a story: it appears in the list, selected, and in the API.
  page.browser.fill("#new-story-name", "browser story");
  page.browser.click("#create-story");
  page.browser.wait_for(
      "[...document.querySelectorAll('#story-list li[data-story-id]')]"
      ".some(li => li.textContent.includes('browser story'))");
  const std::int64_t id =
      std::stoll(page.eval("[...document.querySelectorAll('#story-list li[data-story-id]')]"
                           ".find(li => li.textContent.includes('browser story'))"
                           ".getAttribute('data-story-id')")
                     .get<std::string>());
  const json story = json::parse(page.api.get(fmt::format("/v1/stories/{}", id)).body);
  CHECK(story["name"] == "browser story");
  CHECK(story["fact_count"] == 0);

  // Add facts, one per line.
  const std::vector<std::string> facts = {"Mary went to the kitchen.", "John moved to the garden.",
                                          "Mary travelled to the office.",
                                          "Daniel journeyed to the bathroom."};
  std::string lines;
  for (const auto& f : facts) lines += f + "\n";
  page.browser.fill("#facts-input", lines);
  page.browser.click("#add-facts");
  page.browser.wait_for("document.querySelector('#story-facts').textContent.includes(" +
                        js_string(facts.back()) + ")");
  const json filled = json::parse(page.api.get(fmt::format("/v1/stories/{}", id)).body);
  REQUIRE(filled["fact_count"] == facts.size());
  for (std::size_t i = 0; i < facts.size(); ++i) {
    CHECK(filled["facts"][i]["text"] == facts[i]);
    CHECK(page.text("#story-facts").find(facts[i]) != std::string::npos);
  }

  // Ask with the button.
  page.browser.fill("#question", "Where is Mary?");
  page.browser.click("#ask");
  page.wait_for_answer_to("Where is Mary?");
  const json expected = page.ask_api_like_page(id, {{"question", "Where is Mary?"}});
  CHECK(expected["answer"] == "office");  // the trained model gets this one right
  check_page_shows(page, expected);
  CHECK(page.eval("document.querySelectorAll('#question-words span.word').length") == 3);

  // Ask again, with Enter in the question field of the ask form.
  CHECK(page.eval("document.querySelector('#question').form?.id") == "ask-form");
  page.browser.fill("#question", "Where is John?");
  page.browser.press_enter();
  page.wait_for_answer_to("Where is John?");
  const json john = page.ask_api_like_page(id, {{"question", "Where is John?"}});
  CHECK(john["answer"] == "garden");
  check_page_shows(page, john);
}

TEST_CASE("browser: the page opened at #story=ID&q=... asks at once, as the API answers") {
  SKIP_WITHOUT_CHROMIUM();
  Page page("browser_hash");
  // Eight facts, two more than the model's memory holds.
  const std::int64_t id = page.create_story_api(
      "hash story", {"Mary went to the kitchen.", "Daniel journeyed to the office.",
                     "John moved to the garden.", "Daniel travelled to the bathroom.",
                     "Sandra went back to the hallway.", "Mary moved to the bedroom.",
                     "John went back to the kitchen.", "Sandra journeyed to the garden."});
  page.open(fmt::format("#story={}&q={}", id, "Where%20is%20Sandra%3F"));
  page.wait_for_answer_to("Where is Sandra?");
  CHECK(page.eval("document.querySelector('#question').value") == "Where is Sandra?");
  const json expected = page.ask_api_like_page(id, {{"question", "Where is Sandra?"}});
  check_page_shows(page, expected);
  CHECK(expected["memory"]["first_seq"] == 2);
  CHECK(page.eval("document.querySelectorAll('#heatmap tr.fact:not(.outside)').length") == 6);
  CHECK(page.eval("[...document.querySelectorAll('#heatmap tr.outside')].map(tr =>"
                  " tr.getAttribute('data-seq'))") == json{"0", "1"});
}

TEST_CASE("browser: the Memory choice asks with select, and the map shows the facts chosen") {
  SKIP_WITHOUT_CHROMIUM();
  Page page("browser_select");
  // Eight facts, two more than the model's memory holds; Sandra is in facts 4 and 7.
  const std::int64_t id = page.create_story_api(
      "select story", {"Mary went to the kitchen.", "Daniel journeyed to the office.",
                       "John moved to the garden.", "Daniel travelled to the bathroom.",
                       "Sandra went back to the hallway.", "Mary moved to the bedroom.",
                       "John went back to the kitchen.", "Sandra journeyed to the garden."});
  page.open(fmt::format("#story={}", id));
  page.browser.wait_for("document.querySelector('#story-facts').textContent.includes('garden')");
  page.eval(
      "(() => { const s = document.querySelector('#select-mode'); s.value = 'match';"
      " s.dispatchEvent(new Event('change')); return s.value; })()");
  page.browser.fill("#question", "Where is Sandra?");
  page.browser.click("#ask");
  page.wait_for_answer_to("Where is Sandra?");
  const json expected =
      page.ask_api_like_page(id, {{"question", "Where is Sandra?"}, {"select", "match"}});
  CHECK(expected["memory"]["select"] == "match");
  CHECK(expected["memory"]["size"] == 2);
  check_page_shows(page, expected);
  CHECK(page.eval("[...document.querySelectorAll('#heatmap tr.fact:not(.outside)')].map(tr =>"
                  " tr.getAttribute('data-seq'))") == json{"4", "7"});
  CHECK(page.text("#model-note").find("2 of the story's 8 facts, chosen by match") !=
        std::string::npos);
}

TEST_CASE("browser: question words the model does not know are marked unknown") {
  SKIP_WITHOUT_CHROMIUM();
  Page page("browser_unknown");
  const std::int64_t id = page.create_story_api(
      "unknown words", {"Mary went to the kitchen.", "Bob went to the garden."});
  page.open(fmt::format("#story={}", id));
  page.browser.wait_for("document.querySelector('#story-facts').textContent.includes('Bob')");
  page.browser.fill("#question", "Where is Bob now?");
  page.browser.click("#ask");
  page.wait_for_answer_to("Where is Bob now?");
  const json expected = page.ask_api_like_page(id, {{"question", "Where is Bob now?"}});
  REQUIRE(expected["unknown_words"] == json{"bob", "now"});
  check_page_shows(page, expected);  // compares span.word.unknown with unknown_words
  const json words = page.eval(
      "[...document.querySelectorAll('#question-words span.word')].map(s =>"
      " [s.textContent.trim().toLowerCase().replace(/[^a-z]/g, ''),"
      " s.classList.contains('unknown')])");
  const json expected_words =
      json::array({json::array({"where", false}), json::array({"is", false}),
                   json::array({"bob", true}), json::array({"now", true})});
  CHECK(words == expected_words);
}

TEST_CASE("browser: an API error (4xx) shows its message, not a blank page") {
  SKIP_WITHOUT_CHROMIUM();
  Page page("browser_errors");

  SUBCASE("a story that does not exist (404)") {
    page.create_story_api("an existing story", {"Mary went to the kitchen."});
    const auto r = page.api.get("/v1/stories/999999");
    REQUIRE(r.status == 404);
    const std::string message = json::parse(r.body)["error"]["message"];
    page.open("#story=999999");
    page.browser.wait_for(
        "(() => { const e = document.querySelector('#error');"
        " return e && !e.hidden && e.textContent.trim() !== ''; })()");
    CAPTURE(page.text("#error"));
    CHECK(page.visible("#error"));
    CHECK(page.text("#error").find(message) != std::string::npos);
    CHECK(page.eval("document.querySelector('#error').getAttribute('role')") == "alert");
    // The rest of the page is still there: the list of the stories there are, and the form
    // to create one.
    page.browser.wait_for(
        "document.querySelector('#story-list').textContent.includes("
        "'an existing story')",
        std::chrono::seconds(3));
    CHECK(page.visible("#story-list"));
    CHECK(page.visible("#new-story-name"));
  }

  SUBCASE("a question with no words (422)") {
    const std::int64_t id = page.create_story_api("errors", {"Mary went to the kitchen."});
    const auto r = page.api.post(fmt::format("/v1/stories/{}/ask", id),
                                 json{{"question", "?!"}}.dump(), kJson);
    REQUIRE(r.status == 422);
    const std::string message = json::parse(r.body)["error"]["message"];
    page.open(fmt::format("#story={}", id));
    page.browser.wait_for("document.querySelector('#story-facts').textContent.includes('Mary')");
    CHECK_FALSE(page.visible("#error"));
    page.browser.fill("#question", "?!");
    page.browser.click("#ask");
    page.browser.wait_for(
        "(() => { const e = document.querySelector('#error');"
        " return e && !e.hidden && e.textContent.trim() !== ''; })()");
    CAPTURE(page.text("#error"));
    CHECK(page.visible("#error"));
    CHECK(page.text("#error").find(message) != std::string::npos);
    CHECK(page.visible("#story-facts"));

    // A good question afterwards clears the error.
    page.browser.fill("#question", "Where is Mary?");
    page.browser.click("#ask");
    page.wait_for_answer_to("Where is Mary?");
    CHECK_FALSE(page.visible("#error"));
  }
}

TEST_CASE("browser: behind --token-file the page asks for the token once, then works") {
  SKIP_WITHOUT_CHROMIUM();
  const std::string token = "0123456789abcdef-page-token";
  const auto token_dir = memnet::testing::temp_dir("browser_token_file");
  const std::string token_file = (token_dir / "token").string();
  std::ofstream(token_file) << token << "\n";
  Page page("browser_token", {"--token-file", token_file});
  const memnet::test::Headers auth = {{"Authorization", "Bearer " + token}};
  REQUIRE(
      page.api.request("POST", "/v1/stories", json{{"name", "behind a token"}}.dump(), kJson, auth)
          .status == 201);
  // The user's answer to the page's prompt; counted, so a prompt per request would show.
  page.browser.call("Page.addScriptToEvaluateOnNewDocument",
                    {{"source",
                      "window.__prompts = 0; window.prompt = () => { "
                      "window.__prompts++; return " +
                          js_string(token) + "; };"}});
  page.open();
  page.browser.wait_for(
      "document.querySelector('#story-list').textContent.includes('behind a token')");
  CHECK(page.eval("window.__prompts") == 1);
  CHECK(page.eval("sessionStorage.getItem('memnet-token')") == token);
  CHECK_FALSE(page.visible("#error"));
}

TEST_CASE("browser: the story view fits a phone's width") {
  SKIP_WITHOUT_CHROMIUM();
  Page page("browser_phone");
  const std::int64_t id =
      page.create_story_api("a story with rather long names of facts for a phone screen",
                            {"Mary went to the kitchen.", "Daniel journeyed to the office.",
                             "John moved to the garden.", "Daniel travelled to the bathroom.",
                             "Sandra went back to the hallway.", "Mary moved to the bedroom."});
  page.browser.set_viewport(390, 844, true, 3);
  page.open(fmt::format("#story={}&q={}", id, "Where%20is%20Daniel%3F"));
  page.wait_for_answer_to("Where is Daniel?");
  const json widths = page.eval(
      "[document.body.scrollWidth, document.documentElement.scrollWidth, window.innerWidth]");
  CAPTURE(widths.dump());
  CHECK(widths[2] == 390);
  CHECK(widths[0].get<int>() <= widths[2].get<int>() + 1);
  CHECK(widths[1].get<int>() <= widths[2].get<int>() + 1);
  // The question field and the ask button are on screen and usable.
  CHECK(page.visible("#question"));
  CHECK(page.visible("#ask"));
  page.browser.screenshot(page.dir / "phone.png");
}

TEST_CASE(
    "browser: an imported bAbI question shows whether the answer is right and the gold "
    "facts") {
  SKIP_WITHOUT_CHROMIUM();
  Page page("browser_gold");
  const std::string test_file = demo_dir() + "/qa1_single-supporting-fact_test.txt";
  const std::string db = (page.dir / "memnet.db").string();
  const auto imported = run_memnet(fmt::format("import --db {} --babi {}", db, test_file), true);
  REQUIRE(imported.status == 0);
  std::istringstream lines(imported.out);
  std::int64_t id = 0;
  int source_line = 0;
  lines >> id >> source_line;  // the file's first story
  REQUIRE(id > 0);
  const auto stories = memnet::datasets::load_babi_file(test_file);
  const auto& question = stories.front().questions.back();

  std::string q;  // percent-encoded
  for (const char ch : question.text) {
    q += std::isalnum(static_cast<unsigned char>(ch))
             ? std::string(1, ch)
             : fmt::format("%{:02X}", static_cast<int>(ch));
  }
  page.open(fmt::format("#story={}&q={}", id, q));
  page.wait_for_answer_to(question.text);
  // The last question sees the whole story, as the page asks it: the API gives the gold
  // answer.
  REQUIRE(question.statements_before == static_cast<int>(stories.front().statements.size()));
  const json expected = page.ask_api_like_page(id, {{"question", question.text}});
  REQUIRE(expected.contains("gold"));
  CHECK(expected["gold"]["answer"] == question.answer);
  check_page_shows(page, expected);
  CHECK(page.visible("#gold"));
  const bool right = expected["gold"]["correct"];
  CHECK(page.eval("document.querySelector('#gold')?.classList.contains('right')") == right);
  CHECK(page.eval("document.querySelector('#gold')?.classList.contains('wrong')") == !right);
  json gold_seqs = page.eval(
      "[...document.querySelectorAll('#heatmap tr.fact.gold')].map(tr =>"
      " Number(tr.getAttribute('data-seq')))");
  json want = json::array();
  for (const int i : question.support) want.push_back(i);
  CHECK(gold_seqs == want);
}

TEST_CASE("browser: #sample-story picks an imported story and the models view shows the model") {
  SKIP_WITHOUT_CHROMIUM();
  Page page("browser_sample");
  const std::string db = (page.dir / "memnet.db").string();
  const auto imported = run_memnet(
      fmt::format("import --db {} --babi {}/qa1_single-supporting-fact_test.txt", db, demo_dir()),
      true);
  REQUIRE(imported.status == 0);
  page.open();
  page.browser.click("#sample-story");
  page.browser.wait_for("document.querySelector('#story-facts').textContent.trim() !== ''");
  // The story shown is one of the imported ones (each line: id source_line).
  std::set<std::string> ids;
  std::istringstream lines(imported.out);
  std::int64_t id = 0;
  int source_line = 0;
  while (lines >> id >> source_line) ids.insert(std::to_string(id));
  const json selected = page.eval("location.hash");
  CAPTURE(selected.dump());
  const std::string hash = selected;
  const auto at = hash.find("story=");
  REQUIRE(at != std::string::npos);
  CHECK(ids.count(hash.substr(at + 6, hash.find('&', at) - at - 6)) == 1);

  page.browser.navigate(page.url("#models"));
  page.browser.wait_for("document.querySelector('#model-list')?.textContent.includes('task')");
  const json models = json::parse(page.api.get("/v1/models").body)["models"];
  REQUIRE(models.size() == 1);
  CHECK(page.text("#model-list").find(models[0]["name"].get<std::string>()) != std::string::npos);
  page.browser.wait_for("document.querySelector('#model-config tr') !== null");
  CHECK(page.text("#model-config").find("hops") != std::string::npos);
  // Each chart of the training curve has one line per repeat (seed) of the training run.
  page.browser.wait_for("document.querySelector('#training-curve path.line') !== null");
  const json detail =
      json::parse(page.api.get("/v1/models/" + models[0]["name"].get<std::string>()).body);
  const json lines_per_chart = page.eval(
      "[...document.querySelectorAll('#training-curve svg')].map(svg =>"
      " svg.querySelectorAll('path.line').length)");
  CAPTURE(lines_per_chart.dump());
  REQUIRE(lines_per_chart.size() >= 1);
  for (const json& n : lines_per_chart) CHECK(n == detail["training"]["repeats"]);
}

TEST_CASE("browser: deleting a story takes a second click on the same button") {
  SKIP_WITHOUT_CHROMIUM();
  Page page("browser_delete");
  const std::int64_t keep = page.create_story_api("keep me", {"Mary went to the kitchen."});
  const std::int64_t id = page.create_story_api("delete me", {"John went to the garden."});
  page.open(fmt::format("#story={}", id));
  page.browser.wait_for("document.querySelector('#story-facts').textContent.includes('John')");
  page.browser.click("#delete-story");
  page.browser.wait_for("document.querySelector('#delete-story').textContent.includes('Confirm')");
  CHECK(page.api.get(fmt::format("/v1/stories/{}", id)).status == 200);  // not yet
  page.browser.click("#delete-story");
  page.browser.wait_for(
      fmt::format("!document.querySelector('#story-list li[data-story-id=\"{}\"]')", id));
  CHECK(page.api.get(fmt::format("/v1/stories/{}", id)).status == 404);
  CHECK(page.api.get(fmt::format("/v1/stories/{}", keep)).status == 200);
  CHECK(page.eval(fmt::format("!!document.querySelector('#story-list li[data-story-id=\"{}\"]')",
                              keep)) == true);
  CHECK_FALSE(page.visible("#error"));
}
