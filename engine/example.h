// engine/example.h
//
// A question over a story, as word ids. Datasets turn text into these; the engine reads
// nothing else.
#pragma once

#include <utility>
#include <vector>

namespace memnet::engine {

// Responses to rank instead of answering one word (goal-oriented dialog, Bordes et al.
// 2017): candidate c is the bag of words Phi(y_c), and its score is u^T W Phi(y_c) with the
// answer matrix W. Word ids, repeats counted.
struct CandidateSet {
  std::vector<std::vector<int>> words;
};

struct Example {
  // Every statement before the question, oldest first. A question sees only the most
  // recent ModelConfig::memory_size of them: memory slot i holds story[story.size() - 1 - i].
  std::vector<std::vector<int>> story;
  std::vector<int> question;
  int answer = 0;            // word id; 0 (nil) when the answer is not in the vocabulary
  std::vector<int> support;  // indices into `story` of the gold supporting facts
  int task = 0;              // bAbI task number, 0 when not from a task
  // With candidates: the answer layer ranks them and `answer` is a candidate index. Not
  // owned: the set must outlive every use of the example.
  const CandidateSet* candidates = nullptr;
  // Words added to single candidates for this example only, as (candidate, word id): the
  // match-type features of Bordes et al. 2017, section 4.2.
  std::vector<std::pair<int, int>> candidate_extra;
};

}  // namespace memnet::engine
