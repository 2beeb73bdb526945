#include "core/babi_examples.h"

#include <doctest/doctest.h>

#include <sstream>

#include "datasets/babi.h"

using namespace memnet;

namespace {
std::vector<datasets::Story> parse(const std::string& text) {
  std::istringstream in(text);
  return datasets::parse_babi(in, "inline.txt");
}
}  // namespace

TEST_CASE("babi examples: vocabulary holds story words, question words and answers") {
  const auto stories = parse("1 Mary went to the kitchen.\n2 Where is Mary?\tkitchen\t1\n");
  engine::Vocabulary v;
  core::grow_vocabulary(v, stories);
  for (const char* w : {"mary", "went", "to", "the", "kitchen", "where", "is"})
    CHECK_MESSAGE(v.find(w), w);
  CHECK(core::longest_sentence(stories) == 5);
  CHECK(core::longest_story(stories) == 1);
}

TEST_CASE("babi examples: keep_last trims the story and shifts supports to match") {
  const auto stories = parse(
      "1 Mary went to the kitchen.\n2 John went to the garden.\n3 Mary went to the office.\n"
      "4 Where is Mary?\toffice\t3\n5 Where was John?\tgarden\t2\n");
  engine::Vocabulary v;
  core::grow_vocabulary(v, stories);
  const auto all = core::to_examples(stories, v, 1);
  REQUIRE(all.size() == 2);
  CHECK(all[0].story.size() == 3);
  CHECK(all[0].support == std::vector<int>{2});
  const auto trimmed = core::to_examples(stories, v, 1, nullptr, 2);
  CHECK(trimmed[0].story.size() == 2);
  CHECK(trimmed[0].story.back() == all[0].story.back());
  CHECK(trimmed[0].support == std::vector<int>{1});  // still "Mary went to the office"
  CHECK(trimmed[1].support == std::vector<int>{0});  // "John went to the garden"
  CHECK(trimmed[0].answer == *v.find("office"));
  CHECK(trimmed[0].task == 1);
}

TEST_CASE("babi examples: unknown words are dropped and reported, an unknown answer is nil") {
  const auto train = parse("1 Mary went to the kitchen.\n2 Where is Mary?\tkitchen\t1\n");
  const auto test = parse("1 Mary flew to the attic.\n2 Where is Mary?\tattic\t1\n");
  engine::Vocabulary v;
  core::grow_vocabulary(v, train);
  std::vector<std::string> unknown;
  const auto xs = core::to_examples(test, v, 1, &unknown);
  REQUIRE(xs.size() == 1);
  CHECK(xs[0].story[0].size() == 3);  // mary, to, the
  CHECK(xs[0].answer == engine::Vocabulary::kNil);
  CHECK(unknown == std::vector<std::string>{"flew", "attic", "attic"});
}
