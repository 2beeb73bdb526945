// server/http_server.cpp
//
// Layout follows Beast's asynchronous server design: Impl owns the io_contexts, the acceptor
// and the shutdown machinery; a Session per connection runs read -> handle -> write.
//
// One io_context per thread: the acceptor hands each new connection to the next context in
// turn, and a connection stays on its context (one thread) for life. So a session's state
// needs no lock and no strand, and a request never wakes a second thread: with a single
// shared io_context, completions bounced between the pool's threads and the context
// switches cost about as much CPU as the JSON response (docs/benchmarks.md). The only state
// shared between threads is the session registry (under a mutex) and the stop flags. The
// price: a slow handler delays the other connections of its thread, not of the whole pool.
//
// One request moves through these session states:
//   kIdle     waiting for the first byte of a request (idle_timeout, or read_timeout on a
//             fresh connection); stop() closes sessions in this state at once
//   kReading  bytes have arrived: header, optional 100 Continue, body (read_timeout)
//   kBusy     running the handler or writing the response; stop() lets this finish
//   kClosing  response sent with "Connection: close": send side shut, draining input;
//             stop() closes these at once too
#include "server/http_server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "server/request_parser.h"

namespace memnet::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using BeastResponse = http::response<http::string_body>;

constexpr std::size_t kReadChunk = 4096;  // first read of an idle connection
// After a "Connection: close" response we shut our send side and keep reading (and
// discarding) for at most this long: closing a socket with unread input makes the kernel
// send RST, which can destroy the response before the client has read it (the "lingering
// close" that HTTP servers need, e.g. for a 413 while the client is still sending).
// Capped by read_timeout as well.
constexpr std::chrono::milliseconds kLingerLimit{5000};
constexpr std::chrono::milliseconds kAcceptRetry{50};  // after EMFILE and the like

// A header name must be an RFC 7230 token; a value must not smuggle in CR, LF or NUL.
bool valid_header(std::string_view name, std::string_view value) {
  auto token_char = [](unsigned char c) {
    return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  };
  return !name.empty() && std::all_of(name.begin(), name.end(), token_char) &&
         value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// Turns the handler's Response into a Beast message. Throws std::invalid_argument when the
// handler produced something that cannot be sent (the caller answers 500 instead).
BeastResponse to_beast(Response&& r, unsigned version, bool head, const std::string& server) {
  if (r.status < 200 || r.status > 599) {
    throw std::invalid_argument("handler returned HTTP status " + std::to_string(r.status));
  }
  BeastResponse res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, server);
  if (!r.content_type.empty()) {
    if (!valid_header("Content-Type", r.content_type)) {
      throw std::invalid_argument("handler returned an invalid Content-Type");
    }
    res.set(http::field::content_type, r.content_type);
  }
  for (const auto& [name, value] : r.headers) {
    if (!valid_header(name, value)) {
      throw std::invalid_argument("handler returned an invalid header: " + name);
    }
    // Framing belongs to the transport; a handler cannot override it.
    const http::field f = http::string_to_field(name);
    if (f == http::field::content_length || f == http::field::transfer_encoding ||
        f == http::field::connection) {
      continue;
    }
    res.set(name, value);
  }
  // 204 and 304 never carry a body or a length. HEAD announces the length of the body it
  // would have sent and sends none (string_body with an empty body writes nothing).
  if (r.status == 204 || r.status == 304) return res;
  res.content_length(r.body.size());
  if (!head) res.body() = std::move(r.body);
  return res;
}

class Session;

// What sessions share with the server. Impl declares it before the io_context so that it
// outlives every session: after a forced stop, sessions still queued in the io_context are
// destroyed with it, and unregister themselves from their destructors.
struct Shared {
  Shared(ServerOptions o, Handler h)
      : options(std::move(o)),
        handler(std::move(h)),
        limits{.max_body_bytes = options.max_body_bytes} {}

  const ServerOptions options;
  const Handler handler;
  const ParserLimits limits;          // how every request is parsed (server/request_parser.h)
  std::atomic<bool> stopping{false};  // set once by stop(); read by every session
  std::mutex sessions_mutex;
  std::unordered_map<std::uint64_t, std::weak_ptr<Session>> sessions;  // the live ones
  std::uint64_t next_session_id = 0;

