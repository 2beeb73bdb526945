// tests/server/http_client.h
//
// A small synchronous HTTP/1.1 client for tests, on Beast (header-only, test code only).
// Every call is bounded by the client's timeout, so a server that misbehaves fails a test
// instead of hanging it: each operation is started asynchronously on a private io_context,
// and beast::tcp_stream's expiry cancels it.
//
//   memnet::test::HttpClient client(port);               // connects to 127.0.0.1:port
//   HttpResult r = client.request("POST", "/v1/ask", R"({"q":"x"})", "application/json");
//   CHECK(r.status == 200);
//   CHECK(r.header("Content-Type") == "application/json");
//   client.request("GET", "/healthz");                   // same connection (keep-alive)
//
// Lower level, for protocol tests: send_raw() writes arbitrary bytes on the connection,
// read_response() reads one response (interim 1xx included), wait_for_close() tells whether
// the server closed the connection, and raw_exchange() sends bytes on a fresh connection and
// returns everything that comes back until the server closes it.
//
// Errors (refused connection, timeout, reset, unparseable response) throw
// std::runtime_error with the operation and the reason. Not thread-safe: one client per
// thread; any number of clients may talk to one server at once.
#pragma once

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace memnet::test {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Beast 1.74 takes boost::string_view, which does not convert from std::string_view.
inline boost::beast::string_view beast_view(std::string_view s) { return {s.data(), s.size()}; }

struct HttpResult {
  int status = 0;
  Headers headers;  // as received, in order
  std::string body;
  bool keep_alive = false;  // whether the server left the connection open

  // The first value of header `name` (case-insensitive), or "" when absent.
  std::string header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (boost::beast::iequals(key, beast_view(name))) return value;
    }
    return "";
  }
  bool has_header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (boost::beast::iequals(key, beast_view(name))) return true;
    }
    return false;
  }
};

class HttpClient {
 public:
  // Connects at once; throws std::runtime_error when the connection is refused.
  explicit HttpClient(std::uint16_t port, std::string host = "127.0.0.1",
                      std::chrono::milliseconds timeout = std::chrono::seconds(5))
      : host_(std::move(host)), port_(port), timeout_(timeout), stream_(ioc_) {
    const auto endpoint =
        boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address(host_), port_);
    await("connect", [&](auto done) { stream_.async_connect(endpoint, done); });
  }

  // Sends one request and returns its final response (interim 1xx responses are skipped).
  // Host, Content-Length and Content-Type (when not empty) are set for you; `headers` are
  // added as given and may override Host. Throws on a connection error or timeout.
  HttpResult request(std::string_view method, std::string_view target, std::string body = {},
                     std::string_view content_type = {}, const Headers& headers = {}) {
    namespace http = boost::beast::http;
    http::request<http::string_body> req;
    req.method_string(beast_view(method));
    req.target(beast_view(target));
    req.version(11);
    req.set(http::field::host, host_ + ":" + std::to_string(port_));
    if (!content_type.empty()) req.set(http::field::content_type, beast_view(content_type));
    for (const auto& [name, value] : headers) req.set(name, value);
    req.body() = std::move(body);
    req.prepare_payload();
    const auto write_ec =
        start_and_wait(timeout_, [&](auto done) { http::async_write(stream_, req, done); });
    if (write_ec) {
      // A server may answer early and close, e.g. 413 while the body is still being sent;
      // then that answer is the result. Otherwise the write error is.
      try {
        return read_response(method == "HEAD");
      } catch (const std::runtime_error&) {
        throw std::runtime_error("write request: " + write_ec.message());
      }
    }
    const bool head = method == "HEAD";
    for (;;) {
      HttpResult r = read_response(head);
      if (r.status >= 200) return r;
    }
  }

  HttpResult get(std::string_view target) { return request("GET", target); }
  HttpResult post(std::string_view target, std::string body,
                  std::string_view content_type = "application/json") {
    return request("POST", target, std::move(body), content_type);
  }

  // Writes `bytes` as they are on the connection.
  void send_raw(std::string_view bytes) {
    await("write", [&](auto done) {
      boost::asio::async_write(stream_, boost::asio::buffer(bytes.data(), bytes.size()), done);
    });
  }

  // Reads one response, an interim 1xx included. Pass head_request = true when answering a
  // HEAD request: its Content-Length then announces a body that never comes.
  HttpResult read_response(bool head_request = false) {
    namespace http = boost::beast::http;
    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    parser.skip(head_request);
    await("read response", [&](auto done) { http::async_read(stream_, buffer_, parser, done); });
    const auto& msg = parser.get();
    HttpResult r;
    r.status = static_cast<int>(msg.result_int());
    for (const auto& field : msg) {
      r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    r.body = msg.body();
    r.keep_alive = msg.keep_alive();
    return r;
  }

  // True when the server closes the connection (EOF or reset) within `timeout` (default:
  // the client's); false when it stays open that long or sends more bytes.
  bool wait_for_close(std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    if (buffer_.size() > 0) return false;
    const auto ec = start_and_wait(timeout.value_or(timeout_), [&](auto done) {
      stream_.async_read_some(buffer_.prepare(1024), [this, done](auto error, std::size_t n) {
        buffer_.commit(n);
        done(error);
      });
    });
    return ec == boost::beast::http::error::end_of_stream || ec == boost::asio::error::eof ||
           ec == boost::asio::error::connection_reset;
  }

  // Connects to 127.0.0.1:port, writes `bytes`, and returns everything received until the
  // server closes the connection (a reset counts as a close). Throws on a timeout.
  static std::string raw_exchange(std::uint16_t port, std::string_view bytes,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    HttpClient client(port, "127.0.0.1", timeout);
    client.send_raw(bytes);
    return client.read_until_close();
  }

  // Everything the server sends from now until it closes the connection.
  std::string read_until_close() {
    std::string received(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    buffer_.clear();
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    for (;;) {
      char chunk[4096];
      std::size_t n = 0;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      const auto ec = start_and_wait(std::max(left, std::chrono::milliseconds(1)), [&](auto done) {
        stream_.async_read_some(boost::asio::buffer(chunk), [&n, done](auto error, std::size_t k) {
          n = k;
          done(error);
        });
      });
      received.append(chunk, n);
      if (!ec) continue;
      if (ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset) {
        return received;
      }
      throw std::runtime_error("read until close: " + ec.message() + " after " +
                               std::to_string(received.size()) + " bytes");
    }
  }

  void close() {
    boost::beast::error_code ec;
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    stream_.close();
  }

 private:
  // Starts one asynchronous operation with `start(done)`, runs it to completion or until
  // `timeout` (then the stream is closed and the error is beast::error::timeout).
  template <class Start>
  boost::beast::error_code start_and_wait(std::chrono::milliseconds timeout, Start&& start) {
    boost::beast::error_code result;
    bool finished = false;
    stream_.expires_after(timeout);
    start([&](boost::beast::error_code ec, auto&&...) {
      result = ec;
      finished = true;
    });
    ioc_.restart();
    ioc_.run();
    if (!finished) result = boost::asio::error::operation_aborted;
    return result;
  }

  template <class Start>
  void await(std::string_view what, Start&& start) {
    const auto ec = start_and_wait(timeout_, std::forward<Start>(start));
    if (ec) throw std::runtime_error(std::string(what) + ": " + ec.message());
  }

  std::string host_;
  std::uint16_t port_;
  std::chrono::milliseconds timeout_;
  boost::asio::io_context ioc_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace memnet::test
