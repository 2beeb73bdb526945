// datasets/dialog_babi.cpp
#include "datasets/dialog_babi.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "datasets/utf8.h"

namespace memnet::datasets {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_spaces(std::string_view s) {
  std::vector<std::string_view> words;
  for (;;) {
    s = trim(s);
    if (s.empty()) return words;
    std::size_t end = 0;
    while (end < s.size() && !is_space(s[end])) ++end;
    words.push_back(s.substr(0, end));
    s.remove_prefix(end);
  }
}

std::vector<std::string_view> split_tabs(std::string_view s) {
  std::vector<std::string_view> fields;
  for (;;) {
    const std::size_t tab = s.find('\t');
    fields.push_back(s.substr(0, tab));
    if (tab == std::string_view::npos) return fields;
    s.remove_prefix(tab + 1);
  }
}

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// `text` shortened for an error message, so a megabyte of garbage does not become the message.
std::string excerpt(std::string_view text) {
  constexpr std::size_t kMax = 40;
  if (text.size() <= kMax) return std::string(text);
  std::size_t cut = kMax;
  // Back up to a character boundary (text is valid UTF-8 by the time it is quoted).
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...";
}

std::string in_quotes(std::string_view text) { return "'" + excerpt(text) + "'"; }

// Calls line(text, line_no) for each non-blank line of `in` and blank(line_no) for each blank
// one, after dropping a BOM and a trailing '\r' and checking UTF-8. Returns whether any line
// was read at all (blank ones excepted).
template <typename Line, typename Blank>
bool for_each_line(std::istream& in, const std::string& path, Line line, Blank blank) {
  std::string buffer;
  int line_no = 0;
  bool any = false;
  while (std::getline(in, buffer)) {
    if (line_no == INT_MAX) throw ParseError(path, line_no, "too many lines for one file");
    ++line_no;
    std::string_view text = buffer;
    if (line_no == 1 && text.starts_with(kByteOrderMark)) text.remove_prefix(kByteOrderMark.size());
    if (text.ends_with('\r')) text.remove_suffix(1);
    if (trim(text).empty()) {
      blank(line_no);
      continue;
    }
    if (auto bad = find_invalid_utf8(text)) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(text[*bad]));
      throw ParseError(path, line_no,
                       "expected UTF-8 text, found the invalid byte " + std::string(hex) +
                           " at byte " + std::to_string(*bad + 1) + " of the line");
    }
    any = true;
    line(text, line_no);
  }
  if (in.bad()) throw std::runtime_error("cannot read " + path + ": read error");
  return any;
}

struct IdAndRest {
  int id = 0;
  std::string_view rest;  // what follows the id, its separator (space or tab) included
};

// Splits the leading line id from `text`. Throws ParseError unless it is a decimal int.
// Only leading whitespace is dropped: a trailing tab still separates an empty bot utterance.
IdAndRest split_id(std::string_view text, const std::string& path, int line_no) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  std::size_t end = 0;
  while (end < text.size() && !is_space(text[end])) ++end;
  const std::string_view id_text = text.substr(0, end);
  IdAndRest result;
  result.rest = text.substr(end);
  const bool digits =
      std::all_of(id_text.begin(), id_text.end(), [](char c) { return c >= '0' && c <= '9'; });
  const auto [ptr, ec] =
      std::from_chars(id_text.data(), id_text.data() + id_text.size(), result.id);
  if (ec == std::errc::result_out_of_range && digits) {
    throw ParseError(path, line_no,
                     "expected a line id, found " + in_quotes(id_text) + ", which is too large");
  }
  if (!digits || ec != std::errc() || ptr != id_text.data() + id_text.size()) {
    throw ParseError(
        path, line_no,
        "expected a numeric line id at the start of the line, found " + in_quotes(id_text));
  }
  return result;
}

std::ifstream open_file(const std::string& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) throw std::runtime_error("cannot open " + path + ": no such file");
  if (fs::is_directory(status)) throw std::runtime_error("cannot open " + path + ": is a folder");
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const std::string reason = errno != 0 ? std::strerror(errno) : "unknown error";
    throw std::runtime_error("cannot open " + path + ": " + reason);
  }
  return in;
}

bool is_api_result(const std::vector<std::string_view>& words) {
  if (words.size() != 3) return false;
  if (words[1].starts_with("R_")) return true;
  return words[0] == "api_call" && words[1] == "no" && words[2] == "result";
}

Utterance make_utterance(Utterance::Speaker speaker, int id, int line_no, std::string_view text) {
  Utterance u;
  u.speaker = speaker;
  u.line_id = id;
  u.source_line = line_no;
  u.text = std::string(text);
  u.tokens = dialog_tokenize(text);
  return u;
}

