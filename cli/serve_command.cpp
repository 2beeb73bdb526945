// memnet serve: the HTTP API (server/routes.h) over one memnet file.
#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/dialog_service.h"
#include "core/story_service.h"
#include "server/access_log.h"
#include "server/http_server.h"
#include "server/routes.h"

namespace memnet::cli {
namespace {

struct ServeFlags {
  std::string db;
  server::ServerOptions server;
  server::RouteOptions routes;
  core::ServiceOptions service;
  std::size_t cache_mb = core::ServiceOptions{}.cache_budget_bytes >> 20;
  std::int64_t recheck_us = 0;
  double read_timeout_s = 30;
  double idle_timeout_s = 60;
  std::string token_file;
  std::string log_format = "text";
};

// The token is the file's first line without surrounding white space: what `openssl rand
// -hex 32 > FILE` writes. Throws std::runtime_error naming the file.
std::string read_token(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("--token-file {}: cannot be read", path));
  std::string line;
  std::getline(in, line);
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!line.empty() && space(line.back())) line.pop_back();
  std::size_t first = 0;
  while (first < line.size() && space(line[first])) ++first;
  line.erase(0, first);
  if (line.empty()) throw std::runtime_error(fmt::format("{}:1: the token file is empty", path));
  for (const char c : line) {
    if (c < 0x21 || c > 0x7e) {
      throw std::runtime_error(fmt::format(
          "{}:1: the token must be printable ASCII without spaces (as in a Bearer header)", path));
    }
  }
  return line;
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// Every connection holds a file descriptor, and Linux's default soft limit (1024) would cap
// the server at about a thousand clients. Like most servers, raise the soft limit to the
// hard one. Returns the limit now in force (0 if it cannot be read).
rlim_t raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) return raised.rlim_cur;
  }
  return limit.rlim_cur;
}

int run(ServeFlags& f) {
  if (!f.token_file.empty()) f.routes.token = read_token(f.token_file);
  f.routes.log_format = *server::parse_log_format(f.log_format);  // checked by CLI11
  if (f.routes.token.empty() && !is_loopback(f.server.host)) {
    std::cerr << fmt::format(
        "memnet: warning: serving on {} without --token-file: anyone who can reach it can "
        "read, change and delete every story\n",
        f.server.host);
  }
  const rlim_t open_files = raise_open_file_limit();
  core::ServiceOptions options = f.service;
  options.cache_budget_bytes = f.cache_mb << 20;
  options.recheck = std::chrono::microseconds(f.recheck_us);
  core::StoryService service(f.db, options);
  // its one connection is opened here, at start
  core::DialogService dialogs(f.db, f.service.max_stories);
  // Declared before the routes and the server, so that it outlives every request.
  server::BufferedLog access_log(STDERR_FILENO);
  f.routes.log_sink = [&access_log](std::string_view line) { access_log.write(line); };
  server::Routes routes(service, &dialogs, f.routes);
  f.server.read_timeout = std::chrono::milliseconds(static_cast<long>(f.read_timeout_s * 1000));
  f.server.idle_timeout = std::chrono::milliseconds(static_cast<long>(f.idle_timeout_s * 1000));
  f.server.handle_signals = true;
  server::HttpServer http(f.server,
                          [&routes](const server::Request& r) { return routes.handle(r); });
  // One SQLite connection per server thread, opened now: see reserve_connections.
  service.reserve_connections(static_cast<std::size_t>(http.threads()));
  const auto models = service.models();
  std::string names;
  for (const auto& m : models) names += (names.empty() ? "" : ", ") + m.name;
  // One line a script can wait for; the port is the bound one (--port 0 picks a free port).
  std::cerr << fmt::format(
                   "memnet: serving {} on http://{}:{} ({} model{}{}{}, {} threads, {} open "
                   "files{}{})\n",
                   f.db, f.server.host, http.port(), models.size(), models.size() == 1 ? "" : "s",
                   models.empty() ? "" : ": ", names, http.threads(),
                   open_files == RLIM_INFINITY ? std::string("unlimited")
                                               : std::to_string(open_files),
                   f.routes.token.empty() ? "" : ", bearer token required",
                   f.recheck_us > 0
                       ? fmt::format(", story versions trusted for {} us", f.recheck_us)
                       : std::string())
            << std::flush;
  http.run();
  access_log.flush();
  std::cerr << "memnet: stopped\n";
  return kExitOk;
}

}  // namespace

Runner add_serve_command(CLI::App& app) {
  auto f = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Serve the models and stories of a memnet file over HTTP/JSON (docs/http-api.md)");
  cmd->add_option("--db", f->db, "memnet SQLite file (created if missing)")->required();
  cmd->add_option("--host", f->server.host, "Address to listen on (loopback by default)")
      ->capture_default_str();
  cmd->add_option("--port", f->server.port, "TCP port; 0 picks a free one")->capture_default_str();
  cmd->add_option("--threads", f->server.threads, "Server threads (default: one per core)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--max-body", f->server.max_body_bytes, "Largest request body in bytes")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30));
  cmd->add_option("--cors-origin", f->routes.cors_origin,
                  "Let pages served from ORIGIN (e.g. http://localhost:3000) call the API "
                  "(CORS; off by default)");
  cmd->add_option("--read-timeout", f->read_timeout_s, "Seconds to receive one request")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 3600.0));
  cmd->add_option("--idle-timeout", f->idle_timeout_s,
                  "Seconds an idle keep-alive connection stays open")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 3600.0));
  cmd->add_option("--token-file", f->token_file,
                  "Require 'Authorization: Bearer TOKEN' on every route but /healthz and the "
                  "page's files; TOKEN is the file's first line");
  cmd->add_option("--log-format", f->log_format,
                  "Access log on stderr: text, json or off (written in batches, within 0.1 s)")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json", "off"}));
  cmd->add_option("--max-facts-per-request", f->routes.max_facts_per_request,
                  "Facts one POST .../facts may add (413 beyond)")
      ->capture_default_str()
      ->check(CLI::Range(1, 10'000'000));
  cmd->add_option("--max-text-bytes", f->routes.max_text_bytes,
                  "Bytes in one fact, question, utterance or API result (413 beyond)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30));
  cmd->add_option("--max-stories", f->service.max_stories,
                  "Stories (dialogs included) the file may hold; 0 = no limit (409 beyond)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 62));
  cmd->add_option("--cache-mb", f->cache_mb,
                  "MiB of decoded memory windows kept in memory, least recently asked dropped "
                  "first; 0 = no cache")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{0}, std::size_t{1} << 20));
  cmd->add_option("--recheck-us", f->recheck_us,
                  "Microseconds a cached window's story version is trusted before the file is "
                  "read again; this server's own writes are always seen at once, another "
                  "process's within this; 0 = read on every question")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{60'000'000}));
  return [f] { return run(*f); };
}

}  // namespace memnet::cli
