#include "datasets/babi.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_data.h"

namespace ds = memnet::datasets;
using ds::ParseError;
using Tokens = std::vector<std::string>;

namespace {

std::vector<ds::Story> parse(const std::string& text, const std::string& path = "t.txt") {
  std::istringstream in(text);
  return ds::parse_babi(in, path);
}

void touch(const std::filesystem::path& file) { std::ofstream(file) << "1 A.\n2 Q?\ta\t1\n"; }

}  // namespace

TEST_CASE("babi: a small file parses into stories, with ids restarting at 1") {
  const auto stories = parse(
      "1 Mary moved to the bathroom.\n"
      "2 John went to the hallway.\n"
      "3 Where is Mary? \tbathroom\t1\n"
      "4 Daniel went back to the hallway.\n"
      "5 Where is Daniel? \thallway\t4\n"
      "1 Sandra travelled to the office.\n"
      "2 Where is Sandra? \toffice\t1\n");
  REQUIRE(stories.size() == 2);

  const ds::Story& first = stories[0];
  CHECK(first.source_line == 1);
  REQUIRE(first.statements.size() == 3);
  REQUIRE(first.questions.size() == 2);
  CHECK(first.statements[2].line_id == 4);
  CHECK(first.statements[2].source_line == 4);
  CHECK(first.statements[2].text == "Daniel went back to the hallway.");
  CHECK(first.statements[2].tokens == Tokens{"daniel", "went", "back", "to", "the", "hallway"});

  const ds::Question& q1 = first.questions[0];
  CHECK(q1.line_id == 3);
  CHECK(q1.source_line == 3);
  CHECK(q1.text == "Where is Mary?");
  CHECK(q1.tokens == Tokens{"where", "is", "mary"});
  CHECK(q1.answer == "bathroom");
  CHECK(q1.support == std::vector<int>{0});
  CHECK(q1.statements_before == 2);

  const ds::Question& q2 = first.questions[1];
  CHECK(q2.support == std::vector<int>{2});  // line id 4 is the third statement
  CHECK(q2.statements_before == 3);

  CHECK(stories[1].source_line == 6);
  CHECK(stories[1].questions[0].support == std::vector<int>{0});
  CHECK(stories[1].questions[0].statements_before == 1);
}

TEST_CASE("babi: supports keep the file's order and may name several statements") {
  const auto stories = parse(
      "1 Mary got the milk there.\n"
      "2 John moved to the bedroom.\n"
      "3 Mary went to the garden.\n"
      "4 Where is the milk?\tgarden\t3 1\n");
  CHECK(stories.at(0).questions.at(0).support == std::vector<int>{2, 0});
}

TEST_CASE("babi: answer lists stay one symbol") {
  const auto stories = parse(
      "1 Mary picked up the apple.\n"
      "2 Mary grabbed the football.\n"
      "3 What is Mary carrying?\tapple,football\t1 2\n"
      "4 How do you go from the kitchen to the garden?\tn,e\t1\n"
      "5 Where is Mary?\t Kitchen \t1\n");
  const auto& questions = stories.at(0).questions;
  REQUIRE(questions.size() == 3);
  CHECK(questions[0].answer == "apple,football");
  CHECK(questions[1].answer == "n,e");
  CHECK(questions[2].answer == "kitchen");  // trimmed and lower-cased
}

TEST_CASE("babi: a question may come without supporting ids") {
  SUBCASE("absent field") {
    const auto stories = parse("1 Mary moved to the bathroom.\n2 Where is Mary?\tbathroom\n");
    CHECK(stories.at(0).questions.at(0).support.empty());
  }
  SUBCASE("empty field") {
    const auto stories = parse("1 Mary moved to the bathroom.\n2 Where is Mary?\tbathroom\t \n");
    CHECK(stories.at(0).questions.at(0).support.empty());
  }
}

TEST_CASE("babi: blank lines are skipped but still counted") {
  const auto stories =
      parse("\n1 Mary moved to the bathroom.\n   \n\n2 Where is Mary?\tbathroom\t1\n");
  REQUIRE(stories.size() == 1);
  CHECK(stories[0].source_line == 2);
  CHECK(stories[0].questions.at(0).source_line == 5);
}

TEST_CASE("babi: a story without questions at the end of the file is kept") {
  const auto stories = parse("1 A went home.\n2 Where?\thome\t1\n1 B went out.\n");
  REQUIRE(stories.size() == 2);
  CHECK(stories[1].statements.size() == 1);
  CHECK(stories[1].questions.empty());
}

