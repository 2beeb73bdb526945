// core/train_job.h
//
// `memnet train` as one library call: load bAbI tasks from a folder, build the vocabulary
// from the training files, train, and save each model into a SQLite file.
//   separate (default): one model per task, named "task<N>"; with several tasks and threads,
//                       tasks train in parallel;
//   joint:              one model over all the tasks, named "joint".
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model_config.h"
#include "engine/trainer.h"
#include "engine/training_record.h"

namespace memnet::core {

struct TrainJob {
  std::string data_dir;    // holds qaN_*_train.txt (and _test.txt)
  std::vector<int> tasks;  // empty = every task found in data_dir
  bool joint = false;
  std::string model_path;      // SQLite file, created if missing
  std::string model_name;      // overrides "task<N>"/"joint" when one model is trained
  engine::ModelConfig config;  // hops, dim, memory_size, encoding, temporal, tying;
                               // vocab_size and sentence_length come from the data
  // --pe auto: train `config` with both position encodings (paper and reference) and keep,
  // per model, the one better on the validation split (config.encoding is then ignored).
  bool pe_auto = false;
  // --mixed-gates: train `config` (gated) and the same without gates from every seed, and
  // choose the ensemble's members among both on the validation split (TrainOptions::
  // mix_candidates). Twice the training. Needs config.gated; not with pe_auto.
  bool mixed_gates = false;
  // Entity permutation (engine/entity_permutation.h, datasets/entities.h): each epoch also
  // trains options.permuted_copies copies of every question with its people, places and
  // objects renamed. kAuto trains every model both without and with them and keeps the one
  // better on the validation split (twice the training); the choice is in the training
  // record ("chosen=...,permuted"). kOff, or options.permuted_copies 0: the paper.
  enum class PermuteEntities { kOff, kOn, kAuto };
  PermuteEntities permute_entities = PermuteEntities::kOff;
  // The best recipe's larger model for large training sets: when the training files hold at
  // least `min_questions_per_task` questions per task (bAbI 10k), d and the ReLU units become
  // these (the paper's larger 10k model: d = 100, ReLU on half of u). Unset: `config` as is.
  // The schedule fields, when set, replace the job's for such a model (the larger model was
  // measured with the paper's schedule, not the 1k recipe's).
  struct LargeModel {
    int min_questions_per_task = 5000;
    int dim = 100;
    int relu_units = 50;
    std::optional<float> learning_rate;
    std::optional<int> epochs, lr_halve_every;
    // Set: replaces the job's entity permutation for such a model.
    std::optional<PermuteEntities> permute_entities;
  };
  std::optional<LargeModel> large_model;
  bool pad_memory = true;  // padded_memory = min(memory_size, longest training story),
                           // as the authors' code; false: no empty slots
  engine::TrainOptions options;
  // Validation from the folder's "qaN_*_valid.txt" files when there are any (bAbI v1.2's
  // en-valid and en-valid-10k): a model whose tasks all have one validates on them and trains
  // on every training question (options.validation_share is then ignored). false, or no such
  // file: validation_share of each task's training questions is held out.
  bool valid_files = true;
  // If set, every repeat (seed) of each model is also saved in this file, as "<name>.r<k>"
  // (k = 1..repeats): `memnet eval` on it gives the spread over seeds.
  std::string repeats_path;
};

// The training recipes. kBest is memnet's default: the best setup measured in
// docs/benchmarks.md. kPaper is the 2015 paper's setup exactly (PE with the paper's formula,
// LS, RN, adjacent tying, dot-product attention, one model per seed).
enum class Recipe { kBest, kPaper };
std::string_view to_string(Recipe r);
Recipe parse_recipe(std::string_view s);  // "best" or "paper"; throws std::invalid_argument
std::string_view to_string(TrainJob::PermuteEntities p);
// "off", "on" or "auto"; throws std::invalid_argument naming the value
TrainJob::PermuteEntities parse_permute_entities(std::string_view s);

// A job with every model and training field set by the recipe, for one model per task or
// joint training (the paper: d=50, 60 epochs, lr halved every 15, 30 LS epochs).
TrainJob recipe_job(Recipe recipe, bool joint);

struct TrainedModel {
  std::string name;
  std::vector<int> tasks;
  int vocab_size = 0;
  int train_questions = 0;                    // before the validation split
  std::vector<std::string> validation_files;  // the _valid.txt files used; empty: held out
  engine::ModelConfig config;                 // of the saved model (members > 1 for an ensemble)
  engine::TrainingRecord record;
};

struct TrainJobProgress {
  std::string model;  // which model
  int model_index = 0, models = 1;
  engine::TrainProgress epoch;
};

// Throws datasets::ParseError, std::runtime_error (files; also when some of a model's tasks
// have a _valid.txt file and others have none), std::invalid_argument (options),
// storage::StorageError. Every file is parsed before training starts. Models already saved
// stay saved if a later one fails.
std::vector<TrainedModel> run_train(
    const TrainJob& job, const std::function<void(const TrainJobProgress&)>& progress = {});

}  // namespace memnet::core
