#include "server/routes.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "server/json_codec.h"
#include "server/web_assets.h"
#include "storage/database.h"

namespace memnet::server {
namespace {

using core::InvalidInput;
using core::NotFound;

using Json = nlohmann::json;

Response json_response(int status, JsonWriter& body) {
  Response r;
  r.status = status;
  r.body = body.take();
  return r;
}

Response method_not_allowed(const Request& request, std::string_view allow) {
  Response r =
      error_response(405, "method_not_allowed",
                     fmt::format("{} is not allowed here; allowed: {}", request.method, allow));
  r.headers.emplace_back("Allow", std::string(allow));
  return r;
}

}  // namespace

// The parts of "/v1/stories/3/facts?x=1": path segments, query string.
struct Target {
  std::string_view path;
  std::vector<std::string_view> segments;
  std::string_view query;
};

namespace {

Target split_target(std::string_view target) {
  Target t;
  const std::size_t q = target.find('?');
  if (q != std::string_view::npos) {
    t.query = target.substr(q + 1);
    target = target.substr(0, q);
  }
  t.path = target;
  std::size_t start = 0;
  while (start < target.size()) {
    std::size_t end = target.find('/', start);
    if (end == std::string_view::npos) end = target.size();
    if (end > start) t.segments.push_back(target.substr(start, end - start));
    start = end + 1;
  }
  return t;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// The value of `key` in a query string ("offset=10&limit=5"), without percent-decoding:
// the API's query values are numbers.
std::optional<std::string_view> query_value(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) == key) {
      return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    }
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  return std::nullopt;
}

std::int64_t query_int(std::string_view query, std::string_view key, std::int64_t fallback,
                       std::int64_t min, std::int64_t max) {
  const auto text = query_value(query, key);
  if (!text) return fallback;
  const auto v = parse_int(*text);
  if (!v || *v < min || *v > max) {
    throw InvalidInput(std::string(key),
                       fmt::format("{} must be an integer from {} to {}", key, min, max));
  }
  return *v;
}

// Percent-decodes a path segment ("task%201" -> "task 1"); nullopt for a bad escape.
std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int v = 0;
    const auto [end, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
    if (ec != std::errc() || end != s.data() + i + 3) return std::nullopt;
    out += static_cast<char>(v);
    i += 2;
  }
  return out;
}

bool is_json_media_type(std::string_view content_type) {
  const std::size_t semi = content_type.find(';');
  std::string_view type = content_type.substr(0, semi);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  constexpr std::string_view kJson = "application/json";
  if (type.size() != kJson.size()) return false;
  for (std::size_t i = 0; i < type.size(); ++i) {
    const char c =
        type[i] >= 'A' && type[i] <= 'Z' ? static_cast<char>(type[i] - 'A' + 'a') : type[i];
    if (c != kJson[i]) return false;
  }
  return true;
}

// Thrown inside a route for a body that is not JSON, or not acceptable JSON.
struct BodyError {
  Response response;
};

// The request body as a JSON object; an empty body is {} when `empty_ok`.
Json parse_body(const Request& request, bool empty_ok) {
  if (request.body.empty() && empty_ok) return Json::object();
  if (!is_json_media_type(request.content_type)) {
    throw BodyError{error_response(
        415, "unsupported_media_type",
        request.content_type.empty()
            ? std::string("the body must be JSON: send Content-Type: application/json")
            : fmt::format("the body must be JSON (application/json), not '{}'",
                          request.content_type))};
  }
  Json body;
  try {
    body = Json::parse(request.body);
  } catch (const nlohmann::json::exception& e) {
    // parse_error, and out_of_range 406 for a number beyond double ("1e400"): both malformed.
    throw BodyError{error_response(400, "malformed_json", e.what())};
  }
  if (!body.is_object()) {
    throw BodyError{error_response(
        422, "invalid_field",
        fmt::format("the body must be a JSON object, not {}", body.type_name()), "body")};
  }
  return body;
}

const char* type_name(const Json& j) { return j.type_name(); }

