#include "engine/episodic_memory.h"

#include <cassert>

#include "engine/forward.h"

namespace memnet::engine {

FactEmbedding embed_fact(const Memn2n& model, const std::vector<int>& words) {
  const int K = model.config().hops;
  FactEmbedding e;
  e.m.reserve(static_cast<size_t>(K));
  e.c.reserve(static_cast<size_t>(K));
  for (int k = 1; k <= K; ++k) {
    e.m.push_back(embed_sentence(model.A(k), words, model.position_weights()));
    e.c.push_back(embed_sentence(model.C(k), words, model.position_weights()));
  }
  return e;
}

EpisodicMemory stack_memory(const Memn2n& model, const std::vector<const FactEmbedding*>& facts) {
  const ModelConfig& cfg = model.config();
  assert(facts.size() <= static_cast<size_t>(cfg.memory_size));
  EpisodicMemory memory;
  memory.n = static_cast<int>(facts.size());
  for (int k = 0; k < cfg.hops; ++k) {
    Matrix m(cfg.dim, memory.n), c(cfg.dim, memory.n);
    for (int i = 0; i < memory.n; ++i) {
      m.col(i) = facts[static_cast<size_t>(i)]->m[static_cast<size_t>(k)];
      c.col(i) = facts[static_cast<size_t>(i)]->c[static_cast<size_t>(k)];
    }
    memory.m.push_back(std::move(m));
    memory.c.push_back(std::move(c));
  }
  return memory;
}

Prediction answer_from_memory(const Memn2n& model, const EpisodicMemory& memory,
                              const std::vector<int>& question) {
  assert(memory.n <= model.config().memory_size);
  ForwardTrace trace;
  trace.n = memory.n;
  trace.t.resize(static_cast<size_t>(memory.n));
  for (int i = 0; i < memory.n; ++i) trace.t[static_cast<size_t>(i)] = i;
  trace.u1 = embed_sentence(model.B(), question, model.position_weights());
  run_hops(
      model, memory.n, false,
      [&](int k, bool value) -> const Matrix& {
        return value ? memory.c[static_cast<size_t>(k - 1)] : memory.m[static_cast<size_t>(k - 1)];
      },
      trace);
  Prediction out;
  out.a_hat = std::move(trace.a_hat);
  Index best = 0;
  out.a_hat.maxCoeff(&best);
  out.answer = static_cast<int>(best);
  for (auto& h : trace.hops) out.attention.push_back(std::move(h.p));
  return out;
}

}  // namespace memnet::engine
