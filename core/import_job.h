// core/import_job.h
//
// `memnet import`: every story of a bAbI file becomes a stored story whose facts are its
// statements in order (questions are not stored; asking a story's last question over the
// stored story sees what `memnet eval` gave the model for it).
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
// ParseError, path:line) stores nothing. Each story is then one transaction for its facts.
// Stories are named "<file name>#<n>" (n from 1). `model` as StoryService::create_story.
std::vector<ImportedStory> import_babi(StoryService& service, const std::string& path,
                                       const std::string& model);

}  // namespace memnet::core
