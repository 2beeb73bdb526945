// core/eval_report_html.h
//
// `memnet eval --html`: an EvalReport as one self-contained HTML file that opens offline.
// It holds the per-task test error as a d3 bar chart beside the paper's joint column, the
// support-hit rate, and for each task the failed questions kept by EvalJob::failed_examples
// with their attention heat maps (server/web/heatmap.js).
//
// Nothing is loaded from the network: d3.min.js (Debian's libjs-d3), heatmap.js, report.js
// and report.css are the embedded assets of server/web_assets.h, inlined into the page, and
// the report's data is a JSON block in <script type="application/json" id="report-data">
// (every "<" written as \u003c, so no story text can end the script).
#pragma once

#include <optional>
#include <string>

#include "core/eval_job.h"

namespace memnet::core {

// The published reference the report draws beside memnet's bars: Sukhbaatar, Szlam, Weston,
// Fergus, "End-To-End Memory Networks", NIPS 2015, Table 1, 1k training examples, column
// "PE LS RN joint" (one model over the 20 tasks); also docs/benchmarks.md, column "paper,
// joint". Test error in percent, task t at index t - 1. A published figure, not a result of
// memnet.
// clang-format off
inline constexpr double kPaperJoint1kErrorPercent[20] = {
    0.0, 11.4, 21.9, 13.4, 14.4, 2.8, 18.3, 9.3, 1.9, 6.5,  // tasks 1-10
    0.3,  0.1,  0.2,  6.9,  0.0, 2.7, 40.4, 9.4, 88.0, 0.0};  // tasks 11-20
// clang-format on
inline constexpr double kPaperJoint1kMeanPercent = 12.4;  // as published (20 tasks)
inline constexpr int kPaperJoint1kFailed = 11;            // tasks above 5%, as published

// The paper's joint 1k error of `task` as a fraction, or nullopt outside 1..20.
std::optional<double> paper_joint_error(int task);

struct EvalReportContext {
  std::string model_path;  // shown in the title (its file name) and the header
  std::string data_dir;
  std::string date;  // as shown; empty = now, "YYYY-MM-DD HH:MM UTC"
};

// The whole HTML document, UTF-8 (invalid UTF-8 in a story is replaced, never an error).
// Throws std::logic_error if an embedded asset is missing (a build error). Pure: safe from
// any thread.
std::string eval_report_html(const EvalReport& report, const EvalReportContext& context);

// Writes eval_report_html(report, context) to `path` (created or replaced). Throws
// std::runtime_error "cannot write PATH: REASON".
void write_eval_report_html(const std::string& path, const EvalReport& report,
                            const EvalReportContext& context);

// The JSON held in the page's report-data block (before the "<" escaping):
//   {"model_file","model_path","data_dir","date","version","mean_error","failed",
//    "paper":{"source","mean_error","failed"},
//    "tasks":[{"task","model","questions","error","support_hit","failed","unknown_words",
//              "wrong","paper_error" (fraction or null),
//              "examples":[{"story","question_line","question","answer","predicted",
//                           "probability","answer_probability","memory_first",
//                           "facts":[{"index","text","gold","in_window"}],
//                           "attention":[[p per in-window fact, oldest first] per hop],
//                           "empty_weight":[per hop]}]}]}
// Errors and probabilities as fractions.
std::string eval_report_data_json(const EvalReport& report, const EvalReportContext& context);

}  // namespace memnet::core
