// tests/test_data.h
//
// Where the tests find the real bAbI files (../shared beside the project root, or
// $MEMNET_BABI_DIR) and the dialog bAbI files ($MEMNET_DIALOG_DIR). Tests that need them are
// skipped, with the reason printed, when absent.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

namespace memnet::testing {

// Tests that cannot run here are reported as skipped, never as passed:
//   TEST_CASE("name" * doctest::skip(memnet::testing::skip_if(!babi_available(), "name",
//                                                               "no bAbI data at " + dir)))
// doctest counts the test under "skipped"; tests/main.cpp prints each reason after the run.
// Conditions are evaluated when the test is registered, before main.
inline std::vector<std::string>& skip_reasons() {
  static std::vector<std::string> reasons;
  return reasons;
}

inline bool skip_if(bool skip, const std::string& test, const std::string& why) {
  if (skip) skip_reasons().push_back(test + ": " + why);
  return skip;
}

inline std::string babi_dir() {
  if (const char* env = std::getenv("MEMNET_BABI_DIR")) return env;
  return std::string(MEMNET_SOURCE_DIR) + "/../shared/datasets/babi/tasks_1-20_v1-2";
}

inline bool babi_available() {
  return std::filesystem::exists(babi_dir() + "/en/qa1_single-supporting-fact_train.txt");
}

inline std::string babi_missing_reason() {
  return "real bAbI data not found at " + babi_dir() + " (set MEMNET_BABI_DIR)";
}

// The dialog bAbI tasks (Bordes et al. 2017): dialog-babi-task*-*.txt and their candidates.
inline std::string dialog_babi_dir() {
  if (const char* env = std::getenv("MEMNET_DIALOG_DIR")) return env;
  return std::string(MEMNET_SOURCE_DIR) + "/../shared/datasets/dialog-babi";
}

inline bool dialog_babi_available() {
  return std::filesystem::exists(dialog_babi_dir() + "/dialog-babi-candidates.txt");
}

// The folders temp_dir made, removed when the test process exits normally (set
// MEMNET_KEEP_TEST_DIRS to keep them for a look after a failure). Thread-safe.
class TempDirs {
 public:
  void add(std::filesystem::path p) {
    std::lock_guard lock(mutex_);
    dirs_.push_back(std::move(p));
  }
  ~TempDirs() {
    if (std::getenv("MEMNET_KEEP_TEST_DIRS")) return;
    std::error_code ignored;  // best effort: a folder that cannot be removed stays
    for (const auto& p : dirs_) std::filesystem::remove_all(p, ignored);
  }

 private:
  std::mutex mutex_;
  std::vector<std::filesystem::path> dirs_;
};

// A fresh, empty folder under the system temp dir, removed at exit (TempDirs).
inline std::filesystem::path temp_dir(const std::string& tag) {
  static std::atomic<int> counter{0};
  static TempDirs made;
  auto base =
      std::filesystem::temp_directory_path() /
      ("memnet_test_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  std::filesystem::remove_all(base);
  std::filesystem::create_directories(base);
  made.add(base);
  return base;
}

}  // namespace memnet::testing
