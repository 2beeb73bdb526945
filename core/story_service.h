// core/story_service.h
//
// The episodic question-answering engine over one memnet file, shared by `memnet serve`,
// `memnet story`, `memnet import` and `memnet ask --db`: models are loaded from the file,
// stories of facts are stored in it (storage/memory_store.h), and questions are answered
// from the stored per-hop embeddings without embedding old facts again.
//
// What a question sees: as many of the story's facts as the model's memory_size (50 unless
// trained otherwise), most recent at temporal slot 0, chosen as the story's selection says
// (core/window_selection.h; a question may override it): by default the most recent ones,
// or with `match` or `mixed` the facts sharing a word with the question, found through the
// file's word index however long the story is. Only recent windows are cached.
//
// Which model: a request may name one; otherwise the story's model (set at creation);
// otherwise the file's only model. A fact is embedded with the story's model when it is
// added; asking with another model, or after the model was retrained in the file, embeds
// the missing facts of the window from their stored tokens once and stores the result.
// A model trained into the file while this service runs is loaded on first use; a replaced
// one is loaded again.
//
// Decoded memory windows are cached in memory per (story, model) and checked against the
// story's version in the file (one indexed read). By default that is on every question, so
// other processes appending to the same file are seen at once. With ServiceOptions::recheck
// above zero, a window whose version was read less than that long ago is answered from
// memory without the read, unless this service has written anything since: its own
// appends are always seen by the next question, another process's within `recheck`.
//
// Threading: every member function is safe to call from many threads at once; each thread
// borrows its own SQLite connection from a pool.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/ask.h"
#include "core/errors.h"
#include "engine/model_config.h"
#include "engine/training_record.h"
#include "storage/memory_store.h"

namespace memnet::core {

struct ServiceOptions {
  // Heap bytes of decoded (story, model) windows kept in memory (window_bytes: matrices,
  // fact records, texts); the least recently asked are dropped beyond it, and a window
  // larger than the whole budget is not kept. 0 turns the cache off. `memnet serve --cache-mb`.
  std::size_t cache_budget_bytes = std::size_t{256} << 20;
  std::int64_t max_stories = 0;  // create_story refuses beyond this many (0: no limit)
  // How long a cached window's version, once read from the file, is trusted without reading
  // it again (header comment); 0 reads it on every question. `memnet serve --recheck-us`.
  std::chrono::microseconds recheck{0};
};

// What an operator watches (GET /metrics).
struct ServiceStats {
  std::size_t cache_entries = 0;
  std::size_t cache_bytes = 0;   // heap bytes of the cached windows, at most the budget
  std::uint64_t cache_hits = 0;  // questions answered from a cached window
  std::uint64_t cache_misses = 0;
  std::int64_t stories = 0;  // in the file, dialogs included
  std::int64_t facts = 0;
};

struct ModelInfo {
  std::string name;
  std::string created_at;
  engine::ModelConfig config;
  engine::TrainingRecord training;  // epochs left out
  int dialog_task = -1;             // a dialog model (core/dialog_service.h): its task; else -1
};

struct AddedFact {
  storage::FactRecord record;
  std::vector<std::string> unknown_words;  // unknown to the story's model, unique
};

class StoryService {
 public:
  // Opens `db_path` read-write (creating it, bringing its schema up to date) and loads every
  // model in it. Throws storage::StorageError.
  explicit StoryService(const std::string& db_path, ServiceOptions options = {});
  ~StoryService();
  StoryService(const StoryService&) = delete;
  StoryService& operator=(const StoryService&) = delete;

  const std::string& path() const;

  // Opens SQLite connections until `n` are kept ready (one per thread that will call in at
  // once). A server calls this at start, so that serving never needs a new file
  // descriptor for the database: once clients have taken every descriptor the process
  // may open, a connection opened on demand would fail. Throws storage::StorageError.
  void reserve_connections(std::size_t n);

  // The file's models by name, as loaded (training record without epochs).
  std::vector<ModelInfo> models() const;

