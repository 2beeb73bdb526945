// server/observability.h
//
// What `memnet serve` tells its operator (docs/http-api.md, "Running in production"):
//   - one access-log line per request, as text or JSON (access_line);
//   - request ids: the client's X-Request-Id when it is a sane token (nginx's $request_id
//     is), else one made here (RequestIds); every response carries it;
//   - GET /metrics in the Prometheus text format 0.0.4 (Metrics::prometheus): requests by
//     route and status, a latency histogram per route, the window cache, stories and facts.
//
// Routes are the templates of server/routes.h ("POST /v1/stories/{id}/ask"), never the raw
// target, so the number of series stays bounded whatever clients send; anything that is not
// an endpoint is "other".
//
// Threading: RequestIds and Metrics are safe from many threads; access_line is pure.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/story_service.h"

namespace memnet::server {

enum class LogFormat { kOff, kText, kJson };

// "off", "text" or "json"; nullopt otherwise.
std::optional<LogFormat> parse_log_format(std::string_view name);

struct AccessRecord {
  std::string_view request_id;
  std::string_view method;
  std::string_view route;   // the route template, or "other"
  std::string_view target;  // as sent (path and query), for the text log
  int status = 0;
  double seconds = 0;  // from the parsed request to the built response
  std::size_t response_bytes = 0;
  std::string_view detail;  // a 5xx's internal message: logged, never sent to the client
};

// One line ending in '\n', or "" for kOff:
//   text: 2026-12-02T18:40:01.123Z 7f3a09c2-00000001 POST /v1/stories/3/ask 200 0.412ms 731B
//         [route="POST /v1/stories/{id}/ask"] [error="..."]
//   json: {"time":"...","request_id":"...","method":"POST","route":"...","target":"...",
//          "status":200,"latency_ms":0.412,"bytes":731,"error":"..."?}
// Text fields are written as sent, with control characters and quotes escaped.
std::string access_line(const AccessRecord& record, LogFormat format,
                        std::chrono::system_clock::time_point now);

class RequestIds {
 public:
  RequestIds();  // a random 32-bit prefix per process, so ids differ across restarts
  // `offered` (X-Request-Id) when it is 1 to 64 characters of [A-Za-z0-9._:-], else
  // "PREFIX-COUNTER" in hex.
  std::string next(std::string_view offered);

 private:
  std::uint32_t prefix_;
  std::atomic<std::uint64_t> counter_{0};
};

class Metrics {
 public:
  // Upper bounds of the latency histogram's buckets, seconds (plus +Inf).
  static constexpr std::array<double, 12> kBuckets = {
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 1.0};

  void record(std::string_view route, int status, double seconds);

  // The text exposition: memnet_http_requests_total{route,status},
  // memnet_http_request_duration_seconds{route} (histogram), memnet_cache_entries,
  // memnet_cache_bytes, memnet_cache_hits_total, memnet_cache_misses_total, memnet_stories,
  // memnet_facts, memnet_uptime_seconds.
  std::string prometheus(const core::ServiceStats& stats) const;

 private:
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size() + 1> counts{};  // the last is +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Histogram, std::less<>> latency_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace memnet::server
