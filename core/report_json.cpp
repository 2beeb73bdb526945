#include "core/report_json.h"

#include <nlohmann/json.hpp>

namespace memnet::core {

using json = nlohmann::ordered_json;  // keys in the documented order

json task_json(const TaskResult& t) {
  return {{"task", t.task},
          {"model", t.model},
          {"questions", t.questions},
          {"error", t.error},
          {"support_hit", t.support_hit},
          {"failed", t.failed},
          {"unknown_words", t.unknown_words}};
}

std::string to_json(const EvalReport& report) {
  json tasks = json::array();
  for (const auto& t : report.tasks) tasks.push_back(task_json(t));
  json j = {{"tasks", tasks}, {"mean_error", report.mean_error}, {"failed", report.failed}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace memnet::core
