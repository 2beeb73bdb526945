// fuzz/fuzz_tokenize.cpp
//
// Fuzzes the text handling every input goes through, on arbitrary bytes:
//   datasets::find_invalid_utf8   against a separate decoder written here from RFC 3629
//   datasets::tokenize, normalize_answer, dialog_tokenize
//   server::JsonWriter's string escaping, which repairs invalid UTF-8 with U+FFFD
// A bug is a crash, a sanitizer report, an exception, or a broken invariant (each one
// aborts):
//   - find_invalid_utf8 agrees with the reference decoder; the bytes before the offset it
//     reports are valid;
//   - tokens are non-empty, hold no whitespace or ASCII capitals, do not start or end with
//     stripped punctuation, are pieces of the lower-cased input, are valid UTF-8 when the
//     input is, and tokenizing them again joined by spaces gives them back;
//   - normalize_answer is idempotent;
//   - the JSON writer's output is valid UTF-8 and JSON, and gives the input back when the
//     input was valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "datasets/dialog_babi.h"
#include "datasets/tokenize.h"
#include "datasets/utf8.h"
#include "server/json_writer.h"

namespace ds = memnet::datasets;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// RFC 3629 by decoding: the offset of the first byte that does not start a well-formed
// sequence (shortest form, no surrogate, at most U+10FFFF), or nullopt.
std::optional<std::size_t> reference_invalid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t length = 0;
    std::uint32_t cp = 0;
    if (b < 0x80) {
      length = 1;
      cp = b;
    } else if ((b & 0xE0) == 0xC0) {
      length = 2;
      cp = b & 0x1Fu;
    } else if ((b & 0xF0) == 0xE0) {
      length = 3;
      cp = b & 0x0Fu;
    } else if ((b & 0xF8) == 0xF0) {
      length = 4;
      cp = b & 0x07u;
    } else {
      return i;
    }
    if (s.size() - i < length) return i;
    for (std::size_t k = 1; k < length; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (c & 0x3Fu);
    }
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += length;
  }
  return std::nullopt;
}

bool is_space_byte(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool has_wide_space(std::string_view s) {
  return s.find("\xC2\xA0") != std::string_view::npos ||
         s.find("\xE3\x80\x80") != std::string_view::npos;
}

bool starts_or_ends_with_mark(std::string_view s) {
  static constexpr std::string_view kAscii = ".?!,;:\"'()";
  static constexpr std::string_view kWide[] = {"\xE0\xA5\xA4", "\xE0\xA5\xA5", "\xE3\x80\x82",
                                               "\xEF\xBC\x9F", "\xEF\xBC\x81", "\xEF\xBC\x8C"};
  if (kAscii.find(s.front()) != std::string_view::npos) return true;
  if (kAscii.find(s.back()) != std::string_view::npos) return true;
  for (std::string_view w : kWide) {
    if (s.starts_with(w) || s.ends_with(w)) return true;
  }
  return false;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

void check_utf8(std::string_view text) {
  const std::optional<std::size_t> bad = ds::find_invalid_utf8(text);
  check(bad == reference_invalid_utf8(text));
  if (bad) {
    check(*bad < text.size());
    check(!ds::find_invalid_utf8(text.substr(0, *bad)));
    check(ds::find_invalid_utf8(text.substr(*bad)) == std::optional<std::size_t>(0));
  }
}

void check_tokenize(std::string_view text, bool valid_utf8) {
  const std::vector<std::string> tokens = ds::tokenize(text);
  const std::string lowered = lower_ascii(text);
  std::string joined;
  for (const std::string& t : tokens) {
    check(!t.empty());
    for (const char c : t) check(!is_space_byte(c) && !(c >= 'A' && c <= 'Z'));
    check(!has_wide_space(t) && !starts_or_ends_with_mark(t));
    check(lowered.find(t) != std::string::npos);
    if (valid_utf8) check(!ds::find_invalid_utf8(t));
    if (!joined.empty()) joined += ' ';
    joined += t;
  }
  check(ds::tokenize(joined) == tokens);

  const std::string answer = ds::normalize_answer(text);
  check(ds::normalize_answer(answer) == answer);
  for (const char c : answer) check(!(c >= 'A' && c <= 'Z'));

  for (const std::string& t : ds::dialog_tokenize(text)) {
    check(!t.empty());
    for (const char c : t) check(!is_space_byte(c) && !(c >= 'A' && c <= 'Z'));
  }
}

void check_json_repair(std::string_view text, bool valid_utf8) {
  memnet::server::JsonWriter w;
  w.begin_object().key(text).value(text).end_object();
  const std::string& out = w.str();
  check(!ds::find_invalid_utf8(out));
  const nlohmann::json j = nlohmann::json::parse(out);  // throws (a bug) if not JSON
  check(j.is_object() && j.size() == 1);
  const std::string value = j.begin().value().get<std::string>();
  check(j.begin().key() == value);
  check(!ds::find_invalid_utf8(value));
  if (valid_utf8) check(value == text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_utf8(text);
  const bool valid = !ds::find_invalid_utf8(text);
  check_tokenize(text, valid);
  check_json_repair(text, valid);
  return 0;
}
