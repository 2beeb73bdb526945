// server/http_server.h
//
// The HTTP/1.1 transport of `memnet serve`, on Boost.Asio and Boost.Beast (1.74): a listener
// accepting on one address, one session per connection (keep-alive, pipelined requests
// answered in order), and N threads, each running its own io_context with the connections
// handed to it by the acceptor in turn. Every request that parses is handed to `Handler`
// (routes.h) as a plain Request; the transport itself answers only what never reaches a
// handler:
//   413 payload_too_large   the body (Content-Length or chunked) exceeds max_body_bytes
//   400 bad_request         a request that is not HTTP/1.x
//   431-style header limits are reported as 400 too
// Expect: 100-continue is honoured (curl sends it for bodies over 1 KiB).
//
// Timeouts: a connection that takes longer than read_timeout to send one request, or stays
// idle between keep-alive requests longer than idle_timeout, is closed.
//
// Shutdown: stop() (or SIGINT/SIGTERM when handle_signals is set) stops accepting, closes
// idle connections, lets every request already read run its handler and write its response
// (with "Connection: close"), then run() returns. Connections still busy after
// shutdown_grace are cut.
//
// Threading: the handler is called from the pool's threads, concurrently; it must be
// thread-safe. stop() may be called from any thread, or from a signal via handle_signals.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "server/http_message.h"

namespace memnet::server {

using Handler = std::function<Response(const Request&)>;

struct ServerOptions {
  std::string host = "127.0.0.1";  // loopback by default; "0.0.0.0" or "::" to expose
  std::uint16_t port = 8080;       // 0 picks a free port (see HttpServer::port())
  int threads = 0;                 // 0 = std::thread::hardware_concurrency()
  std::size_t max_body_bytes = 1 << 20;
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds shutdown_grace{10'000};
  bool handle_signals = false;         // stop on SIGINT and SIGTERM
  std::string server_name = "memnet";  // Server header
};

class HttpServer {
 public:
  // Binds and listens at once, so port() is valid after construction. Throws
  // std::runtime_error naming host:port when the address is invalid or cannot be bound.
  HttpServer(ServerOptions options, Handler handler);
  ~HttpServer();  // stops and joins if still running
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const;  // the bound port
  int threads() const;         // threads run() serves on (options.threads, or one per core)

  // Serves on options.threads threads (the caller's included) until stop() or a signal,
  // and returns once shutdown has finished. A server runs once: calling run() again (or while
  // it runs) throws std::logic_error.
  void run();
  // Starts a graceful shutdown; returns at once. Safe from any thread, idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace memnet::server
