#include "engine/memn2n.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "engine/forward.h"
#include "engine/vocab.h"

namespace memnet::engine {

Memn2n::Memn2n(ModelConfig config, std::vector<NamedMatrix> parameters)
    : config_(config), params_(std::move(parameters)) {
  validate(config_);
  const auto specs = parameter_specs(config_);
  if (specs.size() != params_.size()) {
    throw std::invalid_argument(fmt::format("memn2n: config needs {} parameter matrices, got {}",
                                            specs.size(), params_.size()));
  }
  for (size_t i = 0; i < specs.size(); ++i) {
    const auto& s = specs[i];
    const auto& p = params_[i];
    if (p.name != s.name || p.value.rows() != s.rows || p.value.cols() != s.cols) {
      throw std::invalid_argument(
          fmt::format("memn2n: parameter {} should be {} ({} x {}), got {} ({} x {})", i, s.name,
                      s.rows, s.cols, p.name, p.value.rows(), p.value.cols()));
    }
  }
  for (size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].word_matrix) word_matrices_.push_back(static_cast<int>(i));
  }
  const int K = config_.hops;
  auto index_of = [&](const std::string& name) {
    for (size_t i = 0; i < specs.size(); ++i)
      if (specs[i].name == name) return static_cast<int>(i);
    return -1;
  };
  if (config_.tying == Tying::kAdjacent) {
    // A^1 = B; A^{k+1} = C^k; W^T = C^K; temporal matrices follow the same chain.
    for (int k = 1; k <= K; ++k) {
      a_.push_back(index_of(k == 1 ? "A1" : fmt::format("C{}", k - 1)));
      c_.push_back(index_of(fmt::format("C{}", k)));
      if (config_.temporal) {
        ta_.push_back(index_of(k == 1 ? "TA1" : fmt::format("TC{}", k - 1)));
        tc_.push_back(index_of(fmt::format("TC{}", k)));
      }
    }
    b_ = index_of("A1");
    wt_ = index_of(fmt::format("C{}", K));
  } else {
    for (int k = 1; k <= K; ++k) {
      a_.push_back(index_of("A"));
      c_.push_back(index_of("C"));
      if (config_.temporal) {
        ta_.push_back(index_of("TA"));
        tc_.push_back(index_of("TC"));
      }
    }
    b_ = index_of("B");
    wt_ = index_of("Wt");
    h_ = index_of("H");
  }
  L_ = PositionWeights(config_);
}

Memn2n Memn2n::random(const ModelConfig& config, std::mt19937_64& rng, float stddev) {
  validate(config);
  std::normal_distribution<float> normal(0.0f, stddev);
  std::vector<NamedMatrix> params;
  for (const auto& s : parameter_specs(config)) {
    Matrix M(s.rows, s.cols);
    for (Index j = 0; j < M.cols(); ++j)
      for (Index i = 0; i < M.rows(); ++i) M(i, j) = normal(rng);
    params.push_back({s.name, std::move(M)});
  }
  Memn2n model(config, std::move(params));
  model.zero_nil();
  return model;
}

void Memn2n::zero_nil() {
  for (int i : word_matrices_) params_[static_cast<size_t>(i)].value.col(0).setZero();
}

Prediction Memn2n::answer(const Example& x, bool linear) const {
  ForwardTrace trace;
  forward(*this, x, linear, nullptr, trace);
  Prediction out;
  out.a_hat = trace.a_hat;
  Index best = 0;
  out.a_hat.maxCoeff(&best);
  out.answer = static_cast<int>(best);
  for (const auto& h : trace.hops) out.attention.push_back(h.p);
  out.first_sentence = static_cast<int>(x.story.size()) - trace.n;
  return out;
}

// ---------------------------------------------------------------------------------------------

Vector softmax(const Eigen::Ref<const Vector>& z) {
  if (z.size() == 0) return Vector();
  const float z_max = z.maxCoeff();
  Vector e = (z.array() - z_max).exp().matrix();
  return e / e.sum();
}

Vector softmax_with_empty(const Eigen::Ref<const Vector>& z, int empty) {
  if (empty <= 0) return softmax(z);
  if (z.size() == 0) return Vector();
  const float z_max = std::max(z.maxCoeff(), 0.0f);  // the empty slots' logit is 0
  Vector e = (z.array() - z_max).exp().matrix();
  return e / (e.sum() + static_cast<float>(empty) * std::exp(-z_max));
}

