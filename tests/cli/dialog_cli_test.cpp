// memnet train --dialog, eval on dialog models, and chat, through the real binary.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/dialog_fixture.h"
#include "tests/run_memnet.h"
#include "tests/test_data.h"

using memnet::testing::run_memnet;

TEST_CASE("cli: train --dialog, eval --json, and chat on a pipe") {
  const auto dir = memnet::testing::make_toy_dialog_dir(memnet::testing::temp_dir("dialog_cli"));
  const std::string db = (dir / "d.db").string();
  // the data kind is told from the file names: no --dialog needed
  const auto train = run_memnet(fmt::format(
      "train --data '{}' --model '{}' --dim 16 --memory 10 --epochs 40 --lr-halve-every 20 "
      "--batch 8 --seed 3 --threads 1 --quiet",
      dir.string(), db));
  CAPTURE(train.out);
  REQUIRE(train.status == 0);
  CHECK(train.out.find("saved dialog model 'dialog1'") != std::string::npos);
  CHECK(train.out.find("match type on") != std::string::npos);
  CHECK(train.out.find("d=16, layerwise tying") != std::string::npos);
  // --tying overrides the recipe's
  const auto adjacent = run_memnet(fmt::format(
      "train --data '{}' --model '{}' --name adjacent --tying adjacent --dim 8 --memory 10 "
      "--epochs 2 --batch 8 --seed 3 --threads 1 --quiet",
      dir.string(), (dir / "adjacent.db").string()));
  CAPTURE(adjacent.out);
  CHECK(adjacent.status == 0);
  CHECK(adjacent.out.find("d=8, adjacent tying") != std::string::npos);

  const auto eval =
      run_memnet(fmt::format("eval --model '{}' --data '{}' --json", db, dir.string()), true);
  CAPTURE(eval.out);
  REQUIRE(eval.status == 0);
  const auto j = nlohmann::json::parse(eval.out);
  REQUIRE(j["models"].size() == 1);
  CHECK(j["models"][0]["splits"][1]["split"] == "tst-OOV");
  CHECK(j["models"][0]["splits"][1]["per_response"] == 1.0);
  const auto table = run_memnet(fmt::format("eval --model '{}' --data '{}'", db, dir.string()));
  CHECK(table.out.find("per-dialog") != std::string::npos);

  {
    std::ofstream in(dir / "chat.txt");
    in << "hi\n<SILENCE>\ni want spanish food\nthanks\n";
  }
  const auto chat =
      run_memnet(fmt::format("chat --model '{}' < '{}'", db, (dir / "chat.txt").string()), true);
  CHECK(chat.status == 0);
  CHECK(chat.out ==
        "hello what can i help you with today\nany preference on a type of cuisine\n"
        "api_call spanish\nyou're welcome\n");
  const auto noted =
      run_memnet(fmt::format("chat --model '{}' < '{}'", db, (dir / "chat.txt").string()));
  CHECK(noted.out.find("unknown words ignored: spanish") != std::string::npos);

  // errors: a missing file, a QA model file, a malformed dialog file (path:line, exit 1)
  const auto missing =
      run_memnet(fmt::format("chat --model '{}/none.db' < /dev/null", dir.string()));
  CHECK(missing.status == 1);
  CHECK(missing.out.find("no such file") != std::string::npos);
  {
    std::ofstream bad(dir / "dialog-babi-task1-API-calls-trn.txt", std::ios::app);
    bad << "1 hi\n";
  }
  const std::string db2 = (dir / "d2.db").string();
  const auto broken =
      run_memnet(fmt::format("train --dialog --data '{}' --model '{}' --quiet", dir.string(), db2));
  CHECK(broken.status == 1);
  CHECK(broken.out.find((dir / "dialog-babi-task1-API-calls-trn.txt").string() + ":") !=
        std::string::npos);
  CHECK_FALSE(std::filesystem::exists(db2));
}
