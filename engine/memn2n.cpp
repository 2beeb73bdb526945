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
  size_t first = 0;  // member e's first parameter (members may differ: ungated_members)
  for (int e = 0; e < config_.members; ++e) {
    const size_t per_member = member_parameter_specs(member_config(config_, e)).size();
    auto index_of = [&](const std::string& name) {
      const std::string full = member_parameter_name(e, name);
      for (size_t i = first; i < first + per_member; ++i)
        if (specs[i].name == full) return static_cast<int>(i);
      return -1;
    };
    Net net;
    const bool layerwise = config_.tying == Tying::kLayerwise;
    if (!layerwise) {
      // A^1 = B; A^{k+1} = C^k; W^T = C^K; temporal matrices follow the same chain.
      for (int k = 1; k <= K; ++k) {
        net.a.push_back(index_of(k == 1 ? "A1" : fmt::format("C{}", k - 1)));
        net.c.push_back(index_of(fmt::format("C{}", k)));
        if (config_.temporal) {
          net.ta.push_back(index_of(k == 1 ? "TA1" : fmt::format("TC{}", k - 1)));
          net.tc.push_back(index_of(fmt::format("TC{}", k)));
        }
      }
      net.b = index_of("A1");
      net.wt = index_of(fmt::format("C{}", K));
    } else {
      for (int k = 1; k <= K; ++k) {
        net.a.push_back(index_of("A"));
        net.c.push_back(index_of("C"));
        if (config_.temporal) {
          net.ta.push_back(index_of("TA"));
          net.tc.push_back(index_of("TC"));
        }
      }
      net.b = index_of("B");
      net.wt = index_of("Wt");
      net.h = index_of("H");
    }
    auto hop_name = [&](std::string_view base, int k) {
      return layerwise ? std::string(base) : fmt::format("{}{}", base, k);
    };
    for (int k = 1; k <= K; ++k) {
      if (config_.attention == Attention::kCosine)
        net.beta.push_back(index_of(hop_name("beta", k)));
      if (member_gated(config_, e)) {
        net.w_t.push_back(index_of(hop_name("WT", k)));
        net.b_t.push_back(index_of(hop_name("bT", k)));
      }
    }
    for (int l = 1; l <= config_.self_attention_layers; ++l) {
      const int set = config_.tied_self_attention ? 1 : l;
      std::array<int, 6> idx{};
      int j = 0;
      for (const char* w : {"WQ", "WK", "WV", "WO", "gamma", "beta"})
        idx[static_cast<size_t>(j++)] = index_of(fmt::format("SA{}.{}", set, w));
      net.sa.push_back(idx);
    }
    nets_.push_back(std::move(net));
    first += per_member;
  }
  L_ = PositionWeights(config_);
}

Memn2n Memn2n::random(const ModelConfig& config, Rng& rng, float stddev) {
  validate(config);
  std::vector<NamedMatrix> params;
  for (const auto& s : parameter_specs(config)) {
    Matrix M(s.rows, s.cols);
    if (s.init >= 0) {
      M.setConstant(s.init);
    } else {
      for (Index j = 0; j < M.cols(); ++j)
        for (Index i = 0; i < M.rows(); ++i) M(i, j) = normal(rng, 0.0f, stddev);
    }
    params.push_back({s.name, std::move(M)});
  }
  Memn2n model(config, std::move(params));
  model.zero_nil();
  return model;
}

Memn2n Memn2n::ensemble(const std::vector<const Memn2n*>& members) {
  if (members.empty()) throw std::invalid_argument("ensemble: no members");
  // Members may differ in gating only: the gated ones come first, in the given order.
  std::vector<const Memn2n*> ordered;
  for (const bool gated : {true, false})
    for (const Memn2n* m : members)
      if (m->config().gated == gated) ordered.push_back(m);
  const auto without_gates = [](ModelConfig c) {
    c.gated = false;
    return c;
  };
  ModelConfig config = ordered[0]->config();
  const ModelConfig shape = without_gates(config);
  std::vector<NamedMatrix> params;
  int ungated = 0;
  for (size_t e = 0; e < ordered.size(); ++e) {
    const ModelConfig& c = ordered[e]->config();
    if (c.members != 1) throw std::invalid_argument("ensemble: a member is an ensemble");
    const ModelConfig other = without_gates(c);
    if (other.vocab_size != shape.vocab_size || other.dim != shape.dim ||
        other.hops != shape.hops || other.memory_size != shape.memory_size ||
        other.padded_memory != shape.padded_memory || other.encoding != shape.encoding ||
        other.sentence_length != shape.sentence_length || other.temporal != shape.temporal ||
        other.tying != shape.tying || describe_extensions(other) != describe_extensions(shape)) {
      throw std::invalid_argument(fmt::format("ensemble: member {} has another config", e + 1));
    }
    if (config.gated && !c.gated) ++ungated;
    for (const NamedMatrix& m : ordered[e]->parameters())
      params.push_back({member_parameter_name(static_cast<int>(e), m.name), m.value});
  }
  config.members = static_cast<int>(ordered.size());
  config.ungated_members = ungated;
  return Memn2n(config, std::move(params));
}

