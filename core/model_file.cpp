#include "core/model_file.h"

#include <fmt/format.h>

#include <filesystem>
#include <stdexcept>

#include "storage/database.h"
#include "storage/model_store.h"

namespace memnet::core {

LoadedModel load_model_file(const std::string& path, const std::string& name) {
  if (!std::filesystem::exists(path))
    throw std::runtime_error(fmt::format("{}: no such model file", path));
  storage::Database db(path, storage::Database::Mode::kReadOnly);
  std::optional<storage::StoredModel> m;
  if (name.empty()) {
    m = storage::load_only_model(db);
    if (!m) throw std::runtime_error(fmt::format("{}: holds no model", path));
  } else {
    m = storage::load_model(db, name);
    if (!m) {
      throw std::runtime_error(fmt::format("{}: no model named '{}' (it holds: {})", path, name,
                                           fmt::join(storage::list_models(db), ", ")));
    }
  }
  if (m->dialog) {
    throw std::runtime_error(fmt::format(
        "{}: '{}' is a dialog model: it ranks responses (memnet chat, memnet eval --dialog)", path,
        m->name));
  }
  engine::Memn2n model(m->config, m->weights);
  return LoadedModel{m->name, std::move(model), std::move(m->vocab), std::move(m->training)};
}

}  // namespace memnet::core
