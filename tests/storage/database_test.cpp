#include "storage/database.h"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "storage/schema.h"
#include "tests/test_data.h"

namespace memnet::storage {
namespace {

// A fresh folder that is removed with everything in it when the test ends.
struct TempDir {
  explicit TempDir(const std::string& tag) : path(memnet::testing::temp_dir(tag)) {}
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
  std::filesystem::path path;
};

std::string text_of(Database& db, const std::string& sql) {
  return db.with_statement(sql, [](SQLite::Statement& s) {
    REQUIRE(s.executeStep());
    return s.getColumn(0).getString();
  });
}

long long number_of(Database& db, const std::string& sql) {
  return db.with_statement(sql, [](SQLite::Statement& s) {
    REQUIRE(s.executeStep());
    return static_cast<long long>(s.getColumn(0).getInt64());
  });
}

}  // namespace

TEST_CASE("Database: a new in-memory database is at the current schema version") {
  Database db(":memory:");
  CHECK(db.path() == ":memory:");
  CHECK(db.schema_version() == kSchemaVersion);
  CHECK(number_of(db, "PRAGMA application_id") == kApplicationId);
  for (const char* table : {"models", "vocabulary", "weights", "training", "epochs"}) {
    CAPTURE(table);
    CHECK(number_of(db, fmt::format("SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
                                    "AND name = '{}'",
                                    table)) == 1);
  }
}

TEST_CASE("Database: the application_id constant spells MNET") {
  CHECK(kApplicationId == ('M' << 24 | 'N' << 16 | 'E' << 8 | 'T'));
}

TEST_CASE(
    "Database: a file is opened with foreign keys, WAL, synchronous=FULL and a busy timeout") {
  TempDir dir("db_pragmas");
  Database db(dir.file("m.memnet"));
  CHECK(number_of(db, "PRAGMA foreign_keys") == 1);
  CHECK(text_of(db, "PRAGMA journal_mode") == "wal");
  CHECK(number_of(db, "PRAGMA synchronous") == 2);  // FULL
  CHECK(number_of(db, "PRAGMA busy_timeout") == 5000);
}

TEST_CASE("Database: a file keeps its schema and data when closed and reopened") {
  TempDir dir("db_reopen");
  const std::string path = dir.file("m.memnet");
  {
    Database db(path);
    db.execute(
        "INSERT INTO models (name, created_at, hops, dim, memory_size, vocab_size, "
        "sentence_length, encoding, temporal, tying, padded_memory) "
        "VALUES ('kept', 'now', 1, 1, 1, 1, 0, 'paper', 0, 'adjacent', 0)");
  }
  SUBCASE("read-write") {
    Database db(path);
    CHECK(db.schema_version() == kSchemaVersion);
    CHECK(text_of(db, "SELECT name FROM models") == "kept");
  }
  SUBCASE("read-only") {
    Database db(path, Database::Mode::kReadOnly);
    CHECK(db.mode() == Database::Mode::kReadOnly);
    CHECK(db.schema_version() == kSchemaVersion);
    CHECK(text_of(db, "SELECT name FROM models") == "kept");
  }
}

TEST_CASE("Database: a file with a newer schema is refused with both version numbers") {
  TempDir dir("db_newer");
  const std::string path = dir.file("m.memnet");
  {
    Database db(path);
    db.execute(fmt::format("PRAGMA user_version = {}", kSchemaVersion + 1));
  }
  const std::string expected = fmt::format("{}: this memnet reads schema <= {}; the file is {}",
                                           path, kSchemaVersion, kSchemaVersion + 1);
  CHECK_THROWS_WITH_AS(Database{path}, expected.c_str(), StorageError);
  CHECK_THROWS_WITH_AS((Database{path, Database::Mode::kReadOnly}), expected.c_str(), StorageError);
}

TEST_CASE("Database: a file that is not SQLite is refused as not a memnet database") {
  TempDir dir("db_garbage");
  const std::string path = dir.file("garbage.memnet");
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 512; ++i) out << "this is not a database ";
  }
  const std::string expected = path + " is not a memnet database: file is not a database";
  CHECK_THROWS_WITH_AS(Database{path}, expected.c_str(), StorageError);
  CHECK_THROWS_WITH_AS((Database{path, Database::Mode::kReadOnly}), expected.c_str(), StorageError);
  CHECK(std::filesystem::file_size(path) == 512 * std::string("this is not a database ").size());
}

