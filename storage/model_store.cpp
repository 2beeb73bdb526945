#include "storage/model_store.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <limits>
#include <stdexcept>
#include <string_view>

#include "storage/f32le.h"
#include "storage/utc_time.h"

namespace memnet::storage {
namespace {

using engine::Matrix;

constexpr std::string_view kDtype = "f32le";
constexpr std::int64_t kBytesPerValue = 4;
static_assert(sizeof(float) == 4 && std::numeric_limits<float>::is_iec559);

// The reason `weights` do not fit `config`, or "" when they do.
std::string weights_mismatch(const engine::ModelConfig& config,
                             const std::vector<engine::NamedMatrix>& weights) {
  const std::vector<engine::ParameterSpec> specs = engine::parameter_specs(config);
  if (weights.size() != specs.size()) {
    std::vector<std::string> names;
    for (const auto& spec : specs) names.push_back(spec.name);
    return fmt::format("{} weight matrices, but the config implies {} ({})", weights.size(),
                       specs.size(), fmt::join(names, ", "));
  }
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const engine::ParameterSpec& spec = specs[i];
    const engine::NamedMatrix& weight = weights[i];
    if (weight.name != spec.name) {
      return fmt::format("weight {} is '{}', expected '{}'", i, weight.name, spec.name);
    }
    if (weight.value.rows() != spec.rows || weight.value.cols() != spec.cols) {
      return fmt::format("weight '{}' is {} x {}, expected {} x {}", spec.name, weight.value.rows(),
                         weight.value.cols(), spec.rows, spec.cols);
    }
  }
  return "";
}

// Writing -------------------------------------------------------------------------------

// SQLite turns a NaN REAL into NULL; bind NULL explicitly and read it back as NaN.
void bind_real(SQLite::Statement& statement, int index, double value) {
  if (std::isnan(value)) {
    statement.bind(index);
  } else {
    statement.bind(index, value);
  }
}

// Little-endian float32 bytes of `m` in column-major order, bound without a copy on a
// little-endian host.
const void* f32le_bytes(const Matrix& m, std::vector<std::uint32_t>& buffer) {
  return storage::f32le_bytes(m.data(), static_cast<std::size_t>(m.size()), buffer);
}

std::int64_t insert_model_row(Database& db, const StoredModel& model,
                              const std::string& created_at) {
  const engine::ModelConfig& c = model.config;
  db.with_statement(
      "INSERT INTO models (name, created_at, hops, dim, memory_size, vocab_size, "
      "sentence_length, encoding, temporal, tying, padded_memory, attention, gated, relu_units, "
      "self_attention_layers, heads, tied_self_attention, members, ungated_members) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      [&](SQLite::Statement& s) {
        s.bind(1, model.name);
        s.bind(2, created_at);
        s.bind(3, c.hops);
        s.bind(4, c.dim);
        s.bind(5, c.memory_size);
        s.bind(6, c.vocab_size);
        s.bind(7, c.sentence_length);
        s.bind(8, std::string(engine::to_string(c.encoding)));
        s.bind(9, c.temporal ? 1 : 0);
        s.bind(10, std::string(engine::to_string(c.tying)));
        s.bind(11, c.padded_memory);
        s.bind(12, std::string(engine::to_string(c.attention)));
        s.bind(13, c.gated ? 1 : 0);
        s.bind(14, c.relu_units);
        s.bind(15, c.self_attention_layers);
        s.bind(16, c.heads);
        s.bind(17, c.tied_self_attention ? 1 : 0);
        s.bind(18, c.members);
        s.bind(19, c.ungated_members);
        s.exec();
      });
  return db.handle().getLastInsertRowid();
}

void insert_vocabulary(Database& db, std::int64_t model_id, const engine::Vocabulary& vocab) {
  db.with_statement("INSERT INTO vocabulary (model_id, word_id, word) VALUES (?, ?, ?)",
                    [&](SQLite::Statement& s) {
                      s.bind(1, model_id);
                      for (int id = 0; id < vocab.size(); ++id) {
                        s.reset();
                        s.bind(2, id);
                        s.bindNoCopy(3, vocab.word(id));
                        s.exec();
                      }
                    });
}

