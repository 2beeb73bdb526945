// memnet train: flags -> core::TrainJob -> core::run_train.
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include "cli/commands.h"
#include "cli/terminal.h"
#include "core/dialog_job.h"
#include "core/train_job.h"
#include "engine/model_config.h"

namespace memnet::cli {

namespace {

struct TrainFlags {
  core::TrainJob job;  // fields the recipe never sets (data, model, memory, lr, seed, ...)
  std::string recipe = "best";
  std::optional<std::string> pe, attention, permute_entities;
  std::optional<int> permuted_copies;
  std::optional<int> dim, epochs, halve, ls_epochs, relu_units, self_attention, heads, ensemble;
  std::optional<float> lr;
  // used only when given (*_flag->count())
  bool gated = false, share_repeats = false, best_epoch = false, mixed_gates = false;
  CLI::Option* gated_flag = nullptr;
  CLI::Option* mixed_gates_flag = nullptr;
  CLI::Option* share_repeats_flag = nullptr;
  CLI::Option* best_epoch_flag = nullptr;
  std::optional<std::string> tying;
  bool tied_self_attention = false;
  bool no_temporal = false;
  bool quiet = false;
  std::optional<int> hops, memory;
  CLI::Option* random_noise_flag = nullptr;
  CLI::Option* ls_lr_flag = nullptr;
  // dialog bAbI (core/dialog_job.h)
  bool dialog = false;
  bool match_type = true, match_names = false;
  CLI::Option* match_type_flag = nullptr;
  CLI::Option* match_names_flag = nullptr;
};

// The recipe's job, with every flag the user gave on top.
core::TrainJob make_job(const TrainFlags& f) {
  core::TrainJob job = core::recipe_job(core::parse_recipe(f.recipe), f.job.joint);
  const core::TrainJob& given = f.job;
  job.data_dir = given.data_dir;
  job.tasks = given.tasks;
  job.model_path = given.model_path;
  job.model_name = given.model_name;
  job.pad_memory = given.pad_memory;
  job.repeats_path = given.repeats_path;
  job.valid_files = given.valid_files;
  engine::ModelConfig& c = job.config;
  if (f.hops) c.hops = *f.hops;
  if (f.memory) c.memory_size = *f.memory;
  if (f.tying) c.tying = engine::parse_tying(*f.tying);
  c.temporal = !f.no_temporal;
  c.tied_self_attention = f.tied_self_attention;
  if (f.dim || f.relu_units) job.large_model.reset();  // the user chose the size
  if (f.dim) c.dim = *f.dim;
  if (f.attention) c.attention = engine::parse_attention(*f.attention);
  if (f.gated_flag->count()) c.gated = f.gated;
  if (f.mixed_gates_flag->count()) {
    job.mixed_gates = f.mixed_gates;
  } else if (!c.gated) {
    job.mixed_gates = false;  // --no-gated alone: no gated members to mix
  }
  if (f.relu_units) c.relu_units = *f.relu_units;
  if (f.self_attention) c.self_attention_layers = *f.self_attention;
  if (f.heads) c.heads = *f.heads;
  engine::TrainOptions& o = job.options;
  const engine::TrainOptions& g = given.options;
  if (f.lr) o.learning_rate = *f.lr;
  if (job.large_model) {  // a schedule flag the user gave holds for the larger model too
    if (f.lr) job.large_model->learning_rate.reset();
    if (f.epochs) job.large_model->epochs.reset();
    if (f.halve) job.large_model->lr_halve_every.reset();
  }
  o.linear_start_learning_rate = g.linear_start_learning_rate;
  o.batch_size = g.batch_size;
  o.max_grad_norm = g.max_grad_norm;
  o.weight_decay = g.weight_decay;
  o.random_noise = g.random_noise;
  o.validation_share = g.validation_share;
  o.seed = g.seed;
  o.repeats = g.repeats;
  o.threads = g.threads;
  if (f.share_repeats_flag->count()) o.share_repeats = f.share_repeats;
  if (f.best_epoch_flag->count()) o.best_epoch = f.best_epoch;
  if (f.epochs) o.epochs = *f.epochs;
  if (f.halve) o.lr_halve_every = *f.halve;
  if (f.ls_epochs) o.linear_start_epochs = *f.ls_epochs;
  // the recipe's ensemble needs as many repeats; an explicit --ensemble is checked instead
  o.ensemble = f.ensemble ? *f.ensemble : std::min(o.ensemble, o.repeats);
  if (f.pe) {
    job.pe_auto = *f.pe == "auto";
    if (!job.pe_auto) c.encoding = engine::parse_encoding(*f.pe);
    if (job.pe_auto && !f.mixed_gates_flag->count()) job.mixed_gates = false;
  }
  if (f.permute_entities) {
    job.permute_entities = core::parse_permute_entities(*f.permute_entities);
    if (job.large_model) job.large_model->permute_entities.reset();  // for every model
    if (o.permuted_copies == 0) o.permuted_copies = 1;               // --recipe paper has none
  }
  if (f.permuted_copies) {
    if (job.permute_entities == core::TrainJob::PermuteEntities::kOff)
      throw std::invalid_argument(
          "--permuted-copies needs entity permutation: add --permute-entities on or auto");
    o.permuted_copies = *f.permuted_copies;
  }
  return job;
}

// One progress line per epoch of any training job (bAbI or dialog): a live bar with an ETA
// on a terminal, every tenth epoch otherwise, nothing with --quiet.
struct EpochReporter {
  bool live = false, quiet = false;
  const char* split = "val";  // what the validation error is measured on
  long done = 0;
  template <typename Progress>
  void operator()(const Progress& p) {
    ++done;
    const auto& e = p.epoch;
    const double total = static_cast<double>(p.models) * e.repeats * e.epochs;
    const double fraction = static_cast<double>(done) / total;
    const double eta = fraction > 0 ? e.seconds * (1 - fraction) / fraction : 0;
    const std::string line =
        fmt::format("{} repeat {}/{} epoch {:>3}/{}{} loss {:.4f} {} error {:5.1f}%", p.model,
                    e.repeat + 1, e.repeats, e.epoch, e.epochs, e.linear_start ? " (LS)" : "     ",
                    e.train_loss, split, 100 * e.validation_error);
    if (live) {
      std::cerr << fmt::format("\r{} {:5.1f}% {} ETA {}  ", bar(fraction, 20), 100 * fraction, line,
                               format_duration(eta))
                << std::flush;
    } else if (!quiet && (e.epoch % 10 == 0 || e.epoch == e.epochs)) {
      std::cerr << line << "\n";
    }
  }
};

// The dialog recipe's job, with every flag the user gave on top.
core::DialogTrainJob make_dialog_job(const TrainFlags& f) {
  core::DialogTrainJob job = core::dialog_recipe_job(core::parse_recipe(f.recipe));
  const core::TrainJob& given = f.job;
  if (given.joint) throw std::invalid_argument("--joint does not apply to dialog tasks");
  job.data_dir = given.data_dir;
  job.tasks = given.tasks;
  job.model_path = given.model_path;
  job.model_name = given.model_name;
  if (f.match_type_flag->count()) job.match_type = f.match_type;
  if (f.match_names_flag->count()) job.match_names = f.match_names;
  engine::ModelConfig& c = job.config;
  if (f.hops) c.hops = *f.hops;
  if (f.memory) c.memory_size = *f.memory;
  if (f.dim) c.dim = *f.dim;
  if (f.tying) {
    c.tying = engine::parse_tying(*f.tying);
    job.task6_tying.reset();  // the user chose it for every task
  }
  c.temporal = !f.no_temporal;
  c.tied_self_attention = f.tied_self_attention;
  if (f.attention) c.attention = engine::parse_attention(*f.attention);
  if (f.gated_flag->count()) c.gated = f.gated;
  if (f.mixed_gates_flag->count() && f.mixed_gates)
    throw std::invalid_argument("--mixed-gates does not apply to dialog tasks");
  if ((f.permute_entities && *f.permute_entities != "off") || f.permuted_copies)
    throw std::invalid_argument("--permute-entities does not apply to dialog tasks");
  if (f.relu_units) c.relu_units = *f.relu_units;
  if (f.self_attention) c.self_attention_layers = *f.self_attention;
  if (f.heads) c.heads = *f.heads;
  if (f.pe) {
    if (*f.pe == "auto") throw std::invalid_argument("--pe auto does not apply to dialog tasks");
    c.encoding = engine::parse_encoding(*f.pe);
  }
  engine::TrainOptions& o = job.options;
  const engine::TrainOptions& g = given.options;
  if (f.lr) o.learning_rate = *f.lr;
  if (f.epochs) o.epochs = *f.epochs;
  if (f.halve) o.lr_halve_every = *f.halve;
  if (f.ls_epochs) o.linear_start_epochs = *f.ls_epochs;
  if (f.ls_lr_flag->count()) o.linear_start_learning_rate = g.linear_start_learning_rate;
  if (f.random_noise_flag->count()) o.random_noise = g.random_noise;
  o.batch_size = g.batch_size;
  o.max_grad_norm = g.max_grad_norm;
  o.weight_decay = g.weight_decay;
  o.seed = g.seed;
  o.repeats = g.repeats;
  o.threads = g.threads;
  if (f.best_epoch_flag->count()) o.best_epoch = f.best_epoch;
  o.ensemble = f.ensemble ? *f.ensemble : std::min(o.ensemble, o.repeats);
  return job;
}

int run_dialog(TrainFlags& f) {
  const core::DialogTrainJob job = make_dialog_job(f);
  const bool live = stderr_is_terminal() && !f.quiet;
  EpochReporter progress{live, f.quiet, "dev"};
  const auto models = core::run_dialog_train(job, std::ref(progress));
  if (live) std::cerr << "\n";
  for (const auto& m : models) {
    const std::string options = engine::describe_extensions(m.config);
    std::cout << fmt::format(
        "saved dialog model '{}' to {}: task {}, {} training turns, {} candidates, vocabulary "
        "{}, match type {}{}, d={}, {} tying, pe {}{}{}, dev accuracy {:.1f}% per response, "
        "{}\n",
        m.name, job.model_path, m.task, m.train_turns, m.candidates, m.vocab_size,
        m.match_type ? "on" : "off", m.match_names ? " (names too)" : "", m.config.dim,
        engine::to_string(m.config.tying), engine::to_string(m.config.encoding),
        options.empty() ? "" : ", ", options, 100 * (1 - m.record.validation_error),
        format_duration(m.record.wall_seconds));
  }
  return kExitOk;
}

int run(TrainFlags& f) {
  if (f.dialog || core::is_dialog_babi_dir(f.job.data_dir)) return run_dialog(f);
  const core::TrainJob job = make_job(f);
  const bool live = stderr_is_terminal() && !f.quiet;
  EpochReporter progress{live, f.quiet, "val"};
  const auto models = core::run_train(job, std::ref(progress));
  if (live) std::cerr << "\n";
  for (const auto& m : models) {
    const std::string kept =
        m.config.members > 1
            ? fmt::format("ensemble of the {} best of {} runs", m.config.members, m.record.repeats)
            : fmt::format("best of {} runs: #{}", m.record.repeats, m.record.best_repeat + 1);
    const std::string options = engine::describe_extensions(m.config);
    std::cout << fmt::format(
        "saved model '{}' to {}: tasks {}, {} questions, vocabulary {}, pe {}{}{}, validation "
        "error {:.1f}%{} ({}), {}\n",
        m.name, job.model_path, fmt::join(m.tasks, ","), m.train_questions, m.vocab_size,
        engine::to_string(m.config.encoding), options.empty() ? "" : ", ", options,
        100 * m.record.validation_error,
        m.validation_files.empty() ? "" : fmt::format(" on {}", fmt::join(m.validation_files, ",")),
        kept, format_duration(m.record.wall_seconds));
  }
  return kExitOk;
}

}  // namespace

Runner add_train_command(CLI::App& app) {
  auto f = std::make_shared<TrainFlags>();
  auto& job = f->job;
  const core::TrainJob best = core::recipe_job(core::Recipe::kBest, false);
  const core::TrainJob best_joint = core::recipe_job(core::Recipe::kBest, true);
  const core::TrainJob paper = core::recipe_job(core::Recipe::kPaper, false);
  const core::TrainJob paper_joint = core::recipe_job(core::Recipe::kPaper, true);
  job.options.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  CLI::App* cmd = app.add_subcommand(
      "train", "Train MemN2N models on bAbI tasks and save them to a SQLite file");
  cmd->add_option("--data", job.data_dir, "Folder with qaN_*_train.txt files (bAbI layout)")
      ->required();
  auto* task = cmd->add_option(
      "--task", job.tasks,
      "Task number(s); one model per task unless --joint (default: every task in --data)");
  cmd->add_flag("--joint", job.joint,
                fmt::format("Train one model on all the tasks (d={}, {} LS epochs; {} epochs, lr "
                            "halved every {}; the paper: {} and {})",
                            best_joint.config.dim, best_joint.options.linear_start_epochs,
                            best_joint.options.epochs, best_joint.options.lr_halve_every,
                            paper_joint.options.epochs, paper_joint.options.lr_halve_every));
  (void)task;
  cmd->add_option("--model", job.model_path,
                  "SQLite file to save the model(s) in (created if missing)")
      ->required();
  cmd->add_option("--name", job.model_name, "Model name in the file (default: task<N>, or joint)");
  cmd->add_option("--recipe", f->recipe,
                  "best: memnet's best measured setup (docs/benchmarks.md); paper: the 2015 "
                  "paper's setup exactly. Flags given explicitly override either")
      ->capture_default_str()
      ->check(CLI::IsMember({"best", "paper"}));
  const core::DialogTrainJob dialog = core::dialog_recipe_job(core::Recipe::kBest);
  cmd->add_flag("--dialog", f->dialog,
                "Dialog bAbI tasks 1-6 (Bordes et al. 2017): --data is the dialog-babi folder, "
                "one model per task named dialog<N> ranks the candidate responses (also chosen "
                "when --data holds dialog-babi-task*-trn.txt files)");
  f->match_type_flag = cmd->add_flag(
      "--match-type,!--no-match-type", f->match_type,
      fmt::format("Dialog: match-type features (a KB type word joins each candidate holding an "
                  "entity of that type seen in the dialog); default {}",
                  dialog.match_type ? "on" : "off"));
  f->match_names_flag = cmd->add_flag(
      "--match-names,!--no-match-names", f->match_names,
      fmt::format("Dialog, with --match-type: restaurant names are a match type too; default {}",
                  dialog.match_names ? "on" : "off"));
  cmd->add_option("--hops", f->hops,
                  fmt::format("K, memory hops (default {}, dialog {})", best.config.hops,
                              dialog.config.hops))
      ->check(CLI::Range(1, 64));
  cmd->add_option("--dim", f->dim,
                  "d, embedding size (default 20, joint 50; the default recipe uses 100, with "
                  "ReLU on 50 units, from 5000 training questions per task, e.g. bAbI 10k; "
                  "dialog 64)")
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--memory", f->memory,
                  fmt::format("Most recent sentences a question sees (default {}; dialog: "
                              "utterances, default {})",
                              best.config.memory_size, dialog.config.memory_size))
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--pe", f->pe,
                  fmt::format("Position encoding: paper, reference (the authors' code), local "
                              "(the authors' formula, J = that sentence's length), none (bag "
                              "of words), or auto (train paper and reference, keep the better on "
                              "validation); default {}",
                              best.pe_auto ? std::string("auto")
                                           : std::string(engine::to_string(best.config.encoding))))
      ->check(CLI::IsMember({"paper", "reference", "local", "none", "bow", "auto"}));
  cmd->add_option("--attention", f->attention,
                  fmt::format("Attention kernel: dot (the paper), scaled (by 1/sqrt(d)), cosine "
                              "(learned inverse temperature) or distance (-|u - m|^2); default {}",
                              engine::to_string(best.config.attention)))
      ->check(CLI::IsMember({"dot", "scaled", "cosine", "distance"}));
  f->gated_flag = cmd->add_flag("--gated,!--no-gated", f->gated,
                                fmt::format("Gated hops (Liu & Perez 2017): u' = o*T + u*(1-T), "
                                            "T = sigmoid(W_T u + b_T); default {}",
                                            best.config.gated ? "on" : "off"));
  f->mixed_gates_flag = cmd->add_flag(
      "--mixed-gates,!--no-mixed-gates", f->mixed_gates,
      "Also train every seed without gates, and choose the --ensemble members among gated and "
      "ungated seeds on validation (twice the training); default on with --joint, off "
      "otherwise");
  cmd->add_option("--permute-entities", f->permute_entities,
                  fmt::format("Entity permutation: each epoch also trains --permuted-copies "
                              "copies of every question with its people, places and objects "
                              "renamed (off, on, or auto: train without and with, keep the "
                              "better on validation); default {} for one model per task on "
                              "1k-sized tasks, off for --joint, for 10k-sized tasks and for "
                              "--recipe paper",
                              core::to_string(best.permute_entities)))
      ->check(CLI::IsMember({"off", "on", "auto"}));
  cmd->add_option("--permuted-copies", f->permuted_copies,
                  fmt::format("Renamed copies of each question per epoch with "
                              "--permute-entities; default {}",
                              best.options.permuted_copies))
      ->check(CLI::Range(1, 100));
  cmd->add_option("--relu-units", f->relu_units,
                  "ReLU on the first N units of u after every hop (the paper's larger model: "
                  "half of d); default 0")
      ->check(CLI::Range(0, 4096));
  cmd->add_option("--self-attention", f->self_attention,
                  "Layers of memory self-attention before the hops (facts attend to each other; "
                  "multi-head, residual, layer norm); default 0")
      ->check(CLI::Range(0, 64));
  cmd->add_option("--heads", f->heads, "Heads of the memory self-attention (must divide d)")
      ->check(CLI::Range(1, 4096));
  cmd->add_flag("--tied-self-attention", f->tied_self_attention,
                "One self-attention layer applied --self-attention times (Universal Transformer)");
  cmd->add_option("--ensemble", f->ensemble,
                  fmt::format("Keep the N best repeats on validation as one model whose answer is "
                              "their mean (default {}, at most --repeats)",
                              best.options.ensemble))
      ->check(CLI::Range(1, 1000));
  cmd->add_flag("--no-temporal", f->no_temporal, "Disable temporal encoding");
  cmd->add_flag("!--no-empty-slots", job.pad_memory,
                "Attention over the real memories only (default: the memory is padded with empty "
                "slots up to the longest training story, which stay in the softmax, as in the "
                "authors' code)");
  cmd->add_option(
         "--tying", f->tying,
         "Weight tying: adjacent or layerwise; default adjacent (dialog: layerwise, task 6 "
         "adjacent)")
      ->check(CLI::IsMember({"adjacent", "layerwise"}));
  cmd->add_option("--epochs", f->epochs,
                  fmt::format("Epochs after linear start (default {}, joint {}; --recipe paper "
                              "{}, joint {})",
                              best.options.epochs, best_joint.options.epochs, paper.options.epochs,
                              paper_joint.options.epochs));
  cmd->add_option("--ls-epochs", f->ls_epochs,
                  "Linear start epochs, 0 to disable (default 20, joint 30)");
  cmd->add_option("--lr", f->lr,
                  fmt::format("Learning rate of the normal schedule (default {}, joint {}; "
                              "--recipe paper {})",
                              best.options.learning_rate, best_joint.options.learning_rate,
                              paper.options.learning_rate))
      ->check(CLI::PositiveNumber);
  f->ls_lr_flag = cmd->add_option("--ls-lr", job.options.linear_start_learning_rate,
                                  "Learning rate during linear start")
                      ->capture_default_str();
  cmd->add_option("--lr-halve-every", f->halve,
                  fmt::format("Halve the learning rate every N epochs (default {}, joint {}; "
                              "--recipe paper {}, joint {})",
                              best.options.lr_halve_every, best_joint.options.lr_halve_every,
                              paper.options.lr_halve_every, paper_joint.options.lr_halve_every));
  cmd->add_option("--batch", job.options.batch_size, "Batch size (loss summed over the batch)")
      ->capture_default_str();
  cmd->add_option("--max-grad-norm", job.options.max_grad_norm,
                  "Clip each gradient matrix to this norm")
      ->capture_default_str();
  cmd->add_option("--weight-decay", job.options.weight_decay,
                  "L2 weight decay per update (theta -= lr * decay * theta), 0 to disable")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 0.999));
  f->random_noise_flag =
      cmd->add_option("--random-noise", job.options.random_noise,
                      "Share of empty memories inserted while training (RN), 0 to disable "
                      "(dialog default 0)")
          ->capture_default_str();
  cmd->add_option("--validation", job.options.validation_share,
                  "Share of each task held out for validation (when it has no _valid.txt file)")
      ->capture_default_str();
  cmd->add_flag("--valid-files,!--no-valid-files", job.valid_files,
                "Validate on the folder's qaN_*_valid.txt files when it has them (bAbI "
                "en-valid), training on every train question; default on");
  cmd->add_option("--seed", job.options.seed, "Random seed")->capture_default_str();
  cmd->add_option("--repeats", job.options.repeats,
                  "Train this many seeds, keep the best on validation")
      ->capture_default_str();
  cmd->add_option("--threads", job.options.threads, "Threads (over tasks, repeats or the batch)")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  f->share_repeats_flag =
      cmd->add_flag("--share-repeats,!--no-share-repeats", f->share_repeats,
                    fmt::format("With --pe auto: deal the --repeats seeds out between the two "
                                "encodings instead of training both from every seed; default {}",
                                best.options.share_repeats ? "on" : "off"));
  f->best_epoch_flag = cmd->add_flag(
      "--best-epoch,!--no-best-epoch", f->best_epoch,
      fmt::format("Early stopping: each repeat keeps its weights from the epoch with the lowest "
                  "validation error, not the last epoch's; default {}",
                  best.options.best_epoch ? "on" : "off"));
  cmd->add_option("--save-repeats", job.repeats_path,
                  "Also save every repeat (seed) into this SQLite file as <name>.r<k>, to "
                  "evaluate the spread over seeds");
  cmd->add_flag("--quiet", f->quiet, "No progress output");
  return [f] { return run(*f); };
}

}  // namespace memnet::cli
