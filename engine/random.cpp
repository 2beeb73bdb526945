#include "engine/random.h"

#include <cmath>
#include <limits>
#include <numbers>

namespace memnet::engine {

std::uint64_t uniform_below(Rng& rng, std::uint64_t n) {
  // Accept draws below the largest multiple of n; the rest would bias low values.
  const std::uint64_t limit =
      std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % n;
  std::uint64_t x = rng();
  while (x >= limit) x = rng();
  return x % n;
}

double uniform01(Rng& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

float normal(Rng& rng, float mean, float stddev) {
  const double u1 = 1.0 - uniform01(rng);  // (0, 1]: log(u1) is finite
  const double u2 = uniform01(rng);
  const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  return static_cast<float>(static_cast<double>(mean) + static_cast<double>(stddev) * z);
}

}  // namespace memnet::engine
