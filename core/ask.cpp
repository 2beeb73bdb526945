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

std::optional<AttentionDetail> parse_attention_detail(std::string_view name) {
  if (name == "all") return AttentionDetail::kAll;
  if (name == "top") return AttentionDetail::kTop;
  if (name == "none") return AttentionDetail::kNone;
  return std::nullopt;
}

std::string_view attention_detail_names() { return "all, top, none"; }

std::vector<int> attention_slots(const Eigen::Ref<const engine::Vector>& p, AttentionDetail detail,
                                 int top) {
  const int n = static_cast<int>(p.size());
  std::vector<int> slots;
  if (detail == AttentionDetail::kNone) return slots;
  slots.reserve(static_cast<size_t>(n));
  for (int slot = n - 1; slot >= 0; --slot) slots.push_back(slot);  // oldest first
  if (detail == AttentionDetail::kAll) return slots;
  const size_t k = std::min<size_t>(slots.size(), static_cast<size_t>(std::max(1, top)));
  std::partial_sort(slots.begin(), slots.begin() + static_cast<long>(k), slots.end(),
                    [&](int a, int b) { return p(a) > p(b) || (p(a) == p(b) && a > b); });
  slots.resize(k);
  return slots;
}

std::vector<std::string> unique_words(const std::vector<std::string>& words) {
  std::vector<std::string> out;
  for (const auto& w : words) {
    if (std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
  }
  return out;
}

std::optional<std::int64_t> top_fact(const engine::Prediction& p,
                                     const std::vector<std::int64_t>& window, int k) {
  const engine::Vector& a = p.attention[static_cast<std::size_t>(k - 1)];
  if (a.size() == 0) return std::nullopt;
  Eigen::Index slot = 0;
  a.maxCoeff(&slot);  // ties: the lowest slot, the most recent fact
  return window[static_cast<std::size_t>(slot)];
}

AskResult ask(const engine::Memn2n& model, const engine::Vocabulary& vocab,
              const std::vector<std::string>& story, const std::string& question, int top) {
  AskOptions options;
  options.top = top;
  return ask(model, vocab, story, question, options);
}

AskResult ask(const engine::Memn2n& model, const engine::Vocabulary& vocab,
              const std::vector<std::string>& story, const std::string& question,
              const AskOptions& options) {
  const auto q_tokens = datasets::tokenize(question);
  if (q_tokens.empty()) throw InvalidInput("question", "the question has no words");
  std::vector<std::string> unknown;
  std::vector<std::vector<std::string>> tokens;
  std::vector<std::vector<int>> encoded;
  tokens.reserve(story.size());
  encoded.reserve(story.size());
  for (const auto& s : story) {
    tokens.push_back(datasets::tokenize(s));
    encoded.push_back(engine::encode(vocab, tokens.back(), &unknown));
  }
  const Selection mode = options.select.value_or(Selection::kRecent);
  TokenIndex index(tokens);
  const std::vector<int> q_ids = engine::encode(vocab, q_tokens, &unknown);
  // The example of a window given most recent first.
  const auto example = [&](const std::vector<std::int64_t>& recent_first) {
    engine::Example x;
    for (auto it = recent_first.rbegin(); it != recent_first.rend(); ++it)  // oldest first
      x.story.push_back(encoded[static_cast<size_t>(*it)]);
    x.question = q_ids;
    return x;
  };
  const int memory = model.config().memory_size;
  std::vector<std::int64_t> window =
      mode == Selection::kExpand
          ? expand_window(index, q_tokens, memory, options.word_cutoff, model.config().hops,
                          [&](const std::vector<std::int64_t>& w, int k) {
                            return top_fact(model.answer(example(w)), w, k);
                          })
          : select_window(index, q_tokens, mode, memory, options.word_cutoff);
  const engine::Example x = example(window);
  std::reverse(window.begin(), window.end());  // story order: the engine's last is slot 0

  const engine::Prediction p = model.answer(x);
  AskResult r;
  fill_answer(p, vocab, options.top, r);
  r.select = mode;
  r.window = static_cast<int>(window.size());
  r.sentences = static_cast<int>(story.size());
  r.memory_first = window.empty() ? r.sentences : static_cast<int>(window.front());
  r.attention = options.attention;
  if (options.attention != AttentionDetail::kNone) r.hops.reserve(p.attention.size());
  // The window's sentences, oldest first, copied once for the result to own.
  std::shared_ptr<std::vector<std::string>> texts;
  if (options.attention != AttentionDetail::kNone) {
    texts = std::make_shared<std::vector<std::string>>();
    texts->reserve(window.size());
    for (const std::int64_t seq : window) texts->push_back(story[static_cast<size_t>(seq)]);
  }
  for (const auto& attention : p.attention) {
    if (options.attention != AttentionDetail::kNone) {
      const std::vector<int> slots =
          attention_slots(attention, options.attention, options.attention_top);
      std::vector<Attention> hop;
      hop.reserve(slots.size());
      for (const int slot : slots) {
        const size_t i = window.size() - 1 - static_cast<size_t>(slot);
        hop.push_back({static_cast<int>(window[i]), (*texts)[i], attention(slot)});
      }
      r.hops.push_back(std::move(hop));
    }
    r.empty_weight.push_back(std::max(0.0f, 1.0f - attention.sum()));
  }
  r.unknown_words = unique_words(unknown);
  r.text_owner = std::move(texts);
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
