// server/web_assets.h
//
// The files of memnet's web page (server/web/) and the Debian-packaged chart library
// (libjs-d3's d3.min.js), compiled into the binary at build time by
// cmake/embed_files.cmake, so `memnet serve` and `memnet eval --html` need nothing on disk.
// The page loads nothing from the network: every URL it uses is one of these or the API.
//
// This target holds data only and depends on nothing, so any layer may use it (core's
// HTML report, the server's routes).
//
// Lifetime: the bytes are static; the views stay valid for the life of the process.
// Threading: read-only, safe from any thread.
#pragma once

#include <span>
#include <string_view>

namespace memnet::web {

struct Asset {
  std::string_view path;          // as served: "/", "/static/app.js", ...
  std::string_view content_type;  // "text/html; charset=utf-8", ...
  std::string_view body;
};

// Every embedded asset.
std::span<const Asset> assets();

// The asset served at `path`, or nullptr.
inline const Asset* find_asset(std::string_view path) {
  for (const Asset& a : assets()) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

}  // namespace memnet::web
