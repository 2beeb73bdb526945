#include "storage/model_store.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <bit>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <string>

#include "tests/test_data.h"

namespace memnet::storage {
namespace {

using engine::Attention;
using engine::Encoding;
using engine::Matrix;
using engine::ModelConfig;
using engine::Tying;

struct TempDir {
  explicit TempDir(const std::string& tag) : path(memnet::testing::temp_dir(tag)) {}
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
  std::filesystem::path path;
};

// Random weights, with the awkward values a byte-exact format must keep sprinkled in.
Matrix awkward_matrix(engine::Index rows, engine::Index cols, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, 0.5f);
  Matrix m(rows, cols);
  for (engine::Index i = 0; i < m.size(); ++i) m.data()[i] = normal(rng);
  const float odd[] = {-0.0f,
                       std::numeric_limits<float>::denorm_min(),
                       -std::numeric_limits<float>::denorm_min(),
                       1e-40f,  // another subnormal
                       std::numeric_limits<float>::min(),
                       std::numeric_limits<float>::max(),
                       std::numeric_limits<float>::lowest(),
                       std::numeric_limits<float>::epsilon(),
                       std::numeric_limits<float>::infinity(),
                       -std::numeric_limits<float>::infinity(),
                       1.0f / 3.0f};
  for (std::size_t k = 0; k < std::size(odd) && static_cast<engine::Index>(k) < m.size(); ++k) {
    m.data()[(k * 7) % static_cast<std::size_t>(m.size())] = odd[k];
  }
  return m;
}

engine::Vocabulary vocabulary_of_size(int size) {
  engine::Vocabulary vocab;
  const char* words[] = {"mary", "went", "to", "the", "kitchen", "café", "naïve", "two words"};
  for (int i = 1; i < size; ++i) {
    const int k = (i - 1) % static_cast<int>(std::size(words));
    vocab.add(i <= static_cast<int>(std::size(words)) ? std::string(words[k])
                                                      : fmt::format("w{}", i));
  }
  return vocab;
}

StoredModel make_model(const std::string& name, const ModelConfig& config, unsigned seed = 1) {
  std::mt19937 rng(seed);
  StoredModel model;
  model.name = name;
  model.config = config;
  model.vocab = vocabulary_of_size(config.vocab_size);
  for (const engine::ParameterSpec& spec : engine::parameter_specs(config)) {
    model.weights.push_back({spec.name, awkward_matrix(spec.rows, spec.cols, rng)});
  }
  engine::TrainingRecord& t = model.training;
  t.dataset = "../shared/datasets/babi/tasks_1-20_v1-2/en";
  t.tasks = {1, 2, 3};
  t.seed = 0xFEDCBA9876543210ull;  // above INT64_MAX
  t.repeats = 2;
  t.best_repeat = 1;
  t.threads = 4;
  t.wall_seconds = 12.345678901234567;
  t.validation_error = 0.1;
  t.options = "epochs=100\nlearning_rate=0.01\n";
  for (int repeat = 0; repeat < 2; ++repeat) {
    for (int epoch = 1; epoch <= 3; ++epoch) {
      t.epochs.push_back({repeat, epoch, epoch == 1, 0.01 / epoch, 2.0 / epoch + repeat,
                          2.5 / epoch, 0.3 / epoch});
    }
  }
  return model;
}

ModelConfig small_config() {
  ModelConfig config;
  config.hops = 3;
  config.dim = 5;
  config.memory_size = 4;
  config.padded_memory = 3;
  config.vocab_size = 7;
  return config;
}

bool same_bits(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), static_cast<std::size_t>(a.size()) * sizeof(float)) == 0;
}

bool same_bits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b) ||
         (std::isnan(a) && std::isnan(b));
}

