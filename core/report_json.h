// core/report_json.h
//
// JSON forms of the CLI's reports (`eval --json`, `ask --json`); the HTTP server reuses them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/ask.h"
#include "core/eval_job.h"

namespace memnet::core {

// {"tasks":[{"task":N,"model":"task1","questions":Q,"error":E,"support_hit":S,"failed":B,
//   "unknown_words":U},...],"mean_error":M,"failed":F}   errors as fractions
std::string to_json(const EvalReport& report);
// One task of it: {"task","model","questions","error","support_hit","failed","unknown_words"}
// (the HTML report adds its own fields to it).
nlohmann::ordered_json task_json(const TaskResult& task);

// {"answer":"kitchen","probability":0.97,"alternatives":[{"answer","probability"}...],
//  "hops":[[{"sentence":0,"text":"...","weight":0.1},...],...],"empty_weight":[0.2,...],
//  "unknown_words":[...],
//  "sentences":N,"memory_first":F}
std::string to_json(const AskResult& result);

}  // namespace memnet::core
