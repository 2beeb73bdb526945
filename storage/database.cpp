#include "storage/database.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <cctype>
#include <cerrno>

#include "storage/schema.h"

namespace memnet::storage {
namespace {

constexpr int kBusyTimeoutMs = 5000;
constexpr std::size_t kMaxSqlInMessage = 160;

// The SQL as one line, shortened: migration scripts are long.
std::string sql_for_message(std::string_view sql) {
  std::string out;
  bool space = false;
  for (char ch : sql) {
    if (std::isspace(static_cast<unsigned char>(ch))) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += ch;
    if (out.size() >= kMaxSqlInMessage) {
      out += " ...";
      break;
    }
  }
  return out;
}

}  // namespace

Database::Database(const std::string& path, Mode mode) : path_(path), mode_(mode) {
  const int flags = mode == Mode::kReadOnly ? SQLite::OPEN_READONLY
                                            : SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE;
  try {
    db_ = std::make_unique<SQLite::Database>(path, flags, kBusyTimeoutMs);
  } catch (const SQLite::Exception& e) {
    raise("", e);
  }
  configure();
  migrate();
}

namespace {

StorageErrorKind kind_of(int sqlite_code) {
  switch (sqlite_code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return StorageErrorKind::kBusy;
    case SQLITE_FULL:
      return StorageErrorKind::kFull;
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return StorageErrorKind::kReadOnly;
    case SQLITE_CANTOPEN:
      return StorageErrorKind::kCannotOpen;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return StorageErrorKind::kNotMemnet;
    default:
      return StorageErrorKind::kOther;
  }
}

}  // namespace

void Database::raise(std::string_view sql, const SQLite::Exception& e) const {
  // SQLiteCpp's own errors (misuse, a bad column index) carry -1 rather than a SQLite code.
  const int code = e.getErrorCode() > 0 ? e.getExtendedErrorCode() : 0;
  StorageErrorKind kind = kind_of(code);
  // A log or shared-memory file that cannot be created or grown on a full disk is an I/O
  // error to SQLite; the errno behind it says what it is.
  if ((code & 0xff) == SQLITE_IOERR && db_ && sqlite3_system_errno(db_->getHandle()) == ENOSPC) {
    kind = StorageErrorKind::kFull;
    const std::string what = fmt::format("{} (the disk is full)", e.what());
    if (sql.empty()) throw StorageError(fmt::format("{}: {}", path_, what), kind, code);
    throw StorageError(fmt::format("{}: {} [SQL: {}]", path_, what, sql_for_message(sql)), kind,
                       code);
  }
  if (e.getErrorCode() == SQLITE_NOTADB) {
    throw StorageError(fmt::format("{} is not a memnet database: {}", path_, e.what()), kind, code);
  }
  if (sql.empty()) throw StorageError(fmt::format("{}: {}", path_, e.what()), kind, code);
  throw StorageError(fmt::format("{}: {} [SQL: {}]", path_, e.what(), sql_for_message(sql)), kind,
                     code);
}

void Database::execute(const std::string& sql) {
  try {
    db_->exec(sql);
  } catch (const SQLite::Exception& e) {
    raise(sql, e);
  }
}

int Database::query_int(const std::string& sql) const {
  try {
    SQLite::Statement statement(*db_, sql);
    if (!statement.executeStep()) {
      throw StorageError(fmt::format("{}: no row from [SQL: {}]", path_, sql));
    }
    return statement.getColumn(0).getInt();
  } catch (const SQLite::Exception& e) {
    raise(sql, e);
  }
}

int Database::schema_version() const { return query_int("PRAGMA user_version"); }

void Database::configure() {
  execute("PRAGMA foreign_keys = ON");
  // Savepoints (a Transaction inside another) keep their undo journal in memory rather than
  // in a temporary file: a quarter of `memnet import`'s time went into writing it.
  execute("PRAGMA temp_store = MEMORY");
  if (mode_ == Mode::kReadWrite) {
    // Persistent in the file; an in-memory database answers "memory" and stays so.
    execute("PRAGMA journal_mode = WAL");
  }
  execute("PRAGMA synchronous = FULL");
}

void Database::migrate() {
  const int application_id = query_int("PRAGMA application_id");
  const int version = query_int("PRAGMA user_version");
  if (version == 0 && application_id == 0) {
    if (query_int("SELECT count(*) FROM sqlite_schema") > 0) {
      throw StorageError(
          fmt::format("{} is not a memnet database: it is a SQLite database with other tables",
                      path_),
          StorageErrorKind::kNotMemnet);
    }
  } else if (application_id != kApplicationId) {
    throw StorageError(
        fmt::format(
            "{} is not a memnet database: its application_id is {:#010x}, memnet's is {:#010x}",
            path_, static_cast<std::uint32_t>(application_id),
            static_cast<std::uint32_t>(kApplicationId)),
        StorageErrorKind::kNotMemnet);
  }
  if (version > kSchemaVersion) {
    throw StorageError(fmt::format("{}: this memnet reads schema <= {}; the file is {}", path_,
                                   kSchemaVersion, version),
                       StorageErrorKind::kNewerSchema);
  }
  if (version == kSchemaVersion) return;
  if (mode_ == Mode::kReadOnly) {
    // An older file still answers reads of the tables it has (a schema-1 file has models and
    // no stories); only an empty one cannot be read at all.
    if (version >= 1) return;
    throw StorageError(fmt::format(
        "{}: the file is schema {} and this memnet needs {}; open it read-write once to {}", path_,
        version, kSchemaVersion, version == 0 ? "create it" : "upgrade it"));
  }
  for (;;) {
    Transaction transaction(*this);
    // Read again under the write lock: another connection may have migrated meanwhile.
    const int current = schema_version();
    if (current >= kSchemaVersion) return;
    execute(std::string(kMigrations[static_cast<std::size_t>(current)]));
    execute(fmt::format("PRAGMA user_version = {}", current + 1));
    transaction.commit();
  }
}

void Database::execute_cached(std::string_view sql) {
  with_cached_statement(sql, [](SQLite::Statement& s) { s.exec(); });
}

Transaction::Transaction(Database& db, Kind kind)
    : db_(db), nested_(sqlite3_get_autocommit(db.handle().getHandle()) == 0) {
  if (nested_) {
    db_.execute_cached("SAVEPOINT memnet_nested");
  } else {
    db_.execute_cached(kind == Kind::kWrite ? "BEGIN IMMEDIATE" : "BEGIN");
  }
}

Transaction::~Transaction() {
  if (!open_) return;
  // SQLite rolls back by itself after some errors (SQLITE_FULL, SQLITE_IOERR, ...).
  if (sqlite3_get_autocommit(db_.handle().getHandle()) != 0) return;
  try {
    if (nested_) {
      db_.execute_cached("ROLLBACK TO memnet_nested");
      db_.execute_cached("RELEASE memnet_nested");
    } else {
      db_.execute_cached("ROLLBACK");
    }
  } catch (const StorageError&) {
    // Nothing more to do: the connection closes the transaction when it closes.
  }
}

void Transaction::commit() {
  db_.execute_cached(nested_ ? "RELEASE memnet_nested" : "COMMIT");  // on failure the destructor
  open_ = false;                                                     // rolls back
}

}  // namespace memnet::storage
