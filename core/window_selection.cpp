#include "core/window_selection.h"

#include <algorithm>
#include <utility>

namespace memnet::core {

std::optional<Selection> parse_selection(std::string_view name) {
  if (name == "recent") return Selection::kRecent;
  if (name == "match") return Selection::kMatch;
  if (name == "mixed") return Selection::kMixed;
  if (name == "expand") return Selection::kExpand;
  return std::nullopt;
}

std::string_view selection_name(Selection s) {
  switch (s) {
    case Selection::kRecent:
      return "recent";
    case Selection::kMatch:
      return "match";
    case Selection::kMixed:
      return "mixed";
    case Selection::kExpand:
      return "expand";
  }
  return "recent";
}

std::string_view selection_names() { return "recent, match, mixed, expand"; }

std::vector<std::int64_t> select_window(FactIndex& index, const std::vector<std::string>& question,
                                        Selection mode, int n, int word_cutoff) {
  const std::int64_t total = index.facts();
  std::vector<std::int64_t> chosen;
  if (n <= 0 || total <= 0) return chosen;
  if (word_cutoff <= 0) word_cutoff = n;
  const auto take_recent = [&] {
    // The newest facts not chosen yet; `chosen` holds at most n, so n + |chosen| suffice.
    std::vector<std::int64_t> sorted = chosen;
    std::sort(sorted.begin(), sorted.end());
    for (std::int64_t seq = total - 1; seq >= 0 && static_cast<int>(chosen.size()) < n; --seq) {
      if (!std::binary_search(sorted.begin(), sorted.end(), seq)) chosen.push_back(seq);
    }
  };
  if (mode == Selection::kRecent) {
    take_recent();
    return chosen;
  }

  // The question's distinct words with their (capped) fact counts, rarest first; ties keep
  // the question's order.
  std::vector<std::pair<std::int64_t, std::string>> words;
  for (const std::string& w : question) {
    const bool seen = std::any_of(words.begin(), words.end(),
                                  [&](const auto& entry) { return entry.second == w; });
    if (!seen) words.emplace_back(index.count(w, word_cutoff), w);
  }
  std::stable_sort(words.begin(), words.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> keys;
  for (const auto& [facts, w] : words) {
    if (facts > 0 && facts <= word_cutoff) keys.push_back(w);
  }
  if (keys.empty()) {
    // Every word is common: the rarest one still narrows the story. Each count stops one
    // past the fewest so far (the first in full), and a lone candidate needs no count.
    std::int64_t fewest = total;
    const auto present = std::count_if(words.begin(), words.end(),
                                       [](const auto& entry) { return entry.first > 0; });
    for (const auto& [capped, w] : words) {
      if (capped == 0) continue;
      if (present == 1) {
        keys.assign(1, w);
        break;
      }
      const std::int64_t facts = index.count(w, keys.empty() ? total : fewest - 1);
      if (keys.empty() || facts < fewest) {
        keys.assign(1, w);
        fewest = facts;
      }
    }
  }
  for (const std::string& w : keys) {
    if (static_cast<int>(chosen.size()) >= n) break;
    for (const std::int64_t seq : index.recent_with(w, n)) {
      if (static_cast<int>(chosen.size()) >= n) break;
      if (std::find(chosen.begin(), chosen.end(), seq) == chosen.end()) chosen.push_back(seq);
    }
  }
  if (mode == Selection::kMixed) take_recent();
  std::sort(chosen.begin(), chosen.end(), std::greater<>());
  return chosen;
}

std::vector<std::int64_t> expand_window(FactIndex& index, const std::vector<std::string>& question,
                                        int n, int word_cutoff, int hops, const TopFact& top_fact) {
  std::vector<std::string> words = question;
  std::vector<std::int64_t> window = select_window(index, words, Selection::kMatch, n, word_cutoff);
  for (int k = 1; k <= hops && !window.empty(); ++k) {
    const std::optional<std::int64_t> top = top_fact(window, k);
    if (!top) break;
    // Only words the memory could hold every fact of: names and objects, not "the".
    for (const std::string& w : index.words(*top)) {
      if (index.count(w, n) <= n) words.push_back(w);
    }
    window = select_window(index, words, Selection::kMatch, n, word_cutoff);
  }
  return window;
}

TokenIndex::TokenIndex(const std::vector<std::vector<std::string>>& sentences)
    : sentences_(sentences) {}

std::int64_t TokenIndex::facts() { return static_cast<std::int64_t>(sentences_.size()); }

std::int64_t TokenIndex::count(const std::string& word, std::int64_t cap) {
  std::int64_t n = 0;
  for (const auto& s : sentences_) {
    if (std::find(s.begin(), s.end(), word) != s.end() && ++n > cap) break;
  }
  return n;
}

std::vector<std::int64_t> TokenIndex::recent_with(const std::string& word, int n) {
  std::vector<std::int64_t> out;
  for (std::size_t i = sentences_.size(); i-- > 0 && static_cast<int>(out.size()) < n;) {
    const auto& s = sentences_[i];
    if (std::find(s.begin(), s.end(), word) != s.end()) out.push_back(static_cast<std::int64_t>(i));
  }
  return out;
}

}  // namespace memnet::core

namespace memnet::core {

std::vector<std::string> TokenIndex::words(std::int64_t seq) {
  return sentences_[static_cast<std::size_t>(seq)];
}

}  // namespace memnet::core
