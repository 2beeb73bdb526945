#include "engine/self_attention.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace memnet::engine;

Matrix random_matrix(std::mt19937_64& rng, Index rows, Index cols, float stddev) {
  std::normal_distribution<float> normal(0.0f, stddev);
  Matrix M(rows, cols);
  for (Index j = 0; j < cols; ++j)
    for (Index i = 0; i < rows; ++i) M(i, j) = normal(rng);
  return M;
}

// One layer's parameters with their gradients beside them.
struct Layer {
  Matrix W_Q, W_K, W_V, W_O, gamma, beta;
  Matrix dW_Q, dW_K, dW_V, dW_O, dgamma, dbeta;

  // The d x d matrices ~ N(0, stddev^2); gamma = 1 + noise and beta = noise of the same scale,
  // so that the layer norm's parameters are exercised too.
  Layer(std::mt19937_64& rng, Index d, float stddev)
      : W_Q(random_matrix(rng, d, d, stddev)),
        W_K(random_matrix(rng, d, d, stddev)),
        W_V(random_matrix(rng, d, d, stddev)),
        W_O(random_matrix(rng, d, d, stddev)),
        gamma(Matrix::Ones(d, 1) + random_matrix(rng, d, 1, stddev)),
        beta(random_matrix(rng, d, 1, stddev)) {
    zero_grads();
  }

  void zero_grads() {
    const Index d = W_Q.rows();
    dW_Q = dW_K = dW_V = dW_O = Matrix::Zero(d, d);
    dgamma = dbeta = Matrix::Zero(d, 1);
  }
  SelfAttentionWeights weights() const { return {&W_Q, &W_K, &W_V, &W_O, &gamma, &beta}; }
  SelfAttentionGrads grads() { return {&dW_Q, &dW_K, &dW_V, &dW_O, &dgamma, &dbeta}; }
};

// Layers applied one after the other: order[k] indexes `layers`, so {0, 0} is one layer
// applied twice (tied, recurrent) and {0, 1} two layers with their own weights.
struct Stack {
  std::vector<Layer> layers;
  std::vector<int> order;
  int heads = 1;

  Matrix forward(const Matrix& X, std::vector<SelfAttentionTrace>& traces) const {
    traces.resize(order.size());
    Matrix Y = X;
    for (size_t k = 0; k < order.size(); ++k)
      self_attention_forward(layers[static_cast<size_t>(order[k])].weights(), heads, Y, Y,
                             traces[k]);
    return Y;
  }
  // Zeroes the gradients, fills them from dY and returns dX.
  Matrix backward(const std::vector<SelfAttentionTrace>& traces, const Matrix& dY) {
    for (Layer& l : layers) l.zero_grads();
    Matrix dX = dY;
    for (size_t k = order.size(); k-- > 0;) {
      Layer& l = layers[static_cast<size_t>(order[k])];
      SelfAttentionGrads g = l.grads();
      self_attention_backward(l.weights(), heads, traces[k], dX, dX, g);
    }
    return dX;
  }
};

Stack make_stack(std::mt19937_64& rng, Index d, int heads, std::vector<int> order) {
  Stack s;
  s.heads = heads;
  s.order = std::move(order);
  const int count = *std::max_element(s.order.begin(), s.order.end()) + 1;
  for (int i = 0; i < count; ++i) s.layers.emplace_back(rng, d, 0.4f);
  return s;
}

// L = sum(G .* Y), summed in double.
double loss(const Stack& s, const Matrix& X, const Matrix& G) {
  std::vector<SelfAttentionTrace> traces;
  const Matrix Y = s.forward(X, traces);
  return G.cast<double>().cwiseProduct(Y.cast<double>()).sum();
}

struct CheckResult {
  double worst = 0;   // largest relative error
  std::string where;  // the entry where it occurred, both values
};