void Memn2n::zero_nil() {
  for (int i : word_matrices_) params_[static_cast<size_t>(i)].value.col(0).setZero();
}

Prediction Memn2n::answer(const Example& x, bool linear) const {
  std::vector<ForwardTrace> traces(static_cast<size_t>(config_.members));
  for (int e = 0; e < config_.members; ++e)
    forward(*this, x, linear, nullptr, traces[static_cast<size_t>(e)], e);
  Prediction out = combine_members(traces);
  out.first_sentence = static_cast<int>(x.story.size()) - traces[0].n;
  return out;
}

Prediction combine_members(const std::vector<ForwardTrace>& traces) {
  assert(!traces.empty());
  Prediction out;
  const float M = static_cast<float>(traces.size());
  out.a_hat = traces[0].a_hat;
  for (const auto& h : traces[0].hops) out.attention.push_back(h.p);
  for (size_t e = 1; e < traces.size(); ++e) {
    out.a_hat += traces[e].a_hat;
    for (size_t k = 0; k < out.attention.size(); ++k) out.attention[k] += traces[e].hops[k].p;
  }
  if (traces.size() > 1) {
    out.a_hat /= M;
    for (auto& p : out.attention) p /= M;
  }
  Index best = 0;
  out.a_hat.maxCoeff(&best);
  out.answer = static_cast<int>(best);
  return out;
}

// ---------------------------------------------------------------------------------------------

Vector softmax(const Eigen::Ref<const Vector>& z) {
  if (z.size() == 0) return Vector();
  const float z_max = z.maxCoeff();
  Vector e = (z.array() - z_max).exp().matrix();
  return e / e.sum();
}

Vector softmax_with_empty(const Eigen::Ref<const Vector>& z, int empty, float empty_logit) {
  if (empty <= 0) return softmax(z);
  if (z.size() == 0) return Vector();
  const float z_max = std::max(z.maxCoeff(), empty_logit);
  Vector e = (z.array() - z_max).exp().matrix();
  return e / (e.sum() + static_cast<float>(empty) * std::exp(empty_logit - z_max));
}

Vector attention_scores(Attention kernel, float beta, const Vector& u, const Matrix& m) {
  switch (kernel) {
    case Attention::kDot:
      return m.transpose() * u;  // u^T m_i
    case Attention::kScaled: {
      Vector s = m.transpose() * u;
      return s * (1.0f / std::sqrt(static_cast<float>(u.size())));  // u^T m_i / sqrt(d)
    }
    case Attention::kCosine: {
      // beta u^T m_i / (|u| |m_i|), norms smoothed by kCosineEps so an empty key scores 0
      Vector s = m.transpose() * u;
      const float a = std::sqrt(u.squaredNorm() + kCosineEps);
      for (Index i = 0; i < s.size(); ++i)
        s(i) = beta * s(i) / (a * std::sqrt(m.col(i).squaredNorm() + kCosineEps));
      return s;
    }
    case Attention::kDistance: {
      Vector s(m.cols());  // -|u - m_i|^2
      for (Index i = 0; i < s.size(); ++i) s(i) = -(u - m.col(i)).squaredNorm();
      return s;
    }
  }
  return Vector();
}

