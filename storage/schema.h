// storage/schema.h
//
// The memnet file schema as numbered migrations. Migration i (1-based) brings a file from
// PRAGMA user_version i-1 to i; Database applies each pending one in its own transaction,
// together with the user_version update, so a file is always at exactly one version.
//
// To change the schema, append a script to kMigrations (never edit a released one) and
// describe it in docs/storage-format.md. kSchemaVersion follows from the list's length.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace memnet::storage {

// PRAGMA application_id of every memnet file: "MNET" as a big-endian 32-bit integer.
inline constexpr std::int32_t kApplicationId = 0x4D4E4554;

inline constexpr std::array<std::string_view, 8> kMigrations = {
    // 1: models with their vocabulary, weights and training record.
    R"sql(
PRAGMA application_id = 1296975188;

CREATE TABLE models (
  id              INTEGER PRIMARY KEY,
  name            TEXT    NOT NULL UNIQUE CHECK (name <> ''),
  created_at      TEXT    NOT NULL,
  hops            INTEGER NOT NULL,
  dim             INTEGER NOT NULL,
  memory_size     INTEGER NOT NULL,
  padded_memory   INTEGER NOT NULL,
  vocab_size      INTEGER NOT NULL,
  sentence_length INTEGER NOT NULL,
  encoding        TEXT    NOT NULL,
  temporal        INTEGER NOT NULL CHECK (temporal IN (0, 1)),
  tying           TEXT    NOT NULL
) STRICT;

CREATE TABLE vocabulary (
  model_id INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  word_id  INTEGER NOT NULL CHECK (word_id >= 0),
  word     TEXT    NOT NULL CHECK (word <> ''),
  PRIMARY KEY (model_id, word_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE weights (
  model_id INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  name     TEXT    NOT NULL,
  ordinal  INTEGER NOT NULL,
  rows     INTEGER NOT NULL CHECK (rows >= 0),
  cols     INTEGER NOT NULL CHECK (cols >= 0),
  dtype    TEXT    NOT NULL,
  data     BLOB    NOT NULL,
  PRIMARY KEY (model_id, name),
  UNIQUE (model_id, ordinal)
) STRICT;

CREATE TABLE training (
  model_id         INTEGER PRIMARY KEY REFERENCES models (id) ON DELETE CASCADE,
  dataset          TEXT    NOT NULL,
  tasks            TEXT    NOT NULL,
  seed             TEXT    NOT NULL,
  repeats          INTEGER NOT NULL,
  best_repeat      INTEGER NOT NULL,
  threads          INTEGER NOT NULL,
  wall_seconds     REAL,
  validation_error REAL,
  options          TEXT    NOT NULL
) STRICT;

CREATE TABLE epochs (
  model_id         INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  seq              INTEGER NOT NULL,
  repeat           INTEGER NOT NULL,
  epoch            INTEGER NOT NULL,
  linear_start     INTEGER NOT NULL CHECK (linear_start IN (0, 1)),
  learning_rate    REAL,
  train_loss       REAL,
  validation_loss  REAL,
  validation_error REAL,
  PRIMARY KEY (model_id, seq)
) STRICT, WITHOUT ROWID;
)sql",
    // 2: stories of facts (episodic memories) and their per-hop embeddings by model.
    R"sql(
CREATE TABLE stories (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  name       TEXT    NOT NULL,
  model      TEXT,
  created_at TEXT    NOT NULL,
  fact_count INTEGER NOT NULL DEFAULT 0 CHECK (fact_count >= 0),
  version    INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE facts (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  story_id   INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
  seq        INTEGER NOT NULL CHECK (seq >= 0),
  text       TEXT    NOT NULL,
  tokens     TEXT    NOT NULL,
  created_at TEXT    NOT NULL,
  UNIQUE (story_id, seq)
) STRICT;

-- Every save of a model gets a new generation id, never reused (AUTOINCREMENT), so an
-- embedding can never be read with a model other than the one that made it.
CREATE TABLE model_generations (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  model_id INTEGER NOT NULL UNIQUE REFERENCES models (id) ON DELETE CASCADE
) STRICT;
INSERT INTO model_generations (model_id) SELECT id FROM models ORDER BY id;

CREATE TABLE fact_embeddings (
  fact_id    INTEGER NOT NULL REFERENCES facts (id) ON DELETE CASCADE,
  generation INTEGER NOT NULL REFERENCES model_generations (id) ON DELETE CASCADE,
  hop        INTEGER NOT NULL CHECK (hop >= 1),
  m          BLOB    NOT NULL,
  c          BLOB    NOT NULL,
  PRIMARY KEY (fact_id, generation, hop)
) STRICT, WITHOUT ROWID;

CREATE INDEX fact_embeddings_by_generation ON fact_embeddings (generation);
)sql",
    // 3: the model options beyond the 2015 paper (engine/model_config.h). A model saved
    // before has the paper's model: the defaults below.
    R"sql(
ALTER TABLE models ADD COLUMN attention TEXT NOT NULL DEFAULT 'dot';
ALTER TABLE models ADD COLUMN gated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE models ADD COLUMN relu_units INTEGER NOT NULL DEFAULT 0;
ALTER TABLE models ADD COLUMN self_attention_layers INTEGER NOT NULL DEFAULT 0;
ALTER TABLE models ADD COLUMN heads INTEGER NOT NULL DEFAULT 1;
ALTER TABLE models ADD COLUMN tied_self_attention INTEGER NOT NULL DEFAULT 0;
ALTER TABLE models ADD COLUMN members INTEGER NOT NULL DEFAULT 1;
)sql",
    // 4: the questions of stories imported from bAbI files, with their gold answers and
    // supporting facts (the web page marks right and wrong answers and the gold facts).
    R"sql(
CREATE TABLE questions (
  story_id   INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
  ordinal    INTEGER NOT NULL CHECK (ordinal >= 0),
  as_of      INTEGER NOT NULL CHECK (as_of >= 0),
  text       TEXT    NOT NULL,
  answer     TEXT    NOT NULL,
  supporting TEXT    NOT NULL,
  PRIMARY KEY (story_id, ordinal)
) STRICT, WITHOUT ROWID;
)sql",
    // 5: goal-oriented dialog (Bordes et al. 2017). A dialog model's output layer ranks
    // candidate responses (with, for match-type features, the knowledge base); a dialog is a
    // story whose facts are its utterances, marked in `dialogs`.
    R"sql(
