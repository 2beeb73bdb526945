#include "datasets/dialog_babi.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_data.h"

namespace ds = memnet::datasets;
using ds::ParseError;
using Speaker = ds::Utterance::Speaker;
using Tokens = std::vector<std::string>;
using Strings = std::vector<std::string>;

namespace {

std::vector<ds::Dialog> parse(const std::string& text, const std::string& path = "d.txt") {
  std::istringstream in(text);
  return ds::parse_dialog_babi(in, path);
}

ds::Candidates candidates(const std::string& text, const std::string& path = "c.txt") {
  std::istringstream in(text);
  return ds::parse_candidates(in, path);
}

ds::KnowledgeBase kb(const std::string& text, const std::string& path = "kb.txt") {
  std::istringstream in(text);
  return ds::parse_kb(in, path);
}

const char* const kTask3Excerpt =
    "1 hi\thello what can i help you with today\n"
    "2 <SILENCE>\tapi_call italian rome six cheap\n"
    "3 resto_rome_cheap_italian_1stars R_phone resto_rome_cheap_italian_1stars_phone\n"
    "4 resto_rome_cheap_italian_1stars R_rating 1\n"
    "5 <SILENCE>\twhat do you think of this option: resto_rome_cheap_italian_1stars\n"
    "\n"
    "1 <SILENCE>\tHello , welcome . How may I help you ?\n"
    "2 thai food\tapi_call thai R_location R_price\n"
    "3 api_call no result\n"
    "4 goodbye\t you are welcome\n";

}  // namespace

TEST_CASE("dialog: dialog_tokenize splits on whitespace only and lower-cases ASCII") {
  CHECK(ds::dialog_tokenize("<SILENCE>") == Tokens{"<silence>"});
  CHECK(ds::dialog_tokenize("what do you think of this option: resto_x_1stars") ==
        Tokens{"what", "do", "you", "think", "of", "this", "option:", "resto_x_1stars"});
  CHECK(ds::dialog_tokenize(" Sorry, C.B 2 ?\t. ") == Tokens{"sorry,", "c.b", "2", "?", "."});
  CHECK(ds::dialog_tokenize("") == Tokens{});
  CHECK(ds::dialog_tokenize("i'm on it") == Tokens{"i'm", "on", "it"});
}

TEST_CASE("dialog: turns, API results and history keep the file's order") {
  const auto dialogs = parse(kTask3Excerpt);
  REQUIRE(dialogs.size() == 2);

  const ds::Dialog& first = dialogs[0];
  CHECK(first.source_line == 1);
  REQUIRE(first.history.size() == 8);
  const std::vector<Speaker> speakers = {Speaker::kUser, Speaker::kBot, Speaker::kUser,
                                         Speaker::kBot,  Speaker::kApi, Speaker::kApi,
                                         Speaker::kUser, Speaker::kBot};
  for (std::size_t i = 0; i < speakers.size(); ++i) {
    CAPTURE(i);
    CHECK(first.history[i].speaker == speakers[i]);
  }
  CHECK(first.history[4].text ==
        "resto_rome_cheap_italian_1stars R_phone resto_rome_cheap_italian_1stars_phone");
  CHECK(first.history[4].tokens == Tokens{"resto_rome_cheap_italian_1stars", "r_phone",
                                          "resto_rome_cheap_italian_1stars_phone"});
  CHECK(first.history[4].line_id == 3);
  CHECK(first.history[5].source_line == 4);

  REQUIRE(first.turns.size() == 3);
  CHECK(first.turns[0].history_size == 0);
  CHECK(first.turns[0].user == "hi");
  CHECK(first.turns[0].bot == "hello what can i help you with today");
  CHECK(first.turns[0].candidate == -1);
  CHECK(first.turns[1].history_size == 2);
  CHECK(first.turns[1].user == "<SILENCE>");
  CHECK(first.turns[1].user_tokens == Tokens{"<silence>"});
  CHECK(first.turns[1].bot == "api_call italian rome six cheap");
  CHECK(first.turns[2].history_size == 6);  // two API results in memory
  CHECK(first.turns[2].line_id == 5);
  CHECK(first.turns[2].source_line == 5);
  for (const ds::DialogTurn& turn : first.turns) {
    const auto at = static_cast<std::size_t>(turn.history_size);
    CHECK(first.history[at].text == turn.user);
    CHECK(first.history[at + 1].text == turn.bot);
  }

  const ds::Dialog& second = dialogs[1];
  CHECK(second.source_line == 7);
  REQUIRE(second.turns.size() == 3);
  CHECK(second.turns[0].bot == "Hello , welcome . How may I help you ?");
  CHECK(second.history[0].tokens == Tokens{"<silence>"});
  CHECK(second.history[1].tokens ==
        Tokens{"hello", ",", "welcome", ".", "how", "may", "i", "help", "you", "?"});
  CHECK(second.history[4].speaker == Speaker::kApi);
  CHECK(second.history[4].text == "api_call no result");
  CHECK(second.turns[2].history_size == 5);
  CHECK(second.turns[2].bot == "you are welcome");  // trimmed
}

