// storage/memory_store.h
//
// Episodic memories in a memnet file: stories (named, ordered lists of facts), each fact's
// text and tokens, and per model its key and value embeddings of every hop (engine/
// episodic_memory.h) as one row of two float32 BLOBs. Layout in docs/storage-format.md.
//
// Embeddings belong to a model generation (model_generations.id, new with every save of a
// model, never reused): replacing or deleting a model deletes them (ON DELETE CASCADE) and
// the facts' tokens let a caller embed them again. A story names a
// default model; the name may outlive the model.
//
// Every write is one transaction (BEGIN IMMEDIATE): once a function returns, what it wrote
// is durable (WAL, synchronous=FULL); if it throws, nothing of it was written. Reads of
// several rows run in one read transaction and so see one consistent snapshot, while other
// connections append.
//
// Threading: as Database, one connection per thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/episodic_memory.h"
#include "storage/database.h"

namespace memnet::storage {

struct StoryRecord {
  std::int64_t id = 0;       // never reused, even after a delete
  std::string name;          // free text, may be empty, not unique
  std::string model;         // default model name; "" when none
  std::int64_t facts = 0;    // number of facts
  std::int64_t version = 0;  // changes whenever facts are appended
  std::string created_at;
  std::string selection =
      "recent";  // how questions fill their window: recent, match, mixed, expand
};

struct FactRecord {
  std::int64_t id = 0;   // unique in the file, never reused
  std::int64_t seq = 0;  // position in its story, 0 = first
  std::string text;
  std::vector<std::string> tokens;  // as datasets::tokenize made them
  std::string created_at;
};

struct NewFact {
  std::string text;
  std::vector<std::string> tokens;
  engine::FactEmbedding embedding;  // made by the model given to append_facts; may be empty
};

// The saved model that embeddings are tied to.
struct ModelRef {
  std::int64_t generation = 0;  // model_generations.id
};

// The current generation of model `name`, or nullopt.
std::optional<ModelRef> find_model_ref(Database& db, const std::string& name);

// Creates an empty story and returns its id. With max_stories > 0, a file that already
// holds that many stories (dialogs included) gets StorageError kLimit and nothing is written;
// the count and the insert share one transaction, so writers in other processes cannot
// overshoot it.
// `selection` is one of recent, match, mixed, expand (core/window_selection.h); another value is a
// StorageError (the CHECK constraint) and nothing is written.
std::int64_t create_story(Database& db, const std::string& name, const std::string& model,
                          std::int64_t max_stories = 0, const std::string& selection = "recent");

// Throws StorageError kLimit when the file holds max_stories stories (max_stories > 0); for
// use inside the caller's write transaction (create_story, storage::create_dialog).
void check_story_limit(Database& db, std::int64_t max_stories);

struct StoreCounts {
  std::int64_t stories = 0;  // dialogs included
  std::int64_t facts = 0;
};
StoreCounts count_stored(Database& db);

std::optional<StoryRecord> find_story(Database& db, std::int64_t id);
std::vector<StoryRecord> list_stories(Database& db);  // by id
// Deletes the story with its facts and embeddings; false if there was none.
bool delete_story(Database& db, std::int64_t id);

// Appends `facts` to the story, in order, in one transaction, with their embeddings for
// `model` (facts whose embedding is empty get none) and their words in the word index. Returns the
// stored records (ids, seqs), or nullopt if the story does not exist. Throws StorageError, e.g.
// when `model` no longer matches the file (StorageErrorKind::kModelChanged).
std::optional<std::vector<FactRecord>> append_facts(Database& db, std::int64_t story_id,
                                                    const std::optional<ModelRef>& model,
                                                    const std::vector<NewFact>& facts);

// A question asked of a story imported from a bAbI file, with its gold answer: asked over
// the story's first `as_of` facts (what the question saw in the file), answered `answer`,
// supported by the facts of seq `supporting`.
struct QuestionRecord {
  std::int64_t ordinal = 0;  // 0 = the story's first question
  std::int64_t as_of = 0;    // facts of the story before the question
  std::string text;
  std::string answer;
  std::vector<std::int64_t> supporting;  // seqs, in the file's order
};

// Stores the questions of a story in one transaction, with a new story version (cached
// windows are read again). False if the story does not exist. Throws StorageError (e.g. an
// ordinal stored twice).
bool add_questions(Database& db, std::int64_t story_id,
                   const std::vector<QuestionRecord>& questions);

// The story's questions by ordinal (empty for a story not imported from bAbI).
std::vector<QuestionRecord> read_questions(Database& db, std::int64_t story_id);

// A story chosen uniformly at random among those with questions, or nullopt when none has.
std::optional<std::int64_t> random_story_with_questions(Database& db);

// Facts [offset, offset + limit) of a story in story order.
std::vector<FactRecord> read_facts(Database& db, std::int64_t story_id, std::int64_t offset,
                                   std::int64_t limit);

// What a question sees: the story's `n` most recent facts, most recent first, with their
// embeddings for one model when stored (`vectors` keys and values of dim floats each, where
// `vectors` below is the model's hops times its ensemble members).
struct WindowFact {
  FactRecord fact;
  std::optional<engine::FactEmbedding> embedding;
};
struct MemoryWindow {
  StoryRecord story;
  std::vector<WindowFact> facts;
};

// The story's version (StoryRecord::version) or nullopt when it does not exist; one indexed
// lookup on a cached statement, for checking a cached window. Throws StorageError
// (StorageErrorKind::kModelChanged) when `model` no longer matches the file.
std::optional<std::int64_t> story_version(Database& db, std::int64_t story_id,
                                          const ModelRef& model);

// Reads the window in one snapshot; nullopt when the story does not exist. `as_of`, when
// given, reads the window of the story as it stood with its first `as_of` facts (the `n`
// most recent facts of seq < as_of). Throws StorageError when a stored embedding has the
// wrong size or `model` no longer matches.
std::optional<MemoryWindow> read_window(Database& db, std::int64_t story_id, const ModelRef& model,
                                        int vectors, int dim, int n,
                                        std::optional<std::int64_t> as_of = std::nullopt);

// The word index (fact_words), for core/window_selection.h. Both look only at the facts of
// seq < before.
// The number of facts of the story holding `word`, counted up to cap + 1.
std::int64_t count_word_facts(Database& db, std::int64_t story_id, const std::string& word,
                              std::int64_t before, std::int64_t cap);
// The seqs of the `n` most recent facts holding `word`, most recent first.
std::vector<std::int64_t> recent_word_facts(Database& db, std::int64_t story_id,
                                            const std::string& word, std::int64_t before, int n);

// As read_window, for the facts of the given seqs (most recent first, as select_window gives
// them; seqs with no fact are left out), read in the caller's transaction. Throws as
// read_window.
std::vector<WindowFact> read_window_facts(Database& db, std::int64_t story_id,
                                          const ModelRef& model, int vectors, int dim,
                                          const std::vector<std::int64_t>& seqs);

// Stores embeddings made with `model` for existing facts, in one transaction; facts that
// already have them (another writer got there first) or no longer exist are skipped.
void store_embeddings(Database& db, const ModelRef& model,
                      const std::vector<std::pair<std::int64_t, engine::FactEmbedding>>& facts);

}  // namespace memnet::storage
