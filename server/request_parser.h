// server/request_parser.h
//
// How the transport (http_server.h) reads one HTTP/1.x request, apart from the socket: the
// Beast parser's limits, the check once the header is in, and the answers to what never
// reaches a handler. The sessions of http_server.cpp use each of these; parse_request()
// runs them over bytes already in memory, as a session reads a connection whose client sent
// those bytes and then shut its side, so the parsing is unit-tested and fuzzed
// (fuzz/fuzz_http.cpp) without sockets.
#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "server/http_message.h"

namespace memnet::server {

inline constexpr std::uint32_t kMaxHeaderBytes = 16 * 1024;  // request line + headers

struct ParserLimits {
  std::size_t max_body_bytes = 0;  // ServerOptions::max_body_bytes (Content-Length or chunked)
  std::uint32_t max_header_bytes = kMaxHeaderBytes;
};

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// Sets the limits on a parser that has read nothing yet.
void apply_limits(RequestParser& parser, const ParserLimits& limits);

// The handler's Request from a parser that has read a whole request (its body is moved out).
Request to_request(RequestParser& parser);

// Once the header is in: 400 bad_request unless the request is HTTP/1.x, else nullopt.
std::optional<Response> check_header(const RequestParser& parser);

// The answer to an error while reading a request: 413 payload_too_large for a body over
// limits.max_body_bytes, 400 bad_request for malformed HTTP (header limit included), and
// nullopt when nobody is there to answer (the peer closed, mid-request or not; socket
// errors; timeouts): the transport then just closes.
std::optional<Response> read_error_response(const boost::beast::error_code& ec,
                                            const ParserLimits& limits);

struct ParseResult {
  enum class Outcome {
    kRequest,     // a whole request: `request` goes to the handler
    kRejected,    // the transport answers `error` (400 or 413) and closes
    kIncomplete,  // the bytes end mid-request (or are empty): the transport would wait for
                  // more, and closes without an answer when the client has shut its side
  };
  Outcome outcome = Outcome::kIncomplete;
  Request request;           // kRequest: as the session hands it to the handler
  bool keep_alive = false;   // kRequest: the connection may carry another request
  Response error;            // kRejected
  std::size_t consumed = 0;  // kRequest: bytes the request took; a pipelined one follows
};

// Reads the first request in `bytes` as a session does. Never throws but std::bad_alloc.
ParseResult parse_request(std::string_view bytes, const ParserLimits& limits);

}  // namespace memnet::server