void insert_weights(Database& db, std::int64_t model_id,
                    const std::vector<engine::NamedMatrix>& weights) {
  db.with_statement(
      "INSERT INTO weights (model_id, name, ordinal, rows, cols, dtype, data) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)",
      [&](SQLite::Statement& s) {
        s.bind(1, model_id);
        s.bind(6, std::string(kDtype));
        std::vector<std::uint32_t> buffer;
        for (std::size_t i = 0; i < weights.size(); ++i) {
          const Matrix& m = weights[i].value;
          s.reset();
          s.bindNoCopy(2, weights[i].name);
          s.bind(3, static_cast<std::int64_t>(i));
          s.bind(4, static_cast<std::int64_t>(m.rows()));
          s.bind(5, static_cast<std::int64_t>(m.cols()));
          s.bindNoCopy(7, f32le_bytes(m, buffer), static_cast<int>(m.size() * kBytesPerValue));
          s.exec();
        }
      });
}

void insert_training(Database& db, std::int64_t model_id, const engine::TrainingRecord& t) {
  db.with_statement(
      "INSERT INTO training (model_id, dataset, tasks, seed, repeats, best_repeat, threads, "
      "wall_seconds, validation_error, options) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      [&](SQLite::Statement& s) {
        s.bind(1, model_id);
        s.bind(2, t.dataset);
        s.bind(3, fmt::format("{}", fmt::join(t.tasks, " ")));
        s.bind(4, std::to_string(t.seed));
        s.bind(5, t.repeats);
        s.bind(6, t.best_repeat);
        s.bind(7, t.threads);
        bind_real(s, 8, t.wall_seconds);
        bind_real(s, 9, t.validation_error);
        s.bind(10, t.options);
        s.exec();
      });
  db.with_statement(
      "INSERT INTO epochs (model_id, seq, repeat, epoch, linear_start, learning_rate, "
      "train_loss, validation_loss, validation_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      [&](SQLite::Statement& s) {
        s.bind(1, model_id);
        for (std::size_t i = 0; i < t.epochs.size(); ++i) {
          const engine::EpochRecord& e = t.epochs[i];
          s.reset();
          s.bind(2, static_cast<std::int64_t>(i));
          s.bind(3, e.repeat);
          s.bind(4, e.epoch);
          s.bind(5, e.linear_start ? 1 : 0);
          bind_real(s, 6, e.learning_rate);
          bind_real(s, 7, e.train_loss);
          bind_real(s, 8, e.validation_loss);
          bind_real(s, 9, e.validation_error);
          s.exec();
        }
      });
}

// Reading -------------------------------------------------------------------------------

// Reads the rows of one model and reports what does not make sense in them.
void insert_dialog(Database& db, std::int64_t model_id, const DialogRanking& d) {
  db.with_statement(
      "INSERT INTO dialog_models (model_id, task, match_type, match_names) VALUES (?, ?, ?, ?)",
      [&](SQLite::Statement& s) {
        s.bind(1, model_id);
        s.bind(2, d.task);
        s.bind(3, d.match_type ? 1 : 0);
        s.bind(4, d.match_names ? 1 : 0);
        s.exec();
      });
  db.with_statement("INSERT INTO dialog_candidates (model_id, ordinal, text) VALUES (?, ?, ?)",
                    [&](SQLite::Statement& s) {
                      for (size_t i = 0; i < d.candidates.size(); ++i) {
                        s.bind(1, model_id);
                        s.bind(2, static_cast<std::int64_t>(i));
                        s.bind(3, d.candidates[i]);
                        s.exec();
                        s.reset();
                      }
                    });
  db.with_statement(
      "INSERT INTO dialog_kb (model_id, ordinal, entity, relation, value) VALUES (?, ?, ?, ?, ?)",
      [&](SQLite::Statement& s) {
        for (size_t i = 0; i < d.kb.size(); ++i) {
          s.bind(1, model_id);
          s.bind(2, static_cast<std::int64_t>(i));
          s.bind(3, d.kb[i].entity);
          s.bind(4, d.kb[i].relation);
          s.bind(5, d.kb[i].value);
          s.exec();
          s.reset();
        }
      });
}

class ModelReader {
 public:
  ModelReader(Database& db, std::string name) : db_(db), name_(std::move(name)) {}

  std::optional<StoredModel> read() {
    StoredModel model;
    model.name = name_;
    if (!read_model_row(model)) return std::nullopt;
    read_vocabulary(model);
    read_weights(model);
    read_training(model.training);
    read_dialog(model);
    return model;
  }

 private:
  [[noreturn]] void fail(const std::string& detail) const {
    throw StorageError(fmt::format("{}: model '{}' is damaged: {}", db_.path(), name_, detail));
  }

