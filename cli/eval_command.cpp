// memnet eval: flags -> core::EvalJob -> core::run_eval, printed as a table or JSON, and
// with --html also written as a self-contained HTML report (core/eval_report_html.h).
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <thread>

#include "cli/commands.h"
#include "core/dialog_job.h"
#include "core/eval_job.h"
#include "core/eval_report_html.h"
#include "core/report_json.h"

namespace memnet::cli {

namespace {

struct EvalFlags {
  core::EvalJob job;
  bool dialog = false;
  bool dev = false;
  bool json = false;
  std::string html_path;
  int html_examples = 3;
};

int run_dialog(const EvalFlags& f) {
  core::DialogEvalJob job;
  job.model_path = f.job.model_path;
  job.data_dir = f.job.data_dir;
  job.models = f.job.model_names;
  job.dev = f.dev;
  job.threads = f.job.threads;
  job.predictions_path = f.job.predictions_path;
  const std::vector<core::DialogEvaluation> evals = core::run_dialog_eval(job);
  if (f.json) {
    std::cout << core::to_json(evals) << "\n";
    return kExitOk;
  }
  std::cout << fmt::format("{:>4}  {:<12} {:<5} {:<8} {:>6} {:>13} {:>7} {:>11}\n", "task", "model",
                           "match", "split", "turns", "per-response", "dialogs", "per-dialog");
  for (const auto& e : evals) {
    for (const auto& s : e.splits) {
      std::cout << fmt::format("{:>4}  {:<12} {:<5} {:<8} {:>6} {:>12.2f}% {:>7} {:>10.2f}%\n",
                               e.task, e.model, e.match_type ? "yes" : "no", s.split, s.turns,
                               100 * s.per_response(), s.dialogs, 100 * s.per_dialog());
    }
  }
  if (const auto a = core::average_tasks_1_to_5(evals)) {
    std::cout << fmt::format(
        "mean per-response accuracy over tasks 1-5: {:.2f}% (tst), {:.2f}% (tst-OOV)\n",
        100 * a->tst, 100 * a->tst_oov);
  }
  return kExitOk;
}

int run(EvalFlags& f) {
  if (f.dialog || core::is_dialog_babi_dir(f.job.data_dir)) {
    if (!f.html_path.empty() || !f.job.tasks.empty())
      throw std::invalid_argument("--html and --task are for bAbI QA models");
    return run_dialog(f);
  }
  if (!f.html_path.empty()) f.job.failed_examples = f.html_examples;
  const core::EvalReport report = core::run_eval(f.job);
  if (!f.html_path.empty())
    core::write_eval_report_html(f.html_path, report, {f.job.model_path, f.job.data_dir, ""});
  if (f.json) {
    std::cout << core::to_json(report) << "\n";
    return kExitOk;
  }
  std::cout << fmt::format("{:>4}  {:<10} {:>9} {:>11} {:>12}  {}\n", "task", "model", "questions",
                           "test error", "support hit", "");
  for (const auto& t : report.tasks) {
    std::cout << fmt::format(
        "{:>4}  {:<10} {:>9} {:>10.1f}% {:>11.1f}%  {}{}\n", t.task, t.model, t.questions,
        100 * t.error, 100 * t.support_hit, t.failed ? "FAILED" : "",
        t.unknown_words ? fmt::format(" ({} unknown words ignored)", t.unknown_words) : "");
  }
  std::cout << fmt::format("mean test error {:.1f}% over {} tasks; failed tasks (error > 5%): {}\n",
                           100 * report.mean_error, report.tasks.size(), report.failed);
  if (!f.html_path.empty()) std::cout << "HTML report: " << f.html_path << "\n";
  return kExitOk;
}

}  // namespace

Runner add_eval_command(CLI::App& app) {
  auto f = std::make_shared<EvalFlags>();
  f->job.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  CLI::App* cmd = app.add_subcommand(
      "eval", "Test error per bAbI task (or dialog accuracy) of the models in a file");
  cmd->add_option("--model", f->job.model_path, "SQLite file written by 'memnet train'")
      ->required();
  cmd->add_option("--data", f->job.data_dir, "Folder with qaN_*_test.txt files")->required();
  cmd->add_option("--name", f->job.model_names, "Model(s) to evaluate (default: all in the file)");
  cmd->add_option("--predictions", f->job.predictions_path,
                  "Also write one JSON line per test question (dialog: per turn): answer, "
                  "prediction, attention");
  cmd->add_option("--task", f->job.tasks,
                  "Only these tasks (default: every task the models were trained on)");
  cmd->add_flag("--json", f->json,
                "Print JSON: "
                "{\"tasks\":[{\"task\",\"error\",\"support_hit\",...}],\"mean_error\",\"failed\"}");
  CLI::Option* html =
      cmd->add_option("--html", f->html_path,
                      "Also write a self-contained HTML report (opens offline): error bars beside "
                      "the paper's, support hits, failed questions with attention heat maps");
  cmd->add_option("--html-examples", f->html_examples,
                  "Failed questions per task shown in the --html report")
      ->capture_default_str()
      ->check(CLI::Range(0, 100))
      ->needs(html);
  cmd->add_flag("--dialog", f->dialog,
                "Dialog models (also chosen when --data holds dialog-babi-task*-trn.txt "
                "files): per-response and per-dialog accuracy on tst and tst-OOV");
  cmd->add_flag("--dev", f->dev, "Dialog: also score the dev files");
  cmd->add_option("--threads", f->job.threads, "Threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  return [f] { return run(*f); };
}

}  // namespace memnet::cli