// Compares backward with central differences of L = sum(G .* Y) for every entry of every
// parameter of every layer and of X. `tamper` (may be empty) edits the analytic gradients
// before the comparison, to show that the check can fail. eps = 1e-2 on float32 values of
// scale ~0.4 (parameters) and ~1 (X); the loss is evaluated in float, so the error is
// relative with an absolute floor of 1e-2. With d = 4 the layer norm is ill-conditioned when
// a column of R has a small variance (X at scale 0.5 drew one: dL/dX ~ 25, where eps = 1e-2
// is too coarse); X at scale 1 keeps the residual's variance near 1. Worst error seen over the
// cases below: 4e-3 with eps = 1e-2 (1.2e-2 with eps = 4e-3, float noise on tiny gradients).
CheckResult check_gradients(Stack& s, Matrix X, const Matrix& G,
                            const std::function<void(Stack&, Matrix& dX)>& tamper = {}) {
  std::vector<SelfAttentionTrace> traces;
  s.forward(X, traces);
  Matrix dX = s.backward(traces, G);
  if (tamper) tamper(s, dX);

  struct Entry {
    std::string name;
    Matrix* value;
    const Matrix* grad;
  };
  std::vector<Entry> entries{{"X", &X, &dX}};
  for (size_t i = 0; i < s.layers.size(); ++i) {
    Layer& l = s.layers[i];
    entries.push_back({fmt::format("layer{}.W_Q", i), &l.W_Q, &l.dW_Q});
    entries.push_back({fmt::format("layer{}.W_K", i), &l.W_K, &l.dW_K});
    entries.push_back({fmt::format("layer{}.W_V", i), &l.W_V, &l.dW_V});
    entries.push_back({fmt::format("layer{}.W_O", i), &l.W_O, &l.dW_O});
    entries.push_back({fmt::format("layer{}.gamma", i), &l.gamma, &l.dgamma});
    entries.push_back({fmt::format("layer{}.beta", i), &l.beta, &l.dbeta});
  }

  const float eps = 1e-2f;
  CheckResult result;
  for (const Entry& e : entries) {
    Matrix& W = *e.value;
    for (Index j = 0; j < W.cols(); ++j) {
      for (Index i = 0; i < W.rows(); ++i) {
        const float keep = W(i, j);
        W(i, j) = keep + eps;
        const double up = loss(s, X, G);
        W(i, j) = keep - eps;
        const double down = loss(s, X, G);
        W(i, j) = keep;
        const double numeric = (up - down) / (2.0 * eps);
        const double analytic = (*e.grad)(i, j);
        const double err =
            std::abs(numeric - analytic) / std::max(1e-2, std::abs(numeric) + std::abs(analytic));
        if (err > result.worst) {
          result.worst = err;
          result.where =
              fmt::format("{}({},{}): backward {} vs numeric {}", e.name, i, j, analytic, numeric);
        }
      }
    }
  }
  return result;
}

constexpr double kGradientTolerance = 2e-2;

// Layer norm of each column of X in double, with gamma and beta: the reference for the
// W_O = 0 test.
Matrix layer_norm_reference(const Matrix& X, const Matrix& gamma, const Matrix& beta) {
  Matrix Y(X.rows(), X.cols());
  const double d = static_cast<double>(X.rows());
  for (Index j = 0; j < X.cols(); ++j) {
    double mean = 0, var = 0;
    for (Index i = 0; i < X.rows(); ++i) mean += X(i, j);
    mean /= d;
    for (Index i = 0; i < X.rows(); ++i) var += (X(i, j) - mean) * (X(i, j) - mean);
    var /= d;
    for (Index i = 0; i < X.rows(); ++i)
      Y(i, j) =
          static_cast<float>(gamma(i, 0) * (X(i, j) - mean) / std::sqrt(var + 1e-5) + beta(i, 0));
  }
  return Y;
}

bool bitwise_equal(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() && (a.array() == b.array()).all();
}

}  // namespace

