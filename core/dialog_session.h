// core/dialog_session.h
//
// One dialog with a trained dialog model, held in memory (`memnet chat`): the user speaks,
// the model ranks the candidates over the history (core/dialog_model.h) and its best
// candidate is the bot's reply; both join the history. When the reply is an API call
// ("api_call italian paris six cheap") and the model has a knowledge base, the session
// answers it as the dialog bAbI simulator does: every fact of each restaurant holding all
// the call's values ("dontcare" matches anything) joins the history as an API result, or
// "api_call no result".
//
// The stored path (core/dialog_service.h) gives the same floats for the same history.
// Threading: one session per thread; the model must outlive the session.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "core/dialog_model.h"
#include "engine/memn2n.h"

namespace memnet::core {

struct RankedCandidate {
  int candidate = 0;
  std::string text;
  float probability = 0;
};

struct HistoryWeight {
  std::int64_t index = 0;  // position of the utterance in the dialog's history, 0 = first
  std::string speaker;     // "user", "bot" or "api"
  std::string text;
  float weight = 0;
};

struct DialogReply {
  std::string bot;  // the best candidate's text
  int candidate = 0;
  float probability = 0;             // softmax over the candidates
  std::vector<RankedCandidate> top;  // the best `top` candidates, best first
  // Per hop, the history in the memory window (oldest first) with its attention;
  // an ensemble's is the members' mean.
  std::vector<std::vector<HistoryWeight>> hops;
  std::vector<float> empty_weight;         // per hop, the weight on the empty slots
  std::vector<std::string> unknown_words;  // of the user utterance, unique, in order
  std::vector<std::string> api_results;    // appended after an API call, in order
};

// The knowledge base's answer to an API call (see above); empty when `call` is not one.
std::vector<std::string> answer_api_call(const std::vector<storage::DialogRanking::KbFact>& kb,
                                         const std::vector<std::string>& call);

// "user", "bot", "api".
std::string_view speaker_name(datasets::Utterance::Speaker speaker);
// The speaker of stored memory tokens (their first token is the speaker word).
datasets::Utterance::Speaker speaker_of(const std::vector<std::string>& memory_tokens);

// The reply for a prediction over `window` (slot i = the i-th most recent memory, with its history
// index, speaker and text), shared by the inline and stored paths.
struct WindowEntry {
  std::int64_t index = 0;
  datasets::Utterance::Speaker speaker = datasets::Utterance::Speaker::kUser;
  std::string text;
};
DialogReply make_reply(const DialogEncoder& encoder, const engine::Prediction& p,
                       const std::vector<WindowEntry>& window, int top);

class DialogSession {
 public:
  // `simulate_api`: answer the model's API calls from its knowledge base (see above).
  explicit DialogSession(const DialogModel& model, bool simulate_api = true);

  // The bot's reply to `user` ("" or "<SILENCE>" when the user says nothing); the user
  // utterance, the reply and any API results join the history. Never throws on words the
  // model does not know: they are dropped and listed in unknown_words.
  DialogReply turn(std::string_view user, int top = 5);

  // Adds an API result line to the history (what a real backend answered).
  void add_api_result(std::string_view line);

  std::size_t size() const { return texts_.size(); }  // utterances in the history

 private:
  void add(datasets::Utterance::Speaker speaker, std::string text);

  const DialogModel& model_;
  bool simulate_api_;
  DialogHistory history_;
  std::vector<std::string> texts_;
  std::vector<datasets::Utterance::Speaker> speakers_;
};

// `memnet chat`: reads user utterances from `in`, one per line, and writes the bot's reply
// for each, one line each, to `out`; so it works on a pipe. Lines starting with "/" are
// commands: "/api TEXT" adds an API result to the history, "/reset" starts a new dialog,
// "/quit" ends. With `attention`, each reply is followed by indented lines: the API results
// the reply produced and, per hop, the history with its weights. Unknown words are reported
// on `err` ("unknown words ignored: ..."). `prompt` (a terminal) writes "> " before each read.
struct ChatOptions {
  bool attention = false;
  bool prompt = false;
  bool simulate_api = true;
  int top_history = 0;  // with attention: show only each hop's strongest N (0: all)
};
void run_chat(const DialogModel& model, std::istream& in, std::ostream& out, std::ostream& err,
              const ChatOptions& options);

}  // namespace memnet::core