TEST_CASE("Database: a SQLite file made by another program is refused and left alone") {
  TempDir dir("db_foreign");
  const std::string path = dir.file("other.db");
  SUBCASE("tables but no memnet version") {
    {
      SQLite::Database other(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      other.exec("CREATE TABLE notes (text TEXT)");
    }
    CHECK_THROWS_WITH_AS(
        Database{path},
        (path + " is not a memnet database: it is a SQLite database with other tables").c_str(),
        StorageError);
  }
  SUBCASE("another application_id") {
    {
      SQLite::Database other(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      other.exec("PRAGMA application_id = 42; PRAGMA user_version = 1");
    }
    CHECK_THROWS_WITH_AS(Database{path},
                         (path + " is not a memnet database: its application_id is 0x0000002a, "
                                 "memnet's is 0x4d4e4554")
                             .c_str(),
                         StorageError);
  }
  SQLite::Database other(path, SQLite::OPEN_READONLY);
  CHECK(other.execAndGet("PRAGMA user_version").getInt() <= 1);
  CHECK(other.execAndGet("SELECT count(*) FROM sqlite_schema WHERE name = 'models'").getInt() == 0);
}

TEST_CASE("Database: read-only mode cannot write") {
  TempDir dir("db_readonly");
  const std::string path = dir.file("m.memnet");
  { Database created(path); }
  Database db(path, Database::Mode::kReadOnly);
  CHECK_THROWS_WITH_AS(db.execute("CREATE TABLE extra (x INTEGER)"),
                       doctest::Contains("attempt to write a readonly database"), StorageError);
  Transaction transaction(db);
  CHECK_THROWS_WITH_AS(db.execute("PRAGMA user_version = 99"),
                       doctest::Contains("attempt to write a readonly database"), StorageError);
}

TEST_CASE("Database: read-only mode neither creates a missing file nor migrates an empty one") {
  TempDir dir("db_readonly_missing");
  const std::string missing = dir.file("missing.memnet");
  CHECK_THROWS_WITH_AS((Database{missing, Database::Mode::kReadOnly}),
                       (missing + ": unable to open database file").c_str(), StorageError);
  CHECK_FALSE(std::filesystem::exists(missing));

  const std::string empty = dir.file("empty.memnet");
  std::ofstream{empty};
  CHECK_THROWS_WITH_AS(
      (Database{empty, Database::Mode::kReadOnly}),
      fmt::format("{}: the file is schema 0 and this memnet needs {}; open it read-write once to "
                  "create it",
                  empty, kSchemaVersion)
          .c_str(),
      StorageError);
  CHECK(std::filesystem::file_size(empty) == 0);
}

TEST_CASE("Database: SQL errors name the file, the SQL and SQLite's message") {
  Database db(":memory:");
  StorageError caught("none");
  SUBCASE("execute") {
    CHECK_THROWS_AS(db.execute("SELECT * FROM nowhere"), StorageError);
    try {
      db.execute("SELECT * FROM nowhere");
    } catch (const StorageError& e) {
      caught = e;
    }
  }
  SUBCASE("with_statement") {
    try {
      db.with_statement("SELECT *\n    FROM nowhere", [](SQLite::Statement&) {});
    } catch (const StorageError& e) {
      caught = e;
    }
  }
  CHECK(std::string(caught.what()) ==
        ":memory:: no such table: nowhere [SQL: SELECT * FROM nowhere]");
  CHECK(caught.sqlite_code() == SQLITE_ERROR);
}

TEST_CASE("Database: with_statement passes the callback's result and its own exceptions through") {
  Database db(":memory:");
  CHECK(db.with_statement("SELECT 6 * 7", [](SQLite::Statement& s) {
    s.executeStep();
    return s.getColumn(0).getInt();
  }) == 42);
  CHECK_THROWS_AS(
      db.with_statement("SELECT 1",
                        [](SQLite::Statement&) -> int { throw std::logic_error("mine"); }),
      std::logic_error);
}

TEST_CASE("Transaction: rolls back unless committed") {
  Database db(":memory:");
  db.execute("CREATE TABLE t (x INTEGER)");
  {
    Transaction transaction(db);
    db.execute("INSERT INTO t VALUES (1)");
  }
  CHECK(number_of(db, "SELECT count(*) FROM t") == 0);
  {
    Transaction transaction(db);
    db.execute("INSERT INTO t VALUES (2)");
    transaction.commit();
  }
  CHECK(number_of(db, "SELECT sum(x) FROM t") == 2);
}

TEST_CASE("Transaction: a second writer fails at BEGIN when the lock stays taken") {
  TempDir dir("db_busy");
  const std::string path = dir.file("m.memnet");
  Database first(path);
  Database second(path);
  second.handle().setBusyTimeout(50);  // the default 5 s would only slow the test down
  Transaction holding(first);
  try {
    Transaction waiting(second);
    FAIL("the second BEGIN IMMEDIATE should have failed");
  } catch (const StorageError& e) {
    CHECK((e.sqlite_code() & 0xFF) == SQLITE_BUSY);
    CHECK(std::string(e.what()) == path + ": database is locked [SQL: BEGIN IMMEDIATE]");
  }
}

TEST_CASE("Transaction: committed writes are visible to another connection") {
  TempDir dir("db_visible");
  const std::string path = dir.file("m.memnet");
  Database writer(path);
  Database reader(path, Database::Mode::kReadOnly);
  writer.execute("CREATE TABLE t (x INTEGER)");
  Transaction transaction(writer);
  writer.execute("INSERT INTO t VALUES (7)");
  CHECK(number_of(reader, "SELECT count(*) FROM t") == 0);
  transaction.commit();
  CHECK(number_of(reader, "SELECT x FROM t") == 7);
}

}  // namespace memnet::storage
