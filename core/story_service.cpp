#include "core/story_service.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <list>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "datasets/tokenize.h"
#include "engine/episodic_memory.h"
#include "engine/memn2n.h"
#include "engine/vocab.h"
#include "storage/database.h"
#include "storage/model_store.h"

namespace memnet::core {
namespace {

using storage::Database;
using storage::FactRecord;
using storage::ModelRef;
using storage::StorageError;

struct ServedModel {
  ModelInfo info;
  engine::Memn2n model;
  engine::Vocabulary vocab;
  ModelRef ref;
};

std::shared_ptr<const ServedModel> load_served(Database& db, const std::string& name) {
  std::optional<storage::StoredModel> m = storage::load_model(db, name);
  if (!m) return nullptr;
  const std::optional<ModelRef> ref = storage::find_model_ref(db, name);
  if (!ref) return nullptr;
  ModelInfo info{m->name, m->created_at, m->config, std::move(m->training),
                 m->dialog ? m->dialog->task : -1};
  info.training.epochs.clear();
  engine::Memn2n model(m->config, std::move(m->weights));
  return std::make_shared<const ServedModel>(
      ServedModel{std::move(info), std::move(model), std::move(m->vocab), *ref});
}

// A decoded memory window: valid while the story's version is `version`.
struct CachedWindow {
  std::int64_t version = 0;
  std::int64_t story_facts = 0;
  std::vector<FactRecord> facts;  // most recent first (tokens left out)
  engine::EpisodicMemory memory;
  // Questions imported with the story that were asked over exactly this window.
  std::vector<storage::QuestionRecord> questions;
};

// SQLite connections, one per thread at a time; opened on demand and kept.
class ConnectionPool {
 public:
  explicit ConnectionPool(std::string path) : path_(std::move(path)) {}

  class Lease {
   public:
    Lease(ConnectionPool& pool, std::unique_ptr<Database> db) : pool_(pool), db_(std::move(db)) {}
    ~Lease() { pool_.release(std::move(db_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Database& operator*() { return *db_; }
    Database* operator->() { return db_.get(); }

   private:
    ConnectionPool& pool_;
    std::unique_ptr<Database> db_;
  };

  void reserve(std::size_t n) {
    std::lock_guard lock(mutex_);
    while (free_.size() < n) free_.push_back(std::make_unique<Database>(path_));
  }

  Lease acquire() {
    {
      std::lock_guard lock(mutex_);
      if (!free_.empty()) {
        auto db = std::move(free_.back());
        free_.pop_back();
        return Lease(*this, std::move(db));
      }
    }
    return Lease(*this, std::make_unique<Database>(path_));
  }

 private:
  void release(std::unique_ptr<Database> db) {
    if (!db) return;
    std::lock_guard lock(mutex_);
    free_.push_back(std::move(db));
  }

  std::string path_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Database>> free_;
};

// The heap bytes a cached window holds: its matrices, fact records and texts (allocator
// overhead left out).
std::size_t window_bytes(const CachedWindow& w) {
  std::size_t bytes = sizeof(CachedWindow) + w.facts.capacity() * sizeof(FactRecord);
  for (const FactRecord& f : w.facts) bytes += f.text.capacity();
  for (const auto* matrices : {&w.memory.m, &w.memory.c}) {
    for (const engine::Matrix& x : *matrices) bytes += sizeof(float) * x.size();
  }
  for (const auto& q : w.questions) bytes += sizeof(q) + q.text.capacity() + q.answer.capacity();
  return bytes;
}

// select_window() over the file's word index, in the caller's transaction.
class StoredIndex final : public FactIndex {
 public:
  StoredIndex(Database& db, std::int64_t story_id, std::int64_t facts)
      : db_(db), story_id_(story_id), facts_(facts) {}
  std::int64_t facts() override { return facts_; }
  std::int64_t count(const std::string& word, std::int64_t cap) override {
    return storage::count_word_facts(db_, story_id_, word, facts_, cap);
  }
  std::vector<std::int64_t> recent_with(const std::string& word, int n) override {
    return storage::recent_word_facts(db_, story_id_, word, facts_, n);
  }
  std::vector<std::string> words(std::int64_t seq) override {
    const std::vector<storage::FactRecord> f = storage::read_facts(db_, story_id_, seq, 1);
    return f.empty() ? std::vector<std::string>{} : f.front().tokens;
  }

 private:
  Database& db_;
  std::int64_t story_id_;
  std::int64_t facts_;
};

// Questions asked of a story of `facts` facts: each as_of within it, each supporting seq
// before its question. InvalidInput("<field>[i]") otherwise.
void check_questions(const std::vector<storage::QuestionRecord>& questions, std::int64_t facts,
                     const std::string& field) {
  for (std::size_t i = 0; i < questions.size(); ++i) {
    const auto& q = questions[i];
    const std::string name = fmt::format("{}[{}]", field, i);
    if (q.as_of < 0 || q.as_of > facts) {
      throw InvalidInput(name,
                         fmt::format("as_of {} is beyond the story's {} facts", q.as_of, facts));
    }
    for (const std::int64_t seq : q.supporting) {
      if (seq < 0 || seq >= q.as_of) {
        throw InvalidInput(name, fmt::format("supporting fact {} is not among the {} facts "
                                             "before the question",
                                             seq, q.as_of));
      }
    }
  }
}

}  // namespace

struct StoryService::Impl {
  Impl(const std::string& path, ServiceOptions o) : options(o), pool(path), db_path(path) {}

