// The routes' production behaviour (issue 10): the bearer token, request ids, 500s that keep
// their detail in the log, the limits, the access log and GET /metrics.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "server/observability.h"
#include "server/routes.h"
#include "storage/database.h"
#include "tests/model_fixture.h"
#include "tests/test_data.h"

namespace memnet::server {
namespace {

using nlohmann::json;

struct Api {
  explicit Api(const std::string& tag, RouteOptions options = {},
               core::ServiceOptions service_options = {})
      : path((memnet::testing::temp_dir(tag) / "memnet.db").string()) {
    memnet::testing::save_fixture_model(path, "m0", 1);
    options.log_sink = [this](std::string_view line) {
      std::lock_guard lock(mutex);
      lines.emplace_back(line);
    };
    service = std::make_unique<core::StoryService>(path, service_options);
    routes = std::make_unique<Routes>(*service, options);
  }

  Response call(const std::string& method, const std::string& target, const std::string& body = "",
                const std::string& authorization = "", const std::string& request_id = "") {
    return routes->handle(Request{method, target, body.empty() ? "" : "application/json", body,
                                  authorization, request_id});
  }

  std::string path;
  std::unique_ptr<core::StoryService> service;
  std::unique_ptr<Routes> routes;
  std::mutex mutex;
  std::vector<std::string> lines;
};

std::string header(const Response& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

json error_of(const Response& r) {
  CAPTURE(r.body);
  return json::parse(r.body)["error"];
}

}  // namespace

TEST_CASE("production routes: a token keeps strangers out of every route but /healthz") {
  RouteOptions options;
  options.token = "s3cret-token-0123456789";
  Api api("prod_token", options);
  const std::string good = "Bearer s3cret-token-0123456789";

  const Response none = api.call("GET", "/v1/stories");
  CHECK(none.status == 401);
  CHECK(error_of(none)["code"] == "unauthorized");
  CHECK(header(none, "WWW-Authenticate").rfind("Bearer", 0) == 0);
  CHECK(api.call("GET", "/v1/stories", "", "Bearer s3cret-token-012345678").status == 401);
  CHECK(api.call("GET", "/v1/stories", "", "Bearer s3cret-token-01234567890").status == 401);
  CHECK(api.call("GET", "/v1/stories", "", "Basic czNjcmV0").status == 401);
  CHECK(api.call("GET", "/v1/stories", "", "s3cret-token-0123456789").status == 401);
  CHECK(api.call("POST", "/v1/stories", "{}").status == 401);
  CHECK(api.call("GET", "/metrics").status == 401);
  CHECK(api.call("GET", "/v1/nothing").status == 401);  // no probing for endpoints either

  CHECK(api.call("GET", "/v1/stories", "", good).status == 200);
  CHECK(api.call("GET", "/v1/stories", "", "bearer  s3cret-token-0123456789 ").status == 200);
  CHECK(api.call("POST", "/v1/stories", "{}", good).status == 201);
  CHECK(api.call("GET", "/healthz").status == 200);
  CHECK(api.call("GET", "/").status == 200);  // the page: no data in it; it asks for the token
  // Nothing was created without the token.
  CHECK(api.service->stories().size() == 1);
}

TEST_CASE("production routes: request ids, and a 500 keeps its detail in the log") {
  Api api("prod_500");
  const Response a = api.call("GET", "/healthz");
  const Response b = api.call("GET", "/healthz");
  CHECK(!header(a, "X-Request-Id").empty());
  CHECK(header(a, "X-Request-Id") != header(b, "X-Request-Id"));
  CHECK(header(api.call("GET", "/healthz", "", "", "nginx-abc.123"), "X-Request-Id") ==
        "nginx-abc.123");
  const std::string odd = header(api.call("GET", "/healthz", "", "", "a b\"c"), "X-Request-Id");
  CHECK(odd != "a b\"c");
  CHECK(!odd.empty());

  // Break the file under the server: a table it reads is gone, so the read fails in SQLite.
  const json story = json::parse(api.call("POST", "/v1/stories", "{}").body);
  {
    storage::Database db(api.path);
    db.execute("DROP TABLE questions");
  }
  const Response r = api.call("GET", fmt::format("/v1/stories/{}", story["id"].get<int>()));
  CHECK(r.status == 500);
  const json e = error_of(r);
  const std::string id = header(r, "X-Request-Id");
  CHECK(e["request_id"] == id);
  const std::string message = e["message"];
  CHECK(message.find(id) != std::string::npos);
  CHECK(message.find(api.path) == std::string::npos);
  CHECK(message.find("SQL") == std::string::npos);
  CHECK(message.find("questions") == std::string::npos);
  CHECK(r.body.find("memnet.db") == std::string::npos);
}

TEST_CASE("production routes: the 500's detail is in the access log under its id") {
  RouteOptions options;
  options.log_format = LogFormat::kJson;
  Api api("prod_log", options);
  const json story = json::parse(api.call("POST", "/v1/stories", "{}").body);
  {
    storage::Database db(api.path);
    db.execute("DROP TABLE questions");
  }
  const Response r = api.call("GET", fmt::format("/v1/stories/{}", story["id"].get<int>()));
  REQUIRE(api.lines.size() == 2);
  for (const std::string& line : api.lines) CHECK(line.back() == '\n');
  const json created = json::parse(api.lines[0]);
  CHECK(created["method"] == "POST");
  CHECK(created["route"] == "POST /v1/stories");
  CHECK(created["status"] == 201);
  CHECK(created["latency_ms"].get<double>() >= 0);
  CHECK(!created.contains("error"));
  const json failed = json::parse(api.lines[1]);
  CHECK(failed["status"] == 500);
  CHECK(failed["request_id"] == header(r, "X-Request-Id"));
  CHECK(failed["route"] == "GET /v1/stories/{id}");
  CHECK(failed["target"] == fmt::format("/v1/stories/{}", story["id"].get<int>()));
  CHECK(failed["error"].get<std::string>().find("questions") != std::string::npos);
}

TEST_CASE("production routes: the text access log is one line per request, whatever is sent") {
  RouteOptions options;
  options.log_format = LogFormat::kText;
  Api api("prod_text", options);
  api.call("GET", "/healthz", "", "", "req-1");
  api.call("GET", "/v1/x\ny\"z");
  REQUIRE(api.lines.size() == 2);
  CHECK(api.lines[0].find(" req-1 GET /healthz 200 ") != std::string::npos);
  CHECK(api.lines[0].find("route=\"GET /healthz\"") != std::string::npos);
  CHECK(api.lines[1].find('\n') == api.lines[1].size() - 1);
  CHECK(api.lines[1].find(" 404 ") != std::string::npos);
  CHECK(api.lines[1].find("route=\"other\"") != std::string::npos);
}

TEST_CASE("production routes: limits answer 413 or 409 and store nothing") {
  RouteOptions options;
  options.max_facts_per_request = 3;
  options.max_text_bytes = 40;
  core::ServiceOptions service_options;
  service_options.max_stories = 2;
  Api api("prod_limits", options, service_options);
  const json story = json::parse(api.call("POST", "/v1/stories", "{}").body);
  const std::string facts = fmt::format("/v1/stories/{}/facts", story["id"].get<int>());

  const Response many = api.call("POST", facts, R"({"facts": ["a b", "c d", "e f", "g h"]})");
  CHECK(many.status == 413);
  CHECK(error_of(many)["field"] == "facts");
  const Response long_fact = api.call(
      "POST", facts, R"({"facts": ["mary went to the kitchen", ")" + std::string(41, 'x') + "\"]}");
  CHECK(long_fact.status == 413);
  CHECK(error_of(long_fact)["field"] == "facts[1]");
  CHECK(api.call("POST", facts, R"({"fact": ")" + std::string(41, 'x') + "\"}").status == 413);
  CHECK(api.service->facts(story["id"], 0, 100).empty());  // nothing of it was stored
  CHECK(
      api.call("POST", facts, R"({"facts": ["mary went to the kitchen", "john moved"]})").status ==
      201);