class DialogParser {
 public:
  explicit DialogParser(const std::string& path) : path_(path) {}

  void blank(int line_no) {
    if (dialog_ && blank_line_ == 0) blank_line_ = line_no;
  }

  void line(std::string_view text, int line_no) {
    line_no_ = line_no;
    const IdAndRest parsed = split_id(text, path_, line_no);
    const int id = parsed.id;
    check_sequence(id);
    last_id_ = id;

    const std::vector<std::string_view> fields = split_tabs(parsed.rest);
    if (trim(parsed.rest).empty()) {
      fail("expected text after line id " + std::to_string(id) + ", found none");
    }
    if (fields.size() == 1) {
      const std::string_view body = trim(fields[0]);
      if (!is_api_result(split_spaces(body))) {
        fail("expected 'user<TAB>bot' or an API result 'entity R_relation value', found " +
             in_quotes(body) + " (missing tab?)");
      }
      dialog_->history.push_back(make_utterance(Utterance::Speaker::kApi, id, line_no, body));
      return;
    }
    if (fields.size() > 2) {
      fail("expected one tab between the user and bot utterances, found " +
           std::to_string(fields.size() - 1));
    }
    const std::string_view user = trim(fields[0]);
    const std::string_view bot = trim(fields[1]);
    if (bot.empty()) fail("expected a bot utterance after the tab, found none");

    DialogTurn turn;
    turn.history_size = static_cast<int>(dialog_->history.size());
    turn.line_id = id;
    turn.source_line = line_no;
    dialog_->history.push_back(make_utterance(Utterance::Speaker::kUser, id, line_no, user));
    dialog_->history.push_back(make_utterance(Utterance::Speaker::kBot, id, line_no, bot));
    turn.user = std::string(user);
    turn.user_tokens = dialog_->history[static_cast<std::size_t>(turn.history_size)].tokens;
    turn.bot = std::string(bot);
    dialog_->turns.push_back(std::move(turn));
  }

  std::vector<Dialog> finish(bool any_line) {
    if (!any_line) {
      line_no_ = 1;
      fail("empty file, expected dialog bAbI lines");
    }
    close_dialog();
    return std::move(dialogs_);
  }

 private:
  [[noreturn]] void fail(const std::string& reason) const {
    throw ParseError(path_, line_no_, reason);
  }

  void check_sequence(int id) {
    if (id == 1) {
      close_dialog();
      dialog_.emplace();
      dialog_->source_line = line_no_;
      blank_line_ = 0;
      return;
    }
    if (!dialog_) {
      fail("expected line id 1 to start the first dialog, found " + std::to_string(id));
    }
    if (blank_line_ != 0) {
      fail("expected line id 1 to start a new dialog after the blank line at line " +
           std::to_string(blank_line_) + ", found " + std::to_string(id));
    }
    const long long expected = static_cast<long long>(last_id_) + 1;  // no overflow at INT_MAX
    if (id != expected) {
      fail("expected line id 1 (a new dialog) or " + std::to_string(expected) + ", found " +
           std::to_string(id));
    }
  }

  void close_dialog() {
    if (!dialog_) return;
    if (dialog_->turns.empty()) {
      throw ParseError(path_, dialog_->source_line,
                       "expected a 'user<TAB>bot' line in the dialog starting here, found only " +
                           std::to_string(dialog_->history.size()) + " API result line(s)");
    }
    dialogs_.push_back(std::move(*dialog_));
    dialog_.reset();
  }

  const std::string& path_;
  int line_no_ = 0;
  int last_id_ = 0;
  int blank_line_ = 0;  // first blank line after the current dialog's start, 0 if none
  std::vector<Dialog> dialogs_;
  std::optional<Dialog> dialog_;  // the dialog being read
};

}  // namespace

std::vector<std::string> dialog_tokenize(std::string_view text) {
  std::vector<std::string> tokens;
  for (std::string_view word : split_spaces(text)) tokens.push_back(lower_ascii(word));
  return tokens;
}

std::vector<Dialog> parse_dialog_babi(std::istream& in, const std::string& path) {
  DialogParser parser(path);
  const bool any = for_each_line(
      in, path, [&](std::string_view text, int line_no) { parser.line(text, line_no); },
      [&](int line_no) { parser.blank(line_no); });
  return parser.finish(any);
}

std::vector<Dialog> load_dialog_babi_file(const std::string& path) {
  std::ifstream in = open_file(path);
  return parse_dialog_babi(in, path);
}

