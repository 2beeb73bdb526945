// `memnet story`, `memnet import` and `memnet ask --db` through the real binary.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/model_fixture.h"
#include "tests/run_memnet.h"
#include "tests/test_data.h"

using memnet::testing::run_memnet;

TEST_CASE("cli: story create, add, list, show, ask --db, delete") {
  const auto dir = memnet::testing::temp_dir("cli_story");
  const std::string db = (dir / "m.db").string();
  memnet::testing::save_fixture_model(db, "m", 1);

  const auto created = run_memnet(fmt::format("story create --db {} --name 'my story'", db), true);
  REQUIRE(created.status == 0);
  const std::string id = created.out.substr(0, created.out.find('\n'));
  CHECK(id == "1");

  const auto added =
      run_memnet(fmt::format("story add --db {} --story-id {} 'Mary went to the kitchen.' "
                             "'John moved to the zorbland.'",
                             db, id));
  INFO(added.out);
  CHECK(added.status == 0);
  CHECK(added.out.find("unknown words (ignored by the model): zorbland") != std::string::npos);
  {
    std::ofstream(dir / "facts.txt")
        << "1 Sandra went to the garden.\n2 Where is Sandra?\tgarden\t1\n";
  }
  CHECK(run_memnet(fmt::format("story add --db {} --story-id {} --file {}", db, id,
                               (dir / "facts.txt").string()))
            .status == 0);

  const auto list = run_memnet(fmt::format("story list --db {}", db));
  CHECK(list.out.find("my story") != std::string::npos);
  const auto show = run_memnet(fmt::format("story show --db {} --story-id {}", db, id));
  CHECK(show.out.find("3 facts") != std::string::npos);
  CHECK(show.out.find("Sandra went to the garden.") != std::string::npos);
  CHECK(show.out.find("Where is Sandra") == std::string::npos);  // question lines skipped

  const auto ask =
      run_memnet(fmt::format("ask --db {} --story-id {} -q 'Where is Mary?' --json", db, id), true);
  INFO(ask.out);
  CHECK(ask.status == 0);
  const nlohmann::json answer = nlohmann::json::parse(ask.out);
  CHECK(std::to_string(answer["story_id"].get<std::int64_t>()) == id);
  CHECK(!answer["answer"].get<std::string>().empty());
  CHECK(answer["memory"]["facts"] == 3);
  CHECK(answer["hops"][0]["attention"].size() == 3);

  CHECK(run_memnet(fmt::format("story delete --db {} --story-id {}", db, id)).status == 0);
  const auto gone =
      run_memnet(fmt::format("ask --db {} --story-id {} -q 'Where is Mary?'", db, id));
  CHECK(gone.status == 1);
  CHECK(gone.out.find("no story with id 1") != std::string::npos);
  const auto missing = run_memnet(fmt::format("story list --db {}/nope.db", dir.string()));
  CHECK(missing.status == 1);
  CHECK(missing.out.find("no such file") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "nope.db"));  // a read never creates a file
  CHECK(run_memnet(fmt::format("ask --db {} --story-id 1 --story x -q 'Where?'", db)).status == 2);
}

TEST_CASE("cli: import stores every story of a bAbI file; a malformed file stores nothing") {
  const auto dir = memnet::testing::temp_dir("cli_import");
  const std::string db = (dir / "m.db").string();
  memnet::testing::save_fixture_model(db, "m", 1);
  const std::string file =
      std::string(MEMNET_SOURCE_DIR) + "/data/demo/qa1_single-supporting-fact_test.txt";
  const auto imported = run_memnet(fmt::format("import --db {} --babi {}", db, file), true);
  REQUIRE(imported.status == 0);
  int stories = 0;
  for (char c : imported.out) stories += c == '\n';
  CHECK(stories > 10);
  const auto list = run_memnet(fmt::format("story list --db {}", db));
  CHECK(list.out.find("qa1_single-supporting-fact_test.txt#1") != std::string::npos);

  { std::ofstream(dir / "bad.txt") << "1 Mary went home.\n2 Where is Mary?\thome\t7\n"; }
  const auto bad =
      run_memnet(fmt::format("import --db {} --babi {}", db, (dir / "bad.txt").string()));
  CHECK(bad.status == 1);
  CHECK(bad.out.find("bad.txt:2:") != std::string::npos);
  const auto after = run_memnet(fmt::format("story list --db {}", db));
  CHECK(after.out.find("bad.txt") == std::string::npos);
}
