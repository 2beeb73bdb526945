#include "datasets/utf8.h"

#include <doctest/doctest.h>

#include <optional>
#include <string_view>

using memnet::datasets::find_invalid_utf8;

TEST_CASE("utf8: accepts ASCII and well-formed sequences of every length") {
  CHECK_FALSE(find_invalid_utf8("").has_value());
  CHECK_FALSE(find_invalid_utf8("plain ascii").has_value());
  CHECK_FALSE(find_invalid_utf8("é मैरी 。 😀").has_value());
  CHECK_FALSE(find_invalid_utf8("\xF4\x8F\xBF\xBF").has_value());  // U+10FFFF
}

TEST_CASE("utf8: reports the offset of the first bad sequence") {
  CHECK(find_invalid_utf8("ab\xFF") == std::optional<std::size_t>(2));
  CHECK(find_invalid_utf8("a\x80") == std::optional<std::size_t>(1));         // lone continuation
  CHECK(find_invalid_utf8("\xC0\xAF") == std::optional<std::size_t>(0));      // overlong '/'
  CHECK(find_invalid_utf8("\xE0\x80\xAF") == std::optional<std::size_t>(0));  // overlong
  CHECK(find_invalid_utf8("\xED\xA0\x80") == std::optional<std::size_t>(0));  // surrogate
  CHECK(find_invalid_utf8("\xF4\x90\x80\x80") == std::optional<std::size_t>(0));  // > U+10FFFF
  CHECK(find_invalid_utf8("ok\xE0\xA5") == std::optional<std::size_t>(2));        // truncated
  CHECK(find_invalid_utf8("\xE0\xA5\x61") == std::optional<std::size_t>(0));      // cut by 'a'
}
