// memnet story create|add|list|show|delete, and memnet import: stories in a memnet file
// through core::StoryService.
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "cli/commands.h"
#include "cli/terminal.h"
#include "core/ask.h"
#include "core/import_job.h"
#include "core/story_service.h"

namespace memnet::cli {
namespace {

struct StoryFlags {
  std::string db;
  std::string name;
  std::string model;
  std::string select = "recent";
  std::int64_t story_id = 0;
  std::vector<std::string> facts;
  std::string file;
  std::int64_t offset = 0;
  std::int64_t limit = 1000;
};

std::string read_text(const std::string& path) {
  if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), {});
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot open {}", path));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

int create(const StoryFlags& f) {
  core::StoryService service(f.db);
  const auto story = service.create_story(f.name, f.model, *core::parse_selection(f.select));
  std::cout << story.id << "\n";
  std::cerr << fmt::format("created story {} (model: {})\n", story.id, or_dash(story.model));
  return kExitOk;
}

int add(const StoryFlags& f) {
  require_file(f.db);
  std::vector<std::string> texts = f.facts;
  if (!f.file.empty()) {
    for (auto& line : core::story_lines(read_text(f.file))) texts.push_back(std::move(line));
  }
  if (texts.empty()) throw std::runtime_error("no facts given: pass them as arguments or --file");
  core::StoryService service(f.db);
  const auto added = service.add_facts(f.story_id, texts);
  for (const auto& a : added) {
    std::cout << a.record.id << "\n";
    if (!a.unknown_words.empty()) {
      std::cerr << fmt::format("fact {}: unknown words (ignored by the model): {}\n", a.record.id,
                               fmt::join(a.unknown_words, " "));
    }
  }
  std::cerr << fmt::format("added {} fact{} to story {}\n", added.size(),
                           added.size() == 1 ? "" : "s", f.story_id);
  return kExitOk;
}

int list(const StoryFlags& f) {
  require_file(f.db);
  core::StoryService service(f.db);
  const auto stories = service.stories();
  if (stories.empty()) {
    std::cerr << fmt::format("{} holds no stories\n", f.db);
    return kExitOk;
  }
  std::cout << fmt::format("{:>6}  {:>6}  {:<12} {:<20}  {}\n", "id", "facts", "model", "created",
                           "name");
  for (const auto& s : stories) {
    std::cout << fmt::format("{:>6}  {:>6}  {} {:<20}  {}\n", s.id, s.facts,
                             pad_right(or_dash(s.model), 12), s.created_at, s.name);
  }
  return kExitOk;
}

int show(const StoryFlags& f) {
  require_file(f.db);
  core::StoryService service(f.db);
  const auto story = service.story(f.story_id);
  if (!story) throw core::NotFound(fmt::format("{}: no story with id {}", f.db, f.story_id));
  std::cout << fmt::format("story {}: {} ({} facts, model: {}, created {})\n", story->id,
                           or_dash(story->name), story->facts, or_dash(story->model),
                           story->created_at);
  for (const auto& fact : service.facts(f.story_id, f.offset, f.limit)) {
    std::cout << fmt::format("{:>5}  {}\t(id {})\n", fact.seq + 1, fact.text, fact.id);
  }
  return kExitOk;
}

int remove(const StoryFlags& f) {
  require_file(f.db);
  core::StoryService service(f.db);
  if (!service.delete_story(f.story_id))
    throw core::NotFound(fmt::format("{}: no story with id {}", f.db, f.story_id));
  std::cerr << fmt::format("deleted story {}\n", f.story_id);
  return kExitOk;
}

CLI::App* with_db(CLI::App* cmd, StoryFlags& f) {
  cmd->add_option("--db", f.db, "memnet SQLite file (created if missing)")->required();
  return cmd;
}

CLI::App* with_story(CLI::App* cmd, StoryFlags& f) {
  cmd->add_option("--story-id,--story", f.story_id, "Story id")
      ->required()
      ->check(CLI::PositiveNumber);
  return cmd;
}

}  // namespace

