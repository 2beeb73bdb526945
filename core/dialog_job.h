// core/dialog_job.h
//
// `memnet train --dialog` and `memnet eval` on dialog models: the dialog bAbI tasks 1-6
// (Bordes, Boureau & Weston 2017) from a folder of the official files (datasets/
// dialog_babi.h), one model per task named "dialog<N>", saved with its candidates and
// knowledge base (storage::DialogRanking) in a SQLite file.
//   train: the -trn file trains; the -dev file is the validation set (repeats and, with
//          best_epoch, the epoch are chosen on it); nothing is chosen on test files.
//   eval:  per-response accuracy (turns whose ranked-first candidate is the gold response)
//          and per-dialog accuracy (dialogs with every turn right) on -tst and -tst-OOV.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/train_job.h"
#include "engine/model_config.h"
#include "engine/trainer.h"
#include "engine/training_record.h"

namespace memnet::core {

struct DialogTrainJob {
  std::string data_dir;      // the dialog bAbI folder
  std::vector<int> tasks;    // empty = every task 1-6 whose files are in data_dir
  std::string model_path;    // SQLite file, created if missing
  std::string model_name;    // overrides "dialog<N>" when one task is trained
  bool match_type = true;    // match-type features (needs the task's knowledge base file)
  bool match_names = false;  // with match_type: restaurant names are a type too (kNameRelation)
  // The weight tying of task 6 (DSTC2, real speech-recognised dialogs) when set;
  // config.tying otherwise.
  std::optional<engine::Tying> task6_tying;
  engine::ModelConfig config;  // vocab_size, sentence_length, padded_memory from the data
  engine::TrainOptions options;
};

// The recipes: kPaper is Bordes et al.'s MemN2N as described (bag of words with speaker and
// time features, 3 hops, no match type); kBest is memnet's default, measured in
// docs/benchmarks.md ("Dialog bAbI").
DialogTrainJob dialog_recipe_job(Recipe recipe);

struct TrainedDialogModel {
  std::string name;
  int task = 0;
  int vocab_size = 0;
  int candidates = 0;
  int train_turns = 0, validation_turns = 0;
  bool match_type = false, match_names = false;
  engine::ModelConfig config;
  engine::TrainingRecord record;
};

struct DialogTrainProgress {
  std::string model;
  int model_index = 0, models = 1;
  engine::TrainProgress epoch;
};

// Throws datasets::ParseError (path:line:), std::runtime_error (files), std::invalid_argument
// (options), storage::StorageError. Every file is parsed before training starts; models
// already saved stay saved if a later one fails. Several tasks train concurrently on
// min(threads, tasks) threads, the most training turns first, each on one thread, so each
// model is the one `--threads 1` gives (record.threads says 1). `progress` is called from
// those threads, one call at a time.
std::vector<TrainedDialogModel> run_dialog_train(
    const DialogTrainJob& job,
    const std::function<void(const DialogTrainProgress&)>& progress = {});

struct DialogScore {
  std::string split;  // "tst", "tst-OOV" or "dev"
  std::string path;
  int turns = 0, turns_correct = 0;
  int dialogs = 0, dialogs_correct = 0;
  double per_response() const { return turns ? static_cast<double>(turns_correct) / turns : 0; }
  double per_dialog() const { return dialogs ? static_cast<double>(dialogs_correct) / dialogs : 0; }
};

struct DialogEvaluation {
  std::string model;
  int task = 0;
  bool match_type = false;
  std::vector<DialogScore> splits;  // tst, then tst-OOV when the task has one
};

struct DialogEvalJob {
  std::string model_path;
  std::string data_dir;             // the dialog bAbI folder
  std::vector<std::string> models;  // empty = every dialog model in the file
  bool dev = false;                 // also score the -dev file
  int threads = 1;
  // When set, one JSON line per scored turn is written there, in file order per split:
  // {"model","task","split","dialog","dialog_line","turn_line","user","gold","predicted",
  //  "probability","correct","history","memory_first","attention"} (dialog 1-based; history
  // = utterances before the turn; attention = K lists over the memory, oldest first, whose
  // first entry is history utterance memory_first, 0-based).
  std::string predictions_path;
};

// Throws std::runtime_error (no dialog model; a named model that is not one; an unwritable
// predictions file), and as run_dialog_train for the files.
std::vector<DialogEvaluation> run_dialog_eval(const DialogEvalJob& job);

// The paper's summary columns: mean per-response accuracy over tasks 1-5 on tst and on
// tst-OOV, when the evaluations hold each of tasks 1-5 exactly once (else nullopt).
struct DialogAverages {
  double tst = 0, tst_oov = 0;
};
std::optional<DialogAverages> average_tasks_1_to_5(const std::vector<DialogEvaluation>& evals);

// {"models":[{"model","task","match_type","splits":[{"split","turns","per_response",
//   "dialogs","per_dialog"}]}],"avg_1_5":{"tst","tst_oov"} (when complete)}, accuracies as
// fractions.
std::string to_json(const std::vector<DialogEvaluation>& evals);

// True when `dir` holds dialog bAbI files (dialog-babi-task*-trn.txt), for telling the data
// kinds apart by their file names.
bool is_dialog_babi_dir(const std::string& dir);

}  // namespace memnet::core