TEST_CASE("babi: CRLF line ends and a byte-order mark are accepted") {
  const std::string unix_text = "1 Mary moved to the bathroom.\n2 Where is Mary? \tbathroom\t1\n";
  const std::string windows_text =
      "\xEF\xBB\xBF"
      "1 Mary moved to the bathroom.\r\n2 Where is Mary? \tbathroom\t1\r\n\r\n";
  const auto a = parse(unix_text);
  const auto b = parse(windows_text);
  REQUIRE(b.size() == 1);
  CHECK(b[0].statements.at(0).text == a[0].statements.at(0).text);
  CHECK(b[0].statements.at(0).tokens == a[0].statements.at(0).tokens);
  CHECK(b[0].questions.at(0).answer == "bathroom");
  CHECK(b[0].questions.at(0).support == std::vector<int>{0});
}

TEST_CASE("babi: a Hindi story parses with Devanagari intact") {
  const auto stories = parse(
      "1 मैरी रसोई में गई ।\n"
      "2 जॉन बगीचे में गया।\n"
      "3 मैरी कहाँ है?\tरसोई\t1\n");
  REQUIRE(stories.size() == 1);
  const ds::Story& s = stories[0];
  CHECK(s.statements.at(0).text == "मैरी रसोई में गई ।");
  CHECK(s.statements.at(0).tokens == Tokens{"मैरी", "रसोई", "में", "गई"});
  CHECK(s.statements.at(1).tokens == Tokens{"जॉन", "बगीचे", "में", "गया"});
  CHECK(s.questions.at(0).tokens == Tokens{"मैरी", "कहाँ", "है"});
  CHECK(s.questions.at(0).answer == "रसोई");
  CHECK(s.questions.at(0).support == std::vector<int>{0});
}

TEST_CASE("babi: a shuffled-letters story parses like any other") {
  const auto stories = parse(
      "1 yMar dvemo ot eth throbamo.\n"
      "2 hnJo ntwe ot hte ywllaha.\n"
      "3 reWhe si yMar? \tthrobamo\t1\n");
  const ds::Question& q = stories.at(0).questions.at(0);
  CHECK(q.tokens == Tokens{"rewhe", "si", "ymar"});
  CHECK(q.answer == "throbamo");
  CHECK(stories[0].statements.at(1).tokens == Tokens{"hnjo", "ntwe", "ot", "hte", "ywllaha"});
}

