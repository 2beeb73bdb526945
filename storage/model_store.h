// storage/model_store.h
//
// Trained models in a memnet file: configuration, vocabulary, weights and training record,
// keyed by a name that is unique within the file. Weights are stored as raw float32
// little-endian BLOBs in Eigen's column-major order and load back bit for bit
// (docs/storage-format.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/model_config.h"
#include "engine/training_record.h"
#include "engine/vocab.h"
#include "storage/database.h"

namespace memnet::storage {

// A dialog model's output layer (core/dialog_model.h): the candidate responses it ranks, in
// index order, and the knowledge base its match-type features read. Absent for a bAbI model.
struct DialogRanking {
  int task = 0;  // the dialog bAbI task it was trained on; 0 when none
  bool match_type = false;
  bool match_names = false;             // restaurant names (the KB's entities) are a match type too
  std::vector<std::string> candidates;  // non-empty, no empty text
  struct KbFact {
    std::string entity, relation, value;
  };
  std::vector<KbFact> kb;
};

struct StoredModel {
  std::string name;  // unique within a file, e.g. "default" or "qa1"
  engine::ModelConfig config;
  engine::Vocabulary vocab;
  std::vector<engine::NamedMatrix> weights;  // in parameter_specs(config) order
  engine::TrainingRecord training;
  std::string created_at;               // ISO-8601 UTC, e.g. "2024-05-01T12:34:56Z"; set by save
  std::optional<DialogRanking> dialog;  // saved and loaded with the model, in one transaction
};

// Throws std::invalid_argument unless `model` can be saved: a non-empty name, a valid config
// (engine::validate), vocab.size() == config.vocab_size, and weights matching
// parameter_specs(config) in order, name and shape. save_model calls it first.
void check_savable(const StoredModel& model);

// Saves `model` under model.name in one write transaction, replacing a model of that name:
// a save that fails or is interrupted leaves the file as it was. model.created_at is ignored;
// the stored value is the current UTC time. Throws std::invalid_argument (check_savable)
// before touching the file, and StorageError when SQLite fails (e.g. a read-only Database,
// or the file stays locked by another writer beyond the busy timeout).
void save_model(Database& db, const StoredModel& model);

// The model named `name`, or std::nullopt if the file has none. Throws StorageError when the
// stored rows are inconsistent (e.g. a BLOB of the wrong length or an unknown dtype).
std::optional<StoredModel> load_model(Database& db, const std::string& name);

// The file's only model; std::nullopt if it has none. Throws StorageError (kAmbiguous)
// listing the names when there are several.
std::optional<StoredModel> load_only_model(Database& db);

// The names of all models, sorted bytewise.
std::vector<std::string> list_models(Database& db);

// Deletes the model and everything stored with it; returns false if there was none.
bool delete_model(Database& db, const std::string& name);

}  // namespace memnet::storage
