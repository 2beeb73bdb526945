#include "server/json_codec.h"

#include <utility>
#include <vector>

namespace memnet::server {

void story_fields(JsonWriter& w, const storage::StoryRecord& s) {
  w.key("id").value(s.id).key("name").value(s.name).key("model");
  if (s.model.empty()) {
    w.null();
  } else {
    w.value(s.model);
  }
  w.key("fact_count").value(s.facts).key("created_at").value(s.created_at);
  w.key("select").value(s.selection);
}

void fact_fields(JsonWriter& w, const storage::FactRecord& f) {
  w.key("id").value(f.id).key("seq").value(f.seq).key("text").value(f.text);
}

namespace {

void model_fields(JsonWriter& w, const core::ModelInfo& m) {
  const auto& c = m.config;
  w.key("name")
      .value(m.name)
      .key("kind")
      .value(m.dialog_task >= 0 ? "dialog" : "qa")
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
      .value(c.members)
      .key("ungated_members")
      .value(c.ungated_members);
}

void training_fields(JsonWriter& w, const engine::TrainingRecord& t) {
  w.key("dataset").value(t.dataset).key("tasks");
  w.begin_array();
  for (int task : t.tasks) w.value(task);
  w.end_array();
  w.key("validation_error").value(t.validation_error);
}

}  // namespace

void model_object(JsonWriter& w, const core::ModelInfo& m) {
  w.begin_object();
  model_fields(w, m);
  w.key("training").begin_object();
  training_fields(w, m.training);
  w.end_object().end_object();
}

void model_detail_object(JsonWriter& w, const core::ModelInfo& m) {
  const engine::TrainingRecord& t = m.training;
  w.begin_object();
  model_fields(w, m);
  w.key("training").begin_object();
  training_fields(w, t);
  w.key("seed").value(std::to_string(t.seed)).key("repeats").value(t.repeats);
  w.key("best_repeat").value(t.best_repeat).key("threads").value(t.threads);
  w.key("wall_seconds").value(t.wall_seconds).key("options").value(t.options);
  w.key("epochs").begin_array();
  for (const auto& e : t.epochs) {
    w.begin_object().key("repeat").value(e.repeat).key("epoch").value(e.epoch);
    w.key("linear_start").value(e.linear_start).key("learning_rate").value(e.learning_rate);
    w.key("train_loss").value(e.train_loss).key("validation_loss").value(e.validation_loss);
    w.key("validation_error").value(e.validation_error).end_object();
  }
  w.end_array().end_object().end_object();
}

void question_object(JsonWriter& w, const storage::QuestionRecord& q) {
  w.begin_object().key("ordinal").value(q.ordinal).key("as_of").value(q.as_of);
  w.key("question").value(q.text).key("answer").value(q.answer).key("supporting").begin_array();
  for (const std::int64_t seq : q.supporting) w.value(seq);
  w.end_array().end_object();
}

namespace {

// "hops":[{"hop","attention":[...],"empty_weight"}] of an answer.
// A fact's members but its weight are the same in every hop: with full attention each hop
// lists the window's facts in the same order, so hop 1's members are written once and
// copied into the later hops (a third of the escaping and number formatting for K=3).
void hop_fields(JsonWriter& w, const core::AskResult& r, bool stored) {
  std::vector<std::pair<std::size_t, std::size_t>> first_hop;  // members of hop 1's entries
  w.key("hops").begin_array();
  for (std::size_t k = 0; k < r.hops.size(); ++k) {
    w.begin_object().key("hop").value(static_cast<int>(k + 1)).key("attention").begin_array();
    for (std::size_t i = 0; i < r.hops[k].size(); ++i) {
      const core::Attention& a = r.hops[k][i];
      w.begin_object();
      if (k > 0 && i < first_hop.size() && r.hops[0][i].sentence == a.sentence &&
          r.hops[0][i].fact_id == a.fact_id) {
        w.copy_members(first_hop[i].first, first_hop[i].second);
      } else {
        const std::size_t from = w.size();
        if (stored) {
          w.key("id").value(a.fact_id).key("seq").value(a.sentence);
        } else {
          w.key("index").value(a.sentence);
        }
        w.key("text").value(a.text);
        if (k == 0) first_hop.emplace_back(from, w.size());
      }
      w.key("weight").value(a.weight).end_object();
    }
    w.end_array();
    w.key("empty_weight").value(k < r.empty_weight.size() ? r.empty_weight[k] : 0.0f);
    w.end_object();
  }
  w.end_array();
}

}  // namespace

void ask_fields(JsonWriter& w, const core::AskResult& r, bool stored) {
  w.key("model").value(r.model).key("answer").value(r.answer);
  w.key("probability").value(r.probability);
  w.key("alternatives").begin_array();
  for (const auto& a : r.alternatives) {
    w.begin_object().key("answer").value(a.answer).key("probability").value(a.probability);
    w.end_object();
  }
  w.end_array();
  if (r.attention != core::AttentionDetail::kNone) hop_fields(w, r, stored);
  w.key("unknown_words").value(r.unknown_words);
  w.key("memory").begin_object();
  w.key(stored ? "facts" : "sentences").value(r.sentences);
  w.key(stored ? "first_seq" : "first_index").value(r.memory_first);
  w.key("size").value(r.window);
  w.key("select").value(core::selection_name(r.select));
  w.end_object();
  if (r.gold) {
    w.key("gold").begin_object().key("answer").value(r.gold->answer).key("supporting");
    w.begin_array();
    for (const std::int64_t seq : r.gold->supporting) w.value(seq);
    w.end_array().key("correct").value(r.gold->correct).end_object();
  }
}

void dialog_fields(JsonWriter& w, const core::DialogRecord& d) {
  w.key("id").value(d.id).key("model").value(d.model).key("created_at").value(d.created_at);
}

void utterance_object(JsonWriter& w, const core::StoredUtterance& u) {
  w.begin_object()
      .key("index")
      .value(u.index)
      .key("id")
      .value(u.fact_id)
      .key("speaker")
      .value(u.speaker)
      .key("text")
      .value(u.text)
      .end_object();
}

void turn_fields(JsonWriter& w, const core::TurnResult& t) {
  const core::DialogReply& r = t.reply;
  w.key("bot")
      .value(r.bot)
      .key("candidate")
      .value(r.candidate)
      .key("probability")
      .value(r.probability);
  w.key("candidates").begin_array();
  for (const auto& c : r.top) {
    w.begin_object()
        .key("candidate")
        .value(c.candidate)
        .key("text")
        .value(c.text)
        .key("probability")
        .value(c.probability)
        .end_object();
  }
  w.end_array().key("hops").begin_array();
  for (size_t k = 0; k < r.hops.size(); ++k) {
    w.begin_object().key("hop").value(static_cast<int>(k + 1)).key("attention").begin_array();
    for (const auto& h : r.hops[k]) {
      w.begin_object()
          .key("index")
          .value(h.index)
          .key("speaker")
          .value(h.speaker)
          .key("text")
          .value(h.text)
          .key("weight")
          .value(h.weight)
          .end_object();
    }
    w.end_array().key("empty_weight").value(r.empty_weight[k]).end_object();
  }
  w.end_array().key("unknown_words").value(r.unknown_words);
  w.key("api_results").value(r.api_results).key("added").begin_array();
  for (const auto& u : t.added) utterance_object(w, u);
  w.end_array();
}

}  // namespace memnet::server
