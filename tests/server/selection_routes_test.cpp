// The window selection over HTTP: "select" on story creation and on both ask routes, the
// same floats as the service gives, and the 422s of bad values.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/story_service.h"
#include "server/routes.h"
#include "tests/model_fixture.h"
#include "tests/test_data.h"

namespace memnet::server {
namespace {

using nlohmann::json;

json call(Routes& routes, const std::string& method, const std::string& target,
          const std::string& body, int status) {
  const Response r = routes.handle(Request{method, target, "application/json", body, "", ""});
  CAPTURE(target);
  CAPTURE(body);
  CAPTURE(r.body);
  CHECK(r.status == status);
  return json::parse(r.body);
}

}  // namespace

TEST_CASE("selection routes: a long story answers from its matching facts") {
  const std::string path = (memnet::testing::temp_dir("select_routes") / "m.db").string();
  memnet::testing::save_fixture_model(path, "m", 3, 3, 12, 10);  // memory of 10 facts
  core::StoryService service(path);
  Routes routes(service);

  const json made =
      call(routes, "POST", "/v1/stories", R"({"name": "long", "select": "match"})", 201);
  CHECK(made["select"] == "match");
  const std::int64_t id = made["id"];
  const std::string base = fmt::format("/v1/stories/{}", id);
  json facts = json::array();
  std::vector<std::string> told;
  for (int i = 0; i < 60; ++i) {
    told.push_back(i == 5 ? "Mary went to the office." : "John moved to the garden.");
    facts.push_back(told.back());
  }
  call(routes, "POST", base + "/facts", json{{"facts", facts}}.dump(), 201);
  CHECK(call(routes, "GET", base, "", 200)["select"] == "match");

  // The story's own selection: Mary's one fact, 55 facts back.
  const json asked = call(routes, "POST", base + "/ask", R"({"question": "Where is Mary?"})", 200);
  CHECK(asked["memory"]["select"] == "match");
  CHECK(asked["memory"]["size"] == 1);
  CHECK(asked["memory"]["first_seq"] == 5);
  REQUIRE(asked["hops"][0]["attention"].size() == 1);
  CHECK(asked["hops"][0]["attention"][0]["seq"] == 5);
  core::AskOptions o;
  o.select = core::Selection::kMatch;
  const core::AskResult direct = service.ask(id, "Where is Mary?", "", o);
  CHECK(asked["probability"].get<float>() == direct.probability);
  CHECK(asked["hops"][2]["attention"][0]["weight"].get<float>() == direct.hops[2][0].weight);

  // A question may override it; mixed fills the rest with the newest facts.
  const json recent = call(routes, "POST", base + "/ask",
                           R"({"question": "Where is Mary?", "select": "recent"})", 200);
  CHECK(recent["memory"]["select"] == "recent");
  CHECK(recent["memory"]["size"] == 10);
  CHECK(recent["memory"]["first_seq"] == 50);
  const json mixed = call(routes, "POST", base + "/ask",
                          R"({"question": "Where is Mary?", "select": "mixed"})", 200);
  CHECK(mixed["memory"]["size"] == 10);
  CHECK(mixed["hops"][0]["attention"][0]["seq"] == 5);
  CHECK(mixed["hops"][0]["attention"][1]["seq"] == 51);

  // Inline asks select the same way, with the same floats.
  json story = json::array();
  for (const auto& t : told) story.push_back(t);
  const json inline_asked =
      call(routes, "POST", "/v1/ask",
           json{{"story", story}, {"question", "Where is Mary?"}, {"select", "match"}}.dump(), 200);
  CHECK(inline_asked["memory"]["first_index"] == 5);
  CHECK(inline_asked["probability"].get<float>() == direct.probability);

  // Bad values: 422 naming the field, nothing stored.
  for (const char* body : {R"({"question": "Where is Mary?", "select": "nearest"})",
                           R"({"question": "Where is Mary?", "select": 1})"}) {
    const json e = call(routes, "POST", base + "/ask", body, 422);
    CHECK(e["error"]["field"] == "select");
  }
  for (const char* body : {R"({"question": "Where is Mary?", "word_cutoff": 0})",
                           R"({"question": "Where is Mary?", "word_cutoff": "many"})"}) {
    CHECK(call(routes, "POST", base + "/ask", body, 422)["error"]["field"] == "word_cutoff");
  }
  const std::size_t before = service.stories().size();
  CHECK(call(routes, "POST", "/v1/stories", R"({"select": "MATCH"})", 422)["error"]["field"] ==
        "select");
  CHECK(service.stories().size() == before);
}

}  // namespace memnet::server