  int integer(const SQLite::Column& column) const {
    const std::int64_t value = column.getInt64();
    if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
      fail(fmt::format("{} = {} is out of range", column.getName(), value));
    }
    return static_cast<int>(value);
  }

  static double real(const SQLite::Column& column) {
    return column.isNull() ? std::numeric_limits<double>::quiet_NaN() : column.getDouble();
  }

  bool read_model_row(StoredModel& model) {
    // A file older than schema 3, opened read-only (not migrated), has the paper's model:
    // the columns of migration 3 are read as their defaults.
    // Likewise ungated_members (migration 8) before schema 8.
    const int schema = db_.schema_version();
    const std::string sql =
        schema >= 3
            ? fmt::format(
                  "SELECT id, created_at, hops, dim, memory_size, vocab_size, sentence_length, "
                  "encoding, temporal, tying, padded_memory, attention, gated, relu_units, "
                  "self_attention_layers, heads, tied_self_attention, members, {} FROM models "
                  "WHERE name = ?",
                  schema >= 8 ? "ungated_members" : "0")
            : "SELECT id, created_at, hops, dim, memory_size, vocab_size, sentence_length, "
              "encoding, temporal, tying, padded_memory, 'dot', 0, 0, 0, 1, 0, 1, 0 FROM "
              "models WHERE name = ?";
    return db_.with_statement(sql, [&](SQLite::Statement& s) {
      s.bind(1, name_);
      if (!s.executeStep()) return false;
      id_ = s.getColumn(0).getInt64();
      model.created_at = s.getColumn(1).getString();
      engine::ModelConfig& c = model.config;
      c.hops = integer(s.getColumn(2));
      c.dim = integer(s.getColumn(3));
      c.memory_size = integer(s.getColumn(4));
      c.vocab_size = integer(s.getColumn(5));
      c.sentence_length = integer(s.getColumn(6));
      c.temporal = s.getColumn(8).getInt() != 0;
      c.padded_memory = integer(s.getColumn(10));
      c.gated = s.getColumn(12).getInt() != 0;
      c.relu_units = integer(s.getColumn(13));
      c.self_attention_layers = integer(s.getColumn(14));
      c.heads = integer(s.getColumn(15));
      c.tied_self_attention = s.getColumn(16).getInt() != 0;
      c.members = integer(s.getColumn(17));
      c.ungated_members = integer(s.getColumn(18));
      try {
        c.encoding = engine::parse_encoding(s.getColumn(7).getString());
        c.tying = engine::parse_tying(s.getColumn(9).getString());
        c.attention = engine::parse_attention(s.getColumn(11).getString());
        engine::validate(c);
      } catch (const std::invalid_argument& e) {
        fail(e.what());
      }
      return true;
    });
  }

  void read_vocabulary(StoredModel& model) {
    std::vector<std::string> words;
    db_.with_statement(
        "SELECT word_id, word FROM vocabulary WHERE model_id = ? ORDER BY word_id",
        [&](SQLite::Statement& s) {
          s.bind(1, id_);
          while (s.executeStep()) {
            const std::int64_t id = s.getColumn(0).getInt64();
            if (id != static_cast<std::int64_t>(words.size())) {
              fail(fmt::format("vocabulary word_id {} follows {} words; ids must be 0, 1, ...", id,
                               words.size()));
            }
            words.push_back(s.getColumn(1).getString());
          }
        });
    try {
      model.vocab = engine::Vocabulary::from_words(std::move(words));
    } catch (const std::invalid_argument& e) {
      fail(fmt::format("vocabulary: {}", e.what()));
    }
    if (model.vocab.size() != model.config.vocab_size) {
      fail(fmt::format("vocabulary has {} words but vocab_size is {}", model.vocab.size(),
                       model.config.vocab_size));
    }
  }

  Matrix decode(const std::string& weight, std::int64_t rows, std::int64_t cols,
                const std::string& dtype, const SQLite::Column& data) const {
    if (dtype != kDtype) {
      fail(
          fmt::format("weight '{}' has dtype '{}'; this memnet reads '{}'", weight, dtype, kDtype));
    }
    if (rows < 0 || cols < 0 || rows > std::numeric_limits<int>::max() ||
        cols > std::numeric_limits<int>::max()) {
      fail(fmt::format("weight '{}' has shape {} x {}", weight, rows, cols));
    }
    const void* bytes = data.getBlob();  // before getBytes(), as sqlite3_column_bytes asks
    const std::int64_t size = data.getBytes();
    const std::int64_t expected = rows * cols * kBytesPerValue;
    if (size != expected) {
      fail(fmt::format("weight '{}' has {} bytes of data; {} x {} {} needs {}", weight, size, rows,
                       cols, kDtype, expected));
    }
    Matrix m(rows, cols);
    read_f32le(bytes, static_cast<std::size_t>(m.size()), m.data());
    return m;
  }

  void read_weights(StoredModel& model) {
    db_.with_statement(
        "SELECT name, rows, cols, dtype, data FROM weights WHERE model_id = ? ORDER BY ordinal",
        [&](SQLite::Statement& s) {
          s.bind(1, id_);
          while (s.executeStep()) {
            std::string weight = s.getColumn(0).getString();
            Matrix value = decode(weight, s.getColumn(1).getInt64(), s.getColumn(2).getInt64(),
                                  s.getColumn(3).getString(), s.getColumn(4));
            model.weights.push_back({std::move(weight), std::move(value)});
          }
        });
    if (const std::string why = weights_mismatch(model.config, model.weights); !why.empty()) {
      fail(why);
    }
  }

  void read_training(engine::TrainingRecord& t) {
    const bool found = db_.with_statement(
        "SELECT dataset, tasks, seed, repeats, best_repeat, threads, wall_seconds, "
        "validation_error, options FROM training WHERE model_id = ?",
        [&](SQLite::Statement& s) {
          s.bind(1, id_);
          if (!s.executeStep()) return false;
          t.dataset = s.getColumn(0).getString();
          t.tasks = parse_tasks(s.getColumn(1).getString());
          t.seed = parse_seed(s.getColumn(2).getString());
          t.repeats = integer(s.getColumn(3));
          t.best_repeat = integer(s.getColumn(4));
          t.threads = integer(s.getColumn(5));
          t.wall_seconds = real(s.getColumn(6));
          t.validation_error = real(s.getColumn(7));
          t.options = s.getColumn(8).getString();
          return true;
        });
    if (!found) fail("it has no training row");
    db_.with_statement(
        "SELECT repeat, epoch, linear_start, learning_rate, train_loss, validation_loss, "
        "validation_error FROM epochs WHERE model_id = ? ORDER BY seq",
        [&](SQLite::Statement& s) {
          s.bind(1, id_);
          while (s.executeStep()) {
            engine::EpochRecord e;
            e.repeat = integer(s.getColumn(0));
            e.epoch = integer(s.getColumn(1));
            e.linear_start = s.getColumn(2).getInt() != 0;
            e.learning_rate = real(s.getColumn(3));
            e.train_loss = real(s.getColumn(4));
            e.validation_loss = real(s.getColumn(5));
            e.validation_error = real(s.getColumn(6));
            t.epochs.push_back(e);
          }
        });
  }

  std::vector<int> parse_tasks(const std::string& text) const {
    std::vector<int> tasks;
    const char* p = text.data();
    const char* end = p + text.size();
    while (p != end) {
      if (*p == ' ') {
        ++p;
        continue;
      }
      int task = 0;
      const auto [next, ec] = std::from_chars(p, end, task);
      if (ec != std::errc() || (next != end && *next != ' ')) {
        fail(fmt::format("training.tasks '{}' is not a list of numbers", text));
      }
      tasks.push_back(task);
      p = next;
    }
    return tasks;
  }

  std::uint64_t parse_seed(const std::string& text) const {
    std::uint64_t seed = 0;
    const char* end = text.data() + text.size();
    const auto [next, ec] = std::from_chars(text.data(), end, seed);
    if (text.empty() || ec != std::errc() || next != end) {
      fail(fmt::format("training.seed '{}' is not an unsigned 64-bit number", text));
    }
    return seed;
  }

  Database& db_;
  std::string name_;
  void read_dialog(StoredModel& model) {
    if (db_.schema_version() < 5) return;  // an old file opened read-only: no dialog models
    std::optional<DialogRanking> d = db_.with_statement(
        "SELECT task, match_type, match_names FROM dialog_models WHERE model_id = ?",
        [&](SQLite::Statement& s) -> std::optional<DialogRanking> {
          s.bind(1, id_);
          if (!s.executeStep()) return std::nullopt;
          DialogRanking r;
          r.task = integer(s.getColumn(0));
          r.match_type = s.getColumn(1).getInt() != 0;
          r.match_names = s.getColumn(2).getInt() != 0;
          return r;
        });
    if (!d) return;
    db_.with_statement(
        "SELECT ordinal, text FROM dialog_candidates WHERE model_id = ? ORDER BY ordinal",
        [&](SQLite::Statement& s) {
          s.bind(1, id_);
          while (s.executeStep()) {
            if (s.getColumn(0).getInt64() != static_cast<std::int64_t>(d->candidates.size()))
              fail("dialog candidate ordinals must be 0, 1, ...");
            d->candidates.push_back(s.getColumn(1).getString());
          }
        });
    if (d->candidates.empty()) fail("a dialog model without candidates");
    db_.with_statement(
        "SELECT entity, relation, value FROM dialog_kb WHERE model_id = ? ORDER BY ordinal",
        [&](SQLite::Statement& s) {
          s.bind(1, id_);
          while (s.executeStep()) {
            d->kb.push_back({s.getColumn(0).getString(), s.getColumn(1).getString(),
                             s.getColumn(2).getString()});
          }
        });
    model.dialog = std::move(d);
  }

  std::int64_t id_ = 0;
};

}  // namespace

