// datasets/dialog_babi.h
//
// Reads the dialog bAbI tasks (Bordes, Boureau & Weston 2017, "Learning End-to-End
// Goal-Oriented Dialog", ICLR; files dialog-babi-task{1..6}-*-{trn,dev,tst,tst-OOV}.txt).
// A dialog file, line by line:
//
//   1 hi<TAB>hello what can i help you with today
//   2 <SILENCE><TAB>api_call italian rome six cheap
//   3 resto_rome_cheap_italian_1stars R_phone resto_rome_cheap_italian_1stars_phone
//   4 api_call no result
//
// - Every line starts with a line id. Id 1 starts a new dialog; otherwise the id is the previous
//   id plus one. A blank line ends a dialog, so the next line must have id 1.
// - "user<TAB>bot" is one turn: the bot utterance is what a model must predict. "<SILENCE>"
//   stands for the user when the bot speaks twice in a row. The user utterance may be empty
//   (6 turns of task 6 trn, e.g. "17 <TAB>Ok , a restaurant in any part of town is that
//   right?", where speech recognition heard nothing); the bot utterance may not.
// - A line without a tab is an API result in the history: "entity R_relation value" or
//   "api_call no result" (task 6). Any other tab-less line is rejected as a turn whose tab was
//   lost.
// - CRLF line ends and a UTF-8 byte-order mark are accepted; text must be valid UTF-8 and is
//   kept as read, trimmed (task 6 writes " you are welcome" with a leading space).
// Any other deviation is a ParseError ("path:line: expected ..., found ..."); no input makes
// the parsers crash or overflow.
//
// Words: dialog_tokenize() splits on whitespace only and keeps punctuation, unlike tokenize()
// (datasets/tokenize.h), which would merge 53 pairs of task 6 candidates such as
// "la_raza serves spanish food" and "la_raza serves spanish food ." and drop "," and "?".
#pragma once

#include <istream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "datasets/parse_error.h"

namespace memnet::datasets {

// The user's stand-in when the bot speaks twice in a row, as written in the files, and its token.
inline constexpr std::string_view kSilence = "<SILENCE>";
inline constexpr std::string_view kSilenceToken = "<silence>";

// Splits on ASCII whitespace and lower-cases ASCII A-Z; every other byte, punctuation
// included, stays: "Sorry, C.B 2 ?" -> {"sorry,", "c.b", "2", "?"}. Never throws but bad_alloc.
std::vector<std::string> dialog_tokenize(std::string_view text);

struct Utterance {
  enum class Speaker { kUser, kBot, kApi };
  Speaker speaker = Speaker::kUser;
  int line_id = 0;      // the id at the start of the line; a turn's user and bot share it
  int source_line = 0;  // 1-based line number in the file
  std::string text;     // trimmed, as read: "<SILENCE>", "api_call italian rome six cheap"
  std::vector<std::string> tokens;  // dialog_tokenize(text)
};

// One bot response to predict. Its user and bot utterances are also in Dialog::history, at
// history_size and history_size + 1.
struct DialogTurn {
  int history_size = 0;  // utterances before this turn's user line: memory = history[0, size)
  int line_id = 0;
  int source_line = 0;
  std::string user;  // "<SILENCE>" when the bot speaks again; may be empty (task 6)
  std::vector<std::string> user_tokens;
  std::string bot;     // the gold response
  int candidate = -1;  // index of `bot` in the candidates; -1 until attach_candidates
};

struct Dialog {
  int source_line = 0;  // line number of the dialog's line id 1
  // In file order: each turn's user then bot utterance, and each API result line.
  std::vector<Utterance> history;
  std::vector<DialogTurn> turns;  // never empty
};

// Parses a whole dialog file from `in`; `path` only labels errors. Throws ParseError on malformed
// input (no lines at all is "path:1: empty file, expected dialog bAbI lines"; a dialog without
// a turn is an error), std::runtime_error when the stream fails while reading.
std::vector<Dialog> parse_dialog_babi(std::istream& in, const std::string& path);

// Opens and parses `path`. Throws std::runtime_error "cannot open PATH: reason", and ParseError.
std::vector<Dialog> load_dialog_babi_file(const std::string& path);

// The responses a model ranks (dialog-babi-candidates.txt: 4212 for tasks 1-5). Texts are
// trimmed and unique; a candidate's index is its position in the file.
class Candidates {
 public:
  Candidates() = default;
  // Throws std::invalid_argument naming the first text given twice (after trimming).
  explicit Candidates(std::vector<std::string> texts);

