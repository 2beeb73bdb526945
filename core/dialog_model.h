// core/dialog_model.h
//
// Goal-oriented dialog as memory-network answers (Bordes, Boureau & Weston 2017, section 4),
// on the shared engine: the dialog so far is the memory, the last user utterance is the
// question, and the answer layer ranks the candidate responses (engine::CandidateSet).
//   memory i:  the speaker word ("<user>", "<bot>" or "<api>" for an API result line) and
//              the utterance's words (dialog_tokenize); its age is the temporal feature
//              T_A/T_C of the engine (slot 0 = the most recent utterance)
//   question:  the user's words ("<silence>" when the bot speaks twice)
//   answer:    score(y) = u^T W Phi(y) over the candidates, Phi(y) the candidate's bag of words
//   match type (optional, section 4.2): for each KB type (R_cuisine, R_location, R_price,
//              R_number, R_rating, R_phone, R_address), the word "<match:R_type>" joins a
//              candidate's bag when the candidate holds a KB value of that type that also
//              appears in the dialog so far. Values the vocabulary has never seen (the OOV
//              test sets) still match: the match is on text, not on word ids.
// Words outside the training vocabulary are dropped from memories, questions and candidates.
//
// Threading: a const DialogModel is safe from many threads. Lifetimes: an Example made by
// encode() points into its DialogModel's candidate set and must not outlive it.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "datasets/dialog_babi.h"
#include "engine/example.h"
#include "engine/memn2n.h"
#include "engine/vocab.h"
#include "storage/model_store.h"

namespace memnet::core {

inline constexpr std::string_view kUserWord = "<user>";
inline constexpr std::string_view kBotWord = "<bot>";
inline constexpr std::string_view kApiWord = "<api>";

std::string_view speaker_word(datasets::Utterance::Speaker speaker);
// The type given to restaurant names (the KB's entities) when names are a match type too:
// "<match:R_name>" then joins "what do you think of this option: resto_x" once resto_x
// appeared in the dialog (an API result), which the paper's seven attribute types never do.
inline constexpr std::string_view kNameRelation = "R_name";

// "<match:R_cuisine>" for "R_cuisine".
std::string match_type_word(std::string_view relation);

// What a memory slot holds for an utterance: its speaker word, then its tokens.
std::vector<std::string> memory_tokens(datasets::Utterance::Speaker speaker,
                                       const std::vector<std::string>& tokens);

// The vocabulary a dialog model trains with: nil, the three speaker words, one match-type
// word per KB relation when `kb` is given (and for kNameRelation with `names`), then every
// word of `dialogs` in order of appearance.
engine::Vocabulary dialog_vocabulary(const std::vector<datasets::Dialog>& dialogs,
                                     const datasets::KnowledgeBase* kb, bool names = false);

// The dialog history as a model sees it, built one utterance at a time (chat, HTTP) or
// replayed from a file.
struct DialogHistory {
  std::vector<std::vector<std::string>> memories;  // memory_tokens of each utterance, oldest first
  std::set<std::string> words;                     // every token seen (for match types)
  void add(datasets::Utterance::Speaker speaker, const std::vector<std::string>& tokens);
};

// Turns dialogs into engine examples for one vocabulary and candidate set. Move-only; the
// candidate set an Example points to stays put when the encoder is moved.
class DialogEncoder {
 public:
  // `ranking` gives the candidates (index order) and, when ranking.match_type, the knowledge
  // base. Throws std::invalid_argument when the vocabulary lacks a speaker word or a
  // match-type word the knowledge base needs, or on duplicate candidates.
  DialogEncoder(engine::Vocabulary vocab, storage::DialogRanking ranking);
  DialogEncoder(DialogEncoder&&) noexcept = default;
  DialogEncoder& operator=(DialogEncoder&&) noexcept = default;

  const engine::Vocabulary& vocab() const { return vocab_; }
  const storage::DialogRanking& ranking() const { return ranking_; }
  const datasets::Candidates& candidates() const { return candidates_; }
  const engine::CandidateSet& candidate_set() const { return *set_; }

  // The match-type features (candidate, type word id) for a dialog that has shown `words`,
  // sorted, each pair once. Empty without match type.
  std::vector<std::pair<int, int>> match_features(const std::set<std::string>& words) const;

  // The example for predicting the bot's reply to `user_tokens` after `history`, with the
  // `keep_last` most recent memories (0: all; the engine reads no more than memory_size).
  // `answer` is the gold candidate index (0 when unknown). Unknown words are appended to
  // `unknown` when non-null.
  engine::Example encode(const DialogHistory& history, const std::vector<std::string>& user_tokens,
                         int answer, int task, int keep_last,
                         std::vector<std::string>* unknown = nullptr) const;

  // One example per turn of every dialog, in file order. Throws std::invalid_argument when a
  // turn has no candidate attached (datasets::attach_candidates).
  std::vector<engine::Example> examples(const std::vector<datasets::Dialog>& dialogs, int task,
                                        int keep_last) const;

 private:
  engine::Vocabulary vocab_;
  storage::DialogRanking ranking_;
  datasets::Candidates candidates_;
  std::unique_ptr<engine::CandidateSet> set_;
  // KB value -> (candidate, type word id) for every candidate that holds the value.
  std::unordered_map<std::string, std::vector<std::pair<int, int>>> match_index_;
};

// A trained dialog model: the network and its encoder (vocabulary, candidates, KB).
struct DialogModel {
  engine::Memn2n network;
  DialogEncoder encoder;
};

// From a stored model; std::nullopt when it is not a dialog model (StoredModel::dialog unset).
// Throws std::invalid_argument as DialogEncoder and engine::Memn2n do.
std::optional<DialogModel> dialog_model(storage::StoredModel stored);

// Opens the dialog model `name` of a memnet file (read-only); `name` may be empty when the
// file holds exactly one dialog model. Throws std::runtime_error naming the file (missing, no
// such model, not a dialog model, none or several and no name) or storage::StorageError.
DialogModel load_dialog_model_file(const std::string& path, const std::string& name = "");

// The knowledge base as stored with a model, and back.
std::vector<storage::DialogRanking::KbFact> to_stored_kb(const datasets::KnowledgeBase& kb);
datasets::KnowledgeBase from_stored_kb(const std::vector<storage::DialogRanking::KbFact>& kb);

}  // namespace memnet::core
