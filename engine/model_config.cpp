#include "engine/model_config.h"

#include <fmt/format.h>

#include <stdexcept>

namespace memnet::engine {

void validate(const ModelConfig& c) {
  auto require = [](bool ok, std::string_view field, int value, std::string_view rule) {
    if (!ok)
      throw std::invalid_argument(fmt::format("model config: {} = {} {}", field, value, rule));
  };
  require(c.hops >= 1 && c.hops <= 64, "hops", c.hops, "must be in [1, 64]");
  require(c.dim >= 1 && c.dim <= 4096, "dim", c.dim, "must be in [1, 4096]");
  require(c.memory_size >= 1 && c.memory_size <= 100000, "memory_size", c.memory_size,
          "must be in [1, 100000]");
  require(c.padded_memory >= 0 && c.padded_memory <= c.memory_size, "padded_memory",
          c.padded_memory, "must be in [0, memory_size]");
  require(c.vocab_size >= 1, "vocab_size", c.vocab_size, "must be >= 1 (nil included)");
  if (c.encoding == Encoding::kReference) {
    require(c.sentence_length >= 1, "sentence_length", c.sentence_length,
            "must be >= 1 for the reference position encoding");
  }
  require(c.sentence_length >= 0, "sentence_length", c.sentence_length, "must be >= 0");
}

std::string_view to_string(Encoding e) {
  switch (e) {
    case Encoding::kBagOfWords:
      return "none";
    case Encoding::kPaper:
      return "paper";
    case Encoding::kReference:
      return "reference";
  }
  return "?";
}

std::string_view to_string(Tying t) {
  switch (t) {
    case Tying::kAdjacent:
      return "adjacent";
    case Tying::kLayerwise:
      return "layerwise";
  }
  return "?";
}

Encoding parse_encoding(std::string_view s) {
  if (s == "none" || s == "bow") return Encoding::kBagOfWords;
  if (s == "paper") return Encoding::kPaper;
  if (s == "reference") return Encoding::kReference;
  throw std::invalid_argument(
      fmt::format("unknown position encoding '{}' (expected paper, reference or none)", s));
}

Tying parse_tying(std::string_view s) {
  if (s == "adjacent") return Tying::kAdjacent;
  if (s == "layerwise") return Tying::kLayerwise;
  throw std::invalid_argument(
      fmt::format("unknown weight tying '{}' (expected adjacent or layerwise)", s));
}

std::vector<ParameterSpec> parameter_specs(const ModelConfig& c) {
  const Index d = c.dim, V = c.vocab_size, n = c.memory_size;
  std::vector<ParameterSpec> specs;
  if (c.tying == Tying::kAdjacent) {
    specs.push_back({"A1", d, V, true});
    for (int k = 1; k <= c.hops; ++k) specs.push_back({fmt::format("C{}", k), d, V, true});
    if (c.temporal) {
      specs.push_back({"TA1", d, n, false});
      for (int k = 1; k <= c.hops; ++k) specs.push_back({fmt::format("TC{}", k), d, n, false});
    }
  } else {
    specs.push_back({"A", d, V, true});
    specs.push_back({"C", d, V, true});
    specs.push_back({"B", d, V, true});
    specs.push_back({"Wt", d, V, true});
    specs.push_back({"H", d, d, false});
    if (c.temporal) {
      specs.push_back({"TA", d, n, false});
      specs.push_back({"TC", d, n, false});
    }
  }
  return specs;
}

}  // namespace memnet::engine
