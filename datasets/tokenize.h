// datasets/tokenize.h
//
// Turns a bAbI line into words, for any language written in UTF-8 with spaces between words.
// The only English-specific step is that ASCII A-Z are lower-cased; every other byte passes
// through unchanged, so Devanagari, CJK or a letter-substituted cipher of English survive
// intact. A multibyte sequence is never split.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace memnet::datasets {

// Splits `text` on whitespace (ASCII space, tab, CR, LF, VT, FF, and U+00A0 NO-BREAK SPACE,
// U+3000 IDEOGRAPHIC SPACE), strips sentence punctuation from both ends of each piece and
// lower-cases ASCII letters. Pieces that are only punctuation are dropped.
// Punctuation stripped: ASCII . ? ! , ; : " ' ( ) and U+0964 '।', U+0965 '॥', U+3002 '。',
// U+FF1F '？', U+FF01 '！', U+FF0C '，'. Punctuation inside a word stays: "don't", "n,e".
//   tokenize("Where is Mary? ") == {"where", "is", "mary"}
//   tokenize("मैरी रसोई में गई ।") == {"मैरी", "रसोई", "में", "गई"}
// Never throws except std::bad_alloc; invalid UTF-8 is passed through byte for byte.
std::vector<std::string> tokenize(std::string_view text);

// An answer as one symbol: trims the whitespace tokenize() splits on, lower-cases ASCII A-Z,
// and keeps everything else, commas included: " Apple,Football " -> "apple,football".
std::string normalize_answer(std::string_view answer);

}  // namespace memnet::datasets