TEST_CASE("dialog: an empty user utterance is kept, as task 6 trn has six") {
  const auto dialogs = parse("1 <SILENCE>\tHello\n2 \tOk , any part of town right?\n3\tbye\n");
  REQUIRE(dialogs.at(0).turns.size() == 3);
  CHECK(dialogs[0].turns[1].user.empty());
  CHECK(dialogs[0].turns[1].user_tokens.empty());
  CHECK(dialogs[0].turns[1].bot == "Ok , any part of town right?");
  CHECK(dialogs[0].turns[2].user.empty());
  CHECK(dialogs[0].history.at(2).speaker == Speaker::kUser);
}

TEST_CASE("dialog: a dialog may start without a blank line before it") {
  const auto dialogs = parse("1 hi\thello\n2 bye\tbye\n1 hi\thello\n");
  REQUIRE(dialogs.size() == 2);
  CHECK(dialogs[1].source_line == 3);
  CHECK(dialogs[1].turns.at(0).history_size == 0);
}

TEST_CASE("dialog: CRLF line ends, a byte-order mark and trailing blank lines are accepted") {
  const auto unix_dialogs = parse(kTask3Excerpt);
  std::string windows = "\xEF\xBB\xBF";
  for (char c : std::string(kTask3Excerpt)) {
    if (c == '\n') windows += '\r';
    windows += c;
  }
  windows += "\r\n\r\n";
  const auto dialogs = parse(windows);
  REQUIRE(dialogs.size() == unix_dialogs.size());
  for (std::size_t d = 0; d < dialogs.size(); ++d) {
    REQUIRE(dialogs[d].history.size() == unix_dialogs[d].history.size());
    for (std::size_t i = 0; i < dialogs[d].history.size(); ++i) {
      CHECK(dialogs[d].history[i].text == unix_dialogs[d].history[i].text);
      CHECK(dialogs[d].history[i].tokens == unix_dialogs[d].history[i].tokens);
    }
  }
  CHECK(dialogs[0].turns[0].user == "hi");
}

