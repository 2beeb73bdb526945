#include "engine/vocab.h"

#include <fmt/format.h>

#include <stdexcept>

namespace memnet::engine {

Vocabulary::Vocabulary() { add(kNilWord); }

Vocabulary Vocabulary::from_words(std::vector<std::string> words) {
  if (words.empty() || words[0] != kNilWord) {
    throw std::invalid_argument(fmt::format("vocabulary: entry 0 must be '{}'", kNilWord));
  }
  Vocabulary v;
  for (size_t i = 1; i < words.size(); ++i) {
    if (v.find(words[i])) {
      throw std::invalid_argument(
          fmt::format("vocabulary: duplicate word '{}' at id {}", words[i], i));
    }
    v.add(words[i]);
  }
  return v;
}

int Vocabulary::add(std::string_view word) {
  if (word.empty()) throw std::invalid_argument("vocabulary: empty word");
  std::string key(word);
  auto it = ids_.find(key);
  if (it != ids_.end()) return it->second;
  const int id = size();
  words_.push_back(key);
  ids_.emplace(std::move(key), id);
  return id;
}

std::optional<int> Vocabulary::find(std::string_view word) const {
  auto it = ids_.find(std::string(word));
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

const std::string& Vocabulary::word(int id) const {
  if (id < 0 || id >= size()) {
    throw std::out_of_range(fmt::format("vocabulary: id {} outside [0, {})", id, size()));
  }
  return words_[static_cast<size_t>(id)];
}

std::vector<int> encode(const Vocabulary& vocab, const std::vector<std::string>& tokens,
                        std::vector<std::string>* unknown) {
  std::vector<int> ids;
  ids.reserve(tokens.size());
  for (const auto& t : tokens) {
    if (auto id = vocab.find(t); id && *id != Vocabulary::kNil) {
      ids.push_back(*id);
    } else if (unknown) {
      unknown->push_back(t);
    }
  }
  return ids;
}

}  // namespace memnet::engine
