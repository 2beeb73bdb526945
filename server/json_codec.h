// server/json_codec.h
//
// The JSON shapes of the HTTP API (docs/http-api.md), written with JsonWriter. The *_fields
// functions write members into an object the caller has opened, so routes can add their own.
#pragma once

#include "core/ask.h"
#include "core/dialog_service.h"
#include "core/story_service.h"
#include "server/json_writer.h"
#include "storage/memory_store.h"

namespace memnet::server {

// "id","name","model" (null when none),"fact_count","created_at"
void story_fields(JsonWriter& w, const storage::StoryRecord& story);
// {"id","seq","text"}  (the object's fields; `fact_object` adds the braces)
void fact_fields(JsonWriter& w, const storage::FactRecord& fact);
// {"name","created_at","hops","dim","memory_size","vocab_size","sentence_length",
//  "encoding","temporal","tying","training":{"dataset","tasks","validation_error"}}
void model_object(JsonWriter& w, const core::ModelInfo& model);
// model_object's fields and, in "training", "seed" (a string: 64
// bits),"repeats","best_repeat","threads", "wall_seconds","options" (one "key=value" per line) and
// "epochs":[{"repeat","epoch",
// "linear_start","learning_rate","train_loss","validation_loss","validation_error"}].
void model_detail_object(JsonWriter& w, const core::ModelInfo& model);
// {"ordinal","as_of","question","answer","supporting":[seq...]}
void question_object(JsonWriter& w, const storage::QuestionRecord& question);
// "model","answer","probability","alternatives":[{"answer","probability"}],
// "hops":[{"hop":1,"attention":[{"id","seq","text","weight"}],"empty_weight"}],
// "unknown_words":[...],"memory":{"facts","first_seq","size","select"}, and for an imported
// question "gold":{"answer","supporting":[seq...],"correct"}
// `stored`: attention names facts by id and seq; otherwise by "index" into the inline story
// (and "memory" has "sentences" and "first_index"). "hops" is left out when
// result.attention is kNone; with kTop it holds the hops as result.hops cut them.
void ask_fields(JsonWriter& w, const core::AskResult& result, bool stored);

// "id","model","created_at" of a dialog.
void dialog_fields(JsonWriter& w, const core::DialogRecord& dialog);
// {"index","id","speaker","text"}
void utterance_object(JsonWriter& w, const core::StoredUtterance& utterance);
// "bot","candidate","probability","candidates":[{"candidate","text","probability"}],
// "hops":[{"hop","attention":[{"index","speaker","text","weight"}],"empty_weight"}],
// "unknown_words","api_results","added":[utterance...]
void turn_fields(JsonWriter& w, const core::TurnResult& turn);

}  // namespace memnet::server