  bool is_stopping() const { return stopping.load(std::memory_order_acquire); }
  void unregister(std::uint64_t id) {
    std::lock_guard lock(sessions_mutex);
    sessions.erase(id);
  }
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Shared& server, std::uint64_t id)
      : server_(server), id_(id), stream_(std::move(socket)) {}
  ~Session() { server_.unregister(id_); }

  void start() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->wait_for_request(); });
  }

  // From any thread: closes the connection if it is idle; otherwise the session sees
  // server_.is_stopping() after its current response and closes then.
  void shutdown() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->state_ == State::kIdle || self->state_ == State::kClosing) self->stream_.close();
    });
  }

 private:
  enum class State { kIdle, kReading, kBusy, kClosing };

  void wait_for_request() {
    if (server_.is_stopping()) return graceful_close();
    parser_.emplace();
    apply_limits(*parser_, server_.limits);
    if (buffer_.size() > 0) {  // a pipelined request is already buffered
      state_ = State::kReading;
      stream_.expires_after(server_.options.read_timeout);
      return read_header();
    }
    // Wait for the first byte ourselves rather than in async_read_header, so that "idle"
    // (closable by stop(), idle_timeout) and "reading" (read_timeout) can be told apart.
    state_ = State::kIdle;
    stream_.expires_after(first_request_ ? server_.options.read_timeout
                                         : server_.options.idle_timeout);
    stream_.async_read_some(
        buffer_.prepare(kReadChunk),
        beast::bind_front_handler(&Session::on_first_bytes, shared_from_this()));
  }

  void on_first_bytes(beast::error_code ec, std::size_t n) {
    if (ec) return;  // timeout, closed by the peer or by stop(): the session ends
    buffer_.commit(n);
    state_ = State::kReading;
    stream_.expires_after(server_.options.read_timeout);
    read_header();
  }

  void read_header() {
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);  // includes Content-Length > body_limit
    if (std::optional<Response> rejected = check_header(*parser_)) {
      return send_error(std::move(*rejected));
    }
    const auto& req = parser_->get();
    // Only a client still waiting (nothing of the body sent yet) needs the interim answer.
    if (req.version() >= 11 && !parser_->is_done() && buffer_.size() == 0 &&
        beast::iequals(req[http::field::expect], "100-continue")) {
      continue_ = {http::status::continue_, 11};
      return http::async_write(stream_, continue_,
                               [self = shared_from_this()](beast::error_code wec, std::size_t) {
                                 if (!wec) self->read_body();
                               });
    }
    read_body();
  }

  void read_body() {
    if (parser_->is_done()) return handle_request();
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->on_read_error(ec);
                       self->handle_request();
                     });
  }

  void on_read_error(const beast::error_code& ec) {
    // 413 or 400 (includes Content-Length > body_limit); for socket errors, timeouts and a
    // peer gone mid-request there is nobody to answer: the session just ends.
    if (std::optional<Response> rejected = read_error_response(ec, server_.limits)) {
      send_error(std::move(*rejected));
    }
  }

  // Runs the handler inline on this session's thread.
  void handle_request() {
    state_ = State::kBusy;
    auto& req = parser_->get();
    Request request = to_request(*parser_);  // the same conversion fuzz_http checks
    const bool head = req.method() == http::verb::head;
    const unsigned version = req.version();
    const bool keep_alive = req.keep_alive();
    parser_.reset();

    Response response;
    try {
      response = server_.handler(request);
    } catch (const std::exception& e) {
      response = error_response(500, "internal", e.what());
    } catch (...) {
      response = error_response(500, "internal", "unknown exception");
    }
    try {
      response_ = to_beast(std::move(response), version, head, server_.options.server_name);
    } catch (const std::exception& e) {
      response_ = to_beast(error_response(500, "internal", e.what()), version, head,
                           server_.options.server_name);
    }
    // Checked after the handler: a stop() that arrived meanwhile makes this the last one.
    write(keep_alive && !server_.is_stopping());
  }

  // Answers a request that never reached the handler, then closes.
  void send_error(Response r) {
    state_ = State::kBusy;
    parser_.reset();
    response_ = to_beast(std::move(r), 11, false, server_.options.server_name);
    write(false);
  }

  void write(bool keep_alive) {
    response_.keep_alive(keep_alive);
    stream_.expires_after(server_.options.read_timeout);  // a client that never reads
    http::async_write(stream_, response_,
                      [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                        if (ec) return;
                        self->response_ = {};
                        if (!keep_alive) return self->graceful_close();
                        self->first_request_ = false;
                        self->wait_for_request();
                      });
  }

  void graceful_close() {
    state_ = State::kClosing;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(
        std::min<std::chrono::milliseconds>(server_.options.read_timeout, kLingerLimit));
    drain();
  }

  void drain() {
    stream_.async_read_some(net::buffer(drain_buffer_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (!ec) self->drain();  // EOF, timeout, error: done
                            });
  }

  Shared& server_;
  const std::uint64_t id_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;        // one per request (server/request_parser.h)
  http::response<http::empty_body> continue_;  // must outlive its async_write
  BeastResponse response_;
  std::array<char, 16 * 1024> drain_buffer_{};
  State state_ = State::kIdle;
  bool first_request_ = true;
};

}  // namespace

