#include "core/eval_job.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <stdexcept>

#include "core/babi_examples.h"
#include "datasets/babi.h"
#include "engine/evaluate.h"
#include "engine/memn2n.h"
#include "storage/database.h"
#include "storage/model_store.h"

namespace memnet::core {

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

  EvalReport report;
  for (const auto& [task, index] : owner) {
    const storage::StoredModel& sm = models[index];
    const engine::Memn2n model(sm.config, sm.weights);
    const auto stories =
        datasets::load_babi_file(datasets::find_task_file(job.data_dir, task, "test"));
    std::vector<std::string> unknown;
    const auto examples = to_examples(stories, sm.vocab, task, &unknown, sm.config.memory_size);
    const engine::Evaluation ev = engine::evaluate(model, examples, job.threads);
    TaskResult r;
    r.task = task;
    r.model = sm.name;
    if (!ev.tasks.empty()) {
      const engine::TaskScore& s = ev.tasks.front();
      r.questions = s.questions;
      r.error = s.error();
      r.support_hit = s.support_hit();
      r.failed = s.failed();
    }
    r.unknown_words = static_cast<int>(unknown.size());
    report.mean_error += r.error;
    report.failed += r.failed ? 1 : 0;
    report.tasks.push_back(r);
  }
  if (!report.tasks.empty()) report.mean_error /= static_cast<double>(report.tasks.size());
  return report;
}

}  // namespace memnet::core
