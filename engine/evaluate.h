// engine/evaluate.h
//
// Test error per bAbI task, as the paper reports it (a task fails above 5% error), and how
// often the strongest attention of some hop falls on a gold supporting fact.
#pragma once

#include <vector>

#include "engine/example.h"
#include "engine/memn2n.h"

namespace memnet::engine {

struct TaskScore {
  int task = 0;
  int questions = 0;
  int wrong = 0;
  int with_support = 0;  // questions that have gold supporting facts
  int support_hits = 0;  // ... whose argmax attention in some hop is one of them
  double error() const { return questions ? static_cast<double>(wrong) / questions : 0.0; }
  double support_hit() const {
    return with_support ? static_cast<double>(support_hits) / with_support : 0.0;
  }
  bool failed() const { return error() > 0.05; }
};

struct Evaluation {
  std::vector<TaskScore> tasks;  // sorted by task number
  double mean_error = 0;         // unweighted mean over tasks
  int failed = 0;                // tasks with error > 5%
};

// True when the strongest attention of some hop is on one of x.support.
bool attention_hits_support(const Prediction& p, const Example& x);

// Scores every example (threads >= 1 split the examples; the result does not depend on it).
Evaluation evaluate(const Memn2n& model, const std::vector<Example>& examples, int threads = 1);

}  // namespace memnet::engine