  ServiceOptions options;
  ConnectionPool pool;
  std::string db_path;
  // One writer at a time inside this process, so our own threads queue on a mutex rather
  // than poll SQLite's busy handler; other processes still meet the busy timeout.
  std::mutex write_mutex;
  // Counts this service's writes; a cached window's recheck is skipped only while it has
  // not moved since the check (see ServiceOptions::recheck).
  std::atomic<std::uint64_t> writes{0};
  // Holds write_mutex for one write and counts it once the write is over (committed or not).
  struct WriteLock {
    explicit WriteLock(Impl& impl) : impl_(impl), lock_(impl.write_mutex) {}
    ~WriteLock() { impl_.writes.fetch_add(1, std::memory_order_acq_rel); }
    WriteLock(const WriteLock&) = delete;
    WriteLock& operator=(const WriteLock&) = delete;

   private:
    Impl& impl_;
    std::lock_guard<std::mutex> lock_;
  };
  using Clock = std::chrono::steady_clock;

  mutable std::shared_mutex models_mutex;
  std::map<std::string, std::shared_ptr<const ServedModel>> models;

  std::mutex cache_mutex;
  using CacheKey = std::pair<std::int64_t, std::int64_t>;  // (story, model generation)
  struct CacheEntry {
    std::shared_ptr<const CachedWindow> window;
    std::size_t bytes = 0;
    std::list<CacheKey>::iterator recency;  // its place in `lru`
    // When its version was last read from the file, and this service's write count then.
    Clock::time_point checked_at;
    std::uint64_t checked_writes = 0;
  };
  std::map<CacheKey, CacheEntry> cache;
  std::list<CacheKey> lru;      // most recently asked first
  std::size_t cache_bytes = 0;  // the entries' bytes, summed; at most the budget
  std::uint64_t cache_hits = 0;
  std::uint64_t cache_misses = 0;

  // A story's model and selection, which never change once it is created (and ids are
  // never reused: AUTOINCREMENT), kept so that a stored ask reads one row, the version.
  struct StoryHead {
    std::string model;
    Selection selection = Selection::kRecent;
  };
  std::mutex heads_mutex;
  std::unordered_map<std::int64_t, StoryHead> heads;
  static constexpr std::size_t kMaxHeads = 100000;  // then forgotten all at once

  StoryHead story_head(Database& db, std::int64_t story_id) {
    {
      std::lock_guard lock(heads_mutex);
      if (const auto it = heads.find(story_id); it != heads.end()) return it->second;
    }
    StoryHead head;
    std::string selection;
    db.with_cached_statement("SELECT coalesce(model, ''), selection FROM stories WHERE id = ?",
                             [&](SQLite::Statement& s) {
                               s.bind(1, story_id);
                               if (!s.executeStep())
                                 throw NotFound(fmt::format("no story with id {}", story_id));
                               head.model = s.getColumn(0).getString();
                               selection = s.getColumn(1).getString();
                             });
    const std::optional<Selection> parsed = parse_selection(selection);
    if (!parsed) {
      throw StorageError(fmt::format("{}: story {} has an unknown selection", db_path, story_id));
    }
    head.selection = *parsed;
    std::lock_guard lock(heads_mutex);
    if (heads.size() >= kMaxHeads) heads.clear();
    heads.emplace(story_id, head);
    return head;
  }

