// core/train_job.h
//
// `memnet train` as one library call: load bAbI tasks from a folder, build the vocabulary
// from the training files, train, and save each model into a SQLite file.
//   separate (default): one model per task, named "task<N>"; with several tasks and threads,
//                       tasks train in parallel;
//   joint:              one model over all the tasks, named "joint".
#pragma once

#include <functional>
#include <string>
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
  bool pad_memory = true;      // padded_memory = min(memory_size, longest training story),
                               // as the authors' code; false: no empty slots
  engine::TrainOptions options;
};

struct TrainedModel {
  std::string name;
  std::vector<int> tasks;
  int vocab_size = 0;
  int train_questions = 0;  // before the validation split
  engine::TrainingRecord record;
};

struct TrainJobProgress {
  std::string model;  // which model
  int model_index = 0, models = 1;
  engine::TrainProgress epoch;
};

// Throws datasets::ParseError, std::runtime_error (files), std::invalid_argument (options),
// storage::StorageError. Models already saved stay saved if a later one fails.
std::vector<TrainedModel> run_train(
    const TrainJob& job, const std::function<void(const TrainJobProgress&)>& progress = {});

}  // namespace memnet::core