void check_savable(const StoredModel& model) {
  if (model.name.empty()) throw std::invalid_argument("save_model: the model name is empty");
  engine::validate(model.config);
  if (model.vocab.size() != model.config.vocab_size) {
    throw std::invalid_argument(
        fmt::format("save_model: the vocabulary has {} words but config.vocab_size is {}",
                    model.vocab.size(), model.config.vocab_size));
  }
  if (const std::string why = weights_mismatch(model.config, model.weights); !why.empty()) {
    throw std::invalid_argument(fmt::format("save_model: {}", why));
  }
  for (const engine::NamedMatrix& weight : model.weights) {
    if (weight.value.size() * kBytesPerValue > std::numeric_limits<int>::max()) {
      throw std::invalid_argument(fmt::format(
          "save_model: weight '{}' ({} x {}) exceeds SQLite's 2 GiB limit for one value",
          weight.name, weight.value.rows(), weight.value.cols()));
    }
  }
  if (model.dialog) {
    if (model.dialog->candidates.empty())
      throw std::invalid_argument("save_model: a dialog model needs candidates");
    for (const std::string& c : model.dialog->candidates)
      if (c.empty()) throw std::invalid_argument("save_model: an empty dialog candidate");
  }
}

void save_model(Database& db, const StoredModel& model) {
  check_savable(model);
  const std::string created_at = utc_now();
  Transaction transaction(db);
  // ON DELETE CASCADE removes the old vocabulary, weights and training rows.
  db.with_statement("DELETE FROM models WHERE name = ?", [&](SQLite::Statement& s) {
    s.bind(1, model.name);
    s.exec();
  });
  const std::int64_t id = insert_model_row(db, model, created_at);
  insert_vocabulary(db, id, model.vocab);
  insert_weights(db, id, model.weights);
  insert_training(db, id, model.training);
  if (model.dialog) insert_dialog(db, id, *model.dialog);
  // A new generation: stored embeddings made by the model this one replaces are gone with
  // the old row (memory_store.h), and nothing can mistake this model for it.
  db.with_statement("INSERT INTO model_generations (model_id) VALUES (?)",
                    [&](SQLite::Statement& s) {
                      s.bind(1, id);
                      s.exec();
                    });
  transaction.commit();
}

