#include "server/request_parser.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace memnet::server {
namespace {

using Outcome = ParseResult::Outcome;

constexpr ParserLimits kLimits{.max_body_bytes = 1024};

std::string error_code_of(const ParseResult& r) {
  return nlohmann::json::parse(r.error.body)["error"]["code"].get<std::string>();
}

}  // namespace

TEST_CASE("request_parser: a whole request becomes the handler's Request") {
  const std::string bytes =
      "POST /v1/stories/1/facts?x=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Authorization: Bearer t0ken\r\nX-Request-Id: abc\r\nContent-Length: 13\r\n\r\n"
      "{\"fact\": \"a\"}";
  const ParseResult r = parse_request(bytes, kLimits);
  REQUIRE(r.outcome == Outcome::kRequest);
  CHECK(r.request.method == "POST");
  CHECK(r.request.target == "/v1/stories/1/facts?x=1");
  CHECK(r.request.content_type == "application/json");
  CHECK(r.request.body == "{\"fact\": \"a\"}");
  CHECK(r.request.authorization == "Bearer t0ken");
  CHECK(r.request.request_id == "abc");
  CHECK(r.keep_alive);
  CHECK(r.consumed == bytes.size());
}

TEST_CASE("request_parser: pipelined requests are read one at a time") {
  const std::string first = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string second = "GET /v1 HTTP/1.1\r\nConnection: close\r\n\r\n";
  const ParseResult a = parse_request(first + second, kLimits);
  REQUIRE(a.outcome == Outcome::kRequest);
  CHECK(a.request.target == "/healthz");
  CHECK(a.consumed == first.size());
  const ParseResult b = parse_request(second, kLimits);
  REQUIRE(b.outcome == Outcome::kRequest);
  CHECK(b.request.target == "/v1");
  CHECK_FALSE(b.keep_alive);
}

TEST_CASE("request_parser: HTTP/1.0 closes unless it asks for keep-alive") {
  CHECK_FALSE(parse_request("GET / HTTP/1.0\r\n\r\n", kLimits).keep_alive);
  CHECK(parse_request("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", kLimits).keep_alive);
}

TEST_CASE("request_parser: a chunked body within the limit is joined") {
  const ParseResult r = parse_request(
      "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
      kLimits);
  REQUIRE(r.outcome == Outcome::kRequest);
  CHECK(r.request.body == "abcde");
}

TEST_CASE("request_parser: bodies over the limit get 413, from the header or while reading") {
  SUBCASE("Content-Length over the limit, without the body") {
    const ParseResult r =
        parse_request("POST /big HTTP/1.1\r\nContent-Length: 999999\r\n\r\n", kLimits);
    REQUIRE(r.outcome == Outcome::kRejected);
    CHECK(r.error.status == 413);
    CHECK(error_code_of(r) == "payload_too_large");
    CHECK(r.error.body.find("1024 bytes") != std::string::npos);
  }
  SUBCASE("chunks adding up past the limit") {
    std::string bytes = "POST /big HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 3; ++i) bytes += "200\r\n" + std::string(512, 'y') + "\r\n";
    bytes += "0\r\n\r\n";
    const ParseResult r = parse_request(bytes, kLimits);
    REQUIRE(r.outcome == Outcome::kRejected);
    CHECK(r.error.status == 413);
  }
}

TEST_CASE("request_parser: malformed HTTP, HTTP/2 and oversized headers get 400") {
  const char* garbage[] = {
      "\x16\x03\x01\xfe\xff not http\r\n\r\n", "GET / HTTP/1.1\r\nBad Header Without Colon\r\n\r\n",
      "POST / HTTP/1.1\r\nContent-Length: nope\r\n\r\n", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"};
  for (const char* bytes : garbage) {
    CAPTURE(bytes);
    const ParseResult r = parse_request(bytes, kLimits);
    REQUIRE(r.outcome == Outcome::kRejected);
    CHECK(r.error.status == 400);
    CHECK(error_code_of(r) == "bad_request");
  }
  const ParseResult huge = parse_request(
      "GET / HTTP/1.1\r\nX-Big: " + std::string(kMaxHeaderBytes, 'h') + "\r\n\r\n", kLimits);
  REQUIRE(huge.outcome == Outcome::kRejected);
  CHECK(huge.error.status == 400);
}

TEST_CASE("request_parser: bytes that end mid-request get no answer") {
  for (const char* bytes : {"", "GET / HT", "GET / HTTP/1.1\r\nHost: x\r\n",
                            "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"}) {
    CAPTURE(bytes);
    CHECK(parse_request(bytes, kLimits).outcome == Outcome::kIncomplete);
  }
}

}  // namespace memnet::server
