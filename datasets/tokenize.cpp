// datasets/tokenize.cpp
#include "datasets/tokenize.h"

#include <array>

namespace memnet::datasets {
namespace {

// Multibyte whitespace: U+00A0, U+3000.
constexpr std::array<std::string_view, 2> kWideSpaces = {"\xC2\xA0", "\xE3\x80\x80"};

// Multibyte sentence marks: U+0964, U+0965, U+3002, U+FF1F, U+FF01, U+FF0C.
constexpr std::array<std::string_view, 6> kWidePunctuation = {
    "\xE0\xA5\xA4", "\xE0\xA5\xA5", "\xE3\x80\x82", "\xEF\xBC\x9F", "\xEF\xBC\x81", "\xEF\xBC\x8C"};

bool is_ascii(char c) { return static_cast<unsigned char>(c) < 0x80; }

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool is_ascii_punctuation(char c) {
  return c != '\0' && std::string_view(".?!,;:\"'()").find(c) != std::string_view::npos;
}

// Length in bytes of the whitespace that starts `text`, 0 if none.
std::size_t space_prefix(std::string_view text) {
  if (text.empty()) return 0;
  if (is_ascii_space(text.front())) return 1;
  if (is_ascii(text.front())) return 0;  // the wide marks are all multibyte
  for (std::string_view s : kWideSpaces) {
    if (text.starts_with(s)) return s.size();
  }
  return 0;
}

// Length of the whitespace that ends `text`, 0 if none.
std::size_t space_suffix(std::string_view text) {
  if (text.empty()) return 0;
  if (is_ascii_space(text.back())) return 1;
  if (is_ascii(text.back())) return 0;  // the wide marks are all multibyte
  for (std::string_view s : kWideSpaces) {
    if (text.ends_with(s)) return s.size();
  }
  return 0;
}

std::size_t punctuation_prefix(std::string_view word) {
  if (word.empty()) return 0;
  if (is_ascii_punctuation(word.front())) return 1;
  if (is_ascii(word.front())) return 0;  // the wide marks are all multibyte
  for (std::string_view p : kWidePunctuation) {
    if (word.starts_with(p)) return p.size();
  }
  return 0;
}

std::size_t punctuation_suffix(std::string_view word) {
  if (word.empty()) return 0;
  if (is_ascii_punctuation(word.back())) return 1;
  if (is_ascii(word.back())) return 0;  // the wide marks are all multibyte
  for (std::string_view p : kWidePunctuation) {
    if (word.ends_with(p)) return p.size();
  }
  return 0;
}

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view trim_spaces(std::string_view text) {
  while (std::size_t n = space_prefix(text)) text.remove_prefix(n);
  while (std::size_t n = space_suffix(text)) text.remove_suffix(n);
  return text;
}

}  // namespace

std::vector<std::string> tokenize(std::string_view text) {
  std::vector<std::string> tokens;
  while (!text.empty()) {
    if (std::size_t n = space_prefix(text)) {
      text.remove_prefix(n);
      continue;
    }
    // A word runs to the next whitespace. The whitespace set holds only ASCII bytes and whole
    // multibyte sequences, so a cut here never falls inside a valid UTF-8 character.
    std::size_t end = 0;
    while (end < text.size() && space_prefix(text.substr(end)) == 0) ++end;
    std::string_view word = text.substr(0, end);
    text.remove_prefix(end);

    while (std::size_t n = punctuation_prefix(word)) word.remove_prefix(n);
    while (std::size_t n = punctuation_suffix(word)) word.remove_suffix(n);
    if (!word.empty()) tokens.push_back(lower_ascii(word));
  }
  return tokens;
}

std::string normalize_answer(std::string_view answer) { return lower_ascii(trim_spaces(answer)); }

}  // namespace memnet::datasets