float empty_slot_score(Attention kernel, const Vector& u) {
  return kernel == Attention::kDistance ? -u.squaredNorm() : 0.0f;
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

SelfAttentionWeights self_attention_weights(const Memn2n& model, int l, int e) {
  const auto& idx = model.index_self_attention(l, e);
  const auto& P = model.parameters();
  auto at = [&](int j) { return &P[static_cast<size_t>(idx[static_cast<size_t>(j)])].value; };
  return SelfAttentionWeights{at(0), at(1), at(2), at(3), at(4), at(5)};
}

void self_attend(const Memn2n& model, int e, Matrix& X, std::vector<SelfAttentionTrace>& traces) {
  const int L = model.config().self_attention_layers;
  traces.resize(static_cast<size_t>(L));
  Matrix Y;
  for (int l = 1; l <= L; ++l) {
    self_attention_forward(self_attention_weights(model, l, e), model.config().heads, X, Y,
                           traces[static_cast<size_t>(l - 1)]);
    X.swap(Y);
  }
}

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

void hop_memory(const Memn2n& model, int e, int k, const std::vector<int>& t, Matrix& m, Matrix& c,
                std::vector<SelfAttentionTrace>& sa_m, std::vector<SelfAttentionTrace>& sa_c) {
  const ModelConfig& cfg = model.config();
  if (cfg.temporal) {
    const Matrix& TA = model.T_A(k, e);
    const Matrix& TC = model.T_C(k, e);
    for (Index i = 0; i < m.cols(); ++i) {
      m.col(i) += TA.col(t[static_cast<size_t>(i)]);  // + T_A^k(i)
      c.col(i) += TC.col(t[static_cast<size_t>(i)]);  // + T_C^k(i)
    }
  }
  if (cfg.self_attention_layers > 0) {  // the facts attend to each other
    self_attend(model, e, m, sa_m);
    self_attend(model, e, c, sa_c);
  }
}

void run_hops(const Memn2n& model, int e, int n, bool linear, const MemoryContent& content,
              ForwardTrace& tr, bool content_final) {
  const ModelConfig& cfg = model.config();
  const int K = cfg.hops;
  Vector u = tr.u1;
  tr.hops.resize(static_cast<size_t>(K));
  for (int k = 1; k <= K; ++k) {
    HopTrace& h = tr.hops[static_cast<size_t>(k - 1)];
    h.u = u;
    const Matrix* m = &content(k, false);  // d x n  m_i = sum_j l_j * A^k x_ij
    const Matrix* c = &content(k, true);   // d x n  c_i = sum_j l_j * C^k x_ij
    if (!content_final) {                  // kept in the trace, for backprop
      h.m = *m;
      h.c = *c;
      hop_memory(model, e, k, tr.t, h.m, h.c, h.sa_m, h.sa_c);
      m = &h.m;
      c = &h.c;
    }
    const float beta = cfg.attention == Attention::kCosine ? model.beta(k, e) : 0.0f;
    h.s = attention_scores(cfg.attention, beta, u, *m);  // n  s_i = f(u, m_i)
    // n  p = softmax(s), over the empty slots too when the memory is padded
    h.p = linear
              ? h.s
              : softmax_with_empty(h.s, cfg.padded_memory - n, empty_slot_score(cfg.attention, u));
    h.o = *c * h.p;  // d  o = sum_i p_i c_i
    if (cfg.tying == Tying::kLayerwise) {
      h.carry = model.H(e) * u;  // H u^k
    } else {
      h.carry = u;
    }
    if (member_gated(cfg, e)) {
      // T^k = sigmoid(W_T^k u^k + b_T^k);  u^{k+1} = o^k * T^k + u^k * (1 - T^k)
      Vector a = model.W_T(k, e) * u + model.b_T(k, e);
      h.T = (1.0f + (-a.array()).exp()).inverse().matrix();
      u = (h.o.array() * h.T.array() + h.carry.array() * (1.0f - h.T.array())).matrix();
    } else {
      u = h.carry + h.o;  // u^{k+1} = u^k + o^k  (layer-wise: H u^k + o^k)
    }
    if (cfg.relu_units > 0) u.head(cfg.relu_units) = u.head(cfg.relu_units).cwiseMax(0.0f);
  }
  tr.u_out = u;
  Vector z = model.Wt(e).transpose() * u;
  if (tr.candidates) {
    // a-hat = softmax over candidates of u^T W Phi(y_c) (Bordes et al. 2017, eq. 1)
    tr.a_hat = softmax(candidate_scores(z, *tr.candidates, tr.candidate_extra));
    return;
  }
  // a-hat = softmax(W u^{K+1}); the nil word is never an answer, so it is left out.
  z(Vocabulary::kNil) = -std::numeric_limits<float>::infinity();
  tr.a_hat = softmax(z);
}

Vector candidate_scores(const Vector& z, const CandidateSet& candidates,
                        const std::vector<std::pair<int, int>>* extra) {
  Vector s(static_cast<Index>(candidates.words.size()));
  for (size_t c = 0; c < candidates.words.size(); ++c) {
    float sum = 0;
    for (const int w : candidates.words[c]) sum += z(w);
    s(static_cast<Index>(c)) = sum;
  }
  if (extra) {
    for (const auto& [c, w] : *extra) s(c) += z(w);
  }
  return s;
}

void forward(const Memn2n& model, const Example& x, bool linear, const std::vector<int>* time,
             ForwardTrace& tr, int e) {
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
    const int idx = value ? model.index_C(k, e) : model.index_A(k, e);
    if (!tr.has_content[static_cast<size_t>(idx)]) {
      tr.content[static_cast<size_t>(idx)] = embed_memories(
          model.parameters()[static_cast<size_t>(idx)].value, x, n, model.position_weights());
      tr.has_content[static_cast<size_t>(idx)] = 1;
    }
    return tr.content[static_cast<size_t>(idx)];
  };
  // u^1 = sum_j l_j * B q_j
  tr.u1 = embed_sentence(model.B(e), x.question, model.position_weights());
  tr.candidates = x.candidates;
  tr.candidate_extra = x.candidates ? &x.candidate_extra : nullptr;
  run_hops(model, e, n, linear, content, tr);
}

}  // namespace memnet::engine
