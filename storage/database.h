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

// What went wrong, for callers that answer differently (server/routes.cpp maps kBusy to 503,
// kFull to 507) without knowing SQLite's codes.
enum class StorageErrorKind {
  kOther,         // any other SQLite failure, or stored content that does not make sense
  kBusy,          // another connection held the write lock past the busy timeout; retry
  kFull,          // the disk (or the file's page limit) is full; nothing was written; retry
  kReadOnly,      // the file, its folder or the file system cannot be written
  kCannotOpen,    // the file or its folder does not exist or cannot be opened
  kNotMemnet,     // not a memnet file: not SQLite, another program's tables, or corrupted
  kNewerSchema,   // written by a newer memnet
  kModelChanged,  // the model was replaced or deleted in the file after it was loaded
  kAmbiguous,     // the file holds several models and the caller named none
  kLimit,         // a limit the caller set (create_story's max_stories) was reached
};

// Every failure of storage/ that is not a caller's mistake: a SQLite error (the message
// names the file, the SQL and sqlite3_errmsg), a file that is not a memnet database, a newer
// schema, or stored content that does not make sense. The message is for the operator: it
// holds file paths and SQL, so a server logs it and does not send it to clients.
class StorageError : public std::runtime_error {
 public:
  explicit StorageError(const std::string& message,
                        StorageErrorKind kind = StorageErrorKind::kOther, int sqlite_code = 0)
      : std::runtime_error(message), kind_(kind), sqlite_code_(sqlite_code) {}
  StorageErrorKind kind() const { return kind_; }
  // SQLite's extended result code (e.g. SQLITE_BUSY), or 0 when SQLite reported nothing.
  int sqlite_code() const { return sqlite_code_; }

 private:
  StorageErrorKind kind_;
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
  // Runs one statement that returns no rows, prepared once per connection (BEGIN, COMMIT:
  // run for every transaction). Throws StorageError.
  void execute_cached(std::string_view sql);

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
  // reset and its bindings cleared after each use (fn must bind every parameter). Clearing
  // matters: a blob bound with bindNoCopy points at the caller's buffer, which may be freed
  // before the statement is used again. For the hot queries of a long-lived connection.
  template <typename Fn>
  decltype(auto) with_cached_statement(std::string_view sql, Fn&& fn) {
    try {
      auto it = statements_.find(sql);  // no std::string made on the hot path
      if (it == statements_.end()) {
        const std::string text(sql);
        it = statements_.emplace(text, std::make_unique<SQLite::Statement>(*db_, text)).first;
      }
      auto& slot = it->second;
      struct Reset {
        SQLite::Statement& s;
        ~Reset() {
          s.tryReset();
          try {
            s.clearBindings();  // sqlite3_clear_bindings cannot fail; SQLiteCpp checks anyway
          } catch (const SQLite::Exception&) {
          }
        }
      } reset{*slot};
      return fn(*slot);
    } catch (const SQLite::Exception& e) {
      raise(sql, e);
    }
  }

 private:
  [[noreturn]] void raise(std::string_view sql, const SQLite::Exception& e) const;
  int query_int(const std::string& sql) const;  // first column of the first row
  void configure();
  void migrate();

  std::string path_;
  Mode mode_;
  std::unique_ptr<SQLite::Database> db_;
  // Declared after db_: statements are finalized before the connection closes.
  // Looked up by string_view (heterogeneous lookup), so a literal costs no allocation.
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const noexcept {
      return std::hash<std::string_view>{}(sql);
    }
  };
  std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>, SqlHash, std::equal_to<>>
      statements_;
};

// A transaction that rolls back unless commit() is called. kWrite is BEGIN IMMEDIATE (takes
// the write lock at once, so a busy file fails at the start, not halfway); kRead is a plain
// BEGIN, which gives a consistent snapshot for several SELECTs. Opened inside another
// transaction on the same connection it is a savepoint (either kind).
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
  // Opened inside another transaction: a savepoint, whose commit becomes part of the outer
  // transaction and whose rollback undoes only its own writes.
  bool nested_ = false;
  bool open_ = true;
};

}  // namespace memnet::storage