  const std::string ask = fmt::format("/v1/stories/{}/ask", story["id"].get<int>());
  const Response long_question =
      api.call("POST", ask, R"({"question": ")" + std::string(41, 'w') + "\"}");
  CHECK(long_question.status == 413);
  CHECK(error_of(long_question)["field"] == "question");
  const Response long_story = api.call(
      "POST", "/v1/ask",
      R"({"question": "where is mary?", "story": ["ok", ")" + std::string(41, 'w') + "\"]}");
  CHECK(long_story.status == 413);
  CHECK(error_of(long_story)["field"] == "story[1]");

  CHECK(api.call("POST", "/v1/stories", "{}").status == 201);
  const Response third = api.call("POST", "/v1/stories", "{}");
  CHECK(third.status == 409);
  CHECK(error_of(third)["code"] == "limit_reached");
  CHECK(api.service->stories().size() == 2);
}

TEST_CASE("production routes: GET /metrics counts requests by route and status") {
  Api api("prod_metrics");
  const json story = json::parse(api.call("POST", "/v1/stories", "{}").body);
  const int id = story["id"];
  api.call("POST", fmt::format("/v1/stories/{}/facts", id),
           R"({"facts": ["mary went to the kitchen", "john moved to the garden"]})");
  for (int i = 0; i < 3; ++i) {
    CHECK(
        api.call("POST", fmt::format("/v1/stories/{}/ask", id), R"({"question": "where is mary?"})")
            .status == 200);
  }
  api.call("GET", "/v1/stories/12345");
  api.call("GET", "/no/such/thing");

  const Response m = api.call("GET", "/metrics");
  CHECK(m.status == 200);
  CHECK(m.content_type.rfind("text/plain; version=0.0.4", 0) == 0);
  const std::string& t = m.body;
  CAPTURE(t);
  CHECK(t.find(
            "memnet_http_requests_total{route=\"POST /v1/stories/{id}/ask\",status=\"200\"} 3\n") !=
        std::string::npos);
  CHECK(t.find("memnet_http_requests_total{route=\"POST /v1/stories\",status=\"201\"} 1\n") !=
        std::string::npos);
  CHECK(t.find("memnet_http_requests_total{route=\"GET /v1/stories/{id}\",status=\"404\"} 1\n") !=
        std::string::npos);
  CHECK(t.find("memnet_http_requests_total{route=\"other\",status=\"404\"} 1\n") !=
        std::string::npos);
  CHECK(t.find("memnet_http_request_duration_seconds_bucket{route=\"POST /v1/stories/{id}/ask\","
               "le=\"+Inf\"} 3\n") != std::string::npos);
  CHECK(t.find("memnet_http_request_duration_seconds_count{route=\"POST /v1/stories/{id}/ask\"} "
               "3\n") != std::string::npos);
  // The first ask read the window from the file; the next two found it cached.
  CHECK(t.find("memnet_cache_hits_total 2\n") != std::string::npos);
  CHECK(t.find("memnet_cache_misses_total 1\n") != std::string::npos);
  CHECK(t.find("memnet_cache_entries 1\n") != std::string::npos);
  CHECK(t.find("memnet_stories 1\n") != std::string::npos);
  CHECK(t.find("memnet_facts 2\n") != std::string::npos);
  // Every sample line is NAME{LABELS} VALUE or NAME VALUE, after its # TYPE line.
  std::size_t start = 0;
  while (start < t.size()) {
    const std::size_t end = t.find('\n', start);
    REQUIRE(end != std::string::npos);
    const std::string line = t.substr(start, end - start);
    CAPTURE(line);
    if (line[0] != '#') {
      CHECK(line.rfind("memnet_", 0) == 0);
      CHECK(line.find(' ') != std::string::npos);
    }
    start = end + 1;
  }
}

