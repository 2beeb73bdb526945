#include "core/dialog_model.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "storage/database.h"

namespace memnet::core {

using datasets::Utterance;

std::string_view speaker_word(Utterance::Speaker speaker) {
  switch (speaker) {
    case Utterance::Speaker::kUser:
      return kUserWord;
    case Utterance::Speaker::kBot:
      return kBotWord;
    case Utterance::Speaker::kApi:
      return kApiWord;
  }
  return kApiWord;
}

std::string match_type_word(std::string_view relation) {
  return fmt::format("<match:{}>", relation);
}

std::vector<std::string> memory_tokens(Utterance::Speaker speaker,
                                       const std::vector<std::string>& tokens) {
  std::vector<std::string> out;
  out.reserve(tokens.size() + 1);
  out.emplace_back(speaker_word(speaker));
  out.insert(out.end(), tokens.begin(), tokens.end());
  return out;
}

namespace {

// The relations of a knowledge base, in order of first appearance.
std::vector<std::string> relations(const std::vector<storage::DialogRanking::KbFact>& kb) {
  std::vector<std::string> out;
  for (const auto& f : kb)
    if (std::find(out.begin(), out.end(), f.relation) == out.end()) out.push_back(f.relation);
  return out;
}

}  // namespace

engine::Vocabulary dialog_vocabulary(const std::vector<datasets::Dialog>& dialogs,
                                     const datasets::KnowledgeBase* kb, bool names) {
  engine::Vocabulary vocab;
  vocab.add(kUserWord);
  vocab.add(kBotWord);
  vocab.add(kApiWord);
  if (kb) {
    for (const std::string& r : relations(to_stored_kb(*kb))) vocab.add(match_type_word(r));
    if (names) vocab.add(match_type_word(kNameRelation));
  }
  for (const datasets::Dialog& d : dialogs) {
    for (const Utterance& u : d.history)
      for (const std::string& t : u.tokens) vocab.add(t);
  }
  return vocab;
}

void DialogHistory::add(Utterance::Speaker speaker, const std::vector<std::string>& tokens) {
  memories.push_back(memory_tokens(speaker, tokens));
  words.insert(tokens.begin(), tokens.end());
}

DialogEncoder::DialogEncoder(engine::Vocabulary vocab, storage::DialogRanking ranking)
    : vocab_(std::move(vocab)),
      ranking_(std::move(ranking)),
      candidates_(ranking_.candidates),
      set_(std::make_unique<engine::CandidateSet>()) {
  for (std::string_view w : {kUserWord, kBotWord, kApiWord}) {
    if (!vocab_.find(w))
      throw std::invalid_argument(fmt::format("dialog model: the vocabulary lacks '{}'", w));
  }
  set_->words.reserve(static_cast<size_t>(candidates_.size()));
  for (const auto& tokens : candidates_.tokens())
    set_->words.push_back(engine::encode(vocab_, tokens, nullptr));
  if (!ranking_.match_type) return;
  // value -> its relations' type word ids
  std::unordered_map<std::string, std::vector<int>> types;
  for (const auto& f : ranking_.kb) {
    const std::optional<int> id = vocab_.find(match_type_word(f.relation));
    if (!id) {
      throw std::invalid_argument(
          fmt::format("dialog model: the vocabulary lacks '{}'", match_type_word(f.relation)));
    }
    std::vector<int>& t = types[f.value];
    if (std::find(t.begin(), t.end(), *id) == t.end()) t.push_back(*id);
  }
  if (ranking_.match_names) {
    const std::string word = match_type_word(kNameRelation);
    const std::optional<int> id = vocab_.find(word);
    if (!id)
      throw std::invalid_argument(fmt::format("dialog model: the vocabulary lacks '{}'", word));
    for (const auto& f : ranking_.kb) {
      std::vector<int>& t = types[f.entity];
      if (std::find(t.begin(), t.end(), *id) == t.end()) t.push_back(*id);
    }
  }
  for (int c = 0; c < candidates_.size(); ++c) {
    for (const std::string& token : candidates_.tokens()[static_cast<size_t>(c)]) {
      const auto it = types.find(token);
      if (it == types.end()) continue;
      std::vector<std::pair<int, int>>& hits = match_index_[token];
      for (const int type : it->second) {
        if (hits.empty() || hits.back() != std::pair{c, type}) hits.emplace_back(c, type);
      }
    }
  }
}

std::vector<std::pair<int, int>> DialogEncoder::match_features(
    const std::set<std::string>& words) const {
  std::vector<std::pair<int, int>> out;
  if (match_index_.empty()) return out;
  for (const std::string& w : words) {
    const auto it = match_index_.find(w);
    if (it != match_index_.end()) out.insert(out.end(), it->second.begin(), it->second.end());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

engine::Example DialogEncoder::encode(const DialogHistory& history,
                                      const std::vector<std::string>& user_tokens, int answer,
                                      int task, int keep_last,
                                      std::vector<std::string>* unknown) const {
  engine::Example x;
  const size_t n = history.memories.size();
  const size_t first =
      keep_last > 0 && n > static_cast<size_t>(keep_last) ? n - static_cast<size_t>(keep_last) : 0;
  x.story.reserve(n - first);
  for (size_t i = first; i < n; ++i)
    x.story.push_back(engine::encode(vocab_, history.memories[i], unknown));
  // An utterance nobody heard (task 6's empty ASR turns) is silence.
  static const std::vector<std::string> silence{std::string(datasets::kSilenceToken)};
  x.question = engine::encode(vocab_, user_tokens.empty() ? silence : user_tokens, unknown);
  x.answer = answer;
  x.task = task;
  x.candidates = set_.get();
  if (ranking_.match_type) {
    std::set<std::string> words = history.words;
    words.insert(user_tokens.begin(), user_tokens.end());
    x.candidate_extra = match_features(words);
  }
  return x;
}

std::vector<engine::Example> DialogEncoder::examples(const std::vector<datasets::Dialog>& dialogs,
                                                     int task, int keep_last) const {
  std::vector<engine::Example> out;
  for (const datasets::Dialog& d : dialogs) {
    DialogHistory history;
    size_t next = 0;  // history utterances added so far
    for (const datasets::DialogTurn& turn : d.turns) {
      if (turn.candidate < 0) {
        throw std::invalid_argument(
            fmt::format("dialog examples: the turn at line {} has no candidate", turn.source_line));
      }
      for (; next < static_cast<size_t>(turn.history_size); ++next)
        history.add(d.history[next].speaker, d.history[next].tokens);
      out.push_back(encode(history, turn.user_tokens, turn.candidate, task, keep_last));
    }
  }
  return out;
}

std::optional<DialogModel> dialog_model(storage::StoredModel stored) {
  if (!stored.dialog) return std::nullopt;
  engine::Memn2n network(stored.config, std::move(stored.weights));
  DialogEncoder encoder(std::move(stored.vocab), std::move(*stored.dialog));
  return DialogModel{std::move(network), std::move(encoder)};
}

DialogModel load_dialog_model_file(const std::string& path, const std::string& name) {
  if (!std::filesystem::exists(path)) throw std::runtime_error(path + ": no such file");
  storage::Database db(path, storage::Database::Mode::kReadOnly);
  std::optional<storage::StoredModel> stored;
  if (!name.empty()) {
    stored = storage::load_model(db, name);
    if (!stored) throw std::runtime_error(fmt::format("{}: no model '{}'", path, name));
    if (!stored->dialog)
      throw std::runtime_error(fmt::format("{}: model '{}' is not a dialog model", path, name));
  } else {
    std::vector<std::string> dialog_names;
    for (const std::string& n : storage::list_models(db)) {
      std::optional<storage::StoredModel> m = storage::load_model(db, n);
      if (m && m->dialog) {
        dialog_names.push_back(n);
        if (!stored) stored = std::move(m);
      }
    }
    if (dialog_names.empty()) throw std::runtime_error(path + ": no dialog model");
    if (dialog_names.size() > 1) {
      throw std::runtime_error(fmt::format("{} holds {} dialog models ({}); name the one to use",
                                           path, dialog_names.size(),
                                           fmt::join(dialog_names, ", ")));
    }
  }
  try {
    return std::move(*dialog_model(std::move(*stored)));
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(fmt::format("{}: dialog model is damaged: {}", path, e.what()));
  }
}

std::vector<storage::DialogRanking::KbFact> to_stored_kb(const datasets::KnowledgeBase& kb) {
  std::vector<storage::DialogRanking::KbFact> out;
  out.reserve(kb.facts.size());
  for (const datasets::KbFact& f : kb.facts) out.push_back({f.entity, f.relation, f.value});
  return out;
}

datasets::KnowledgeBase from_stored_kb(const std::vector<storage::DialogRanking::KbFact>& kb) {
  datasets::KnowledgeBase out;
  for (const auto& f : kb) {
    datasets::KbFact fact;
    fact.entity = f.entity;
    fact.relation = f.relation;
    fact.value = f.value;
    out.facts.push_back(std::move(fact));
    std::vector<std::string>& types = out.entity_types[f.value];
    if (std::find(types.begin(), types.end(), f.relation) == types.end())
      types.push_back(f.relation);
  }
  return out;
}

}  // namespace memnet::core