TEST_CASE("babi: malformed lines are reported as path:line: reason") {
  SUBCASE("a line without a numeric id") {
    CHECK_THROWS_WITH_AS(parse("1 A.\nabc Mary went\n", "data/qa1_train.txt"),
                         "data/qa1_train.txt:2: expected a numeric line id at the start of the "
                         "line, found 'abc'",
                         ParseError);
    CHECK_THROWS_WITH_AS(parse("-1 Mary went\n"),
                         "t.txt:1: expected a numeric line id at the start of the line, found '-1'",
                         ParseError);
  }
  SUBCASE("an id too large for int") {
    CHECK_THROWS_WITH_AS(parse("99999999999999999999999 Mary went.\n"),
                         "t.txt:1: expected a line id, found '99999999999999999999999', which is "
                         "too large",
                         ParseError);
  }
  SUBCASE("the first line does not start a story") {
    CHECK_THROWS_WITH_AS(parse("2 Mary went.\n"),
                         "t.txt:1: expected line id 1 to start the first story, found 2",
                         ParseError);
  }
  SUBCASE("an id out of sequence") {
    CHECK_THROWS_WITH_AS(parse("1 A.\n2 B.\n4 C.\n"),
                         "t.txt:3: expected line id 1 (a new story) or 3, found 4", ParseError);
    CHECK_THROWS_WITH_AS(parse("1 A.\n2 B.\n2 C.\n"),
                         "t.txt:3: expected line id 1 (a new story) or 3, found 2", ParseError);
  }
  SUBCASE("a question without its tab-separated answer") {
    CHECK_THROWS_WITH_AS(
        parse("1 Mary went to the kitchen.\n2 Where is Mary?\n", "data/qa1_train.txt"),
        "data/qa1_train.txt:2: expected a tab-separated answer after the "
        "question, found none (missing tab)",
        ParseError);
    CHECK_THROWS_WITH_AS(parse("1 A.\r\n2 Where is Mary?  \r\n"),
                         doctest::Contains("t.txt:2: expected a tab-separated answer"),
                         ParseError);  // The tabs turned into spaces: the answer and ids follow the
                                       // '?' on the same line.
    CHECK_THROWS_WITH_AS(
        parse("1 Mary went to the kitchen.\n2 Where is Mary? kitchen 1\n", "data/qa1_train.txt"),
        "data/qa1_train.txt:2: expected a question line 'ID question?<TAB>answer<TAB>supporting "
        "ids', found '?' but no tab (were the tabs turned into spaces?)",
        ParseError);
  }
  SUBCASE("an empty answer") {
    CHECK_THROWS_WITH_AS(parse("1 A.\n2 Where?\t \t1\n"),
                         "t.txt:2: expected an answer after the tab, found an empty field",
                         ParseError);
  }
  SUBCASE("a non-numeric supporting id") {
    CHECK_THROWS_WITH_AS(parse("1 A.\n2 Where?\tk\t1 x\n"),
                         "t.txt:2: expected supporting line ids as numbers, found 'x'", ParseError);
    CHECK_THROWS_WITH_AS(parse("1 A.\n2 Where?\tk\t1,2\n"),
                         "t.txt:2: expected supporting line ids as numbers, found '1,2'",
                         ParseError);
  }
  SUBCASE("a supporting id too large for int") {
    CHECK_THROWS_WITH_AS(parse("1 A.\n2 Where?\tk\t4294967296\n"),
                         "t.txt:2: expected a supporting line id, found '4294967296', which is "
                         "too large",
                         ParseError);
  }
  SUBCASE("a supporting id that is not an earlier line of the story") {
    const std::string reason =
        "expected supporting line ids of earlier statements of this "
        "story (1..2), found ";
    CHECK_THROWS_WITH_AS(parse("1 A.\n2 B.\n3 Where?\tk\t5\n"),
                         ("t.txt:3: " + reason + "5").c_str(), ParseError);
    CHECK_THROWS_WITH_AS(parse("1 A.\n2 B.\n3 Where?\tk\t3\n"),
                         ("t.txt:3: " + reason + "3").c_str(), ParseError);
    CHECK_THROWS_WITH_AS(parse("1 A.\n2 B.\n3 Where?\tk\t0\n"),
                         ("t.txt:3: " + reason + "0").c_str(), ParseError);
    CHECK_THROWS_WITH_AS(parse("1 Where?\tk\t1\n"),
                         "t.txt:1: expected supporting line ids of earlier statements of this "
                         "story (none yet), found 1",
                         ParseError);
  }
  SUBCASE("a supporting id that names a question") {
    CHECK_THROWS_WITH_AS(parse("1 A.\n2 Q?\tk\t1\n3 Where?\tk\t2\n"),
                         "t.txt:3: expected supporting line ids of statements, found 2, which is "
                         "a question",
                         ParseError);
  }
  SUBCASE("an id with no text after it") {
    CHECK_THROWS_WITH_AS(parse("1 A.\n2\n"), "t.txt:2: expected text after line id 2, found none",
                         ParseError);
    CHECK_THROWS_WITH_AS(parse("1 A.\n2  \tk\t1\n"),
                         "t.txt:2: expected text after line id 2, found none", ParseError);
  }
  SUBCASE("too many tab-separated fields") {
    CHECK_THROWS_WITH_AS(parse("1 A.\n2 Q?\tk\t1\textra\n"),
                         "t.txt:2: expected at most 3 tab-separated fields (question, answer, "
                         "supporting ids), found 4",
                         ParseError);
  }
  SUBCASE("an empty file") {
    CHECK_THROWS_WITH_AS(parse(""), "t.txt:1: empty file, expected bAbI lines", ParseError);
    CHECK_THROWS_WITH_AS(parse("\n \r\n\n"), "t.txt:1: empty file, expected bAbI lines",
                         ParseError);
  }
  SUBCASE("invalid UTF-8") {
    CHECK_THROWS_WITH_AS(
        parse("1 A.\n2 Mary \xFF went.\n"),
        "t.txt:2: expected UTF-8 text, found the invalid byte 0xFF at byte 8 of the line",
        ParseError);
    CHECK_THROWS_WITH_AS(parse("1 मैरी \xE0\xA5\n"),
                         doctest::Contains("t.txt:1: expected UTF-8 text"), ParseError);
  }
}