TEST_CASE("dialog: malformed dialog lines are reported as path:line: reason") {
  SUBCASE("a line without a numeric id") {
    CHECK_THROWS_WITH_AS(parse("1 hi\thello\nhi\tthere\n", "data/task1-trn.txt"),
                         "data/task1-trn.txt:2: expected a numeric line id at the start of the "
                         "line, found 'hi'",
                         ParseError);
    CHECK_THROWS_WITH_AS(parse("-1 hi\thello\n"),
                         "d.txt:1: expected a numeric line id at the start of the line, found '-1'",
                         ParseError);
  }
  SUBCASE("an id too large for int") {
    CHECK_THROWS_WITH_AS(
        parse("1 hi\thello\n99999999999999999999 hi\thello\n"),
        "d.txt:2: expected a line id, found '99999999999999999999', which is too large",
        ParseError);
  }
  SUBCASE("the first line does not start a dialog") {
    CHECK_THROWS_WITH_AS(parse("2 hi\thello\n"),
                         "d.txt:1: expected line id 1 to start the first dialog, found 2",
                         ParseError);
  }
  SUBCASE("ids out of sequence") {
    CHECK_THROWS_WITH_AS(parse("1 a\tb\n2 c\td\n4 e\tf\n"),
                         "d.txt:3: expected line id 1 (a new dialog) or 3, found 4", ParseError);
    CHECK_THROWS_WITH_AS(parse("1 a\tb\n1 c\td\n1 e\tf\n0 g\th\n"),
                         "d.txt:4: expected line id 1 (a new dialog) or 2, found 0", ParseError);
    CHECK_THROWS_WITH_AS(parse("1 a\tb\n2147483647 c\td\n"),
                         "d.txt:2: expected line id 1 (a new dialog) or 2, found 2147483647",
                         ParseError);
  }
  SUBCASE("a dialog going on after the blank line that ended it") {
    CHECK_THROWS_WITH_AS(parse("1 a\tb\n\n\n2 c\td\n"),
                         "d.txt:4: expected line id 1 to start a new dialog after the blank line "
                         "at line 2, found 2",
                         ParseError);
  }
  SUBCASE("a user line whose tab was lost") {
    CHECK_THROWS_WITH_AS(parse("1 hi\thello\n2 rome please\n"),
                         "d.txt:2: expected 'user<TAB>bot' or an API result 'entity R_relation "
                         "value', found 'rome please' (missing tab?)",
                         ParseError);
    CHECK_THROWS_WITH_AS(parse("1 hi\thello\n2 a b c\n"),
                         doctest::Contains("d.txt:2: expected 'user<TAB>bot'"), ParseError);
  }
  SUBCASE("an empty bot utterance") {
    CHECK_THROWS_WITH_AS(parse("1 hi\t \n"),
                         "d.txt:1: expected a bot utterance after the tab, found none", ParseError);
    CHECK_THROWS_WITH_AS(parse("1 hi\t\r\n"),
                         "d.txt:1: expected a bot utterance after the tab, found none", ParseError);
  }
  SUBCASE("an id with nothing after it, or only a tab") {
    CHECK_THROWS_WITH_AS(parse("1 a\tb\n2\n"), "d.txt:2: expected text after line id 2, found none",
                         ParseError);
    CHECK_THROWS_WITH_AS(parse("1 a\tb\n2 \t \n"),
                         "d.txt:2: expected text after line id 2, found none", ParseError);
  }
  SUBCASE("more than one tab") {
    CHECK_THROWS_WITH_AS(parse("1 hi\thello\tthere\n"),
                         "d.txt:1: expected one tab between the user and bot utterances, found 2",
                         ParseError);
  }
  SUBCASE("a dialog of API results only") {
    CHECK_THROWS_WITH_AS(parse("1 a\tb\n\n1 x R_phone x_phone\n2 api_call no result\n"),
                         "d.txt:3: expected a 'user<TAB>bot' line in the dialog starting here, "
                         "found only 2 API result line(s)",
                         ParseError);
  }
  SUBCASE("an empty file") {
    CHECK_THROWS_WITH_AS(parse(""), "d.txt:1: empty file, expected dialog bAbI lines", ParseError);
    CHECK_THROWS_WITH_AS(parse("\n\t\r\n \n"), "d.txt:1: empty file, expected dialog bAbI lines",
                         ParseError);
  }
  SUBCASE("invalid UTF-8") {
    CHECK_THROWS_WITH_AS(
        parse("1 hi\thello\n2 caf\xE9\tok\n"),
        "d.txt:2: expected UTF-8 text, found the invalid byte 0xE9 at byte 6 of the line",
        ParseError);
  }
}