// Field accessors: absent gives the fallback (or InvalidInput when required); a value of the
// wrong type is always InvalidInput naming the field.
std::string string_field(const Json& body, const std::string& field, bool required,
                         const std::string& fallback = "") {
  const auto it = body.find(field);
  if (it == body.end() || (it->is_null() && !required)) {
    if (required) throw InvalidInput(field, fmt::format("'{}' is required (a string)", field));
    return fallback;
  }
  if (!it->is_string()) {
    throw InvalidInput(field, fmt::format("'{}' must be a string, not {}", field, type_name(*it)));
  }
  return it->get<std::string>();
}

int top_field(const Json& body, int fallback) {
  const auto it = body.find("top");
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_number_integer() || it->get<std::int64_t>() < 1 || it->get<std::int64_t>() > 1000) {
    throw InvalidInput("top", "'top' must be an integer from 1 to 1000");
  }
  return it->get<int>();
}

// "select": "recent" | "match" | "mixed" | "expand"; nullopt when absent or null.
std::optional<core::Selection> select_field(const Json& body) {
  const auto it = body.find("select");
  if (it == body.end() || it->is_null()) return std::nullopt;
  const std::optional<core::Selection> s =
      it->is_string() ? core::parse_selection(it->get<std::string>()) : std::nullopt;
  if (!s) {
    throw InvalidInput("select",
                       fmt::format("'select' must be one of: {}", core::selection_names()));
  }
  return s;
}

// "attention": "all" | "top" | "none"; "all" when absent or null.
core::AttentionDetail attention_field(const Json& body) {
  const auto it = body.find("attention");
  if (it == body.end() || it->is_null()) return core::AttentionDetail::kAll;
  const std::optional<core::AttentionDetail> a =
      it->is_string() ? core::parse_attention_detail(it->get<std::string>()) : std::nullopt;
  if (!a) {
    throw InvalidInput(
        "attention", fmt::format("'attention' must be one of: {}", core::attention_detail_names()));
  }
  return *a;
}

// The window and answer options of an ask request: "select", "word_cutoff" and "attention".
void window_fields(const Json& body, core::AskOptions& options) {
  options.attention = attention_field(body);
  options.select = select_field(body);
  const auto it = body.find("word_cutoff");
  if (it == body.end() || it->is_null()) return;
  if (!it->is_number_integer() || it->get<std::int64_t>() < 1 ||
      it->get<std::int64_t>() > 1'000'000'000) {
    throw InvalidInput("word_cutoff", "'word_cutoff' must be an integer from 1 to 1000000000");
  }
  options.word_cutoff = it->get<int>();
}

std::vector<std::string> string_list(const Json& value, const std::string& field) {
  if (!value.is_array()) {
    throw InvalidInput(
        field, fmt::format("'{}' must be an array of strings, not {}", field, type_name(value)));
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string()) {
      const std::string name = fmt::format("{}[{}]", field, i);
      throw InvalidInput(name,
                         fmt::format("'{}' must be a string, not {}", name, type_name(value[i])));
    }
    out.push_back(value[i].get<std::string>());
  }
  return out;
}

// The route template of a request, for metrics and the log: "POST /v1/stories/{id}/ask";
// "other" for anything that is no endpoint, so clients cannot grow the metrics.
std::string route_template(const Request& request, const Target& t) {
  static constexpr std::string_view kMethods[] = {"GET", "HEAD", "POST", "DELETE", "OPTIONS"};
  std::string_view method = "OTHER";
  for (const std::string_view m : kMethods) {
    if (request.method == m) method = m;
  }
  const auto& s = t.segments;
  const auto is_id = [](std::string_view v) { return parse_int(v).value_or(0) > 0; };
  std::string_view path = "other";
  if (s.empty()) {
    path = "/";
  } else if (s.size() == 2 && s[0] == "static") {
    path = "/static/{name}";
  } else if (s.size() == 1 && s[0] == "healthz") {
    path = "/healthz";
  } else if (s.size() == 1 && s[0] == "metrics") {
    path = "/metrics";
  } else if (s.size() == 1 && s[0] == "v1") {
    path = "/v1";
  } else if (s[0] == "v1" && s.size() == 2 &&
             (s[1] == "models" || s[1] == "ask" || s[1] == "stories" || s[1] == "dialogs")) {
    static constexpr std::string_view kTwo[] = {"/v1/models", "/v1/ask", "/v1/stories",
                                                "/v1/dialogs"};
    for (const std::string_view p : kTwo) {
      if (p.substr(4) == s[1]) path = p;
    }
  } else if (s[0] == "v1" && s.size() == 3 && s[1] == "models") {
    path = "/v1/models/{name}";
  } else if (s[0] == "v1" && s.size() == 3 && s[1] == "stories" && s[2] == "sample") {
    path = "/v1/stories/sample";
  } else if (s[0] == "v1" && s.size() >= 3 && s.size() <= 4 && is_id(s[2]) &&
             (s[1] == "stories" || s[1] == "dialogs")) {
    const bool story = s[1] == "stories";
    if (s.size() == 3) {
      path = story ? "/v1/stories/{id}" : "/v1/dialogs/{id}";
    } else if (story && (s[3] == "facts" || s[3] == "ask")) {
      path = s[3] == "facts" ? "/v1/stories/{id}/facts" : "/v1/stories/{id}/ask";
    } else if (!story && (s[3] == "turns" || s[3] == "api")) {
      path = s[3] == "turns" ? "/v1/dialogs/{id}/turns" : "/v1/dialogs/{id}/api";
    }
  }
  if (path == "other") return "other";
  std::string out(method);
  out += ' ';
  out += path;
  return out;
}

