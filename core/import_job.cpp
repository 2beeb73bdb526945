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
  for (std::size_t i = 0; i < stories.size(); ++i) {
    const datasets::Story& s = stories[i];
    const storage::StoryRecord story =
        service.create_story(fmt::format("{}#{}", base, i + 1), model, selection);
    std::vector<std::string> texts;
    for (const auto& statement : s.statements) texts.push_back(statement.text);
    if (!texts.empty()) service.add_facts(story.id, texts);
    std::vector<storage::QuestionRecord> questions;
    for (std::size_t k = 0; k < s.questions.size(); ++k) {
      const datasets::Question& q = s.questions[k];
      storage::QuestionRecord r{
          static_cast<std::int64_t>(k), q.statements_before, q.text, q.answer, {}};
      for (const int index : q.support) r.supporting.push_back(index);
      questions.push_back(std::move(r));
    }
    if (!questions.empty()) service.add_questions(story.id, questions);
    out.push_back({story.id, s.source_line, static_cast<int>(texts.size()),
                   static_cast<int>(s.questions.size())});
  }
  return out;
}

}  // namespace memnet::core
