#include "engine/backprop.h"

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

ExampleLoss backprop(const Memn2n& model, const Example& x, bool linear,
                     const std::vector<int>* time, Gradients& grads, ForwardTrace& tr) {
  forward(model, x, linear, time, tr);
  const ModelConfig& cfg = model.config();
  const int K = cfg.hops;
  const int n = tr.n;
  const PositionWeights& L = model.position_weights();

  // a-hat = softmax(z), z = W u^{K+1} = Wt^T u;  d loss / d z = a-hat - e_answer
  Vector dz = tr.a_hat;
  dz(x.answer) -= 1.0f;
  dz(0) = 0.0f;  // the nil logit is fixed at -inf
  grads.g[static_cast<size_t>(model.index_Wt())].noalias() += tr.u_out * dz.transpose();
  Vector du = model.Wt() * dz;  // d loss / d u^{K+1}

  // d loss / d (word part of each memory embedding), per parameter index
  std::vector<Matrix> dcontent(tr.content.size());
  for (size_t i = 0; i < tr.content.size(); ++i) {
    if (tr.has_content[i]) dcontent[i] = Matrix::Zero(cfg.dim, n);
  }

  for (int k = K; k >= 1; --k) {
    const HopTrace& h = tr.hops[static_cast<size_t>(k - 1)];
    const Vector& d_o = du;  // u^{k+1} = u^k + o^k (or H u^k + o^k)
    Vector du_prev;
    if (cfg.tying == Tying::kLayerwise) {
      grads.g[static_cast<size_t>(model.index_H())].noalias() += du * h.u.transpose();
      du_prev = model.H().transpose() * du;
    } else {
      du_prev = du;
    }
    // o = sum_i p_i c_i
    Matrix dc = d_o * h.p.transpose();  // d x n
    Vector dp = h.c.transpose() * d_o;  // n
    // p = softmax(s): ds = p * (dp - p.dp); linear start: p = s. Empty slots (padded memory)
    // have dp = 0, so the same formula holds with p over the real memories only.
    Vector ds = linear ? dp : Vector(h.p.cwiseProduct((dp.array() - h.p.dot(dp)).matrix()));
    // s_i = u^T m_i
    Matrix dm = h.u * ds.transpose();  // d x n
    du_prev.noalias() += h.m * ds;
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
