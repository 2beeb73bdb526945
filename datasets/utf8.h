// datasets/utf8.h
//
// UTF-8 validation as RFC 3629 defines it: no overlong forms, no surrogates
// (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequences.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace memnet::datasets {

// The byte offset of the first byte that does not begin a valid sequence, or nullopt when all
// of `text` is valid UTF-8. Never throws.
std::optional<std::size_t> find_invalid_utf8(std::string_view text) noexcept;

}  // namespace memnet::datasets
