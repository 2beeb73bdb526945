// fuzz/fuzz_dialog.cpp
//
// Fuzzes the dialog bAbI parsers (datasets/dialog_babi.h) on arbitrary bytes. The first byte
// picks what the rest is:
//   0  a dialog file            (parse_dialog_babi)
//   1  a candidates file        (parse_candidates)
//   2  a knowledge base file    (parse_kb)
//   3  all three, separated by NUL bytes, then attach_candidates, dialog_words and
//      match_types over the result, as training does
// The contract: each parser returns or throws datasets::ParseError. A bug is any other
// exception, a crash, a sanitizer report, or a result that breaks what dialog_babi.h
// promises (turns in the history where history_size says, candidates found again by text).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "datasets/dialog_babi.h"
#include "datasets/utf8.h"

namespace ds = memnet::datasets;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void check_dialogs(const std::vector<ds::Dialog>& dialogs) {
  for (const ds::Dialog& d : dialogs) {
    check(!d.turns.empty());
    for (const ds::DialogTurn& t : d.turns) {
      const auto at = static_cast<std::size_t>(t.history_size);
      check(t.history_size >= 0 && at + 1 < d.history.size());
      check(d.history[at].speaker == ds::Utterance::Speaker::kUser && d.history[at].text == t.user);
      check(d.history[at + 1].speaker == ds::Utterance::Speaker::kBot &&
            d.history[at + 1].text == t.bot);
      check(!t.bot.empty() && t.user_tokens == d.history[at].tokens);
    }
    for (const ds::Utterance& u : d.history) {
      check(!ds::find_invalid_utf8(u.text));
      for (const std::string& token : u.tokens) check(!token.empty());
    }
  }
}

void check_candidates(const ds::Candidates& candidates) {
  check(candidates.size() > 0);
  for (int i = 0; i < candidates.size(); ++i) {
    check(candidates.find(candidates.texts()[static_cast<std::size_t>(i)]) == i);
  }
}

void check_kb(const ds::KnowledgeBase& kb) {
  check(!kb.facts.empty());
  for (const ds::KbFact& f : kb.facts) {
    check(f.relation.starts_with("R_") && !f.entity.empty() && !f.value.empty());
    check(kb.entity_types.contains(f.value));
  }
}

// Parses `text` with `parse`, or returns nullopt when it is a ParseError.
template <typename Parse>
auto parse_or_nullopt(std::string_view text, Parse parse)
    -> std::optional<decltype(parse(std::declval<std::istream&>()))> {
  std::istringstream in{std::string(text)};
  try {
    return parse(in);
  } catch (const ds::ParseError& e) {
    check(e.line() >= 1 && !e.reason().empty());
    return std::nullopt;
  }
}

void run_all(std::string_view text) {
  std::vector<std::string_view> parts;
  for (int i = 0; i < 2; ++i) {
    const std::size_t nul = text.find('\0');
    if (nul == std::string_view::npos) break;
    parts.push_back(text.substr(0, nul));
    text.remove_prefix(nul + 1);
  }
  parts.push_back(text);
  if (parts.size() < 2) return;

  auto dialogs = parse_or_nullopt(
      parts[0], [](std::istream& in) { return ds::parse_dialog_babi(in, "trn.txt"); });
  const auto candidates = parse_or_nullopt(
      parts[1], [](std::istream& in) { return ds::parse_candidates(in, "candidates.txt"); });
  if (!dialogs || !candidates) return;
  check_dialogs(*dialogs);
  check_candidates(*candidates);
  try {
    ds::attach_candidates(*dialogs, *candidates, "trn.txt");
  } catch (const ds::ParseError&) {
    for (const ds::Dialog& d : *dialogs) {
      for (const ds::DialogTurn& t : d.turns) check(t.candidate == -1);  // left unchanged
    }
    return;
  }
  std::optional<ds::KnowledgeBase> kb;
  if (parts.size() == 3) {
    kb = parse_or_nullopt(parts[2], [](std::istream& in) { return ds::parse_kb(in, "kb.txt"); });
  }
  for (const ds::Dialog& d : *dialogs) {
    for (std::size_t t = 0; t < d.turns.size(); ++t) {
      const int c = d.turns[t].candidate;
      check(c >= 0 && c < candidates->size());
      check(candidates->texts()[static_cast<std::size_t>(c)] == d.turns[t].bot);
      if (!kb) continue;
      const std::set<std::string> words = ds::dialog_words(d, t);
      const std::vector<std::string> types =
          ds::match_types(candidates->tokens()[static_cast<std::size_t>(c)], words, *kb);
      for (const std::string& type : types) check(type.starts_with("R_"));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      if (auto d = parse_or_nullopt(
              text, [](std::istream& in) { return ds::parse_dialog_babi(in, "trn.txt"); })) {
        check_dialogs(*d);
      }
      break;
    case 1:
      if (auto c = parse_or_nullopt(
              text, [](std::istream& in) { return ds::parse_candidates(in, "candidates.txt"); })) {
        check_candidates(*c);
      }
      break;
    case 2:
      if (auto kb =
              parse_or_nullopt(text, [](std::istream& in) { return ds::parse_kb(in, "kb.txt"); })) {
        check_kb(*kb);
      }
      break;
    default:
      run_all(text);
  }
  return 0;
}
