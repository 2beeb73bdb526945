#include "storage/memory_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <tuple>

#include "storage/f32le.h"
#include "storage/utc_time.h"

namespace memnet::storage {
namespace {

using engine::FactEmbedding;
using engine::Vector;

// Tokens never hold whitespace (datasets::tokenize splits on it), so one space joins them.
std::string join_tokens(const std::vector<std::string>& tokens) {
  std::string out;
  for (const auto& t : tokens) {
    if (!out.empty()) out += ' ';
    out += t;
  }
  return out;
}

std::vector<std::string> split_tokens(const std::string& joined) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < joined.size()) {
    std::size_t end = joined.find(' ', start);
    if (end == std::string::npos) end = joined.size();
    if (end > start) out.push_back(joined.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

constexpr const char* kStoryColumns =
    "id, name, coalesce(model, ''), fact_count, version, created_at, selection";

StoryRecord read_story_row(SQLite::Statement& s) {
  StoryRecord r;
  r.id = s.getColumn(0).getInt64();
  r.name = s.getColumn(1).getString();
  r.model = s.getColumn(2).getString();
  r.facts = s.getColumn(3).getInt64();
  r.version = s.getColumn(4).getInt64();
  r.created_at = s.getColumn(5).getString();
  r.selection = s.getColumn(6).getString();
  return r;
}

[[noreturn]] void model_changed(const Database& db, const ModelRef& model) {
  throw StorageError(fmt::format("{}: the model of generation {} was replaced or deleted in the "
                                 "file after it was loaded; load it again",
                                 db.path(), model.generation),
                     StorageErrorKind::kModelChanged);
}

// Checks, inside the caller's transaction, that the model row is still the loaded one.
void check_model(Database& db, const ModelRef& model) {
  const bool same = db.with_cached_statement("SELECT 1 FROM model_generations WHERE id = ?",
                                             [&](SQLite::Statement& s) {
                                               s.bind(1, model.generation);
                                               return s.executeStep();
                                             });
  if (!same) model_changed(db, model);
}

// One BLOB of `count` vectors of `dim` float32 each, in order.
void read_vectors(const Database& db, const SQLite::Column& column, int count, int dim,
                  std::int64_t fact_id, const char* what, std::vector<Vector>& out) {
  const void* bytes = column.getBlob();  // before getBytes(), as sqlite3_column_bytes asks
  const int size = column.getBytes();
  if (size != count * dim * 4) {
    throw StorageError(
        fmt::format("{}: fact {} has {} embeddings of {} bytes; {} vectors of {} float32 need {}",
                    db.path(), fact_id, what, size, count, dim, count * dim * 4));
  }
  out.reserve(static_cast<std::size_t>(count));
  const auto* p = static_cast<const unsigned char*>(bytes);
  for (int k = 0; k < count; ++k) {
    Vector v(dim);
    read_f32le(p + static_cast<std::size_t>(k) * static_cast<std::size_t>(dim) * 4,
               static_cast<std::size_t>(dim), v.data());
    out.push_back(std::move(v));
  }
}

// The vectors one after another as little-endian float32 bytes, in `bytes`.
const void* vector_bytes(const std::vector<Vector>& vs, std::vector<std::uint32_t>& bytes) {
  std::size_t n = 0;
  for (const Vector& v : vs) n += static_cast<std::size_t>(v.size());
  bytes.resize(n);
  std::vector<std::uint32_t> swapped;
  std::size_t at = 0;
  for (const Vector& v : vs) {
    const auto size = static_cast<std::size_t>(v.size());
    if (size > 0) std::memcpy(&bytes[at], f32le_bytes(v.data(), size, swapped), size * 4);
    at += size;
  }
  return bytes.data();
}

// One row: every hop's key in m, every hop's value in c (docs/storage-format.md).
void insert_embedding(Database& db, std::int64_t fact_id, std::int64_t generation,
                      const FactEmbedding& e, bool or_ignore) {
  thread_local std::vector<std::uint32_t> buffer_m, buffer_c;
  vector_bytes(e.m, buffer_m);
  vector_bytes(e.c, buffer_c);
  db.with_cached_statement(
      or_ignore ? "INSERT OR IGNORE INTO fact_embeddings (fact_id, generation, m, c) "
                  "SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM facts WHERE id = ?1)"
                : "INSERT INTO fact_embeddings (fact_id, generation, m, c) VALUES (?1, ?2, ?3, ?4)",
      [&](SQLite::Statement& s) {
        s.bind(1, fact_id);
        s.bind(2, generation);
        s.bindNoCopy(3, buffer_m.data(), static_cast<int>(buffer_m.size() * 4));
        s.bindNoCopy(4, buffer_c.data(), static_cast<int>(buffer_c.size() * 4));
        s.exec();
      });
}

// One row of a window query (fact columns, then m and c of its embedding or NULLs), one
// per fact. `vectors` is the number of key (and value) vectors an embedding holds.
void read_window_row(const Database& db, SQLite::Statement& s, int vectors, int dim,
                     std::vector<WindowFact>& facts) {
  WindowFact w;
  w.fact.id = s.getColumn(0).getInt64();
  w.fact.seq = s.getColumn(1).getInt64();
  w.fact.text = s.getColumn(2).getString();
  w.fact.tokens = split_tokens(s.getColumn(3).getString());
  w.fact.created_at = s.getColumn(4).getString();
  if (!s.getColumn(5).isNull()) {  // else: no embedding for this model
    w.embedding.emplace();
    read_vectors(db, s.getColumn(5), vectors, dim, w.fact.id, "key", w.embedding->m);
    read_vectors(db, s.getColumn(6), vectors, dim, w.fact.id, "value", w.embedding->c);
  }
  facts.push_back(std::move(w));
}

// The facts' words into the word index, each word once per fact: sorted in the index's
// order, so each row lands beside the one before, and kWordRows rows per statement.
void insert_words(Database& db, std::int64_t story_id, const std::vector<FactRecord>& facts) {
  constexpr std::size_t kWordRows = 64;
  struct Row {
    const std::string* word;  // in `facts`
    std::int64_t seq;
    bool operator<(const Row& o) const { return std::tie(*word, seq) < std::tie(*o.word, o.seq); }
  };
  std::vector<Row> rows;
  for (const FactRecord& r : facts) {
    for (std::size_t t = 0; t < r.tokens.size(); ++t) {
      const std::string& word = r.tokens[t];
      if (std::find(r.tokens.begin(), r.tokens.begin() + static_cast<long>(t), word) ==
          r.tokens.begin() + static_cast<long>(t))
        rows.push_back({&word, r.seq});
    }
  }
  std::sort(rows.begin(), rows.end());
  for (std::size_t at = 0; at < rows.size(); at += kWordRows) {
    const std::size_t n = std::min(kWordRows, rows.size() - at);
    // (?1, ?2, ?3), (?1, ?4, ?5), ...: one statement text per row count, prepared once.
    thread_local std::vector<std::string> sql_by_rows(kWordRows + 1);
    std::string& sql = sql_by_rows[n];
    if (sql.empty()) {
      sql = "INSERT INTO fact_words (story_id, word, seq) VALUES ";
      for (std::size_t i = 0; i < n; ++i)
        sql += fmt::format("{}(?1, ?{}, ?{})", i ? ", " : "", 2 * i + 2, 2 * i + 3);
    }
    db.with_cached_statement(sql, [&](SQLite::Statement& s) {
      s.bind(1, story_id);
      for (std::size_t i = 0; i < n; ++i) {
        const auto& [word, seq] = rows[at + i];
        s.bindNoCopy(static_cast<int>(2 * i + 2), *word);
        s.bind(static_cast<int>(2 * i + 3), seq);
      }
      s.exec();
    });
  }
}

}  // namespace

std::optional<ModelRef> find_model_ref(Database& db, const std::string& name) {
  return db.with_statement(
      "SELECT g.id FROM models AS m JOIN model_generations AS g ON g.model_id = m.id "
      "WHERE m.name = ?",
      [&](SQLite::Statement& s) -> std::optional<ModelRef> {
        s.bind(1, name);
        if (!s.executeStep()) return std::nullopt;
        return ModelRef{s.getColumn(0).getInt64()};
      });
}

void check_story_limit(Database& db, std::int64_t max_stories) {
  if (max_stories <= 0) return;
  const std::int64_t n =
      db.with_cached_statement("SELECT count(*) FROM stories", [](SQLite::Statement& s) {
        s.executeStep();
        return s.getColumn(0).getInt64();
      });
  if (n >= max_stories) {
    throw StorageError(
        fmt::format("{} holds {} stories, the most this server allows (--max-stories "
                    "{}); delete some first",
                    db.path(), n, max_stories),
        StorageErrorKind::kLimit);
  }
}

StoreCounts count_stored(Database& db) {
  Transaction snapshot(db, Transaction::Kind::kRead);
  StoreCounts out;
  const auto count = [&](const char* sql) {
    return db.with_cached_statement(sql, [](SQLite::Statement& s) {
      s.executeStep();
      return s.getColumn(0).getInt64();
    });
  };
  out.stories = count("SELECT count(*) FROM stories");
  out.facts = count("SELECT count(*) FROM facts");
  snapshot.commit();
  return out;
}

std::int64_t create_story(Database& db, const std::string& name, const std::string& model,
                          std::int64_t max_stories, const std::string& selection) {
  Transaction transaction(db);
  check_story_limit(db, max_stories);
  const std::int64_t id = db.with_statement(
      "INSERT INTO stories (name, model, created_at, selection) VALUES (?, ?, ?, ?)",
      [&](SQLite::Statement& s) {
        s.bind(1, name);
        if (model.empty()) {
          s.bind(2);
        } else {
          s.bind(2, model);
        }
        s.bind(3, utc_now());
        s.bind(4, selection);
        s.exec();
        return db.handle().getLastInsertRowid();  // as append_facts
      });
  transaction.commit();
  return id;
}

std::optional<StoryRecord> find_story(Database& db, std::int64_t id) {
  return db.with_statement(fmt::format("SELECT {} FROM stories WHERE id = ?", kStoryColumns),
                           [&](SQLite::Statement& s) -> std::optional<StoryRecord> {
                             s.bind(1, id);
                             if (!s.executeStep()) return std::nullopt;
                             return read_story_row(s);
                           });
}

std::vector<StoryRecord> list_stories(Database& db) {
  return db.with_statement(fmt::format("SELECT {} FROM stories ORDER BY id", kStoryColumns),
                           [&](SQLite::Statement& s) {
                             std::vector<StoryRecord> out;
                             while (s.executeStep()) out.push_back(read_story_row(s));
                             return out;
                           });
}

bool delete_story(Database& db, std::int64_t id) {
  Transaction transaction(db);
  const int deleted =
      db.with_statement("DELETE FROM stories WHERE id = ?", [&](SQLite::Statement& s) {
        s.bind(1, id);
        return s.exec();
      });
  transaction.commit();
  return deleted > 0;
}

std::optional<std::vector<FactRecord>> append_facts(Database& db, std::int64_t story_id,
                                                    const std::optional<ModelRef>& model,
                                                    const std::vector<NewFact>& facts) {
  Transaction transaction(db);
  if (model) check_model(db, *model);
  const std::optional<std::int64_t> count =
      db.with_cached_statement("SELECT fact_count FROM stories WHERE id = ?",
                               [&](SQLite::Statement& s) -> std::optional<std::int64_t> {
                                 s.bind(1, story_id);
                                 if (!s.executeStep()) return std::nullopt;
                                 return s.getColumn(0).getInt64();
                               });
  if (!count) return std::nullopt;
  const std::string now = utc_now();
  std::vector<FactRecord> out;
  out.reserve(facts.size());
  for (std::size_t i = 0; i < facts.size(); ++i) {
    FactRecord r;
    r.seq = *count + static_cast<std::int64_t>(i);
    r.text = facts[i].text;
    r.tokens = facts[i].tokens;
    r.created_at = now;
    r.id = db.with_cached_statement(
        "INSERT INTO facts (story_id, seq, text, tokens, created_at) VALUES (?, ?, ?, ?, ?)",
        [&](SQLite::Statement& s) {
          s.bind(1, story_id);
          s.bind(2, r.seq);
          s.bindNoCopy(3, r.text);
          s.bind(4, join_tokens(r.tokens));
          s.bindNoCopy(5, now);
          s.exec();
          // Not RETURNING, which buffers its rows in a temporary table: this connection's
          // last insert, under the write lock.
          return db.handle().getLastInsertRowid();
        });
    if (model && !facts[i].embedding.m.empty()) {
      insert_embedding(db, r.id, model->generation, facts[i].embedding, false);
    }
    out.push_back(std::move(r));
  }
  insert_words(db, story_id, out);
  db.with_cached_statement(
      "UPDATE stories SET fact_count = fact_count + ?, version = version + 1 WHERE id = ?",
      [&](SQLite::Statement& s) {
        s.bind(1, static_cast<std::int64_t>(facts.size()));
        s.bind(2, story_id);
        s.exec();
      });
  transaction.commit();
  return out;
}

std::vector<FactRecord> read_facts(Database& db, std::int64_t story_id, std::int64_t offset,
                                   std::int64_t limit) {
  return db.with_statement(
      "SELECT id, seq, text, tokens, created_at FROM facts WHERE story_id = ? AND seq >= ? "
      "ORDER BY seq LIMIT ?",
      [&](SQLite::Statement& s) {
        s.bind(1, story_id);
        s.bind(2, offset);
        s.bind(3, limit);
        std::vector<FactRecord> out;
        while (s.executeStep()) {
          FactRecord r;
          r.id = s.getColumn(0).getInt64();
          r.seq = s.getColumn(1).getInt64();
          r.text = s.getColumn(2).getString();
          r.tokens = split_tokens(s.getColumn(3).getString());
          r.created_at = s.getColumn(4).getString();
          out.push_back(std::move(r));
        }
        return out;
      });
}

std::optional<std::int64_t> story_version(Database& db, std::int64_t story_id,
                                          const ModelRef& model) {
  // One statement, so the two reads share a snapshot without BEGIN/COMMIT round trips.
  const auto row = db.with_cached_statement(
      "SELECT (SELECT version FROM stories WHERE id = ?1), "
      "       EXISTS (SELECT 1 FROM model_generations WHERE id = ?2)",
      [&](SQLite::Statement& s) {
        s.bind(1, story_id);
        s.bind(2, model.generation);
        s.executeStep();
        std::optional<std::int64_t> version;
        if (!s.getColumn(0).isNull()) version = s.getColumn(0).getInt64();
        return std::make_pair(version, s.getColumn(1).getInt() != 0);
      });
  if (!row.second) model_changed(db, model);
  return row.first;
}

bool add_questions(Database& db, std::int64_t story_id,
                   const std::vector<QuestionRecord>& questions) {
  Transaction transaction(db);
  const bool found =
      db.with_cached_statement("SELECT 1 FROM stories WHERE id = ?", [&](SQLite::Statement& s) {
        s.bind(1, story_id);
        return s.executeStep();
      });
  if (!found) return false;
  for (const QuestionRecord& q : questions) {
    std::string supporting;
    for (const std::int64_t seq : q.supporting) {
      if (!supporting.empty()) supporting += ' ';
      supporting += std::to_string(seq);
    }
    db.with_cached_statement(
        "INSERT INTO questions (story_id, ordinal, as_of, text, answer, supporting) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [&](SQLite::Statement& s) {
          s.bind(1, story_id);
          s.bind(2, q.ordinal);
          s.bind(3, q.as_of);
          s.bind(4, q.text);
          s.bind(5, q.answer);
          s.bind(6, supporting);
          s.exec();
        });
  }
  // A new version, so that cached windows (which carry their questions) are read again.
  db.with_cached_statement("UPDATE stories SET version = version + 1 WHERE id = ?",
                           [&](SQLite::Statement& s) {
                             s.bind(1, story_id);
                             s.exec();
                           });
  transaction.commit();
  return true;
}

std::vector<QuestionRecord> read_questions(Database& db, std::int64_t story_id) {
  return db.with_cached_statement(
      "SELECT ordinal, as_of, text, answer, supporting FROM questions WHERE story_id = ? "
      "ORDER BY ordinal",
      [&](SQLite::Statement& s) {
        s.bind(1, story_id);
        std::vector<QuestionRecord> out;
        while (s.executeStep()) {
          QuestionRecord q;
          q.ordinal = s.getColumn(0).getInt64();
          q.as_of = s.getColumn(1).getInt64();
          q.text = s.getColumn(2).getString();
          q.answer = s.getColumn(3).getString();
          for (const std::string& seq : split_tokens(s.getColumn(4).getString())) {
            std::int64_t v = 0;
            const auto [end, ec] = std::from_chars(seq.data(), seq.data() + seq.size(), v);
            if (ec != std::errc() || end != seq.data() + seq.size()) {
              throw StorageError(
                  fmt::format("{}: question {} of story {} has a damaged "
                              "supporting list '{}'",
                              db.path(), q.ordinal, story_id, seq));
            }
            q.supporting.push_back(v);
          }
          out.push_back(std::move(q));
        }
        return out;
      });
}

std::optional<std::int64_t> random_story_with_questions(Database& db) {
  // The distinct story ids come from the primary key's order; random() picks one of them.
  return db.with_statement(
      "SELECT story_id FROM (SELECT DISTINCT story_id FROM questions) ORDER BY random() LIMIT 1",
      [&](SQLite::Statement& s) -> std::optional<std::int64_t> {
        if (!s.executeStep()) return std::nullopt;
        return s.getColumn(0).getInt64();
      });
}

std::optional<MemoryWindow> read_window(Database& db, std::int64_t story_id, const ModelRef& model,
                                        int vectors, int dim, int n,
                                        std::optional<std::int64_t> as_of) {
  Transaction transaction(db, Transaction::Kind::kRead);
  check_model(db, model);
  MemoryWindow window;
  const bool found = db.with_cached_statement(
      fmt::format("SELECT {} FROM stories WHERE id = ?", kStoryColumns), [&](SQLite::Statement& s) {
        s.bind(1, story_id);
        if (!s.executeStep()) return false;
        window.story = read_story_row(s);
        return true;
      });
  if (!found) return std::nullopt;
  db.with_cached_statement(
      "SELECT f.id, f.seq, f.text, f.tokens, f.created_at, e.m, e.c "
      "FROM (SELECT * FROM facts WHERE story_id = ?1 AND seq < ?4 ORDER BY seq DESC LIMIT ?2) AS f "
      "LEFT JOIN fact_embeddings AS e ON e.fact_id = f.id AND e.generation = ?3 "
      "ORDER BY f.seq DESC",
      [&](SQLite::Statement& s) {
        s.bind(1, story_id);
        s.bind(2, n);
        s.bind(3, model.generation);
        s.bind(4, as_of.value_or(INT64_MAX));
        while (s.executeStep()) read_window_row(db, s, vectors, dim, window.facts);
      });
  transaction.commit();
  return window;
}

std::int64_t count_word_facts(Database& db, std::int64_t story_id, const std::string& word,
                              std::int64_t before, std::int64_t cap) {
  return db.with_cached_statement(
      "SELECT count(*) FROM (SELECT 1 FROM fact_words WHERE story_id = ? AND word = ? AND "
      "seq < ? LIMIT ?)",
      [&](SQLite::Statement& s) {
        s.bind(1, story_id);
        s.bindNoCopy(2, word);
        s.bind(3, before);
        s.bind(4, cap + 1);
        s.executeStep();
        return s.getColumn(0).getInt64();
      });
}

std::vector<std::int64_t> recent_word_facts(Database& db, std::int64_t story_id,
                                            const std::string& word, std::int64_t before, int n) {
  return db.with_cached_statement(
      "SELECT seq FROM fact_words WHERE story_id = ? AND word = ? AND seq < ? "
      "ORDER BY seq DESC LIMIT ?",
      [&](SQLite::Statement& s) {
        s.bind(1, story_id);
        s.bindNoCopy(2, word);
        s.bind(3, before);
        s.bind(4, n);
        std::vector<std::int64_t> out;
        while (s.executeStep()) out.push_back(s.getColumn(0).getInt64());
        return out;
      });
}

std::vector<WindowFact> read_window_facts(Database& db, std::int64_t story_id,
                                          const ModelRef& model, int vectors, int dim,
                                          const std::vector<std::int64_t>& seqs) {
  check_model(db, model);
  std::string list = "[";
  for (const std::int64_t seq : seqs) {
    if (list.size() > 1) list += ',';
    list += std::to_string(seq);
  }
  list += ']';
  std::vector<WindowFact> out;
  db.with_cached_statement(
      "SELECT f.id, f.seq, f.text, f.tokens, f.created_at, e.m, e.c "
      "FROM facts AS f LEFT JOIN fact_embeddings AS e ON e.fact_id = f.id AND e.generation = ?3 "
      "WHERE f.story_id = ?1 AND f.seq IN (SELECT value FROM json_each(?2)) "
      "ORDER BY f.seq DESC",
      [&](SQLite::Statement& s) {
        s.bind(1, story_id);
        s.bind(2, list);
        s.bind(3, model.generation);
        while (s.executeStep()) read_window_row(db, s, vectors, dim, out);
      });
  return out;
}

void store_embeddings(Database& db, const ModelRef& model,
                      const std::vector<std::pair<std::int64_t, FactEmbedding>>& facts) {
  if (facts.empty()) return;
  Transaction transaction(db);
  check_model(db, model);
  for (const auto& [fact_id, e] : facts) insert_embedding(db, fact_id, model.generation, e, true);
  transaction.commit();
}

}  // namespace memnet::storage
