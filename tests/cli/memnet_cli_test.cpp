// Smoke tests through the real `memnet` binary: generate -> train -> eval -> ask, and the
// error contracts a user meets first (malformed bAbI file, unknown words, missing model).
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "storage/database.h"
#include "storage/model_store.h"
#include "tests/run_memnet.h"
#include "tests/test_data.h"

namespace {

using memnet::testing::Run;
using memnet::testing::run_memnet;

void write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

}  // namespace

TEST_CASE("cli: generate, train, eval --json and ask --json work end to end") {
  const auto dir = memnet::testing::temp_dir("cli_e2e");
  const std::string data = (dir / "data").string(), db = (dir / "m.db").string();
  Run g = run_memnet("generate --out " + data + " --train 400 --test 200 --seed 3");
  REQUIRE_MESSAGE(g.status == 0, g.out);

  Run t = run_memnet("train --data " + data + " --task 1 --model " + db +
                     " --epochs 60 --ls-epochs 10 --threads 2 --quiet");
  REQUIRE_MESSAGE(t.status == 0, t.out);
  CHECK(t.out.find("saved model 'task1'") != std::string::npos);

  Run e = run_memnet("eval --model " + db + " --data " + data + " --json", true);
  REQUIRE_MESSAGE(e.status == 0, e.out);
  const nlohmann::json report = nlohmann::json::parse(e.out);
  REQUIRE(report["tasks"].size() == 1);
  CHECK(report["tasks"][0]["task"] == 1);
  CHECK(report["tasks"][0]["questions"] == 200);
  CHECK(report["tasks"][0]["support_hit"].get<double>() >= 0.0);
  CHECK(report["mean_error"] == report["tasks"][0]["error"]);

  write(dir / "story.txt",
        "Mary went to the kitchen.\nJohn moved to the garden.\nMary travelled to the office.\n");
  Run a = run_memnet("ask --model " + db + " --story " + (dir / "story.txt").string() +
                         " --question 'Where is Mary?' --json",
                     true);
  REQUIRE_MESSAGE(a.status == 0, a.out);
  // The body POST /v1/ask gives (server/json_codec.h).
  const nlohmann::json answer = nlohmann::json::parse(a.out);
  CHECK(answer["question"] == "Where is Mary?");
  CHECK(answer["answer"] == "office");
  CHECK(answer["alternatives"][0]["answer"] == "office");
  CHECK(answer["alternatives"][0]["probability"] == answer["probability"]);
  REQUIRE(answer["hops"].size() == 3);
  for (const auto& hop : answer["hops"]) {
    REQUIRE(hop["attention"].size() == 3);
    double total = hop["empty_weight"].get<double>();
    for (const auto& slot : hop["attention"]) total += slot["weight"].get<double>();
    CHECK(total == doctest::Approx(1.0).epsilon(1e-4));
  }
  CHECK(answer["hops"][0]["attention"][2]["text"] == "Mary travelled to the office.");
  CHECK(answer["memory"]["sentences"] == 3);

  Run human = run_memnet("ask --model " + db + " --story " + (dir / "story.txt").string() +
                         " --question 'Where is Mary?'");
  CHECK(human.status == 0);
  CHECK(human.out.find("answer: office") != std::string::npos);
  CHECK(human.out.find("hop 3") != std::string::npos);

  // A joint model in the same file claims task 1 too: eval asks which one to use.
  Run j = run_memnet("train --data " + data + " --task 1 2 --joint --model " + db +
                     " --epochs 2 --ls-epochs 0 --dim 8 --quiet");
  REQUIRE_MESSAGE(j.status == 0, j.out);
  Run clash = run_memnet("eval --model " + db + " --data " + data);
  CHECK(clash.status == 1);
  CHECK_MESSAGE(clash.out.find("claimed by models") != std::string::npos, clash.out);
  Run pick = run_memnet("eval --model " + db + " --data " + data + " --name joint --json");
  CHECK_MESSAGE(pick.status == 0, pick.out);
  CHECK(pick.out.find("\"task\":2") != std::string::npos);
  Run ambiguous = run_memnet("ask --model " + db + " --story " + (dir / "story.txt").string() +
                             " --question 'Where is Mary?'");
  CHECK(ambiguous.status == 1);
  CHECK_MESSAGE(ambiguous.out.find("task1") != std::string::npos, ambiguous.out);
  std::filesystem::remove_all(dir);
}

