// datasets/parse_error.h
//
// The one error the dataset parsers throw for bad input. what() reads
//   data/qa1_train.txt:17: expected a tab-separated answer after the question, found none
// so a CLI can print it as is and an editor can jump to the line.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace memnet::datasets {

class ParseError : public std::runtime_error {
 public:
  // `line` is 1-based. `reason` is the message without the "path:line: " prefix.
  ParseError(std::string path, int line, std::string reason)
      : std::runtime_error(path + ":" + std::to_string(line) + ": " + reason),
        path_(std::move(path)),
        line_(line),
        reason_(std::move(reason)) {}

  const std::string& path() const noexcept { return path_; }
  int line() const noexcept { return line_; }
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::string path_;
  int line_;
  std::string reason_;
};

}  // namespace memnet::datasets
