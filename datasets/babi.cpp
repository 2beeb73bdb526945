// datasets/babi.cpp
#include "datasets/babi.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include "datasets/tokenize.h"
#include "datasets/utf8.h"

namespace memnet::datasets {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

bool is_blank_line(std::string_view s) { return trim(s).empty(); }

// `text` shortened for an error message, so a megabyte of garbage does not become the message.
std::string excerpt(std::string_view text) {
  constexpr std::size_t kMax = 40;
  if (text.size() <= kMax) return std::string(text);
  std::size_t cut = kMax;
  // Back up to a character boundary (text is valid UTF-8 by the time it is quoted).
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...";
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

enum class NumberError { kNone, kNotANumber, kTooLarge };

// Parses a non-negative decimal int, nothing else (no sign, no spaces).
NumberError parse_id(std::string_view s, int& value) {
  if (!all_digits(s)) return NumberError::kNotANumber;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec == std::errc::result_out_of_range) return NumberError::kTooLarge;
  if (ec != std::errc() || end != s.data() + s.size()) return NumberError::kNotANumber;
  return NumberError::kNone;
}

bool ends_with_question_mark(std::string_view text) {
  return text.ends_with('?') || text.ends_with("\xEF\xBC\x9F");  // '?' or U+FF1F '？'
}

// Splits on '\t'.
std::vector<std::string_view> split_tabs(std::string_view s) {
  std::vector<std::string_view> fields;
  for (;;) {
    const std::size_t tab = s.find('\t');
    fields.push_back(s.substr(0, tab));
    if (tab == std::string_view::npos) return fields;
    s.remove_prefix(tab + 1);
  }
}

std::vector<std::string_view> split_blanks(std::string_view s) {
  std::vector<std::string_view> words;
  for (;;) {
    s = trim(s);
    if (s.empty()) return words;
    std::size_t end = 0;
    while (end < s.size() && !is_blank(s[end])) ++end;
    words.push_back(s.substr(0, end));
    s.remove_prefix(end);
  }
}

class Parser {
 public:
  explicit Parser(const std::string& path) : path_(path) {}

  void line(std::string_view text, int line_no) {
    line_no_ = line_no;
    if (auto bad = find_invalid_utf8(text)) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(text[*bad]));
      fail("expected UTF-8 text, found the invalid byte " + std::string(hex) + " at byte " +
           std::to_string(*bad + 1) + " of the line");
    }
    std::string_view rest = trim(text);
    const std::size_t id_end = std::min(rest.find(' '), rest.find('\t'));
    const std::string_view id_text = rest.substr(0, id_end);
    rest = id_end == std::string_view::npos ? std::string_view() : rest.substr(id_end + 1);

    int id = 0;
    switch (parse_id(id_text, id)) {
      case NumberError::kNotANumber:
        fail("expected a numeric line id at the start of the line, found '" + excerpt(id_text) +
             "'");
      case NumberError::kTooLarge:
        fail("expected a line id, found '" + excerpt(id_text) + "', which is too large");
      case NumberError::kNone:
        break;
    }
    check_sequence(id);

    const std::vector<std::string_view> fields = split_tabs(rest);
    const std::string_view body = trim(fields[0]);
    if (body.empty()) fail("expected text after line id " + std::to_string(id) + ", found none");
    if (fields.size() == 1) {
      if (ends_with_question_mark(body)) {
        fail("expected a tab-separated answer after the question, found none (missing tab)");
      }
      if (body.find('?') != std::string_view::npos) {
        // "2 Where is Mary? kitchen 1": a question whose tabs became spaces.
        fail(
            "expected a question line 'ID question?<TAB>answer<TAB>supporting ids', found '?' "
            "but no tab (were the tabs turned into spaces?)");
      }
      add_statement(id, body);
    } else {
      add_question(id, body, fields);
    }
  }

  std::vector<Story> finish() {
    if (!story_) {
      line_no_ = 1;
      fail("empty file, expected bAbI lines");
    }
    stories_.push_back(std::move(*story_));
    return std::move(stories_);
  }

 private:
  [[noreturn]] void fail(const std::string& reason) const {
    throw ParseError(path_, line_no_, reason);
  }

  void check_sequence(int id) {
    if (id == 1) {
      if (story_) stories_.push_back(std::move(*story_));
      story_.emplace();
      story_->source_line = line_no_;
      statement_of_line_.clear();
      return;
    }
    if (!story_) {
      fail("expected line id 1 to start the first story, found " + std::to_string(id));
    }
    const int expected = static_cast<int>(statement_of_line_.size()) + 1;
    if (id != expected) {
      fail("expected line id 1 (a new story) or " + std::to_string(expected) + ", found " +
           std::to_string(id));
    }
  }

  void add_statement(int id, std::string_view text) {
    Statement s;
    s.line_id = id;
    s.source_line = line_no_;
    s.text = std::string(text);
    s.tokens = tokenize(text);
    statement_of_line_.push_back(static_cast<int>(story_->statements.size()));
    story_->statements.push_back(std::move(s));
  }

  void add_question(int id, std::string_view text, const std::vector<std::string_view>& fields) {
    for (std::size_t i = 3; i < fields.size(); ++i) {
      if (!trim(fields[i]).empty()) {
        fail("expected at most 3 tab-separated fields (question, answer, supporting ids), found " +
             std::to_string(fields.size()));
      }
    }
    Question q;
    q.line_id = id;
    q.source_line = line_no_;
    q.text = std::string(text);
    q.tokens = tokenize(text);
    q.answer = normalize_answer(fields[1]);
    if (q.answer.empty()) fail("expected an answer after the tab, found an empty field");
    if (fields.size() >= 3) {
      for (std::string_view word : split_blanks(fields[2])) {
        int support = 0;
        switch (parse_id(word, support)) {
          case NumberError::kNotANumber:
            fail("expected supporting line ids as numbers, found '" + excerpt(word) + "'");
          case NumberError::kTooLarge:
            fail("expected a supporting line id, found '" + excerpt(word) +
                 "', which is too large");
          case NumberError::kNone:
            break;
        }
        if (support < 1 || support >= id) {
          const std::string range = id == 1 ? "none yet" : "1.." + std::to_string(id - 1);
          fail("expected supporting line ids of earlier statements of this story (" + range +
               "), found " + std::to_string(support));
        }
        const int statement = statement_of_line_[static_cast<std::size_t>(support - 1)];
        if (statement < 0) {
          fail("expected supporting line ids of statements, found " + std::to_string(support) +
               ", which is a question");
        }
        q.support.push_back(statement);
      }
    }
    q.statements_before = static_cast<int>(story_->statements.size());
    statement_of_line_.push_back(-1);
    story_->questions.push_back(std::move(q));
  }

  const std::string& path_;
  int line_no_ = 0;
  std::vector<Story> stories_;
  std::optional<Story> story_;  // the story being read
  // statement_of_line_[id - 1]: index into story_->statements of line `id`, -1 for a question.
  std::vector<int> statement_of_line_;
};

}  // namespace

