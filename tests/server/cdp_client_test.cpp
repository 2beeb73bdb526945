// Tests of the test suite's DevTools client (tests/server/cdp_client.h) on pages given as
// data: URLs, so that a failure of the browser tests points at the page, not the client.
#include "tests/server/cdp_client.h"

#include <doctest/doctest.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/test_data.h"

namespace {

using memnet::test::base64_decode;
using memnet::test::Browser;

// Reports the test as skipped, with the reason, where chromium is missing.
#define SKIP_WITHOUT_CHROMIUM()                                                 \
  if (const std::string why = memnet::test::chromium_missing(); !why.empty()) { \
    MESSAGE("SKIPPED: " << why);                                                \
    return;                                                                     \
  }

// A data: URL of `html`, percent-encoded ('#' would otherwise start the fragment).
std::string data_url(std::string_view html) {
  std::string out = "data:text/html;charset=utf-8,";
  for (const char ch : html) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c)) {
      out += ch;
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("cdp client: base64 decodes the RFC 4648 test vectors") {
  CHECK(base64_decode("") == "");
  CHECK(base64_decode("Zg==") == "f");
  CHECK(base64_decode("Zm8=") == "fo");
  CHECK(base64_decode("Zm9v") == "foo");
  CHECK(base64_decode("Zm9vYg==") == "foob");
  CHECK(base64_decode("Zm9vYmE=") == "fooba");
  CHECK(base64_decode("Zm9vYmFy") == "foobar");
  CHECK(base64_decode("Zm9vYmE") == "fooba");  // padding is optional
  CHECK(base64_decode("+/8A") == std::string("\xfb\xff\x00", 3));
  CHECK(base64_decode("iVBORw0KGgo=") == "\x89PNG\r\n\x1a\n");
  CHECK_THROWS_WITH_AS(base64_decode("Zm9v!A=="), "base64: bad character at offset 4",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(base64_decode("Zm9vY"), "base64: 5 characters cannot end a quantum",
                       std::invalid_argument);
}

TEST_CASE("cdp client: evaluates, types, clicks, presses Enter and takes screenshots") {
  SKIP_WITHOUT_CHROMIUM();
  Browser browser;
  browser.navigate(data_url(
      "<meta name=viewport content='width=device-width'><form id=f><input id=q><button id=b "
      "type=submit>go</button></form>"
      "<p id=out></p><script>let n = 0; document.getElementById('f').onsubmit = e => {"
      " e.preventDefault(); setTimeout(() => { document.getElementById('out').textContent ="
      " (++n) + ':' + document.getElementById('q').value; }, 100); };</script>"));
  CHECK(browser.evaluate("1 + 2") == 3);
  CHECK(browser.evaluate("({a: [1, 'x']})") == nlohmann::json{{"a", {1, "x"}}});
  CHECK(browser.evaluate("undefined").is_null());
  CHECK(browser.evaluate("new Promise(r => setTimeout(() => r('later'), 50))") == "later");

  browser.fill("#q", "Where is Mary?");
  browser.click("#b");
  browser.wait_for("document.getElementById('out').textContent !== ''");
  CHECK(browser.evaluate("document.getElementById('out').textContent") == "1:Where is Mary?");

  browser.fill("#q", "again");  // replaces what the field held
  browser.press_enter();
  browser.wait_for("document.getElementById('out').textContent.startsWith('2:')");
  CHECK(browser.evaluate("document.getElementById('out').textContent") == "2:again");

  browser.set_viewport(390, 844, true);
  CHECK(browser.evaluate("window.innerWidth") == 390);
  const auto png = memnet::testing::temp_dir("cdp_screenshot") / "shot.png";
  browser.screenshot(png);
  std::ifstream in(png, std::ios::binary);
  std::string head(8, '\0');
  in.read(head.data(), 8);
  CHECK(head == "\x89PNG\r\n\x1a\n");
  CHECK(std::filesystem::file_size(png) > 100);
}

TEST_CASE("cdp client: a script error, a missing element and a wait that never ends throw") {
  SKIP_WITHOUT_CHROMIUM();
  Browser browser(std::chrono::seconds(5));
  browser.navigate(data_url("<p>hi</p><script>console.log('hello', 42)</script>"));
  CHECK_THROWS_WITH_AS(browser.evaluate("null.x"),
                       doctest::Contains("JavaScript threw: TypeError: Cannot read properties of "
                                         "null (reading 'x')"),
                       std::runtime_error);
  CHECK_THROWS_WITH_AS(browser.evaluate("Promise.reject(new Error('no'))"),
                       doctest::Contains("Error: no"), std::runtime_error);
  CHECK_THROWS_WITH_AS(browser.click("#nothing"), "click: nothing matches #nothing",
                       std::runtime_error);
  CHECK_THROWS_WITH_AS(browser.wait_for("false", std::chrono::milliseconds(200)),
                       doctest::Contains("timed out after 200 ms waiting for: false"),
                       std::runtime_error);
  // Still usable after each of those, and the console went to the log.
  CHECK(browser.evaluate("document.querySelector('p').textContent") == "hi");
  CHECK(browser.log().find("console.log: hello 42") != std::string::npos);
  CHECK_THROWS_WITH_AS(browser.navigate("http://127.0.0.1:1/"),
                       doctest::Contains("cannot load http://127.0.0.1:1/: net::ERR_"),
                       std::runtime_error);
}
