// engine/memn2n.h
//
// End-to-end memory network (Sukhbaatar, Szlam, Weston, Fergus 2015), forward pass.
//   u^1 = sum_j l_j * B q_j                               (question embedding)
//   m_i = sum_j l_j * A^k x_ij + T_A^k(i)                 (memory keys, slot i)
//   c_i = sum_j l_j * C^k x_ij + T_C^k(i)                 (memory values)
//   p   = softmax(u^T m_i)      (linear start: p_i = u^T m_i)
//   o   = sum_i p_i c_i,  u^{k+1} = u^k + o^k  (layer-wise: H u^k + o^k)
//   a-hat = softmax(W u^{K+1})
// and the options of ModelConfig beyond the paper: other attention kernels, gated hops
// (Liu & Perez 2017), ReLU units, memory self-attention, ensembles.
// Weight tying is resolved in the accessors A(k), C(k), T_A(k), T_C(k), B(), Wt(): the rest
// of the engine never looks at parameter names.
//
// Threading: a const Memn2n is safe to use from many threads (answer() allocates its own
// scratch); mutation (training) is not.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "engine/example.h"
#include "engine/model_config.h"
#include "engine/position_encoding.h"
#include "engine/random.h"
#include "engine/tensor.h"

namespace memnet::engine {

struct Prediction {
  Vector a_hat;                   // V   softmax over the vocabulary
  int answer = 0;                 // argmax of a_hat
  std::vector<Vector> attention;  // K vectors of n: p per hop, slot 0 = most recent sentence
                                  // (an ensemble: the mean over its members)
  int first_sentence = 0;         // story index of the oldest sentence in memory
};

class Memn2n {
 public:
  // Takes the parameters in parameter_specs(config) order, names and shapes checked.
  // Throws std::invalid_argument naming the first mismatch.
  Memn2n(ModelConfig config, std::vector<NamedMatrix> parameters);

  // Parameters drawn from N(0, stddev^2) (paper: 0.1) with engine/random.h, so a seed gives
  // the same weights under every standard library; nil columns zero; parameters with a
  // constant initial value (ParameterSpec::init: gates' b_T, cosine's beta, layer norm) take it.
  static Memn2n random(const ModelConfig& config, Rng& rng, float stddev = 0.1f);

  // One ensemble of the given single-member models (same config but for `members`): its
  // answer distribution is the mean of theirs. Throws std::invalid_argument on an empty list,
  // a member that is itself an ensemble, or configs that differ.
  static Memn2n ensemble(const std::vector<const Memn2n*>& members);

  const ModelConfig& config() const { return config_; }
  const std::vector<NamedMatrix>& parameters() const { return params_; }
  std::vector<NamedMatrix>& mutable_parameters() { return params_; }

  // Hop k is 1-based, as in the paper; e is the ensemble member, 0-based (0 for a single
  // model). The accessors resolve weight tying.
  const Matrix& A(int k, int e = 0) const { return at(net(e).a[k - 1]); }
  const Matrix& C(int k, int e = 0) const { return at(net(e).c[k - 1]); }
  const Matrix& T_A(int k, int e = 0) const { return at(net(e).ta[k - 1]); }  // temporal only
  const Matrix& T_C(int k, int e = 0) const { return at(net(e).tc[k - 1]); }
  const Matrix& B(int e = 0) const { return at(net(e).b); }
  const Matrix& Wt(int e = 0) const { return at(net(e).wt); }                  // W^T, d x V
  const Matrix& H(int e = 0) const { return at(net(e).h); }                    // layer-wise only
  const Matrix& W_T(int k, int e = 0) const { return at(net(e).w_t[k - 1]); }  // gated only
  const Matrix& b_T(int k, int e = 0) const { return at(net(e).b_t[k - 1]); }  // d x 1
  float beta(int k, int e = 0) const { return at(net(e).beta[k - 1])(0, 0); }  // cosine only
  // Parameter indices behind the accessors (for gradients, which mirror params_).
  int index_A(int k, int e = 0) const { return net(e).a[k - 1]; }
  int index_C(int k, int e = 0) const { return net(e).c[k - 1]; }
  int index_T_A(int k, int e = 0) const { return net(e).ta[k - 1]; }
  int index_T_C(int k, int e = 0) const { return net(e).tc[k - 1]; }
  int index_B(int e = 0) const { return net(e).b; }
  int index_Wt(int e = 0) const { return net(e).wt; }
  int index_H(int e = 0) const { return net(e).h; }
  int index_W_T(int k, int e = 0) const { return net(e).w_t[k - 1]; }
  int index_b_T(int k, int e = 0) const { return net(e).b_t[k - 1]; }
  int index_beta(int k, int e = 0) const { return net(e).beta[k - 1]; }
  // Self-attention layer l (1-based, l <= self_attention_layers): the indices of its
  // W_Q, W_K, W_V, W_O, gamma, beta (tied: the same six for every l).
  const std::array<int, 6>& index_self_attention(int l, int e = 0) const {
    return net(e).sa[static_cast<size_t>(l - 1)];
  }

  const PositionWeights& position_weights() const { return L_; }

  // Sets column 0 (the nil word) of every word matrix to zero.
  void zero_nil();

  // Answers one question. Ids >= V are a caller bug (assert); unknown words must have been
  // dropped by encode(). `linear` skips the memory softmax (linear start). An ensemble
  // averages a_hat and the attention over its members.
  Prediction answer(const Example& x, bool linear = false) const;

 private:
  struct Net {  // one member's parameter indices per role
    std::vector<int> a, c, ta, tc, w_t, b_t, beta;
    int b = -1, wt = -1, h = -1;
    std::vector<std::array<int, 6>> sa;
  };
  const Net& net(int e) const { return nets_[static_cast<size_t>(e)]; }
  const Matrix& at(int i) const { return params_[static_cast<size_t>(i)].value; }

  ModelConfig config_;
  std::vector<NamedMatrix> params_;
  std::vector<Net> nets_;           // one per ensemble member
  std::vector<int> word_matrices_;  // indices of the d x V matrices (nil column kept at 0)
  PositionWeights L_;
};

// Number of memory slots a question over `story_size` sentences uses.
inline int memory_slots(const ModelConfig& c, size_t story_size) {
  return static_cast<int>(story_size < static_cast<size_t>(c.memory_size) ? story_size
                                                                          : c.memory_size);
}

}  // namespace memnet::engine