TEST_CASE("dialog: long garbage is quoted shortly and random garbage never crashes") {
  try {
    parse("1 " + std::string(100000, 'x') + "\n");
    FAIL("expected a ParseError");
  } catch (const ParseError& e) {
    CHECK(e.line() == 1);
    CHECK(std::string(e.what()).size() < 250);
  }
  const std::string alphabet[] = {
      "1",   "2",        "0",  " ",    "\t",        "\n",          "\r",         "a",
      "R_x", "api_call", "no", "\xFF", "<SILENCE>", "99999999999", "2147483647", "result"};
  std::mt19937 engine(2017);
  int parsed = 0;
  int rejected = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const int length = static_cast<int>(engine() % 40);
    for (int i = 0; i < length; ++i) text += alphabet[engine() % std::size(alphabet)];
    for (int kind = 0; kind < 3; ++kind) {
      std::istringstream in(text);
      try {
        if (kind == 0) ds::parse_dialog_babi(in, "d.txt");
        if (kind == 1) ds::parse_candidates(in, "c.txt");
        if (kind == 2) ds::parse_kb(in, "kb.txt");
        ++parsed;
      } catch (const ParseError&) {
        ++rejected;
      }
    }
  }
  CHECK(parsed + rejected == 9000);
  CHECK(parsed > 0);
  CHECK(rejected > 0);
}

TEST_CASE("dialog: candidates drop the leading id and are found by trimmed text") {
  const ds::Candidates c = candidates(
      "1 api_call italian bombay four cheap\n"
      "1 what do you think of this option: resto_rome_cheap_indian_6stars\n"
      "\n"
      "7  you are welcome\r\n");
  REQUIRE(c.size() == 3);
  CHECK(c.texts()[2] == "you are welcome");
  CHECK(c.tokens()[0] == Tokens{"api_call", "italian", "bombay", "four", "cheap"});
  CHECK(c.find("api_call italian bombay four cheap") == 0);
  CHECK(c.find(" you are welcome") == 2);
  CHECK(c.find("api_call italian bombay four") == -1);
  CHECK(c.find("") == -1);
  CHECK(ds::Candidates().find("x") == -1);
  CHECK_THROWS_AS(ds::Candidates(Strings{"a b", " a b"}), std::invalid_argument);
}

TEST_CASE("dialog: malformed candidate files are reported as path:line: reason") {
  CHECK_THROWS_WITH_AS(candidates("1 a\n1 b\n1  a \n"),
                       "c.txt:3: expected each candidate once, found 'a' again (first at line 1)",
                       ParseError);
  CHECK_THROWS_WITH_AS(candidates("1 hi\thello\n"),
                       "c.txt:1: expected one candidate without tabs, found a tab (a dialog file?)",
                       ParseError);
  CHECK_THROWS_WITH_AS(candidates("1 a\n2\n"),
                       "c.txt:2: expected a candidate after the id, found none", ParseError);
  CHECK_THROWS_WITH_AS(candidates("api_call x\n"),
                       "c.txt:1: expected a numeric line id at the start of the line, found "
                       "'api_call'",
                       ParseError);
  CHECK_THROWS_WITH_AS(candidates("\n"), "c.txt:1: empty file, expected candidate lines",
                       ParseError);
}

TEST_CASE("dialog: a knowledge base reads tab- or space-separated facts") {
  const ds::KnowledgeBase k =
      kb("1 resto_seoul_cheap_korean_1stars R_cuisine\tkorean\n"
         "1 resto_seoul_cheap_korean_1stars R_phone\tresto_seoul_cheap_korean_1stars_phone\n"
         "\n"
         "1 prezzo R_cuisine italian\r\n"
         "1 Prezzo R_location West\n");
  REQUIRE(k.facts.size() == 4);
  CHECK(k.facts[0].entity == "resto_seoul_cheap_korean_1stars");
  CHECK(k.facts[0].relation == "R_cuisine");
  CHECK(k.facts[0].value == "korean");
  CHECK(k.facts[2].source_line == 4);
  CHECK(k.facts[3].entity == "prezzo");  // lower-cased like tokens
  CHECK(k.facts[3].value == "west");
  CHECK(k.entity_types.at("korean") == Strings{"R_cuisine"});
  CHECK(k.entity_types.at("resto_seoul_cheap_korean_1stars_phone") == Strings{"R_phone"});
  CHECK(k.entity_types.count("prezzo") == 0);  // restaurant names are not typed
}