// Equal strings, in time that depends on their lengths only, never on where they differ.
bool constant_time_equal(std::string_view a, std::string_view b) {
  const std::size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0;
}

// Whether a request may pass without the token: liveness, the page's own files (no data in
// them; the page then asks for the token) and CORS preflights, which browsers send without
// credentials.
bool open_route(const Request& request, const Target& t, const std::string& cors_origin) {
  const auto& s = t.segments;
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (get && s.size() == 1 && s[0] == "healthz") return true;
  if (get && (s.empty() || (s.size() == 2 && s[0] == "static"))) return true;
  return request.method == "OPTIONS" && !cors_origin.empty();
}

// "Bearer TOKEN" (the scheme case-insensitive, RFC 7235) -> TOKEN; "" when not Bearer.
std::string_view bearer_token(std::string_view header) {
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size()) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    const char c =
        header[i] >= 'A' && header[i] <= 'Z' ? static_cast<char>(header[i] - 'A' + 'a') : header[i];
    if (c != kScheme[i]) return {};
  }
  std::string_view token = header.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  return token;
}

class Router {
 public:
  Router(core::StoryService& service, core::DialogService* dialogs, const RouteOptions& options,
         const Metrics& metrics, const Request& request, const Target& target)
      : service_(service),
        dialogs_(dialogs),
        options_(options),
        metrics_(metrics),
        request_(request),
        target_(target) {}

  Response route() {
    const Target& t = target_;
    const auto& s = t.segments;
    method_ = request_.method == "HEAD" ? std::string("GET") : request_.method;

    if (s.empty() || (s.size() == 2 && s[0] == "static")) {
      return only("GET", [&] { return asset(t.path); });
    }
    if (s.size() == 1 && s[0] == "healthz") return only("GET", [&] { return healthz(); });
    if (s.size() == 1 && s[0] == "metrics") return only("GET", [&] { return metrics(); });
    if (s.size() == 1 && s[0] == "v1") return only("GET", [&] { return index(); });
    if (s.size() < 2 || s[0] != "v1") return not_found();
    if (s.size() == 2 && s[1] == "models") return only("GET", [&] { return models(); });
    if (s.size() == 3 && s[1] == "models") return only("GET", [&] { return model(s[2]); });
    if (s.size() == 2 && s[1] == "ask") return only("POST", [&] { return ask_inline(); });
    if (s[1] == "dialogs") return dialog_route(s);
    if (s[1] != "stories") return not_found();
    if (s.size() == 2) {
      if (method_ == "GET") return list_stories();
      if (method_ == "POST") return create_story();
      return allowed("GET, HEAD, POST");
    }
    if (s.size() == 3 && s[2] == "sample") return only("GET", [&] { return sample_story(); });
    const std::optional<std::int64_t> id = parse_int(s[2]);
    if (!id || *id <= 0) {
      return error_response(404, "not_found",
                            fmt::format("no story with id '{}': ids are positive integers", s[2]));
    }
    if (s.size() == 3) {
      if (method_ == "GET") return show_story(*id, t.query);
      if (method_ == "DELETE") return delete_story(*id);
      return allowed("GET, HEAD, DELETE");
    }
    if (s.size() == 4 && s[3] == "facts") return only("POST", [&] { return add_facts(*id); });
    if (s.size() == 4 && s[3] == "ask") return only("POST", [&] { return ask(*id); });
    return not_found();
  }