TEST_CASE("self-attention: backward matches central differences for every parameter and X") {
  struct Shape {
    std::string name;
    std::vector<int> order;
  };
  const Shape shapes[] = {{"one layer", {0}},
                          {"one layer applied twice (tied)", {0, 0}},
                          {"two layers with their own weights", {0, 1}}};
  for (const Shape& shape : shapes) {
    for (int heads : {1, 2}) {
      for (Index n : {3, 1}) {
        std::mt19937_64 rng(11 + static_cast<unsigned>(heads * 10 + n));
        const Index d = 4;
        Stack s = make_stack(rng, d, heads, shape.order);
        const Matrix X = random_matrix(rng, d, n, 1.0f);
        const Matrix G = random_matrix(rng, d, n, 1.0f);
        const CheckResult r = check_gradients(s, X, G);
        CHECK_MESSAGE(r.worst < kGradientTolerance, shape.name, ", heads = ", heads, ", n = ", n,
                      ": worst relative error ", r.worst, " at ", r.where);
      }
    }
  }
}

TEST_CASE("self-attention: the gradient check catches a wrong backward") {
  std::mt19937_64 rng(5);
  const Index d = 4, n = 3;
  Stack s = make_stack(rng, d, 2, {0, 1});
  const Matrix X = random_matrix(rng, d, n, 1.0f);
  const Matrix G = random_matrix(rng, d, n, 1.0f);
  CHECK(check_gradients(s, X, G).worst < kGradientTolerance);  // unbroken, as a baseline

  SUBCASE("one entry of dW_K off by 0.05") {
    const CheckResult r =
        check_gradients(s, X, G, [](Stack& t, Matrix&) { t.layers[0].dW_K(1, 2) += 0.05f; });
    CHECK_MESSAGE(r.worst > kGradientTolerance, "worst ", r.worst, " at ", r.where);
  }
  SUBCASE("dW_Q transposed") {
    const CheckResult r = check_gradients(s, X, G, [](Stack& t, Matrix&) {
      t.layers[1].dW_Q = Matrix(t.layers[1].dW_Q.transpose());
    });
    CHECK_MESSAGE(r.worst > kGradientTolerance, "worst ", r.worst, " at ", r.where);
  }
  SUBCASE("one entry of dX scaled by 1.5") {
    const CheckResult r = check_gradients(s, X, G, [](Stack&, Matrix& dX) { dX(2, 1) *= 1.5f; });
    CHECK_MESSAGE(r.worst > kGradientTolerance, "worst ", r.worst, " at ", r.where);
  }
}

TEST_CASE("self-attention: each column of each P_h sums to 1, also for large scores") {
  std::mt19937_64 rng(17);
  const Index d = 6, n = 5;
  const int heads = 3;
  Layer l(rng, d, 0.4f);
  const Matrix X = random_matrix(rng, d, n, 1.0f);
  for (float scale : {1.0f, 100.0f}) {  // 100: scores in the thousands, exp() would overflow
    CAPTURE(scale);
    l.W_Q *= scale;
    l.W_K *= scale;
    Matrix Y;
    SelfAttentionTrace trace;
    self_attention_forward(l.weights(), heads, X, Y, trace);
    REQUIRE(trace.P.size() == 3);
    for (const Matrix& P : trace.P) {
      REQUIRE(P.rows() == n);
      REQUIRE(P.cols() == n);
      CHECK(P.allFinite());
      CHECK(P.minCoeff() >= 0.0f);
      for (Index j = 0; j < n; ++j) CHECK(P.col(j).sum() == doctest::Approx(1.0).epsilon(1e-6));
    }
    CHECK(Y.allFinite());
  }
}

TEST_CASE("self-attention: with W_O = 0 the output is the layer norm of X") {
  std::mt19937_64 rng(19);
  const Index d = 6, n = 4;
  Layer l(rng, d, 0.4f);
  l.W_O.setZero();
  const Matrix X = random_matrix(rng, d, n, 1.0f);
  Matrix Y;
  SelfAttentionTrace trace;
  self_attention_forward(l.weights(), 2, X, Y, trace);
  const Matrix expected = layer_norm_reference(X, l.gamma, l.beta);
  CHECK_MESSAGE(Y.isApprox(expected, 1e-5f), "Y =\n", Y, "\nexpected =\n", expected);
}