// --- Candidates -------------------------------------------------------------------------------

Candidates::Candidates(std::vector<std::string> texts) : texts_(std::move(texts)) {
  tokens_.reserve(texts_.size());
  for (std::size_t i = 0; i < texts_.size(); ++i) {
    texts_[i] = std::string(trim(texts_[i]));
    const auto [it, inserted] = index_.emplace(texts_[i], static_cast<int>(i));
    if (!inserted) {
      throw std::invalid_argument("candidate " + in_quotes(texts_[i]) + " is given twice (at " +
                                  std::to_string(it->second) + " and " + std::to_string(i) + ")");
    }
    tokens_.push_back(dialog_tokenize(texts_[i]));
  }
}

int Candidates::find(std::string_view text) const {
  const auto it = index_.find(std::string(trim(text)));
  return it == index_.end() ? -1 : it->second;
}

Candidates parse_candidates(std::istream& in, const std::string& path) {
  std::vector<std::string> texts;
  std::unordered_map<std::string, int> line_of;
  const bool any = for_each_line(
      in, path,
      [&](std::string_view line, int line_no) {
        const IdAndRest parsed = split_id(line, path, line_no);
        const std::string_view text = trim(parsed.rest);
        if (text.empty()) {
          throw ParseError(path, line_no, "expected a candidate after the id, found none");
        }
        if (text.find('\t') != std::string_view::npos) {
          throw ParseError(path, line_no,
                           "expected one candidate without tabs, found a tab (a dialog file?)");
        }
        const auto [it, inserted] = line_of.emplace(std::string(text), line_no);
        if (!inserted) {
          throw ParseError(path, line_no,
                           "expected each candidate once, found " + in_quotes(text) +
                               " again (first at line " + std::to_string(it->second) + ")");
        }
        texts.emplace_back(text);
      },
      [](int) {});
  if (!any) throw ParseError(path, 1, "empty file, expected candidate lines");
  return Candidates(std::move(texts));
}

Candidates load_candidates(const std::string& path) {
  std::ifstream in = open_file(path);
  return parse_candidates(in, path);
}

// --- Knowledge base ---------------------------------------------------------------------------

KnowledgeBase parse_kb(std::istream& in, const std::string& path) {
  KnowledgeBase kb;
  const bool any = for_each_line(
      in, path,
      [&](std::string_view line, int line_no) {
        const IdAndRest parsed = split_id(line, path, line_no);
        const std::vector<std::string_view> words = split_spaces(parsed.rest);
        if (words.size() != 3) {
          throw ParseError(path, line_no,
                           "expected 'entity R_relation value' after the id, found " +
                               std::to_string(words.size()) + " field(s)");
        }
        if (!words[1].starts_with("R_")) {
          throw ParseError(path, line_no,
                           "expected a relation starting with R_, found " + in_quotes(words[1]));
        }
        KbFact fact;
        fact.entity = lower_ascii(words[0]);
        fact.relation = std::string(words[1]);
        fact.value = lower_ascii(words[2]);
        fact.source_line = line_no;
        std::vector<std::string>& types = kb.entity_types[fact.value];
        if (std::find(types.begin(), types.end(), fact.relation) == types.end()) {
          types.push_back(fact.relation);
        }
        kb.facts.push_back(std::move(fact));
      },
      [](int) {});
  if (!any) throw ParseError(path, 1, "empty file, expected knowledge base lines");
  return kb;
}

KnowledgeBase load_kb(const std::string& path) {
  std::ifstream in = open_file(path);
  return parse_kb(in, path);
}

// --- Task files -------------------------------------------------------------------------------

