// tests/server/cdp_client.h
//
// A headless Chromium driven over the Chrome DevTools Protocol (CDP), for tests of the web
// page of `memnet serve` in a real browser. Test code only, header-only, synchronous.
//
//   if (auto why = memnet::test::chromium_missing(); !why.empty()) { MESSAGE(...); return; }
//   memnet::test::Browser browser;                      // starts chromium, opens a page
//   browser.navigate("http://127.0.0.1:8080/");         // returns once the page has loaded
//   browser.wait_for("document.querySelector('#answer') !== null");
//   browser.fill("#question", "Where is Mary?");
//   browser.click("#ask");                              // a real mouse click at its centre
//   nlohmann::json text = browser.evaluate("document.title");
//   browser.screenshot("page.png");
//
// How: Browser starts `chromium --headless=new --remote-debugging-port=0` with a fresh
// profile in a temporary folder (its own process group), reads the port chromium picked from
// the profile's DevToolsActivePort file, finds the page target with GET /json/list, and
// speaks CDP (JSON over a websocket, boost::beast::websocket) with it. Events that arrive
// while waiting for a response are queued; console messages, uncaught exceptions and
// browser log entries are kept in log() for failure messages.
//
// Every wait is bounded (the constructor's timeout, 15 s by default): a page that never
// answers fails a test with std::runtime_error naming what was awaited, it never hangs the
// suite. After a timeout the connection is unusable and every later call throws.
//
// The destructor stops chromium (SIGTERM, then SIGKILL to its process group after 3 s) and
// removes the temporary folder. Not thread-safe: one Browser per thread.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/server/http_client.h"

extern char** environ;

namespace memnet::test {

// The chromium the tests drive: $MEMNET_CHROMIUM, else Debian's /usr/bin/chromium
// (scripts/setup.sh installs it).
inline std::string chromium_binary() {
  const char* env = std::getenv("MEMNET_CHROMIUM");
  return env && *env ? env : "/usr/bin/chromium";
}

inline bool chromium_available() { return ::access(chromium_binary().c_str(), X_OK) == 0; }

// Why the browser tests cannot run here, or "" when they can.
inline std::string chromium_missing() {
  if (chromium_available()) return "";
  return chromium_binary() +
         " not found (scripts/setup.sh installs chromium; or set MEMNET_CHROMIUM)";
}

// Decodes standard base64 (RFC 4648 section 4, '=' padding optional, no whitespace).
// Throws std::invalid_argument naming the offset of the first bad character.
inline std::string base64_decode(std::string_view text) {
  auto value = [](char ch) -> int {
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+') return 62;
    if (ch == '/') return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) {
    throw std::invalid_argument("base64: " + std::to_string(text.size()) +
                                " characters cannot end a quantum");
  }
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  std::uint32_t bits = 0;
  int count = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const int v = value(text[i]);
    if (v < 0) throw std::invalid_argument("base64: bad character at offset " + std::to_string(i));
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    if (++count == 4) {
      out += static_cast<char>((bits >> 16) & 0xFF);
      out += static_cast<char>((bits >> 8) & 0xFF);
      out += static_cast<char>(bits & 0xFF);
      bits = 0;
      count = 0;
    }
  }
  if (count == 2) out += static_cast<char>((bits >> 4) & 0xFF);
  if (count == 3) {
    out += static_cast<char>((bits >> 10) & 0xFF);
    out += static_cast<char>((bits >> 2) & 0xFF);
  }
  return out;
}

// `text` as a JavaScript string literal (JSON's string syntax is a subset of JavaScript's).
inline std::string js_string(std::string_view text) { return nlohmann::json(text).dump(); }

class Browser {
 public:
  using json = nlohmann::json;

  // Starts chromium and connects to its page; throws std::runtime_error (with the end of
  // chromium's log) when it does not start or answer within `timeout`.
  explicit Browser(std::chrono::milliseconds timeout = std::chrono::seconds(15))
      : timeout_(timeout), ws_(ioc_) {
    dir_ = make_temp_dir();
    try {
      start_chromium();
      connect_to_page();
      call("Page.enable");
      call("Runtime.enable");
      call("Log.enable");
    } catch (...) {
      stop_chromium();
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
      throw;
    }
  }