void check_same_model(const StoredModel& got, const StoredModel& want) {
  CHECK(got.name == want.name);
  CHECK(got.config.hops == want.config.hops);
  CHECK(got.config.dim == want.config.dim);
  CHECK(got.config.memory_size == want.config.memory_size);
  CHECK(got.config.padded_memory == want.config.padded_memory);
  CHECK(got.config.vocab_size == want.config.vocab_size);
  CHECK(got.config.sentence_length == want.config.sentence_length);
  CHECK(got.config.encoding == want.config.encoding);
  CHECK(got.config.temporal == want.config.temporal);
  CHECK(got.config.tying == want.config.tying);
  CHECK(got.config.attention == want.config.attention);
  CHECK(got.config.gated == want.config.gated);
  CHECK(got.config.relu_units == want.config.relu_units);
  CHECK(got.config.self_attention_layers == want.config.self_attention_layers);
  CHECK(got.config.heads == want.config.heads);
  CHECK(got.config.tied_self_attention == want.config.tied_self_attention);
  CHECK(got.config.members == want.config.members);
  CHECK(got.config.ungated_members == want.config.ungated_members);
  CHECK(got.vocab.words() == want.vocab.words());
  REQUIRE(got.weights.size() == want.weights.size());
  for (std::size_t i = 0; i < want.weights.size(); ++i) {
    CAPTURE(want.weights[i].name);
    CHECK(got.weights[i].name == want.weights[i].name);
    CHECK(same_bits(got.weights[i].value, want.weights[i].value));
  }
  const engine::TrainingRecord& g = got.training;
  const engine::TrainingRecord& w = want.training;
  CHECK(g.dataset == w.dataset);
  CHECK(g.tasks == w.tasks);
  CHECK(g.seed == w.seed);
  CHECK(g.repeats == w.repeats);
  CHECK(g.best_repeat == w.best_repeat);
  CHECK(g.threads == w.threads);
  CHECK(same_bits(g.wall_seconds, w.wall_seconds));
  CHECK(same_bits(g.validation_error, w.validation_error));
  CHECK(g.options == w.options);
  REQUIRE(g.epochs.size() == w.epochs.size());
  for (std::size_t i = 0; i < w.epochs.size(); ++i) {
    CAPTURE(i);
    CHECK(g.epochs[i].repeat == w.epochs[i].repeat);
    CHECK(g.epochs[i].epoch == w.epochs[i].epoch);
    CHECK(g.epochs[i].linear_start == w.epochs[i].linear_start);
    CHECK(same_bits(g.epochs[i].learning_rate, w.epochs[i].learning_rate));
    CHECK(same_bits(g.epochs[i].train_loss, w.epochs[i].train_loss));
    CHECK(same_bits(g.epochs[i].validation_loss, w.epochs[i].validation_loss));
    CHECK(same_bits(g.epochs[i].validation_error, w.epochs[i].validation_error));
  }
}

long long count_rows(Database& db, const std::string& table) {
  return db.with_statement(fmt::format("SELECT count(*) FROM {}", table), [](SQLite::Statement& s) {
    s.executeStep();
    return static_cast<long long>(s.getColumn(0).getInt64());
  });
}

}  // namespace

TEST_CASE("save_model then load_model reproduces every weight bit for bit") {
  Database db(":memory:");
  ModelConfig config = small_config();
  SUBCASE("adjacent tying with temporal encoding") {}
  SUBCASE("layer-wise tying without temporal encoding") {
    config.tying = Tying::kLayerwise;
    config.temporal = false;
  }
  SUBCASE("reference position encoding") {
    config.encoding = Encoding::kReference;
    config.sentence_length = 6;
  }
  SUBCASE("local position encoding") {
    config.encoding = Encoding::kLocal;
    config.sentence_length = 6;
  }
  SUBCASE("bag of words, one hop, one word") {
    config.encoding = Encoding::kBagOfWords;
    config.hops = 1;
    config.vocab_size = 1;
  }
  const StoredModel model = make_model("default", config);
  save_model(db, model);
  const std::optional<StoredModel> loaded = load_model(db, "default");
  REQUIRE(loaded.has_value());
  check_same_model(*loaded, model);
}

TEST_CASE("load_model reproduces config, vocabulary and training record") {
  Database db(":memory:");
  ModelConfig config = small_config();
  config.dim = 3;
  config.memory_size = 50;
  const StoredModel model = make_model("qa1", config, 7);
  save_model(db, model);
  check_same_model(load_model(db, "qa1").value(), model);
}

TEST_CASE("load_model reproduces every option beyond the paper, ensembles included") {
  Database db(":memory:");
  for (const Attention a : {Attention::kScaled, Attention::kCosine, Attention::kDistance}) {
    for (const Tying tying : {Tying::kAdjacent, Tying::kLayerwise}) {
      ModelConfig config = small_config();
      config.dim = 4;
      config.tying = tying;
      config.attention = a;
      config.gated = true;
      config.relu_units = 2;
      config.self_attention_layers = 2;
      config.heads = 2;
      config.tied_self_attention = tying == Tying::kLayerwise;
      config.members = 3;
      config.ungated_members = tying == Tying::kAdjacent ? 1 : 0;  // the last member ungated
      const std::string name = fmt::format("{}-{}", to_string(a), to_string(tying));
      const StoredModel model = make_model(name, config, 9);
      save_model(db, model);
      CAPTURE(name);
      check_same_model(load_model(db, name).value(), model);
    }
  }
}

