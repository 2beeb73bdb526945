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
  // Keeps the first this many wrongly answered questions of each task (file order), with
  // their memory window and attention, in TaskResult::failed_examples (for the HTML report).
  int failed_examples = 0;
};

// A statement shown beside a failed question's attention.
struct MemoryFact {
  int index = 0;  // into the story's statements (0 = its first statement)
  std::string text;
  bool gold = false;      // a gold supporting fact of the question
  bool in_window = true;  // false: a gold fact older than the memory window (never attended)
};

// A wrongly answered test question, as the model saw it.
struct FailedExample {
  int story = 0;          // the file's stories counted from 1 (as `memnet import` names them)
  int question_line = 0;  // 1-based line of the question in the test file
  std::string question;
  std::string answer;             // gold
  std::string predicted;          // argmax of a-hat
  float probability = 0;          // a-hat of `predicted`
  float answer_probability = 0;   // a-hat of the gold answer (0 when not in the vocabulary)
  int memory_first = 0;           // index of the first statement in the memory window
  std::vector<MemoryFact> facts;  // gold facts older than the window, then the window;
                                  // oldest first
  std::vector<std::vector<float>> attention;  // K x n: p per hop over the window (n facts
                                              // with in_window), oldest first
  std::vector<float> empty_weight;  // K: 1 - sum of the hop's p (attention on empty slots)
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
  int wrong = 0;           // wrongly answered questions
  std::vector<FailedExample> failed_examples;  // the first EvalJob::failed_examples of them
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
