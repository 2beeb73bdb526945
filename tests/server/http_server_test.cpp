#include "server/http_server.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "tests/server/http_client.h"

namespace memnet::server {
namespace {

using memnet::test::HttpClient;
using memnet::test::HttpResult;
using namespace std::chrono_literals;

// Polls `done` every 5 ms for up to `limit`; true when it became true.
template <class Predicate>
bool eventually(Predicate done, std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

ServerOptions test_options() {
  ServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.threads = 4;
  o.max_body_bytes = 1024;
  o.read_timeout = 20s;  // longer than any wait_for_close below
  o.idle_timeout = 30s;  // longer than any test: closing idle connections is stop()'s job
  o.shutdown_grace = 5s;
  return o;
}

// An HttpServer running on its own thread with a stub handler:
//   /slow       sleeps 300 ms, then 200 {"slept_ms":300}
//   /throw      throws std::runtime_error("boom")
//   /bad-header answers a header value with CR LF in it
//   otherwise   200 echoing method, target, content type and body as JSON
struct TestServer {
  explicit TestServer(ServerOptions options = test_options())
      : server(std::move(options), [this](const Request& r) { return handle(r); }), thread([this] {
          server.run();
          run_returned = true;
        }) {}
  ~TestServer() {
    server.stop();
    thread.join();
  }

  Response handle(const Request& r) {
    if (r.target == "/slow") {
      slow_started = true;
      std::this_thread::sleep_for(300ms);
      Response slow;
      slow.body = R"({"slept_ms":300})";
      return slow;
    }
    if (r.target == "/throw") throw std::runtime_error("boom");
    if (r.target == "/bad-header") {
      Response bad;
      bad.headers.emplace_back("X-Injected", "a\r\nSet-Cookie: x=1");
      return bad;
    }
    Response echo;
    echo.body = nlohmann::json{
        {"method", r.method},
        {"target", r.target},
        {"content_type", r.content_type},
        {"body",
         r.body}}.dump();
    echo.headers.emplace_back("X-Echo", "1");
    return echo;
  }

  std::uint16_t port() const { return server.port(); }

  std::atomic<bool> slow_started{false};
  std::atomic<bool> run_returned{false};
  HttpServer server;
  std::thread thread;
};

nlohmann::json json_of(const HttpResult& r) { return nlohmann::json::parse(r.body); }

// The status line and headers of a raw response, and what follows them.
std::pair<std::string, std::string> split_raw(const std::string& raw) {
  const auto end = raw.find("\r\n\r\n");
  REQUIRE(end != std::string::npos);
  return {raw.substr(0, end + 4), raw.substr(end + 4)};
}

TEST_CASE("http_server: answers GET and POST with the handler's response") {
  TestServer s;
  HttpClient client(s.port());

  const HttpResult get = client.get("/v1/things?x=1");
  CHECK(get.status == 200);
  CHECK(get.header("Content-Type") == "application/json");
  CHECK(get.header("Server") == "memnet");
  CHECK(get.header("X-Echo") == "1");
  CHECK(get.header("Content-Length") == std::to_string(get.body.size()));
  CHECK(json_of(get) ==
        nlohmann::json{
            {"method", "GET"}, {"target", "/v1/things?x=1"}, {"content_type", ""}, {"body", ""}});

  const HttpResult post = client.post("/v1/ask", R"({"q":"where?"})", "application/json");
  CHECK(post.status == 200);
  CHECK(json_of(post)["method"] == "POST");
  CHECK(json_of(post)["content_type"] == "application/json");
  CHECK(json_of(post)["body"] == R"({"q":"where?"})");

  SUBCASE("any method reaches the handler as sent") {
    CHECK(json_of(client.request("DELETE", "/v1/x"))["method"] == "DELETE");
  }
  SUBCASE("a body of exactly max_body_bytes is accepted") {
    const HttpResult r = client.post("/", std::string(1024, 'a'), "text/plain");
    CHECK(r.status == 200);
    CHECK(json_of(r)["body"].get<std::string>().size() == 1024);
  }
}

TEST_CASE("http_server: serves several requests on one keep-alive connection") {
  TestServer s;

  SUBCASE("one after another") {
    HttpClient client(s.port());
    for (int i = 0; i < 5; ++i) {
      const HttpResult r = client.post("/n", std::to_string(i), "text/plain");
      CHECK(r.status == 200);
      CHECK(r.keep_alive);
      CHECK(json_of(r)["body"] == std::to_string(i));
    }
  }
  SUBCASE("pipelined requests are answered in order") {
    HttpClient client(s.port());
    client.send_raw(
        "GET /first HTTP/1.1\r\nHost: x\r\n\r\n"
        "POST /second HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
        "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
        "GET /fourth HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(json_of(client.read_response())["target"] == "/first");
    CHECK(json_of(client.read_response())["body"] == "abc");
    CHECK(client.read_response().body == R"({"slept_ms":300})");
    CHECK(json_of(client.read_response())["target"] == "/fourth");
  }
}

TEST_CASE("http_server: HTTP/1.0 closes unless the client asks for keep-alive") {
  TestServer s;

  SUBCASE("plain HTTP/1.0: one response, then the server closes") {
    const std::string raw = HttpClient::raw_exchange(
        s.port(), "GET /old HTTP/1.0\r\n\r\nGET /ignored HTTP/1.0\r\n\r\n");
    const auto [head, body] = split_raw(raw);
    CHECK(head.rfind("HTTP/1.0 200 OK\r\n", 0) == 0);
    CHECK(nlohmann::json::parse(body)["target"] == "/old");  // the second is never answered
  }
  SUBCASE("HTTP/1.0 with Connection: keep-alive stays open") {
    HttpClient client(s.port());
    client.send_raw("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    const HttpResult first = client.read_response();
    CHECK(first.header("Connection") == "keep-alive");
    client.send_raw("GET /b HTTP/1.0\r\n\r\n");
    CHECK(json_of(client.read_response())["target"] == "/b");
    CHECK(client.wait_for_close());
  }
  SUBCASE("HTTP/1.1 with Connection: close") {
    HttpClient client(s.port());
    const HttpResult r = client.request("GET", "/", "", "", {{"Connection", "close"}});
    CHECK(r.status == 200);
    CHECK(r.header("Connection") == "close");
    CHECK(client.wait_for_close());
  }
}

void check_payload_too_large(const std::string& raw) {
  const auto [head, body] = split_raw(raw);
  CHECK(head.rfind("HTTP/1.1 413 ", 0) == 0);
  const auto error = nlohmann::json::parse(body)["error"];
  CHECK(error["code"] == "payload_too_large");
  CHECK(error["message"].get<std::string>().find("1024 bytes") != std::string::npos);
}

TEST_CASE("http_server: a body over max_body_bytes gets 413 and the connection closes") {
  TestServer s;  // max_body_bytes = 1024

  SUBCASE("Content-Length over the limit, detected from the header") {
    check_payload_too_large(HttpClient::raw_exchange(
        s.port(),
        "POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n" + std::string(4096, 'x')));
  }
  SUBCASE("Content-Length over the limit without the body (client waits for 100)") {
    check_payload_too_large(HttpClient::raw_exchange(
        s.port(),
        "POST /big HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 999999\r\n\r\n"));
  }
  SUBCASE("chunked body over the limit, detected while reading") {
    std::string request = "POST /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 6; ++i) request += "200\r\n" + std::string(512, 'y') + "\r\n";
    request += "0\r\n\r\n";
    check_payload_too_large(HttpClient::raw_exchange(s.port(), request));
  }
  SUBCASE("a client sending a large body in full still reads its 413") {
    HttpClient client(s.port());
    const HttpResult r = client.post("/big", std::string(1 << 20, 'z'), "text/plain");
    CHECK(r.status == 413);
    CHECK(json_of(r)["error"]["code"] == "payload_too_large");
    CHECK(client.wait_for_close());
  }
  SUBCASE("a chunked body within the limit is accepted") {
    HttpClient client(s.port());
    client.send_raw(
        "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
    CHECK(json_of(client.read_response())["body"] == "abcde");
  }
}

TEST_CASE("http_server: Expect: 100-continue gets 100 Continue, then the response") {
  TestServer s;
  HttpClient client(s.port());
  client.send_raw(
      "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
      "Expect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  CHECK(client.read_response().status == 100);
  client.send_raw("hello");
  const HttpResult r = client.read_response();
  CHECK(r.status == 200);
  CHECK(json_of(r)["body"] == "hello");
}

TEST_CASE("http_server: unparseable requests get 400 and the server keeps serving") {
  TestServer s;
  const char* garbage[] = {
      "\x16\x03\x01\xfe\xff not http\r\n\r\n", "GET / HTTP/1.1\r\nBad Header Without Colon\r\n\r\n",
      "POST / HTTP/1.1\r\nContent-Length: nope\r\n\r\n", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"};
  for (const char* bytes : garbage) {
    CAPTURE(bytes);
    const auto [head, body] = split_raw(HttpClient::raw_exchange(s.port(), bytes));
    CHECK(head.rfind("HTTP/1.1 400 ", 0) == 0);
    CHECK(nlohmann::json::parse(body)["error"]["code"] == "bad_request");
  }
  SUBCASE("headers over the header limit") {
    const std::string huge = "GET / HTTP/1.1\r\nX-Big: " + std::string(64 * 1024, 'h') + "\r\n\r\n";
    const auto [head, body] = split_raw(HttpClient::raw_exchange(s.port(), huge));
    CHECK(head.rfind("HTTP/1.1 400 ", 0) == 0);
  }
  HttpClient after(s.port());
  CHECK(after.get("/still-here").status == 200);
}

TEST_CASE("http_server: handler failures become 500 with the error JSON") {
  TestServer s;
  HttpClient client(s.port());

  SUBCASE("the handler throws") {
    const HttpResult r = client.get("/throw");
    CHECK(r.status == 500);
    CHECK(r.header("Content-Type") == "application/json");
    CHECK(json_of(r) == nlohmann::json::parse(R"({"error":{"code":"internal","message":"boom"}})"));
  }
  SUBCASE("the handler returns a header that would split the response") {
    const HttpResult r = client.get("/bad-header");
    CHECK(r.status == 500);
    CHECK_FALSE(r.has_header("Set-Cookie"));
    CHECK(json_of(r)["error"]["code"] == "internal");
  }
  // The connection survives a handler failure.
  CHECK(client.get("/ok").status == 200);
}

TEST_CASE("http_server: HEAD sends the headers of the response and no body") {
  TestServer s;
  HttpClient client(s.port());
  const HttpResult get = client.get("/h");
  const HttpResult head = client.request("HEAD", "/h");
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  // The echo body differs only in the method name: "HEAD" is one byte longer than "GET".
  CHECK(head.header("Content-Length") == std::to_string(get.body.size() + 1));
  CHECK(client.get("/after-head").status == 200);  // no stray body bytes on the connection

  const auto [raw_head, raw_body] = split_raw(
      HttpClient::raw_exchange(s.port(), "HEAD /h HTTP/1.1\r\nConnection: close\r\n\r\n"));
  CHECK(raw_body.empty());
}

TEST_CASE("http_server: timeouts close slow and idle connections") {
  ServerOptions o = test_options();
  o.read_timeout = 200ms;
  o.idle_timeout = 200ms;
  TestServer s(o);

  SUBCASE("half a request within read_timeout") {
    HttpClient client(s.port());
    client.send_raw("GET / HTTP/1.1\r\nHost:");
    CHECK(client.wait_for_close(5s));
  }
  SUBCASE("a connection that sends nothing") {
    HttpClient client(s.port());
    CHECK(client.wait_for_close(5s));
  }
  SUBCASE("idle between keep-alive requests") {
    HttpClient client(s.port());
    CHECK(client.get("/").status == 200);
    CHECK(client.wait_for_close(5s));
  }
  HttpClient after(s.port());
  CHECK(after.get("/").status == 200);
}

TEST_CASE("http_server: stop() finishes running requests, closes idle ones, then run() returns") {
  TestServer s;
  HttpClient idle(s.port());
  CHECK(idle.get("/warm-up").status == 200);  // now idle on keep-alive (idle_timeout 30 s)
  HttpClient silent(s.port());                // connected, never sends a byte

  HttpResult slow;
  std::thread slow_client([&] {
    HttpClient client(s.port());
    slow = client.get("/slow");
  });
  REQUIRE(eventually([&] { return s.slow_started.load(); }));
  s.server.stop();
  s.server.stop();  // idempotent
  slow_client.join();

  CHECK(slow.status == 200);
  CHECK(slow.body == R"({"slept_ms":300})");
  CHECK(slow.header("Connection") == "close");
  CHECK(idle.wait_for_close());
  CHECK(silent.wait_for_close());
  CHECK(eventually([&] { return s.run_returned.load(); }));
  CHECK_THROWS_AS(HttpClient(s.port()), std::runtime_error);  // no longer listening
}

TEST_CASE("http_server: stop() before run() makes run() return at once; stop() is idempotent") {
  HttpServer server(test_options(), [](const Request&) { return Response{}; });
  server.stop();
  server.stop();
  server.run();
  CHECK_THROWS_AS(HttpClient(server.port()), std::runtime_error);
  CHECK_THROWS_AS(server.run(), std::logic_error);  // a server runs once
}

TEST_CASE("http_server: threads() is the option, or one per core when it is 0") {
  ServerOptions three = test_options();
  three.threads = 3;
  CHECK(HttpServer(three, [](const Request&) { return Response{}; }).threads() == 3);
  ServerOptions automatic = test_options();
  automatic.threads = 0;
  CHECK(HttpServer(automatic, [](const Request&) { return Response{}; }).threads() ==
        static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

TEST_CASE("http_server: the destructor stops a server that never ran") {
  std::uint16_t port = 0;
  {
    HttpServer server(test_options(), [](const Request&) { return Response{}; });
    port = server.port();
    CHECK(port != 0);
  }
  CHECK_THROWS_AS(HttpClient{port}, std::runtime_error);
}

TEST_CASE("http_server: binding fails with the address in the message") {
  TestServer first;
  ServerOptions o = test_options();

  SUBCASE("a port already in use") {
    o.port = first.port();
    CHECK_THROWS_WITH_AS(
        HttpServer(o, [](const Request&) { return Response{}; }),
        doctest::Contains(("cannot listen on 127.0.0.1:" + std::to_string(o.port)).c_str()),
        std::runtime_error);
  }
  SUBCASE("an address of no local interface") {
    o.host = "192.0.2.1";  // TEST-NET-1, RFC 5737
    CHECK_THROWS_WITH_AS(HttpServer(o, [](const Request&) { return Response{}; }),
                         doctest::Contains("cannot listen on 192.0.2.1:0"), std::runtime_error);
  }
  SUBCASE("localhost binds the IPv4 loopback") {
    o.host = "localhost";
    HttpServer server(o, [](const Request&) { return Response{}; });
    CHECK(server.port() != 0);
  }
}

}  // namespace
}  // namespace memnet::server
