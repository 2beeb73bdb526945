// engine/position_encoding.h
//
// Position encoding for memory and question embeddings (Sukhbaatar et al. 2015, section 4.1):
//   m_i = sum_j l_j * A x_ij       (* = element-wise)
// The paper's formula and the authors' reference code differ; both are offered, and
// bag-of-words is l_j = 1.
#pragma once

#include <vector>

#include "engine/model_config.h"
#include "engine/tensor.h"

namespace memnet::engine {

// Returns L, a d x J matrix whose column j-1 is l_j (j = 1..J).
//   paper:     l_kj = (1 - j/J) - (k/d)(1 - 2j/J)
//   reference, local: l_kj = 1 + 4(k - (d+1)/2)(j - (J+1)/2)/(d J)
//   none:      l_kj = 1
// Throws std::invalid_argument unless d > 0 and J > 0.
Matrix position_encoding(Index d, Index J, Encoding variant);

// The weights a model applies to a sentence of `length` words, cached per length.
// paper, local: J = the sentence's own length. reference: J = max(sentence_length, length).
class PositionWeights {
 public:
  PositionWeights() = default;
  PositionWeights(const ModelConfig& config, int cached_lengths = 64);
  // d x length; computed on the fly beyond the cache (thread-safe: the cache is immutable).
  Matrix for_length(int length) const;
  // Borrowed view when cached; `scratch` holds the matrix otherwise.
  const Matrix& get(int length, Matrix& scratch) const;

 private:
  Index d_ = 0;
  int J_ = 0;
  Encoding encoding_ = Encoding::kPaper;
  std::vector<Matrix> cache_;  // cache_[n] = weights for a sentence of n words
};

}  // namespace memnet::engine