 private:
  template <typename Fn>
  Response only(std::string_view method, Fn&& fn) {
    if (method_ == method) return fn();
    return allowed(method == "GET" ? "GET, HEAD" : std::string(method));
  }

  Response allowed(const std::string& allow) {
    if (method_ == "OPTIONS") {
      Response r;
      r.status = 204;
      r.headers.emplace_back("Allow", allow + ", OPTIONS");
      return r;
    }
    return method_not_allowed(request_, allow);
  }

  Response not_found() {
    return error_response(
        404, "not_found",
        fmt::format("no endpoint at '{}' (see docs/http-api.md)", request_.target));
  }

  // GET / and GET /static/NAME: the web page (server/web/, compiled in).
  Response asset(std::string_view path) {
    const web::Asset* a = web::find_asset(path.empty() ? std::string_view("/") : path);
    if (!a) return not_found();
    Response r;
    r.body = std::string(a->body);
    r.content_type = std::string(a->content_type);
    r.headers.emplace_back("Cache-Control", "no-cache");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    if (a->path == "/") {
      // The page may load only what this server serves: nothing from the network.
      r.headers.emplace_back("Content-Security-Policy",
                             "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
    }
    return r;
  }

  // GET /v1: what a program pointed at the server sees, the list of endpoints.
  Response index() {
    static constexpr std::string_view kEndpoints[] = {"GET /",
                                                      "GET /healthz",
                                                      "GET /metrics",
                                                      "GET /v1",
                                                      "GET /v1/models",
                                                      "GET /v1/models/{name}",
                                                      "GET /v1/stories/sample",
                                                      "GET /v1/stories",
                                                      "POST /v1/stories",
                                                      "GET /v1/stories/{id}",
                                                      "DELETE /v1/stories/{id}",
                                                      "POST /v1/stories/{id}/facts",
                                                      "POST /v1/stories/{id}/ask",
                                                      "POST /v1/ask"};
    static constexpr std::string_view kDialogEndpoints[] = {
        "POST /v1/dialogs", "GET /v1/dialogs/{id}", "DELETE /v1/dialogs/{id}",
        "POST /v1/dialogs/{id}/turns", "POST /v1/dialogs/{id}/api"};
    JsonWriter w;
    w.begin_object().key("service").value("memnet").key("endpoints").begin_array();
    for (const std::string_view endpoint : kEndpoints) w.value(endpoint);
    if (dialogs_) {
      for (const std::string_view endpoint : kDialogEndpoints) w.value(endpoint);
    }
    w.end_array().key("docs").value("docs/http-api.md").end_object();
    return json_response(200, w);
  }

  Response metrics() {
    Response r;
    r.body = metrics_.prometheus(service_.stats());
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  }

  // Texts longer than the server takes are refused before anything is stored.
  void check_length(const std::string& text, const std::string& field) const {
    if (text.size() <= options_.max_text_bytes) return;
    throw BodyError{error_response(
        413, "payload_too_large",
        fmt::format("'{}' is {} bytes; this server takes at most {} (--max-text-bytes)", field,
                    text.size(), options_.max_text_bytes),
        field)};
  }

  Response healthz() {
    JsonWriter w;
    w.begin_object().key("status").value("ok").key("models").begin_array();
    for (const auto& m : service_.models()) w.value(m.name);
    w.end_array().end_object();
    return json_response(200, w);
  }

  Response model(std::string_view segment) {
    const std::optional<std::string> name = percent_decode(segment);
    if (!name) throw NotFound(fmt::format("no model named '{}'", segment), "model");
    const std::optional<core::ModelInfo> m = service_.model_detail(*name);
    if (!m) {
      throw NotFound(fmt::format("no model named '{}' in {}", *name, service_.path()), "model");
    }
    JsonWriter w;
    model_detail_object(w, *m);
    return json_response(200, w);
  }

  Response sample_story() {
    const auto story = service_.random_imported_story();
    if (!story) {
      throw NotFound(
          fmt::format("{} holds no story imported from a bAbI file (memnet import "
                      "--db {} --babi FILE)",
                      service_.path(), service_.path()));
    }
    return show_story(story->id, "");
  }

  Response models() {
    JsonWriter w;
    w.begin_object().key("models").begin_array();
    for (const auto& m : service_.models()) model_object(w, m);
    w.end_array().end_object();
    return json_response(200, w);
  }

  Response list_stories() {
    JsonWriter w;
    w.begin_object().key("stories").begin_array();
    for (const auto& s : service_.stories()) {
      w.begin_object();
      story_fields(w, s);
      w.end_object();
    }
    w.end_array().end_object();
    return json_response(200, w);
  }

  Response create_story() {
    const Json body = parse_body(request_, true);
    const std::string name = string_field(body, "name", false);
    const std::string model = string_field(body, "model", false);
    const storage::StoryRecord story =
        service_.create_story(name, model, select_field(body).value_or(core::Selection::kRecent));
    JsonWriter w;
    w.begin_object();
    story_fields(w, story);
    w.end_object();
    Response r = json_response(201, w);
    r.headers.emplace_back("Location", fmt::format("/v1/stories/{}", story.id));
    return r;
  }

  Response show_story(std::int64_t id, std::string_view query) {
    const std::int64_t offset = query_int(query, "offset", 0, 0, INT64_MAX);
    const std::int64_t limit = query_int(query, "limit", 1000, 0, 100000);
    const auto story = service_.story(id);
    if (!story) throw NotFound(fmt::format("no story with id {}", id));
    const auto facts = service_.facts(id, offset, limit);
    JsonWriter w;
    w.begin_object();
    story_fields(w, *story);
    w.key("offset").value(offset).key("facts").begin_array();
    for (const auto& f : facts) {
      w.begin_object();
      fact_fields(w, f);
      w.end_object();
    }
    w.end_array().key("questions").begin_array();
    for (const auto& q : service_.questions(id)) question_object(w, q);
    w.end_array().end_object();
    return json_response(200, w);
  }

  Response delete_story(std::int64_t id) {
    if (!service_.delete_story(id)) throw NotFound(fmt::format("no story with id {}", id));
    JsonWriter w;
    w.begin_object().key("deleted").value(id).end_object();
    return json_response(200, w);
  }

  Response add_facts(std::int64_t id) {
    const Json body = parse_body(request_, false);
    const bool one = body.contains("fact");
    const bool many = body.contains("facts");
    if (one == many) {
      throw InvalidInput(one ? "fact" : "facts",
                         "send either 'fact' (a string) or 'facts' (an array of strings)");
    }
    std::vector<std::string> texts;
    if (one) {
      texts.push_back(string_field(body, "fact", true));
      check_length(texts.back(), "fact");
    } else {
      const Json& list = body["facts"];
      if (list.is_array() &&
          list.size() > static_cast<std::size_t>(options_.max_facts_per_request)) {
        throw BodyError{error_response(
            413, "payload_too_large",
            fmt::format("'facts' holds {} facts; this server takes at most {} per request "
                        "(--max-facts-per-request)",
                        list.size(), options_.max_facts_per_request),
            "facts")};
      }
      texts = string_list(list, "facts");
      if (texts.empty()) throw InvalidInput("facts", "'facts' is empty");
      for (std::size_t i = 0; i < texts.size(); ++i) {
        check_length(texts[i], fmt::format("facts[{}]", i));
      }
    }
    const auto added = service_.add_facts(id, texts, one ? "fact" : "facts");
    JsonWriter w;
    w.begin_object().key("story_id").value(id).key("ids").begin_array();
    for (const auto& a : added) w.value(a.record.id);
    w.end_array().key("facts").begin_array();
    for (const auto& a : added) {
      w.begin_object();
      fact_fields(w, a.record);
      w.key("unknown_words").value(a.unknown_words).end_object();
    }
    w.end_array().end_object();
    return json_response(201, w);
  }

  Response ask(std::int64_t id) {
    const Json body = parse_body(request_, false);
    const std::string question = string_field(body, "question", true);
    check_length(question, "question");
    const std::string model = string_field(body, "model", false);
    core::AskOptions asked;
    asked.top = top_field(body, options_.default_top);
    if (const auto it = body.find("as_of"); it != body.end() && !it->is_null()) {
      if (!it->is_number_integer() || it->get<std::int64_t>() < 0) {
        throw InvalidInput("as_of", "'as_of' must be an integer, 0 or more (facts seen)");
      }
      asked.as_of = it->get<std::int64_t>();
    }
    window_fields(body, asked);
    const core::AskResult result = service_.ask(id, question, model, asked);
    JsonWriter w;
    w.begin_object().key("story_id").value(id).key("question").value(question);
    ask_fields(w, result, true);
    w.end_object();
    return json_response(200, w);
  }

  Response dialog_route(const std::vector<std::string_view>& s) {
    if (!dialogs_) {
      return error_response(404, "not_found", "this server does not serve dialogs");
    }
    if (s.size() == 2) return only("POST", [&] { return create_dialog(); });
    const std::optional<std::int64_t> id = parse_int(s[2]);
    if (!id || *id <= 0) {
      return error_response(404, "not_found",
                            fmt::format("no dialog with id '{}': ids are positive integers", s[2]));
    }
    if (s.size() == 3) {
      if (method_ == "GET") return show_dialog(*id);
      if (method_ == "DELETE") return delete_dialog(*id);
      return allowed("GET, HEAD, DELETE");
    }
    if (s.size() == 4 && s[3] == "turns") return only("POST", [&] { return dialog_turn(*id); });
    if (s.size() == 4 && s[3] == "api") return only("POST", [&] { return dialog_api(*id); });
    return not_found();
  }

  Response create_dialog() {
    const Json body = parse_body(request_, true);
    const core::DialogRecord d = dialogs_->create(string_field(body, "model", false));
    JsonWriter w;
    w.begin_object();
    dialog_fields(w, d);
    w.key("utterances").begin_array().end_array().end_object();
    Response r = json_response(201, w);
    r.headers.emplace_back("Location", fmt::format("/v1/dialogs/{}", d.id));
    return r;
  }

  Response show_dialog(std::int64_t id) {
    const auto d = dialogs_->find(id);
    if (!d) throw NotFound(fmt::format("no dialog with id {}", id));
    JsonWriter w;
    w.begin_object();
    dialog_fields(w, *d);
    w.key("utterances").begin_array();
    for (const auto& u : dialogs_->history(id)) utterance_object(w, u);
    w.end_array().end_object();
    return json_response(200, w);
  }

  Response delete_dialog(std::int64_t id) {
    if (!dialogs_->find(id) || !service_.delete_story(id))
      throw NotFound(fmt::format("no dialog with id {}", id));
    JsonWriter w;
    w.begin_object().key("deleted").value(id).end_object();
    return json_response(200, w);
  }

  Response dialog_turn(std::int64_t id) {
    const Json body = parse_body(request_, false);
    const std::string user = string_field(body, "user", true);
    check_length(user, "user");
    const int top = top_field(body, options_.default_top);
    const core::TurnResult t = dialogs_->turn(id, user, top);
    JsonWriter w;
    w.begin_object().key("dialog_id").value(id).key("user").value(user);
    turn_fields(w, t);
    w.end_object();
    return json_response(200, w);
  }

  Response dialog_api(std::int64_t id) {
    const Json body = parse_body(request_, false);
    const std::string result = string_field(body, "result", true);
    check_length(result, "result");
    const core::StoredUtterance u = dialogs_->add_api_result(id, result);
    JsonWriter w;
    utterance_object(w, u);
    return json_response(201, w);
  }

  Response ask_inline() {
    const Json body = parse_body(request_, false);
    const std::string question = string_field(body, "question", true);
    check_length(question, "question");
    const std::string model = string_field(body, "model", false);
    core::AskOptions asked;
    asked.top = top_field(body, options_.default_top);
    window_fields(body, asked);
    const auto it = body.find("story");
    if (it == body.end()) throw InvalidInput("story", "'story' is required (array of strings)");
    std::vector<std::string> story;
    if (it->is_string()) {
      story = core::story_lines(it->get<std::string>());
    } else {
      story = string_list(*it, "story");
    }
    for (std::size_t i = 0; i < story.size(); ++i) {
      check_length(story[i], fmt::format("story[{}]", i));
    }
    const core::AskResult result = service_.ask_inline(story, question, model, asked);
    JsonWriter w;
    w.begin_object().key("question").value(question);
    ask_fields(w, result, false);
    w.end_object();
    return json_response(200, w);
  }

  core::StoryService& service_;
  core::DialogService* dialogs_;
  const RouteOptions& options_;
  const Metrics& metrics_;
  const Request& request_;
  const Target& target_;
  std::string method_;
};

}  // namespace