TEST_CASE("training numbers survive exactly, NaN and infinities included, but not the sign of 0") {
  Database db(":memory:");
  StoredModel model = make_model("m", small_config());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  model.training.wall_seconds = std::numeric_limits<double>::denorm_min();
  model.training.validation_error = nan;
  model.training.seed = std::numeric_limits<std::uint64_t>::max();
  model.training.tasks = {};
  model.training.epochs[0].train_loss = nan;
  model.training.epochs[1].validation_loss = inf;
  model.training.epochs[3].validation_error = -inf;
  model.training.epochs[4].train_loss = 0.1 + 0.2;  // 0.30000000000000004
  save_model(db, model);
  const StoredModel loaded = load_model(db, "m").value();
  check_same_model(loaded, model);
  CHECK(std::isnan(loaded.training.validation_error));

  // SQLite keeps a whole-number REAL as an integer on disk, so -0.0 comes back as +0.0.
  model.training.epochs[2].learning_rate = -0.0;
  save_model(db, model);
  const double zero = load_model(db, "m").value().training.epochs[2].learning_rate;
  CHECK(zero == 0.0);
  CHECK_FALSE(std::signbit(zero));
}

TEST_CASE("save_model stamps created_at with an ISO-8601 UTC time") {
  Database db(":memory:");
  StoredModel model = make_model("m", small_config());
  model.created_at = "ignored";
  save_model(db, model);
  const std::string created_at = load_model(db, "m").value().created_at;
  CAPTURE(created_at);
  // ISO-8601 UTC, "YYYY-MM-DDTHH:MM:SSZ" (checked by hand: std::regex trips a GCC 12
  // false -Wmaybe-uninitialized under the sanitizers).
  const std::string shape = "dddd-dd-ddTdd:dd:ddZ";
  REQUIRE(created_at.size() == shape.size());
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 'd') {
      CHECK(std::isdigit(static_cast<unsigned char>(created_at[i])));
    } else {
      CHECK(created_at[i] == shape[i]);
    }
  }
}

TEST_CASE("the weights BLOB is float32 little-endian in column-major order") {
  Database db(":memory:");
  ModelConfig config = small_config();
  config.dim = 2;
  config.vocab_size = 3;
  StoredModel model = make_model("m", config);
  Matrix& a1 = model.weights.at(0).value;  // A1, d x V = 2 x 3
  REQUIRE(model.weights[0].name == "A1");
  a1 << 1.0f, 2.0f, -0.0f,  //
      -2.0f, 0.5f, 1e-45f;
  save_model(db, model);
  const std::string blob = db.with_statement(
      "SELECT dtype, rows, cols, data FROM weights WHERE name = 'A1'", [](SQLite::Statement& s) {
        REQUIRE(s.executeStep());
        CHECK(s.getColumn(0).getString() == "f32le");
        CHECK(s.getColumn(1).getInt() == 2);
        CHECK(s.getColumn(2).getInt() == 3);
        return s.getColumn(3).getString();
      });
  // Column 0 = (1, -2), column 1 = (2, 0.5), column 2 = (-0, smallest subnormal).
  const unsigned char expected[] = {0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0,
                                    0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x3F,
                                    0x00, 0x00, 0x00, 0x80, 0x01, 0x00, 0x00, 0x00};
  REQUIRE(blob.size() == sizeof expected);
  CHECK(std::memcmp(blob.data(), expected, sizeof expected) == 0);
}

TEST_CASE("saving under an existing name replaces that model and its rows") {
  Database db(":memory:");
  save_model(db, make_model("m", small_config(), 1));
  ModelConfig bigger = small_config();
  bigger.vocab_size = 9;
  bigger.tying = Tying::kLayerwise;
  const StoredModel replacement = make_model("m", bigger, 2);
  save_model(db, replacement);
  CHECK(list_models(db) == std::vector<std::string>{"m"});
  check_same_model(load_model(db, "m").value(), replacement);
  CHECK(count_rows(db, "vocabulary") == 9);
  CHECK(count_rows(db, "weights") == static_cast<long long>(replacement.weights.size()));
  CHECK(count_rows(db, "training") == 1);
  CHECK(count_rows(db, "epochs") == static_cast<long long>(replacement.training.epochs.size()));
}

