// server/http_message.h
//
// The plain request and response that pass between the Beast transport (http_server.h) and
// the routes (routes.h). Routes never see a socket, so they are unit-tested without one.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace memnet::server {

struct Request {
  std::string method;        // "GET", "POST", ... as sent
  std::string target;        // path and query, e.g. "/v1/stories/3?x=1"
  std::string content_type;  // the Content-Type header, "" when absent
  std::string body;
  std::string authorization;  // the Authorization header, "" when absent
  std::string request_id;     // the X-Request-Id header, "" when absent
};

struct Response {
  int status = 200;
  std::string body;  // JSON unless content_type says otherwise
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, e.g. Allow
};

// The error body every failure uses:
//   {"error": {"code": CODE, "message": MESSAGE, "field": FIELD, "request_id": ID}}
// `field` and `request_id` are left out when empty. MESSAGE may hold any bytes; invalid
// UTF-8 is replaced.
Response error_response(int status, const std::string& code, const std::string& message,
                        const std::string& field = "", const std::string& request_id = "");

}  // namespace memnet::server
