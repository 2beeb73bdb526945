#include "server/routes.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/model_fixture.h"
#include "tests/test_data.h"

namespace memnet::server {
namespace {

using nlohmann::json;

struct Api {
  explicit Api(const std::string& tag, int models = 1)
      : path((memnet::testing::temp_dir(tag) / "memnet.db").string()) {
    for (int i = 0; i < models; ++i)
      memnet::testing::save_fixture_model(path, fmt::format("m{}", i), std::uint64_t(i + 1));
    service = std::make_unique<core::StoryService>(path);
    routes = std::make_unique<Routes>(*service);
  }

  Response call(const std::string& method, const std::string& target, const std::string& body = "",
                const std::string& content_type = "application/json") {
    return routes->handle(Request{method, target, body.empty() ? "" : content_type, body, "", ""});
  }
  json call_json(const std::string& method, const std::string& target, const std::string& body,
                 int expected_status) {
    const Response r = call(method, target, body);
    CAPTURE(r.body);
    CHECK(r.status == expected_status);
    return json::parse(r.body);
  }

  std::string path;
  std::unique_ptr<core::StoryService> service;
  std::unique_ptr<Routes> routes;
};

void check_error(const Response& r, int status, const std::string& code,
                 const std::string& field = "") {
  CAPTURE(r.body);
  CHECK(r.status == status);
  const json j = json::parse(r.body);
  CHECK(j["error"]["code"] == code);
  CHECK(j["error"]["message"].get<std::string>().size() > 0);
  if (!field.empty()) CHECK(j["error"]["field"] == field);
}

}  // namespace

TEST_CASE("routes: create a story, add facts, ask, show, delete") {
  Api api("routes");
  CHECK(api.call_json("GET", "/healthz", "", 200)["status"] == "ok");
  const json models = api.call_json("GET", "/v1/models", "", 200);
  REQUIRE(models["models"].size() == 1);
  CHECK(models["models"][0]["name"] == "m0");
  CHECK(models["models"][0]["hops"] == 3);

  const Response created = api.call("POST", "/v1/stories", R"({"name": "demo"})");
  CHECK(created.status == 201);
  const json story = json::parse(created.body);
  const std::int64_t id = story["id"];
  CHECK(story["model"] == "m0");
  CHECK(created.headers.at(0) ==
        std::pair<std::string, std::string>("Location", fmt::format("/v1/stories/{}", id)));
  const std::string base = fmt::format("/v1/stories/{}", id);

  const json one =
      api.call_json("POST", base + "/facts", R"({"fact": "Mary went to the kitchen."})", 201);
  REQUIRE(one["ids"].size() == 1);
  const json many = api.call_json(
      "POST", base + "/facts",
      R"({"facts": ["John moved to the garden.", "Mary travelled to the zorbland."]})", 201);
  REQUIRE(many["ids"].size() == 2);
  CHECK(many["facts"][1]["seq"] == 2);
  CHECK(many["facts"][1]["unknown_words"] == json::array({"zorbland"}));

  const json answer = api.call_json("POST", base + "/ask",
                                    R"({"question": "Where is Mary blorp?", "top": 3})", 200);
  CHECK(answer["story_id"] == id);
  CHECK(answer["model"] == "m0");
  CHECK(answer["answer"].is_string());
  CHECK(answer["alternatives"].size() == 3);
  CHECK(answer["unknown_words"] == json::array({"blorp"}));
  REQUIRE(answer["hops"].size() == 3);
  const json& attention = answer["hops"][0]["attention"];
  REQUIRE(attention.size() == 3);
  CHECK(attention[0]["id"] == one["ids"][0]);
  CHECK(attention[0]["text"] == "Mary went to the kitchen.");
  double total = answer["hops"][0]["empty_weight"].get<double>();
  for (const auto& a : attention) total += a["weight"].get<double>();
  CHECK(total == doctest::Approx(1.0).epsilon(1e-4));

  // The same story inline gives the same answer and weights.
  const json inline_answer =
      api.call_json("POST", "/v1/ask",
                    R"({"story": ["Mary went to the kitchen.", "John moved to the garden.",
                    "Mary travelled to the zorbland."], "question": "Where is Mary blorp?",
          "top": 3})",
                    200);
  CHECK(inline_answer["answer"] == answer["answer"]);
  CHECK(inline_answer["hops"][2]["attention"][1]["weight"] ==
        answer["hops"][2]["attention"][1]["weight"]);
  CHECK(inline_answer["hops"][0]["attention"][1]["index"] == 1);

  const json shown = api.call_json("GET", base, "", 200);
  CHECK(shown["fact_count"] == 3);
  CHECK(shown["facts"].size() == 3);
  CHECK(api.call_json("GET", base + "?offset=2&limit=5", "", 200)["facts"].size() == 1);
  CHECK(api.call_json("GET", "/v1/stories", "", 200)["stories"].size() == 1);
  CHECK(api.call("HEAD", base).status == 200);

  CHECK(api.call_json("DELETE", base, "", 200)["deleted"] == id);
  check_error(api.call("GET", base), 404, "not_found");
  check_error(api.call("DELETE", base), 404, "not_found");
  check_error(api.call("POST", base + "/ask", R"({"question": "Where is Mary?"})"), 404,
              "not_found");
}

