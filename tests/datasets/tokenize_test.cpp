#include "datasets/tokenize.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using memnet::datasets::normalize_answer;
using memnet::datasets::tokenize;
using Tokens = std::vector<std::string>;

TEST_CASE("tokenize: splits on spaces, drops end punctuation and lower-cases ASCII") {
  CHECK(tokenize("Mary went to the kitchen.") == Tokens{"mary", "went", "to", "the", "kitchen"});
  CHECK(tokenize("Where is Mary? ") == Tokens{"where", "is", "mary"});
  CHECK(tokenize("  Is\tJohn   in the garden?\n") == Tokens{"is", "john", "in", "the", "garden"});
}

TEST_CASE("tokenize: strips every listed ASCII mark from both ends, repeatedly") {
  CHECK(tokenize("\"(Hello)\", she said; 'yes!' : ok?!") ==
        Tokens{"hello", "she", "said", "yes", "ok"});
}

TEST_CASE("tokenize: punctuation inside a word stays") {
  CHECK(tokenize("don't n,e e.g.") == Tokens{"don't", "n,e", "e.g"});
}

TEST_CASE("tokenize: pieces that are only punctuation are dropped") {
  CHECK(tokenize(". ? !! ...").empty());
  CHECK(tokenize("").empty());
  CHECK(tokenize(" \t\r\n").empty());
}

TEST_CASE("tokenize: Devanagari passes through intact and the danda is stripped") {
  // "मैरी रसोई में गई ।" - Mary went to the kitchen.
  CHECK(tokenize("मैरी रसोई में गई ।") == Tokens{"मैरी", "रसोई", "में", "गई"});
  CHECK(tokenize("मैरी रसोई में गई।") == Tokens{"मैरी", "रसोई", "में", "गई"});
  CHECK(tokenize("मैरी कहाँ है?") == Tokens{"मैरी", "कहाँ", "है"});
  CHECK(tokenize("॥ गई ॥") == Tokens{"गई"});
}

TEST_CASE("tokenize: full-width marks and ideographic space separate CJK words") {
  // U+3000 between the words, U+3002 / U+FF1F / U+FF01 / U+FF0C at their ends.
  CHECK(tokenize("玛丽\xE3\x80\x80去了\xE3\x80\x80厨房。") == Tokens{"玛丽", "去了", "厨房"});
  CHECK(tokenize("玛丽在哪里？") == Tokens{"玛丽在哪里"});
  CHECK(tokenize("好！ 是，") == Tokens{"好", "是"});
}

TEST_CASE("tokenize: a no-break space separates words") {
  CHECK(tokenize("Mary\xC2\xA0went") == Tokens{"mary", "went"});
}

TEST_CASE("tokenize: only ASCII letters change case") {
  CHECK(tokenize("ÉMILE Ångström ΜΑΡΙΑ") == Tokens{"Émile", "Ångström", "ΜΑΡΙΑ"});
}

TEST_CASE("tokenize: a letter-substituted and shuffled English sentence survives") {
  CHECK(tokenize("Nzib dvmg gl gsv pRgxsvm.") == Tokens{"nzib", "dvmg", "gl", "gsv", "prgxsvm"});
  CHECK(tokenize("yMar etnw ot eht hticken.") == Tokens{"ymar", "etnw", "ot", "eht", "hticken"});
}

TEST_CASE("tokenize: invalid UTF-8 passes through byte for byte") {
  CHECK(tokenize("a\xFF\xFE b\xE0\xA5") == Tokens{"a\xFF\xFE", "b\xE0\xA5"});
}

TEST_CASE("normalize_answer: trims, lower-cases ASCII and keeps a comma list as one symbol") {
  CHECK(normalize_answer(" Apple,Football \t") == "apple,football");
  CHECK(normalize_answer("n,e") == "n,e");
  CHECK(normalize_answer("\xC2\xA0रसोई\xE3\x80\x80") == "रसोई");
  CHECK(normalize_answer("   ").empty());
}
