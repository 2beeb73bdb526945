#include "engine/episodic_memory.h"

#include <doctest/doctest.h>

#include <random>

#include "engine/forward.h"

using namespace memnet::engine;

namespace {

std::vector<std::vector<int>> random_story(std::mt19937_64& rng, int sentences, int V) {
  std::uniform_int_distribution<int> word(1, V - 1), length(1, 6);
  std::vector<std::vector<int>> story;
  for (int i = 0; i < sentences; ++i) {
    std::vector<int> s(static_cast<size_t>(length(rng)));
    for (auto& w : s) w = word(rng);
    story.push_back(s);
  }
  return story;
}

}  // namespace

// The options beyond the paper, one at a time and all together, applied to a config.
struct Extension {
  const char* name;
  void (*apply)(ModelConfig&);
};
const Extension kExtensions[] = {
    {"paper", [](ModelConfig&) {}},
    {"scaled", [](ModelConfig& c) { c.attention = Attention::kScaled; }},
    {"cosine", [](ModelConfig& c) { c.attention = Attention::kCosine; }},
    {"distance", [](ModelConfig& c) { c.attention = Attention::kDistance; }},
    {"gated", [](ModelConfig& c) { c.gated = true; }},
    {"relu", [](ModelConfig& c) { c.relu_units = 3; }},
    {"self-attention", [](ModelConfig& c) { c.self_attention_layers = 2; }},
    {"tied self-attention",
     [](ModelConfig& c) {
       c.self_attention_layers = 2;
       c.tied_self_attention = true;
     }},
    {"ensemble", [](ModelConfig& c) { c.members = 3; }},
    {"gated and ungated members",
     [](ModelConfig& c) {
       c.gated = true;
       c.members = 3;
       c.ungated_members = 1;
     }},
    {"all",
     [](ModelConfig& c) {
       c.attention = Attention::kDistance;
       c.gated = true;
       c.relu_units = 3;
       c.self_attention_layers = 1;
       c.members = 2;
     }},
};

TEST_CASE("episodic memory: stored embeddings answer exactly as Memn2n::answer does") {
  std::mt19937_64 rng(11);
  for (const Extension& ext : kExtensions)
    for (const Encoding enc :
         {Encoding::kBagOfWords, Encoding::kPaper, Encoding::kReference, Encoding::kLocal}) {
      for (const Tying tying : {Tying::kAdjacent, Tying::kLayerwise}) {
        for (const bool temporal : {true, false}) {
          for (const int padded : {0, 8}) {
            ModelConfig c;
            c.hops = 3;
            c.dim = 7;
            c.memory_size = 8;
            c.padded_memory = padded;
            c.vocab_size = 15;
            c.sentence_length = 6;
            c.encoding = enc;
            c.temporal = temporal;
            c.tying = tying;
            ext.apply(c);
            CAPTURE(ext.name);
            const Memn2n model = Memn2n::random(c, rng, 0.5f);
            // Stories shorter than, equal to and longer than the memory; answered with
            // words, and by ranking candidate responses (dialog) with match-type words.
            CandidateSet candidates{random_story(rng, 6, c.vocab_size)};
            const std::vector<std::pair<int, int>> extra = {{0, 3}, {4, 1}};
            for (const int sentences : {0, 3, 8, 13})
              for (const bool ranking : {false, true}) {
                CAPTURE(sentences);
                CAPTURE(ranking);
                Example x;
                x.story = random_story(rng, sentences, c.vocab_size);
                x.question = random_story(rng, 1, c.vocab_size)[0];
                if (ranking) {
                  x.candidates = &candidates;
                  x.candidate_extra = extra;
                }
                const Prediction expected = model.answer(x);
                if (ranking) REQUIRE(expected.a_hat.size() == 6);

                std::vector<FactEmbedding> stored;  // as a store would hold them, oldest first
                for (const auto& s : x.story) stored.push_back(embed_fact(model, s));
                std::vector<const FactEmbedding*> window;  // most recent first
                const int n = memory_slots(c, x.story.size());
                for (int i = 0; i < n; ++i)
                  window.push_back(&stored[stored.size() - 1 - size_t(i)]);
                const Prediction got =
                    answer_from_memory(model, stack_memory(model, window), x.question, x.candidates,
                                       ranking ? &extra : nullptr);

                CHECK(got.answer == expected.answer);
                REQUIRE(got.a_hat.size() == expected.a_hat.size());
                CHECK((got.a_hat.array() == expected.a_hat.array()).all());  // bit for bit
                REQUIRE(got.attention.size() == expected.attention.size());
                for (size_t k = 0; k < got.attention.size(); ++k)
                  CHECK((got.attention[k].array() == expected.attention[k].array()).all());
              }
          }
        }
      }
    }
}

TEST_CASE("episodic memory: a fact's embedding has K keys and K values of d floats") {
  ModelConfig c;
  c.hops = 2;
  c.dim = 5;
  c.vocab_size = 9;
  std::mt19937_64 rng(3);
  const Memn2n model = Memn2n::random(c, rng);
  const FactEmbedding e = embed_fact(model, {1, 2, 3});
  REQUIRE(e.m.size() == 2);
  REQUIRE(e.c.size() == 2);
  CHECK(e.m[0].size() == 5);
  // Adjacent tying: hop 2's key matrix is hop 1's value matrix.
  CHECK((e.m[1].array() == e.c[0].array()).all());
  // The nil word adds nothing.
  const FactEmbedding with_nil = embed_fact(model, {0});
  CHECK(with_nil.m[0].isZero());
}

TEST_CASE("episodic memory: an ensemble stores K keys and values per member") {
  ModelConfig c;
  c.hops = 2;
  c.dim = 5;
  c.vocab_size = 9;
  c.members = 3;
  std::mt19937_64 rng(3);
  const Memn2n model = Memn2n::random(c, rng);
  const FactEmbedding e = embed_fact(model, {1, 2, 3});
  REQUIRE(e.m.size() == 6);
  // member 2 (index 1), hop 1 is made with that member's A^1
  CHECK(
      (e.m[2].array() == embed_sentence(model.A(1, 1), {1, 2, 3}, model.position_weights()).array())
          .all());
  CHECK_FALSE((e.m[2].array() == e.m[0].array()).all());
}