std::optional<StoredModel> load_model(Database& db, const std::string& name) {
  Transaction snapshot(db, Transaction::Kind::kRead);
  std::optional<StoredModel> model = ModelReader(db, name).read();
  snapshot.commit();
  return model;
}

std::optional<StoredModel> load_only_model(Database& db) {
  Transaction snapshot(db, Transaction::Kind::kRead);
  const std::vector<std::string> names = list_models(db);
  if (names.size() > 1) {
    throw StorageError(fmt::format("{} holds {} models ({}); name the one to use", db.path(),
                                   names.size(), fmt::join(names, ", ")),
                       StorageErrorKind::kAmbiguous);
  }
  std::optional<StoredModel> model;
  if (names.size() == 1) model = ModelReader(db, names.front()).read();
  snapshot.commit();
  return model;
}

std::vector<std::string> list_models(Database& db) {
  return db.with_statement("SELECT name FROM models ORDER BY name", [](SQLite::Statement& s) {
    std::vector<std::string> names;
    while (s.executeStep()) names.push_back(s.getColumn(0).getString());
    return names;
  });
}

bool delete_model(Database& db, const std::string& name) {
  return db.with_statement("DELETE FROM models WHERE name = ?", [&](SQLite::Statement& s) {
    s.bind(1, name);
    return s.exec() > 0;
  });
}

}  // namespace memnet::storage
