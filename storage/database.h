// storage/database.h
//
// One memnet file: a SQLite database (layout in docs/storage-format.md, schema in
// storage/schema.h). Opening a file sets the connection up (foreign keys on, WAL journal,
// synchronous=FULL, 5 s busy timeout) and brings its schema up to kSchemaVersion.
//
// Every SQL statement in storage/ runs through Database::execute or Database::with_statement,
// the one place where SQLite errors become StorageError.
//
// Threading: a Database is one SQLite connection; use it from one thread at a time. Several
// connections (threads or processes) may open the same file: readers never block, and a
// writer waits up to the busy timeout for another writer.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace memnet::storage {

// Every failure of storage/ that is not a caller's mistake: a SQLite error (the message
// names the file, the SQL and sqlite3_errmsg), a file that is not a memnet database, a newer
// schema, or stored content that does not make sense.
class StorageError : public std::runtime_error {
 public:
  explicit StorageError(const std::string& message, int sqlite_code = 0)
      : std::runtime_error(message), sqlite_code_(sqlite_code) {}
  // SQLite's extended result code (e.g. SQLITE_BUSY), or 0 when SQLite reported nothing.
  int sqlite_code() const { return sqlite_code_; }

 private:
  int sqlite_code_;
};

class Database {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  // Opens `path`, creating it in kReadWrite mode; ":memory:" gives a private in-memory
  // database. Applies pending migrations (kReadWrite only). Throws StorageError when the file
  // cannot be opened, is not a memnet database ("PATH is not a memnet database: ..."), has a
  // newer schema ("PATH: this memnet reads schema <= N; the file is M"), or is empty in
  // kReadOnly mode. kReadOnly never migrates: an older file reads as the tables it has.
  explicit Database(const std::string& path, Mode mode = Mode::kReadWrite);

  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;
  ~Database() = default;

  const std::string& path() const { return path_; }
  Mode mode() const { return mode_; }
  // PRAGMA user_version; kSchemaVersion once the constructor returns.
  int schema_version() const;

  // The raw connection, for storage/*.cpp and storage tests only.
  SQLite::Database& handle() { return *db_; }

  // Runs one or more statements that return no rows. Throws StorageError.
  void execute(const std::string& sql);

  // Prepares `sql` and returns fn(statement); SQLite errors raised while preparing, binding
  // or stepping become StorageError. Other exceptions from fn pass through unchanged.
  template <typename Fn>
  decltype(auto) with_statement(const std::string& sql, Fn&& fn) {
    try {
      SQLite::Statement statement(*db_, sql);
      return fn(statement);
    } catch (const SQLite::Exception& e) {
      raise(sql, e);
    }
  }

  // As with_statement, but the prepared statement is kept for the connection's lifetime and
  // reset after each use (bindings stay: fn must bind every parameter). For the hot queries of
  // a long-lived connection.
  template <typename Fn>
  decltype(auto) with_cached_statement(const std::string& sql, Fn&& fn) {
    try {
      auto& slot = statements_[sql];
      if (!slot) slot = std::make_unique<SQLite::Statement>(*db_, sql);
      struct Reset {
        SQLite::Statement& s;
        ~Reset() { s.tryReset(); }
      } reset{*slot};
      return fn(*slot);
    } catch (const SQLite::Exception& e) {
      raise(sql, e);
    }
  }

 private:
  [[noreturn]] void raise(const std::string& sql, const SQLite::Exception& e) const;
  int query_int(const std::string& sql) const;  // first column of the first row
  void configure();
  void migrate();

  std::string path_;
  Mode mode_;
  std::unique_ptr<SQLite::Database> db_;
  // Declared after db_: statements are finalized before the connection closes.
  std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>> statements_;
};

// A transaction that rolls back unless commit() is called. kWrite is BEGIN IMMEDIATE (takes
// the write lock at once, so a busy file fails at the start, not halfway); kRead is a plain
// BEGIN, which gives a consistent snapshot for several SELECTs. Not nestable.
class Transaction {
 public:
  enum class Kind { kWrite, kRead };

  explicit Transaction(Database& db, Kind kind = Kind::kWrite);
  ~Transaction();  // ROLLBACK if still open; never throws
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit();  // throws StorageError; the transaction is over either way

 private:
  Database& db_;
  bool open_ = true;
};

}  // namespace memnet::storage
