#include "server/json_writer.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "datasets/utf8.h"

namespace memnet::server {

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
  if (out_.empty()) out_.reserve(4096);
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
  escape(name);
  out_ += ':';
  after_key_ = true;
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

void JsonWriter::escape(std::string_view s) {
  out_ += '"';
  std::size_t run = 0;  // start of the bytes not yet copied
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
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
}

}  // namespace memnet::server
