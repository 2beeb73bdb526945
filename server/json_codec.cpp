#include "server/json_codec.h"

namespace memnet::server {

void story_fields(JsonWriter& w, const storage::StoryRecord& s) {
  w.key("id").value(s.id).key("name").value(s.name).key("model");
  if (s.model.empty()) {
    w.null();
  } else {
    w.value(s.model);
  }
  w.key("fact_count").value(s.facts).key("created_at").value(s.created_at);
}

void fact_fields(JsonWriter& w, const storage::FactRecord& f) {
  w.key("id").value(f.id).key("seq").value(f.seq).key("text").value(f.text);
}

void model_object(JsonWriter& w, const core::ModelInfo& m) {
  const auto& c = m.config;
  w.begin_object()
      .key("name")
      .value(m.name)
      .key("created_at")
      .value(m.created_at)
      .key("hops")
      .value(c.hops)
      .key("dim")
      .value(c.dim)
      .key("memory_size")
      .value(c.memory_size)
      .key("vocab_size")
      .value(c.vocab_size)
      .key("sentence_length")
      .value(c.sentence_length)
      .key("encoding")
      .value(engine::to_string(c.encoding))
      .key("temporal")
      .value(c.temporal)
      .key("tying")
      .value(engine::to_string(c.tying))
      .key("attention")
      .value(engine::to_string(c.attention))
      .key("gated")
      .value(c.gated)
      .key("relu_units")
      .value(c.relu_units)
      .key("self_attention_layers")
      .value(c.self_attention_layers)
      .key("heads")
      .value(c.heads)
      .key("members")
      .value(c.members);
  w.key("training").begin_object().key("dataset").value(m.training.dataset).key("tasks");
  w.begin_array();
  for (int t : m.training.tasks) w.value(t);
  w.end_array();
  w.key("validation_error").value(m.training.validation_error).end_object();
  w.end_object();
}

void ask_fields(JsonWriter& w, const core::AskResult& r, bool stored) {
  w.key("model").value(r.model).key("answer").value(r.answer);
  w.key("probability").value(r.probability);
  w.key("alternatives").begin_array();
  for (const auto& a : r.alternatives) {
    w.begin_object().key("answer").value(a.answer).key("probability").value(a.probability);
    w.end_object();
  }
  w.end_array();
  w.key("hops").begin_array();
  for (std::size_t k = 0; k < r.hops.size(); ++k) {
    w.begin_object().key("hop").value(static_cast<int>(k + 1)).key("attention").begin_array();
    for (const auto& a : r.hops[k]) {
      w.begin_object();
      if (stored) {
        w.key("id").value(a.fact_id).key("seq").value(a.sentence);
      } else {
        w.key("index").value(a.sentence);
      }
      w.key("text").value(a.text).key("weight").value(a.weight).end_object();
    }
    w.end_array();
    w.key("empty_weight").value(k < r.empty_weight.size() ? r.empty_weight[k] : 0.0f);
    w.end_object();
  }
  w.end_array();
  w.key("unknown_words").value(r.unknown_words);
  w.key("memory").begin_object();
  w.key(stored ? "facts" : "sentences").value(r.sentences);
  w.key(stored ? "first_seq" : "first_index").value(r.memory_first);
  w.key("size").value(r.sentences - r.memory_first);
  w.end_object();
}

}  // namespace memnet::server
