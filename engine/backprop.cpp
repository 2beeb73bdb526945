#include "engine/backprop.h"

#include <cassert>
#include <cmath>

namespace memnet::engine {

Gradients::Gradients(const Memn2n& model) {
  for (const auto& p : model.parameters())
    g.push_back(Matrix::Zero(p.value.rows(), p.value.cols()));
}

void Gradients::set_zero() {
  for (auto& m : g) m.setZero();
}

Gradients& Gradients::operator+=(const Gradients& other) {
  for (size_t i = 0; i < g.size(); ++i) g[i] += other.g[i];
  return *this;
}

namespace {

ExampleLoss loss_of(const ForwardTrace& tr, int answer) {
  Index best = 0;
  tr.a_hat.maxCoeff(&best);
  const float p = std::max(tr.a_hat(answer), 1e-30f);
  return {-std::log(p), best == answer};
}

// G.col(x_j) += l_j * g for every word of one sentence (the transpose of embed_sentence).
template <typename Grad>
void scatter_sentence(Matrix& G, const std::vector<int>& words, const PositionWeights& L,
                      const Grad& g) {
  Matrix scratch;
  const Matrix& l = L.get(static_cast<int>(words.size()), scratch);
  for (size_t j = 0; j < words.size(); ++j) {
    G.col(words[j]) += l.col(static_cast<Index>(j)).cwiseProduct(g);
  }
}

}  // namespace

ExampleLoss example_loss(const Memn2n& model, const Example& x, bool linear,
                         const std::vector<int>* time) {
  ForwardTrace tr;
  forward(model, x, linear, time, tr);
  return loss_of(tr, x.answer);
}

namespace {

// Back through the self-attention layers of one memory matrix: dX holds dL/d(output) and
// becomes dL/d(input).
void self_attend_backward(const Memn2n& model, const std::vector<SelfAttentionTrace>& traces,
                          Matrix& dX, Gradients& grads) {
  const int L = static_cast<int>(traces.size());
  Matrix dIn;
  for (int l = L; l >= 1; --l) {
    const auto& idx = model.index_self_attention(l);
    auto g = [&](int j) { return &grads.g[static_cast<size_t>(idx[static_cast<size_t>(j)])]; };
    SelfAttentionGrads sg{g(0), g(1), g(2), g(3), g(4), g(5)};
    self_attention_backward(self_attention_weights(model, l, 0), model.config().heads,
                            traces[static_cast<size_t>(l - 1)], dX, dIn, sg);
    dX.swap(dIn);
  }
}

// Back through s_i = f(u, m_i): given ds (n), adds dL/du into du and sets dm (d x n).
void kernel_backward(const Memn2n& model, int k, const HopTrace& h, const Vector& ds, Vector& du,
                     Matrix& dm, Gradients& grads) {
  const Vector& u = h.u;
  const Matrix& m = h.m;
  switch (model.config().attention) {
    case Attention::kDot:  // s_i = u^T m_i
      dm.noalias() = u * ds.transpose();
      du.noalias() += m * ds;
      break;
    case Attention::kScaled: {  // s_i = u^T m_i / sqrt(d)
      const float alpha = 1.0f / std::sqrt(static_cast<float>(u.size()));
      dm.noalias() = (alpha * u) * ds.transpose();
      du.noalias() += alpha * (m * ds);
      break;
    }
    case Attention::kCosine: {
      // s_i = beta cos_i, cos_i = u^T m_i / (a b_i), a = sqrt(|u|^2 + eps), b_i likewise:
      // dcos_i/du = m_i / (a b_i) - cos_i u / a^2,  dcos_i/dm_i = u / (a b_i) - cos_i m_i / b_i^2
      const float beta = model.beta(k);
      const float a = std::sqrt(u.squaredNorm() + kCosineEps);
      float dbeta = 0;
      dm.resize(m.rows(), m.cols());
      for (Index i = 0; i < m.cols(); ++i) {
        const float b = std::sqrt(m.col(i).squaredNorm() + kCosineEps);
        const float cos_i = u.dot(m.col(i)) / (a * b);
        const float dcos = beta * ds(i);
        dbeta += ds(i) * cos_i;
        du += dcos * (m.col(i) / (a * b) - (cos_i / (a * a)) * u);
        dm.col(i) = dcos * (u / (a * b) - (cos_i / (b * b)) * m.col(i));
      }
      grads.g[static_cast<size_t>(model.index_beta(k))](0, 0) += dbeta;
      break;
    }
    case Attention::kDistance:  // s_i = -|u - m_i|^2
      dm.resize(m.rows(), m.cols());
      for (Index i = 0; i < m.cols(); ++i) {
        dm.col(i) = (2.0f * ds(i)) * (u - m.col(i));
        du -= (2.0f * ds(i)) * (u - m.col(i));
      }
      break;
  }
}

}  // namespace

ExampleLoss backprop(const Memn2n& model, const Example& x, bool linear,
                     const std::vector<int>* time, Gradients& grads, ForwardTrace& tr) {
  assert(model.config().members == 1);  // ensembles are assembled from trained members
  forward(model, x, linear, time, tr);
  const ModelConfig& cfg = model.config();
  const int K = cfg.hops;
  const int n = tr.n;
  const PositionWeights& L = model.position_weights();

  // a-hat = softmax(z), z = W u^{K+1} = Wt^T u;  d loss / d z = a-hat - e_answer
  Vector dz;
  if (x.candidates) {
    // a-hat = softmax(s), s_c = sum_{w in y_c} z_w:  d loss / d z_w = sum_c (dloss/ds_c) Phi_wc
    Vector ds = tr.a_hat;
    ds(x.answer) -= 1.0f;
    dz = Vector::Zero(model.Wt().cols());
    for (size_t c = 0; c < x.candidates->words.size(); ++c) {
      for (const int w : x.candidates->words[c]) dz(w) += ds(static_cast<Index>(c));
    }
    for (const auto& [c, w] : x.candidate_extra) dz(w) += ds(c);
  } else {
    dz = tr.a_hat;
    dz(x.answer) -= 1.0f;
    dz(0) = 0.0f;  // the nil logit is fixed at -inf
  }
  grads.g[static_cast<size_t>(model.index_Wt())].noalias() += tr.u_out * dz.transpose();
  Vector du = model.Wt() * dz;  // d loss / d u^{K+1}

  // d loss / d (word part of each memory embedding), per parameter index
  std::vector<Matrix> dcontent(tr.content.size());
  for (size_t i = 0; i < tr.content.size(); ++i) {
    if (tr.has_content[i]) dcontent[i] = Matrix::Zero(cfg.dim, n);
  }

  Matrix dm, dc;
  for (int k = K; k >= 1; --k) {
    const HopTrace& h = tr.hops[static_cast<size_t>(k - 1)];
    // ReLU units: u^{k+1}_j = max(0, .) passes no gradient where it is 0
    if (cfg.relu_units > 0) {
      const Vector& u_next = k == K ? tr.u_out : tr.hops[static_cast<size_t>(k)].u;
      for (int j = 0; j < cfg.relu_units; ++j)
        if (u_next(j) <= 0.0f) du(j) = 0.0f;
    }
    Vector d_o, d_carry, du_prev;
    if (cfg.gated) {
      // u^{k+1} = o * T + carry * (1 - T),  T = sigmoid(a),  a = W_T u^k + b_T
      d_o = du.cwiseProduct(h.T);
      d_carry = (du.array() * (1.0f - h.T.array())).matrix();
      const Vector da =
          (du.array() * (h.o - h.carry).array() * h.T.array() * (1.0f - h.T.array())).matrix();
      grads.g[static_cast<size_t>(model.index_W_T(k))].noalias() += da * h.u.transpose();
      grads.g[static_cast<size_t>(model.index_b_T(k))] += da;
      du_prev.noalias() = model.W_T(k).transpose() * da;
    } else {
      d_o = du;  // u^{k+1} = carry + o^k
      d_carry = du;
      du_prev = Vector::Zero(cfg.dim);
    }
    if (cfg.tying == Tying::kLayerwise) {  // carry = H u^k
      grads.g[static_cast<size_t>(model.index_H())].noalias() += d_carry * h.u.transpose();
      du_prev.noalias() += model.H().transpose() * d_carry;
    } else {  // carry = u^k
      du_prev += d_carry;
    }
    // o = sum_i p_i c_i
    dc.noalias() = d_o * h.p.transpose();     // d x n
    const Vector dp = h.c.transpose() * d_o;  // n
    // p = softmax(s): ds = p * (dp - p.dp); linear start: p = s. Empty slots (padded memory)
    // have dp = 0, so the same formula holds with p over the real memories only.
    const float p_dp = h.p.dot(dp);
    const Vector ds = linear ? dp : Vector(h.p.cwiseProduct((dp.array() - p_dp).matrix()));
    // The empty slots' logit depends on u for the distance kernel: f(u, 0) = -|u|^2, and
    // their ds sums to -p_empty (p.dp).
    const int empty = cfg.padded_memory - n;
    if (!linear && empty > 0 && cfg.attention == Attention::kDistance) {
      const float p_empty = 1.0f - h.p.sum();
      du_prev += (-p_empty * p_dp) * (-2.0f * h.u);
    }
    kernel_backward(model, k, h, ds, du_prev, dm, grads);  // s_i = f(u, m_i)
    if (cfg.self_attention_layers > 0) {
      self_attend_backward(model, h.sa_m, dm, grads);
      self_attend_backward(model, h.sa_c, dc, grads);
    }
    dcontent[static_cast<size_t>(model.index_A(k))] += dm;
    dcontent[static_cast<size_t>(model.index_C(k))] += dc;
    if (cfg.temporal) {
      Matrix& dTA = grads.g[static_cast<size_t>(model.index_T_A(k))];
      Matrix& dTC = grads.g[static_cast<size_t>(model.index_T_C(k))];
      for (int i = 0; i < n; ++i) {
        dTA.col(tr.t[static_cast<size_t>(i)]) += dm.col(i);
        dTC.col(tr.t[static_cast<size_t>(i)]) += dc.col(i);
      }
    }
    du = std::move(du_prev);
  }

  // u^1 = sum_j l_j * B q_j
  scatter_sentence(grads.g[static_cast<size_t>(model.index_B())], x.question, L, du);
  // memory embeddings: m_i = sum_j l_j * E x_ij for each word matrix E that was used
  const size_t S = x.story.size();
  for (size_t idx = 0; idx < dcontent.size(); ++idx) {
    if (!tr.has_content[idx]) continue;
    for (int i = 0; i < n; ++i) {
      scatter_sentence(grads.g[idx], x.story[S - 1 - static_cast<size_t>(i)], L,
                       dcontent[idx].col(i));
    }
  }
  return loss_of(tr, x.answer);
}

}  // namespace memnet::engine
