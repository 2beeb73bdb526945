#include "engine/model_config.h"

#include <fmt/format.h>

#include <algorithm>
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
  require(c.relu_units >= 0 && c.relu_units <= c.dim, "relu_units", c.relu_units,
          "must be in [0, dim]");
  require(c.self_attention_layers >= 0 && c.self_attention_layers <= 64, "self_attention_layers",
          c.self_attention_layers, "must be in [0, 64]");
  require(c.heads >= 1 && c.dim % c.heads == 0, "heads", c.heads, "must be >= 1 and divide dim");
  require(c.members >= 1 && c.members <= 1000, "members", c.members, "must be in [1, 1000]");
  require(c.ungated_members >= 0 && c.ungated_members < c.members, "ungated_members",
          c.ungated_members, "must be in [0, members - 1]");
  require(c.gated || c.ungated_members == 0, "ungated_members", c.ungated_members,
          "must be 0 unless gated");
}

bool member_gated(const ModelConfig& c, int e) {
  return c.gated && e < c.members - c.ungated_members;
}

ModelConfig member_config(const ModelConfig& c, int e) {
  ModelConfig m = c;
  m.members = 1;
  m.ungated_members = 0;
  m.gated = member_gated(c, e);
  return m;
}

std::string_view to_string(Encoding e) {
  switch (e) {
    case Encoding::kBagOfWords:
      return "none";
    case Encoding::kPaper:
      return "paper";
    case Encoding::kReference:
      return "reference";
    case Encoding::kLocal:
      return "local";
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

std::string_view to_string(Attention a) {
  switch (a) {
    case Attention::kDot:
      return "dot";
    case Attention::kScaled:
      return "scaled";
    case Attention::kCosine:
      return "cosine";
    case Attention::kDistance:
      return "distance";
  }
  return "?";
}

Attention parse_attention(std::string_view s) {
  if (s == "dot") return Attention::kDot;
  if (s == "scaled") return Attention::kScaled;
  if (s == "cosine") return Attention::kCosine;
  if (s == "distance") return Attention::kDistance;
  throw std::invalid_argument(
      fmt::format("unknown attention kernel '{}' (expected dot, scaled, cosine or distance)", s));
}

std::string describe_extensions(const ModelConfig& c) {
  std::string out;
  auto add = [&](const std::string& item) {
    if (!out.empty()) out += ' ';
    out += item;
  };
  if (c.attention != Attention::kDot) add(fmt::format("attention={}", to_string(c.attention)));
  if (c.gated) add("gated");
  if (c.relu_units > 0) add(fmt::format("relu_units={}", c.relu_units));
  if (c.self_attention_layers > 0) {
    add(fmt::format("self_attention={}{} heads={}", c.self_attention_layers,
                    c.tied_self_attention ? " tied" : "", c.heads));
  }
  if (c.members > 1) add(fmt::format("members={}", c.members));
  if (c.ungated_members > 0) add(fmt::format("ungated_members={}", c.ungated_members));
  return out;
}

std::string member_parameter_name(int member, std::string_view name) {
  return member == 0 ? std::string(name) : fmt::format("e{}.{}", member + 1, name);
}

Encoding parse_encoding(std::string_view s) {
  if (s == "none" || s == "bow") return Encoding::kBagOfWords;
  if (s == "paper") return Encoding::kPaper;
  if (s == "reference") return Encoding::kReference;
  if (s == "local") return Encoding::kLocal;
  throw std::invalid_argument(
      fmt::format("unknown position encoding '{}' (expected paper, reference, local or none)", s));
}

Tying parse_tying(std::string_view s) {
  if (s == "adjacent") return Tying::kAdjacent;
  if (s == "layerwise") return Tying::kLayerwise;
  throw std::invalid_argument(
      fmt::format("unknown weight tying '{}' (expected adjacent or layerwise)", s));
}

std::vector<ParameterSpec> parameter_specs(const ModelConfig& c) {
  std::vector<ParameterSpec> specs;
  for (int e = 0; e < c.members; ++e) {
    for (ParameterSpec s : member_parameter_specs(member_config(c, e))) {
      s.name = member_parameter_name(e, s.name);
      specs.push_back(std::move(s));
    }
  }
  return specs;
}

std::vector<ParameterSpec> member_parameter_specs(const ModelConfig& c) {
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
  const bool layerwise = c.tying == Tying::kLayerwise;
  const int per_hop = layerwise ? 1 : c.hops;
  auto hop_name = [&](std::string_view base, int k) {
    return layerwise ? std::string(base) : fmt::format("{}{}", base, k);
  };
  if (c.attention == Attention::kCosine) {
    // beta starts at 5: a cosine in [-1, 1] times 1 would give a nearly flat softmax
    for (int k = 1; k <= per_hop; ++k) specs.push_back({hop_name("beta", k), 1, 1, false, 5.0f});
  }
  if (c.gated) {
    for (int k = 1; k <= per_hop; ++k) {
      specs.push_back({hop_name("WT", k), d, d, false});
      specs.push_back({hop_name("bT", k), d, 1, false, 0.0f});
    }
  }
  const int sa_sets =
      c.tied_self_attention ? std::min(1, c.self_attention_layers) : c.self_attention_layers;
  for (int l = 1; l <= sa_sets; ++l) {
    for (const char* w : {"WQ", "WK", "WV", "WO"})
      specs.push_back({fmt::format("SA{}.{}", l, w), d, d, false});
    specs.push_back({fmt::format("SA{}.gamma", l), d, 1, false, 1.0f});
    specs.push_back({fmt::format("SA{}.beta", l), d, 1, false, 0.0f});
  }
  return specs;
}

}  // namespace memnet::engine
