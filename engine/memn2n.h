// engine/memn2n.h
//
// End-to-end memory network (Sukhbaatar, Szlam, Weston, Fergus 2015), forward pass.
//   u^1 = sum_j l_j * B q_j                               (question embedding)
//   m_i = sum_j l_j * A^k x_ij + T_A^k(i)                 (memory keys, slot i)
//   c_i = sum_j l_j * C^k x_ij + T_C^k(i)                 (memory values)
//   p   = softmax(u^T m_i)      (linear start: p_i = u^T m_i)
//   o   = sum_i p_i c_i,  u^{k+1} = u^k + o^k  (layer-wise: H u^k + o^k)
//   a-hat = softmax(W u^{K+1})
// Weight tying is resolved in the accessors A(k), C(k), T_A(k), T_C(k), B(), Wt(): the rest
// of the engine never looks at parameter names.
//
// Threading: a const Memn2n is safe to use from many threads (answer() allocates its own
// scratch); mutation (training) is not.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "engine/example.h"
#include "engine/model_config.h"
#include "engine/position_encoding.h"
#include "engine/tensor.h"

namespace memnet::engine {

struct Prediction {
  Vector a_hat;                   // V   softmax over the vocabulary
  int answer = 0;                 // argmax of a_hat
  std::vector<Vector> attention;  // K vectors of n: p per hop, slot 0 = most recent sentence
  int first_sentence = 0;         // story index of the oldest sentence in memory
};

class Memn2n {
 public:
  // Takes the parameters in parameter_specs(config) order, names and shapes checked.
  // Throws std::invalid_argument naming the first mismatch.
  Memn2n(ModelConfig config, std::vector<NamedMatrix> parameters);

  // Parameters drawn from N(0, stddev^2) (paper: 0.1), nil columns zero.
  static Memn2n random(const ModelConfig& config, std::mt19937_64& rng, float stddev = 0.1f);

  const ModelConfig& config() const { return config_; }
  const std::vector<NamedMatrix>& parameters() const { return params_; }
  std::vector<NamedMatrix>& mutable_parameters() { return params_; }

  // Hop k is 1-based, as in the paper.
  const Matrix& A(int k) const { return params_[a_[k - 1]].value; }
  const Matrix& C(int k) const { return params_[c_[k - 1]].value; }
  const Matrix& T_A(int k) const { return params_[ta_[k - 1]].value; }  // temporal only
  const Matrix& T_C(int k) const { return params_[tc_[k - 1]].value; }
  const Matrix& B() const { return params_[b_].value; }
  const Matrix& Wt() const { return params_[wt_].value; }  // W^T, d x V
  const Matrix& H() const { return params_[h_].value; }    // layer-wise only
  // Parameter indices behind the accessors (for gradients, which mirror params_).
  int index_A(int k) const { return a_[k - 1]; }
  int index_C(int k) const { return c_[k - 1]; }
  int index_T_A(int k) const { return ta_[k - 1]; }
  int index_T_C(int k) const { return tc_[k - 1]; }
  int index_B() const { return b_; }
  int index_Wt() const { return wt_; }
  int index_H() const { return h_; }

  const PositionWeights& position_weights() const { return L_; }

  // Sets column 0 (the nil word) of every word matrix to zero.
  void zero_nil();

  // Answers one question. Ids >= V are a caller bug (assert); unknown words must have been
  // dropped by encode(). `linear` skips the memory softmax (linear start).
  Prediction answer(const Example& x, bool linear = false) const;

 private:
  ModelConfig config_;
  std::vector<NamedMatrix> params_;
  std::vector<int> a_, c_, ta_, tc_;
  int b_ = -1, wt_ = -1, h_ = -1;
  std::vector<int> word_matrices_;  // indices of the d x V matrices (nil column kept at 0)
  PositionWeights L_;
};

// Number of memory slots a question over `story_size` sentences uses.
inline int memory_slots(const ModelConfig& c, size_t story_size) {
  return static_cast<int>(story_size < static_cast<size_t>(c.memory_size) ? story_size
                                                                          : c.memory_size);
}

}  // namespace memnet::engine
