#include "engine/position_encoding.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace memnet::engine {

Matrix position_encoding(Index d, Index J, Encoding variant) {
  if (d <= 0 || J <= 0) {
    throw std::invalid_argument(
        fmt::format("position_encoding: need d > 0 and J > 0, got d={} J={}", d, J));
  }
  Matrix L(d, J);
  const double dd = static_cast<double>(d), JJ = static_cast<double>(J);
  for (Index j = 1; j <= J; ++j) {
    for (Index k = 1; k <= d; ++k) {
      double l = 1.0;
      if (variant == Encoding::kPaper) {
        l = (1.0 - j / JJ) - (k / dd) * (1.0 - 2.0 * j / JJ);
      } else if (variant == Encoding::kReference || variant == Encoding::kLocal) {
        l = 1.0 + 4.0 * (k - (dd + 1.0) / 2.0) * (j - (JJ + 1.0) / 2.0) / (dd * JJ);
      }
      L(k - 1, j - 1) = static_cast<float>(l);
    }
  }
  return L;
}

PositionWeights::PositionWeights(const ModelConfig& config, int cached_lengths)
    : d_(config.dim), J_(config.sentence_length), encoding_(config.encoding) {
  cache_.reserve(static_cast<size_t>(cached_lengths) + 1);
  cache_.emplace_back(d_, 0);
  for (int n = 1; n <= cached_lengths; ++n) cache_.push_back(for_length(n));
}

Matrix PositionWeights::for_length(int length) const {
  if (length <= 0) return Matrix(d_, 0);
  if (encoding_ == Encoding::kReference) {
    // The authors' code fixes J at the longest sentence; a longer one stretches J to fit.
    const int J = std::max(J_, length);
    return position_encoding(d_, J, encoding_).leftCols(length);
  }
  return position_encoding(d_, length, encoding_);
}

const Matrix& PositionWeights::get(int length, Matrix& scratch) const {
  if (length >= 0 && static_cast<size_t>(length) < cache_.size()) {
    return cache_[static_cast<size_t>(length)];
  }
  scratch = for_length(length);
  return scratch;
}

}  // namespace memnet::engine