// With --cors-origin, every response lets that origin read it, and a preflight (OPTIONS
// with Access-Control-Request-Method) is answered with the methods and headers allowed.
Response with_cors(Response r, const std::string& origin) {
  if (origin.empty()) return r;
  r.headers.emplace_back("Access-Control-Allow-Origin", origin);
  r.headers.emplace_back("Vary", "Origin");
  r.headers.emplace_back("Access-Control-Expose-Headers", "X-Request-Id");
  if (r.status == 204) {
    std::string allow;
    for (const auto& [name, value] : r.headers) {
      if (name == "Allow") allow = value;
    }
    r.headers.emplace_back("Access-Control-Allow-Methods", allow);
    r.headers.emplace_back("Access-Control-Allow-Headers", "Content-Type, Authorization");
    r.headers.emplace_back("Access-Control-Max-Age", "600");
  }
  return r;
}

Response Routes::handle(const Request& request) const {
  const auto start = std::chrono::steady_clock::now();
  const std::string id = ids_.next(request.request_id);
  std::string detail;
  const Target target = split_target(request.target);  // once: routing, auth, metrics
  Response r = with_cors(handle_route(request, target, id, detail), options_.cors_origin);
  r.headers.emplace_back("X-Request-Id", id);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string route = route_template(request, target);
  metrics_.record(route, r.status, seconds);
  if (options_.log_format != LogFormat::kOff) {
    log(access_line(
        {id, request.method, route, request.target, r.status, seconds, r.body.size(), detail},
        options_.log_format, std::chrono::system_clock::now()));
  }
  return r;
}