  // Creates a story. `model` "" means the file's only model when it has exactly one, else
  // none (each question then names one). Throws NotFound("model") for an unknown model,
  // storage::StorageError kLimit when the file holds options.max_stories stories.
  storage::StoryRecord create_story(const std::string& name, const std::string& model,
                                    Selection selection = Selection::kRecent);
  std::optional<storage::StoryRecord> story(std::int64_t id);
  // Cache counters since start, and the file's story and fact counts (two count(*) queries:
  // milliseconds for a million facts).
  ServiceStats stats();
  std::vector<storage::StoryRecord> stories();
  // Facts [offset, offset + limit) in story order. Throws NotFound for an unknown story.
  std::vector<storage::FactRecord> facts(std::int64_t story_id, std::int64_t offset,
                                         std::int64_t limit);
  bool delete_story(std::int64_t id);

  // Appends facts in one transaction and returns them with their ids. Throws NotFound for
  // an unknown story, InvalidInput(field_prefix + "[i]") for a fact with no words (nothing
  // is stored then); field_prefix names the request field in messages.
  std::vector<AddedFact> add_facts(std::int64_t story_id, const std::vector<std::string>& texts,
                                   const std::string& field_prefix = "facts");

  // Answers `question` over the story's memory window. `model` "" picks as described above.
  // Attention entries carry the fact's id, its seq as `sentence`, and its text. Throws
  // NotFound (story, or model with field "model"), InvalidInput("question") for a question
  // with no words, InvalidInput("model") when no model can be picked.
  AskResult ask(std::int64_t story_id, const std::string& question, const std::string& model,
                int top = 5);

  // `as_of` (at least 0), when given, answers over the story as it stood with its first
  // `as_of` facts, as a bAbI question between statements saw it; such windows are read from
  // the file and not cached. A question imported with the story (add_questions) asked with
  // the same words over the window it was asked over in the file gets result.gold.
  AskResult ask(std::int64_t story_id, const std::string& question, const std::string& model,
                int top, std::optional<std::int64_t> as_of);

  // The general form: options.select (nullopt: the story's selection), options.as_of as
  // above. Throws as above, and InvalidInput("word_cutoff") for a negative cutoff (0: the
  // memory size).
  AskResult ask(std::int64_t story_id, const std::string& question, const std::string& model,
                const AskOptions& options);

  // Stores the questions of an imported bAbI story (gold answers and supporting facts), in
  // one transaction. Throws NotFound for an unknown story, InvalidInput when a question's
  // as_of or supporting seq lies beyond the story's facts.
  void add_questions(std::int64_t story_id, const std::vector<storage::QuestionRecord>& questions);
  std::vector<storage::QuestionRecord> questions(std::int64_t story_id);

  // Stores whole new stories, facts (embedded with `model`) and questions, in ONE write
  // transaction: all of them or, on any error, none. `model` and `selection` as
  // create_story. Throws as create_story, add_facts and add_questions would, before
  // anything is written: InvalidInput("stories[i].facts[j]") for a fact with no words,
  // InvalidInput("stories[i].questions[k]") for an as_of or supporting seq beyond the
  // story's facts. One transaction instead of three per story is what makes `memnet import`
  // fast (a commit waits for the disk). Returns the new ids, in order.
  struct NewStory {
    std::string name;
    std::vector<std::string> facts;
    std::vector<storage::QuestionRecord> questions;
  };
  std::vector<std::int64_t> import_stories(const std::vector<NewStory>& stories,
                                           const std::string& model, Selection selection);

  // A story imported from a bAbI file (one with questions), chosen at random; nullopt when
  // the file has none.
  std::optional<storage::StoryRecord> random_imported_story();

  // The model `name` with its full training record (every repeat's epochs), read from the
  // file; nullopt when the file has no such model.
  std::optional<ModelInfo> model_detail(const std::string& name);

  // Answers over a story given inline (nothing stored), as core::ask does.
  AskResult ask_inline(const std::vector<std::string>& story, const std::string& question,
                       const std::string& model, int top = 5);
  AskResult ask_inline(const std::vector<std::string>& story, const std::string& question,
                       const std::string& model, const AskOptions& options);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace memnet::core
