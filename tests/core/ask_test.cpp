#include "core/ask.h"

#include <doctest/doctest.h>

#include <random>

using namespace memnet;

TEST_CASE("ask: story lines drop bAbI ids, question lines, blanks and CR") {
  const auto lines = core::story_lines(
      "1 Mary went to the kitchen.\r\n\n2 Where is Mary?\tkitchen\t1\n3 John left.\n"
      "Sandra is here.\n42\n");
  CHECK(lines == std::vector<std::string>{"Mary went to the kitchen.", "John left.",
                                          "Sandra is here.", "42"});
}

TEST_CASE("ask: answers with attention per hop, reports unknown words once, never throws on them") {
  engine::Vocabulary v;
  for (const char* w : {"mary", "went", "to", "the", "kitchen", "where", "is", "garden"}) v.add(w);
  engine::ModelConfig c;
  c.hops = 2;
  c.dim = 4;
  c.vocab_size = v.size();
  c.padded_memory = 5;
  std::mt19937_64 rng(1);
  const auto model = engine::Memn2n::random(c, rng);
  const auto r = core::ask(model, v, {"Mary went to the kitchen.", "Zed zapped the zone."},
                           "Where is Zed, zed?");
  CHECK(r.unknown_words == std::vector<std::string>{"zed", "zapped", "zone"});
  REQUIRE(r.hops.size() == 2);
  CHECK(r.hops[0].size() == 2);
  CHECK(r.hops[0][0].text == "Mary went to the kitchen.");
  CHECK(r.empty_weight.size() == 2);
  float total = r.empty_weight[0];
  for (const auto& a : r.hops[0]) total += a.weight;
  CHECK(total == doctest::Approx(1.0).epsilon(1e-4));
  CHECK(!r.answer.empty());
  CHECK(r.answer != engine::Vocabulary::kNilWord);
  REQUIRE(!r.alternatives.empty());
  CHECK(r.alternatives[0].answer == r.answer);
  CHECK_THROWS_AS(core::ask(model, v, {}, " ?? "), std::invalid_argument);
  const auto empty_story = core::ask(model, v, {}, "Where is Mary?");
  CHECK(empty_story.hops[0].empty());
}

TEST_CASE("ask: attention slots are all oldest first, the top k by weight, or none") {
  engine::Vector p(5);
  p << 0.1f, 0.4f, 0.1f, 0.3f, 0.1f;  // slot 0 = most recent
  using core::AttentionDetail;
  CHECK(core::attention_slots(p, AttentionDetail::kAll, 3) == std::vector<int>{4, 3, 2, 1, 0});
  // Ties in story order: slot 4 is older than 2 and 0.
  CHECK(core::attention_slots(p, AttentionDetail::kTop, 3) == std::vector<int>{1, 3, 4});
  CHECK(core::attention_slots(p, AttentionDetail::kTop, 9).size() == 5);
  CHECK(core::attention_slots(p, AttentionDetail::kTop, 0) == std::vector<int>{1});
  CHECK(core::attention_slots(p, AttentionDetail::kNone, 3).empty());
  CHECK(core::parse_attention_detail("top") == AttentionDetail::kTop);
  CHECK(!core::parse_attention_detail("Top"));
}