CREATE TABLE dialog_models (
  model_id   INTEGER PRIMARY KEY REFERENCES models (id) ON DELETE CASCADE,
  task       INTEGER NOT NULL CHECK (task >= 0),
  match_type INTEGER NOT NULL CHECK (match_type IN (0, 1)),
  match_names INTEGER NOT NULL CHECK (match_names IN (0, 1))
) STRICT;

CREATE TABLE dialog_candidates (
  model_id INTEGER NOT NULL REFERENCES dialog_models (model_id) ON DELETE CASCADE,
  ordinal  INTEGER NOT NULL CHECK (ordinal >= 0),
  text     TEXT    NOT NULL CHECK (text <> ''),
  PRIMARY KEY (model_id, ordinal)
) STRICT, WITHOUT ROWID;

CREATE TABLE dialog_kb (
  model_id INTEGER NOT NULL REFERENCES dialog_models (model_id) ON DELETE CASCADE,
  ordinal  INTEGER NOT NULL CHECK (ordinal >= 0),
  entity   TEXT    NOT NULL,
  relation TEXT    NOT NULL,
  value    TEXT    NOT NULL,
  PRIMARY KEY (model_id, ordinal)
) STRICT, WITHOUT ROWID;

CREATE TABLE dialogs (
  story_id INTEGER PRIMARY KEY REFERENCES stories (id) ON DELETE CASCADE
) STRICT;
)sql",
    // 6: stories longer than the memory (core/window_selection.h). Each story says how a
    // question's window is filled, and a word index lists, per story and word, the seqs of
    // the facts holding that word (each word once per fact), filled here for older files.
    R"sql(
ALTER TABLE stories ADD COLUMN selection TEXT NOT NULL DEFAULT 'recent'
  CHECK (selection IN ('recent', 'match', 'mixed', 'expand'));

CREATE TABLE fact_words (
  story_id INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
  word     TEXT    NOT NULL,
  seq      INTEGER NOT NULL,
  PRIMARY KEY (story_id, word, seq)
) STRICT, WITHOUT ROWID;

WITH RECURSIVE split (story_id, seq, word, rest) AS (
  SELECT story_id, seq, '', tokens || ' ' FROM facts
  UNION ALL
  SELECT story_id, seq, substr(rest, 1, instr(rest, ' ') - 1), substr(rest, instr(rest, ' ') + 1)
  FROM split WHERE rest <> ''
)
INSERT OR IGNORE INTO fact_words (story_id, word, seq)
SELECT story_id, word, seq FROM split WHERE word <> '';
)sql",
    // 7: one embedding row per fact and model generation instead of one per hop: m holds
    // m^1 .. m^K (each d float32, K times the ensemble's members), c likewise. A third of
    // the rows to write when facts are appended. Complete sets are carried over, hop by hop
    // in order (blobs concatenate byte for byte); a partial set, which no writer leaves,
    // is dropped and the fact embedded again when it is next asked.
    R"sql(
CREATE TABLE fact_embeddings_7 (
  fact_id    INTEGER NOT NULL REFERENCES facts (id) ON DELETE CASCADE,
  generation INTEGER NOT NULL REFERENCES model_generations (id) ON DELETE CASCADE,
  m          BLOB    NOT NULL,
  c          BLOB    NOT NULL,
  PRIMARY KEY (fact_id, generation)
) STRICT, WITHOUT ROWID;

WITH RECURSIVE chain (fact_id, generation, hop, m, c) AS (
  SELECT fact_id, generation, 1, m, c FROM fact_embeddings WHERE hop = 1
  UNION ALL
  SELECT e.fact_id, e.generation, e.hop, chain.m || e.m, chain.c || e.c
  FROM chain JOIN fact_embeddings AS e
    ON e.fact_id = chain.fact_id AND e.generation = chain.generation AND e.hop = chain.hop + 1
)
INSERT INTO fact_embeddings_7 (fact_id, generation, m, c)
SELECT chain.fact_id, chain.generation, CAST(chain.m AS BLOB), CAST(chain.c AS BLOB)
FROM chain
JOIN model_generations AS g ON g.id = chain.generation
JOIN models AS model ON model.id = g.model_id
WHERE chain.hop = model.hops * model.members;

DROP TABLE fact_embeddings;
ALTER TABLE fact_embeddings_7 RENAME TO fact_embeddings;
CREATE INDEX fact_embeddings_by_generation ON fact_embeddings (generation);
)sql",
    // 8: ensembles of gated and ungated networks (engine/model_config.h): the last
    // ungated_members members of a gated ensemble have no gates. Every older model has none.
    R"sql(
ALTER TABLE models ADD COLUMN ungated_members INTEGER NOT NULL DEFAULT 0
  CHECK (ungated_members >= 0);
)sql",
};

// The newest schema this build reads and writes (currently 8).
inline constexpr int kSchemaVersion = static_cast<int>(kMigrations.size());

}  // namespace memnet::storage