std::vector<Story> parse_babi(std::istream& in, const std::string& path) {
  Parser parser(path);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    if (line_no == INT_MAX) throw ParseError(path, line_no, "too many lines for one file");
    ++line_no;
    std::string_view text = line;
    if (line_no == 1 && text.starts_with(kByteOrderMark)) text.remove_prefix(kByteOrderMark.size());
    if (text.ends_with('\r')) text.remove_suffix(1);
    if (is_blank_line(text)) continue;
    parser.line(text, line_no);
  }
  if (in.bad()) throw std::runtime_error("cannot read " + path + ": read error");
  return parser.finish();
}

std::vector<Story> load_babi_file(const std::string& path) {
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
  return parse_babi(in, path);
}

namespace {

// Task number of a file named "qa<N>_<name>_<split>.txt", or 0 when the name does not match.
int task_of(const std::string& name, std::string_view split) {
  std::string suffix = "_";  // built by append: GCC 12 warns (-Wrestrict) on "_" + string
  suffix.append(split).append(".txt");
  if (!name.starts_with("qa") || !name.ends_with(suffix)) return 0;
  const std::size_t underscore = name.find('_', 2);
  // "qa<N>_" + name + suffix; the name may be empty but must not overlap the suffix.
  if (underscore == std::string::npos || underscore + suffix.size() >= name.size()) return 0;
  int task = 0;
  if (parse_id(std::string_view(name).substr(2, underscore - 2), task) != NumberError::kNone) {
    return 0;
  }
  return task;
}

std::vector<fs::path> list_folder(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw std::runtime_error("bAbI folder " + dir + " does not exist or is not a folder");
  }
  std::vector<fs::path> files;
  fs::directory_iterator it(dir, ec);
  if (ec) throw std::runtime_error("cannot list bAbI folder " + dir + ": " + ec.message());
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) throw std::runtime_error("cannot list bAbI folder " + dir + ": " + ec.message());
    files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

namespace {

std::string find_in(const std::vector<fs::path>& files, const std::string& dir, int task,
                    std::string_view split) {
  std::string pattern = "qa" + std::to_string(task) + "_*_";
  pattern.append(split).append(".txt");
  std::vector<std::string> matches;
  for (const fs::path& file : files) {
    if (task_of(file.filename().string(), split) == task) matches.push_back(file.string());
  }
  if (matches.empty()) {
    throw std::runtime_error("bAbI task " + std::to_string(task) + " has no " + std::string(split) +
                             " file in " + dir + " (no file matches " + pattern + ")");
  }
  if (matches.size() > 1) {
    throw std::runtime_error("bAbI task " + std::to_string(task) + " has " +
                             std::to_string(matches.size()) + " " + std::string(split) +
                             " files in " + dir + " (" + pattern + " matches " + matches[0] +
                             " and " + matches[1] + ")");
  }
  return matches[0];
}

void check_task(int task) {
  if (task < 1)
    throw std::invalid_argument("bAbI task numbers start at 1, got " + std::to_string(task));
}

}  // namespace

TaskFiles find_task_files(const std::string& dir, int task) {
  check_task(task);
  const std::vector<fs::path> files = list_folder(dir);
  TaskFiles result;
  result.task = task;
  result.train = find_in(files, dir, task, "train");
  result.test = find_in(files, dir, task, "test");
  return result;
}

std::string find_task_file(const std::string& dir, int task, std::string_view split) {
  check_task(task);
  return find_in(list_folder(dir), dir, task, split);
}

std::optional<std::string> find_validation_file(const std::string& dir, int task) {
  check_task(task);
  const std::vector<fs::path> files = list_folder(dir);
  for (const fs::path& file : files) {
    if (task_of(file.filename().string(), "valid") == task)
      return find_in(files, dir, task, "valid");
  }
  return std::nullopt;
}

std::vector<int> available_tasks(const std::string& dir) {
  std::vector<int> tasks;
  for (const fs::path& file : list_folder(dir)) {
    const int task = task_of(file.filename().string(), "train");
    if (task > 0) tasks.push_back(task);
  }
  std::sort(tasks.begin(), tasks.end());
  tasks.erase(std::unique(tasks.begin(), tasks.end()), tasks.end());
  return tasks;
}

}  // namespace memnet::datasets