  ~Browser() {
    if (connected_) {
      boost::beast::error_code ec;
      boost::beast::get_lowest_layer(ws_).socket().close(ec);
    }
    stop_chromium();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  Browser(const Browser&) = delete;
  Browser& operator=(const Browser&) = delete;

  // Sends one CDP command and returns its "result". Throws std::runtime_error on a CDP
  // error ("Page.navigate: Cannot navigate to invalid URL"), a timeout or a lost connection.
  json call(std::string_view method, json params = json::object()) {
    const std::int64_t id = ++last_id_;
    const json message = {{"id", id}, {"method", method}, {"params", std::move(params)}};
    write(message.dump(), method);
    for (;;) {
      json reply = read(method);
      if (!reply.contains("id")) {
        on_event(std::move(reply));
        continue;
      }
      if (reply["id"] != id) continue;  // a reply to a command given up on earlier
      if (reply.contains("error")) {
        throw std::runtime_error(std::string(method) + ": " +
                                 reply["error"].value("message", reply["error"].dump()));
      }
      return reply.value("result", json::object());
    }
  }

  // Evaluates `js` in the page (awaiting a promise it returns) and returns the value as
  // JSON (null for undefined). Throws std::runtime_error with the exception's text when the
  // script throws or its promise rejects.
  json evaluate(std::string_view js) {
    const json r = call("Runtime.evaluate", {{"expression", js},
                                             {"returnByValue", true},
                                             {"awaitPromise", true},
                                             {"userGesture", true}});
    if (r.contains("exceptionDetails")) {
      const json& d = r["exceptionDetails"];
      std::string text = d.contains("exception") ? d["exception"].value("description", "") : "";
      if (text.empty()) text = d.value("text", "exception");
      throw std::runtime_error("JavaScript threw: " + text + "\n  evaluating: " + std::string(js));
    }
    return r["result"].value("value", json());
  }

  // Loads `url` and returns once its load event fired. A URL that differs from the current
  // one only in its #fragment is a same-document navigation (hashchange, no load event):
  // then it returns at once. Throws when chromium cannot load it.
  void navigate(const std::string& url) {
    events_.clear();
    const json r = call("Page.navigate", {{"url", url}});
    if (!r.value("errorText", "").empty()) {
      throw std::runtime_error("cannot load " + url + ": " + r["errorText"].get<std::string>());
    }
    if (r.contains("loaderId")) wait_event("Page.loadEventFired", "the load event of " + url);
  }

  // Polls the JavaScript `condition` every 50 ms until it is truthy; throws
  // std::runtime_error after `timeout` (default: the browser's), with the last exception
  // the condition threw, if any, and the page's log.
  void wait_for(std::string_view condition,
                std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    const auto deadline = std::chrono::steady_clock::now() + timeout.value_or(timeout_);
    std::string last_error;
    const std::string js = "!!(" + std::string(condition) + ")";
    for (;;) {
      try {
        if (evaluate(js) == true) return;
        last_error.clear();
      } catch (const std::runtime_error& e) {
        if (broken_) throw;
        last_error = e.what();
      }
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("timed out after " +
                                 std::to_string(timeout.value_or(timeout_).count()) +
                                 " ms waiting for: " + std::string(condition) +
                                 (last_error.empty() ? "" : "\n  last error: " + last_error) +
                                 "\n  page log:\n" + log());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  // Emulates a screen of width x height CSS pixels (`mobile`: a phone's viewport rules).
  void set_viewport(int width, int height, bool mobile = false, double scale = 1.0) {
    call("Emulation.setDeviceMetricsOverride",
         {{"width", width}, {"height", height}, {"deviceScaleFactor", scale}, {"mobile", mobile}});
  }

  // Writes a PNG of the viewport to `path`.
  void screenshot(const std::filesystem::path& path) {
    const json r = call("Page.captureScreenshot", {{"format", "png"}});
    const std::string png = base64_decode(r.at("data").get<std::string>());
    std::ofstream out(path, std::ios::binary);
    out.write(png.data(), static_cast<std::streamsize>(png.size()));
    if (!out) throw std::runtime_error("cannot write " + path.string());
  }

  // Clicks the first element matching the CSS `selector` with the mouse, at the centre of
  // its box (scrolled into view first), as a user would: an element that is hidden or
  // covered by another one does not get the click. Throws when nothing matches or the
  // element has no box.
  void click(std::string_view selector) {
    const json box = evaluate("(() => { const e = document.querySelector(" + js_string(selector) +
                              "); if (!e) return 'missing'; e.scrollIntoView({block: 'center'});"
                              " const r = e.getBoundingClientRect();"
                              " return [r.left + r.width / 2, r.top + r.height / 2, r.width,"
                              " r.height]; })()");
    if (box == "missing")
      throw std::runtime_error("click: nothing matches " + std::string(selector));
    if (box[2].get<double>() <= 0 || box[3].get<double>() <= 0) {
      throw std::runtime_error("click: " + std::string(selector) + " is not displayed");
    }
    const double x = box[0], y = box[1];
    call("Input.dispatchMouseEvent", {{"type", "mouseMoved"}, {"x", x}, {"y", y}});
    for (const char* type : {"mousePressed", "mouseReleased"}) {
      call("Input.dispatchMouseEvent",
           {{"type", type}, {"x", x}, {"y", y}, {"button", "left"}, {"clickCount", 1}});
    }
  }

  // Focuses the first element matching `selector`, selects what it holds and types `text`
  // over it (Input.insertText: input events as from a keyboard; newlines allowed in a
  // textarea). Throws when nothing matches.
  void fill(std::string_view selector, std::string_view text) {
    const json found =
        evaluate("(() => { const e = document.querySelector(" + js_string(selector) +
                 "); if (!e) return false; e.focus(); if (e.select) e.select(); return true; })()");
    if (found != true) throw std::runtime_error("fill: nothing matches " + std::string(selector));
    if (!text.empty()) call("Input.insertText", {{"text", text}});
  }

  // Presses and releases Enter on the focused element (submits the form of an <input>).
  void press_enter() {
    const json key = {{"key", "Enter"},
                      {"code", "Enter"},
                      {"windowsVirtualKeyCode", 13},
                      {"nativeVirtualKeyCode", 13}};
    json down = key;
    down["type"] = "keyDown";
    down["text"] = "\r";
    call("Input.dispatchKeyEvent", down);
    json up = key;
    up["type"] = "keyUp";
    call("Input.dispatchKeyEvent", up);
  }

  // The page's console messages, uncaught exceptions and browser log entries (failed
  // requests among them), one a line, oldest first.
  std::string log() const {
    std::string out;
    for (const std::string& line : log_) out += "    " + line + "\n";
    return out;
  }

  // Where chromium's own output (stdout and stderr) goes.
  std::filesystem::path chromium_log_path() const { return dir_ / "chromium.log"; }

 private:
  static std::filesystem::path make_temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "memnet_chromium_XXXXXX");
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
    return pattern;
  }

  std::string chromium_log_tail() const {
    std::ifstream in(chromium_log_path());
    std::stringstream all;
    all << in.rdbuf();
    const std::string text = all.str();
    return text.size() > 2000 ? "..." + text.substr(text.size() - 2000) : text;
  }

  void start_chromium() {
    const std::string profile = (dir_ / "profile").string();
    std::vector<std::string> args = {chromium_binary(),
                                     "--headless=new",
                                     "--no-sandbox",
                                     "--disable-gpu",
                                     "--disable-dev-shm-usage",
                                     "--disable-crash-reporter",
                                     "--disable-breakpad",
                                     "--disable-extensions",
                                     "--disable-background-networking",
                                     "--disable-component-update",
                                     "--disable-default-apps",
                                     "--disable-sync",
                                     "--hide-scrollbars",
                                     "--mute-audio",
                                     "--no-first-run",
                                     "--no-default-browser-check",
                                     "--remote-debugging-port=0",
                                     "--window-size=1280,900",
                                     "--user-data-dir=" + profile,
                                     "about:blank"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string log_path = chromium_log_path().string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);  // its own group: the destructor stops its children
    const int rc = posix_spawn(&pid_, argv[0], &actions, &attr, argv.data(), environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      pid_ = -1;
      throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(rc));
    }
    // DevToolsActivePort: the port on line 1, the browser target's path on line 2.
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    const auto port_file = std::filesystem::path(profile) / "DevToolsActivePort";
    for (;;) {
      std::ifstream in(port_file);
      std::string port_line, path_line;
      if (std::getline(in, port_line) && std::getline(in, path_line) && !port_line.empty()) {
        port_ = static_cast<std::uint16_t>(std::stoi(port_line));
        return;
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("chromium exited at start; its log:\n" + chromium_log_tail());
      }
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("chromium wrote no DevToolsActivePort within " +
                                 std::to_string(timeout_.count()) + " ms; its log:\n" +
                                 chromium_log_tail());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  void connect_to_page() {
    // The page target opened with about:blank; it may be listed a moment after the port.
    std::string ws_path;
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    while (ws_path.empty()) {
      HttpClient http(port_, "127.0.0.1", timeout_);
      const HttpResult r = http.get("/json/list");
      if (r.status != 200) {
        throw std::runtime_error("chromium's /json/list answered " + std::to_string(r.status));
      }
      for (const json& target : json::parse(r.body)) {
        if (target.value("type", "") != "page") continue;
        const std::string url = target.value("webSocketDebuggerUrl", "");
        const auto at = url.find("/devtools/");
        if (at != std::string::npos) {
          ws_path = url.substr(at);
          break;
        }
      }
      if (ws_path.empty()) {
        if (std::chrono::steady_clock::now() > deadline) {
          throw std::runtime_error("chromium lists no page target: " + r.body);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    const auto endpoint =
        boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port_);
    await("connect to chromium",
          [&](auto done) { boost::beast::get_lowest_layer(ws_).async_connect(endpoint, done); });
    ws_.read_message_max(512u << 20);  // screenshots arrive as one base64 message
    const std::string host = "127.0.0.1:" + std::to_string(port_);
    await("websocket handshake", [&](auto done) { ws_.async_handshake(host, ws_path, done); });
    ws_.text(true);
    connected_ = true;
  }

  void stop_chromium() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(-pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(-pid_, SIGKILL);  // helpers of the group that outlived the browser process
    pid_ = -1;
  }

  void on_event(json event) {
    const std::string method = event.value("method", "");
    const json& params = event["params"];
    if (method == "Runtime.consoleAPICalled") {
      std::string line = "console." + params.value("type", "log") + ":";
      for (const json& arg : params["args"]) {
        line += " " + (arg.contains("value")
                           ? (arg["value"].is_string() ? arg["value"].get<std::string>()
                                                       : arg["value"].dump())
                           : arg.value("description", arg.value("type", "")));
      }
      log_.push_back(line);
    } else if (method == "Runtime.exceptionThrown") {
      const json& d = params["exceptionDetails"];
      log_.push_back("uncaught: " + (d.contains("exception")
                                         ? d["exception"].value("description", d.value("text", ""))
                                         : d.value("text", "")));
    } else if (method == "Log.entryAdded") {
      const json& e = params["entry"];
      log_.push_back("log." + e.value("level", "") + ": " + e.value("text", "") + " " +
                     e.value("url", ""));
    } else {
      if (events_.size() >= 10000) events_.pop_front();
      events_.push_back(std::move(event));
    }
  }

  // Returns the first queued or incoming event named `method`, dropping others before it.
  json wait_event(std::string_view method, const std::string& what) {
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    for (;;) {
      while (!events_.empty()) {
        json e = std::move(events_.front());
        events_.pop_front();
        if (e.value("method", "") == method) return e;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("timed out waiting for " + what);
      }
      json message = read(what);
      if (!message.contains("id")) on_event(std::move(message));
    }
  }

  void write(const std::string& text, std::string_view what) {
    await("send " + std::string(what),
          [&](auto done) { ws_.async_write(boost::asio::buffer(text.data(), text.size()), done); });
  }

  json read(std::string_view what) {
    boost::beast::flat_buffer buffer;
    await("wait for " + std::string(what), [&](auto done) { ws_.async_read(buffer, done); });
    return json::parse(boost::beast::buffers_to_string(buffer.data()));
  }

  // Runs one asynchronous operation started by `start(done)` to completion; throws when it
  // fails or takes longer than the browser's timeout (the socket is then closed).
  template <class Start>
  void await(const std::string& what, Start&& start) {
    if (broken_) throw std::runtime_error(what + ": the connection to chromium was lost earlier");
    boost::beast::error_code result;
    bool finished = false;
    boost::beast::get_lowest_layer(ws_).expires_after(timeout_);
    start([&](boost::beast::error_code ec, auto&&...) {
      result = ec;
      finished = true;
    });
    ioc_.restart();
    ioc_.run();
    if (!finished) result = boost::asio::error::operation_aborted;
    if (result) {
      broken_ = true;
      const bool timed_out = result == boost::beast::error::timeout;
      throw std::runtime_error(
          what + ": " +
          (timed_out ? "no answer from chromium within " + std::to_string(timeout_.count()) + " ms"
                     : result.message()) +
          "\n  page log:\n" + log());
    }
  }

  std::chrono::milliseconds timeout_;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  bool connected_ = false;
  bool broken_ = false;
  std::int64_t last_id_ = 0;
  std::deque<json> events_;
  std::vector<std::string> log_;
};

}  // namespace memnet::test
