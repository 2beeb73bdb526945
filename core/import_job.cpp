#include "core/import_job.h"

#include <fmt/format.h>

#include <filesystem>

#include "datasets/babi.h"

namespace memnet::core {

std::vector<ImportedStory> import_babi(StoryService& service, const std::string& path,
                                       const std::string& model, Selection selection) {
  const std::vector<datasets::Story> stories = datasets::load_babi_file(path);
  const std::string base = std::filesystem::path(path).filename().string();
  std::vector<ImportedStory> out;
  // Stories go in write transactions of about kBatchFacts facts each: one commit (one wait
  // for the disk) per batch rather than three per story, and a bounded write-ahead log.
  constexpr std::size_t kBatchFacts = 20000;
  std::vector<StoryService::NewStory> batch;
  std::size_t batch_facts = 0;
  std::size_t first = 0;  // index in `stories` of the batch's first story
  const auto flush = [&] {
    if (batch.empty()) return;
    const std::vector<std::int64_t> ids = service.import_stories(batch, model, selection);
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const datasets::Story& s = stories[first + i];
      out.push_back({ids[i], s.source_line, static_cast<int>(s.statements.size()),
                     static_cast<int>(s.questions.size())});
    }
    first += batch.size();
    batch.clear();
    batch_facts = 0;
  };
  for (std::size_t i = 0; i < stories.size(); ++i) {
    const datasets::Story& s = stories[i];
    StoryService::NewStory story;
    story.name = fmt::format("{}#{}", base, i + 1);
    for (const auto& statement : s.statements) story.facts.push_back(statement.text);
    for (std::size_t k = 0; k < s.questions.size(); ++k) {
      const datasets::Question& q = s.questions[k];
      storage::QuestionRecord r{
          static_cast<std::int64_t>(k), q.statements_before, q.text, q.answer, {}};
      for (const int index : q.support) r.supporting.push_back(index);
      story.questions.push_back(std::move(r));
    }
    batch_facts += story.facts.size();
    batch.push_back(std::move(story));
    if (batch_facts >= kBatchFacts) flush();
  }
  flush();
  return out;
}

}  // namespace memnet::core
