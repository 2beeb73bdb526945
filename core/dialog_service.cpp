#include "core/dialog_service.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>
#include <set>

#include "core/ask.h"
#include "core/errors.h"
#include "datasets/utf8.h"
#include "engine/episodic_memory.h"
#include "storage/database.h"
#include "storage/dialog_store.h"
#include "storage/memory_store.h"
#include "storage/model_store.h"

namespace memnet::core {

namespace {

constexpr std::size_t kMaxUtteranceBytes = 10000;

struct ServedDialogModel {
  DialogModel model;
  storage::ModelRef ref;
};

void check_text(const std::string& text, const std::string& field) {
  if (text.size() > kMaxUtteranceBytes)
    throw InvalidInput(field, fmt::format("'{}' is over {} bytes", field, kMaxUtteranceBytes));
  if (const auto bad = datasets::find_invalid_utf8(text))
    throw InvalidInput(field, fmt::format("'{}' is not UTF-8 (byte {})", field, *bad));
  if (text.find_first_of("\n\r\t") != std::string::npos)
    throw InvalidInput(field, fmt::format("'{}' must be one line, without tabs", field));
}

std::string trimmed(const std::string& s) {
  const std::size_t a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  const std::size_t b = s.find_last_not_of(" \t");
  return s.substr(a, b - a + 1);
}

}  // namespace

struct DialogService::Impl {
  Impl(const std::string& path, std::int64_t stories_limit)
      : max_stories(stories_limit), db(path) {}

  std::int64_t max_stories;
  std::mutex mutex;
  storage::Database db;
  std::map<std::string, std::shared_ptr<const ServedDialogModel>> models;
  std::map<std::string, std::int64_t> not_dialogs;  // QA models' names -> their generation

  // The dialog model `name` at its current generation; nullptr when there is none, or it is
  // not a dialog model (then *not_dialog is set).
  std::shared_ptr<const ServedDialogModel> model(const std::string& name, bool* not_dialog) {
    const std::optional<storage::ModelRef> ref = storage::find_model_ref(db, name);
    if (!ref) return nullptr;
    auto it = models.find(name);
    if (it != models.end() && it->second->ref.generation == ref->generation) return it->second;
    const auto known = not_dialogs.find(name);
    if (known != not_dialogs.end() && known->second == ref->generation) {
      if (not_dialog) *not_dialog = true;
      return nullptr;
    }
    std::optional<storage::StoredModel> stored = storage::load_model(db, name);
    if (!stored) return nullptr;
    if (!stored->dialog) {
      not_dialogs[name] = ref->generation;
      if (not_dialog) *not_dialog = true;
      return nullptr;
    }
    auto served = std::make_shared<const ServedDialogModel>(
        ServedDialogModel{std::move(*dialog_model(std::move(*stored))), *ref});
    models[name] = served;
    return served;
  }

  std::vector<std::string> dialog_model_names() {
    std::vector<std::string> out;
    for (const std::string& name : storage::list_models(db)) {
      bool not_dialog = false;
      if (model(name, &not_dialog)) out.push_back(name);
    }
    return out;
  }

  storage::StoryRecord dialog_story(std::int64_t id) {
    std::optional<storage::StoryRecord> story = storage::find_story(db, id);
    if (!story || !storage::is_dialog(db, id))
      throw NotFound(fmt::format("no dialog with id {}", id));
    return *story;
  }

  std::shared_ptr<const ServedDialogModel> story_model(const storage::StoryRecord& story) {
    auto m = model(story.model, nullptr);
    if (!m) {
      throw InvalidInput("model", fmt::format("the dialog's model '{}' is no longer in {}",
                                              story.model, db.path()));
    }
    return m;
  }

  // Memory tokens of an utterance with its embedding by `m`.
  storage::NewFact new_fact(const ServedDialogModel& m, datasets::Utterance::Speaker speaker,
                            const std::string& text) {
    storage::NewFact f;
    f.text = text;
    f.tokens = memory_tokens(speaker, datasets::dialog_tokenize(text));
    f.embedding = engine::embed_fact(m.model.network,
                                     engine::encode(m.model.encoder.vocab(), f.tokens, nullptr));
    return f;
  }

