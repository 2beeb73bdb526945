// tests/server/serve_process.h
//
// Runs the real `memnet serve` binary for end-to-end tests: starts it on an ephemeral
// loopback port (--port 0), reads the port from its "serving ... on http://HOST:PORT" line
// on stderr, and stops it with a signal (SIGTERM for a graceful stop, SIGKILL for a crash).
// Once the port is read, a thread keeps reading stderr (the access log), so the server never
// blocks on a full pipe.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace memnet::test {

inline std::string memnet_binary() {
  const char* env = std::getenv("MEMNET_BINARY");
  return env ? env : MEMNET_BINARY;
}

class ServeProcess {
 public:
  // Starts `memnet serve --db DB --port 0 EXTRA...` and waits (up to 20 s) for its port.
  explicit ServeProcess(const std::string& db, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {memnet_binary(), "serve", "--db", db, "--port", "0"};
    for (auto& a : extra) args.push_back(std::move(a));
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    stderr_fd_ = fds[0];
    if (rc != 0) throw std::runtime_error("cannot start " + args[0]);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (port_ == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("memnet serve printed no port; stderr: " + log_);
      }
      if (!read_some(100)) {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = -1;
          throw std::runtime_error("memnet serve exited at start; stderr: " + log_);
        }
        continue;
      }
      const auto at = log_.find("http://");
      const auto colon = at == std::string::npos ? at : log_.find(':', at + 7);
      if (colon != std::string::npos && log_.find(' ', colon) != std::string::npos) {
        port_ = static_cast<std::uint16_t>(std::stoi(log_.substr(colon + 1)));
      }
    }
    drain_ = std::thread([this] {
      while (read_some(-1)) {
      }
    });
  }

  ~ServeProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (drain_.joinable()) drain_.join();  // the pipe is at EOF once the process is gone
    if (stderr_fd_ >= 0) close(stderr_fd_);
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }

  // Sends `signal` (0: none, for a process signalled already) and waits for the process;
  // returns its exit status (128 + signal when it died of one). Reads what it printed on the
  // way.
  int stop(int signal = SIGTERM) {
    if (pid_ <= 0) return -1;
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    if (drain_.joinable()) drain_.join();
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  }

  // What it printed so far.
  std::string log() const {
    std::lock_guard lock(mutex_);
    return log_;
  }

 private:
  bool read_some(int timeout_ms) {
    pollfd p{stderr_fd_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return false;
    char buf[4096];
    const ssize_t n = read(stderr_fd_, buf, sizeof buf);
    if (n <= 0) return false;
    std::lock_guard lock(mutex_);
    log_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int stderr_fd_ = -1;
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::string log_;
  std::thread drain_;
};

}  // namespace memnet::test
