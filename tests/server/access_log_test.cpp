// server/access_log.h: every line arrives whole and in order, from many threads, on the
// interval, when the buffer fills, and when the log goes away.
#include "server/access_log.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using memnet::server::BufferedLog;
using namespace std::chrono_literals;

struct Pipe {
  int read_end = -1, write_end = -1;
  Pipe() {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    read_end = fds[0];
    write_end = fds[1];
    ::fcntl(read_end, F_SETFL, O_NONBLOCK);
    ::fcntl(write_end, F_SETPIPE_SZ, 1 << 20);  // room for the whole test's lines
  }
  ~Pipe() {
    ::close(read_end);
    if (write_end >= 0) ::close(write_end);
  }
  // What is in the pipe now, waiting up to `wait` for something to arrive.
  std::string drain(std::chrono::milliseconds wait) {
    pollfd p{read_end, POLLIN, 0};
    std::string out;
    if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return out;
    char buffer[65536];
    for (ssize_t n; (n = ::read(read_end, buffer, sizeof buffer)) > 0;)
      out.append(buffer, static_cast<std::size_t>(n));
    return out;
  }
};

}  // namespace

TEST_CASE("access log: lines wait for the interval, then arrive whole") {
  Pipe pipe;
  BufferedLog log(pipe.write_end, 50ms);
  log.write("one\n");
  log.write("two\n");
  std::string got;
  for (int i = 0; i < 100 && got.size() < 8; ++i) got += pipe.drain(100ms);  // up to 10 s
  CHECK(got == "one\ntwo\n");
}

TEST_CASE("access log: a full buffer is written at once, and the rest when the log goes away") {
  Pipe pipe;
  {
    BufferedLog log(pipe.write_end, std::chrono::hours(1), 16);  // the interval never comes
    log.write("0123456789\n");
    CHECK(pipe.drain(0ms).empty());  // 11 bytes < 16: kept
    log.write("abcdef\n");           // 18 >= 16: written by this call
    CHECK(pipe.drain(0ms) == "0123456789\nabcdef\n");
    log.write("last\n");
  }
  CHECK(pipe.drain(0ms) == "last\n");
}

TEST_CASE("access log: lines from many threads are never split, each thread's in order") {
  Pipe pipe;
  constexpr int kThreads = 4, kLines = 2000;
  {
    BufferedLog log(pipe.write_end, 1ms, 512);  // many small batches, on both paths
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&log, t] {
        for (int i = 0; i < kLines; ++i)
          log.write("thread " + std::to_string(t) + " line " + std::to_string(i) + "\n");
      });
    }
    for (auto& th : threads) th.join();
  }
  std::istringstream lines(pipe.drain(0ms));
  std::map<int, int> next;  // thread -> the line it must write next
  int count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    int t = -1, i = -1;
    REQUIRE_MESSAGE(std::sscanf(line.c_str(), "thread %d line %d", &t, &i) == 2, line);
    CHECK(i == next[t]);
    next[t] = i + 1;
  }
  CHECK(count == kThreads * kLines);
}

TEST_CASE("access log: a descriptor that cannot be written drops lines without failing") {
  BufferedLog log(-1, 1ms, 8);  // write(2) fails with EBADF
  for (int i = 0; i < 10; ++i) CHECK_NOTHROW(log.write("lost line\n"));
  CHECK_NOTHROW(log.flush());
}
