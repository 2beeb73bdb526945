// engine/training_record.h
//
// What a training run leaves behind besides the weights: enough to tell later how a model
// was made and how its learning went. Saved with the model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace memnet::engine {

struct EpochRecord {
  int repeat = 0;             // which of the --repeats runs (0-based)
  int epoch = 0;              // 1-based, counted across phases
  bool linear_start = false;  // trained without the memory softmax
  double learning_rate = 0;
  double train_loss = 0;  // summed cross-entropy / number of training questions
  double validation_loss = 0;
  double validation_error = 0;  // fraction of validation questions answered wrongly
};

struct TrainingRecord {
  std::string dataset;     // where the training data came from (a folder)
  std::vector<int> tasks;  // bAbI task numbers trained on
  std::uint64_t seed = 0;
  int repeats = 1;
  int best_repeat = 0;  // the repeat kept (lowest validation error)
  int threads = 1;
  double wall_seconds = 0;          // all repeats
  double validation_error = 0;      // of the kept repeat, at the end of training
  std::string options;              // the training options, one "key=value" per line
  std::vector<EpochRecord> epochs;  // every repeat's epochs
};

}  // namespace memnet::engine