  // The model a new story is made with: `model` once checked (NotFound, or InvalidInput for
  // a dialog model); "" means the file's only question-answering model, if it has one.
  std::string new_story_model(const std::string& model) {
    if (!model.empty()) {
      pick_model(model, "");
      return model;
    }
    const auto names = qa_model_names();
    return names.size() == 1 ? names[0] : "";
  }

  std::vector<std::string> model_names() const {
    std::shared_lock lock(models_mutex);
    std::vector<std::string> names;
    for (const auto& [name, m] : models) names.push_back(name);
    return names;
  }

  // The served model `name`, loading it from the file when it is new or `reload` is set.
  // nullptr when the file has no such model.
  std::shared_ptr<const ServedModel> model(const std::string& name, bool reload = false) {
    if (!reload) {
      std::shared_lock lock(models_mutex);
      auto it = models.find(name);
      if (it != models.end()) return it->second;
    }
    auto db = pool.acquire();
    std::shared_ptr<const ServedModel> loaded = load_served(*db, name);
    std::unique_lock lock(models_mutex);
    if (loaded) {
      models[name] = loaded;
    } else {
      models.erase(name);
    }
    return loaded;
  }

  // The model a request uses: `requested`, else the story's, else the file's only one.
  std::shared_ptr<const ServedModel> pick_model(const std::string& requested,
                                                const std::string& story_model) {
    auto m = pick_any_model(requested, story_model);
    if (m->info.dialog_task >= 0) {
      throw InvalidInput("model", fmt::format("'{}' is a dialog model: it ranks responses in "
                                              "dialogs (POST /v1/dialogs), not answers",
                                              m->info.name));
    }
    return m;
  }

  // Names of the question-answering models (not dialog models).
  std::vector<std::string> qa_model_names() const {
    std::shared_lock lock(models_mutex);
    std::vector<std::string> names;
    for (const auto& [name, m] : models)
      if (m->info.dialog_task < 0) names.push_back(name);
    return names;
  }

  std::shared_ptr<const ServedModel> pick_any_model(const std::string& requested,
                                                    const std::string& story_model) {
    if (!requested.empty()) {
      auto m = model(requested);
      if (!m) {
        throw NotFound(fmt::format("no model named '{}' in {} (it holds: {})", requested, db_path,
                                   fmt::join(model_names(), ", ")),
                       "model");
      }
      return m;
    }
    if (!story_model.empty()) {
      if (auto m = model(story_model)) return m;
      throw InvalidInput("model",
                         fmt::format("the story's model '{}' is no longer in {}; name "
                                     "one of: {}",
                                     story_model, db_path, fmt::join(model_names(), ", ")));
    }
    const auto names = qa_model_names();
    if (names.size() == 1) return model(names[0]);
    if (names.empty())
      throw InvalidInput("model", fmt::format("{} holds no model; train one "
                                              "into it first",
                                              db_path));
    throw InvalidInput("model", fmt::format("{} holds {} models and the story has none; name one "
                                            "of: {}",
                                            db_path, names.size(), fmt::join(names, ", ")));
  }

  // Counts a hit on `it` and makes it the most recently asked entry (cache_mutex held).
  std::shared_ptr<const CachedWindow> hit(std::map<CacheKey, CacheEntry>::iterator it) {
    ++cache_hits;
    lru.splice(lru.begin(), lru, it->second.recency);
    return it->second.window;
  }

  // The cached window if its version was read from the file less than options.recheck
  // before `now` and this service's write count is still `written`; nullptr otherwise
  // (nothing is counted: the caller reads the version and calls cached()).
  std::shared_ptr<const CachedWindow> recently_checked(std::int64_t story, std::int64_t generation,
                                                       Clock::time_point now,
                                                       std::uint64_t written) {
    if (options.recheck.count() <= 0) return nullptr;
    std::lock_guard lock(cache_mutex);
    auto it = cache.find({story, generation});
    if (it == cache.end() || it->second.checked_writes != written ||
        now - it->second.checked_at >= options.recheck) {
      return nullptr;
    }
    return hit(it);
  }

