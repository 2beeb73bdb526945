// core/model_file.h
//
// Opening a trained model from a SQLite file, ready to answer.
#pragma once

#include <string>

#include "engine/memn2n.h"
#include "engine/training_record.h"
#include "engine/vocab.h"

namespace memnet::core {

struct LoadedModel {
  std::string name;
  engine::Memn2n model;
  engine::Vocabulary vocab;
  engine::TrainingRecord training;
};

// `name` may be empty when the file holds exactly one model. Throws std::runtime_error naming
// the file (missing, no such model, several models and no name) or storage::StorageError.
LoadedModel load_model_file(const std::string& path, const std::string& name = "");

}  // namespace memnet::core