TEST_CASE("dialog: malformed knowledge bases are reported as path:line: reason") {
  CHECK_THROWS_WITH_AS(kb("1 a R_x b\n1 a R_x\n"),
                       "kb.txt:2: expected 'entity R_relation value' after the id, found 2 "
                       "field(s)",
                       ParseError);
  CHECK_THROWS_WITH_AS(kb("1 a cuisine b\n"),
                       "kb.txt:1: expected a relation starting with R_, found 'cuisine'",
                       ParseError);
  CHECK_THROWS_WITH_AS(kb(""), "kb.txt:1: empty file, expected knowledge base lines", ParseError);
}

TEST_CASE("dialog: attach_candidates sets indices or names the line of a missing response") {
  auto dialogs = parse(kTask3Excerpt, "task3.txt");
  const ds::Candidates c = candidates(
      "1 you are welcome\n"
      "1 hello what can i help you with today\n"
      "1 api_call italian rome six cheap\n"
      "1 what do you think of this option: resto_rome_cheap_italian_1stars\n"
      "1 Hello , welcome . How may I help you ?\n"
      "1 api_call thai R_location R_price\n");
  ds::attach_candidates(dialogs, c, "task3.txt");
  CHECK(dialogs[0].turns[0].candidate == 1);
  CHECK(dialogs[0].turns[2].candidate == 3);
  CHECK(dialogs[1].turns[2].candidate == 0);

  auto fresh = parse(kTask3Excerpt, "task3.txt");
  const ds::Candidates fewer = candidates("1 hello what can i help you with today\n");
  CHECK_THROWS_WITH_AS(ds::attach_candidates(fresh, fewer, "task3.txt"),
                       "task3.txt:2: expected a bot utterance from the candidates, found "
                       "'api_call italian rome six cheap'",
                       ParseError);
  CHECK(fresh[0].turns[0].candidate == -1);  // left as it was
}

TEST_CASE("dialog: match types name the KB types of candidate words seen in the dialog") {
  const ds::KnowledgeBase k =
      kb("1 resto_paris_cheap_italian_1stars R_cuisine\titalian\n"
         "1 resto_paris_cheap_italian_1stars R_location\tparis\n"
         "1 resto_paris_cheap_italian_1stars R_price\tcheap\n"
         "1 resto_paris_cheap_italian_1stars R_number\tsix\n"
         "1 resto_paris_cheap_italian_1stars R_phone\tresto_paris_cheap_italian_1stars_phone\n");
  const Tokens call = ds::dialog_tokenize("api_call italian paris six cheap");
  CHECK(ds::match_types(call, {"italian", "paris", "please"}, k) ==
        Strings{"R_cuisine", "R_location"});
  CHECK(ds::match_types(call, {}, k).empty());
  CHECK(ds::match_types(ds::dialog_tokenize("api_call italian italian paris"), {"italian"}, k) ==
        Strings{"R_cuisine"});  // once per type

  const auto dialogs = parse(
      "1 hi\thello\n"
      "2 i want italian food in paris\tok\n"
      "3 resto_paris_cheap_italian_1stars R_phone resto_paris_cheap_italian_1stars_phone\n"
      "4 the phone please\there it is resto_paris_cheap_italian_1stars_phone\n");
  const std::set<std::string> before_second = ds::dialog_words(dialogs[0], 1);
  CHECK(before_second.contains("hello"));
  CHECK(before_second.contains("paris"));     // the turn's own user line
  CHECK_FALSE(before_second.contains("ok"));  // its answer is not shown
  const std::set<std::string> before_last = ds::dialog_words(dialogs[0], 2);
  CHECK(before_last.contains("resto_paris_cheap_italian_1stars_phone"));  // API result
  CHECK(ds::match_types(ds::dialog_tokenize(dialogs[0].turns[2].bot), before_last, k) ==
        Strings{"R_phone"});
  CHECK_THROWS_AS(ds::dialog_words(dialogs[0], 3), std::out_of_range);
}

