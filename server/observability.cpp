#include "server/observability.h"

#include <fmt/format.h>

#include <ctime>
#include <random>

#include "server/json_writer.h"

namespace memnet::server {
namespace {

// 2026-12-02T18:40:01.123Z
std::string utc_millis(std::chrono::system_clock::time_point now) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

// For the text log: as sent, but one line whatever the client sent.
void append_escaped(std::string& out, std::string_view s) {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += ch;
    }
  }
}

// A Prometheus label value: backslash, quote and newline escaped.
std::string label(std::string_view s) {
  std::string out;
  for (const char ch : s) {
    if (ch == '\\' || ch == '"') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else {
      out += ch;
    }
  }
  return out;
}

bool sane_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::optional<LogFormat> parse_log_format(std::string_view name) {
  if (name == "off") return LogFormat::kOff;
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return std::nullopt;
}

std::string access_line(const AccessRecord& r, LogFormat format,
                        std::chrono::system_clock::time_point now) {
  const double ms = r.seconds * 1000.0;
  if (format == LogFormat::kOff) return {};
  if (format == LogFormat::kJson) {
    JsonWriter w;
    w.begin_object().key("time").value(utc_millis(now)).key("request_id").value(r.request_id);
    w.key("method").value(r.method).key("route").value(r.route).key("target").value(r.target);
    w.key("status").value(r.status).key("latency_ms").value(ms);
    w.key("bytes").value(static_cast<std::int64_t>(r.response_bytes));
    if (!r.detail.empty()) w.key("error").value(r.detail);
    w.end_object();
    std::string out = w.take();
    out += '\n';
    return out;
  }
  std::string out = utc_millis(now);
  out += ' ';
  out += r.request_id;
  out += ' ';
  append_escaped(out, r.method);
  out += ' ';
  append_escaped(out, r.target);
  out += fmt::format(" {} {:.3f}ms {}B route=\"", r.status, ms, r.response_bytes);
  append_escaped(out, r.route);
  out += '"';
  if (!r.detail.empty()) {
    out += " error=\"";
    append_escaped(out, r.detail);
    out += '"';
  }
  out += '\n';
  return out;
}

RequestIds::RequestIds() : prefix_(static_cast<std::uint32_t>(std::random_device{}())) {}

std::string RequestIds::next(std::string_view offered) {
  if (sane_id(offered)) return std::string(offered);
  const std::uint64_t n = counter_.fetch_add(1, std::memory_order_relaxed) + 1;
  return fmt::format("{:08x}-{:08x}", prefix_, n);
}

void Metrics::record(std::string_view route, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{std::string(route), status}];
  auto it = latency_.find(route);
  if (it == latency_.end()) it = latency_.emplace(std::string(route), Histogram{}).first;
  Histogram& h = it->second;
  std::size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  ++h.counts[b];
  h.sum += seconds;
  ++h.count;
}

std::string Metrics::prometheus(const core::ServiceStats& stats) const {
  std::string out;
  auto gauge = [&](const char* name, const char* type, const char* help, auto value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
  };
  {
    std::lock_guard lock(mutex_);
    out +=
        "# HELP memnet_http_requests_total Requests answered, by route template and status.\n"
        "# TYPE memnet_http_requests_total counter\n";
    for (const auto& [key, n] : requests_) {
      out += fmt::format("memnet_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n",
                         label(key.first), key.second, n);
    }
    out +=
        "# HELP memnet_http_request_duration_seconds Time from the parsed request to the built "
        "response.\n"
        "# TYPE memnet_http_request_duration_seconds histogram\n";
    for (const auto& [route, h] : latency_) {
      const std::string r = label(route);
      std::uint64_t cumulative = 0;
      for (std::size_t b = 0; b <= kBuckets.size(); ++b) {
        cumulative += h.counts[b];
        const std::string le = b < kBuckets.size() ? fmt::format("{}", kBuckets[b]) : "+Inf";
        out += fmt::format(
            "memnet_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", r, le,
            cumulative);
      }
      out += fmt::format("memnet_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", r, h.sum);
      out += fmt::format("memnet_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", r,
                         h.count);
    }
  }
  gauge("memnet_cache_entries", "gauge", "Decoded memory windows held in memory.",
        stats.cache_entries);
  gauge("memnet_cache_bytes", "gauge", "Heap bytes of the cached windows, approximately.",
        stats.cache_bytes);
  gauge("memnet_cache_hits_total", "counter", "Questions answered from a cached window.",
        stats.cache_hits);
  gauge("memnet_cache_misses_total", "counter", "Questions whose window was read from the file.",
        stats.cache_misses);
  gauge("memnet_stories", "gauge", "Stories in the file, dialogs included.", stats.stories);
  gauge("memnet_facts", "gauge", "Facts in the file.", stats.facts);
  const double uptime =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  gauge("memnet_uptime_seconds", "gauge", "Seconds since the server started.", uptime);
  return out;
}

}  // namespace memnet::server