  // The cached window if it is of `version`, which was read at `checked_at` with this
  // service's write count at `checked_writes` (both taken before the read).
  std::shared_ptr<const CachedWindow> cached(std::int64_t story, std::int64_t generation,
                                             std::int64_t version, Clock::time_point checked_at,
                                             std::uint64_t checked_writes) {
    std::lock_guard lock(cache_mutex);
    auto it = cache.find({story, generation});
    if (it == cache.end() || it->second.window->version != version) {
      ++cache_misses;
      return nullptr;
    }
    it->second.checked_at = checked_at;
    it->second.checked_writes = checked_writes;
    return hit(it);
  }

  void drop(std::map<CacheKey, CacheEntry>::iterator it) {
    cache_bytes -= it->second.bytes;
    lru.erase(it->second.recency);
    cache.erase(it);
  }

  // Keeps `window` as the most recent entry, dropping the least recent ones until the
  // entries fit the byte budget; a window larger than the budget is not kept.
  void remember(std::int64_t story, std::int64_t generation,
                std::shared_ptr<const CachedWindow> window, Clock::time_point checked_at,
                std::uint64_t checked_writes) {
    const std::size_t bytes = window_bytes(*window);
    std::lock_guard lock(cache_mutex);
    const CacheKey key{story, generation};
    if (auto it = cache.find(key); it != cache.end()) drop(it);
    const std::size_t budget = options.cache_budget_bytes;
    if (bytes > budget) return;
    while (cache_bytes + bytes > budget) drop(cache.find(lru.back()));
    lru.push_front(key);
    cache.emplace(key,
                  CacheEntry{std::move(window), bytes, lru.begin(), checked_at, checked_writes});
    cache_bytes += bytes;
  }

  void forget_story(std::int64_t story) {
    {
      std::lock_guard lock(heads_mutex);
      heads.erase(story);
    }
    std::lock_guard lock(cache_mutex);
    for (auto it = cache.begin(); it != cache.end();) {
      if (it->first.first == story) {
        const auto next = std::next(it);
        drop(it);
        it = next;
      } else {
        ++it;
      }
    }
  }

  // Reads the window from the file, embedding (and storing) facts the model has not seen.
  // `as_of` as StoryService::ask.
  std::shared_ptr<const CachedWindow> load_window(Database& db, std::int64_t story_id,
                                                  const ServedModel& m,
                                                  std::optional<std::int64_t> as_of) {
    const engine::ModelConfig& cfg = m.model.config();
    std::optional<storage::MemoryWindow> window = storage::read_window(
        db, story_id, m.ref, cfg.hops * cfg.members, cfg.dim, cfg.memory_size, as_of);
    if (!window) throw NotFound(fmt::format("no story with id {}", story_id));
    const std::int64_t story_facts =
        as_of ? std::min(*as_of, window->story.facts) : window->story.facts;
    return build_window(db, story_id, m, std::move(window->facts), window->story.version,
                        story_facts);
  }

  // The window of the facts select_window() chooses for `question` (tokens) among the
  // story's first `as_of` facts (all when nullopt); never cached, as it depends on the
  // question.
  std::shared_ptr<const CachedWindow> select_and_load(Database& db, std::int64_t story_id,
                                                      const ServedModel& m,
                                                      const std::vector<std::string>& question,
                                                      const std::vector<int>& encoded_question,
                                                      Selection mode, int word_cutoff,
                                                      std::optional<std::int64_t> as_of) {
    const engine::ModelConfig& cfg = m.model.config();
    storage::Transaction snapshot(db, storage::Transaction::Kind::kRead);
    const std::optional<storage::StoryRecord> story = storage::find_story(db, story_id);
    if (!story) throw NotFound(fmt::format("no story with id {}", story_id));
    const std::int64_t story_facts = as_of ? std::min(*as_of, story->facts) : story->facts;
    StoredIndex index(db, story_id, story_facts);
    const auto top_fact_of = [&](const std::vector<std::int64_t>& window, int k) {
      // The window's memory as an answer would see it; facts not embedded for this model
      // are embedded here, not stored (the final window's are, by build_window).
      std::vector<storage::WindowFact> facts =
          storage::read_window_facts(db, story_id, m.ref, cfg.hops * cfg.members, cfg.dim, window);
      std::vector<engine::FactEmbedding> made;
      made.reserve(facts.size());
      std::vector<const engine::FactEmbedding*> slots;
      for (auto& w : facts) {
        if (!w.embedding) {
          made.push_back(
              engine::embed_fact(m.model, engine::encode(m.vocab, w.fact.tokens, nullptr)));
          slots.push_back(&made.back());
        } else {
          slots.push_back(&*w.embedding);
        }
      }
      const engine::EpisodicMemory memory = engine::stack_memory(m.model, slots);
      return top_fact(engine::answer_from_memory(m.model, memory, encoded_question), window, k);
    };
    const std::vector<std::int64_t> seqs =
        mode == Selection::kExpand
            ? expand_window(index, question, cfg.memory_size, word_cutoff, cfg.hops, top_fact_of)
            : select_window(index, question, mode, cfg.memory_size, word_cutoff);
    std::vector<storage::WindowFact> facts =
        storage::read_window_facts(db, story_id, m.ref, cfg.hops * cfg.members, cfg.dim, seqs);
    snapshot.commit();
    return build_window(db, story_id, m, std::move(facts), story->version, story_facts);
  }

