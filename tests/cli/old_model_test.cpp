// A file written before schema 3 (tests/data/schema2/README.md) loads, migrates, and answers
// exactly as the build that wrote it did: the same eval predictions and the same stored-story
// answer, float for float, through the real binary.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "storage/database.h"
#include "storage/memory_store.h"
#include "storage/model_store.h"
#include "storage/schema.h"
#include "tests/run_memnet.h"
#include "tests/test_data.h"

namespace {

using memnet::testing::Run;
using memnet::testing::run_memnet;

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::filesystem::path kFixture =
    std::filesystem::path(MEMNET_SOURCE_DIR) / "tests/data/schema2";

}  // namespace

TEST_CASE("old files: a schema 2 file migrates to the current schema with the paper's model") {
  const auto dir = memnet::testing::temp_dir("schema2_migrate");
  const auto db_path = dir / "old.db";
  std::filesystem::copy_file(kFixture / "schema2.db", db_path);
  memnet::storage::Database db(db_path.string());
  CHECK(db.schema_version() == memnet::storage::kSchemaVersion);
  for (const char* name : {"task1", "task2"}) {
    const auto m = memnet::storage::load_model(db, name);
    REQUIRE_MESSAGE(m.has_value(), name);
    CHECK(m->config.attention == memnet::engine::Attention::kDot);
    CHECK_FALSE(m->config.gated);
    CHECK(m->config.relu_units == 0);
    CHECK(m->config.self_attention_layers == 0);
    CHECK(m->config.members == 1);
    CHECK(m->config.ungated_members == 0);
    CHECK(memnet::engine::describe_extensions(m->config).empty());
  }
  CHECK(memnet::storage::load_model(db, "task2")->config.tying ==
        memnet::engine::Tying::kLayerwise);
  // Schema 4 added the questions of imported stories: an old story has none, and can get some.
  CHECK(memnet::storage::read_questions(db, 1).empty());
  CHECK(memnet::storage::add_questions(db, 1, {{0, 1, "Where is Mary?", "kitchen", {0}}}));
  CHECK(memnet::storage::read_questions(db, 1).size() == 1);
}

TEST_CASE("old files: eval and a stored story answer as the build that wrote the file did") {
  const auto dir = memnet::testing::temp_dir("schema2_answers");
  const auto db = (dir / "old.db").string();
  std::filesystem::copy_file(kFixture / "schema2.db", db);
  const auto preds = (dir / "preds.jsonl").string();
  Run e =
      run_memnet("eval --model " + db + " --data " + kFixture.string() + " --predictions " + preds);
  REQUIRE_MESSAGE(e.status == 0, e.out);
  CHECK(read(preds) == read(kFixture / "preds.jsonl"));

  Run a = run_memnet("ask --db " + db + " --story-id 1 -q 'Where is Mary?' --json", true);
  REQUIRE_MESSAGE(a.status == 0, a.out);
  // ask1.json is in the JSON form of that build (hops as arrays of {sentence, text, weight});
  // today's is the HTTP API's. The numbers must be the same float32 values.
  const nlohmann::json then = nlohmann::json::parse(read(kFixture / "ask1.json"));
  const nlohmann::json now = nlohmann::json::parse(a.out);
  const auto same = [](const nlohmann::json& x, const nlohmann::json& y) {
    return static_cast<float>(x.get<double>()) == static_cast<float>(y.get<double>());
  };
  CHECK(now["answer"] == then["answer"]);
  CHECK(same(now["probability"], then["probability"]));
  REQUIRE(now["alternatives"].size() == then["alternatives"].size());
  for (std::size_t i = 0; i < then["alternatives"].size(); ++i) {
    CHECK(now["alternatives"][i]["answer"] == then["alternatives"][i]["answer"]);
    CHECK(same(now["alternatives"][i]["probability"], then["alternatives"][i]["probability"]));
  }
  CHECK(now["memory"]["facts"] == then["sentences"]);
  CHECK(now["memory"]["first_seq"] == then["memory_first"]);
  REQUIRE(now["hops"].size() == then["hops"].size());
  for (std::size_t k = 0; k < then["hops"].size(); ++k) {
    const nlohmann::json& hop = now["hops"][k]["attention"];
    REQUIRE(hop.size() == then["hops"][k].size());
    CHECK(same(now["hops"][k]["empty_weight"], then["empty_weight"][k]));
    for (std::size_t i = 0; i < hop.size(); ++i) {
      CHECK(hop[i]["seq"] == then["hops"][k][i]["sentence"]);
      CHECK(hop[i]["text"] == then["hops"][k][i]["text"]);
      CHECK(same(hop[i]["weight"], then["hops"][k][i]["weight"]));
    }
  }
}

TEST_CASE("old files: schema 7 keeps every hop's stored embeddings in one row per fact") {
  const auto dir = memnet::testing::temp_dir("schema2_embeddings");
  const auto db_path = dir / "old.db";
  std::filesystem::copy_file(kFixture / "schema2.db", db_path);
  // What the old layout held (one row per hop), and one fact whose set is made partial.
  std::map<std::int64_t, std::pair<std::string, std::string>> before;  // fact -> hex m, c
  std::int64_t partial = 0;
  {
    SQLite::Database raw(db_path.string(), SQLite::OPEN_READWRITE);
    SQLite::Statement q(
        raw, "SELECT fact_id, hex(m), hex(c) FROM fact_embeddings ORDER BY fact_id, hop");
    while (q.executeStep()) {
      auto& [m, c] = before[q.getColumn(0).getInt64()];
      m += q.getColumn(1).getString();
      c += q.getColumn(2).getString();
    }
    REQUIRE(before.size() == 20);
    partial = before.begin()->first;  // in story 1, asked below
    raw.exec("DELETE FROM fact_embeddings WHERE hop = 2 AND fact_id = " + std::to_string(partial));
  }
  {
    memnet::storage::Database db(db_path.string());
    REQUIRE(db.schema_version() == memnet::storage::kSchemaVersion);
    std::size_t rows = 0;
    db.with_statement("SELECT fact_id, hex(m), hex(c), length(m) FROM fact_embeddings",
                      [&](SQLite::Statement& s) {
                        while (s.executeStep()) {
                          ++rows;
                          const std::int64_t fact = s.getColumn(0).getInt64();
                          CHECK(fact != partial);
                          CHECK(s.getColumn(1).getString() == before[fact].first);
                          CHECK(s.getColumn(2).getString() == before[fact].second);
                          CHECK(s.getColumn(3).getInt() == 3 * 20 * 4);  // K = 3, d = 20
                        }
                      });
    CHECK(rows == 19);  // the partial set was dropped
  }
  // The fact without embeddings is embedded again when asked, and the answer is unchanged.
  Run a =
      run_memnet("ask --db " + db_path.string() + " --story-id 1 -q 'Where is Mary?' --json", true);
  REQUIRE_MESSAGE(a.status == 0, a.out);
  const nlohmann::json then = nlohmann::json::parse(read(kFixture / "ask1.json"));
  const nlohmann::json now = nlohmann::json::parse(a.out);
  CHECK(now["answer"] == then["answer"]);
  CHECK(static_cast<float>(now["probability"].get<double>()) ==
        static_cast<float>(then["probability"].get<double>()));
  memnet::storage::Database db(db_path.string());
  const int restored = db.with_statement(
      "SELECT count(*) FROM fact_embeddings WHERE fact_id = " + std::to_string(partial),
      [](SQLite::Statement& s) {
        s.executeStep();
        return s.getColumn(0).getInt();
      });
  CHECK(restored == 1);
}
