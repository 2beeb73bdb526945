#include "engine/random.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

using namespace memnet::engine;

TEST_CASE("random: draws are pinned for a seed (the same under every standard library)") {
  // mt19937_64's output is fixed by the C++ standard; these functions add no library code.
  Rng rng(1);
  CHECK(uniform_below(rng, 10) == 8);
  CHECK(uniform_below(rng, 1000003) == 9684);
  CHECK(uniform01(rng) == doctest::Approx(0.45121490384453811).epsilon(1e-15));
  std::vector<int> v(10);
  std::iota(v.begin(), v.end(), 0);
  Rng r5(5);
  shuffle(v, r5);
  CHECK(v == std::vector<int>{8, 7, 1, 3, 5, 9, 6, 0, 4, 2});
}

TEST_CASE("random: uniform_below stays in range and covers it evenly") {
  Rng rng(7);
  std::vector<int> count(7, 0);
  for (int i = 0; i < 70000; ++i) {
    const auto x = uniform_below(rng, 7);
    REQUIRE(x < 7);
    ++count[static_cast<size_t>(x)];
  }
  for (int c : count) CHECK(std::abs(c - 10000) < 500);  // ~5 sigma
  CHECK(uniform_below(rng, 1) == 0);
}

TEST_CASE("random: normal has the asked mean and spread, and shuffle permutes") {
  Rng rng(9);
  double sum = 0, sq = 0;
  const int N = 100000;
  for (int i = 0; i < N; ++i) {
    const double z = normal(rng, 1.0f, 0.5f);
    REQUIRE(std::isfinite(z));
    sum += z;
    sq += z * z;
  }
  const double mean = sum / N, var = sq / N - mean * mean;
  CHECK(mean == doctest::Approx(1.0).epsilon(0.01));
  CHECK(std::sqrt(var) == doctest::Approx(0.5).epsilon(0.01));
  std::vector<int> v(50);
  std::iota(v.begin(), v.end(), 0);
  std::vector<int> w = v;
  shuffle(w, rng);
  CHECK(w != v);
  std::sort(w.begin(), w.end());
  CHECK(w == v);
}
