// datasets/utf8.cpp
#include "datasets/utf8.h"

namespace memnet::datasets {

std::optional<std::size_t> find_invalid_utf8(std::string_view text) noexcept {
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned char lo = 0x80;  // allowed range of the second byte (rules out overlong forms,
    unsigned char hi = 0xBF;  // surrogates and code points past U+10FFFF)
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      length = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      length = 3;
      if (b0 == 0xE0) lo = 0xA0;
      if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      length = 4;
      if (b0 == 0xF0) lo = 0x90;
      if (b0 == 0xF4) hi = 0x8F;
    } else {
      return i;  // a continuation byte, 0xC0/0xC1 or 0xF5..0xFF cannot start a sequence
    }
    if (n - i < length) return i;
    for (std::size_t k = 1; k < length; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      const unsigned char min = k == 1 ? lo : 0x80;
      const unsigned char max = k == 1 ? hi : 0xBF;
      if (b < min || b > max) return i;
    }
    i += length;
  }
  return std::nullopt;
}

}  // namespace memnet::datasets
