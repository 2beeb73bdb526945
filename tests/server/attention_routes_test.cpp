// The "attention" field of both ask routes: "all" (the default, unchanged bytes), "top"
// (each hop's strongest facts, the same floats as "all"), "none" (no hops), and the 422s of
// bad values.
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

Response call_raw(Routes& routes, const std::string& target, const std::string& body, int status) {
  const Response r = routes.handle(Request{"POST", target, "application/json", body, "", ""});
  CAPTURE(target);
  CAPTURE(body);
  CAPTURE(r.body);
  CHECK(r.status == status);
  return r;
}

json call(Routes& routes, const std::string& target, const std::string& body, int status) {
  return json::parse(call_raw(routes, target, body, status).body);
}

// An ask body: the question, the story when inline, and "attention" unless empty.
std::string ask_body(const json& story, const std::string& attention) {
  json body{{"question", "Where is Mary?"}};
  if (!story.is_null()) body["story"] = story;
  if (!attention.empty()) body["attention"] = attention;
  return body.dump();
}

// "top" and "none" against "all", on one ask route.
void check_modes(Routes& routes, const std::string& target, const json& story,
                 const std::string& fact_key) {
  const Response plain = call_raw(routes, target, ask_body(story, ""), 200);
  const Response all = call_raw(routes, target, ask_body(story, "all"), 200);
  CHECK(all.body == plain.body);  // "all" is the default, byte for byte
  const json a = json::parse(all.body);
  REQUIRE(a["hops"].size() == 3);

  const json none = call(routes, target, ask_body(story, "none"), 200);
  CHECK(!none.contains("hops"));
  CHECK(none["answer"] == a["answer"]);
  CHECK(none["probability"].get<float>() == a["probability"].get<float>());
  CHECK(none["alternatives"] == a["alternatives"]);
  CHECK(none["memory"] == a["memory"]);
  CHECK(none["unknown_words"] == a["unknown_words"]);

  const json top = call(routes, target, ask_body(story, "top"), 200);
  CHECK(top["probability"].get<float>() == a["probability"].get<float>());
  CHECK(top["memory"] == a["memory"]);
  REQUIRE(top["hops"].size() == 3);
  for (std::size_t k = 0; k < 3; ++k) {
    CAPTURE(k);
    const json& hop = top["hops"][k];
    const json& full = a["hops"][k];
    CHECK(hop["hop"] == full["hop"]);
    CHECK(hop["empty_weight"].get<float>() == full["empty_weight"].get<float>());
    REQUIRE(hop["attention"].size() == static_cast<std::size_t>(core::kDefaultAttentionTop));
    float previous = 2;
    for (const json& entry : hop["attention"]) {
      const float weight = entry["weight"].get<float>();
      CHECK(weight <= previous);  // strongest first
      previous = weight;
      // The same fact, with the same float, as in "all".
      const json* same = nullptr;
      for (const json& f : full["attention"]) {
        if (f[fact_key] == entry[fact_key]) same = &f;
      }
      REQUIRE(same != nullptr);
      CHECK(*same == entry);
      CHECK((*same)["weight"].get<float>() == weight);
    }
    // Nothing left out is stronger than the weakest kept.
    int stronger = 0;
    for (const json& f : full["attention"]) stronger += f["weight"].get<float>() > previous;
    CHECK(stronger < core::kDefaultAttentionTop);
  }

  // Bad values: 422 naming the field, in the shape of the other 422s.
  for (const char* bad : {R"("some")", R"("ALL")", "3", "true", R"(["all"])", "{}"}) {
    json body = json::parse(ask_body(story, ""));
    body["attention"] = json::parse(bad);
    const json e = call(routes, target, body.dump(), 422);
    CHECK(e["error"]["code"] == "invalid_field");
    CHECK(e["error"]["field"] == "attention");
    CHECK(e["error"]["message"] == "'attention' must be one of: all, top, none");
  }
  // null is absent, as for the other optional fields.
  json body = json::parse(ask_body(story, ""));
  body["attention"] = nullptr;
  CHECK(call_raw(routes, target, body.dump(), 200).body == plain.body);
}

}  // namespace

TEST_CASE("attention routes: all, top and none on both ask routes") {
  const std::string path = (memnet::testing::temp_dir("attention_routes") / "m.db").string();
  memnet::testing::save_fixture_model(path, "m", 5, 3, 12, 10);
  core::StoryService service(path);
  Routes routes(service);

  json facts = json::array();
  for (const char* f :
       {"Mary went to the office.", "John moved to the garden.", "Mary went to the kitchen.",
        "John went to the office.", "Mary moved to the garden.", "John went to the kitchen.",
        "Mary went to the garden.", "John moved to the office."}) {
    facts.push_back(f);
  }
  const json made = call(routes, "/v1/stories", R"({"name": "attention"})", 201);
  const std::string base = fmt::format("/v1/stories/{}", made["id"].get<std::int64_t>());
  call(routes, base + "/facts", json{{"facts", facts}}.dump(), 201);

  SUBCASE("stored story") { check_modes(routes, base + "/ask", nullptr, "id"); }
  SUBCASE("inline story") { check_modes(routes, "/v1/ask", facts, "index"); }
}

}  // namespace memnet::server
