// engine/backprop.h
//
// Hand-written gradients of the MemN2N loss, -log a-hat[answer], with respect to every
// parameter matrix. Mirrors forward.h step by step, in reverse; checked against central
// finite differences in tests/engine/backprop_test.cpp for every mode.
#pragma once

#include <vector>

#include "engine/example.h"
#include "engine/forward.h"
#include "engine/memn2n.h"
#include "engine/tensor.h"

namespace memnet::engine {

// One matrix per parameter, same order and shapes as Memn2n::parameters().
struct Gradients {
  std::vector<Matrix> g;
  explicit Gradients(const Memn2n& model);
  void set_zero();
  Gradients& operator+=(const Gradients& other);
};

struct ExampleLoss {
  float loss = 0;  // -log a-hat[answer]
  bool correct = false;
};

// Forward and backward for one example; adds d loss / d theta into `grads`.
// `trace` is scratch (reused across calls to avoid allocations).
ExampleLoss backprop(const Memn2n& model, const Example& x, bool linear,
                     const std::vector<int>* time, Gradients& grads, ForwardTrace& trace);

// The loss alone (used by the finite-difference checks and validation).
ExampleLoss example_loss(const Memn2n& model, const Example& x, bool linear,
                         const std::vector<int>* time = nullptr);

}  // namespace memnet::engine
