// server/access_log.h
//
// The access log's writer: lines are gathered in memory and written to a file descriptor
// (standard error for `memnet serve`) in one write(2) per batch, as nginx's
// `access_log ... buffer= flush=` does. One write per request cost a tenth of the server's
// throughput on small answers (docs/benchmarks.md, "HTTP after schema 7").
//
// A line reaches the descriptor within `flush_every` of being written, at once when the
// buffer holds `flush_bytes`, and at the latest when the log is destroyed or flush() is
// called. Lines are never split or mixed: each is written whole, in the order of write()
// calls. A process killed outright (SIGKILL) loses at most the last `flush_every`.
//
// Threading: write() and flush() are safe from many threads. One background thread flushes
// on the interval; it is joined by the destructor, which flushes what is left.
// Errors: a failed write(2) (a closed descriptor, a full disk) drops that batch; the log
// never throws into a request.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace memnet::server {

class BufferedLog {
 public:
  // Writes to `fd`, which must stay open for the log's lifetime (the log does not close it).
  explicit BufferedLog(int fd, std::chrono::milliseconds flush_every = kFlushEvery,
                       std::size_t flush_bytes = kFlushBytes);
  ~BufferedLog();
  BufferedLog(const BufferedLog&) = delete;
  BufferedLog& operator=(const BufferedLog&) = delete;

  void write(std::string_view line);  // `line` with its '\n'
  void flush();

  static constexpr std::chrono::milliseconds kFlushEvery{100};
  static constexpr std::size_t kFlushBytes = 64 * 1024;

 private:
  void run();

  const int fd_;
  const std::chrono::milliseconds flush_every_;
  const std::size_t flush_bytes_;
  std::mutex write_mutex_;  // held while a batch is written, taken before mutex_
  std::mutex mutex_;        // guards pending_ and stop_
  std::condition_variable wake_;
  std::string pending_;
  bool stop_ = false;
  std::thread flusher_;
};

}  // namespace memnet::server
