#include "engine/self_attention.h"

#include <fmt/format.h>

#include <cassert>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "engine/forward.h"

namespace memnet::engine {

namespace {

void check_shape(const char* name, const Matrix* M, Index rows, Index cols) {
  if (M == nullptr) throw std::invalid_argument(fmt::format("self_attention: {} is null", name));
  if (M->rows() != rows || M->cols() != cols) {
    throw std::invalid_argument(fmt::format("self_attention: {} should be {} x {}, got {} x {}",
                                            name, rows, cols, M->rows(), M->cols()));
  }
}

// d_h = d / H, after checking heads, d and every parameter's shape.
Index head_rows(const SelfAttentionWeights& w, int heads, Index d) {
  if (heads <= 0) {
    throw std::invalid_argument(fmt::format("self_attention: heads must be > 0, got {}", heads));
  }
  if (d <= 0) {
    throw std::invalid_argument(fmt::format("self_attention: d must be > 0, got {}", d));
  }
  if (d % heads != 0) {
    throw std::invalid_argument(
        fmt::format("self_attention: d = {} is not divisible by heads = {}", d, heads));
  }
  check_shape("W_Q", w.W_Q, d, d);
  check_shape("W_K", w.W_K, d, d);
  check_shape("W_V", w.W_V, d, d);
  check_shape("W_O", w.W_O, d, d);
  check_shape("gamma", w.gamma, d, 1);
  check_shape("beta", w.beta, d, 1);
  return d / heads;
}

}  // namespace

void self_attention_forward(const SelfAttentionWeights& w, int heads, const Matrix& X, Matrix& Y,
                            SelfAttentionTrace& tr) {
  const Index d = X.rows();
  const Index n = X.cols();
  const Index d_h = head_rows(w, heads, d);
  const float scale = 1.0f / std::sqrt(static_cast<float>(d_h));  // 1 / sqrt(d_h)

  tr.heads = heads;
  tr.X = X;
  tr.Q.noalias() = *w.W_Q * X;  // d x n  Q = W_Q X
  tr.K.noalias() = *w.W_K * X;  // d x n  K = W_K X
  tr.V.noalias() = *w.W_V * X;  // d x n  V = W_V X
  tr.P.resize(static_cast<size_t>(heads));
  tr.Z.resize(d, n);
  Matrix S(n, n);
  for (int h = 0; h < heads; ++h) {
    const Index r0 = h * d_h;
    Matrix& P = tr.P[static_cast<size_t>(h)];
    // n x n  S_h = K_h^T Q_h / sqrt(d_h)
    S.noalias() = tr.K.middleRows(r0, d_h).transpose() * tr.Q.middleRows(r0, d_h);
    S *= scale;
    P.resize(n, n);
    for (Index j = 0; j < n; ++j) P.col(j) = softmax(S.col(j));  // P_h = column softmax of S_h
    tr.Z.middleRows(r0, d_h).noalias() = tr.V.middleRows(r0, d_h) * P;  // Z_h = V_h P_h
  }
  Matrix R = tr.X;
  R.noalias() += *w.W_O * tr.Z;  // d x n  R = X + W_O Z

  // Layer norm per column: y = gamma .* (r - mean(r)) / sqrt(var(r) + eps) + beta.
  // X is not read from here on, so Y may be X.
  const float inv_d = 1.0f / static_cast<float>(d);
  tr.R_hat.resize(d, n);
  tr.inv_sigma.resize(n);
  Y.resize(d, n);
  for (Index j = 0; j < n; ++j) {
    const float mean = R.col(j).sum() * inv_d;
    tr.R_hat.col(j) = (R.col(j).array() - mean).matrix();           // r - mean(r)
    const float var = tr.R_hat.col(j).squaredNorm() * inv_d;        // biased variance
    const float inv_sigma = 1.0f / std::sqrt(var + kLayerNormEps);  // 1 / sqrt(var + eps)
    tr.R_hat.col(j) *= inv_sigma;
    tr.inv_sigma(j) = inv_sigma;
    Y.col(j) = w.gamma->col(0).cwiseProduct(tr.R_hat.col(j)) + w.beta->col(0);
  }
}

void self_attention_backward(const SelfAttentionWeights& w, int heads, const SelfAttentionTrace& tr,
                             const Matrix& dY, Matrix& dX, SelfAttentionGrads& g) {
  const Index d = tr.X.rows();
  const Index n = tr.X.cols();
  const Index d_h = head_rows(w, heads, d);
  if (tr.heads != heads || tr.P.size() != static_cast<size_t>(heads)) {
    throw std::invalid_argument(fmt::format(
        "self_attention: backward with heads = {}, but the trace was made with heads = {}", heads,
        tr.heads));
  }
  if (dY.rows() != d || dY.cols() != n) {
    throw std::invalid_argument(fmt::format("self_attention: dY should be {} x {}, got {} x {}", d,
                                            n, dY.rows(), dY.cols()));
  }
  check_shape("grad W_Q", g.W_Q, d, d);
  check_shape("grad W_K", g.W_K, d, d);
  check_shape("grad W_V", g.W_V, d, d);
  check_shape("grad W_O", g.W_O, d, d);
  check_shape("grad gamma", g.gamma, d, 1);
  check_shape("grad beta", g.beta, d, 1);
  assert(tr.Q.cols() == n && tr.Z.rows() == d && tr.R_hat.cols() == n && tr.inv_sigma.size() == n);
  const float scale = 1.0f / std::sqrt(static_cast<float>(d_h));
  const float inv_d = 1.0f / static_cast<float>(d);

  // Layer norm, y = gamma .* r-hat + beta with r-hat = (r - mean(r)) s, s = 1/sqrt(var + eps):
  //   dgamma += dy .* r-hat,  dbeta += dy,  dr-hat = gamma .* dy,
  //   dr = s (dr-hat - mean(dr-hat) - r-hat mean(dr-hat .* r-hat)).
  // This is the last read of dY, so dX may be dY.
  Matrix dR(d, n);
  Vector dR_hat(d);
  for (Index j = 0; j < n; ++j) {
    g.gamma->col(0) += dY.col(j).cwiseProduct(tr.R_hat.col(j));
    g.beta->col(0) += dY.col(j);
    dR_hat = w.gamma->col(0).cwiseProduct(dY.col(j));
    const float mean_dR_hat = dR_hat.sum() * inv_d;
    const float mean_dR_hat_R_hat = dR_hat.dot(tr.R_hat.col(j)) * inv_d;
    dR.col(j) =
        tr.inv_sigma(j) *
        (dR_hat.array() - mean_dR_hat - tr.R_hat.col(j).array() * mean_dR_hat_R_hat).matrix();
  }

  // R = X + W_O Z
  g.W_O->noalias() += dR * tr.Z.transpose();
  Matrix dZ(d, n);
  dZ.noalias() = w.W_O->transpose() * dR;

  Matrix dQ(d, n), dK(d, n), dV(d, n);
  Matrix dP(n, n), dS(n, n);
  for (int h = 0; h < heads; ++h) {
    const Index r0 = h * d_h;
    const Matrix& P = tr.P[static_cast<size_t>(h)];
    // Z_h = V_h P_h:  dV_h = dZ_h P_h^T,  dP_h = V_h^T dZ_h
    dV.middleRows(r0, d_h).noalias() = dZ.middleRows(r0, d_h) * P.transpose();
    dP.noalias() = tr.V.middleRows(r0, d_h).transpose() * dZ.middleRows(r0, d_h);
    // P_h = column softmax of S_h:  dS_h(:,j) = P(:,j) .* (dP(:,j) - P(:,j) . dP(:,j)),
    // then the 1 / sqrt(d_h) of S_h = K_h^T Q_h / sqrt(d_h)
    for (Index j = 0; j < n; ++j) {
      const float p_dot_dp = P.col(j).dot(dP.col(j));
      dS.col(j) = scale * P.col(j).cwiseProduct((dP.col(j).array() - p_dot_dp).matrix());
    }
    // S_h = K_h^T Q_h (scaled):  dQ_h = K_h dS_h,  dK_h = Q_h dS_h^T
    dQ.middleRows(r0, d_h).noalias() = tr.K.middleRows(r0, d_h) * dS;
    dK.middleRows(r0, d_h).noalias() = tr.Q.middleRows(r0, d_h) * dS.transpose();
  }

  // Q = W_Q X, K = W_K X, V = W_V X
  g.W_Q->noalias() += dQ * tr.X.transpose();
  g.W_K->noalias() += dK * tr.X.transpose();
  g.W_V->noalias() += dV * tr.X.transpose();
  // dX = dR (residual) + W_Q^T dQ + W_K^T dK + W_V^T dV
  dX = std::move(dR);
  dX.noalias() += w.W_Q->transpose() * dQ;
  dX.noalias() += w.W_K->transpose() * dK;
  dX.noalias() += w.W_V->transpose() * dV;
}

}  // namespace memnet::engine
