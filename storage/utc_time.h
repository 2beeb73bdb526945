// storage/utc_time.h
//
// The timestamps stored in a memnet file: ISO-8601 UTC to the second, "2026-11-22T08:30:00Z".
#pragma once

#include <ctime>
#include <string>

namespace memnet::storage {

inline std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace memnet::storage
