// engine/model_config.h
//
// The shape of a MemN2N model (Sukhbaatar et al. 2015) and the names of its parameter
// matrices. Everything a saved model needs besides its vocabulary and weights.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/tensor.h"

namespace memnet::engine {

// How the words of a sentence are combined into one memory vector (paper section 4.1).
enum class Encoding {
  kBagOfWords,  // m_i = sum_j A x_ij
  kPaper,       // PE, l_kj = (1 - j/J) - (k/d)(1 - 2j/J), J = words in that sentence
  kReference,   // PE of the authors' code, l_kj = 1 + 4(k - (d+1)/2)(j - (J+1)/2)/(dJ),
                // J = ModelConfig::sentence_length (longest training sentence)
};

// Weight tying (paper section 2.2).
enum class Tying {
  kAdjacent,   // A^{k+1} = C^k, B = A^1, W^T = C^K; T_A^{k+1} = T_C^k
  kLayerwise,  // A^k = A, C^k = C, u^{k+1} = H u^k + o^k; B and W separate
};

struct ModelConfig {
  int hops = 3;          // K, paper section 4.2
  int dim = 20;          // d (50 for joint training)
  int memory_size = 50;  // n_max: the most recent sentences a question sees
  // Empty memory slots, as the authors' code has them: memory is padded with empty slots up
  // to this many (their code: min(memory_size, longest training story)); an empty slot has
  // key and value 0, so it takes part in the attention softmax with logit 0 and adds nothing
  // to o. It gives attention somewhere to go when no memory fits (yes/no questions need it).
  // 0 = no empty slots: the softmax covers the real memories only.
  int padded_memory = 0;
  int vocab_size = 1;       // V, the nil word included
  int sentence_length = 0;  // J for Encoding::kReference; at least 1 then
  Encoding encoding = Encoding::kPaper;
  bool temporal = true;  // temporal encoding T_A, T_C (section 4.1)
  Tying tying = Tying::kAdjacent;
};

// Throws std::invalid_argument naming the first field out of range.
void validate(const ModelConfig& config);

std::string_view to_string(Encoding e);
std::string_view to_string(Tying t);
// Accept "none"/"bow", "paper", "reference"; and "adjacent", "layerwise".
// Throw std::invalid_argument listing the accepted values.
Encoding parse_encoding(std::string_view s);
Tying parse_tying(std::string_view s);

// A parameter matrix and its name. Names, in order:
//   adjacent:  A1, C1, ..., CK (word matrices, d x V); TA1, TC1, ..., TCK (d x n_max, if temporal)
//   layerwise: A, C, B, Wt (d x V); H (d x d); TA, TC (d x n_max, if temporal)
struct NamedMatrix {
  std::string name;
  Matrix value;
};

struct ParameterSpec {
  std::string name;
  Index rows = 0;
  Index cols = 0;
  bool word_matrix = false;  // one column per word: column 0 (nil) is kept at zero
};

// The parameter list a config implies, in storage order.
std::vector<ParameterSpec> parameter_specs(const ModelConfig& config);

}  // namespace memnet::engine
