// engine/random.h
//
// Random draws that mean the same thing under every C++ standard library. The engine keeps
// std::mt19937_64 (its output sequence is fixed by the standard), but std::shuffle,
// std::normal_distribution and std::uniform_int_distribution are not: libstdc++, libc++ and
// MSVC turn the same engine output into different numbers. These replace them, so that a
// seed means the same model everywhere.
//
// Threading: free functions on a caller-owned engine; no shared state.
#pragma once

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace memnet::engine {

using Rng = std::mt19937_64;

// A uniform integer in [0, n), n >= 1, without modulo bias (rejection on the top range).
std::uint64_t uniform_below(Rng& rng, std::uint64_t n);

// A uniform double in [0, 1) with 53 random bits.
double uniform01(Rng& rng);

// A draw from N(mean, stddev^2): Box-Muller on two uniform01 draws in double, rounded to
// float. Uses one pair of draws per call (the second normal is discarded, so the number of
// engine calls is always 2).
float normal(Rng& rng, float mean, float stddev);

// Fisher-Yates shuffle: for i = n-1 .. 1, swap v[i] with v[uniform_below(i + 1)].
template <typename T>
void shuffle(std::vector<T>& v, Rng& rng) {
  for (std::size_t i = v.size(); i > 1; --i) {
    const std::size_t j = static_cast<std::size_t>(uniform_below(rng, i));
    using std::swap;
    swap(v[i - 1], v[j]);
  }
}

}  // namespace memnet::engine
