// engine/tensor.h
//
// Eigen types used by the engine, and the one place the memory layout is written down.
//
// Everything is float and column-major (Eigen's default):
//   word matrices A^k, C^k, B, and W^T     d x V   column w = embedding of word w (column 0 = nil)
//   temporal matrices T_A^k, T_C^k         d x n_max  column i = memory slot i
//   position weights L                     d x J   column j = l_j
//   memories m, c                          d x n   column i = slot i, slot 0 = most recent sentence
//   internal state u^k, o^k                d
//   attention p                            n
//   answer distribution a-hat              V
// W is stored transposed (as W^T, d x V) so that every word matrix has one column per word
// and the nil column can be kept at zero the same way in all of them.
#pragma once

#include <Eigen/Core>

namespace memnet::engine {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic>;
using Vector = Eigen::Matrix<float, Eigen::Dynamic, 1>;
using Index = Eigen::Index;

}  // namespace memnet::engine
