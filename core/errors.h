// core/errors.h
//
// The caller mistakes core/ reports, so the boundaries can answer each one properly: the CLI
// with exit code 1, the server with a status (NotFound 404, InvalidInput 422). Everything
// else that fails (storage::StorageError, std::bad_alloc) is the server's own problem.
#pragma once

#include <stdexcept>
#include <string>

namespace memnet::core {

// A story, fact or model that does not exist. `field` names the request field that named it
// ("model"), or is empty when the path did (a story id).
class NotFound : public std::runtime_error {
 public:
  NotFound(const std::string& message, std::string field = "")
      : std::runtime_error(message), field_(std::move(field)) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

// A request field with a value core/ cannot use: `field` names it as a JSON path
// ("facts[2]", "question").
class InvalidInput : public std::invalid_argument {
 public:
  InvalidInput(std::string field, const std::string& message)
      : std::invalid_argument(message), field_(std::move(field)) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

}  // namespace memnet::core
