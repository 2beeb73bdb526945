#include "engine/episodic_memory.h"

#include <cassert>

#include "engine/forward.h"

namespace memnet::engine {

FactEmbedding embed_fact(const Memn2n& model, const std::vector<int>& words) {
  const int K = model.config().hops;
  const int M = model.config().members;
  FactEmbedding f;
  f.m.reserve(static_cast<size_t>(K * M));
  f.c.reserve(static_cast<size_t>(K * M));
  for (int e = 0; e < M; ++e) {
    for (int k = 1; k <= K; ++k) {
      f.m.push_back(embed_sentence(model.A(k, e), words, model.position_weights()));
      f.c.push_back(embed_sentence(model.C(k, e), words, model.position_weights()));
    }
  }
  return f;
}

EpisodicMemory stack_memory(const Memn2n& model, const std::vector<const FactEmbedding*>& facts) {
  const ModelConfig& cfg = model.config();
  assert(facts.size() <= static_cast<size_t>(cfg.memory_size));
  EpisodicMemory memory;
  memory.n = static_cast<int>(facts.size());
  std::vector<int> t(facts.size());
  for (int i = 0; i < memory.n; ++i) t[static_cast<size_t>(i)] = i;  // slot i has age i
  std::vector<SelfAttentionTrace> unused_m, unused_c;
  for (int j = 0; j < cfg.hops * cfg.members; ++j) {
    Matrix m(cfg.dim, memory.n), c(cfg.dim, memory.n);
    for (int i = 0; i < memory.n; ++i) {
      m.col(i) = facts[static_cast<size_t>(i)]->m[static_cast<size_t>(j)];
      c.col(i) = facts[static_cast<size_t>(i)]->c[static_cast<size_t>(j)];
    }
    hop_memory(model, j / cfg.hops, j % cfg.hops + 1, t, m, c, unused_m, unused_c);
    memory.m.push_back(std::move(m));
    memory.c.push_back(std::move(c));
  }
  return memory;
}

Prediction answer_from_memory(const Memn2n& model, const EpisodicMemory& memory,
                              const std::vector<int>& question, const CandidateSet* candidates,
                              const std::vector<std::pair<int, int>>* extra) {
  assert(memory.n <= model.config().memory_size);
  const int K = model.config().hops;
  std::vector<ForwardTrace> traces(static_cast<size_t>(model.config().members));
  for (int e = 0; e < model.config().members; ++e) {
    ForwardTrace& trace = traces[static_cast<size_t>(e)];
    trace.n = memory.n;
    trace.t.resize(static_cast<size_t>(memory.n));
    for (int i = 0; i < memory.n; ++i) trace.t[static_cast<size_t>(i)] = i;
    trace.u1 = embed_sentence(model.B(e), question, model.position_weights());
    trace.candidates = candidates;
    trace.candidate_extra = candidates ? extra : nullptr;
    run_hops(
        model, e, memory.n, false,
        [&](int k, bool value) -> const Matrix& {
          const size_t j = static_cast<size_t>(e * K + k - 1);
          return value ? memory.c[j] : memory.m[j];
        },
        trace, /*content_final=*/true);
  }
  return combine_members(traces);
}

}  // namespace memnet::engine