TEST_CASE("dialog: the loaders name the path they cannot open") {
  CHECK_THROWS_WITH_AS(ds::load_dialog_babi_file("/nonexistent/d.txt"),
                       "cannot open /nonexistent/d.txt: no such file", std::runtime_error);
  CHECK_THROWS_WITH_AS(ds::load_candidates("/nonexistent/c.txt"),
                       "cannot open /nonexistent/c.txt: no such file", std::runtime_error);
  CHECK_THROWS_WITH_AS(ds::load_kb("/nonexistent/kb.txt"),
                       "cannot open /nonexistent/kb.txt: no such file", std::runtime_error);
  const auto dir = memnet::testing::temp_dir("dialog_open");
  CHECK_THROWS_WITH_AS(ds::load_dialog_babi_file(dir.string()),
                       ("cannot open " + dir.string() + ": is a folder").c_str(),
                       std::runtime_error);
  const std::string path = (dir / "bad.txt").string();
  std::ofstream(path) << "1 hi\thello\n2 rome please\n";
  CHECK_THROWS_WITH_AS(ds::load_dialog_babi_file(path),
                       doctest::Contains((path + ":2: expected 'user<TAB>bot'").c_str()),
                       ParseError);
  std::filesystem::remove_all(dir);
}

TEST_CASE("dialog: find_dialog_task_files picks each task's files and names what is missing") {
  const auto dir = memnet::testing::temp_dir("dialog_find");
  for (const char* name :
       {"dialog-babi-task1-API-calls-trn.txt", "dialog-babi-task1-API-calls-dev.txt",
        "dialog-babi-task1-API-calls-tst.txt", "dialog-babi-task1-API-calls-tst-OOV.txt",
        "dialog-babi-task2-API-refine-trn.txt", "dialog-babi-task2-API-refine-tst.txt",
        "dialog-babi-candidates.txt", "dialog-babi-kb-all.txt", "dialog-babi-task6-dstc2-trn.txt",
        "dialog-babi-task6-dstc2-dev.txt", "dialog-babi-task6-dstc2-tst.txt", "README.txt"}) {
    std::ofstream(dir / name) << "1 hi\thello\n";
  }
  const std::string d = dir.string();
  const ds::DialogTaskFiles one = ds::find_dialog_task_files(d, 1);
  CHECK(one.task == 1);
  CHECK(one.trn == (dir / "dialog-babi-task1-API-calls-trn.txt").string());
  CHECK(one.dev == (dir / "dialog-babi-task1-API-calls-dev.txt").string());
  CHECK(one.tst == (dir / "dialog-babi-task1-API-calls-tst.txt").string());
  CHECK(one.tst_oov == (dir / "dialog-babi-task1-API-calls-tst-OOV.txt").string());
  CHECK(one.candidates == (dir / "dialog-babi-candidates.txt").string());
  CHECK(one.kb == (dir / "dialog-babi-kb-all.txt").string());

  SUBCASE("a missing split names the folder and the pattern") {
    CHECK_THROWS_WITH_AS(ds::find_dialog_task_files(d, 2),
                         ("dialog bAbI task 2 has no dev file in " + d +
                          " (no file matches dialog-babi-task2-*-dev.txt)")
                             .c_str(),
                         std::runtime_error);
  }
  SUBCASE("task 6 does not fall back to the files of tasks 1-5") {
    CHECK_THROWS_WITH_AS(ds::find_dialog_task_files(d, 6),
                         ("dialog bAbI task 6 has no candidates file in " + d +
                          " (no file matches dialog-babi-task6-*-candidates.txt)")
                             .c_str(),
                         std::runtime_error);
    std::ofstream(dir / "dialog-babi-task6-dstc2-candidates.txt") << "1 hello\n";
    const ds::DialogTaskFiles six = ds::find_dialog_task_files(d, 6);
    CHECK(six.candidates == (dir / "dialog-babi-task6-dstc2-candidates.txt").string());
    CHECK_FALSE(six.tst_oov.has_value());
    CHECK_FALSE(six.kb.has_value());
  }
  SUBCASE("shared candidates missing for tasks 1-5 names both patterns") {
    std::filesystem::remove(dir / "dialog-babi-candidates.txt");
    CHECK_THROWS_WITH_AS(ds::find_dialog_task_files(d, 1),
                         doctest::Contains("(no file matches dialog-babi-task1-*-candidates.txt "
                                           "or dialog-babi-candidates.txt)"),
                         std::runtime_error);
  }
  SUBCASE("two files for one split are ambiguous") {
    std::ofstream(dir / "dialog-babi-task1-other-trn.txt") << "1 hi\thello\n";
    CHECK_THROWS_WITH_AS(ds::find_dialog_task_files(d, 1),
                         doctest::Contains(("dialog bAbI task 1 has 2 trn files in " + d).c_str()),
                         std::runtime_error);
  }
  SUBCASE("a missing folder and task numbers outside 1-6") {
    CHECK_THROWS_WITH_AS(ds::find_dialog_task_files("/nonexistent/dialog", 1),
                         "dialog bAbI folder /nonexistent/dialog does not exist or is not a folder",
                         std::runtime_error);
    CHECK_THROWS_WITH_AS(ds::find_dialog_task_files(d, 0),
                         "dialog bAbI tasks are numbered 1 to 6, got 0", std::invalid_argument);
    CHECK_THROWS_AS(ds::find_dialog_task_files(d, 7), std::invalid_argument);
  }
  std::filesystem::remove_all(dir);
}

