// tests/run_memnet.h
//
// Runs the real `memnet` binary (MEMNET_BINARY) with a shell-quoted argument string and
// returns its exit status and output, for tests of the command line.
#pragma once

#include <doctest/doctest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace memnet::testing {

struct Run {
  int status = -1;
  std::string out;  // stdout, and stderr too unless split_stderr
};

inline Run run_memnet(const std::string& args, bool split_stderr = false) {
  const char* env = std::getenv("MEMNET_BINARY");
  const std::string bin = env ? env : MEMNET_BINARY;
  Run r;
  FILE* pipe = popen((bin + " " + args + (split_stderr ? " 2>/dev/null" : " 2>&1")).c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int st = pclose(pipe);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

}  // namespace memnet::testing
