// core/ask.h
//
// Answering one question over a story given as text: tokenize, encode with the model's
// vocabulary (unknown words are ignored and reported, never an error), run the K hops, and
// return the answer with per-hop attention over the story's sentences.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/window_selection.h"
#include "engine/memn2n.h"
#include "engine/vocab.h"

namespace memnet::core {

struct Attention {
  int sentence = 0;  // index into the story (0 = first sentence); a stored fact's seq
  // The sentence, viewed in AskResult::text_owner: valid while the AskResult it came in (or
  // a copy of it) lives. Copy it into a std::string to keep it longer.
  std::string_view text;
  float weight = 0;          // p_i of this hop
  std::int64_t fact_id = 0;  // a stored fact's id; 0 for a story given inline
};

// How much of each hop's attention an answer carries (the HTTP "attention" field).
//   kAll:  every fact of the memory window, in story order (the default)
//   kTop:  the `attention_top` strongest facts, by weight descending, ties in story order
//   kNone: none; AskResult::hops is left empty (empty_weight is still filled)
enum class AttentionDetail { kAll, kTop, kNone };

inline constexpr int kDefaultAttentionTop = 3;  // facts per hop for kTop

// "all", "top", "none"; nullopt for anything else.
std::optional<AttentionDetail> parse_attention_detail(std::string_view name);
// The accepted names, for error messages: "all, top, none".
std::string_view attention_detail_names();

struct Alternative {
  std::string answer;
  float probability = 0;
};

// The gold answer of a question imported from a bAbI file (storage::QuestionRecord), given
// when a stored story is asked that question over the window the file asked it over.
struct GoldAnswer {
  std::string answer;
  std::vector<std::int64_t> supporting;  // seqs of the gold supporting facts
  bool correct = false;                  // the model's answer is the gold one
};

struct AskResult {
  std::string model;  // the model that answered (set by StoryService)
  std::string answer;
  float probability = 0;
  std::vector<Alternative> alternatives;     // the top answers, best first, answer included
  std::vector<std::vector<Attention>> hops;  // K lists, in story order, memory window only
  std::vector<float> empty_weight;           // K: attention on the model's empty slots
  std::vector<std::string> unknown_words;    // ignored, in order of appearance, unique
  int sentences = 0;                         // story length
  int memory_first = 0;                      // the oldest sentence inside the memory window
  int window = 0;                            // facts in the memory window
  Selection select = Selection::kRecent;     // how the window was filled
  std::optional<GoldAnswer> gold;            // stored stories only (StoryService::ask)
  // Owns the texts the hops' Attention::text view (the window's sentences, once: not one
  // copy per hop); copies of the result share it.
  std::shared_ptr<const void> text_owner;
  // How `hops` was cut: kTop keeps each hop's strongest facts, largest first; kNone leaves
  // `hops` empty.
  AttentionDetail attention = AttentionDetail::kAll;
};

// How a question is answered, beyond its words.
struct AskOptions {
  int top = 5;  // alternatives
  // Stored stories: answer over the story's first `as_of` facts (StoryService::ask).
  std::optional<std::int64_t> as_of;
  // How the memory window is filled (core/window_selection.h); nullopt: the story's own
  // choice when stored, else recent.
  std::optional<Selection> select;
  int word_cutoff = kDefaultWordCutoff;               // match, mixed, expand; 0: the memory size
  AttentionDetail attention = AttentionDetail::kAll;  // how much of each hop to return
  int attention_top = kDefaultAttentionTop;           // kTop: facts per hop (at least 1)
};

// The seq of the fact hop k (1-based) of `p` attends to most, the prediction made over
// `window` (most recent first, as slot order); nullopt for an empty window. For expand.
std::optional<std::int64_t> top_fact(const engine::Prediction& p,
                                     const std::vector<std::int64_t>& window, int k);

// Fills answer, probability and the `top` alternatives from a prediction.
void fill_answer(const engine::Prediction& prediction, const engine::Vocabulary& vocab, int top,
                 AskResult& result);

// Unique words of `words`, in order of first appearance.
std::vector<std::string> unique_words(const std::vector<std::string>& words);

// Indices of the `top` (at least 1) largest entries of `p`, largest first, ties to the
// lower index: the alternatives of an answer, the ranked candidates of a dialog reply.
std::vector<int> top_indices(const engine::Vector& p, int top);

// The memory slots one hop's attention `p` (slot 0 = most recent) is reported over, in the
// order reported: kAll every slot oldest first, kTop the `top` largest weights (at least 1)
// largest first with ties oldest first, kNone none.
std::vector<int> attention_slots(const Eigen::Ref<const engine::Vector>& p, AttentionDetail detail,
                                 int top);

// `story` is one sentence per entry. Throws std::invalid_argument when the question has no
// word at all (after tokenizing), never for unknown words.
AskResult ask(const engine::Memn2n& model, const engine::Vocabulary& vocab,
              const std::vector<std::string>& story, const std::string& question, int top = 5);
// As above, with the window chosen by options.select (as_of is ignored: the story given is
// the whole story).
AskResult ask(const engine::Memn2n& model, const engine::Vocabulary& vocab,
              const std::vector<std::string>& story, const std::string& question,
              const AskOptions& options);

// Reads a story text: one sentence per line; blank lines skipped; a leading bAbI line id
// ("3 Mary went ...") is dropped and question lines (with a tab) are skipped, so a bAbI
// story can be pasted as is.
std::vector<std::string> story_lines(const std::string& text);

}  // namespace memnet::core
