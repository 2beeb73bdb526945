#include "storage/dialog_store.h"

#include "storage/memory_store.h"
#include "storage/utc_time.h"

namespace memnet::storage {

std::int64_t create_dialog(Database& db, const std::string& model, std::int64_t max_stories) {
  Transaction transaction(db);
  check_story_limit(db, max_stories);
  const std::int64_t id = db.with_statement(
      "INSERT INTO stories (name, model, created_at) VALUES ('dialog', ?, ?) RETURNING id",
      [&](SQLite::Statement& s) {
        s.bind(1, model);
        s.bind(2, utc_now());
        s.executeStep();
        const std::int64_t new_id = s.getColumn(0).getInt64();
        while (s.executeStep()) {
        }
        return new_id;
      });
  db.with_statement("INSERT INTO dialogs (story_id) VALUES (?)", [&](SQLite::Statement& s) {
    s.bind(1, id);
    s.exec();
  });
  transaction.commit();
  return id;
}

bool is_dialog(Database& db, std::int64_t id) {
  return db.with_cached_statement("SELECT 1 FROM dialogs WHERE story_id = ?",
                                  [&](SQLite::Statement& s) {
                                    s.bind(1, id);
                                    return s.executeStep();
                                  });
}

}  // namespace memnet::storage
