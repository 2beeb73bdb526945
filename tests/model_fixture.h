// tests/model_fixture.h
//
// Small models saved into a memnet file, for tests of the store, the service and the
// server that need a model but not a trained one: random weights, a vocabulary of the
// words of the generated bAbI-style tasks.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "engine/memn2n.h"
#include "storage/database.h"
#include "storage/model_store.h"

namespace memnet::testing {

inline std::vector<std::string> fixture_words() {
  return {"<nil>",    "mary",      "john",  "daniel",    "sandra", "went",   "to",
          "the",      "journeyed", "moved", "kitchen",   "garden", "office", "hallway",
          "bathroom", "where",     "is",    "travelled", "back",   "bedroom"};
}

// Saves a random model named `name` (seed picks the weights) and returns it as stored.
inline storage::StoredModel save_fixture_model(const std::string& path, const std::string& name,
                                               std::uint64_t seed, int hops = 3, int dim = 12,
                                               int memory_size = 10) {
  storage::StoredModel m;
  m.name = name;
  m.vocab = engine::Vocabulary::from_words(fixture_words());
  m.config.hops = hops;
  m.config.dim = dim;
  m.config.memory_size = memory_size;
  m.config.padded_memory = memory_size;
  m.config.vocab_size = m.vocab.size();
  std::mt19937_64 rng(seed);
  m.weights = engine::Memn2n::random(m.config, rng, 0.3f).parameters();
  m.training.dataset = "fixture";
  storage::Database db(path);
  storage::save_model(db, m);
  return m;
}

}  // namespace memnet::testing
