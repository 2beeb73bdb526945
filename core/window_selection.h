// core/window_selection.h
//
// Which facts of a story a question sees when the story is longer than the model's memory
// (n = memory_size slots). One rule for every answer path: an inline story is indexed in
// memory (TokenIndex), a stored one through the file's word index (storage::fact_words).
//
//   recent  the n most recent facts (the paper's window).
//   match   facts sharing a word with the question (key hashing, Miller et al. 2016): words
//           of the question that occur in more than `word_cutoff` facts of the story are
//           ignored, unless all are, when the rarest one is kept (ties: the first in the
//           question). Words are taken rarest
//           first and each brings its most recent facts until n are chosen, so a rare name
//           is never crowded out by a common place word.
//   mixed   match, then the most recent other facts until n are chosen.
//   expand  match, then once per hop k = 1..K: the fact the model's hop k attends to most
//           over the current window lends its rare words (those in at most n facts: names
//           and objects, not "the" or a common place) to the question's, and the window is
//           selected again by match; the answer is the last window's. For multi-hop
//           questions: "Where is the football?" finds "John picked up the football", whose
//           "john" then finds "John went to the kitchen" (bench/long_stories.sh measures it).
//
// The word cutoff defaults to n, the memory size (KV-MemNN's cutoff, 1000, was its memory
// size too): a word in more facts than the memory holds cannot narrow it. Measured best on
// the long-story benchmark (docs/benchmarks.md).
//
// The chosen facts always fill the memory most recent first (slot 0 = newest), whatever
// their distance in the story, so the temporal encoding still orders them by age.
// Threading: pure functions; an index is used by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace memnet::core {

enum class Selection { kRecent, kMatch, kMixed, kExpand };

// A word cutoff of 0 means the memory size n.
inline constexpr int kDefaultWordCutoff = 0;

// "recent", "match", "mixed", "expand"; nullopt for anything else.
std::optional<Selection> parse_selection(std::string_view name);
std::string_view selection_name(Selection s);
// The accepted names, for error messages: "recent, match, mixed, expand".
std::string_view selection_names();

// What selection reads of a story's first `facts()` facts (seq 0 .. facts()-1).
class FactIndex {
 public:
  virtual ~FactIndex() = default;
  virtual std::int64_t facts() = 0;
  // The number of facts holding `word`, counted up to cap + 1 (a larger count is cut there).
  virtual std::int64_t count(const std::string& word, std::int64_t cap) = 0;
  // The seqs of the `n` most recent facts holding `word`, most recent first.
  virtual std::vector<std::int64_t> recent_with(const std::string& word, int n) = 0;
  // The tokens of fact `seq` (expand).
  virtual std::vector<std::string> words(std::int64_t seq) = 0;
};

// The seqs a question of tokens `question` sees, at most `n`, most recent first; expand is
// taken as match here (expand_window does the rest).
std::vector<std::int64_t> select_window(FactIndex& index, const std::vector<std::string>& question,
                                        Selection mode, int n,
                                        int word_cutoff = kDefaultWordCutoff);

// The seq that hop `k` (1-based) attends to most when the model answers over `window`
// (most recent first), or nullopt for an empty window.
using TopFact =
    std::function<std::optional<std::int64_t>(const std::vector<std::int64_t>& window, int k)>;

// The expand window (above): K + 1 selections, K answers through `top_fact`.
std::vector<std::int64_t> expand_window(FactIndex& index, const std::vector<std::string>& question,
                                        int n, int word_cutoff, int hops, const TopFact& top_fact);

// A FactIndex over tokenized sentences held by the caller (which must outlive it); sentence
// i has seq i.
class TokenIndex final : public FactIndex {
 public:
  explicit TokenIndex(const std::vector<std::vector<std::string>>& sentences);
  std::int64_t facts() override;
  std::int64_t count(const std::string& word, std::int64_t cap) override;
  std::vector<std::int64_t> recent_with(const std::string& word, int n) override;
  std::vector<std::string> words(std::int64_t seq) override;

 private:
  const std::vector<std::vector<std::string>>& sentences_;
};

}  // namespace memnet::core
