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
//
// The chosen facts always fill the memory most recent first (slot 0 = newest), whatever
// their distance in the story, so the temporal encoding still orders them by age.
// Threading: pure functions; an index is used by one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace memnet::core {

enum class Selection { kRecent, kMatch, kMixed };

inline constexpr int kDefaultWordCutoff = 1000;  // KV-MemNN's frequency cutoff

// "recent", "match", "mixed"; nullopt for anything else.
std::optional<Selection> parse_selection(std::string_view name);
std::string_view selection_name(Selection s);
// The accepted names, for error messages: "recent, match, mixed".
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
};

// The seqs a question of tokens `question` sees, at most `n`, most recent first.
std::vector<std::int64_t> select_window(FactIndex& index, const std::vector<std::string>& question,
                                        Selection mode, int n,
                                        int word_cutoff = kDefaultWordCutoff);

// A FactIndex over tokenized sentences held by the caller (which must outlive it); sentence
// i has seq i.
class TokenIndex final : public FactIndex {
 public:
  explicit TokenIndex(const std::vector<std::vector<std::string>>& sentences);
  std::int64_t facts() override;
  std::int64_t count(const std::string& word, std::int64_t cap) override;
  std::vector<std::int64_t> recent_with(const std::string& word, int n) override;

 private:
  const std::vector<std::vector<std::string>>& sentences_;
};

}  // namespace memnet::core