TEST_CASE("list_models returns the names sorted; delete_model removes one with all its rows") {
  Database db(":memory:");
  CHECK(list_models(db).empty());
  for (const char* name : {"qa2", "default", "qa10", "qa1"}) {
    save_model(db, make_model(name, small_config()));
  }
  CHECK(list_models(db) == std::vector<std::string>{"default", "qa1", "qa10", "qa2"});

  CHECK(delete_model(db, "qa10"));
  CHECK_FALSE(delete_model(db, "qa10"));
  CHECK_FALSE(delete_model(db, "never"));
  CHECK(list_models(db) == std::vector<std::string>{"default", "qa1", "qa2"});
  CHECK_FALSE(load_model(db, "qa10").has_value());
  CHECK(count_rows(db, "vocabulary") == 3 * 7);
  CHECK(count_rows(db, "training") == 3);
  CHECK(count_rows(db, "epochs") == 3 * 6);
}

TEST_CASE("load_model of a missing name is nullopt") {
  Database db(":memory:");
  CHECK_FALSE(load_model(db, "default").has_value());
  save_model(db, make_model("qa1", small_config()));
  CHECK_FALSE(load_model(db, "default").has_value());
  CHECK_FALSE(load_model(db, "").has_value());
}

TEST_CASE("load_only_model: nothing, the one model, or an error naming all of them") {
  Database db(":memory:");
  CHECK_FALSE(load_only_model(db).has_value());
  const StoredModel only = make_model("qa1", small_config());
  save_model(db, only);
  check_same_model(load_only_model(db).value(), only);
  save_model(db, make_model("default", small_config()));
  CHECK_THROWS_WITH_AS(load_only_model(db),
                       ":memory: holds 2 models (default, qa1); name the one to use", StorageError);
}

TEST_CASE("save_model rejects a model that does not fit its config before writing anything") {
  Database db(":memory:");
  const StoredModel previous = make_model("m", small_config(), 3);
  save_model(db, previous);
  const int changes_before = db.handle().getTotalChanges();

  StoredModel bad = make_model("m", small_config(), 4);
  std::string message;
  SUBCASE("vocabulary size differs from vocab_size") {
    bad.vocab.add("extra");
    message = "save_model: the vocabulary has 8 words but config.vocab_size is 7";
  }
  SUBCASE("a weight has the wrong shape") {
    bad.weights[2].value = Matrix::Zero(5, 6);
    message = "save_model: weight 'C2' is 5 x 6, expected 5 x 7";
  }
  SUBCASE("weights out of order") {
    std::swap(bad.weights[1], bad.weights[2]);
    message = "save_model: weight 1 is 'C2', expected 'C1'";
  }
  SUBCASE("a weight is missing") {
    bad.weights.pop_back();
    message =
        "save_model: 7 weight matrices, but the config implies 8 "
        "(A1, C1, C2, C3, TA1, TC1, TC2, TC3)";
  }
  SUBCASE("a duplicated weight") {
    bad.weights.push_back(bad.weights.back());
    message =
        "save_model: 9 weight matrices, but the config implies 8 "
        "(A1, C1, C2, C3, TA1, TC1, TC2, TC3)";
  }
  SUBCASE("an empty name") {
    bad.name = "";
    message = "save_model: the model name is empty";
  }
  SUBCASE("an invalid config") {
    bad.config.hops = 0;
    message = "model config: hops = 0 must be in [1, 64]";
  }
  CHECK_THROWS_WITH_AS(save_model(db, bad), message.c_str(), std::invalid_argument);
  CHECK(db.handle().getTotalChanges() == changes_before);
  check_same_model(load_model(db, "m").value(), previous);
}

TEST_CASE("save_model validates before it touches the file, even a read-only one") {
  TempDir dir("store_validate_first");
  const std::string path = dir.file("m.memnet");
  { Database created(path); }
  Database db(path, Database::Mode::kReadOnly);
  StoredModel bad = make_model("m", small_config());
  bad.weights.clear();
  CHECK_THROWS_AS(save_model(db, bad), std::invalid_argument);
  CHECK_THROWS_WITH_AS(save_model(db, make_model("m", small_config())),
                       doctest::Contains("attempt to write a readonly database"), StorageError);
  CHECK_THROWS_AS(delete_model(db, "m"), StorageError);
}