TEST_CASE("observability: request histogram buckets are cumulative") {
  Metrics m;
  m.record("GET /healthz", 200, 0.00001);
  m.record("GET /healthz", 200, 0.003);
  m.record("GET /healthz", 200, 5.0);
  const std::string t = m.prometheus({});
  CAPTURE(t);
  CHECK(t.find("{route=\"GET /healthz\",le=\"5e-05\"} 1\n") != std::string::npos);
  CHECK(t.find("{route=\"GET /healthz\",le=\"0.0025\"} 1\n") != std::string::npos);
  CHECK(t.find("{route=\"GET /healthz\",le=\"0.005\"} 2\n") != std::string::npos);
  CHECK(t.find("{route=\"GET /healthz\",le=\"1\"} 2\n") != std::string::npos);
  CHECK(t.find("{route=\"GET /healthz\",le=\"+Inf\"} 3\n") != std::string::npos);
  CHECK(parse_log_format("json") == LogFormat::kJson);
  CHECK(!parse_log_format("yaml"));
}

TEST_CASE("observability: ids and metrics from many threads at once") {
  RequestIds ids;
  Metrics metrics;
  constexpr int kThreads = 4, kEach = 2000;
  std::vector<std::vector<std::string>> made(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        made[static_cast<std::size_t>(t)].push_back(ids.next(""));
        metrics.record(i % 2 ? "GET /healthz" : "POST /v1/ask", 200 + i % 3, 0.001);
        if (i % 500 == 0) CHECK(!metrics.prometheus({}).empty());
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> unique;
  for (const auto& list : made) unique.insert(list.begin(), list.end());
  CHECK(unique.size() == static_cast<std::size_t>(kThreads * kEach));
  const std::string text = metrics.prometheus({});
  CHECK(text.find("memnet_http_request_duration_seconds_count{route=\"GET /healthz\"} 4000\n") !=
        std::string::npos);
  CHECK(text.find("memnet_http_request_duration_seconds_count{route=\"POST /v1/ask\"} 4000\n") !=
        std::string::npos);
}

}  // namespace memnet::server