namespace {

// Full paths of the files in `dir` named prefix + (non-empty middle) + suffix, sorted.
std::vector<std::string> matching(const std::vector<fs::path>& files, std::string_view prefix,
                                  std::string_view suffix) {
  std::vector<std::string> out;
  for (const fs::path& file : files) {
    const std::string name = file.filename().string();
    if (name.size() > prefix.size() + suffix.size() && name.starts_with(prefix) &&
        name.ends_with(suffix)) {
      out.push_back(file.string());
    }
  }
  return out;
}

class TaskFolder {
 public:
  TaskFolder(const std::string& dir, int task) : dir_(dir), task_(task) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      throw std::runtime_error("dialog bAbI folder " + dir + " does not exist or is not a folder");
    }
    fs::directory_iterator it(dir, ec);
    if (ec) throw std::runtime_error("cannot list dialog bAbI folder " + dir + ": " + ec.message());
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (ec) {
        throw std::runtime_error("cannot list dialog bAbI folder " + dir + ": " + ec.message());
      }
      files_.push_back(it->path());
    }
    std::sort(files_.begin(), files_.end());
  }

  // The task's own "dialog-babi-task<N>-*-<kind>.txt", else `shared` when given and present.
  // nullopt when neither is there; throws when a pattern matches two files.
  std::optional<std::string> find(const std::string& kind, const std::string& shared = "") const {
    const std::string prefix = "dialog-babi-task" + std::to_string(task_) + "-";
    const std::string suffix = "-" + kind + ".txt";
    std::vector<std::string> found = matching(files_, prefix, suffix);
    if (found.size() > 1) {
      throw std::runtime_error("dialog bAbI task " + std::to_string(task_) + " has " +
                               std::to_string(found.size()) + " " + kind + " files in " + dir_ +
                               " (" + prefix + "*" + suffix + " matches " + found[0] + " and " +
                               found[1] + ")");
    }
    if (found.size() == 1) return found[0];
    if (!shared.empty()) {
      const fs::path path = fs::path(dir_) / shared;
      if (std::find(files_.begin(), files_.end(), path) != files_.end()) return path.string();
    }
    return std::nullopt;
  }

  std::string require(const std::string& kind, const std::string& shared = "") const {
    if (std::optional<std::string> path = find(kind, shared)) return *path;
    std::string patterns = "dialog-babi-task" + std::to_string(task_) + "-*-" + kind + ".txt";
    if (!shared.empty()) patterns += " or " + shared;
    throw std::runtime_error("dialog bAbI task " + std::to_string(task_) + " has no " + kind +
                             " file in " + dir_ + " (no file matches " + patterns + ")");
  }

 private:
  std::string dir_;
  int task_;
  std::vector<fs::path> files_;
};

}  // namespace

DialogTaskFiles find_dialog_task_files(const std::string& dir, int task) {
  if (task < 1 || task > 6) {
    throw std::invalid_argument("dialog bAbI tasks are numbered 1 to 6, got " +
                                std::to_string(task));
  }
  const TaskFolder folder(dir, task);
  const bool shares = task <= 5;  // README: tasks 1-5 share the candidates and the KB
  DialogTaskFiles files;
  files.task = task;
  files.trn = folder.require("trn");
  files.dev = folder.require("dev");
  files.tst = folder.require("tst");
  files.tst_oov = folder.find("tst-OOV");
  files.candidates = folder.require("candidates", shares ? "dialog-babi-candidates.txt" : "");
  files.kb = folder.find("kb", shares ? "dialog-babi-kb-all.txt" : "");
  return files;
}

// --- Candidates and match types ---------------------------------------------------------------

void attach_candidates(std::vector<Dialog>& dialogs, const Candidates& candidates,
                       const std::string& path) {
  // Found first, assigned after: a missing response leaves `dialogs` as it was.
  std::vector<int> found;
  for (const Dialog& dialog : dialogs) {
    for (const DialogTurn& turn : dialog.turns) {
      const int index = candidates.find(turn.bot);
      if (index < 0) {
        throw ParseError(
            path, turn.source_line,
            "expected a bot utterance from the candidates, found " + in_quotes(turn.bot));
      }
      found.push_back(index);
    }
  }
  std::size_t next = 0;
  for (Dialog& dialog : dialogs) {
    for (DialogTurn& turn : dialog.turns) turn.candidate = found[next++];
  }
}

std::set<std::string> dialog_words(const Dialog& dialog, std::size_t turn) {
  const DialogTurn& t = dialog.turns.at(turn);
  std::set<std::string> words(t.user_tokens.begin(), t.user_tokens.end());
  const std::size_t n =
      std::min(static_cast<std::size_t>(std::max(t.history_size, 0)), dialog.history.size());
  for (std::size_t i = 0; i < n; ++i) {
    words.insert(dialog.history[i].tokens.begin(), dialog.history[i].tokens.end());
  }
  return words;
}

std::vector<std::string> match_types(const std::vector<std::string>& candidate_tokens,
                                     const std::set<std::string>& dialog_words,
                                     const KnowledgeBase& kb) {
  std::vector<std::string> types;
  for (const std::string& word : candidate_tokens) {
    if (!dialog_words.contains(word)) continue;
    const auto it = kb.entity_types.find(word);
    if (it == kb.entity_types.end()) continue;
    for (const std::string& type : it->second) {
      if (std::find(types.begin(), types.end(), type) == types.end()) types.push_back(type);
    }
  }
  return types;
}

}  // namespace memnet::datasets
