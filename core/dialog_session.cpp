#include "core/dialog_session.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <istream>
#include <map>
#include <numeric>
#include <optional>
#include <ostream>
#include <set>

#include "core/ask.h"

namespace memnet::core {

using datasets::Utterance;

std::string_view speaker_name(Utterance::Speaker speaker) {
  switch (speaker) {
    case Utterance::Speaker::kUser:
      return "user";
    case Utterance::Speaker::kBot:
      return "bot";
    case Utterance::Speaker::kApi:
      return "api";
  }
  return "api";
}

Utterance::Speaker speaker_of(const std::vector<std::string>& memory_tokens) {
  if (!memory_tokens.empty()) {
    if (memory_tokens[0] == kUserWord) return Utterance::Speaker::kUser;
    if (memory_tokens[0] == kBotWord) return Utterance::Speaker::kBot;
  }
  return Utterance::Speaker::kApi;
}

std::vector<std::string> answer_api_call(const std::vector<storage::DialogRanking::KbFact>& kb,
                                         const std::vector<std::string>& call) {
  if (call.empty() || call[0] != "api_call") return {};
  // restaurants in order of first appearance, with their facts and values
  std::vector<std::string> order;
  std::map<std::string, std::vector<const storage::DialogRanking::KbFact*>> facts;
  for (const auto& f : kb) {
    auto [it, fresh] = facts.try_emplace(f.entity);
    if (fresh) order.push_back(f.entity);
    it->second.push_back(&f);
  }
  std::vector<std::string> out;
  for (const std::string& entity : order) {
    std::set<std::string> values;
    for (const auto* f : facts[entity]) values.insert(f->value);
    bool all = true;
    for (size_t i = 1; i < call.size() && all; ++i)
      all = call[i] == "dontcare" || call[i] == "any" || values.count(call[i]) > 0;
    if (!all) continue;
    for (const auto* f : facts[entity])
      out.push_back(f->entity + " " + f->relation + " " + f->value);
  }
  if (out.empty()) out.push_back("api_call no result");
  return out;
}

DialogReply make_reply(const DialogEncoder& encoder, const engine::Prediction& p,
                       const std::vector<WindowEntry>& window, int top) {
  DialogReply r;
  r.candidate = p.answer;
  r.bot = encoder.candidates().texts()[static_cast<size_t>(p.answer)];
  r.probability = p.a_hat(p.answer);
  for (const int c : top_indices(p.a_hat, top))
    r.top.push_back({c, encoder.candidates().texts()[static_cast<size_t>(c)], p.a_hat(c)});
  for (const auto& attention : p.attention) {
    std::vector<HistoryWeight> hop;
    for (int slot = static_cast<int>(attention.size()) - 1; slot >= 0; --slot) {  // oldest first
      const WindowEntry& e = window[static_cast<size_t>(slot)];
      hop.push_back({e.index, std::string(speaker_name(e.speaker)), e.text, attention(slot)});
    }
    r.hops.push_back(std::move(hop));
    r.empty_weight.push_back(std::max(0.0f, 1.0f - attention.sum()));
  }
  return r;
}

DialogSession::DialogSession(const DialogModel& model, bool simulate_api)
    : model_(model), simulate_api_(simulate_api) {}

void DialogSession::add(Utterance::Speaker speaker, std::string text) {
  history_.add(speaker, datasets::dialog_tokenize(text));
  texts_.push_back(std::move(text));
  speakers_.push_back(speaker);
}

void DialogSession::add_api_result(std::string_view line) {
  add(Utterance::Speaker::kApi, std::string(line));
}

DialogReply DialogSession::turn(std::string_view user, int top) {
  const DialogEncoder& enc = model_.encoder;
  const engine::ModelConfig& config = model_.network.config();
  std::string said(user);
  while (!said.empty() && (said.back() == ' ' || said.back() == '\t')) said.pop_back();
  said.erase(0, std::min(said.size(), said.find_first_not_of(" \t")));
  if (said.empty()) said = std::string(datasets::kSilence);
  const std::vector<std::string> tokens = datasets::dialog_tokenize(said);
  std::vector<std::string> unknown;
  const engine::Example x = enc.encode(history_, tokens, 0, enc.ranking().task, config.memory_size);
  engine::encode(enc.vocab(), tokens, &unknown);  // the user's words only
  const engine::Prediction p = model_.network.answer(x);
  std::vector<WindowEntry> window;
  for (size_t slot = 0; slot < x.story.size(); ++slot) {
    const size_t i = texts_.size() - 1 - slot;
    window.push_back({static_cast<std::int64_t>(i), speakers_[i], texts_[i]});
  }
  DialogReply r = make_reply(enc, p, window, top);
  r.unknown_words = unique_words(unknown);
  add(Utterance::Speaker::kUser, said);
  add(Utterance::Speaker::kBot, r.bot);
  if (simulate_api_ && !enc.ranking().kb.empty()) {
    r.api_results = answer_api_call(enc.ranking().kb, datasets::dialog_tokenize(r.bot));
    for (const std::string& line : r.api_results) add_api_result(line);
  }
  return r;
}

void run_chat(const DialogModel& model, std::istream& in, std::ostream& out, std::ostream& err,
              const ChatOptions& options) {
  std::optional<DialogSession> session;
  session.emplace(model, options.simulate_api);
  std::string line;
  for (;;) {
    if (options.prompt) out << "> " << std::flush;
    if (!std::getline(in, line)) break;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line == "/quit") break;
    if (line == "/reset") {
      session.emplace(model, options.simulate_api);
      continue;
    }
    if (line.rfind("/api ", 0) == 0) {
      session->add_api_result(line.substr(5));
      continue;
    }
    if (!line.empty() && line[0] == '/') {
      err << fmt::format("unknown command '{}' (/api TEXT, /reset, /quit)\n", line);
      continue;
    }
    const DialogReply r = session->turn(line);
    if (!r.unknown_words.empty())
      err << fmt::format("unknown words ignored: {}\n", fmt::join(r.unknown_words, ", "));
    out << r.bot << "\n";
    if (options.attention) {
      for (const std::string& a : r.api_results) out << "  api: " << a << "\n";
      for (size_t k = 0; k < r.hops.size(); ++k) {
        std::vector<HistoryWeight> hop = r.hops[k];
        if (options.top_history > 0 && hop.size() > static_cast<size_t>(options.top_history)) {
          std::stable_sort(
              hop.begin(), hop.end(),
              [](const HistoryWeight& a, const HistoryWeight& b) { return a.weight > b.weight; });
          hop.resize(static_cast<size_t>(options.top_history));
        }
        out << fmt::format("  hop {} (empty slots {:.3f}):\n", k + 1, r.empty_weight[k]);
        for (const HistoryWeight& h : hop)
          out << fmt::format("    {:.3f}  {:>3} {:<4} {}\n", h.weight, h.index, h.speaker, h.text);
      }
    }
    out << std::flush;
  }
}

}  // namespace memnet::core
