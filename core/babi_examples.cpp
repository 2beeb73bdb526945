#include "core/babi_examples.h"

#include <algorithm>

#include "datasets/entities.h"

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

engine::EntityClasses entity_classes(
    const std::vector<const std::vector<datasets::Story>*>& stories,
    const engine::Vocabulary& vocab) {
  // one task's stories as they are; a joint model's copied into one list
  std::vector<datasets::Story> joined;
  if (stories.size() > 1)
    for (const auto* ss : stories) joined.insert(joined.end(), ss->begin(), ss->end());
  const std::vector<datasets::Story>& all = stories.size() == 1 ? *stories[0] : joined;
  engine::EntityClasses out;
  for (const auto& words : datasets::entity_classes(all)) {
    std::vector<int> ids;
    for (const auto& w : words)
      if (const auto id = vocab.find(w)) ids.push_back(*id);
    if (ids.size() >= 2) out.classes.push_back(std::move(ids));
  }
  for (const auto& story : all) {
    for (const auto& q : story.questions) {
      if (q.answer.find(',') == std::string::npos) continue;
      const auto id = vocab.find(q.answer);
      if (!id || out.lists.count(*id)) continue;
      std::vector<int> parts;
      size_t start = 0;
      while (start <= q.answer.size()) {
        size_t end = q.answer.find(',', start);
        if (end == std::string::npos) end = q.answer.size();
        const auto part = vocab.find(std::string_view(q.answer).substr(start, end - start));
        if (!part) {
          parts.clear();
          break;
        }
        parts.push_back(*part);
        start = end + 1;
      }
      if (parts.empty()) continue;
      out.lists.emplace(*id, parts);
      out.list_ids.emplace(parts, *id);
    }
  }
  return out;
}

}  // namespace memnet::core
