#include "engine/backprop.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cmath>
#include <random>
#include <string>

namespace {

using namespace memnet::engine;

Example random_example(std::mt19937_64& rng, int V, int sentences) {
  Example x;
  auto word = [&] { return 1 + static_cast<int>(rng() % static_cast<std::uint64_t>(V - 1)); };
  for (int s = 0; s < sentences; ++s) {
    std::vector<int> sent(2 + rng() % 4);
    for (int& w : sent) w = word();
    x.story.push_back(sent);
  }
  x.question = {word(), word(), word()};
  x.answer = word();
  return x;
}

struct Mode {
  Encoding encoding;
  bool temporal;
  Tying tying;
  bool linear;
  bool empty_slots;
  std::string name() const {
    return fmt::format("{} TE={} {} {} empty_slots={}", to_string(encoding), temporal,
                       to_string(tying), linear ? "linear" : "softmax", empty_slots);
  }
};

// Largest relative difference between backprop and central differences over all entries of
// all parameter matrices. eps = 4e-3 on float32 weights of scale ~0.3; the loss is evaluated
// in float, so the check uses a relative error with an absolute floor.
double worst_gradient_error(const Mode& mode, std::string* where) {
  ModelConfig cfg;
  cfg.hops = 3;
  cfg.dim = 4;
  // story of 6 sentences: without empty slots a window of 4 cuts it; with them, a memory of
  // 9 holds it and 3 empty slots
  cfg.memory_size = mode.empty_slots ? 9 : 4;
  cfg.padded_memory = mode.empty_slots ? 9 : 0;
  cfg.vocab_size = 9;
  cfg.sentence_length = 5;
  cfg.encoding = mode.encoding;
  cfg.temporal = mode.temporal;
  cfg.tying = mode.tying;
  std::mt19937_64 rng(7);
  Memn2n model = Memn2n::random(cfg, rng, 0.3f);
  const Example x = random_example(rng, cfg.vocab_size, 6);
  // noisy temporal indices, capped at memory_size - 1
  const std::vector<int> time =
      mode.empty_slots ? std::vector<int>{0, 1, 3, 4, 6, 8} : std::vector<int>{0, 2, 3, 3};

  Gradients g(model);
  ForwardTrace trace;
  backprop(model, x, mode.linear, &time, g, trace);

  const float eps = 4e-3f;
  double worst = 0;
  auto& params = model.mutable_parameters();
  for (size_t p = 0; p < params.size(); ++p) {
    Matrix& W = params[p].value;
    for (Index j = 0; j < W.cols(); ++j) {
      for (Index i = 0; i < W.rows(); ++i) {
        const float keep = W(i, j);
        W(i, j) = keep + eps;
        const double up = example_loss(model, x, mode.linear, &time).loss;
        W(i, j) = keep - eps;
        const double down = example_loss(model, x, mode.linear, &time).loss;
        W(i, j) = keep;
        const double numeric = (up - down) / (2.0 * eps);
        const double analytic = g.g[p](i, j);
        const double err =
            std::abs(numeric - analytic) / std::max(2e-2, std::abs(numeric) + std::abs(analytic));
        if (err > worst) {
          worst = err;
          *where = fmt::format("{}({},{}): backprop {} vs numeric {}", params[p].name, i, j,
                               analytic, numeric);
        }
      }
    }
  }
  return worst;
}

}  // namespace

TEST_CASE("backprop: matches central differences for every parameter in every mode") {
  for (Encoding e : {Encoding::kBagOfWords, Encoding::kPaper, Encoding::kReference}) {
    for (bool temporal : {false, true}) {
      for (Tying tying : {Tying::kAdjacent, Tying::kLayerwise}) {
        for (bool linear : {false, true}) {
          for (bool empty_slots : {false, true}) {
            const Mode mode{e, temporal, tying, linear, empty_slots};
            std::string where;
            const double worst = worst_gradient_error(mode, &where);
            CHECK_MESSAGE(worst < 2e-2, mode.name(), ": worst relative error ", worst, " at ",
                          where);
          }
        }
      }
    }
  }
}

TEST_CASE("backprop: a wrong gradient is caught by the check") {
  // Guards the check itself: perturbing one analytic entry must show up.
  ModelConfig cfg;
  cfg.hops = 1;
  cfg.dim = 3;
  cfg.vocab_size = 5;
  std::mt19937_64 rng(3);
  Memn2n model = Memn2n::random(cfg, rng, 0.3f);
  Example x;
  x.story = {{1, 2}, {3}};
  x.question = {4};
  x.answer = 2;
  Gradients g(model);
  ForwardTrace trace;
  backprop(model, x, false, nullptr, g, trace);
  auto& W = model.mutable_parameters()[0].value;  // A1 = B
  const float eps = 1e-2f, keep = W(0, 4);
  W(0, 4) = keep + eps;
  const double up = example_loss(model, x, false).loss;
  W(0, 4) = keep - eps;
  const double down = example_loss(model, x, false).loss;
  const double numeric = (up - down) / (2 * eps);
  CHECK(numeric == doctest::Approx(g.g[0](0, 4)).epsilon(1e-2));
  CHECK(numeric != doctest::Approx(g.g[0](0, 4) + 0.1).epsilon(1e-2));
}

TEST_CASE("backprop: gradients of the nil column are zero") {
  ModelConfig cfg;
  cfg.vocab_size = 6;
  std::mt19937_64 rng(5);
  Memn2n model = Memn2n::random(cfg, rng);
  Example x;
  x.story = {{1, 2, 3}, {4, 5}};
  x.question = {2, 5};
  x.answer = 3;
  Gradients g(model);
  ForwardTrace trace;
  backprop(model, x, false, nullptr, g, trace);
  const auto specs = parameter_specs(cfg);
  for (size_t p = 0; p < specs.size(); ++p) {
    if (specs[p].word_matrix) CHECK_MESSAGE(g.g[p].col(0).isZero(0), specs[p].name);
  }
}
