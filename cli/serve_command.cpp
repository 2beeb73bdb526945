// memnet serve: the HTTP API (server/routes.h) over one memnet file.
#include <fmt/format.h>
#include <sys/resource.h>

#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/dialog_service.h"
#include "core/story_service.h"
#include "server/http_server.h"
#include "server/routes.h"

namespace memnet::cli {
namespace {

struct ServeFlags {
  std::string db;
  server::ServerOptions server;
  server::RouteOptions routes;
  double read_timeout_s = 30;
  double idle_timeout_s = 60;
};

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
  const rlim_t open_files = raise_open_file_limit();
  core::StoryService service(f.db);
  core::DialogService dialogs(f.db);  // its one connection is opened here, at start
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
                   "files)\n",
                   f.db, f.server.host, http.port(), models.size(), models.size() == 1 ? "" : "s",
                   models.empty() ? "" : ": ", names, http.threads(),
                   open_files == RLIM_INFINITY ? std::string("unlimited")
                                               : std::to_string(open_files))
            << std::flush;
  http.run();
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
  return [f] { return run(*f); };
}

}  // namespace memnet::cli
