// core/report_json.h
//
// JSON forms of the evaluation reports (`eval --json`, and the HTML report built on them).
// Answers have one encoder, server/json_codec.h's ask_fields: `memnet ask --json` prints
// exactly the body the HTTP API returns for the same question.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/eval_job.h"

namespace memnet::core {

// {"tasks":[{"task":N,"model":"task1","questions":Q,"error":E,"support_hit":S,"failed":B,
//   "unknown_words":U},...],"mean_error":M,"failed":F}   errors as fractions
std::string to_json(const EvalReport& report);
// One task of it: {"task","model","questions","error","support_hit","failed","unknown_words"}
// (the HTML report adds its own fields to it).
nlohmann::ordered_json task_json(const TaskResult& task);

}  // namespace memnet::core
