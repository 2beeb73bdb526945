#include "server/json_codec.h"

namespace memnet::server {

Json story_json(const storage::StoryRecord& s) {
  Json j = {{"id", s.id}, {"name", s.name}};
  j["model"] = s.model.empty() ? Json(nullptr) : Json(s.model);
  j["fact_count"] = s.facts;
  j["created_at"] = s.created_at;
  return j;
}

Json fact_json(const storage::FactRecord& f) {
  return {{"id", f.id}, {"seq", f.seq}, {"text", f.text}};
}

Json model_json(const core::ModelInfo& m) {
  const auto& c = m.config;
  Json training = {{"dataset", m.training.dataset},
                   {"tasks", m.training.tasks},
                   {"validation_error", m.training.validation_error}};
  return {{"name", m.name},
          {"created_at", m.created_at},
          {"hops", c.hops},
          {"dim", c.dim},
          {"memory_size", c.memory_size},
          {"vocab_size", c.vocab_size},
          {"sentence_length", c.sentence_length},
          {"encoding", std::string(engine::to_string(c.encoding))},
          {"temporal", c.temporal},
          {"tying", std::string(engine::to_string(c.tying))},
          {"training", training}};
}

Json ask_json(const core::AskResult& r, bool stored) {
  Json alternatives = Json::array();
  for (const auto& a : r.alternatives)
    alternatives.push_back({{"answer", a.answer}, {"probability", a.probability}});
  Json hops = Json::array();
  for (std::size_t k = 0; k < r.hops.size(); ++k) {
    Json attention = Json::array();
    for (const auto& a : r.hops[k]) {
      if (stored) {
        attention.push_back(
            {{"id", a.fact_id}, {"seq", a.sentence}, {"text", a.text}, {"weight", a.weight}});
      } else {
        attention.push_back({{"index", a.sentence}, {"text", a.text}, {"weight", a.weight}});
      }
    }
    hops.push_back({{"hop", k + 1},
                    {"attention", attention},
                    {"empty_weight", k < r.empty_weight.size() ? r.empty_weight[k] : 0.0f}});
  }
  const int size = r.sentences - r.memory_first;
  return {{"model", r.model},
          {"answer", r.answer},
          {"probability", r.probability},
          {"alternatives", alternatives},
          {"hops", hops},
          {"unknown_words", r.unknown_words},
          {"memory", {{stored ? "facts" : "sentences", r.sentences},
                      {stored ? "first_seq" : "first_index", r.memory_first},
                      {"size", size}}}};
}

std::string dump(const Json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace memnet::server
