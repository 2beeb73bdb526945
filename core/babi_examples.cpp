#include "core/babi_examples.h"

#include <algorithm>

namespace memnet::core {

void grow_vocabulary(engine::Vocabulary& vocab, const std::vector<datasets::Story>& stories) {
  for (const auto& story : stories) {
    for (const auto& s : story.statements)
      for (const auto& w : s.tokens) vocab.add(w);
    for (const auto& q : story.questions) {
      for (const auto& w : q.tokens) vocab.add(w);
      vocab.add(q.answer);
    }
  }
}

int longest_sentence(const std::vector<datasets::Story>& stories) {
  size_t longest = 1;
  for (const auto& story : stories) {
    for (const auto& s : story.statements) longest = std::max(longest, s.tokens.size());
    for (const auto& q : story.questions) longest = std::max(longest, q.tokens.size());
  }
  return static_cast<int>(longest);
}

int longest_story(const std::vector<datasets::Story>& stories) {
  int longest = 0;
  for (const auto& story : stories)
    for (const auto& q : story.questions) longest = std::max(longest, q.statements_before);
  return longest;
}

std::vector<engine::Example> to_examples(const std::vector<datasets::Story>& stories,
                                         const engine::Vocabulary& vocab, int task,
                                         std::vector<std::string>* unknown, int keep_last) {
  std::vector<engine::Example> out;
  for (const auto& story : stories) {
    std::vector<std::vector<int>> encoded;
    encoded.reserve(story.statements.size());
    for (const auto& s : story.statements)
      encoded.push_back(engine::encode(vocab, s.tokens, unknown));
    for (const auto& q : story.questions) {
      engine::Example x;
      int first = 0;
      if (keep_last > 0 && q.statements_before > keep_last) first = q.statements_before - keep_last;
      x.story.assign(encoded.begin() + first, encoded.begin() + q.statements_before);
      x.question = engine::encode(vocab, q.tokens, unknown);
      const auto answer = vocab.find(q.answer);
      x.answer = answer ? *answer : engine::Vocabulary::kNil;
      if (!answer && unknown) unknown->push_back(q.answer);
      for (int s : q.support) x.support.push_back(s - first);
      x.task = task;
      out.push_back(std::move(x));
    }
  }
  return out;
}

}  // namespace memnet::core
