#include "datasets/entities.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <string_view>

namespace memnet::datasets {

namespace {

struct Evidence {
  bool after_the = false;
  bool upper = false, lower = false;  // first letter as written
  bool starts_question = false;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_letter_or_digit(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || u >= 0x80;
}

// The first letter of every word as written, when the pieces line up with the tokens one to
// one; empty otherwise (then the sentence gives no evidence about capitals).
std::vector<char> first_letters(std::string_view text, size_t tokens) {
  std::vector<char> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    const size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    const std::string_view piece = text.substr(start, i - start);
    const auto first = std::find_if(piece.begin(), piece.end(), is_letter_or_digit);
    if (first != piece.end()) out.push_back(*first);
  }
  if (out.size() != tokens) out.clear();
  return out;
}

void observe(const std::vector<std::string>& tokens, std::string_view text, bool question,
             std::map<std::string, Evidence>& evidence) {
  const std::vector<char> letters = first_letters(text, tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    Evidence& e = evidence[tokens[i]];
    if (i > 0 && tokens[i - 1] == "the") e.after_the = true;
    if (question && i == 0) e.starts_question = true;
    if (!letters.empty()) {
      const char c = letters[i];
      (c >= 'A' && c <= 'Z' ? e.upper : e.lower) = true;
    }
  }
}

int root(std::vector<int>& parent, int i) {
  while (parent[static_cast<size_t>(i)] != i) {
    parent[static_cast<size_t>(i)] = parent[static_cast<size_t>(parent[static_cast<size_t>(i)])];
    i = parent[static_cast<size_t>(i)];
  }
  return i;
}

}  // namespace

std::vector<std::vector<std::string>> entity_classes(const std::vector<Story>& stories) {
  std::map<std::string, Evidence> evidence;
  for (const auto& story : stories) {
    for (const auto& s : story.statements) observe(s.tokens, s.text, false, evidence);
    for (const auto& q : story.questions) observe(q.tokens, q.text, true, evidence);
  }
  std::map<std::string, int> id;  // candidates, numbered in sorted order
  std::vector<std::string> words;
  for (const auto& [w, e] : evidence) {
    if (e.after_the || (e.upper && !e.lower && !e.starts_question)) {
      id.emplace(w, static_cast<int>(words.size()));
      words.push_back(w);
    }
  }
  std::vector<int> parent(words.size());
  std::iota(parent.begin(), parent.end(), 0);
  // The sentence with one candidate blanked out -> the first candidate seen there.
  std::map<std::vector<std::string>, int> first_in_context;
  auto link = [&](const std::vector<std::string>& tokens) {
    for (size_t i = 0; i < tokens.size(); ++i) {
      const auto w = id.find(tokens[i]);
      if (w == id.end()) continue;
      std::vector<std::string> context = tokens;
      context[i] = std::string(1, '\0');  // no token is empty, so this matches no word
      const auto [it, fresh] = first_in_context.emplace(std::move(context), w->second);
      if (!fresh) parent[static_cast<size_t>(root(parent, w->second))] = root(parent, it->second);
    }
  };
  for (const auto& story : stories) {
    for (const auto& s : story.statements) link(s.tokens);
    for (const auto& q : story.questions) link(q.tokens);
  }
  std::map<int, std::vector<std::string>> by_root;
  for (size_t i = 0; i < words.size(); ++i)
    by_root[root(parent, static_cast<int>(i))].push_back(words[i]);
  std::vector<std::vector<std::string>> classes;
  for (auto& [r, members] : by_root)
    if (members.size() >= 2) classes.push_back(std::move(members));
  std::sort(classes.begin(), classes.end());
  return classes;
}

}  // namespace memnet::datasets
