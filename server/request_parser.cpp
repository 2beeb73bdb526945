// server/request_parser.cpp
#include "server/request_parser.h"

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <string>
#include <utility>

namespace memnet::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

bool is_http_parse_error(const beast::error_code& ec) {
  static const auto& category = http::make_error_code(http::error::bad_method).category();
  return ec.category() == category && ec != http::error::end_of_stream &&
         ec != http::error::partial_message;
}

// A SyncReadStream whose every read is end of file: the client has sent what the buffer
// holds and shut its side.
struct ClosedStream {
  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers&, beast::error_code& ec) {
    ec = net::error::eof;
    return 0;
  }
  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers) {
    beast::error_code ec;
    const std::size_t n = read_some(buffers, ec);
    if (ec) throw beast::system_error(ec);
    return n;
  }
};

}  // namespace

// The Request a session hands to the handler (http_server.cpp, Session::handle_request).
Request to_request(RequestParser& parser) {
  auto& req = parser.get();
  return Request{std::string(req.method_string()),
                 std::string(req.target()),
                 std::string(req[http::field::content_type]),
                 std::move(req.body()),
                 std::string(req[http::field::authorization]),
                 std::string(req["X-Request-Id"])};
}

void apply_limits(RequestParser& parser, const ParserLimits& limits) {
  parser.body_limit(limits.max_body_bytes);
  parser.header_limit(limits.max_header_bytes);
}

std::optional<Response> check_header(const RequestParser& parser) {
  if (parser.get().version() / 10 != 1) {
    return error_response(400, "bad_request", "only HTTP/1.x is supported");
  }
  return std::nullopt;
}

std::optional<Response> read_error_response(const beast::error_code& ec,
                                            const ParserLimits& limits) {
  if (ec == http::error::body_limit) {
    return error_response(
        413, "payload_too_large",
        "request body exceeds the limit of " + std::to_string(limits.max_body_bytes) + " bytes");
  }
  if (is_http_parse_error(ec)) {
    return error_response(400, "bad_request", "malformed HTTP request: " + ec.message());
  }
  return std::nullopt;
}

ParseResult parse_request(std::string_view bytes, const ParserLimits& limits) {
  ParseResult result;
  beast::flat_buffer buffer;
  buffer.commit(
      net::buffer_copy(buffer.prepare(bytes.size()), net::buffer(bytes.data(), bytes.size())));
  ClosedStream stream;
  RequestParser parser;
  apply_limits(parser, limits);

  // As the session: the header, its check, then the body.
  beast::error_code ec;
  http::read_header(stream, buffer, parser, ec);
  if (!ec) {
    if (std::optional<Response> rejected = check_header(parser)) {
      result.outcome = ParseResult::Outcome::kRejected;
      result.error = std::move(*rejected);
      return result;
    }
    http::read(stream, buffer, parser, ec);
  }
  if (ec) {
    if (std::optional<Response> rejected = read_error_response(ec, limits)) {
      result.outcome = ParseResult::Outcome::kRejected;
      result.error = std::move(*rejected);
    }
    return result;
  }
  result.outcome = ParseResult::Outcome::kRequest;
  result.keep_alive = parser.get().keep_alive();
  result.request = to_request(parser);
  result.consumed = bytes.size() - buffer.size();
  return result;
}

}  // namespace memnet::server
