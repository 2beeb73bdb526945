// server/http_message.cpp
#include "server/http_message.h"

#include <nlohmann/json.hpp>

namespace memnet::server {

Response error_response(int status, const std::string& code, const std::string& message,
                        const std::string& field, const std::string& request_id) {
  nlohmann::ordered_json error = {{"code", code}, {"message", message}};
  if (!field.empty()) error["field"] = field;
  if (!request_id.empty()) error["request_id"] = request_id;
  Response r;
  r.status = status;
  r.body = nlohmann::ordered_json{{"error", error}}.dump(-1, ' ', false,
                                                         nlohmann::json::error_handler_t::replace);
  return r;
}

}  // namespace memnet::server