TEST_CASE("babi: ParseError exposes the path and line apart from the message") {
  try {
    parse("1 A.\n\n3 B.\n", "dir/qa2_test.txt");
    FAIL("expected a ParseError");
  } catch (const ParseError& e) {
    CHECK(e.path() == "dir/qa2_test.txt");
    CHECK(e.line() == 3);
    CHECK(e.reason() == "expected line id 1 (a new story) or 2, found 3");
  }
}

TEST_CASE("babi: long garbage is quoted shortly in the message") {
  const std::string junk(10000, 'x');
  try {
    parse(junk + " y\n");
    FAIL("expected a ParseError");
  } catch (const ParseError& e) {
    CHECK(std::string(e.what()).size() < 200);
  }
}

TEST_CASE("babi: random garbage is reported as ParseError, never a crash") {
  // Inputs drawn from the characters the parser cares about; every outcome must be a parsed
  // file or a ParseError, and under the sanitizers no undefined behaviour.
  const std::string alphabet[] = {"1",          "2", "3", "0", "9", " ",    "\t",           "\n",
                                  "\r",         "?", "A", ".", ",", "\xFF", "\xE0\xA5\xA4", "\xE0",
                                  "99999999999"};
  std::mt19937 engine(12345);
  int parsed = 0;
  int rejected = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const int length = static_cast<int>(engine() % 60);
    for (int i = 0; i < length; ++i) text += alphabet[engine() % std::size(alphabet)];
    try {
      parse(text);
      ++parsed;
    } catch (const ParseError&) {
      ++rejected;
    }
  }
  CHECK(parsed + rejected == 3000);
  CHECK(rejected > 0);
}

TEST_CASE("babi: load_babi_file names the path when it cannot open it") {
  CHECK_THROWS_WITH_AS(ds::load_babi_file("/nonexistent/qa1_train.txt"),
                       "cannot open /nonexistent/qa1_train.txt: no such file", std::runtime_error);
  const auto dir = memnet::testing::temp_dir("babi_open");
  CHECK_THROWS_WITH_AS(ds::load_babi_file(dir.string()),
                       ("cannot open " + dir.string() + ": is a folder").c_str(),
                       std::runtime_error);
  std::filesystem::remove_all(dir);
}

TEST_CASE("babi: load_babi_file reports parse errors with the file's path") {
  const auto dir = memnet::testing::temp_dir("babi_load");
  const std::string path = (dir / "qa1_x_train.txt").string();
  std::ofstream(path) << "1 Mary went to the kitchen.\n2 Where is Mary?\n";
  CHECK_THROWS_WITH_AS(ds::load_babi_file(path),
                       doctest::Contains((path + ":2: expected a tab").c_str()), ParseError);
  std::filesystem::remove_all(dir);
}

