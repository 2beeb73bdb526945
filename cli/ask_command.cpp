// memnet ask: a story and a question -> core::ask, printed with per-hop attention.
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
#include "core/model_file.h"
#include "core/story_service.h"
#include "server/json_codec.h"
#include "server/json_writer.h"

namespace memnet::cli {

namespace {

struct AskFlags {
  std::string model_path;
  std::string db;
  std::int64_t story_id = 0;
  std::string name;
  std::string story = "-";
  std::string question;
  bool json = false;
  int top = 5;
  std::string select;  // "" = the story's (stored) or recent
  int word_cutoff = core::kDefaultWordCutoff;
};

core::AskOptions ask_options(const AskFlags& f) {
  core::AskOptions o;
  o.top = f.top;
  if (!f.select.empty()) o.select = core::parse_selection(f.select);
  o.word_cutoff = f.word_cutoff;
  return o;
}

std::string read_all(const std::string& path) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), {});
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot open story file {}", path));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void print_table(const core::AskResult& r) {
  std::cout << fmt::format("answer: {}  (p = {:.3f})\n", r.answer, r.probability);
  if (r.alternatives.size() > 1) {
    std::string alts;
    for (size_t i = 1; i < r.alternatives.size(); ++i) {
      alts += fmt::format("{}{} {:.3f}", i > 1 ? ", " : "", r.alternatives[i].answer,
                          r.alternatives[i].probability);
    }
    std::cout << "next:   " << alts << "\n";
  }
  if (!r.unknown_words.empty()) {
    std::cout << fmt::format("unknown words (ignored): {}\n", fmt::join(r.unknown_words, " "));
  }
  if (r.select != core::Selection::kRecent) {
    std::cout << fmt::format("memory holds {} of {} sentences, selected by {}\n", r.window,
                             r.sentences, core::selection_name(r.select));
  } else if (r.memory_first > 0) {
    std::cout << fmt::format("memory holds sentences {}-{} of {}; older ones are not seen\n",
                             r.memory_first + 1, r.sentences, r.sentences);
  }
  if (r.hops.empty() || r.hops[0].empty()) {
    std::cout << "(empty story: no attention)\n";
    return;
  }
  int text_width = 8;
  for (const auto& a : r.hops[0]) text_width = std::max(text_width, display_width(a.text));
  text_width = std::min(text_width, 48);
  std::cout << "\n" << std::string(5, ' ') << pad_right("sentence", text_width);
  for (size_t k = 0; k < r.hops.size(); ++k)
    std::cout << fmt::format("  {:<16}", fmt::format("hop {}", k + 1));
  std::cout << "\n";
  for (size_t i = 0; i < r.hops[0].size(); ++i) {
    std::cout << fmt::format("{:>4} ", r.hops[0][i].sentence + 1)
              << pad_right(std::string(r.hops[0][i].text), text_width);
    for (const auto& hop : r.hops) {
      std::cout << fmt::format("  {} {:.2f}", bar(hop[i].weight, 11), hop[i].weight);
    }
    std::cout << "\n";
  }
  bool any_empty = false;
  for (float w : r.empty_weight) any_empty = any_empty || w >= 0.005f;
  if (any_empty) {
    std::cout << std::string(5, ' ') << pad_right("(empty memory slots)", text_width);
    for (float w : r.empty_weight) std::cout << fmt::format("  {} {:.2f}", bar(w, 11), w);
    std::cout << "\n";
  }
}

int run(AskFlags& f) {
  if (f.story_id > 0) {
    require_file(f.db);
    core::StoryService service(f.db);
    const core::AskResult r = service.ask(f.story_id, f.question, f.name, ask_options(f));
    if (f.json) {
      // The body of POST /v1/stories/{id}/ask, from the same encoder.
      server::JsonWriter w;
      w.begin_object().key("story_id").value(f.story_id).key("question").value(f.question);
      server::ask_fields(w, r, true);
      w.end_object();
      std::cout << w.take() << "\n";
    } else {
      std::cout << fmt::format("story {}, model {}\n", f.story_id, r.model);
      print_table(r);
    }
    return kExitOk;
  }
  if (f.model_path.empty()) f.model_path = f.db;
  if (f.model_path.empty())
    throw std::runtime_error("give --model FILE, or --db FILE --story-id ID");
  const core::LoadedModel m = core::load_model_file(f.model_path, f.name);
  const auto story = core::story_lines(read_all(f.story));
  const core::AskResult r = core::ask(m.model, m.vocab, story, f.question, ask_options(f));
  if (f.json) {
    // The body of POST /v1/ask, from the same encoder.
    server::JsonWriter w;
    w.begin_object().key("question").value(f.question);
    server::ask_fields(w, r, false);
    w.end_object();
    std::cout << w.take() << "\n";
  } else {
    print_table(r);
  }
  return kExitOk;
}

}  // namespace

Runner add_ask_command(CLI::App& app) {
  auto f = std::make_shared<AskFlags>();
  CLI::App* cmd =
      app.add_subcommand("ask", "Answer a question about a story, showing each hop's attention");
  auto* model = cmd->add_option("--model", f->model_path, "SQLite file written by 'memnet train'");
  auto* db = cmd->add_option("--db", f->db, "memnet file holding the story (with --story-id)");
  auto* story_id = cmd->add_option("--story-id", f->story_id, "Ask about this stored story")
                       ->check(CLI::PositiveNumber);
  story_id->needs(db);
  model->excludes(story_id);
  cmd->add_option("--name", f->name,
                  "Model name in the file (needed when it holds several and the story names none)");
  auto* story =
      cmd->add_option("--story", f->story,
                      "Story file, one sentence per line (bAbI lines accepted), or - for stdin")
          ->capture_default_str();
  story->excludes(story_id);
  cmd->add_option("--question,-q", f->question, "The question")->required();
  cmd->add_option("--top", f->top, "How many answers to list")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  cmd->add_option("--select", f->select,
                  "How the memory window is filled: recent, match, mixed or expand (default: "
                  "the story's own, else recent)")
      ->check(CLI::IsMember({"recent", "match", "mixed", "expand"}));
  cmd->add_option("--word-cutoff", f->word_cutoff,
                  "match/mixed/expand ignore question words found in more facts than this "
                  "(default: the model's memory size)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", f->json, "Print JSON");
  return [f] { return run(*f); };
}

}  // namespace memnet::cli
