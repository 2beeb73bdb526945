#include "storage/memory_store.h"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>

#include "storage/model_store.h"
#include "storage/schema.h"
#include "tests/model_fixture.h"
#include "tests/test_data.h"

namespace memnet::storage {
namespace {

engine::FactEmbedding fake_embedding(int hops, int dim, float base) {
  engine::FactEmbedding e;
  for (int k = 0; k < hops; ++k) {
    e.m.push_back(engine::Vector::Constant(dim, base + static_cast<float>(k)));
    e.c.push_back(engine::Vector::Constant(dim, -base - static_cast<float>(k)));
  }
  return e;
}

std::string db_path(const std::string& tag) {
  return (memnet::testing::temp_dir(tag) / "memnet.db").string();
}

}  // namespace

TEST_CASE("memory store: facts append in order and the window reads the most recent first") {
  const std::string path = db_path("memstore");
  memnet::testing::save_fixture_model(path, "m", 1, 2, 4);
  Database db(path);
  const ModelRef ref = *find_model_ref(db, "m");
  const std::int64_t id = create_story(db, "kitchen story", "m");
  const auto story = find_story(db, id);
  REQUIRE(story);
  CHECK(story->name == "kitchen story");
  CHECK(story->model == "m");
  CHECK(story->facts == 0);

  std::vector<NewFact> facts;
  for (int i = 0; i < 5; ++i) {
    facts.push_back({fmt::format("fact {}", i),
                     {"fact", std::to_string(i)},
                     i == 3 ? engine::FactEmbedding{} : fake_embedding(2, 4, float(i))});
  }
  const auto added = append_facts(db, id, ref, facts);
  REQUIRE(added);
  REQUIRE(added->size() == 5);
  for (int i = 0; i < 5; ++i) CHECK((*added)[size_t(i)].seq == i);
  const std::int64_t version = *story_version(db, id, ref);
  CHECK(version == find_story(db, id)->version);

  const auto window = read_window(db, id, ref, 2, 4, 3);
  REQUIRE(window);
  CHECK(window->story.facts == 5);
  REQUIRE(window->facts.size() == 3);
  CHECK(window->facts[0].fact.text == "fact 4");
  CHECK(window->facts[2].fact.text == "fact 2");
  CHECK(window->facts[0].fact.tokens == std::vector<std::string>{"fact", "4"});
  REQUIRE(window->facts[0].embedding);
  CHECK(window->facts[0].embedding->m[1](0) == 5.0f);  // base 4 + hop index 1
  CHECK(window->facts[0].embedding->c[0](3) == -4.0f);
  CHECK_FALSE(window->facts[1].embedding);  // fact 3 was stored without one

  // Embedding it later fills the gap; the version stays (the facts did not change).
  store_embeddings(db, ref, {{window->facts[1].fact.id, fake_embedding(2, 4, 30)}});
  const auto again = read_window(db, id, ref, 2, 4, 3);
  REQUIRE(again->facts[1].embedding);
  CHECK(again->facts[1].embedding->m[0](0) == 30.0f);
  CHECK(*story_version(db, id, ref) == version);

  append_facts(db, id, ref, {{"later", {"later"}, fake_embedding(2, 4, 9)}});
  CHECK(*story_version(db, id, ref) != version);
  CHECK(read_facts(db, id, 4, 10).size() == 2);
  CHECK(read_facts(db, id, 0, 2).back().text == "fact 1");
}

TEST_CASE("memory store: unknown stories, deletes, and ids that are never reused") {
  const std::string path = db_path("memstore_delete");
  memnet::testing::save_fixture_model(path, "m", 1, 2, 4);
  Database db(path);
  const ModelRef ref = *find_model_ref(db, "m");
  CHECK_FALSE(find_story(db, 99));
  CHECK_FALSE(append_facts(db, 99, ref, {{"x", {"x"}, {}}}));
  CHECK_FALSE(read_window(db, 99, ref, 2, 4, 3));
  CHECK_FALSE(story_version(db, 99, ref));
  CHECK_FALSE(delete_story(db, 99));

  const std::int64_t a = create_story(db, "", "");
  append_facts(db, a, ref, {{"x", {"x"}, fake_embedding(2, 4, 1)}});
  CHECK(find_story(db, a)->model.empty());
  CHECK(delete_story(db, a));
  CHECK_FALSE(find_story(db, a));
  // The facts and their embeddings went with the story.
  const int left = db.with_statement(
      "SELECT (SELECT count(*) FROM facts) + "
      "(SELECT count(*) FROM fact_embeddings)",
      [](SQLite::Statement& s) {
        s.executeStep();
        return s.getColumn(0).getInt();
      });
  CHECK(left == 0);
  const std::int64_t b = create_story(db, "", "");
  CHECK(b > a);  // a deleted story's id never names another story
  CHECK(list_stories(db).size() == 1);
}

TEST_CASE("memory store: replacing a model drops its embeddings and is detected") {
  const std::string path = db_path("memstore_replace");
  memnet::testing::save_fixture_model(path, "m", 1, 2, 4);
  Database db(path);
  const ModelRef old_ref = *find_model_ref(db, "m");
  const std::int64_t id = create_story(db, "", "m");
  append_facts(db, id, old_ref, {{"x", {"x"}, fake_embedding(2, 4, 1)}});

  // Another process retrains "m" (same name; SQLite may even reuse the row id).
  memnet::testing::save_fixture_model(path, "m", 2, 2, 4);
  CHECK(find_model_ref(db, "m")->generation != old_ref.generation);
  try {
    story_version(db, id, old_ref);
    FAIL("expected StorageError");
  } catch (const StorageError& e) {
    CHECK(e.kind() == StorageErrorKind::kModelChanged);
  }
  CHECK_THROWS_AS(append_facts(db, id, old_ref, {{"y", {"y"}, {}}}), StorageError);
  CHECK(find_story(db, id)->facts == 1);  // the refused append stored nothing

  const int embeddings =
      db.with_statement("SELECT count(*) FROM fact_embeddings", [](SQLite::Statement& s) {
        s.executeStep();
        return s.getColumn(0).getInt();
      });
  CHECK(embeddings == 0);
  CHECK(find_story(db, id)->model == "m");  // the name outlives the model
}

TEST_CASE("memory store: a schema-1 file (models only) is upgraded and keeps its models") {
  const std::string path = db_path("memstore_migrate");
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec(std::string(kMigrations[0]));
    raw.exec("PRAGMA user_version = 1");
  }
  {
    Database read_only(path, Database::Mode::kReadOnly);  // reads, never migrates
    CHECK(read_only.schema_version() == 1);
    CHECK(list_models(read_only).empty());
  }
  Database db(path);
  CHECK(db.schema_version() == kSchemaVersion);
  CHECK(create_story(db, "after upgrade", "") > 0);
}

TEST_CASE("memory store: a truncated embedding BLOB is an error naming the fact") {
  const std::string path = db_path("memstore_corrupt");
  memnet::testing::save_fixture_model(path, "m", 1, 2, 4);
  Database db(path);
  const ModelRef ref = *find_model_ref(db, "m");
  const std::int64_t id = create_story(db, "", "m");
  const auto added = append_facts(db, id, ref, {{"x", {"x"}, fake_embedding(2, 4, 1)}});
  db.execute("UPDATE fact_embeddings SET m = x'0000'");
  try {
    read_window(db, id, ref, 2, 4, 3);
    FAIL("expected StorageError");
  } catch (const StorageError& e) {
    CHECK(std::string(e.what()).find(fmt::format("fact {}", (*added)[0].id)) != std::string::npos);
  }
}

}  // namespace memnet::storage
