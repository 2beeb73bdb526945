// The /v1/dialogs routes over a toy dialog model: create, turns, API results, show, delete,
// every error status, and the same floats as the inline session.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/dialog_job.h"
#include "core/dialog_session.h"
#include "server/routes.h"
#include "tests/dialog_fixture.h"
#include "tests/model_fixture.h"
#include "tests/test_data.h"

namespace memnet::server {
namespace {

using nlohmann::json;

struct DialogApi {
  DialogApi() : dir(memnet::testing::temp_dir("dialog_routes")) {
    memnet::testing::make_toy_dialog_dir(dir);
    path = (dir / "memnet.db").string();
    core::run_dialog_train(memnet::testing::toy_dialog_job(dir, path, true));
    memnet::testing::save_fixture_model(path, "qa", 1);  // a question-answering model beside it
    service = std::make_unique<core::StoryService>(path);
    dialogs = std::make_unique<core::DialogService>(path);
    routes = std::make_unique<Routes>(*service, dialogs.get());
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

  std::filesystem::path dir;
  std::string path;
  std::unique_ptr<core::StoryService> service;
  std::unique_ptr<core::DialogService> dialogs;
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

TEST_CASE("dialog routes: start a dialog, take turns, add an API result, show, delete") {
  DialogApi api;
  const json models = api.call_json("GET", "/v1/models", "", 200);
  REQUIRE(models["models"].size() == 2);
  CHECK(models["models"][0]["name"] == "dialog1");
  CHECK(models["models"][0]["kind"] == "dialog");
  CHECK(models["models"][1]["kind"] == "qa");

  // two models in the file: the dialog model must be named, or be the only dialog model
  const Response created = api.call("POST", "/v1/dialogs", "");
  CHECK(created.status == 201);
  const json d = json::parse(created.body);
  CHECK(d["model"] == "dialog1");
  CHECK(d["utterances"] == json::array());
  const std::int64_t id = d["id"];
  CHECK(created.headers.at(0) ==
        std::pair<std::string, std::string>("Location", fmt::format("/v1/dialogs/{}", id)));
  const std::string base = fmt::format("/v1/dialogs/{}", id);

  const core::DialogModel model = core::load_dialog_model_file(api.path, "dialog1");
  core::DialogSession session(model);
  const char* said[] = {"hi", "<SILENCE>", "i want french food"};
  for (const char* user : said) {
    const json t =
        api.call_json("POST", base + "/turns", json{{"user", user}, {"top", 3}}.dump(), 200);
    const core::DialogReply r = session.turn(user, 3);
    CHECK(t["user"] == user);
    CHECK(t["bot"] == r.bot);
    CHECK(t["candidate"] == r.candidate);
    CHECK(t["probability"].get<float>() == r.probability);
    REQUIRE(t["candidates"].size() == 3);
    CHECK(t["candidates"][0]["text"] == r.bot);
    for (size_t i = 0; i < 3; ++i)
      CHECK(t["candidates"][i]["probability"].get<float>() == r.top[i].probability);
    REQUIRE(t["hops"].size() == r.hops.size());
    for (size_t k = 0; k < r.hops.size(); ++k) {
      REQUIRE(t["hops"][k]["attention"].size() == r.hops[k].size());
      for (size_t i = 0; i < r.hops[k].size(); ++i) {
        CHECK(t["hops"][k]["attention"][i]["weight"].get<float>() == r.hops[k][i].weight);
        CHECK(t["hops"][k]["attention"][i]["speaker"] == r.hops[k][i].speaker);
      }
    }
    CHECK(t["added"][0]["speaker"] == "user");
    CHECK(t["added"][1]["speaker"] == "bot");
  }
  const json shown = api.call_json("GET", base, "", 200);
  CHECK(shown["model"] == "dialog1");
  // hi, hello, silence, cuisine question, french, the API call and its KB result
  REQUIRE(shown["utterances"].size() == 7);
  CHECK(shown["utterances"][5]["text"] == "api_call french");
  CHECK(shown["utterances"][6]["speaker"] == "api");
  CHECK(shown["utterances"][6]["text"] == "resto_b R_cuisine french");

  const json a =
      api.call_json("POST", base + "/api", R"({"result": "resto_b R_phone resto_b_phone"})", 201);
  CHECK(a["speaker"] == "api");
  CHECK(a["index"] == 7);
  session.add_api_result("resto_b R_phone resto_b_phone");
  const json t = api.call_json("POST", base + "/turns", R"({"user": "thanks"})", 200);
  CHECK(t["probability"].get<float>() == session.turn("thanks").probability);
  CHECK(t["bot"] == "you're welcome");
  CHECK(t["candidates"].size() == 5);  // the server's default top

  // a dialog is not a question-answering story, and a QA model does not hold dialogs
  check_error(api.call("POST", fmt::format("/v1/stories/{}/ask", id), R"({"question": "hi"})"), 422,
              "invalid_field", "model");
  check_error(api.call("POST", "/v1/dialogs", R"({"model": "qa"})"), 422, "invalid_field", "model");
  check_error(api.call("POST", "/v1/dialogs", R"({"model": "nope"})"), 404, "not_found", "model");

  CHECK(api.call_json("DELETE", base, "", 200)["deleted"] == id);
  check_error(api.call("GET", base), 404, "not_found");
  check_error(api.call("POST", base + "/turns", R"({"user": "hi"})"), 404, "not_found");
}

TEST_CASE("dialog routes: bad requests get 4xx and store nothing") {
  DialogApi api;
  const std::int64_t id =
      api.call_json("POST", "/v1/dialogs", R"({"model": "dialog1"})", 201)["id"];
  const std::string base = fmt::format("/v1/dialogs/{}", id);
  check_error(api.call("POST", base + "/turns", R"({"user": 3})"), 422, "invalid_field", "user");
  check_error(api.call("POST", base + "/turns", R"({})"), 422, "invalid_field", "user");
  check_error(api.call("POST", base + "/turns", R"({"user": "hi", "top": 0})"), 422,
              "invalid_field", "top");
  check_error(api.call("POST", base + "/turns", R"({"user": "two\nlines"})"), 422, "invalid_field",
              "user");
  check_error(api.call("POST", base + "/turns", "{\"user\": \"hi"), 400, "malformed_json");
  check_error(api.call("POST", base + "/turns", R"(["hi"])"), 422, "invalid_field", "body");
  check_error(api.call("POST", base + "/turns", R"({"user": "hi"})", "text/plain"), 415,
              "unsupported_media_type");
  check_error(api.call("GET", base + "/turns"), 405, "method_not_allowed");
  check_error(api.call("PUT", base), 405, "method_not_allowed");
  check_error(api.call("GET", "/v1/dialogs"), 405, "method_not_allowed");
  check_error(api.call("POST", "/v1/dialogs/abc/turns", R"({"user": "hi"})"), 404, "not_found");
  check_error(api.call("POST", "/v1/dialogs/0/turns", R"({"user": "hi"})"), 404, "not_found");
  check_error(api.call("POST", base + "/nope", R"({"user": "hi"})"), 404, "not_found");
  check_error(api.call("POST", base + "/api", R"({"result": ""})"), 422, "invalid_field", "api");
  check_error(api.call("POST", base + "/api", R"({})"), 422, "invalid_field", "result");
  // a story id that is not a dialog
  const std::int64_t story = api.call_json("POST", "/v1/stories", R"({"model": "qa"})", 201)["id"];
  check_error(api.call("POST", fmt::format("/v1/dialogs/{}/turns", story), R"({"user": "hi"})"),
              404, "not_found");
  check_error(api.call("POST", "/v1/stories", R"({"model": "dialog1"})"), 422, "invalid_field",
              "model");
  CHECK(api.call_json("GET", base, "", 200)["utterances"].empty());
  // unknown words are reported, never an error
  const json t = api.call_json("POST", base + "/turns", R"({"user": "zorblax hi"})", 200);
  CHECK(t["unknown_words"] == json::array({"zorblax"}));
  // GET /v1 lists the dialog endpoints, and OPTIONS routes each of them with its method
  const json index = api.call_json("GET", "/v1", "", 200);
  int listed = 0;
  for (const auto& entry : index["endpoints"]) {
    const std::string line = entry.get<std::string>();
    if (line.find("/v1/dialogs") == std::string::npos) continue;
    ++listed;
    CAPTURE(line);
    std::string path = line.substr(line.find(' ') + 1);
    if (const auto at = path.find("{id}"); at != std::string::npos)
      path.replace(at, 4, std::to_string(id));
    const Response r = api.call("OPTIONS", path);
    CHECK(r.status == 204);
    std::string allow;
    for (const auto& [name, value] : r.headers)
      if (name == "Allow") allow = value;
    CHECK(allow.find(line.substr(0, line.find(' '))) != std::string::npos);
  }
  CHECK(listed == 5);
  // without a DialogService the routes are not served
  Routes plain(*api.service);
  check_error(plain.handle(Request{"POST", "/v1/dialogs", "", "", "", ""}), 404, "not_found");
}

}  // namespace memnet::server
