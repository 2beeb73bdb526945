#include "engine/evaluate.h"

#include <algorithm>
#include <map>

#include "engine/thread_pool.h"

namespace memnet::engine {

bool attention_hits_support(const Prediction& p, const Example& x) {
  for (const Vector& a : p.attention) {
    if (a.size() == 0) continue;
    Index slot = 0;
    a.maxCoeff(&slot);
    const int sentence = static_cast<int>(x.story.size()) - 1 - static_cast<int>(slot);
    if (std::find(x.support.begin(), x.support.end(), sentence) != x.support.end()) return true;
  }
  return false;
}

Evaluation evaluate(const Memn2n& model, const std::vector<Example>& examples, int threads) {
  struct Outcome {
    bool correct = false, hit = false;
  };
  std::vector<Outcome> outcomes(examples.size());
  const int T = std::max(1, threads);
  ThreadPool pool(T);
  pool.parallel_for(T, [&](int t) {
    const size_t lo = examples.size() * static_cast<size_t>(t) / static_cast<size_t>(T);
    const size_t hi = examples.size() * static_cast<size_t>(t + 1) / static_cast<size_t>(T);
    for (size_t i = lo; i < hi; ++i) {
      const Prediction p = model.answer(examples[i]);
      outcomes[i].correct = examples[i].answer != 0 && p.answer == examples[i].answer;
      outcomes[i].hit = attention_hits_support(p, examples[i]);
    }
  });
  std::map<int, TaskScore> by_task;
  for (size_t i = 0; i < examples.size(); ++i) {
    TaskScore& s = by_task[examples[i].task];
    s.task = examples[i].task;
    ++s.questions;
    s.wrong += outcomes[i].correct ? 0 : 1;
    if (!examples[i].support.empty()) {
      ++s.with_support;
      s.support_hits += outcomes[i].hit ? 1 : 0;
    }
  }
  Evaluation ev;
  for (auto& [task, s] : by_task) {
    ev.tasks.push_back(s);
    ev.mean_error += s.error();
    ev.failed += s.failed() ? 1 : 0;
  }
  if (!ev.tasks.empty()) ev.mean_error /= static_cast<double>(ev.tasks.size());
  return ev;
}

}  // namespace memnet::engine
