// engine/example.h
//
// A question over a story, as word ids. Datasets turn text into these; the engine reads
// nothing else.
#pragma once

#include <vector>

namespace memnet::engine {

struct Example {
  // Every statement before the question, oldest first. A question sees only the most
  // recent ModelConfig::memory_size of them: memory slot i holds story[story.size() - 1 - i].
  std::vector<std::vector<int>> story;
  std::vector<int> question;
  int answer = 0;            // word id; 0 (nil) when the answer is not in the vocabulary
  std::vector<int> support;  // indices into `story` of the gold supporting facts
  int task = 0;              // bAbI task number, 0 when not from a task
};

}  // namespace memnet::engine
