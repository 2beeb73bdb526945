#include "core/train_job.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "core/babi_examples.h"
#include "datasets/babi.h"
#include "engine/thread_pool.h"
#include "storage/database.h"
#include "storage/model_store.h"

namespace memnet::core {

namespace {

// The best recipe's choices (docs/benchmarks.md, "Ablation").
constexpr engine::Encoding kBestEncoding = engine::Encoding::kReference;
constexpr bool kBestPeAuto = false;
constexpr bool kBestGated = true;
constexpr engine::Attention kBestAttention = engine::Attention::kDot;
constexpr int kBestEnsemble = 5;
// The schedule of one model per task: twice the paper's learning rate, 150 epochs halved
// every 37 (the paper: 0.01, 100, 25). Joint: the paper's learning rate, 100 epochs halved
// every 25 (the paper's joint schedule: 60, 15).
constexpr float kBestLearningRate = 0.02f;
constexpr int kBestEpochs = 150;
constexpr int kBestHalveEvery = 37;
constexpr float kBestJointLearningRate = 0.01f;
constexpr int kBestJointEpochs = 100;
constexpr int kBestJointHalveEvery = 25;
// One model per task: entity permutation, one renamed copy of every question per epoch,
// kept per task when better on validation (docs/benchmarks.md, "Entity permutation"). Not
// measured on joint models or on the larger 10k model, which train without.
constexpr TrainJob::PermuteEntities kBestPermute = TrainJob::PermuteEntities::kAuto;
constexpr int kBestPermutedCopies = 1;
// Joint: the ensemble's members are chosen among gated and ungated seeds (docs/benchmarks.md,
// "Gated and ungated joint models together").
constexpr bool kBestJointMixedGates = true;

struct Unit {
  std::string name;
  std::vector<int> tasks;
};

}  // namespace

std::string_view to_string(Recipe r) { return r == Recipe::kPaper ? "paper" : "best"; }

Recipe parse_recipe(std::string_view s) {
  if (s == "best") return Recipe::kBest;
  if (s == "paper") return Recipe::kPaper;
  throw std::invalid_argument(fmt::format("unknown recipe '{}' (expected best or paper)", s));
}

std::string_view to_string(TrainJob::PermuteEntities p) {
  switch (p) {
    case TrainJob::PermuteEntities::kOn:
      return "on";
    case TrainJob::PermuteEntities::kAuto:
      return "auto";
    case TrainJob::PermuteEntities::kOff:
      break;
  }
  return "off";
}

TrainJob::PermuteEntities parse_permute_entities(std::string_view s) {
  if (s == "off") return TrainJob::PermuteEntities::kOff;
  if (s == "on") return TrainJob::PermuteEntities::kOn;
  if (s == "auto") return TrainJob::PermuteEntities::kAuto;
  throw std::invalid_argument(
      fmt::format("unknown entity permutation '{}' (expected off, on or auto)", s));
}

TrainJob recipe_job(Recipe recipe, bool joint) {
  TrainJob job;
  job.joint = joint;
  engine::ModelConfig& c = job.config;
  engine::TrainOptions& o = job.options;
  // the paper (section 4.2) and the authors' code
  c.encoding = engine::Encoding::kPaper;
  c.dim = joint ? 50 : 20;
  o.epochs = joint ? 60 : 100;
  o.lr_halve_every = joint ? 15 : 25;
  o.linear_start_epochs = joint ? 30 : 20;
  if (recipe == Recipe::kPaper) return job;
  // memnet's best measured setup (docs/benchmarks.md, "Ablation")
  c.encoding = kBestEncoding;
  job.pe_auto = kBestPeAuto;
  c.gated = kBestGated;
  c.attention = kBestAttention;
  o.ensemble = kBestEnsemble;
  job.large_model = TrainJob::LargeModel{};
  job.large_model->learning_rate = o.learning_rate;  // the paper's, as measured on 10k
  job.large_model->epochs = o.epochs;
  job.large_model->lr_halve_every = o.lr_halve_every;
  o.learning_rate = joint ? kBestJointLearningRate : kBestLearningRate;
  o.epochs = joint ? kBestJointEpochs : kBestEpochs;
  o.lr_halve_every = joint ? kBestJointHalveEvery : kBestHalveEvery;
  job.mixed_gates = joint && kBestJointMixedGates;
  o.permuted_copies = kBestPermutedCopies;
  job.permute_entities = joint ? TrainJob::PermuteEntities::kOff : kBestPermute;
  job.large_model->permute_entities = TrainJob::PermuteEntities::kOff;
  return job;
}

std::vector<TrainedModel> run_train(const TrainJob& job,
                                    const std::function<void(const TrainJobProgress&)>& progress) {
  engine::validate(job.options);
  if (job.mixed_gates && !job.config.gated)
    throw std::invalid_argument("mixed gates need gated hops (--gated), or --no-mixed-gates");
  if (job.mixed_gates && job.pe_auto)
    throw std::invalid_argument("--mixed-gates and --pe auto cannot be combined; choose one");
  std::vector<int> tasks = job.tasks;
  if (tasks.empty()) tasks = datasets::available_tasks(job.data_dir);
  if (tasks.empty()) {
    throw std::runtime_error(
        fmt::format("{}: no bAbI task files (qaN_*_train.txt) found", job.data_dir));
  }
  std::sort(tasks.begin(), tasks.end());
  tasks.erase(std::unique(tasks.begin(), tasks.end()), tasks.end());

  // Parse everything first: a malformed file fails the job before any training.
  std::vector<std::vector<datasets::Story>> train_stories;
  std::vector<std::optional<std::string>> valid_paths;  // per task
  std::vector<std::vector<datasets::Story>> valid_stories;
  for (int t : tasks) {
    train_stories.push_back(
        datasets::load_babi_file(datasets::find_task_file(job.data_dir, t, "train")));
    valid_paths.push_back(job.valid_files ? datasets::find_validation_file(job.data_dir, t)
                                          : std::nullopt);
    valid_stories.push_back(valid_paths.back() ? datasets::load_babi_file(*valid_paths.back())
                                               : std::vector<datasets::Story>{});
    if (valid_paths.back()) {
      size_t questions = 0;
      for (const auto& story : valid_stories.back()) questions += story.questions.size();
      if (questions == 0) {
        throw std::runtime_error(fmt::format(
            "{}: no questions; a validation file needs at least one", *valid_paths.back()));
      }
    }
  }

  std::vector<Unit> units;
  if (job.joint) {
    units.push_back({job.model_name.empty() ? "joint" : job.model_name, tasks});
  } else {
    for (int t : tasks) units.push_back({fmt::format("task{}", t), {t}});
    if (units.size() == 1 && !job.model_name.empty()) units[0].name = job.model_name;
  }
  // A model validates on _valid.txt files only if all its tasks have one: mixing a file with
  // a held-out share would give a validation error that means two things.
  auto task_index = [&](int t) {
    return static_cast<size_t>(std::find(tasks.begin(), tasks.end(), t) - tasks.begin());
  };
  for (const Unit& unit : units) {
    std::vector<int> with, without;
    for (int t : unit.tasks) (valid_paths[task_index(t)] ? with : without).push_back(t);
    if (!with.empty() && !without.empty()) {
      throw std::runtime_error(fmt::format(
          "{}: there is a validation file (qaN_*_valid.txt) for task {} but none for task {} "
          "of the same model; add the missing ones, or pass --no-valid-files to hold out part "
          "of each train file",
          job.data_dir, fmt::join(with, ","), fmt::join(without, ",")));
    }
  }

  storage::Database db(job.model_path);
  std::optional<storage::Database> repeats_db;
  if (!job.repeats_path.empty()) repeats_db.emplace(job.repeats_path);
  std::mutex db_mutex;
  std::mutex progress_mutex;
  std::vector<TrainedModel> results(units.size());

  // Tasks in parallel when there are several models and spare threads; each model then
  // trains single-threaded (same result as a one-thread run with the same seed).
  const int outer_threads = std::min<int>(job.options.threads, static_cast<int>(units.size()));
  engine::ThreadPool pool(std::max(1, outer_threads));
  pool.parallel_for(static_cast<int>(units.size()), [&](int u) {
    const Unit& unit = units[static_cast<size_t>(u)];
    engine::Vocabulary vocab;
    std::vector<const std::vector<datasets::Story>*> stories;
    std::vector<const std::vector<datasets::Story>*> valid;  // empty: held-out share
    std::vector<std::string> valid_files;
    for (int t : unit.tasks) {
      const size_t i = task_index(t);
      stories.push_back(&train_stories[i]);
      grow_vocabulary(vocab, train_stories[i]);
      if (valid_paths[i]) {
        valid.push_back(&valid_stories[i]);
        valid_files.push_back(std::filesystem::path(*valid_paths[i]).filename().string());
      }
    }
    int sentence_length = 1, padded_memory = 0;
    for (const auto* s : stories) {
      sentence_length = std::max(sentence_length, longest_sentence(*s));
      if (job.pad_memory) padded_memory = std::max(padded_memory, longest_story(*s));
    }
    std::vector<engine::ModelConfig> candidates{job.config};
    size_t questions = 0;
    for (const auto* ss : stories)
      for (const auto& story : *ss) questions += story.questions.size();
    engine::TrainOptions options = job.options;
    TrainJob::PermuteEntities permute = job.permute_entities;
    if (job.large_model &&
        questions >=
            static_cast<size_t>(job.large_model->min_questions_per_task) * unit.tasks.size()) {
      const TrainJob::LargeModel& large = *job.large_model;
      candidates[0].dim = large.dim;
      candidates[0].relu_units = large.relu_units;
      if (large.learning_rate) options.learning_rate = *large.learning_rate;
      if (large.epochs) options.epochs = *large.epochs;
      if (large.lr_halve_every) options.lr_halve_every = *large.lr_halve_every;
      if (large.permute_entities) permute = *large.permute_entities;
    }
    if (job.pe_auto) {
      candidates[0].encoding = engine::Encoding::kPaper;
      candidates.push_back(candidates[0]);
      candidates[1].encoding = engine::Encoding::kReference;
    }
    if (job.mixed_gates) {
      candidates.push_back(candidates[0]);
      candidates[1].gated = false;
      options.mix_candidates = true;
    }
    for (engine::ModelConfig& config : candidates) {
      config.vocab_size = vocab.size();
      config.sentence_length = sentence_length;
      config.padded_memory = std::min(padded_memory, config.memory_size);
    }
    const engine::ModelConfig& config = candidates[0];
    std::vector<engine::Example> examples;
    for (size_t i = 0; i < stories.size(); ++i) {
      auto xs = to_examples(*stories[i], vocab, unit.tasks[i], nullptr, config.memory_size);
      examples.insert(examples.end(), std::make_move_iterator(xs.begin()),
                      std::make_move_iterator(xs.end()));
    }
    // Validation questions use the training vocabulary: their new words are dropped, as a
    // test question's are.
    std::vector<engine::Example> validation;
    for (size_t i = 0; i < valid.size(); ++i) {
      auto xs = to_examples(*valid[i], vocab, unit.tasks[i], nullptr, config.memory_size);
      validation.insert(validation.end(), std::make_move_iterator(xs.begin()),
                        std::make_move_iterator(xs.end()));
    }
    if (permute != TrainJob::PermuteEntities::kOff && options.permuted_copies > 0) {
      options.entities = entity_classes(stories, vocab);
      options.permute_auto = permute == TrainJob::PermuteEntities::kAuto;
    } else {
      options.permuted_copies = 0;
    }
    options.keep_repeats = !job.repeats_path.empty();
    if (outer_threads > 1) options.threads = 1;
    auto report = [&](const engine::TrainProgress& p) {
      if (!progress) return;
      std::lock_guard lock(progress_mutex);
      progress(TrainJobProgress{unit.name, u, static_cast<int>(units.size()), p});
    };
    engine::TrainResult result =
        valid.empty() ? engine::train(candidates, examples, options, report)
                      : engine::train(candidates, examples, validation, options, report);
    if (!valid.empty())
      result.record.options += fmt::format("validation={}\n", fmt::join(valid_files, ","));
    result.record.dataset = job.data_dir;
    result.record.tasks = unit.tasks;
    result.record.threads = job.options.threads;

    storage::StoredModel stored;
    stored.name = unit.name;
    stored.config = result.model.config();
    stored.vocab = vocab;
    stored.weights = result.model.parameters();
    stored.training = result.record;
    {
      std::lock_guard lock(db_mutex);
      storage::save_model(db, stored);
      if (repeats_db) {
        for (size_t r = 0; r < result.repeats.size(); ++r) {
          storage::StoredModel one = stored;
          one.name = fmt::format("{}.r{}", unit.name, r + 1);
          one.config = result.repeats[r].config();
          one.weights = result.repeats[r].parameters();
          one.training.epochs.clear();
          storage::save_model(*repeats_db, one);
        }
      }
    }
    TrainedModel& out = results[static_cast<size_t>(u)];
    out.name = unit.name;
    out.tasks = unit.tasks;
    out.vocab_size = vocab.size();
    out.train_questions = static_cast<int>(examples.size());
    out.validation_files = valid_files;
    out.config = result.model.config();
    out.record = std::move(result.record);
  });
  return results;
}

}  // namespace memnet::core