struct HttpServer::Impl {
  Impl(ServerOptions options, Handler handler);

  void start_on_strand();     // posted by run(): accept, wait for signals
  void shutdown_on_strand();  // posted by stop()
  void accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  void stop();

  Shared shared;  // before the io_contexts: see Shared
  std::uint16_t bound_port = 0;

  // run()/stop() bookkeeping; ~HttpServer and the grace watchdog wait on state_changed.
  std::mutex state_mutex;
  std::condition_variable state_changed;
  bool stop_requested = false;
  bool running = false;
  bool finished = false;  // run() has served and returned: a server runs once

  // One per thread; contexts[0] is run by the thread that calls run() and also holds the
  // acceptor. The others are kept running by `work` until shutdown.
  std::vector<std::unique_ptr<net::io_context>> contexts;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> work;
  std::size_t next_context = 0;  // round robin, on the strand
  // Acceptor, retry timer and signal set live on one strand: stop() comes from any thread.
  net::strand<net::io_context::executor_type> strand;
  tcp::acceptor acceptor{strand};
  net::steady_timer accept_retry{strand};
  std::optional<net::signal_set> signals;
};

namespace {

std::vector<std::unique_ptr<net::io_context>> make_contexts(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::unique_ptr<net::io_context>> contexts;
  for (int i = 0; i < threads; ++i) contexts.push_back(std::make_unique<net::io_context>(1));
  return contexts;
}

}  // namespace

HttpServer::Impl::Impl(ServerOptions options, Handler handler)
    : shared(std::move(options), std::move(handler)),
      contexts(make_contexts(shared.options.threads)),
      strand(net::make_strand(*contexts[0])) {
  const ServerOptions& o = shared.options;
  std::string host = o.host;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string where = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                            std::to_string(o.port);
  auto fail = [&](const std::string& reason) {
    return std::runtime_error("cannot listen on " + where + ": " + reason);
  };

  beast::error_code ec;
  net::ip::address address = net::ip::make_address(host, ec);
  if (ec && host == "localhost") {
    address = net::ip::address_v4::loopback();  // not ::1, which may be disabled
  } else if (ec) {
    tcp::resolver resolver(*contexts[0]);
    auto results = resolver.resolve(host, std::to_string(o.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || results.empty()) throw fail(ec ? ec.message() : "host not found");
    address = results.begin()->endpoint().address();
  }

  const tcp::endpoint endpoint(address, o.port);
  ec = {};
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw fail(ec.message());
  bound_port = acceptor.local_endpoint().port();

  if (o.handle_signals) signals.emplace(strand, SIGINT, SIGTERM);
}

void HttpServer::Impl::start_on_strand() {
  if (shared.is_stopping()) return;  // stop() came first and its shutdown already ran
  accept();
  if (signals) {
    signals->async_wait([this](beast::error_code ec, int) {
      if (!ec) stop();
    });
  }
}

void HttpServer::Impl::accept() {
  // The new connection's socket lives on the next thread's io_context; on_accept runs on
  // the acceptor's strand.
  net::io_context& target = *contexts[next_context];
  next_context = (next_context + 1) % contexts.size();
  acceptor.async_accept(target, beast::bind_front_handler(&Impl::on_accept, this));
}

void HttpServer::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (shared.is_stopping() || !acceptor.is_open()) return;  // the socket closes here
  if (ec) {
    // EMFILE, ENFILE, ECONNABORTED...: try again shortly rather than spin.
    accept_retry.expires_after(kAcceptRetry);
    accept_retry.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec && !shared.is_stopping()) accept();
    });
    return;
  }
  socket.set_option(tcp::no_delay(true), ec);  // small responses, often pipelined
  std::shared_ptr<Session> session;
  {
    std::lock_guard lock(shared.sessions_mutex);
    const std::uint64_t id = shared.next_session_id++;
    session = std::make_shared<Session>(std::move(socket), shared, id);
    shared.sessions.emplace(id, session);
  }
  session->start();
  accept();
}

