// core/eval_job.h
//
// `memnet eval` as one library call: test error per task (and support hit rate) of the
// models in a SQLite file, on the test files of a bAbI folder. Each task is scored by the
// model trained on it; a task claimed by two selected models is an error (pick with names).
#pragma once

#include <string>
#include <vector>

namespace memnet::core {

struct EvalJob {
  std::string model_path;
  std::vector<std::string> model_names;  // empty = every model in the file
  std::string data_dir;                  // holds qaN_*_test.txt
  std::vector<int> tasks;                // empty = every task the models were trained on
  int threads = 1;
  // When set, one JSON line per test question is written here (created or replaced):
  //   {"task","model","story","story_line","question_line","question","answer","predicted",
  //    "probability","correct","memory_first","attention":[[p per memory sentence, oldest
  //    first] per hop]}
  // "story" counts the file's stories from 1 (as `memnet import` names them); "memory_first"
  // is the index of the first statement in the memory window.
  std::string predictions_path;
};

struct TaskResult {
  int task = 0;
  std::string model;
  int questions = 0;
  double error = 0;        // fraction
  double support_hit = 0;  // fraction of questions with gold support whose argmax attention
                           // in some hop is on a supporting fact
  bool failed = false;     // error > 5%
  int unknown_words = 0;   // test tokens the model's vocabulary lacks (ignored)
};

struct EvalReport {
  std::vector<TaskResult> tasks;  // by task number
  double mean_error = 0;
  int failed = 0;
};

// Throws std::runtime_error (missing file, model or task), datasets::ParseError,
// storage::StorageError.
EvalReport run_eval(const EvalJob& job);

}  // namespace memnet::core
