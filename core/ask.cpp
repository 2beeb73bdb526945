#include "core/ask.h"

#include <algorithm>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "core/errors.h"
#include "datasets/tokenize.h"
#include "engine/example.h"

namespace memnet::core {

void fill_answer(const engine::Prediction& p, const engine::Vocabulary& vocab, int top,
                 AskResult& r) {
  r.answer = vocab.word(p.answer);
  r.probability = p.a_hat(p.answer);
  r.alternatives.clear();
  for (const int i : top_indices(p.a_hat, top)) {
    if (i == engine::Vocabulary::kNil) continue;
    r.alternatives.push_back({vocab.word(i), p.a_hat(i)});
  }
}

std::vector<int> top_indices(const engine::Vector& p, int top) {
  std::vector<int> order(static_cast<size_t>(p.size()));
  std::iota(order.begin(), order.end(), 0);
  const size_t k = std::min<size_t>(order.size(), static_cast<size_t>(std::max(1, top)));
  std::partial_sort(order.begin(), order.begin() + static_cast<long>(k), order.end(),
                    [&](int a, int b) { return p(a) > p(b) || (p(a) == p(b) && a < b); });
  order.resize(k);
  return order;
}

std::vector<std::string> unique_words(const std::vector<std::string>& words) {
  std::vector<std::string> out;
  for (const auto& w : words) {
    if (std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
  }
  return out;
}

AskResult ask(const engine::Memn2n& model, const engine::Vocabulary& vocab,
              const std::vector<std::string>& story, const std::string& question, int top) {
  std::vector<std::string> unknown;
  engine::Example x;
  for (const auto& s : story)
    x.story.push_back(engine::encode(vocab, datasets::tokenize(s), &unknown));
  const auto q_tokens = datasets::tokenize(question);
  if (q_tokens.empty()) throw InvalidInput("question", "the question has no words");
  x.question = engine::encode(vocab, q_tokens, &unknown);

  const engine::Prediction p = model.answer(x);
  AskResult r;
  fill_answer(p, vocab, top, r);
  r.sentences = static_cast<int>(story.size());
  r.memory_first = p.first_sentence;
  for (const auto& attention : p.attention) {
    std::vector<Attention> hop;
    const int n = static_cast<int>(attention.size());
    for (int slot = n - 1; slot >= 0; --slot) {  // oldest first
      const int sentence = static_cast<int>(story.size()) - 1 - slot;
      hop.push_back({sentence, story[static_cast<size_t>(sentence)], attention(slot)});
    }
    r.hops.push_back(std::move(hop));
    r.empty_weight.push_back(std::max(0.0f, 1.0f - attention.sum()));
  }
  r.unknown_words = unique_words(unknown);
  return r;
}

std::vector<std::string> story_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find('\t') != std::string::npos) continue;  // a bAbI question line
    size_t i = 0;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] >= '0' && line[j] <= '9') ++j;
    if (j > i && j < line.size() && line[j] == ' ') i = j + 1;  // drop "N " line id
    const std::string sentence = line.substr(i);
    if (sentence.find_first_not_of(" \t") == std::string::npos) continue;
    out.push_back(sentence);
  }
  return out;
}

}  // namespace memnet::core