TEST_CASE("routes: every bad request gets its status, code and field") {
  Api api("routes_errors", 2);
  const json story = api.call_json("POST", "/v1/stories", "", 201);  // empty body: defaults
  CHECK(story["model"].is_null());  // two models: the story has none
  const std::string base = fmt::format("/v1/stories/{}", story["id"].get<std::int64_t>());

  check_error(api.call("POST", base + "/facts", "{\"fact\": "), 400, "malformed_json");
  check_error(api.call("POST", base + "/facts", "[1, 2]"), 422, "invalid_field", "body");
  check_error(api.call("POST", base + "/facts", R"({"fact": 3})"), 422, "invalid_field", "fact");
  check_error(api.call("POST", base + "/facts", R"({"facts": ["ok", 7]})"), 422, "invalid_field",
              "facts[1]");
  check_error(api.call("POST", base + "/facts", R"({"facts": ["ok", "..."]})"), 422,
              "invalid_field", "facts[1]");
  check_error(api.call("POST", base + "/facts", R"({})"), 422, "invalid_field", "facts");
  check_error(api.call("POST", base + "/facts", R"({"fact": "a", "facts": ["b"]})"), 422,
              "invalid_field");
  check_error(api.call("POST", base + "/facts", R"({"fact": "Mary went home."})", "text/plain"),
              415, "unsupported_media_type");
  check_error(api.call("POST", base + "/facts", R"({"fact": "Mary went home."})", ""), 415,
              "unsupported_media_type");
  CHECK(api.call("POST", base + "/facts", R"({"fact": "Mary went home."})",
                 "Application/JSON; charset=utf-8")
            .status == 201);
  // Invalid UTF-8 inside a JSON string is malformed JSON.
  check_error(api.call("POST", base + "/facts", "{\"fact\": \"caf\xC3\"}"), 400, "malformed_json");
  // A number beyond double is malformed too, not a 500 (found by fuzz/fuzz_routes.cpp).
  check_error(api.call("POST", base + "/ask", R"({"question": "Where?", "top": 1e4002})"), 400,
              "malformed_json");
  check_error(api.call("POST", "/v1/ask", R"({"story": [], "question": "x", "as_of": -1e999})"),
              400, "malformed_json");

  check_error(api.call("POST", base + "/ask", R"({})"), 422, "invalid_field", "question");
  check_error(api.call("POST", base + "/ask", R"({"question": ["x"]})"), 422, "invalid_field",
              "question");
  check_error(api.call("POST", base + "/ask", R"({"question": "Where is Mary?"})"), 422,
              "invalid_field", "model");  // two models, story has none
  check_error(api.call("POST", base + "/ask", R"({"question": "Where is Mary?", "model": "x"})"),
              404, "not_found", "model");
  check_error(api.call("POST", base + "/ask", R"({"question": "Where?", "model": "m1", "top": 0})"),
              422, "invalid_field", "top");
  CHECK(
      api.call("POST", base + "/ask", R"({"question": "Where is Mary?", "model": "m1"})").status ==
      200);
  check_error(api.call("POST", "/v1/ask", R"({"question": "Where?", "model": "m1"})"), 422,
              "invalid_field", "story");
  check_error(api.call("POST", "/v1/ask", R"({"story": [1], "question": "Where?", "model": "m1"})"),
              422, "invalid_field", "story[0]");

  check_error(api.call("GET", "/v1/stories/abc"), 404, "not_found");
  check_error(api.call("GET", "/v1/stories/99999999999999999999"), 404, "not_found");
  check_error(api.call("GET", base + "?limit=-1"), 422, "invalid_field", "limit");
  check_error(api.call("GET", "/v2/nothing"), 404, "not_found");
  check_error(api.call("GET", "/index.html"), 404, "not_found");
  const Response wrong_method = api.call("PUT", base);
  check_error(wrong_method, 405, "method_not_allowed");
  REQUIRE(wrong_method.headers.size() == 2);
  CHECK(wrong_method.headers[0].first == "Allow");
  CHECK(wrong_method.headers[1].first == "X-Request-Id");
  check_error(api.call("GET", base + "/ask"), 405, "method_not_allowed");
  CHECK(api.call("OPTIONS", base + "/ask").status == 204);
  check_error(api.call("POST", "/v1/stories", R"({"model": "nope"})"), 404, "not_found", "model");
  check_error(api.call("POST", "/v1/stories", R"({"name": 5})"), 422, "invalid_field", "name");

  // Nothing above stored anything but the one good fact.
  CHECK(api.call_json("GET", base, "", 200)["fact_count"] == 1);
}

TEST_CASE("routes: GET /v1 lists the endpoints, and each one is routed with its method") {
  Api api("routes_index");
  const json index = api.call_json("GET", "/v1", "", 200);
  CHECK(index["service"] == "memnet");
  REQUIRE(index["endpoints"].size() >= 13);
  const json created = api.call_json("POST", "/v1/stories", "{}", 201);
  const std::string id = std::to_string(created["id"].get<std::int64_t>());
  for (const auto& entry : index["endpoints"]) {
    const std::string line = entry.get<std::string>();
    CAPTURE(line);
    const auto space = line.find(' ');
    REQUIRE(space != std::string::npos);
    const std::string method = line.substr(0, space);
    std::string path = line.substr(space + 1);
    if (const auto at = path.find("{id}"); at != std::string::npos) path.replace(at, 4, id);
    if (const auto at = path.find("{name}"); at != std::string::npos) path.replace(at, 6, "m0");
    // OPTIONS answers 204 with an Allow header naming the method on every routed path.
    const Response r = api.call("OPTIONS", path);
    CHECK(r.status == 204);
    std::string allow;
    for (const auto& [name, value] : r.headers) {
      if (name == "Allow") allow = value;
    }
    CHECK(allow.find(method) != std::string::npos);
  }
  check_error(api.call("POST", "/"), 405, "method_not_allowed");
}

}  // namespace memnet::server