Runner add_story_command(CLI::App& app) {
  auto f = std::make_shared<StoryFlags>();
  CLI::App* story = app.add_subcommand("story", "Create, fill, list, show and delete stories");
  story->require_subcommand(1);

  CLI::App* c =
      with_db(story->add_subcommand("create", "Create an empty story; prints its id"), *f);
  c->add_option("--name", f->name, "A name for people (free text)");
  c->add_option("--model", f->model,
                "Model whose embeddings the facts get (default: the file's only model)");
  c->add_option(
       "--select", f->select,
       "How its questions fill the memory window: recent (the newest facts), match "
       "(facts sharing a word with the question), mixed (match, then recent) or expand (match, "
       "widened by the words of the fact each hop attends to)")
      ->capture_default_str()
      ->check(CLI::IsMember({"recent", "match", "mixed", "expand"}));

  CLI::App* a = with_story(
      with_db(story->add_subcommand("add", "Append facts to a story; prints their ids"), *f), *f);
  a->add_option("facts", f->facts, "Facts, one per argument");
  a->add_option("--file", f->file,
                "Also read facts from a file, one per line (bAbI lines accepted), - for stdin");

  with_db(story->add_subcommand("list", "List the stories"), *f);

  CLI::App* s = with_story(with_db(story->add_subcommand("show", "Print a story's facts"), *f), *f);
  s->add_option("--offset", f->offset, "First fact (0-based)")->check(CLI::NonNegativeNumber);
  s->add_option("--limit", f->limit, "How many facts")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40));

  with_story(with_db(story->add_subcommand("delete", "Delete a story and its facts"), *f), *f);

  return [f, story] {
    if (story->got_subcommand("create")) return create(*f);
    if (story->got_subcommand("add")) return add(*f);
    if (story->got_subcommand("list")) return list(*f);
    if (story->got_subcommand("show")) return show(*f);
    if (story->got_subcommand("delete")) return remove(*f);
    return kExitUsage;
  };
}

namespace {

struct ImportFlags {
  std::string db;
  std::string babi;
  std::string model;
  std::string select = "recent";
};

int import(const ImportFlags& f) {
  core::StoryService service(f.db);
  const auto stories =
      core::import_babi(service, f.babi, f.model, *core::parse_selection(f.select));
  int facts = 0, questions = 0;
  for (const auto& s : stories) {
    facts += s.facts;
    questions += s.questions;
  }
  if (stories.empty()) {
    std::cerr << fmt::format("{}: no stories\n", f.babi);
    return kExitOk;
  }
  std::cerr << fmt::format(
      "imported {} stories ({} facts; {} questions with their gold answers) into {}: "
      "ids {}-{}\n",
      stories.size(), facts, questions, f.db, stories.front().id, stories.back().id);
  for (const auto& s : stories) std::cout << s.id << "\t" << s.source_line << "\n";
  return kExitOk;
}

}  // namespace

Runner add_import_command(CLI::App& app) {
  auto f = std::make_shared<ImportFlags>();
  CLI::App* cmd = app.add_subcommand(
      "import", "Store every story of a bAbI file; prints each story's id and first line");
  cmd->add_option("--db", f->db, "memnet SQLite file (created if missing)")->required();
  cmd->add_option("--babi", f->babi, "A bAbI file (e.g. qa1_single-supporting-fact_test.txt)")
      ->required();
  cmd->add_option("--model", f->model, "The stories' model (default: the file's only model)");
  cmd->add_option(
         "--select", f->select,
         "How the stories' questions fill the memory window: recent, match, mixed or expand")
      ->capture_default_str()
      ->check(CLI::IsMember({"recent", "match", "mixed", "expand"}));
  return [f] { return import(*f); };
}

}  // namespace memnet::cli
