// engine/forward.h
//
// The forward pass of Memn2n, keeping everything backprop needs (paper sections 2.1-2.2).
// Memn2n::answer() and the trainer both go through forward(); backprop.h reads the trace.
#pragma once

#include <functional>
#include <vector>

#include "engine/example.h"
#include "engine/memn2n.h"
#include "engine/self_attention.h"
#include "engine/tensor.h"

namespace memnet::engine {

struct HopTrace {
  Vector u;  // d     u^k, the state entering hop k
  Matrix m;  // d x n memory keys   m_i = sum_j l_j * A^k x_ij + T_A^k(t_i)  (then self-attention)
  Matrix c;  // d x n memory values c_i = sum_j l_j * C^k x_ij + T_C^k(t_i)  (then self-attention)
  std::vector<SelfAttentionTrace> sa_m, sa_c;  // one per self-attention layer, keys and values
  Vector s;      // n     scores s_i = f(u, m_i) (the attention kernel)
  Vector p;      // n     attention
  Vector o;      // d     o^k = sum_i p_i c_i
  Vector carry;  // d     u^k, or H u^k with layer-wise tying
  Vector T;      // d     gate T^k = sigmoid(W_T^k u^k + b_T^k) (gated only)
};

struct ForwardTrace {
  int n = 0;                    // memory slots used
  std::vector<int> t;           // n   temporal index of each slot (t_i = i without noise)
  std::vector<Matrix> content;  // per parameter index: d x n word part of the embedding
  std::vector<char> has_content;
  Vector u1;                   // d   u^1 = sum_j l_j * B q_j
  std::vector<HopTrace> hops;  // K
  Vector u_out;                // d   u^{K+1}
  Vector a_hat;                // V   softmax(W u^{K+1}); with candidates C: softmax over
                               //     u^T W Phi(y_c) (Example::candidates)
  // The output layer's candidates, copied from the Example by forward() (null: words).
  const CandidateSet* candidates = nullptr;
  const std::vector<std::pair<int, int>>* candidate_extra = nullptr;
};

// Runs the K hops of ensemble member e (0 for a single model). `time` (may be null) gives
// the temporal index of each of the n slots (random noise); indices must be < memory_size.
// `linear` drops the memory softmax.
void forward(const Memn2n& model, const Example& x, bool linear, const std::vector<int>* time,
             ForwardTrace& trace, int e = 0);

// The word part of hop k's memory (1-based): value=false gives the keys (A^k side), true the
// values (C^k side); each d x n, column i = slot i.
using MemoryContent = std::function<const Matrix&(int k, bool value)>;

// The hops and the answer layer on memory contents already embedded: reads trace.u1,
// trace.t (n temporal indices) and trace.candidates, fills trace.hops, u_out and a_hat. forward()
// and answers from stored embeddings (episodic_memory.h) share it, so both give the same floats.
// With `content_final` the contents already hold the temporal terms and self-attention
// (hop_memory, as EpisodicMemory does) and are read in place: trace.hops[k].m, c and sa_*
// stay empty, so such a trace cannot be backpropagated.
void run_hops(const Memn2n& model, int e, int n, bool linear, const MemoryContent& content,
              ForwardTrace& trace, bool content_final = false);

// Hop k's memory from its word part, in place: m_i += T_A^k(t_i), c_i += T_C^k(t_i), then
// the memory self-attention over the columns (traces filled for backprop). run_hops() and
// stack_memory() share it, so both give the same floats.
void hop_memory(const Memn2n& model, int e, int k, const std::vector<int>& t, Matrix& m, Matrix& c,
                std::vector<SelfAttentionTrace>& sa_m, std::vector<SelfAttentionTrace>& sa_c);

// The answer of a model from its members' traces (one per member, in member order):
// a-hat and each hop's attention averaged over the members, summed in member order.
// answer() and answer_from_memory() share it. first_sentence is left 0.
Prediction combine_members(const std::vector<ForwardTrace>& traces);

// The attention kernel s_i = f(u, m_i) of ModelConfig::attention for every column of m;
// `beta` is the cosine kernel's inverse temperature (unused otherwise).
Vector attention_scores(Attention kernel, float beta, const Vector& u, const Matrix& m);
// Added under the square roots of the cosine kernel's norms: an all-zero key scores 0.
inline constexpr float kCosineEps = 1e-6f;
// f(u, 0): the score of an empty memory slot (0 for every kernel but distance: -|u|^2).
float empty_slot_score(Attention kernel, const Vector& u);

// Self-attention layer l (1-based) of member e, as pointers into the model's parameters.
SelfAttentionWeights self_attention_weights(const Memn2n& model, int l, int e);
// X <- the config's self-attention layers applied to X (d x n); keeps one trace per layer.
void self_attend(const Memn2n& model, int e, Matrix& X, std::vector<SelfAttentionTrace>& traces);

// Candidate scores s_c = sum over the words w of candidate c (and its extra words) of z_w,
// where z = W u (one logit per word): u^T W Phi(y_c).
Vector candidate_scores(const Vector& z, const CandidateSet& candidates,
                        const std::vector<std::pair<int, int>>* extra);

// Numerically safe softmax (subtracts the max). Empty input gives empty output.
Vector softmax(const Eigen::Ref<const Vector>& z);
// Softmax over z and `empty` more logits fixed at `empty_logit`, returning only z's part
// (sums to < 1 when empty > 0). The attention over real memories when the memory has empty
// slots.
Vector softmax_with_empty(const Eigen::Ref<const Vector>& z, int empty, float empty_logit = 0.0f);

// The d x n word part of the embeddings of the n most recent sentences (slot 0 = most recent)
// through word matrix E: column i = sum_j l_j * E x_ij.
Matrix embed_memories(const Matrix& E, const Example& x, int n, const PositionWeights& L);
// sum_j l_j * E q_j for one sentence.
Vector embed_sentence(const Matrix& E, const std::vector<int>& words, const PositionWeights& L);

}  // namespace memnet::engine
