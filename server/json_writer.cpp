#include "server/json_writer.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "datasets/utf8.h"

namespace memnet::server {

namespace {
// An ask response over a full memory of 50 facts and 3 hops is about 12 KB: reserving that
// up front saves the reallocations (and copies) of a growing string.
constexpr std::size_t kInitialCapacity = 16 * 1024;
}  // namespace

void JsonWriter::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
}

JsonWriter& JsonWriter::begin_object() {
  separate();
  if (out_.empty()) out_.reserve(kInitialCapacity);
  out_ += '{';
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  out_ += '}';
  first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  separate();
  out_ += '[';
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  out_ += ']';
  first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  separate();
  escape(name, ':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::copy_members(std::size_t from, std::size_t to) {
  separate();
  // Reserved first, so that the range read is not the buffer a reallocation frees.
  out_.reserve(out_.size() + (to - from));
  out_.append(out_.data() + from, to - from);
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
  separate();
  escape(s);
  return *this;
}

namespace {

// std::to_chars gives the shortest form that reads back as the same value.
template <typename T>
void append_number(std::string& out, T v) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
  out.append(buffer, result.ptr);
}

}  // namespace

JsonWriter& JsonWriter::value(std::int64_t v) {
  separate();
  append_number(out_, v);
  return *this;
}

JsonWriter& JsonWriter::value(float v) {
  if (!std::isfinite(v)) return null();
  separate();
  append_number(out_, v);
  return *this;
}

JsonWriter& JsonWriter::value(double v) {
  if (!std::isfinite(v)) return null();
  separate();
  append_number(out_, v);
  return *this;
}

JsonWriter& JsonWriter::value(bool v) {
  separate();
  out_ += v ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  separate();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::value(const std::vector<std::string>& list) {
  begin_array();
  for (const auto& s : list) value(s);
  return end_array();
}

namespace {

// Bytes that cannot be copied as they are: control characters, '"', '\\' and every byte of
// a multibyte UTF-8 sequence (checked for validity). One load per byte in the scan.
constexpr std::array<bool, 256> special_bytes() {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) table[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
  return table;
}
constexpr std::array<bool, 256> kSpecial = special_bytes();

// Whether any of the 8 bytes of `w` is special (as kSpecial says): below 0x20, '"', '\\' or
// 0x80 and above. The usual bit tricks: (x - 0x01..) & ~x & 0x80.. is nonzero when a byte of
// x is zero, and when a byte is below n when x's bytes are all below 0x80.
bool has_special(std::uint64_t w) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  const auto has_zero = [](std::uint64_t x) { return ((x - kOnes) & ~x & kHigh) != 0; };
  if ((w & kHigh) != 0) return true;
  return ((w - kOnes * 0x20) & ~w & kHigh) != 0 || has_zero(w ^ (kOnes * '"')) ||
         has_zero(w ^ (kOnes * '\\'));
}

// The length of the prefix of `s` that holds no special byte: 8 bytes at a time, then byte
// by byte from the first word that holds one.
std::size_t plain_prefix(std::string_view s) {
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, sizeof w);
    if (has_special(w)) break;
  }
  while (i < s.size() && !kSpecial[static_cast<unsigned char>(s[i])]) ++i;
  return i;
}

}  // namespace

void JsonWriter::escape(std::string_view s, char suffix) {
  std::size_t i = plain_prefix(s);
  if (i == s.size()) {
    // Nothing to escape (the usual case: keys, fact texts): one append for the quoted
    // string and its suffix.
    const std::size_t at = out_.size();
    out_.resize(at + s.size() + 2 + (suffix != 0 ? 1 : 0));
    char* p = out_.data() + at;
    *p++ = '"';
    if (!s.empty()) std::memcpy(p, s.data(), s.size());  // data() may be null when empty
    p += s.size();
    *p++ = '"';
    if (suffix != 0) *p = suffix;
    return;
  }
  out_ += '"';
  std::size_t run = 0;  // start of the bytes not yet copied
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (!kSpecial[c]) {
      ++i;  // the common case: printable ASCII, copied later as one run
      continue;
    }
    out_.append(s.data() + run, i - run);
    if (c >= 0x80) {
      // A multibyte sequence: copy it if valid, else write U+FFFD for this one byte.
      const std::size_t expected = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      const std::string_view sequence = s.substr(i, expected);
      std::size_t len = expected;
      if (sequence.size() != expected || datasets::find_invalid_utf8(sequence)) {
        out_ += "\\ufffd";
        len = 1;
      } else {
        out_.append(sequence);
      }
      i += len;
      run = i;
      continue;
    }
    switch (c) {
      case '"':
        out_ += "\\\"";
        break;
      case '\\':
        out_ += "\\\\";
        break;
      case '\n':
        out_ += "\\n";
        break;
      case '\r':
        out_ += "\\r";
        break;
      case '\t':
        out_ += "\\t";
        break;
      case '\b':
        out_ += "\\b";
        break;
      case '\f':
        out_ += "\\f";
        break;
      default:
        fmt::format_to(std::back_inserter(out_), "\\u{:04x}", c);
    }
    ++i;
    run = i;
  }
  out_.append(s.data() + run, s.size() - run);
  out_ += '"';
  if (suffix != 0) out_ += suffix;
}

}  // namespace memnet::server