TEST_CASE("self-attention: with gamma = 1 each output column has mean mean(beta), variance 1") {
  std::mt19937_64 rng(23);
  const Index d = 8, n = 5;
  Layer l(rng, d, 0.4f);
  l.gamma.setOnes();
  const Matrix X = random_matrix(rng, d, n, 1.0f);
  for (bool zero_beta : {true, false}) {
    CAPTURE(zero_beta);
    if (zero_beta) l.beta.setZero();
    Matrix Y;
    SelfAttentionTrace trace;
    self_attention_forward(l.weights(), 2, X, Y, trace);
    for (Index j = 0; j < n; ++j) {
      const double mean = Y.col(j).cast<double>().mean();
      CHECK(mean == doctest::Approx(l.beta.cast<double>().mean()).epsilon(1e-5).scale(1.0));
      // y - beta = r-hat, whose biased variance is var / (var + eps), within 1e-3 of 1 here
      const Matrix centered = Y.col(j) - l.beta;
      const double var = centered.cast<double>().squaredNorm() / static_cast<double>(d);
      CHECK(var == doctest::Approx(1.0).epsilon(1e-3));
    }
    l.beta = random_matrix(rng, d, 1, 0.4f);
  }
}

TEST_CASE("self-attention: permuting the slots of X permutes the slots of Y and dX alike") {
  std::mt19937_64 rng(29);
  const Index d = 6, n = 5;
  const int heads = 2;
  Layer l(rng, d, 0.4f);
  const Matrix X = random_matrix(rng, d, n, 1.0f);
  const Matrix dY = random_matrix(rng, d, n, 1.0f);
  const std::vector<Index> perm{3, 0, 4, 1, 2};  // column j of the permuted X is X.col(perm[j])
  Matrix X_perm(d, n), dY_perm(d, n);
  for (Index j = 0; j < n; ++j) {
    X_perm.col(j) = X.col(perm[static_cast<size_t>(j)]);
    dY_perm.col(j) = dY.col(perm[static_cast<size_t>(j)]);
  }

  Matrix Y, Y_perm, dX, dX_perm;
  SelfAttentionTrace trace, trace_perm;
  self_attention_forward(l.weights(), heads, X, Y, trace);
  SelfAttentionGrads g = l.grads();
  self_attention_backward(l.weights(), heads, trace, dY, dX, g);
  const Matrix dW_Q = l.dW_Q, dgamma = l.dgamma;
  l.zero_grads();
  self_attention_forward(l.weights(), heads, X_perm, Y_perm, trace_perm);
  g = l.grads();
  self_attention_backward(l.weights(), heads, trace_perm, dY_perm, dX_perm, g);

  for (Index j = 0; j < n; ++j) {
    const Index i = perm[static_cast<size_t>(j)];
    CHECK_MESSAGE(Y_perm.col(j).isApprox(Y.col(i), 1e-5f), "slot ", j, ": ",
                  Y_perm.col(j).transpose(), " vs ", Y.col(i).transpose());
    CHECK_MESSAGE(dX_perm.col(j).isApprox(dX.col(i), 1e-4f), "slot ", j, ": ",
                  dX_perm.col(j).transpose(), " vs ", dX.col(i).transpose());
  }
  // the parameters see the same set of slots, so their gradients do not move
  CHECK_MESSAGE(l.dW_Q.isApprox(dW_Q, 1e-4f), l.dW_Q, "\nvs\n", dW_Q);
  CHECK_MESSAGE(l.dgamma.isApprox(dgamma, 1e-4f), l.dgamma.transpose(), " vs ", dgamma.transpose());
}

