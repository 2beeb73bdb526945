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

std::string to_json(const AskResult& r) {
  json alternatives = json::array();
  for (const auto& a : r.alternatives)
    alternatives.push_back({{"answer", a.answer}, {"probability", a.probability}});
  json hops = json::array();
  for (const auto& hop : r.hops) {
    json h = json::array();
    for (const auto& a : hop)
      h.push_back({{"sentence", a.sentence}, {"text", a.text}, {"weight", a.weight}});
    hops.push_back(h);
  }
  json j = {{"answer", r.answer},
            {"probability", r.probability},
            {"alternatives", alternatives},
            {"hops", hops},
            {"empty_weight", r.empty_weight},
            {"unknown_words", r.unknown_words},
            {"sentences", r.sentences},
            {"memory_first", r.memory_first}};
  // Invalid UTF-8 in a user's story must not abort the dump.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace memnet::core
