// engine/self_attention.h
//
// Multi-head self-attention over memory slots (Vaswani et al. 2017, sections 3.2-3.3), with a
// residual connection and a per-slot layer norm, for "memory self-attention" ahead of the
// MemN2N hops (one shared layer applied T times gives the Universal Transformer's recurrence).
//
// One layer on X (d x n, column i = memory slot i), H heads of d_h = d / H rows each:
//   Q = W_Q X,  K = W_K X,  V = W_V X             d x n; head h = rows [h d_h, (h+1) d_h)
//   S_h = K_h^T Q_h / sqrt(d_h)                    n x n; column j = query slot j over keys i
//   P_h = softmax of each column of S_h            n x n; the column max is subtracted first
//   Z_h = V_h P_h                                  d_h x n; Z stacks the heads by rows (d x n)
//   R = X + W_O Z                                  d x n  (residual)
//   r-hat = (r - mean(r)) / sqrt(var(r) + eps)     per column r of R; biased (1/d) variance,
//   y = gamma .* r-hat + beta                      eps = 1e-5; Y is d x n
// Parameters: W_Q, W_K, W_V, W_O (d x d), gamma and beta (d x 1). Initial values: gamma = 1,
// beta = 0; the caller draws the four d x d matrices.
//
// Errors: std::invalid_argument (numbers in the message) when heads <= 0, d == 0,
// d % heads != 0, a pointer is null, or a shape differs from the above. n may be 0 (Y is
// d x 0) or 1.
// Threading: both functions are pure (they read their inputs and write only their outputs),
// start no threads and are safe from many threads on distinct outputs. The same inputs give
// the same floats bit for bit: every sum runs in an order fixed by the shapes (and, for
// products past a few hundred rows, by the cache sizes Eigen's blocking reads from the CPU).
#pragma once

#include <vector>

#include "engine/tensor.h"

namespace memnet::engine {

inline constexpr float kLayerNormEps = 1e-5f;

struct SelfAttentionWeights {
  const Matrix* W_Q;    // d x d
  const Matrix* W_K;    // d x d
  const Matrix* W_V;    // d x d
  const Matrix* W_O;    // d x d
  const Matrix* gamma;  // d x 1  layer-norm gain
  const Matrix* beta;   // d x 1  layer-norm bias
};

// dL/d(parameter), same shapes as SelfAttentionWeights; backward adds into them (+=), so
// a layer applied several times (tied weights) accumulates its gradients in one place.
struct SelfAttentionGrads {
  Matrix* W_Q;
  Matrix* W_K;
  Matrix* W_V;
  Matrix* W_O;
  Matrix* gamma;
  Matrix* beta;
};

// What backward needs, filled by forward (reusing it across calls saves allocations).
struct SelfAttentionTrace {
  int heads = 0;          // H
  Matrix X;               // d x n  input
  Matrix Q, K, V;         // d x n  Q = W_Q X, K = W_K X, V = W_V X
  std::vector<Matrix> P;  // H, each n x n  P_h = column softmax of K_h^T Q_h / sqrt(d_h)
  Matrix Z;               // d x n  Z_h = V_h P_h, stacked by rows
  Matrix R_hat;           // d x n  column i = (r_i - mean(r_i)) / sqrt(var(r_i) + eps)
  Vector inv_sigma;       // n      1 / sqrt(var(r_i) + eps)
};

// Y = layer(X), shapes as above; fills `trace`. Y may be X itself (a layer applied in place).
// Throws std::invalid_argument (see top).
void self_attention_forward(const SelfAttentionWeights& w, int heads, const Matrix& X, Matrix& Y,
                            SelfAttentionTrace& trace);

// Given dY = dL/dY (d x n) for the forward pass recorded in `trace` (made with the same
// weights and heads), sets dX = dL/dX (d x n) and adds dL/d(parameter) into g. dX may be
// dY itself, so a stack of layers can pass one matrix down.
// Throws std::invalid_argument on a shape, heads or null-pointer mismatch.
void self_attention_backward(const SelfAttentionWeights& w, int heads,
                             const SelfAttentionTrace& trace, const Matrix& dY, Matrix& dX,
                             SelfAttentionGrads& g);

}  // namespace memnet::engine
