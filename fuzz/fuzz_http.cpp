// fuzz/fuzz_http.cpp
//
// Fuzzes the transport's HTTP request parsing (server/request_parser.h) on arbitrary bytes,
// as a connection's input: the requests in it are read one after another, pipelined, while
// each leaves the connection open, with the server's default limits (ServerOptions) and then
// again with tight ones so that the body and header limits are reached by small inputs.
// A bug is a crash, a sanitizer report, an exception, or a result the transport could not
// have produced: a rejection other than 400 or 413, an error body that is not the error
// JSON, a body over the limit, or a request that consumes nothing or more than it was given.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "server/http_server.h"
#include "server/request_parser.h"

namespace server = memnet::server;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void read_connection(std::string_view bytes, const server::ParserLimits& limits) {
  for (int requests = 0; requests < 64; ++requests) {  // 64: ample for a few KiB of input
    server::ParseResult r = server::parse_request(bytes, limits);
    switch (r.outcome) {
      case server::ParseResult::Outcome::kIncomplete:
        return;
      case server::ParseResult::Outcome::kRejected: {
        check(r.error.status == 400 || r.error.status == 413);
        const nlohmann::json body = nlohmann::json::parse(r.error.body);  // throws if not JSON
        check(body["error"]["code"] ==
              (r.error.status == 400 ? "bad_request" : "payload_too_large"));
        return;  // the transport closes after a rejection
      }
      case server::ParseResult::Outcome::kRequest:
        check(r.consumed > 0 && r.consumed <= bytes.size());
        check(!r.request.method.empty() && !r.request.target.empty());
        check(r.request.body.size() <= limits.max_body_bytes);
        if (!r.keep_alive) return;
        bytes.remove_prefix(r.consumed);
        break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  read_connection(bytes, {.max_body_bytes = server::ServerOptions{}.max_body_bytes});
  read_connection(bytes, {.max_body_bytes = 16, .max_header_bytes = 256});
  return 0;
}
