// server/routes.h
//
// The HTTP API of `memnet serve` as a pure function from Request to Response, over a
// core::StoryService (docs/http-api.md has every endpoint with examples):
//   GET    /, /static/NAME               the web page (server/web_assets.h)
//   GET    /healthz                      liveness and the models served
//   GET    /v1                           the list of endpoints
//   GET    /v1/models                    the file's models
//   GET    /v1/models/{name}             one model with its training record, every epoch
//   GET    /v1/stories/sample            a random story imported from a bAbI file
//   GET    /v1/stories                   all stories (without facts)
//   POST   /v1/stories                   {"name"?, "model"?} -> 201 story
//   GET    /v1/stories/{id}              story with facts (?offset=&limit=, default 0, 1000)
//                                        and its imported questions
//   DELETE /v1/stories/{id}              story, facts and embeddings
//   POST   /v1/stories/{id}/facts        {"fact": "..."} or {"facts": [...]} -> 201 ids
//   POST   /v1/stories/{id}/ask          {"question", "model"?, "top"?, "as_of"?, "select"?,
//                                        "word_cutoff"?, "attention"?} -> answer, attention
//                                        (all, top or none), "gold" for an imported question
//   POST   /v1/ask                       {"story": [...] | "text", "question", "model"?, "top"?,
//                                        "select"?, "word_cutoff"?, "attention"?}
//   POST   /v1/dialogs                   {"model"?} -> 201 dialog (a dialog model's)
//   GET    /v1/dialogs/{id}              dialog with its utterances
//   DELETE /v1/dialogs/{id}              dialog with its utterances and embeddings
//   POST   /v1/dialogs/{id}/turns        {"user", "top"?} -> the bot's reply, its probability,
//                                        the ranked candidates, attention over the history
//   POST   /v1/dialogs/{id}/api          {"result"} -> 201: an API result joins the history
//   GET    /metrics                      Prometheus text format (server/observability.h)
// Errors: {"error":{"code","message","field"?,"request_id"?}} with 400 malformed_json,
// 401 unauthorized (with WWW-Authenticate), 404 not_found, 405 method_not_allowed (with
// Allow), 409 limit_reached (stories per file), 413 payload_too_large (a limit of
// RouteOptions, naming the field; or the transport's body limit), 415
// unsupported_media_type, 422 invalid_field (naming the field), 500 internal / storage
// (with request_id, and no detail), 503 busy (the file stayed locked by another process;
// Retry-After), 507 insufficient_storage (the disk is full; nothing was written;
// Retry-After).
//
// HEAD is answered as GET (the transport drops the body); OPTIONS lists the methods. With
// cors_origin set, responses carry CORS headers and OPTIONS answers preflights.
//
// Threading: handle() is const and safe from many threads (StoryService is).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/dialog_service.h"
#include "core/story_service.h"
#include "server/http_message.h"
#include "server/observability.h"

namespace memnet::server {

struct RouteOptions {
  int default_top = 5;  // alternatives returned when a request gives no "top"
  // Limits, each answered with 413 payload_too_large naming the field: facts in one
  // POST .../facts, and bytes in one text (a fact, a question, a user utterance, an API
  // result). Stories per file: core::ServiceOptions::max_stories (409 limit_reached).
  int max_facts_per_request = 10000;
  std::size_t max_text_bytes = 10000;
  std::string cors_origin;  // "" = no CORS headers; else Access-Control-Allow-Origin
  // "" = open. Otherwise every request but GET /healthz, the page's own files (GET / and
  // /static/*, which hold no data) and CORS preflights must carry
  // "Authorization: Bearer TOKEN", else 401 unauthorized. Compared in constant time.
  std::string token;
  LogFormat log_format = LogFormat::kOff;
  // Receives each access-log line (with its '\n'); empty = standard error, one write per line.
  std::function<void(std::string_view)> log_sink;
};

struct Target;  // a request target split into path segments and query (routes.cpp)

class Routes {
 public:
  explicit Routes(core::StoryService& service, RouteOptions options = {})
      : service_(service), options_(std::move(options)) {}
  // With dialogs: the /v1/dialogs routes (otherwise 404). `dialogs` must outlive the Routes.
  Routes(core::StoryService& service, core::DialogService* dialogs, RouteOptions options = {})
      : service_(service), dialogs_(dialogs), options_(std::move(options)) {}

  // Every response carries X-Request-Id (the request's own when sane, else a new one). A
  // 500 carries the id and a generic message; the detail (which may hold SQL and file
  // paths) goes to the log only.
  Response handle(const Request& request) const;

  const Metrics& metrics() const { return metrics_; }

 private:
  Response handle_route(const Request& request, const Target& target, const std::string& request_id,
                        std::string& detail) const;
  void log(std::string_view line) const;

  core::StoryService& service_;
  core::DialogService* dialogs_ = nullptr;
  RouteOptions options_;
  mutable RequestIds ids_;
  mutable Metrics metrics_;
};

}  // namespace memnet::server