  int size() const { return static_cast<int>(texts_.size()); }
  const std::vector<std::string>& texts() const { return texts_; }
  const std::vector<std::vector<std::string>>& tokens() const { return tokens_; }  // tokenized
  // Index of the candidate equal to `text` once trimmed, -1 if none. Thread-safe (const).
  int find(std::string_view text) const;

 private:
  std::vector<std::string> texts_;
  std::vector<std::vector<std::string>> tokens_;
  std::unordered_map<std::string, int> index_;
};

// Reads lines "<id> text"; the id (always 1 in the real files) is checked to be a number and
// dropped. A repeated text is a ParseError naming both lines. Empty input is a ParseError.
Candidates parse_candidates(std::istream& in, const std::string& path);
Candidates load_candidates(const std::string& path);

// The restaurants' facts, "1 resto_x R_cuisine<TAB>italian" (tasks 1-5, dialog-babi-kb-all.txt)
// or "1 prezzo R_cuisine italian" (task 6); the three fields may be split by spaces or tabs.
struct KbFact {
  std::string entity;    // "resto_x", lower-cased ASCII
  std::string relation;  // "R_cuisine", as read
  std::string value;     // "italian", lower-cased ASCII (as dialog_tokenize would give it)
  int source_line = 0;
};

struct KnowledgeBase {
  std::vector<KbFact> facts;  // in file order
  // Each fact value -> its relations, in order of first appearance, once each: "italian" ->
  // {"R_cuisine"}, "resto_x_phone" -> {"R_phone"}. Restaurant names are not typed (the
  // paper's seven types are attributes); add a type for them here if a model wants one.
  std::map<std::string, std::vector<std::string>> entity_types;
};

// Throws ParseError unless each line is "<id> entity R_relation value" and the input is
// non-empty; load_kb also throws std::runtime_error when the file cannot be opened.
KnowledgeBase parse_kb(std::istream& in, const std::string& path);
KnowledgeBase load_kb(const std::string& path);

// The files of one task in the dialog bAbI folder (full paths). Tasks 1-5 share
// dialog-babi-candidates.txt and dialog-babi-kb-all.txt; a task's own
// "dialog-babi-task<N>-*-candidates.txt" or "-kb.txt" (task 6 ships both) takes precedence.
struct DialogTaskFiles {
  int task = 0;
  std::string trn, dev, tst;
  std::optional<std::string> tst_oov;  // "-tst-OOV.txt": absent for task 6
  std::string candidates;
  std::optional<std::string> kb;  // absent when the folder has no knowledge base for the task
};

// Throws std::invalid_argument unless 1 <= task <= 6, std::runtime_error naming `dir` when it
// is not a folder, and naming `dir` and the pattern when a required file is missing or a
// pattern matches two files.
DialogTaskFiles find_dialog_task_files(const std::string& dir, int task);

// Sets each turn's `candidate`. A gold response missing from `candidates` is a ParseError at
// the turn's line of `path` (the dialog file), and `dialogs` is then left unchanged.
void attach_candidates(std::vector<Dialog>& dialogs, const Candidates& candidates,
                       const std::string& path);

// The words a model has seen before predicting turn `turn` of `dialog`: the tokens of
// history[0, history_size) and of the turn's user utterance. Throws std::out_of_range.
std::set<std::string> dialog_words(const Dialog& dialog, std::size_t turn);

// Match-type features (Bordes et al. 2017, "match type features"): the KB types of the candidate's
// words that are KB values and also appear in the dialog so far, each type once, in the order the
// candidate first shows it. With "italian" and "paris" in `dialog_words`,
// "api_call italian paris six cheap" gives {"R_cuisine", "R_location"}.
std::vector<std::string> match_types(const std::vector<std::string>& candidate_tokens,
                                     const std::set<std::string>& dialog_words,
                                     const KnowledgeBase& kb);

}  // namespace memnet::datasets
