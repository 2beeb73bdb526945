// memnet train: flags -> core::TrainJob -> core::run_train.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <thread>

#include "cli/commands.h"
#include "cli/terminal.h"
#include "core/train_job.h"
#include "engine/model_config.h"

namespace memnet::cli {

namespace {

struct TrainFlags {
  core::TrainJob job;
  std::string pe = "paper";
  std::string tying = "adjacent";
  bool no_temporal = false;
  bool quiet = false;
  CLI::Option* dim = nullptr;
  CLI::Option* epochs = nullptr;
  CLI::Option* halve = nullptr;
  CLI::Option* ls_epochs = nullptr;
};

int run(TrainFlags& f) {
  core::TrainJob& job = f.job;
  job.config.encoding = engine::parse_encoding(f.pe);
  job.config.tying = engine::parse_tying(f.tying);
  job.config.temporal = !f.no_temporal;
  if (job.joint) {  // the paper's joint-training settings, unless given explicitly
    if (!f.dim->count()) job.config.dim = 50;
    if (!f.epochs->count()) job.options.epochs = 60;
    if (!f.halve->count()) job.options.lr_halve_every = 15;
    if (!f.ls_epochs->count()) job.options.linear_start_epochs = 30;
  }
  const bool live = stderr_is_terminal() && !f.quiet;
  long done = 0;
  auto progress = [&](const core::TrainJobProgress& p) {
    ++done;
    const auto& e = p.epoch;
    const double total = static_cast<double>(p.models) * e.repeats * e.epochs;
    const double fraction = static_cast<double>(done) / total;
    const double eta = fraction > 0 ? e.seconds * (1 - fraction) / fraction : 0;
    const std::string line =
        fmt::format("{} repeat {}/{} epoch {:>3}/{}{} loss {:.4f} val error {:5.1f}%", p.model,
                    e.repeat + 1, e.repeats, e.epoch, e.epochs, e.linear_start ? " (LS)" : "     ",
                    e.train_loss, 100 * e.validation_error);
    if (live) {
      std::cerr << fmt::format("\r{} {:5.1f}% {} ETA {}  ", bar(fraction, 20), 100 * fraction, line,
                               format_duration(eta))
                << std::flush;
    } else if (!f.quiet && (e.epoch % 10 == 0 || e.epoch == e.epochs)) {
      std::cerr << line << "\n";
    }
  };
  const auto models = core::run_train(job, progress);
  if (live) std::cerr << "\n";
  for (const auto& m : models) {
    std::cout << fmt::format(
        "saved model '{}' to {}: tasks {}, {} questions, vocabulary {}, validation error {:.1f}% "
        "(best of {} repeats: #{}), {}\n",
        m.name, job.model_path, fmt::join(m.tasks, ","), m.train_questions, m.vocab_size,
        100 * m.record.validation_error, m.record.repeats, m.record.best_repeat + 1,
        format_duration(m.record.wall_seconds));
  }
  return kExitOk;
}

}  // namespace

Runner add_train_command(CLI::App& app) {
  auto f = std::make_shared<TrainFlags>();
  auto& job = f->job;
  job.options.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  CLI::App* cmd = app.add_subcommand(
      "train", "Train MemN2N models on bAbI tasks and save them to a SQLite file");
  cmd->add_option("--data", job.data_dir, "Folder with qaN_*_train.txt files (bAbI layout)")
      ->required();
  auto* task = cmd->add_option(
      "--task", job.tasks,
      "Task number(s); one model per task unless --joint (default: every task in --data)");
  cmd->add_flag("--joint", job.joint,
                "Train one model on all the tasks (paper defaults: d=50, 60 epochs, lr halved "
                "every 15, 30 LS epochs)");
  (void)task;
  cmd->add_option("--model", job.model_path,
                  "SQLite file to save the model(s) in (created if missing)")
      ->required();
  cmd->add_option("--name", job.model_name, "Model name in the file (default: task<N>, or joint)");
  cmd->add_option("--hops", job.config.hops, "K, memory hops")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  f->dim = cmd->add_option("--dim", job.config.dim, "d, embedding size (joint default 50)")
               ->capture_default_str()
               ->check(CLI::Range(1, 4096));
  cmd->add_option("--memory", job.config.memory_size, "Most recent sentences a question sees")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--pe", f->pe,
                  "Position encoding: paper, reference (the authors' code) or none (bag of words)")
      ->capture_default_str()
      ->check(CLI::IsMember({"paper", "reference", "none", "bow"}));
  cmd->add_flag("--no-temporal", f->no_temporal, "Disable temporal encoding");
  cmd->add_flag("!--no-empty-slots", job.pad_memory,
                "Attention over the real memories only (default: the memory is padded with empty "
                "slots up to the longest training story, which stay in the softmax, as in the "
                "authors' code)");
  cmd->add_option("--tying", f->tying, "Weight tying: adjacent or layerwise")
      ->capture_default_str()
      ->check(CLI::IsMember({"adjacent", "layerwise"}));
  f->epochs = cmd->add_option("--epochs", job.options.epochs,
                              "Epochs after linear start (joint default 60)")
                  ->capture_default_str();
  f->ls_epochs = cmd->add_option("--ls-epochs", job.options.linear_start_epochs,
                                 "Linear start epochs, 0 to disable (joint default 30)")
                     ->capture_default_str();
  cmd->add_option("--lr", job.options.learning_rate, "Learning rate")->capture_default_str();
  cmd->add_option("--ls-lr", job.options.linear_start_learning_rate,
                  "Learning rate during linear start")
      ->capture_default_str();
  f->halve = cmd->add_option("--lr-halve-every", job.options.lr_halve_every,
                             "Halve the learning rate every N epochs (joint default 15)")
                 ->capture_default_str();
  cmd->add_option("--batch", job.options.batch_size, "Batch size (loss summed over the batch)")
      ->capture_default_str();
  cmd->add_option("--max-grad-norm", job.options.max_grad_norm,
                  "Clip each gradient matrix to this norm")
      ->capture_default_str();
  cmd->add_option("--random-noise", job.options.random_noise,
                  "Share of empty memories inserted while training (RN), 0 to disable")
      ->capture_default_str();
  cmd->add_option("--validation", job.options.validation_share,
                  "Share of each task held out for validation")
      ->capture_default_str();
  cmd->add_option("--seed", job.options.seed, "Random seed")->capture_default_str();
  cmd->add_option("--repeats", job.options.repeats,
                  "Train this many seeds, keep the best on validation")
      ->capture_default_str();
  cmd->add_option("--threads", job.options.threads, "Threads (over tasks, repeats or the batch)")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->add_flag("--quiet", f->quiet, "No progress output");
  return [f] { return run(*f); };
}

}  // namespace memnet::cli
