#include "server/access_log.h"

#include <unistd.h>

#include <cerrno>

namespace memnet::server {

BufferedLog::BufferedLog(int fd, std::chrono::milliseconds flush_every, std::size_t flush_bytes)
    : fd_(fd), flush_every_(flush_every), flush_bytes_(flush_bytes) {
  pending_.reserve(flush_bytes_);
  flusher_ = std::thread([this] { run(); });
}

BufferedLog::~BufferedLog() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  flusher_.join();
  flush();
}

void BufferedLog::write(std::string_view line) {
  bool full = false;
  {
    std::lock_guard lock(mutex_);
    pending_.append(line);
    full = pending_.size() >= flush_bytes_;
  }
  if (full) flush();
}

void BufferedLog::flush() {
  std::lock_guard writing(write_mutex_);  // batches leave in the order they were taken
  std::string batch;
  {
    std::lock_guard lock(mutex_);
    if (pending_.empty()) return;
    batch.swap(pending_);
    pending_.reserve(flush_bytes_);
  }
  const char* p = batch.data();
  std::size_t left = batch.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to write: drop the batch
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void BufferedLog::run() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    wake_.wait_for(lock, flush_every_, [this] { return stop_; });
    lock.unlock();
    flush();
    lock.lock();
  }
}

}  // namespace memnet::server
