// datasets/babi.h
//
// Reads the bAbI question-answering tasks (Weston et al. 2015, "Towards AI-Complete Question
// Answering", facebookresearch/bAbI-tasks, release tasks_1-20_v1-2). The format, line by line:
//
//   1 Mary moved to the bathroom.
//   2 John went to the hallway.
//   3 Where is Mary? <TAB>bathroom<TAB>1
//
// - Every line starts with a line id. Id 1 starts a new story; otherwise the id is the previous
//   id plus one. Questions take ids too.
// - A line with a tab is a question: "question<TAB>answer<TAB>supporting ids". The supporting
//   ids (space-separated, possibly absent or empty) must name earlier statements of the same
//   story. The answer is kept as one symbol (normalize_answer), comma lists included: "n,e".
// - A line without a tab is a statement; one ending in '?' (or '？') is taken as a question
//   whose tab was lost, and rejected.
// - Blank lines are skipped. CRLF line ends are accepted (a trailing '\r' is dropped: a file
//   saved on Windows is not malformed), and so is a UTF-8 byte-order mark at the start.
// - Text must be valid UTF-8; it is otherwise kept as read (trimmed), in any script.
//
// Any other deviation is a ParseError ("path:line: expected ..., found ..."); no input makes
// the parser crash or overflow (ids too large for int are reported as errors).
#pragma once

#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "datasets/parse_error.h"
#include "datasets/story.h"

namespace memnet::datasets {

// Parses a whole bAbI file from `in`; `path` only labels errors.
// Throws ParseError on malformed input (an input with no lines at all is "path:1: empty file,
// expected bAbI lines"), std::runtime_error when the stream fails while reading.
std::vector<Story> parse_babi(std::istream& in, const std::string& path);

// Opens `path` and parses it. Throws std::runtime_error "cannot open PATH: reason" when the
// file is missing, a directory or unreadable, and ParseError as parse_babi does.
std::vector<Story> load_babi_file(const std::string& path);

// The train and test files of one task in a bAbI folder such as tasks_1-20_v1-2/en or
// tasks_1-20_v1-2/en-10k: "qa<task>_<name>_train.txt" and "qa<task>_<name>_test.txt".
// The prefix is matched exactly, so task 1 never picks up qa10_ .. qa19_.
struct TaskFiles {
  int task = 0;
  std::string train;  // full path (dir joined with the file name)
  std::string test;
};

// Throws std::invalid_argument when task < 1, and std::runtime_error naming `dir` and the
// pattern when the folder does not exist, when either file is missing (the message says
// which: en-10k ships no qa3 train file), or when a pattern matches more than one file.
TaskFiles find_task_files(const std::string& dir, int task);

// One file of a task: split is "train" or "test". Same errors as find_task_files, for that
// file only (training needs no test file, evaluation no train file).
std::string find_task_file(const std::string& dir, int task, std::string_view split);

// The validation file of one task, "qa<task>_<name>_valid.txt", as the en-valid and
// en-valid-10k folders of bAbI v1.2 ship it (their train files hold the other stories).
// std::nullopt when the folder has none; otherwise the same errors as find_task_files.
std::optional<std::string> find_validation_file(const std::string& dir, int task);

// The task numbers, ascending, that have a "qa<N>_*_train.txt" file in `dir`.
// Throws std::runtime_error when `dir` is not a readable folder.
std::vector<int> available_tasks(const std::string& dir);

}  // namespace memnet::datasets
