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
  kLocal,       // the authors' formula with J = words in that sentence (as kPaper does):
                // a short sentence keeps its full range of positions however long the
                // longest training sentence is (joint training mixes tasks' lengths)
};

// Weight tying (paper section 2.2).
enum class Tying {
  kAdjacent,   // A^{k+1} = C^k, B = A^1, W^T = C^K; T_A^{k+1} = T_C^k
  kLayerwise,  // A^k = A, C^k = C, u^{k+1} = H u^k + o^k; B and W separate
};

// How hop k scores memory i against the state u (the attention kernel), s_i = f(u, m_i):
enum class Attention {
  kDot,       // u^T m_i (the paper)
  kScaled,    // u^T m_i / sqrt(d) (Vaswani et al. 2017)
  kCosine,    // beta^k * u^T m_i / (|u| |m_i|), beta^k a learned inverse temperature (NTM)
  kDistance,  // -|u - m_i|^2 (kernel regression)
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
  // Beyond the 2015 paper. Each default is the paper's model; a file written before these
  // fields existed loads with the defaults and answers as before.
  Attention attention = Attention::kDot;
  // Gated hops (Liu & Perez 2017): T^k = sigmoid(W_T^k u^k + b_T^k),
  // u^{k+1} = o^k * T^k + u^k * (1 - T^k) (layer-wise: H u^k in place of u^k).
  bool gated = false;
  // ReLU on the first relu_units entries of every u^{k+1} (the paper's larger 10k model
  // applies it to half of the units). 0 = none.
  int relu_units = 0;
  // Memory self-attention before the hops (engine/self_attention.h): every hop's keys and
  // values, temporal term included, pass through self_attention_layers layers of multi-head
  // scaled dot-product attention among the facts, with a residual and layer norm. Tied: one
  // layer's weights applied self_attention_layers times (Universal Transformer style).
  int self_attention_layers = 0;
  int heads = 1;  // must divide dim
  bool tied_self_attention = false;
  // Ensemble: this many independently trained networks of the same shape; the answer
  // distribution is the mean of theirs, and so is the attention shown.
  int members = 1;
  // Ensembles of gated and ungated networks (docs/benchmarks.md, "Gated and ungated joint
  // models together"): with `gated`, the last ungated_members members have ungated hops
  // (u^{k+1} = u^k + o^k, no W_T, b_T). 0 = every member as `gated`.
  int ungated_members = 0;
};

// Whether member e (0-based) of `config` has gated hops.
bool member_gated(const ModelConfig& config, int e);
// Member e's own config: members = 1, gated as member_gated.
ModelConfig member_config(const ModelConfig& config, int e);

// Throws std::invalid_argument naming the first field out of range.
void validate(const ModelConfig& config);

std::string_view to_string(Encoding e);
std::string_view to_string(Tying t);
std::string_view to_string(Attention a);
// "dot", "scaled", "cosine", "distance"; throws std::invalid_argument listing them.
Attention parse_attention(std::string_view s);
// One line naming every option that differs from the paper's model, e.g.
// "attention=scaled gated relu_units=50"; "" for the paper's model.
std::string describe_extensions(const ModelConfig& config);
// Accept "none"/"bow", "paper", "reference", "local"; and "adjacent", "layerwise".
// Throw std::invalid_argument listing the accepted values.
Encoding parse_encoding(std::string_view s);
Tying parse_tying(std::string_view s);

// A parameter matrix and its name. Names, in order:
//   adjacent:  A1, C1, ..., CK (word matrices, d x V); TA1, TC1, ..., TCK (d x n_max, if temporal)
//   layerwise: A, C, B, Wt (d x V); H (d x d); TA, TC (d x n_max, if temporal)
//   then, when enabled:
//   cosine:    beta1 ... betaK (1 x 1, layer-wise: beta)
//   gated:     WT1, bT1, ..., WTK, bTK (d x d and d x 1, layer-wise: WT, bT)
//   self-attention, per layer l (one if tied): SA<l>.WQ, .WK, .WV, .WO (d x d), .gamma, .beta
//   (d x 1)
// An ensemble repeats the list per member; member e >= 2 prefixes each name with "e<e>.".
struct NamedMatrix {
  std::string name;
  Matrix value;
};

struct ParameterSpec {
  std::string name;
  Index rows = 0;
  Index cols = 0;
  bool word_matrix = false;  // one column per word: column 0 (nil) is kept at zero
  float init = -1;           // < 0: drawn from N(0, stddev^2); else this constant
};

// The parameter list a config implies, in storage order (every member's).
std::vector<ParameterSpec> parameter_specs(const ModelConfig& config);
// The same list for one member (no prefix; gated as `config.gated`); parameter_specs repeats
// it per member, each with its member_config.
std::vector<ParameterSpec> member_parameter_specs(const ModelConfig& config);
// "A1" for member 0, "e2.A1" for member 1, ...
std::string member_parameter_name(int member, std::string_view name);

}  // namespace memnet::engine
