// core/import_job.h
//
// `memnet import`: every story of a bAbI file becomes a stored story whose facts are its
// statements in order, with its questions, their gold answers and supporting facts
// (StoryService::add_questions). Asking a question over the window it was asked over in the
// file (`as_of`) sees what `memnet eval` gave the model for it, and gets its gold answer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/story_service.h"

namespace memnet::core {

struct ImportedStory {
  std::int64_t id = 0;
  int source_line = 0;  // where the story starts in the file
  int facts = 0;
  int questions = 0;
};

// The whole file is parsed before anything is stored, so a malformed file (datasets::
// ParseError, path:line) stores nothing. Stories are then stored whole, in write
// transactions of about 20,000 facts (StoryService::import_stories): a failure such as a
// full disk keeps the batches committed before it and no part of a story.
// Stories are named "<file name>#<n>" (n from 1). `model` and `selection` as
// StoryService::create_story.
std::vector<ImportedStory> import_babi(StoryService& service, const std::string& path,
                                       const std::string& model,
                                       Selection selection = Selection::kRecent);

}  // namespace memnet::core