void Routes::log(std::string_view line) const {
  if (options_.log_sink) {
    options_.log_sink(line);
    return;
  }
  // One write per line: stderr is unbuffered, and lines from several threads never mix.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

Response Routes::handle_route(const Request& request, const Target& target,
                              const std::string& request_id, std::string& detail) const {
  // A 500 tells the client only that it happened and under which id; its detail (SQL, paths)
  // is for the operator's log.
  const auto internal = [&](const std::string& code, const std::string& what) {
    detail = what;
    return error_response(
        500, code,
        fmt::format("the server failed on this request; its log has the details under request "
                    "id {}",
                    request_id),
        "", request_id);
  };
  const auto retry_later = [&](int status, const std::string& code, const std::string& message) {
    Response r = error_response(status, code, message);
    r.headers.emplace_back("Retry-After", "1");
    return r;
  };
  try {
    if (!options_.token.empty() && !open_route(request, target, options_.cors_origin) &&
        !constant_time_equal(bearer_token(request.authorization), options_.token)) {
      Response r = error_response(401, "unauthorized",
                                  request.authorization.empty()
                                      ? "this server needs 'Authorization: Bearer TOKEN'"
                                      : "the bearer token is not this server's");
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"memnet\"");
      return r;
    }
    return Router(service_, dialogs_, options_, metrics_, request, target).route();
  } catch (const BodyError& e) {
    return e.response;
  } catch (const InvalidInput& e) {
    return error_response(422, "invalid_field", e.what(), e.field());
  } catch (const NotFound& e) {
    return error_response(404, "not_found", e.what(), e.field());
  } catch (const storage::StorageError& e) {
    using Kind = storage::StorageErrorKind;
    switch (e.kind()) {
      case Kind::kBusy:
        detail = e.what();
        return retry_later(503, "busy", "the memnet file is locked by another writer; retry");
      case Kind::kFull:
        detail = e.what();
        return retry_later(507, "insufficient_storage",
                           "the server's disk is full: nothing was stored; retry later");
      case Kind::kLimit:
        return error_response(409, "limit_reached",
                              "this server holds as many stories as it "
                              "allows (--max-stories); delete some first");
      case Kind::kAmbiguous:
        return error_response(422, "invalid_field",
                              "the file holds several models: name one in 'model'", "model");
      default:
        return internal("storage", e.what());
    }
  } catch (const std::exception& e) {
    return internal("internal", e.what());
  }
}

}  // namespace memnet::server