namespace {

// out += sum_j l_j * E x_j, written into a column without temporaries.
template <typename Out>
void add_sentence(const Matrix& E, const std::vector<int>& words, const PositionWeights& L,
                  Out&& out) {
  Matrix scratch;
  const Matrix& l = L.get(static_cast<int>(words.size()), scratch);
  for (size_t j = 0; j < words.size(); ++j) {
    assert(words[j] >= 0 && words[j] < E.cols());
    out += l.col(static_cast<Index>(j)).cwiseProduct(E.col(words[j]));
  }
}

}  // namespace

Vector embed_sentence(const Matrix& E, const std::vector<int>& words, const PositionWeights& L) {
  Vector v = Vector::Zero(E.rows());
  add_sentence(E, words, L, v);
  return v;
}

Matrix embed_memories(const Matrix& E, const Example& x, int n, const PositionWeights& L) {
  Matrix out = Matrix::Zero(E.rows(), n);
  const size_t S = x.story.size();
  for (int i = 0; i < n; ++i)
    add_sentence(E, x.story[S - 1 - static_cast<size_t>(i)], L, out.col(i));
  return out;
}

void run_hops(const Memn2n& model, int n, bool linear, const MemoryContent& content,
              ForwardTrace& tr) {
  const ModelConfig& cfg = model.config();
  const int K = cfg.hops;
  Vector u = tr.u1;
  tr.hops.resize(static_cast<size_t>(K));
  for (int k = 1; k <= K; ++k) {
    HopTrace& h = tr.hops[static_cast<size_t>(k - 1)];
    h.u = u;
    h.m = content(k, false);  // d x n  m_i = sum_j l_j * A^k x_ij
    h.c = content(k, true);   // d x n  c_i = sum_j l_j * C^k x_ij
    if (cfg.temporal) {
      const Matrix& TA = model.T_A(k);
      const Matrix& TC = model.T_C(k);
      for (int i = 0; i < n; ++i) {
        h.m.col(i) += TA.col(tr.t[static_cast<size_t>(i)]);  // + T_A^k(i)
        h.c.col(i) += TC.col(tr.t[static_cast<size_t>(i)]);  // + T_C^k(i)
      }
    }
    Vector s = h.m.transpose() * u;  // n  u^T m_i
    // n  p = softmax(u^T m_i), over the empty slots too when the memory is padded
    h.p = linear ? s : softmax_with_empty(s, cfg.padded_memory - n);
    h.o = h.c * h.p;  // d  o = sum_i p_i c_i
    if (cfg.tying == Tying::kLayerwise) {
      u = model.H() * u + h.o;  // u^{k+1} = H u^k + o^k
    } else {
      u += h.o;  // u^{k+1} = u^k + o^k
    }
  }
  tr.u_out = u;
  // a-hat = softmax(W u^{K+1}); the nil word is never an answer, so it is left out.
  Vector z = model.Wt().transpose() * u;
  z(Vocabulary::kNil) = -std::numeric_limits<float>::infinity();
  tr.a_hat = softmax(z);
}

void forward(const Memn2n& model, const Example& x, bool linear, const std::vector<int>* time,
             ForwardTrace& tr) {
  const int n = memory_slots(model.config(), x.story.size());
  tr.n = n;
  tr.t.resize(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    tr.t[static_cast<size_t>(i)] = time ? (*time)[static_cast<size_t>(i)] : i;
  const size_t P = model.parameters().size();
  tr.content.resize(P);
  tr.has_content.assign(P, 0);
  // Word parts are computed once per parameter: with adjacent tying C^k is A^{k+1}.
  auto content = [&](int k, bool value) -> const Matrix& {
    const int idx = value ? model.index_C(k) : model.index_A(k);
    if (!tr.has_content[static_cast<size_t>(idx)]) {
      tr.content[static_cast<size_t>(idx)] = embed_memories(
          model.parameters()[static_cast<size_t>(idx)].value, x, n, model.position_weights());
      tr.has_content[static_cast<size_t>(idx)] = 1;
    }
    return tr.content[static_cast<size_t>(idx)];
  };
  // u^1 = sum_j l_j * B q_j
  tr.u1 = embed_sentence(model.B(), x.question, model.position_weights());
  run_hops(model, n, linear, content, tr);
}

}  // namespace memnet::engine
