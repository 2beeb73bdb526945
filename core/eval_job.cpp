#include "core/eval_job.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/babi_examples.h"
#include "datasets/babi.h"
#include "engine/evaluate.h"
#include "engine/memn2n.h"
#include "storage/database.h"
#include "storage/model_store.h"

namespace memnet::core {
namespace {

// One JSON line per question, in file order (to_examples makes one example per question).
void write_predictions(std::ostream& out, const std::vector<datasets::Story>& stories,
                       const std::vector<engine::Example>& examples, const engine::Memn2n& model,
                       const engine::Vocabulary& vocab, int task, const std::string& model_name) {
  using json = nlohmann::ordered_json;
  size_t e = 0;
  for (size_t s = 0; s < stories.size(); ++s) {
    for (const auto& q : stories[s].questions) {
      if (e >= examples.size()) throw std::logic_error("fewer examples than questions");
      const engine::Example& x = examples[e++];
      const engine::Prediction p = model.answer(x);
      const int n = static_cast<int>(p.attention.empty() ? 0 : p.attention[0].size());
      json attention = json::array();
      for (const auto& hop : p.attention) {
        json weights = json::array();
        for (int slot = n - 1; slot >= 0; --slot) weights.push_back(hop(slot));
        attention.push_back(weights);
      }
      const json line = {{"task", task},
                         {"model", model_name},
                         {"story", s + 1},
                         {"story_line", stories[s].source_line},
                         {"question_line", q.source_line},
                         {"question", q.text},
                         {"answer", q.answer},
                         {"predicted", vocab.word(p.answer)},
                         {"probability", p.a_hat(p.answer)},
                         {"correct", p.answer == x.answer},
                         {"memory_first", q.statements_before - n},
                         {"attention", attention}};
      out << line.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
    }
  }
}

// The first `limit` wrongly answered questions, in file order, with the facts the model saw.
std::vector<FailedExample> failed_examples(const std::vector<datasets::Story>& stories,
                                           const std::vector<engine::Example>& examples,
                                           const engine::Memn2n& model,
                                           const engine::Vocabulary& vocab, size_t limit) {
  std::vector<FailedExample> out;
  size_t e = 0;
  for (size_t s = 0; s < stories.size() && out.size() < limit; ++s) {
    for (const auto& q : stories[s].questions) {
      if (out.size() >= limit) break;
      if (e >= examples.size()) throw std::logic_error("fewer examples than questions");
      const engine::Example& x = examples[e++];
      const engine::Prediction p = model.answer(x);
      if (p.answer == x.answer) continue;
      const int n = static_cast<int>(p.attention.empty() ? 0 : p.attention[0].size());
      FailedExample f;
      f.story = static_cast<int>(s + 1);
      f.question_line = q.source_line;
      f.question = q.text;
      f.answer = q.answer;
      f.predicted = vocab.word(p.answer);
      f.probability = p.a_hat(p.answer);
      f.answer_probability = x.answer == engine::Vocabulary::kNil ? 0.0f : p.a_hat(x.answer);
      f.memory_first = q.statements_before - n;
      const auto is_gold = [&](int i) {
        return std::find(q.support.begin(), q.support.end(), i) != q.support.end();
      };
      for (int i : q.support) {  // gold facts the window no longer holds
        if (i < f.memory_first)
          f.facts.push_back({i, stories[s].statements[static_cast<size_t>(i)].text, true, false});
      }
      std::sort(f.facts.begin(), f.facts.end(),
                [](const MemoryFact& a, const MemoryFact& b) { return a.index < b.index; });
      for (int i = f.memory_first; i < q.statements_before; ++i)
        f.facts.push_back(
            {i, stories[s].statements[static_cast<size_t>(i)].text, is_gold(i), true});
      for (const auto& hop : p.attention) {
        std::vector<float> weights;
        for (int slot = n - 1; slot >= 0; --slot) weights.push_back(hop(slot));  // oldest first
        f.empty_weight.push_back(std::max(0.0f, 1.0f - hop.sum()));
        f.attention.push_back(std::move(weights));
      }
      out.push_back(std::move(f));
    }
  }
  return out;
}

}  // namespace

EvalReport run_eval(const EvalJob& job) {
  if (!std::filesystem::exists(job.model_path)) {
    throw std::runtime_error(fmt::format("{}: no such model file", job.model_path));
  }
  storage::Database db(job.model_path, storage::Database::Mode::kReadOnly);
  std::vector<std::string> names = job.model_names;
  if (names.empty()) names = storage::list_models(db);
  if (names.empty()) throw std::runtime_error(fmt::format("{}: holds no model", job.model_path));

  std::vector<storage::StoredModel> models;
  std::map<int, size_t> owner;  // task -> index into models
  for (const auto& name : names) {
    auto m = storage::load_model(db, name);
    if (!m) {
      throw std::runtime_error(fmt::format("{}: no model named '{}' (it holds: {})", job.model_path,
                                           name, fmt::join(storage::list_models(db), ", ")));
    }
    for (int t : m->training.tasks) {
      if (!job.tasks.empty() && std::find(job.tasks.begin(), job.tasks.end(), t) == job.tasks.end())
        continue;
      if (auto it = owner.find(t); it != owner.end()) {
        throw std::runtime_error(
            fmt::format("task {} is claimed by models '{}' and '{}': choose one with --name", t,
                        models[it->second].name, m->name));
      }
      owner[t] = models.size();
    }
    models.push_back(std::move(*m));
  }
  for (int t : job.tasks) {
    if (!owner.count(t))
      throw std::runtime_error(fmt::format("no selected model was trained on task {}", t));
  }

  std::ofstream predictions;
  if (!job.predictions_path.empty()) {
    predictions.open(job.predictions_path, std::ios::binary | std::ios::trunc);
    if (!predictions)
      throw std::runtime_error(fmt::format("cannot write {}", job.predictions_path));
  }
  EvalReport report;
  for (const auto& [task, index] : owner) {
    const storage::StoredModel& sm = models[index];
    const engine::Memn2n model(sm.config, sm.weights);
    const auto stories =
        datasets::load_babi_file(datasets::find_task_file(job.data_dir, task, "test"));
    std::vector<std::string> unknown;
    const auto examples = to_examples(stories, sm.vocab, task, &unknown, sm.config.memory_size);
    const engine::Evaluation ev = engine::evaluate(model, examples, job.threads);
    if (predictions.is_open()) {
      write_predictions(predictions, stories, examples, model, sm.vocab, task, sm.name);
      if (!predictions)
        throw std::runtime_error(fmt::format("cannot write {}", job.predictions_path));
    }
    TaskResult r;
    r.task = task;
    r.model = sm.name;
    if (!ev.tasks.empty()) {
      const engine::TaskScore& s = ev.tasks.front();
      r.questions = s.questions;
      r.error = s.error();
      r.support_hit = s.support_hit();
      r.failed = s.failed();
      r.wrong = s.wrong;
    }
    r.unknown_words = static_cast<int>(unknown.size());
    if (job.failed_examples > 0 && r.wrong > 0) {
      r.failed_examples = failed_examples(stories, examples, model, sm.vocab,
                                          static_cast<size_t>(job.failed_examples));
    }
    report.mean_error += r.error;
    report.failed += r.failed ? 1 : 0;
    report.tasks.push_back(r);
  }
  if (!report.tasks.empty()) report.mean_error /= static_cast<double>(report.tasks.size());
  return report;
}

}  // namespace memnet::core