  std::vector<StoredUtterance> append(const storage::StoryRecord& story, const ServedDialogModel& m,
                                      const std::vector<storage::NewFact>& facts) {
    const auto records = storage::append_facts(db, story.id, m.ref, facts);
    if (!records) throw NotFound(fmt::format("no dialog with id {}", story.id));
    std::vector<StoredUtterance> out;
    for (const auto& r : *records) {
      out.push_back({r.seq, r.id, std::string(speaker_name(speaker_of(r.tokens))), r.text});
    }
    return out;
  }
};

DialogService::DialogService(const std::string& db_path, std::int64_t max_stories)
    : impl_(std::make_unique<Impl>(db_path, max_stories)) {}

DialogService::~DialogService() = default;

std::vector<std::string> DialogService::models() {
  std::lock_guard lock(impl_->mutex);
  return impl_->dialog_model_names();
}

DialogRecord DialogService::create(const std::string& model) {
  std::lock_guard lock(impl_->mutex);
  std::string name = model;
  if (name.empty()) {
    const std::vector<std::string> names = impl_->dialog_model_names();
    if (names.size() != 1) {
      throw InvalidInput(
          "model", names.empty()
                       ? fmt::format("{} holds no dialog model; train one with "
                                     "'memnet train --dialog'",
                                     impl_->db.path())
                       : fmt::format("{} holds {} dialog models; name one of: {}", impl_->db.path(),
                                     names.size(), fmt::join(names, ", ")));
    }
    name = names[0];
  }
  bool not_dialog = false;
  if (!impl_->model(name, &not_dialog)) {
    if (not_dialog) {
      throw InvalidInput("model", fmt::format("'{}' is a question-answering model, not a dialog "
                                              "model",
                                              name));
    }
    throw NotFound(fmt::format("no model named '{}' in {}", name, impl_->db.path()), "model");
  }
  const std::int64_t id = storage::create_dialog(impl_->db, name, impl_->max_stories);
  const auto story = storage::find_story(impl_->db, id);
  return DialogRecord{id, name, 0, story ? story->created_at : ""};
}

std::optional<DialogRecord> DialogService::find(std::int64_t id) {
  std::lock_guard lock(impl_->mutex);
  const auto story = storage::find_story(impl_->db, id);
  if (!story || !storage::is_dialog(impl_->db, id)) return std::nullopt;
  return DialogRecord{id, story->model, story->facts, story->created_at};
}

std::vector<StoredUtterance> DialogService::history(std::int64_t id) {
  std::lock_guard lock(impl_->mutex);
  const storage::StoryRecord story = impl_->dialog_story(id);
  std::vector<StoredUtterance> out;
  for (const auto& f : storage::read_facts(impl_->db, id, 0, story.facts))
    out.push_back({f.seq, f.id, std::string(speaker_name(speaker_of(f.tokens))), f.text});
  return out;
}

StoredUtterance DialogService::add_api_result(std::int64_t id, const std::string& line) {
  check_text(line, "api");
  const std::string text = trimmed(line);
  if (text.empty()) throw InvalidInput("api", "'api' is empty");
  std::lock_guard lock(impl_->mutex);
  const storage::StoryRecord story = impl_->dialog_story(id);
  const auto m = impl_->story_model(story);
  return impl_->append(story, *m, {impl_->new_fact(*m, datasets::Utterance::Speaker::kApi, text)})
      .front();
}

TurnResult DialogService::turn(std::int64_t id, const std::string& user, int top) {
  check_text(user, "user");
  std::string said = trimmed(user);
  if (said.empty()) said = std::string(datasets::kSilence);
  const std::vector<std::string> tokens = datasets::dialog_tokenize(said);

  std::lock_guard lock(impl_->mutex);
  storage::Database& db = impl_->db;
  const storage::StoryRecord story = impl_->dialog_story(id);
  const auto served = impl_->story_model(story);
  const DialogModel& m = served->model;
  const engine::ModelConfig& cfg = m.network.config();

  // the whole dialog's words, for the match types
  std::set<std::string> words(tokens.begin(), tokens.end());
  for (const auto& f : storage::read_facts(db, id, 0, story.facts))
    words.insert(f.tokens.begin() + (f.tokens.empty() ? 0 : 1), f.tokens.end());

  std::optional<storage::MemoryWindow> window =
      storage::read_window(db, id, served->ref, cfg.hops * cfg.members, cfg.dim, cfg.memory_size);
  if (!window) throw NotFound(fmt::format("no dialog with id {}", id));
  std::vector<std::pair<std::int64_t, engine::FactEmbedding>> embedded;
  for (auto& w : window->facts) {
    if (w.embedding) continue;
    w.embedding =
        engine::embed_fact(m.network, engine::encode(m.encoder.vocab(), w.fact.tokens, nullptr));
    embedded.emplace_back(w.fact.id, *w.embedding);
  }
  if (!embedded.empty()) storage::store_embeddings(db, served->ref, embedded);
  std::vector<const engine::FactEmbedding*> slots;
  std::vector<WindowEntry> entries;
  for (const auto& w : window->facts) {  // most recent first
    slots.push_back(&*w.embedding);
    entries.push_back({w.fact.seq, speaker_of(w.fact.tokens), w.fact.text});
  }
  const engine::EpisodicMemory memory = engine::stack_memory(m.network, slots);
  std::vector<std::string> unknown;
  static const std::vector<std::string> silence{std::string(datasets::kSilenceToken)};
  const std::vector<int> q =
      engine::encode(m.encoder.vocab(), tokens.empty() ? silence : tokens, &unknown);
  const std::vector<std::pair<int, int>> extra = m.encoder.ranking().match_type
                                                     ? m.encoder.match_features(words)
                                                     : std::vector<std::pair<int, int>>{};
  const engine::Prediction p =
      engine::answer_from_memory(m.network, memory, q, &m.encoder.candidate_set(), &extra);

  TurnResult out;
  out.reply = make_reply(m.encoder, p, entries, top);
  out.reply.unknown_words = unique_words(unknown);
  std::vector<storage::NewFact> facts;
  facts.push_back(impl_->new_fact(*served, datasets::Utterance::Speaker::kUser, said));
  facts.push_back(impl_->new_fact(*served, datasets::Utterance::Speaker::kBot, out.reply.bot));
  if (!m.encoder.ranking().kb.empty()) {
    out.reply.api_results =
        answer_api_call(m.encoder.ranking().kb, datasets::dialog_tokenize(out.reply.bot));
    for (const std::string& line : out.reply.api_results)
      facts.push_back(impl_->new_fact(*served, datasets::Utterance::Speaker::kApi, line));
  }
  out.added = impl_->append(story, *served, facts);
  return out;
}

}  // namespace memnet::core