TEST_CASE("babi: find_task_files tells qa1 from qa10") {
  const auto dir = memnet::testing::temp_dir("babi_find");
  for (const char* name : {"qa1_single_train.txt", "qa1_single_test.txt", "qa10_indef_train.txt",
                           "qa10_indef_test.txt", "qa11_basic_train.txt", "qa3_three_test.txt",
                           "qa2_train.txt", "readme.txt", "qa_x_train.txt"}) {
    touch(dir / name);
  }
  const ds::TaskFiles one = ds::find_task_files(dir.string(), 1);
  CHECK(one.task == 1);
  CHECK(one.train == (dir / "qa1_single_train.txt").string());
  CHECK(one.test == (dir / "qa1_single_test.txt").string());
  CHECK(ds::find_task_files(dir.string(), 10).train == (dir / "qa10_indef_train.txt").string());

  SUBCASE("a missing train file is named as such") {
    CHECK_THROWS_WITH_AS(
        ds::find_task_files(dir.string(), 3),
        ("bAbI task 3 has no train file in " + dir.string() + " (no file matches qa3_*_train.txt)")
            .c_str(),
        std::runtime_error);
  }
  SUBCASE("a missing test file is named as such") {
    CHECK_THROWS_WITH_AS(ds::find_task_files(dir.string(), 11),
                         doctest::Contains("bAbI task 11 has no test file"), std::runtime_error);
  }
  SUBCASE("a name without the middle part does not match") {
    CHECK_THROWS_WITH_AS(ds::find_task_files(dir.string(), 2), doctest::Contains("qa2_*_train.txt"),
                         std::runtime_error);
  }
  SUBCASE("two files for one pattern are ambiguous") {
    touch(dir / "qa1_other_train.txt");
    CHECK_THROWS_WITH_AS(ds::find_task_files(dir.string(), 1),
                         doctest::Contains("bAbI task 1 has 2 train files"), std::runtime_error);
  }
  SUBCASE("one split can be found without the other") {
    CHECK(ds::find_task_file(dir.string(), 11, "train") == (dir / "qa11_basic_train.txt").string());
    CHECK(ds::find_task_file(dir.string(), 3, "test") == (dir / "qa3_three_test.txt").string());
    CHECK_THROWS_WITH_AS(ds::find_task_file(dir.string(), 11, "test"),
                         doctest::Contains("bAbI task 11 has no test file"), std::runtime_error);
  }
  SUBCASE("a validation file is found when there is one (bAbI en-valid)") {
    CHECK_FALSE(ds::find_validation_file(dir.string(), 1).has_value());
    touch(dir / "qa1_single_valid.txt");
    touch(dir / "qa10_indef_valid.txt");
    CHECK(ds::find_validation_file(dir.string(), 1) == (dir / "qa1_single_valid.txt").string());
    CHECK(ds::find_validation_file(dir.string(), 10) == (dir / "qa10_indef_valid.txt").string());
    CHECK_FALSE(ds::find_validation_file(dir.string(), 11).has_value());
    touch(dir / "qa1_other_valid.txt");
    CHECK_THROWS_WITH_AS(ds::find_validation_file(dir.string(), 1),
                         doctest::Contains("bAbI task 1 has 2 valid files"), std::runtime_error);
    CHECK(ds::available_tasks(dir.string()) == std::vector<int>{1, 10, 11});
  }
  SUBCASE("available_tasks lists tasks with a train file, in number order") {
    CHECK(ds::available_tasks(dir.string()) == std::vector<int>{1, 10, 11});
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("babi: a missing folder and a bad task number are reported") {
  CHECK_THROWS_WITH_AS(ds::find_task_files("/nonexistent/en", 1),
                       "bAbI folder /nonexistent/en does not exist or is not a folder",
                       std::runtime_error);
  CHECK_THROWS_WITH_AS(ds::available_tasks("/nonexistent/en"),
                       "bAbI folder /nonexistent/en does not exist or is not a folder",
                       std::runtime_error);
  CHECK_THROWS_AS(ds::find_task_files("/tmp", 0), std::invalid_argument);
}

TEST_CASE("babi: real bAbI data is present or its absence is reported") {
  if (!memnet::testing::babi_available()) {
    const std::string note = "bAbI data missing at " + memnet::testing::babi_dir() +
                             "; the real-data tests are skipped (set MEMNET_BABI_DIR)";
    WARN_MESSAGE(false, note);
  }
}

namespace {

int count_questions(const std::vector<ds::Story>& stories) {
  int n = 0;
  for (const ds::Story& s : stories) n += static_cast<int>(s.questions.size());
  return n;
}

}  // namespace

TEST_CASE("babi: loads all 20 real 1k tasks" * doctest::skip(!memnet::testing::babi_available())) {
  const std::string en = memnet::testing::babi_dir() + "/en";
  REQUIRE(ds::available_tasks(en).size() == 20);
  for (int task = 1; task <= 20; ++task) {
    CAPTURE(task);
    const ds::TaskFiles files = ds::find_task_files(en, task);
    CHECK(count_questions(ds::load_babi_file(files.train)) == 1000);
    CHECK(count_questions(ds::load_babi_file(files.test)) == 1000);
  }
}

TEST_CASE("babi: loads the real 10k training files, qa3 being absent" *
          doctest::skip(!memnet::testing::babi_available())) {
  const std::string en10k = memnet::testing::babi_dir() + "/en-10k";
  const std::vector<int> tasks = ds::available_tasks(en10k);
  CHECK(tasks.size() == 19);
  CHECK(std::find(tasks.begin(), tasks.end(), 3) == tasks.end());
  CHECK_THROWS_WITH_AS(ds::find_task_files(en10k, 3),
                       doctest::Contains(("bAbI task 3 has no train file in " + en10k).c_str()),
                       std::runtime_error);
  for (int task : tasks) {
    CAPTURE(task);
    const ds::TaskFiles files = ds::find_task_files(en10k, task);
    CHECK(count_questions(ds::load_babi_file(files.train)) == 10000);
  }
}
