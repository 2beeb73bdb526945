// engine/vocab.h
//
// Word <-> id mapping. Id 0 is the nil word: it pads nothing (the engine never pads) but is
// reserved so that a zero id always means "no word", and its embedding stays exactly zero in
// every word matrix. Words are opaque UTF-8 strings; the engine never changes their case.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace memnet::engine {

class Vocabulary {
 public:
  static constexpr int kNil = 0;
  static constexpr std::string_view kNilWord = "<nil>";

  Vocabulary();  // holds only the nil word

  // Builds from a word list whose entry 0 is kNilWord.
  // Throws std::invalid_argument on an empty list, a wrong entry 0, an empty or duplicate word.
  static Vocabulary from_words(std::vector<std::string> words);

  // Returns the id of `word`, adding it if new. Throws std::invalid_argument on "".
  int add(std::string_view word);
  std::optional<int> find(std::string_view word) const;
  // Throws std::out_of_range for an id outside [0, size()).
  const std::string& word(int id) const;
  int size() const { return static_cast<int>(words_.size()); }
  const std::vector<std::string>& words() const { return words_; }

 private:
  std::vector<std::string> words_;
  std::unordered_map<std::string, int> ids_;
};

// Ids of `tokens`; tokens not in the vocabulary are skipped and appended to `unknown`
// (when non-null). Never throws for unknown words: the caller decides how to report them.
std::vector<int> encode(const Vocabulary& vocab, const std::vector<std::string>& tokens,
                        std::vector<std::string>* unknown);

}  // namespace memnet::engine
