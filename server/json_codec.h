// server/json_codec.h
//
// The JSON shapes of the HTTP API (docs/http-api.md): what core/ and storage/ return, as the
// server sends it. Strings holding invalid UTF-8 (a user's fact) are replaced, never thrown.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/ask.h"
#include "core/story_service.h"
#include "storage/memory_store.h"

namespace memnet::server {

using Json = nlohmann::ordered_json;

// {"id","name","model"(null when none),"fact_count","created_at"}
Json story_json(const storage::StoryRecord& story);
// {"id","seq","text"}
Json fact_json(const storage::FactRecord& fact);
// {"name","created_at","hops","dim","memory_size","vocab_size","sentence_length",
//  "encoding","temporal","tying","training":{"dataset","tasks","validation_error"}}
Json model_json(const core::ModelInfo& model);
// {"model","answer","probability","alternatives":[{"answer","probability"}],
//  "hops":[{"hop":1,"attention":[{"id","seq","text","weight"}],"empty_weight"}],
//  "unknown_words":[...],"memory":{"facts","first_seq","size"}}
// `stored`: attention names facts by id and seq; otherwise by "index" into the inline story.
Json ask_json(const core::AskResult& result, bool stored);

// Serializes, replacing invalid UTF-8.
std::string dump(const Json& j);

}  // namespace memnet::server