// --- The real files (Bordes et al. 2017), skipped when absent ----------------------------------

namespace {

bool real_data_or_skip() {
  if (memnet::testing::dialog_babi_available()) return true;
  const std::string note = "dialog bAbI data missing at " + memnet::testing::dialog_babi_dir() +
                           "; skipped (set MEMNET_DIALOG_DIR)";
  MESSAGE(note);
  return false;
}

int count_turns(const std::vector<ds::Dialog>& dialogs) {
  int n = 0;
  for (const ds::Dialog& d : dialogs) n += static_cast<int>(d.turns.size());
  return n;
}

struct SplitCount {
  int task;
  const char* split;
  int dialogs;
  int turns;
};

}  // namespace

TEST_CASE("dialog: real task 1 trn has 1000 dialogs and 6024 turns") {
  if (!real_data_or_skip()) return;
  const ds::DialogTaskFiles files =
      ds::find_dialog_task_files(memnet::testing::dialog_babi_dir(), 1);
  const auto dialogs = ds::load_dialog_babi_file(files.trn);
  CHECK(dialogs.size() == 1000);
  CHECK(count_turns(dialogs) == 6024);
  const ds::Dialog& first = dialogs.at(0);
  CHECK(first.turns.at(0).user == "hi");
  CHECK(first.turns.at(0).bot == "hello what can i help you with today");
}

TEST_CASE("dialog: every real split has the dialog and turn counts of the release") {
  if (!real_data_or_skip()) return;
  const std::string dir = memnet::testing::dialog_babi_dir();
  const SplitCount counts[] = {
      {1, "trn", 1000, 6024},     {1, "dev", 1000, 6015},      {1, "tst", 1000, 5936},
      {1, "tst-OOV", 1000, 6020}, {2, "trn", 1000, 9498},      {2, "dev", 1000, 9513},
      {2, "tst", 1000, 9464},     {2, "tst-OOV", 1000, 9460},  {3, "trn", 1000, 9855},
      {3, "dev", 1000, 9978},     {3, "tst", 1000, 10018},     {3, "tst-OOV", 1000, 9788},
      {4, "trn", 1000, 3507},     {4, "dev", 1000, 3529},      {4, "tst", 1000, 3498},
      {4, "tst-OOV", 1000, 3510}, {5, "trn", 1000, 18340},     {5, "dev", 1000, 18457},
      {5, "tst", 1000, 18398},    {5, "tst-OOV", 1000, 18368}, {6, "trn", 1618, 14404},
      {6, "dev", 500, 4159},      {6, "tst", 1117, 11237},
  };
  for (const SplitCount& c : counts) {
    CAPTURE(c.task);
    CAPTURE(std::string(c.split));
    const ds::DialogTaskFiles files = ds::find_dialog_task_files(dir, c.task);
    const std::string split = c.split;
    const std::string path = split == "trn"   ? files.trn
                             : split == "dev" ? files.dev
                             : split == "tst" ? files.tst
                                              : files.tst_oov.value();
    const auto dialogs = ds::load_dialog_babi_file(path);
    CHECK(static_cast<int>(dialogs.size()) == c.dialogs);
    CHECK(count_turns(dialogs) == c.turns);
  }
  CHECK_FALSE(ds::find_dialog_task_files(dir, 6).tst_oov.has_value());
}