  // A window of `facts` (most recent first), embedding and storing those without an
  // embedding for `m`, with the imported questions asked over the story's first
  // `story_facts` facts.
  std::shared_ptr<const CachedWindow> build_window(Database& db, std::int64_t story_id,
                                                   const ServedModel& m,
                                                   std::vector<storage::WindowFact> facts,
                                                   std::int64_t version, std::int64_t story_facts) {
    std::vector<std::pair<std::int64_t, engine::FactEmbedding>> embedded;
    for (auto& w : facts) {
      if (w.embedding) continue;
      w.embedding = engine::embed_fact(m.model, engine::encode(m.vocab, w.fact.tokens, nullptr));
      embedded.emplace_back(w.fact.id, *w.embedding);
    }
    if (!embedded.empty()) {
      WriteLock lock(*this);
      storage::store_embeddings(db, m.ref, embedded);
    }
    auto out = std::make_shared<CachedWindow>();
    out->version = version;
    out->story_facts = story_facts;
    for (auto& q : storage::read_questions(db, story_id)) {
      if (q.as_of == out->story_facts) out->questions.push_back(std::move(q));
    }
    std::vector<const engine::FactEmbedding*> slots;
    for (auto& w : facts) {
      w.fact.tokens.clear();
      out->facts.push_back(std::move(w.fact));
      slots.push_back(&*w.embedding);
    }
    out->memory = engine::stack_memory(m.model, slots);
    return out;
  }