TEST_CASE("self-attention: bad heads or shapes throw std::invalid_argument with the numbers") {
  std::mt19937_64 rng(31);
  Layer l(rng, 6, 0.4f);
  const Matrix X = random_matrix(rng, 6, 3, 1.0f);
  Matrix Y;
  SelfAttentionTrace trace;
  CHECK_THROWS_WITH_AS(self_attention_forward(l.weights(), 4, X, Y, trace),
                       "self_attention: d = 6 is not divisible by heads = 4",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(self_attention_forward(l.weights(), 0, X, Y, trace),
                       "self_attention: heads must be > 0, got 0", std::invalid_argument);
  const Matrix X5 = random_matrix(rng, 5, 3, 1.0f);
  CHECK_THROWS_WITH_AS(self_attention_forward(l.weights(), 1, X5, Y, trace),
                       "self_attention: W_Q should be 5 x 5, got 6 x 6", std::invalid_argument);
  SelfAttentionWeights no_beta = l.weights();
  no_beta.beta = nullptr;
  CHECK_THROWS_WITH_AS(self_attention_forward(no_beta, 2, X, Y, trace),
                       "self_attention: beta is null", std::invalid_argument);

  self_attention_forward(l.weights(), 3, X, Y, trace);
  Matrix dX;
  SelfAttentionGrads g = l.grads();
  CHECK_THROWS_WITH_AS(self_attention_backward(l.weights(), 3, trace, Matrix::Ones(6, 2), dX, g),
                       "self_attention: dY should be 6 x 3, got 6 x 2", std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      self_attention_backward(l.weights(), 2, trace, Y, dX, g),
      "self_attention: backward with heads = 2, but the trace was made with heads = 3",
      std::invalid_argument);
}

TEST_CASE("self-attention: no memory slots (n = 0) gives a d x 0 output and zero gradients") {
  std::mt19937_64 rng(37);
  Layer l(rng, 4, 0.4f);
  const Matrix X(4, 0);
  Matrix Y;
  SelfAttentionTrace trace;
  self_attention_forward(l.weights(), 2, X, Y, trace);
  CHECK(Y.rows() == 4);
  CHECK(Y.cols() == 0);
  REQUIRE(trace.P.size() == 2);
  CHECK(trace.P[0].size() == 0);

  Matrix dX;
  SelfAttentionGrads g = l.grads();
  self_attention_backward(l.weights(), 2, trace, Matrix(4, 0), dX, g);
  CHECK(dX.rows() == 4);
  CHECK(dX.cols() == 0);
  for (const Matrix* G : {&l.dW_Q, &l.dW_K, &l.dW_V, &l.dW_O, &l.dgamma, &l.dbeta})
    CHECK(G->isZero(0));
}

TEST_CASE("self-attention: the same inputs give the same floats bit for bit, from many threads") {
  std::mt19937_64 rng(41);
  const Index d = 32, n = 20;
  const int heads = 4;
  Layer l(rng, d, 0.3f);
  const Matrix X = random_matrix(rng, d, n, 1.0f);
  const Matrix dY = random_matrix(rng, d, n, 1.0f);
  struct Run {
    Matrix Y, dX, dW_Q;
  };
  auto run = [&](Run& out) {
    Layer copy = l;  // own gradients; the weights are read only
    SelfAttentionTrace trace;
    self_attention_forward(l.weights(), heads, X, out.Y, trace);
    SelfAttentionGrads g = copy.grads();
    self_attention_backward(l.weights(), heads, trace, dY, out.dX, g);
    out.dW_Q = copy.dW_Q;
  };
  Run first;
  run(first);
  std::vector<Run> runs(4);
  std::vector<std::thread> threads;
  for (Run& r : runs) threads.emplace_back(run, std::ref(r));
  for (std::thread& t : threads) t.join();
  for (const Run& r : runs) {
    CHECK(bitwise_equal(r.Y, first.Y));
    CHECK(bitwise_equal(r.dX, first.dX));
    CHECK(bitwise_equal(r.dW_Q, first.dW_Q));
  }
}

TEST_CASE("self-attention: Y may be X and dX may be dY") {
  std::mt19937_64 rng(43);
  const Index d = 4, n = 3;
  Layer l(rng, d, 0.4f);
  const Matrix X = random_matrix(rng, d, n, 1.0f);
  const Matrix dY = random_matrix(rng, d, n, 1.0f);
  Matrix Y, dX;
  SelfAttentionTrace trace;
  self_attention_forward(l.weights(), 2, X, Y, trace);
  SelfAttentionGrads g = l.grads();
  self_attention_backward(l.weights(), 2, trace, dY, dX, g);

  Matrix inout = X;
  SelfAttentionTrace trace_in_place;
  self_attention_forward(l.weights(), 2, inout, inout, trace_in_place);
  CHECK(bitwise_equal(inout, Y));
  inout = dY;
  self_attention_backward(l.weights(), 2, trace_in_place, inout, inout, g);
  CHECK(bitwise_equal(inout, dX));
}