TEST_CASE("dialog: every real response of tasks 1-5 is one of the 4212 shared candidates") {
  if (!real_data_or_skip()) return;
  const std::string dir = memnet::testing::dialog_babi_dir();
  const ds::Candidates shared = ds::load_candidates(dir + "/dialog-babi-candidates.txt");
  CHECK(shared.size() == 4212);
  for (int task = 1; task <= 5; ++task) {
    CAPTURE(task);
    const ds::DialogTaskFiles files = ds::find_dialog_task_files(dir, task);
    CHECK(files.candidates == dir + "/dialog-babi-candidates.txt");
    for (const std::string& path : {files.trn, files.dev, files.tst, files.tst_oov.value()}) {
      auto dialogs = ds::load_dialog_babi_file(path);
      CHECK_NOTHROW(ds::attach_candidates(dialogs, shared, path));
      CHECK(dialogs.back().turns.back().candidate >= 0);
    }
  }
}

TEST_CASE("dialog: every real task 6 response is one of its own 2407 candidates") {
  if (!real_data_or_skip()) return;
  const ds::DialogTaskFiles files =
      ds::find_dialog_task_files(memnet::testing::dialog_babi_dir(), 6);
  const ds::Candidates own = ds::load_candidates(files.candidates);
  CHECK(own.size() == 2407);
  // Whitespace tokens keep candidates apart that tokenize() would merge ("... food" and
  // "... food ."): no two candidates share a token list.
  std::set<Tokens> distinct(own.tokens().begin(), own.tokens().end());
  CHECK(distinct.size() == 2407);
  for (const std::string& path : {files.trn, files.dev, files.tst}) {
    auto dialogs = ds::load_dialog_babi_file(path);
    CHECK_NOTHROW(ds::attach_candidates(dialogs, own, path));
    // Each dialog ends with " you are welcome", written with a leading space in the files.
    CHECK(own.texts().at(static_cast<std::size_t>(dialogs.front().turns.back().candidate)) ==
          "you are welcome");
  }
  REQUIRE(files.kb.has_value());
  const ds::KnowledgeBase kb6 = ds::load_kb(*files.kb);
  CHECK(kb6.facts.size() == 649);
  CHECK(kb6.entity_types.at("italian") == Strings{"R_cuisine"});
}

TEST_CASE("dialog: real match types for an API call of task 5") {
  if (!real_data_or_skip()) return;
  const ds::DialogTaskFiles files =
      ds::find_dialog_task_files(memnet::testing::dialog_babi_dir(), 5);
  const ds::KnowledgeBase kb_all = ds::load_kb(files.kb.value());
  CHECK(kb_all.facts.size() == 8400);
  const Tokens call = ds::dialog_tokenize("api_call italian paris six cheap");
  CHECK(ds::match_types(call, {"italian", "paris"}, kb_all) == Strings{"R_cuisine", "R_location"});

  // The first training dialog asks for italian food in paris, for six, in a cheap price range,
  // then the bot makes that call at its 7th turn.
  const auto dialogs = ds::load_dialog_babi_file(files.trn);
  const ds::DialogTurn& turn = dialogs.at(0).turns.at(6);
  REQUIRE(turn.bot == "api_call italian paris six cheap");
  CHECK(ds::match_types(call, ds::dialog_words(dialogs[0], 6), kb_all) ==
        Strings{"R_cuisine", "R_location", "R_number", "R_price"});
}