TEST_CASE("a save that fails midway leaves the previous model intact") {
  TempDir dir("store_failed_save");
  const std::string path = dir.file("m.memnet");
  const StoredModel previous = make_model("m", small_config(), 5);
  {
    Database db(path);
    save_model(db, previous);
    save_model(db, make_model("other", small_config(), 6));
    // Make the fourth weight insert fail, after the old model's rows are gone and the new
    // model, its vocabulary and three of its weights are written.
    db.execute(
        "CREATE TEMP TRIGGER fail_midway BEFORE INSERT ON weights WHEN NEW.name = 'C3' "
        "BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    SUBCASE("replacing a model") {
      CHECK_THROWS_WITH_AS(save_model(db, make_model("m", small_config(), 7)),
                           doctest::Contains("injected failure"), StorageError);
    }
    SUBCASE("adding a new model") {
      CHECK_THROWS_WITH_AS(save_model(db, make_model("new", small_config(), 7)),
                           doctest::Contains("injected failure"), StorageError);
    }
    CHECK(list_models(db) == std::vector<std::string>{"m", "other"});
    check_same_model(load_model(db, "m").value(), previous);
  }
  Database reopened(path, Database::Mode::kReadOnly);
  CHECK(list_models(reopened) == std::vector<std::string>{"m", "other"});
  check_same_model(load_model(reopened, "m").value(), previous);
  CHECK(count_rows(reopened, "vocabulary") == 2 * 7);
}

TEST_CASE("a model saved to a file loads after the file is closed and reopened") {
  TempDir dir("store_reopen");
  const std::string path = dir.file("m.memnet");
  ModelConfig config = small_config();
  config.vocab_size = 40;
  config.dim = 20;
  config.memory_size = 50;
  const StoredModel model = make_model("default", config, 11);
  {
    Database db(path);
    save_model(db, model);
  }
  SUBCASE("read-write") {
    Database db(path);
    check_same_model(load_model(db, "default").value(), model);
  }
  SUBCASE("read-only") {
    Database db(path, Database::Mode::kReadOnly);
    check_same_model(load_only_model(db).value(), model);
  }
}

TEST_CASE("damaged rows are reported as StorageError naming the file and the model") {
  Database db(":memory:");
  save_model(db, make_model("m", small_config()));
  std::string damage;
  std::string message;
  SUBCASE("a truncated BLOB") {
    damage = "UPDATE weights SET data = substr(data, 1, 3) WHERE name = 'C1'";
    message = "weight 'C1' has 3 bytes of data; 5 x 7 f32le needs 140";
  }
  SUBCASE("an unknown dtype") {
    damage = "UPDATE weights SET dtype = 'f16le' WHERE name = 'TA1'";
    message = "weight 'TA1' has dtype 'f16le'; this memnet reads 'f32le'";
  }
  SUBCASE("a shape that disagrees with the config") {
    damage = "UPDATE weights SET rows = 7, cols = 5 WHERE name = 'A1'";
    message = "weight 'A1' is 7 x 5, expected 5 x 7";
  }
  SUBCASE("a missing weight") {
    damage = "DELETE FROM weights WHERE name = 'TC3'";
    message = "7 weight matrices, but the config implies 8 (A1, C1, C2, C3, TA1, TC1, TC2, TC3)";
  }
  SUBCASE("a missing word") {
    damage = "DELETE FROM vocabulary WHERE word_id = 3";
    message = "vocabulary word_id 4 follows 3 words; ids must be 0, 1, ...";
  }
  SUBCASE("an unknown encoding") {
    damage = "UPDATE models SET encoding = 'fancy'";
    message = "unknown position encoding 'fancy' (expected paper, reference, local or none)";
  }
  SUBCASE("a seed that is not a number") {
    damage = "UPDATE training SET seed = '-1'";
    message = "training.seed '-1' is not an unsigned 64-bit number";
  }
  SUBCASE("no training row") {
    damage = "DELETE FROM training";
    message = "it has no training row";
  }
  db.execute(damage);
  CHECK_THROWS_WITH_AS(load_model(db, "m"), (":memory:: model 'm' is damaged: " + message).c_str(),
                       StorageError);
}

}  // namespace memnet::storage