void HttpServer::Impl::stop() {
  {
    std::lock_guard lock(state_mutex);
    if (stop_requested) return;
    stop_requested = true;
  }
  shared.stopping.store(true, std::memory_order_release);
  state_changed.notify_all();
  net::post(strand, [this] { shutdown_on_strand(); });
}

void HttpServer::Impl::shutdown_on_strand() {
  beast::error_code ec;
  acceptor.close(ec);
  accept_retry.cancel();
  if (signals) signals->cancel(ec);
  for (auto& guard : work) guard.reset();  // each thread returns once its sessions are gone
  // No session can be registered after this: they are created on this strand, and only
  // while the acceptor is open.
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(shared.sessions_mutex);
    for (const auto& [id, weak] : shared.sessions) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  for (const auto& session : live) session->shutdown();
}

HttpServer::HttpServer(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() {
  stop();
  // run() may be executing on another thread: wait for it to return before tearing down.
  std::unique_lock lock(impl_->state_mutex);
  impl_->state_changed.wait(lock, [this] { return !impl_->running; });
}

std::uint16_t HttpServer::port() const { return impl_->bound_port; }

int HttpServer::threads() const { return static_cast<int>(impl_->contexts.size()); }

void HttpServer::stop() { impl_->stop(); }

void HttpServer::run() {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.state_mutex);
    if (s.running) throw std::logic_error("HttpServer::run() is already running");
    if (s.finished) throw std::logic_error("HttpServer::run() has already served and stopped");
    s.running = true;
  }
  // Before any context runs: shutdown_on_strand (on contexts[0]) releases these.
  for (std::size_t i = 1; i < s.contexts.size(); ++i) {
    s.work.push_back(net::make_work_guard(*s.contexts[i]));
  }
  net::post(s.strand, [&s] { s.start_on_strand(); });

  // Once stop() is requested, sessions get shutdown_grace to finish; then they are cut.
  // io_context::stop() cannot interrupt a handler that is running: run() still waits for it.
  std::thread watchdog([&s] {
    std::unique_lock lock(s.state_mutex);
    s.state_changed.wait(lock, [&s] { return s.stop_requested || s.finished; });
    const auto grace = s.shared.options.shutdown_grace;
    if (!s.state_changed.wait_for(lock, grace, [&s] { return s.finished; })) {
      for (auto& context : s.contexts) context->stop();
    }
  });

  std::vector<std::thread> pool;
  for (std::size_t i = 1; i < s.contexts.size(); ++i) {
    pool.emplace_back([context = s.contexts[i].get()] { context->run(); });
  }
  s.contexts[0]->run();  // returns once no work is left: acceptor closed, its sessions gone
  for (auto& t : pool) t.join();

  {
    std::lock_guard lock(s.state_mutex);
    s.finished = true;
  }
  s.state_changed.notify_all();
  watchdog.join();

  std::lock_guard lock(s.state_mutex);
  s.running = false;
  s.state_changed.notify_all();  // under the lock: ~HttpServer may destroy s right after
}

}  // namespace memnet::server
