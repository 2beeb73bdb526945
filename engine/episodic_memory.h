// engine/episodic_memory.h
//
// Episodic memories embedded once and answered from many times. A fact's embedding is its
// word part per hop k (paper section 2.1, without the temporal term):
//   m_i^k = sum_j l_j * A^k x_ij        (key)
//   c_i^k = sum_j l_j * C^k x_ij        (value)
// T_A^k(t) and T_C^k(t) depend on the fact's age t within the window, which changes with
// every new fact, so they are added when a window is stacked (stack_memory). The result equals
// Memn2n::answer() on the same sentences bit for bit (both run run_hops() on the same floats).
//
// Threading: everything here is const on the model and safe from many threads.
#pragma once

#include <vector>

#include "engine/memn2n.h"
#include "engine/tensor.h"

namespace memnet::engine {

// One fact's embedding: K key and K value vectors of d floats per ensemble member (member e,
// hop k at index e*K + k-1). Self-attention is not part of it: it mixes the facts of a
// window, so run_hops() applies it at answer time.
struct FactEmbedding {
  std::vector<Vector> m;
  std::vector<Vector> c;
};

// Embeds one sentence (encoded word ids < V) with every hop's A^k and C^k.
FactEmbedding embed_fact(const Memn2n& model, const std::vector<int>& words);

// The memory a question sees: per hop, d x n keys and values, column i = slot i, slot 0 the
// most recent fact, ready for the hops: word part + T_A^k(i) (T_C^k(i)), then the memory
// self-attention, all of which depend on the window only and are computed once per window.
// n <= config.memory_size (a longer window is a caller bug: assert).
struct EpisodicMemory {
  int n = 0;
  std::vector<Matrix> m;  // K * members x (d x n), indexed as FactEmbedding
  std::vector<Matrix> c;
};

// Stacks fact embeddings, most recent first, into an EpisodicMemory.
EpisodicMemory stack_memory(const Memn2n& model, const std::vector<const FactEmbedding*>& facts);

// Answers an encoded question from stored memories. Prediction::first_sentence is 0; the
// attention's slot i is the i-th most recent fact. With `candidates` (and `extra`, as
// Example::candidate_extra) the answer ranks them, as Memn2n::answer on such an Example.
Prediction answer_from_memory(const Memn2n& model, const EpisodicMemory& memory,
                              const std::vector<int>& question,
                              const CandidateSet* candidates = nullptr,
                              const std::vector<std::pair<int, int>>* extra = nullptr);

}  // namespace memnet::engine