TEST_CASE("cli: unknown words in a question are ignored and reported") {
  const auto dir = memnet::testing::temp_dir("cli_unknown");
  const std::string data = (dir / "data").string(), db = (dir / "m.db").string();
  REQUIRE(run_memnet("generate --out " + data + " --train 100 --test 50").status == 0);
  REQUIRE(run_memnet("train --data " + data + " --task 1 --model " + db +
                     " --epochs 2 --ls-epochs 0 --quiet")
              .status == 0);
  write(dir / "story.txt", "1 Mary went to the kitchen.\n");
  Run a = run_memnet("ask --model " + db + " --story " + (dir / "story.txt").string() +
                     " --question 'Where is Zorblax?'");
  CHECK(a.status == 0);
  CHECK(a.out.find("unknown words (ignored): zorblax") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("cli: a malformed bAbI file is reported with path and line, exit 1, nothing saved") {
  const auto dir = memnet::testing::temp_dir("cli_bad");
  const std::string db = (dir / "m.db").string();
  write(dir / "qa1_bad_train.txt", "1 Mary went to the kitchen.\n2 Where is Mary?\n");
  Run t = run_memnet("train --data " + dir.string() + " --task 1 --model " + db + " --quiet");
  CHECK(t.status == 1);
  CHECK_MESSAGE(t.out.find("qa1_bad_train.txt:2:") != std::string::npos, t.out);
  std::filesystem::remove_all(dir);
}

TEST_CASE("cli: qaN_*_valid.txt files (bAbI en-valid) are the validation set when present") {
  const auto dir = memnet::testing::temp_dir("cli_valid");
  const std::filesystem::path data = dir / "data";
  const std::string db = (dir / "m.db").string();
  REQUIRE(
      run_memnet("generate --out " + data.string() + " --train 200 --test 20 --seed 3").status ==
      0);
  std::string valid1;  // qa1's train file name with _valid for _train
  for (const auto& entry : std::filesystem::directory_iterator(data)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("qa1_") && name.ends_with("_train.txt"))
      valid1 = name.substr(0, name.size() - 10) + "_valid.txt";
  }
  REQUIRE(!valid1.empty());
  // Every answer is a word the training files never use, so validating on this file (and on
  // nothing else) gives 100% error.
  write(data / valid1,
        "1 Mary went to the kitchen.\n2 Where is Mary?\tzanzibar\t1\n"
        "3 John went to the hallway.\n4 Where is John?\tzanzibar\t3\n");
  const std::string train = "train --data " + data.string() + " --model " + db +
                            " --epochs 20 --ls-epochs 5 --repeats 1 --threads 2 --quiet ";

  Run t = run_memnet(train + "--task 1 2");
  REQUIRE_MESSAGE(t.status == 0, t.out);
  CHECK_MESSAGE(t.out.find("validation error 100.0% on " + valid1) != std::string::npos, t.out);
  const size_t task2 = t.out.find("saved model 'task2'");
  REQUIRE(task2 != std::string::npos);
  CHECK_MESSAGE(t.out.find(" on qa", task2) == std::string::npos, t.out);  // held out

  Run held = run_memnet(train + "--task 1 --no-valid-files");
  REQUIRE_MESSAGE(held.status == 0, held.out);
  CHECK_MESSAGE(held.out.find(" on qa") == std::string::npos, held.out);
  CHECK_MESSAGE(held.out.find("validation error 100.0%") == std::string::npos, held.out);

  SUBCASE("a joint model needs a validation file for all its tasks or none") {
    Run j = run_memnet(train + "--task 1 2 --joint --name both");
    CHECK(j.status == 1);
    CHECK_MESSAGE(j.out.find("validation file (qaN_*_valid.txt) for task 1 but none for task 2") !=
                      std::string::npos,
                  j.out);
  }
  SUBCASE("a malformed validation file is reported with path and line before training") {
    write(data / valid1, "1 Mary went to the kitchen.\n2 Where is Mary?\n");
    Run bad = run_memnet(train + "--task 1 --name bad");
    CHECK(bad.status == 1);
    CHECK_MESSAGE(bad.out.find(valid1 + ":2:") != std::string::npos, bad.out);
    CHECK(bad.out.find("saved model") == std::string::npos);
  }
  SUBCASE("a validation file without questions is an error, not a 0% validation error") {
    write(data / valid1, "1 Mary went to the kitchen.\n");
    Run none = run_memnet(train + "--task 1 --name none");
    CHECK(none.status == 1);
    CHECK_MESSAGE(none.out.find(valid1 + ": no questions") != std::string::npos, none.out);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("cli: usage errors exit 2, a missing model file exits 1 with its name") {
  CHECK(run_memnet("train --model x.db").status == 2);
  CHECK(run_memnet("frobnicate").status == 2);
  CHECK(run_memnet("train --data d --model m.db --pe fancy").status == 2);
  Run a = run_memnet("ask --model /nonexistent/m.db --question 'Where is Mary?'");
  CHECK(a.status == 1);
  CHECK(a.out.find("/nonexistent/m.db") != std::string::npos);
  CHECK(run_memnet("--help").status == 0);
}

TEST_CASE("cli: train without flags stores the best recipe; --recipe paper the paper's model") {
  // What a user who passes no flags gets must be the recipe of docs/benchmarks.md: a flag
  // parser that silently resets a default would fail here.
  const auto dir = memnet::testing::temp_dir("cli_recipe");
  const std::string data = std::string(MEMNET_SOURCE_DIR) + "/data/demo";
  struct Case {
    std::string flags;
    bool gated;
    memnet::engine::Encoding encoding;
    int members;
    std::string schedule;  // as the training record states it
  };
  const std::string best = "learning_rate=0.02\nlr_halve_every=37\n";
  const std::string paper = "learning_rate=0.01\nlr_halve_every=25\n";
  const Case cases[] = {
      {"--repeats 2", true, memnet::engine::Encoding::kReference, 2, best},  // ensemble capped
      {"--recipe paper --repeats 2", false, memnet::engine::Encoding::kPaper, 1, paper},
      {"--no-gated --pe paper --lr 0.01 --lr-halve-every 25", false,
       memnet::engine::Encoding::kPaper, 1, paper},
      {"--recipe paper --gated --ensemble 2 --repeats 3", true, memnet::engine::Encoding::kPaper, 2,
       paper},
      {"--pe local --lr 0.03", true, memnet::engine::Encoding::kLocal, 1,
       "learning_rate=0.03\nlr_halve_every=37\n"},
  };
  int i = 0;
  for (const Case& c : cases) {
    CAPTURE(c.flags);
    const std::string db = (dir / fmt::format("m{}.db", i++)).string();
    const Run t = run_memnet("train --data " + data + " --task 1 --model " + db +
                             " --epochs 2 --ls-epochs 1 --threads 2 --quiet " + c.flags);
    REQUIRE_MESSAGE(t.status == 0, t.out);
    memnet::storage::Database file(db);
    const auto m = memnet::storage::load_model(file, "task1");
    REQUIRE(m.has_value());
    CHECK(m->config.gated == c.gated);
    CHECK(m->config.encoding == c.encoding);
    CHECK(m->config.members == c.members);
    CHECK(m->config.attention == memnet::engine::Attention::kDot);
    CHECK_MESSAGE(m->training.options.find(c.schedule) != std::string::npos, m->training.options);
  }
  const Run bad = run_memnet("train --data " + data + " --task 1 --model " +
                             (dir / "x.db").string() + " --ensemble 3 --repeats 2 --quiet");
  CHECK(bad.status == 1);
  CHECK(bad.out.find("ensemble") != std::string::npos);
}

TEST_CASE("cli: the default recipe takes the larger model from 5000 questions per task") {
  const auto dir = memnet::testing::temp_dir("cli_large");
  const std::string data = (dir / "data").string();
  REQUIRE(run_memnet("generate --out " + data + " --train 5000 --test 10 --seed 3").status == 0);
  struct Case {
    std::string flags;
    int dim, relu_units;
    std::string schedule;
  };
  // the larger model keeps the schedule it was measured with (the paper's), unless given
  const Case cases[] = {{"", 100, 50, "learning_rate=0.01\nlr_halve_every=25\n"},
                        {"--dim 30", 30, 0, "learning_rate=0.02\nlr_halve_every=37\n"},
                        {"--recipe paper", 20, 0, "learning_rate=0.01\nlr_halve_every=25\n"},
                        {"--lr 0.03", 100, 50, "learning_rate=0.03\nlr_halve_every=25\n"}};
  int i = 0;
  for (const Case& c : cases) {
    CAPTURE(c.flags);
    const std::string db = (dir / fmt::format("m{}.db", i++)).string();
    const Run t = run_memnet("train --data " + data + " --task 1 --model " + db +
                             " --epochs 1 --ls-epochs 0 --threads 2 --quiet " + c.flags);
    REQUIRE_MESSAGE(t.status == 0, t.out);
    memnet::storage::Database file(db);
    const auto m = memnet::storage::load_model(file, "task1");
    REQUIRE(m.has_value());
    CHECK(m->config.dim == c.dim);
    CHECK(m->config.relu_units == c.relu_units);
    CHECK_MESSAGE(m->training.options.find(c.schedule) != std::string::npos, m->training.options);
  }
}

TEST_CASE("cli: entity permutation by default chooses per model, and its flags are checked") {
  const auto dir = memnet::testing::temp_dir("cli_permute");
  const std::string data = (dir / "data").string(), db = (dir / "m.db").string();
  REQUIRE(run_memnet("generate --out " + data + " --train 200 --test 20 --seed 5").status == 0);
  Run t = run_memnet("train --data " + data + " --task 1 --model " + db +
                     " --repeats 2 --epochs 4 --ls-epochs 1 --quiet");
  REQUIRE_MESSAGE(t.status == 0, t.out);
  {
    memnet::storage::Database d(db);
    const auto m = memnet::storage::load_model(d, "task1");
    REQUIRE(m.has_value());
    // the generated task names people and places: both ways trained, one kept
    CHECK_MESSAGE(m->training.options.find("candidates=pe=reference,gated "
                                           "pe=reference,gated,permuted") != std::string::npos,
                  m->training.options);
    CHECK(m->training.options.find("chosen=") != std::string::npos);
  }
  Run joint = run_memnet("train --data " + data + " --task 1 --joint --permuted-copies 2 --model " +
                         db + " --quiet");
  CHECK(joint.status != 0);
  CHECK_MESSAGE(joint.out.find("--permute-entities on or auto") != std::string::npos, joint.out);
  Run bad = run_memnet("train --data " + data + " --task 1 --permute-entities maybe --model " + db);
  CHECK(bad.status == 2);
  std::filesystem::remove_all(dir);
}
