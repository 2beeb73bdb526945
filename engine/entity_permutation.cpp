#include "engine/entity_permutation.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

namespace memnet::engine {

void validate(const EntityClasses& entities, int vocab_size) {
  std::vector<char> seen(static_cast<size_t>(std::max(vocab_size, 0)), 0);
  for (const auto& c : entities.classes) {
    if (c.size() < 2) throw std::invalid_argument("entity classes: a class has fewer than 2 words");
    for (int w : c) {
      if (w < 1 || w >= vocab_size)
        throw std::invalid_argument("entity classes: word id " + std::to_string(w) +
                                    " outside the vocabulary");
      if (seen[static_cast<size_t>(w)]++)
        throw std::invalid_argument("entity classes: word id " + std::to_string(w) +
                                    " is in two classes");
    }
  }
  auto check = [&](int w) {
    if (w < 0 || w >= vocab_size)
      throw std::invalid_argument("entity classes: list answer id " + std::to_string(w) +
                                  " outside the vocabulary");
  };
  for (const auto& [id, words] : entities.lists) {
    check(id);
    for (int w : words) check(w);
  }
  for (const auto& [words, id] : entities.list_ids) {
    check(id);
    for (int w : words) check(w);
  }
}

void draw_renaming(const EntityClasses& entities, int vocab_size, Rng& rng, std::vector<int>& map) {
  map.resize(static_cast<size_t>(vocab_size));
  std::iota(map.begin(), map.end(), 0);
  for (const auto& c : entities.classes) {
    std::vector<int> to = c;
    shuffle(to, rng);
    for (size_t i = 0; i < c.size(); ++i) map[static_cast<size_t>(c[i])] = to[i];
  }
}

bool rename(const Example& x, const std::vector<int>& map, const EntityClasses& entities,
            Example& out) {
  if (x.candidates) return false;
  const auto at = [&](int w) { return map[static_cast<size_t>(w)]; };
  int answer = at(x.answer);
  if (const auto list = entities.lists.find(x.answer); list != entities.lists.end()) {
    std::vector<int> words = list->second;
    for (int& w : words) w = at(w);
    const auto id = entities.list_ids.find(words);
    if (id == entities.list_ids.end()) return false;
    answer = id->second;
  }
  out.story.resize(x.story.size());
  for (size_t i = 0; i < x.story.size(); ++i) {
    out.story[i].resize(x.story[i].size());
    for (size_t j = 0; j < x.story[i].size(); ++j) out.story[i][j] = at(x.story[i][j]);
  }
  out.question.resize(x.question.size());
  for (size_t j = 0; j < x.question.size(); ++j) out.question[j] = at(x.question[j]);
  out.answer = answer;
  out.support = x.support;
  out.task = x.task;
  out.candidates = nullptr;
  out.candidate_extra.clear();
  return true;
}

}  // namespace memnet::engine