  AskResult ask_once(std::int64_t story_id, const std::string& question,
                     const std::string& requested, const AskOptions& asked, bool reload) {
    const auto q_tokens = datasets::tokenize(question);
    if (q_tokens.empty()) throw InvalidInput("question", "the question has no words");
    auto db = pool.acquire();
    std::string story_model;
    std::optional<Selection> mode = asked.select;
    if (requested.empty() || !mode) {
      const StoryHead head = story_head(*db, story_id);
      story_model = head.model;
      if (!mode) mode = head.selection;
    }
    std::shared_ptr<const ServedModel> m = pick_model(requested, story_model);
    if (reload) {
      const std::string name = m->info.name;
      m = model(name, true);
      if (!m) throw NotFound(fmt::format("model '{}' was deleted from the file", name), "model");
    }
    const bool recent = *mode == Selection::kRecent && !asked.as_of;
    const Clock::time_point checked_at = Clock::now();
    const std::uint64_t checked_writes = writes.load(std::memory_order_acquire);
    std::shared_ptr<const CachedWindow> window;
    if (recent && !reload)
      window = recently_checked(story_id, m->ref.generation, checked_at, checked_writes);
    if (window) {
      // Answered from memory: the version was read less than options.recheck ago.
    } else if (const std::optional<std::int64_t> version =
                   storage::story_version(*db, story_id, m->ref);
               !version) {
      throw NotFound(fmt::format("no story with id {}", story_id));
    } else if (*mode != Selection::kRecent) {
      window =
          select_and_load(*db, story_id, *m, q_tokens, engine::encode(m->vocab, q_tokens, nullptr),
                          *mode, asked.word_cutoff, asked.as_of);
    } else if (!recent) {
      window = load_window(*db, story_id, *m, asked.as_of);
    } else {
      window = cached(story_id, m->ref.generation, *version, checked_at, checked_writes);
      if (!window) {
        window = load_window(*db, story_id, *m, std::nullopt);
        remember(story_id, m->ref.generation, window, checked_at, checked_writes);
      }
    }
    const int top = asked.top;

    std::vector<std::string> unknown;
    const std::vector<int> q = engine::encode(m->vocab, q_tokens, &unknown);
    const engine::Prediction p = engine::answer_from_memory(m->model, window->memory, q);
    AskResult r;
    r.model = m->info.name;
    fill_answer(p, m->vocab, top, r);
    r.select = *mode;
    r.window = window->memory.n;
    r.sentences = static_cast<int>(window->story_facts);
    r.memory_first =
        window->facts.empty() ? r.sentences : static_cast<int>(window->facts.back().seq);
    r.attention = asked.attention;
    if (asked.attention != AttentionDetail::kNone) r.hops.reserve(p.attention.size());
    for (const auto& attention : p.attention) {
      if (asked.attention != AttentionDetail::kNone) {
        const std::vector<int> slots =
            attention_slots(attention.head(window->memory.n), asked.attention, asked.attention_top);
        std::vector<Attention> hop;
        hop.reserve(slots.size());
        for (const int slot : slots) {
          const FactRecord& f = window->facts[static_cast<std::size_t>(slot)];
          hop.push_back({static_cast<int>(f.seq), f.text, attention(slot), f.id});
        }
        r.hops.push_back(std::move(hop));
      }
      r.empty_weight.push_back(std::max(0.0f, 1.0f - attention.sum()));
    }
    r.unknown_words = unique_words(unknown);
    r.text_owner = window;  // the facts' texts
    for (const auto& gold : window->questions) {
      if (datasets::tokenize(gold.text) != q_tokens) continue;
      r.gold = GoldAnswer{gold.answer, gold.supporting, r.answer == gold.answer};
      break;
    }
    return r;
  }
};

StoryService::StoryService(const std::string& db_path, ServiceOptions options)
    : impl_(std::make_unique<Impl>(db_path, options)) {
  auto db = impl_->pool.acquire();  // creates and migrates the file
  for (const auto& name : storage::list_models(*db)) {
    if (auto m = load_served(*db, name)) impl_->models[name] = std::move(m);
  }
}

StoryService::~StoryService() = default;

const std::string& StoryService::path() const { return impl_->db_path; }

void StoryService::reserve_connections(std::size_t n) { impl_->pool.reserve(n); }

std::vector<ModelInfo> StoryService::models() const {
  std::shared_lock lock(impl_->models_mutex);
  std::vector<ModelInfo> out;
  for (const auto& [name, m] : impl_->models) out.push_back(m->info);
  return out;
}

storage::StoryRecord StoryService::create_story(const std::string& name, const std::string& model,
                                                Selection selection) {
  const std::string model_name = impl_->new_story_model(model);
  auto db = impl_->pool.acquire();
  std::int64_t id = 0;
  {
    Impl::WriteLock lock(*impl_);
    id = storage::create_story(*db, name, model_name, impl_->options.max_stories,
                               std::string(selection_name(selection)));
  }
  return *storage::find_story(*db, id);
}

ServiceStats StoryService::stats() {
  ServiceStats out;
  {
    std::lock_guard lock(impl_->cache_mutex);
    out.cache_entries = impl_->cache.size();
    out.cache_bytes = impl_->cache_bytes;
    out.cache_hits = impl_->cache_hits;
    out.cache_misses = impl_->cache_misses;
  }
  auto db = impl_->pool.acquire();
  const storage::StoreCounts counts = storage::count_stored(*db);
  out.stories = counts.stories;
  out.facts = counts.facts;
  return out;
}

std::optional<storage::StoryRecord> StoryService::story(std::int64_t id) {
  auto db = impl_->pool.acquire();
  return storage::find_story(*db, id);
}

std::vector<storage::StoryRecord> StoryService::stories() {
  auto db = impl_->pool.acquire();
  return storage::list_stories(*db);
}

std::vector<storage::FactRecord> StoryService::facts(std::int64_t story_id, std::int64_t offset,
                                                     std::int64_t limit) {
  auto db = impl_->pool.acquire();
  storage::Transaction snapshot(*db, storage::Transaction::Kind::kRead);
  if (!storage::find_story(*db, story_id))
    throw NotFound(fmt::format("no story with id {}", story_id));
  auto out = storage::read_facts(*db, story_id, offset, limit);
  snapshot.commit();
  return out;
}

bool StoryService::delete_story(std::int64_t id) {
  auto db = impl_->pool.acquire();
  bool deleted = false;
  {
    Impl::WriteLock lock(*impl_);
    deleted = storage::delete_story(*db, id);
  }
  impl_->forget_story(id);
  return deleted;
}

std::vector<AddedFact> StoryService::add_facts(std::int64_t story_id,
                                               const std::vector<std::string>& texts,
                                               const std::string& field_prefix) {
  std::vector<std::vector<std::string>> tokens;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    tokens.push_back(datasets::tokenize(texts[i]));
    if (tokens.back().empty()) {
      throw InvalidInput(texts.size() == 1 && field_prefix == "fact"
                             ? field_prefix
                             : fmt::format("{}[{}]", field_prefix, i),
                         "a fact needs at least one word");
    }
  }
  for (int attempt = 0;; ++attempt) {
    auto db = impl_->pool.acquire();
    const auto story = storage::find_story(*db, story_id);
    if (!story) throw NotFound(fmt::format("no story with id {}", story_id));
    std::shared_ptr<const ServedModel> m;
    if (!story->model.empty()) m = impl_->model(story->model, attempt > 0);
    std::vector<storage::NewFact> facts;
    std::vector<AddedFact> out(texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) {
      storage::NewFact f{texts[i], tokens[i], {}};
      if (m) {
        std::vector<std::string> unknown;
        f.embedding = engine::embed_fact(m->model, engine::encode(m->vocab, tokens[i], &unknown));
        out[i].unknown_words = unique_words(unknown);
      }
      facts.push_back(std::move(f));
    }
    std::optional<std::vector<FactRecord>> records;
    try {
      Impl::WriteLock lock(*impl_);
      records = storage::append_facts(*db, story_id,
                                      m ? std::optional<ModelRef>(m->ref) : std::nullopt, facts);
    } catch (const StorageError& e) {
      if (e.kind() == storage::StorageErrorKind::kModelChanged && attempt == 0) continue;
      throw;
    }
    if (!records) throw NotFound(fmt::format("no story with id {}", story_id));
    for (std::size_t i = 0; i < records->size(); ++i) out[i].record = std::move((*records)[i]);
    return out;
  }
}

AskResult StoryService::ask(std::int64_t story_id, const std::string& question,
                            const std::string& model, int top) {
  AskOptions options;
  options.top = top;
  return ask(story_id, question, model, options);
}

AskResult StoryService::ask(std::int64_t story_id, const std::string& question,
                            const std::string& model, int top, std::optional<std::int64_t> as_of) {
  AskOptions options;
  options.top = top;
  options.as_of = as_of;
  return ask(story_id, question, model, options);
}

AskResult StoryService::ask(std::int64_t story_id, const std::string& question,
                            const std::string& model, const AskOptions& options) {
  if (options.as_of && *options.as_of < 0) throw InvalidInput("as_of", "'as_of' must be 0 or more");
  if (options.word_cutoff < 0) throw InvalidInput("word_cutoff", "'word_cutoff' must be 1 or more");
  try {
    return impl_->ask_once(story_id, question, model, options, false);
  } catch (const StorageError& e) {
    if (e.kind() != storage::StorageErrorKind::kModelChanged) throw;
  }
  // The model was retrained or deleted in the file since it was loaded: load it again.
  return impl_->ask_once(story_id, question, model, options, true);
}

void StoryService::add_questions(std::int64_t story_id,
                                 const std::vector<storage::QuestionRecord>& questions) {
  // Facts are only ever appended, so a check against the story's length now holds at the
  // write too.
  auto db = impl_->pool.acquire();
  const auto story = storage::find_story(*db, story_id);
  if (!story) throw NotFound(fmt::format("no story with id {}", story_id));
  check_questions(questions, story->facts, "questions");
  {
    Impl::WriteLock lock(*impl_);
    if (!storage::add_questions(*db, story_id, questions)) {
      throw NotFound(fmt::format("no story with id {}", story_id));
    }
  }
  impl_->forget_story(story_id);
}

std::vector<std::int64_t> StoryService::import_stories(const std::vector<NewStory>& stories,
                                                       const std::string& model,
                                                       Selection selection) {
  const std::string model_name = impl_->new_story_model(model);
  // Everything is checked and tokenized before the write.
  std::vector<std::vector<std::vector<std::string>>> tokens(stories.size());
  for (std::size_t i = 0; i < stories.size(); ++i) {
    const NewStory& story = stories[i];
    for (std::size_t j = 0; j < story.facts.size(); ++j) {
      tokens[i].push_back(datasets::tokenize(story.facts[j]));
      if (tokens[i].back().empty()) {
        throw InvalidInput(fmt::format("stories[{}].facts[{}]", i, j),
                           "a fact needs at least one word");
      }
    }
    check_questions(story.questions, static_cast<std::int64_t>(story.facts.size()),
                    fmt::format("stories[{}].questions", i));
  }
  for (int attempt = 0;; ++attempt) {
    std::shared_ptr<const ServedModel> m;
    if (!model_name.empty()) m = impl_->model(model_name, attempt > 0);
    std::vector<std::vector<storage::NewFact>> facts(stories.size());
    for (std::size_t i = 0; i < stories.size(); ++i) {
      for (std::size_t j = 0; j < stories[i].facts.size(); ++j) {
        storage::NewFact f{stories[i].facts[j], tokens[i][j], {}};
        if (m)
          f.embedding = engine::embed_fact(m->model, engine::encode(m->vocab, f.tokens, nullptr));
        facts[i].push_back(std::move(f));
      }
    }
    auto db = impl_->pool.acquire();
    std::vector<std::int64_t> ids;
    // A larger page cache while the batch is written (SQLite's default is 2 MB; a batch
    // touches about 16 MB), given back after.
    db->execute("PRAGMA cache_size = -65536");
    struct RestoreCache {
      Database& db;
      ~RestoreCache() {
        try {
          db.execute("PRAGMA cache_size = -2000");
        } catch (const StorageError&) {
          // The connection keeps the larger cache; nothing else depends on it.
        }
      }
    } restore{*db};
    try {
      Impl::WriteLock lock(*impl_);
      storage::Transaction transaction(*db);
      for (std::size_t i = 0; i < stories.size(); ++i) {
        const std::int64_t id =
            storage::create_story(*db, stories[i].name, model_name, impl_->options.max_stories,
                                  std::string(selection_name(selection)));
        if (!facts[i].empty()) {
          storage::append_facts(*db, id, m ? std::optional<ModelRef>(m->ref) : std::nullopt,
                                facts[i]);
        }
        if (!stories[i].questions.empty()) storage::add_questions(*db, id, stories[i].questions);
        ids.push_back(id);
      }
      transaction.commit();
    } catch (const StorageError& e) {
      if (e.kind() == storage::StorageErrorKind::kModelChanged && attempt == 0) continue;
      throw;
    }
    return ids;
  }
}

std::vector<storage::QuestionRecord> StoryService::questions(std::int64_t story_id) {
  auto db = impl_->pool.acquire();
  return storage::read_questions(*db, story_id);
}

std::optional<storage::StoryRecord> StoryService::random_imported_story() {
  auto db = impl_->pool.acquire();
  storage::Transaction snapshot(*db, storage::Transaction::Kind::kRead);
  const auto id = storage::random_story_with_questions(*db);
  std::optional<storage::StoryRecord> out;
  if (id) out = storage::find_story(*db, *id);
  snapshot.commit();
  return out;
}

std::optional<ModelInfo> StoryService::model_detail(const std::string& name) {
  auto db = impl_->pool.acquire();
  std::optional<storage::StoredModel> m = storage::load_model(*db, name);
  if (!m) return std::nullopt;
  return ModelInfo{m->name, m->created_at, m->config, std::move(m->training)};
}

AskResult StoryService::ask_inline(const std::vector<std::string>& story,
                                   const std::string& question, const std::string& model, int top) {
  std::shared_ptr<const ServedModel> m = impl_->pick_model(model, "");
  AskOptions options;
  options.top = top;
  return ask_inline(story, question, model, options);
}

AskResult StoryService::ask_inline(const std::vector<std::string>& story,
                                   const std::string& question, const std::string& model,
                                   const AskOptions& options) {
  if (options.word_cutoff < 0) throw InvalidInput("word_cutoff", "'word_cutoff' must be 1 or more");
  std::shared_ptr<const ServedModel> m = impl_->pick_model(model, "");
  AskResult r = core::ask(m->model, m->vocab, story, question, options);
  r.model = m->info.name;
  return r;
}

}  // namespace memnet::core
