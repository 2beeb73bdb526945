#include "core/window_selection.h"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/story_service.h"
#include "datasets/tokenize.h"
#include "storage/database.h"
#include "storage/memory_store.h"
#include "tests/model_fixture.h"
#include "tests/test_data.h"

namespace memnet::core {
namespace {

using Seqs = std::vector<std::int64_t>;

std::vector<std::vector<std::string>> tokens_of(const std::vector<std::string>& facts) {
  std::vector<std::vector<std::string>> out;
  for (const auto& f : facts) out.push_back(datasets::tokenize(f));
  return out;
}

// A story where Mary's last move lies far back among other people's.
std::vector<std::string> long_story(int facts) {
  const std::vector<std::string> people = {"John", "Daniel", "Sandra"};
  const std::vector<std::string> places = {"kitchen", "garden", "office", "hallway", "bathroom"};
  std::vector<std::string> out;
  for (int i = 0; i < facts; ++i) {
    if (i == 3) {
      out.push_back("Mary went to the bedroom.");
    } else if (i == 7) {
      out.push_back("Mary journeyed to the garden.");
    } else {
      out.push_back(fmt::format("{} moved to the {}.", people[static_cast<size_t>(i) % 3],
                                places[static_cast<size_t>(i) % 5]));
    }
  }
  return out;
}

void check_same(const AskResult& a, const AskResult& b) {
  CHECK(a.answer == b.answer);
  CHECK(a.probability == b.probability);
  CHECK(a.window == b.window);
  CHECK(a.memory_first == b.memory_first);
  CHECK(a.select == b.select);
  REQUIRE(a.hops.size() == b.hops.size());
  for (size_t k = 0; k < a.hops.size(); ++k) {
    REQUIRE(a.hops[k].size() == b.hops[k].size());
    for (size_t i = 0; i < a.hops[k].size(); ++i) {
      CHECK(a.hops[k][i].sentence == b.hops[k][i].sentence);
      CHECK(a.hops[k][i].text == b.hops[k][i].text);
      CHECK(a.hops[k][i].weight == b.hops[k][i].weight);
    }
    CHECK(a.empty_weight[k] == b.empty_weight[k]);
  }
}

}  // namespace

TEST_CASE("window selection: recent, match (rarest word first, cutoff) and mixed") {
  const auto facts = tokens_of({
      "Mary went to the kitchen.",     // 0
      "John went to the garden.",      // 1
      "John picked up the football.",  // 2
      "Mary moved to the office.",     // 3
      "Daniel went to the kitchen.",   // 4
      "Sandra went to the hallway.",   // 5
  });
  TokenIndex index(facts);
  const auto q = datasets::tokenize("Where is Mary?");
  CHECK(select_window(index, q, Selection::kRecent, 3) == Seqs{5, 4, 3});
  CHECK(select_window(index, q, Selection::kRecent, 10) == Seqs{5, 4, 3, 2, 1, 0});
  CHECK(select_window(index, q, Selection::kMatch, 10) == Seqs{3, 0});
  CHECK(select_window(index, q, Selection::kMatch, 1) == Seqs{3});
  CHECK(select_window(index, q, Selection::kMixed, 4) == Seqs{5, 4, 3, 0});
  CHECK(select_window(index, q, Selection::kMatch, 0).empty());

  // "the" is in every fact, "kitchen" in two: the rarer word's facts come first, so with
  // room for two the kitchen facts win over more recent facts holding only "the".
  const auto kitchen = datasets::tokenize("Is anyone in the kitchen?");
  CHECK(select_window(index, kitchen, Selection::kMatch, 2) == Seqs{4, 0});
  CHECK(select_window(index, kitchen, Selection::kMatch, 3, 1000) == Seqs{5, 4, 0});
  // The default cutoff is the memory size: "the" (6 facts) is ignored with n = 3.
  CHECK(select_window(index, kitchen, Selection::kMatch, 3) == Seqs{4, 0});
  // Above the cutoff a word is ignored: "the" (6 facts) with a cutoff of 5.
  CHECK(select_window(index, kitchen, Selection::kMatch, 10, 5) == Seqs{4, 0});
  CHECK(select_window(index, kitchen, Selection::kMatch, 10, 1000) == Seqs{5, 4, 3, 2, 1, 0});
  // Every word above the cutoff: the rarest one is kept.
  CHECK(select_window(index, kitchen, Selection::kMatch, 10, 1) == Seqs{4, 0});
  // No word of the question in the story: match is empty, mixed falls back to recent.
  const auto none = datasets::tokenize("Where is Bill?");
  CHECK(select_window(index, none, Selection::kMatch, 10).empty());
  CHECK(select_window(index, none, Selection::kMixed, 2) == Seqs{5, 4});
  CHECK(parse_selection("match") == Selection::kMatch);
  CHECK_FALSE(parse_selection("Match").has_value());
  for (const Selection s :
       {Selection::kRecent, Selection::kMatch, Selection::kMixed, Selection::kExpand}) {
    CHECK(parse_selection(selection_name(s)) == s);
  }
}

TEST_CASE("window selection: expand adds the rare words of the fact each hop attends to") {
  const auto facts = tokens_of({
      "John went to the kitchen.",     // 0
      "John picked up the football.",  // 1
      "Mary went to the garden.",      // 2
      "Sandra went to the office.",    // 3
      "Daniel went to the hallway.",   // 4
  });
  TokenIndex index(facts);
  const auto q = datasets::tokenize("Where is the football?");
  // match alone: "the" is in all 5 facts (> n = 4) and ignored; "football" finds fact 1.
  CHECK(select_window(index, q, Selection::kMatch, 4) == Seqs{1});
  std::vector<std::pair<Seqs, int>> asked;
  const auto most_recent = [&](const Seqs& window, int k) -> std::optional<std::int64_t> {
    asked.emplace_back(window, k);
    return window.front();
  };
  // Hop 1 attends to fact 1, whose "john" brings fact 0; "picked" and "up" find only fact 1.
  CHECK(expand_window(index, q, 4, 0, 2, most_recent) == Seqs{1, 0});
  REQUIRE(asked.size() == 2);
  CHECK(asked[0] == std::pair<Seqs, int>{Seqs{1}, 1});
  CHECK(asked[1] == std::pair<Seqs, int>{Seqs{1, 0}, 2});
  // No hops, or no top fact: match's window.
  CHECK(expand_window(index, q, 4, 0, 0, most_recent) == Seqs{1});
  CHECK(expand_window(index, q, 4, 0, 3,
                      [](const Seqs&, int) { return std::optional<std::int64_t>(); }) == Seqs{1});
  // A common word of the attended fact ("went": 4 facts > n = 3) is not added.
  asked.clear();
  const auto q_mary = datasets::tokenize("Where is Mary?");
  CHECK(expand_window(index, q_mary, 3, 0, 1, most_recent) == Seqs{2});
  CHECK(index.words(1) == datasets::tokenize("John picked up the football."));
}

TEST_CASE("window selection: match finds a fact older than the memory; stored equals inline") {
  const std::string path = (memnet::testing::temp_dir("select_service") / "m.db").string();
  memnet::testing::save_fixture_model(path, "m", 11, 3, 12, 10);  // memory of 10 facts
  StoryService service(path);
  const std::vector<std::string> told = long_story(200);
  const auto story = service.create_story("long", "");
  CHECK(story.selection == "recent");
  service.add_facts(story.id, told);

  for (const Selection mode :
       {Selection::kRecent, Selection::kMatch, Selection::kMixed, Selection::kExpand}) {
    CAPTURE(selection_name(mode));
    AskOptions o;
    o.select = mode;
    const AskResult stored = service.ask(story.id, "Where is Mary?", "", o);
    const AskResult inline_result = service.ask_inline(told, "Where is Mary?", "", o);
    check_same(stored, inline_result);
    REQUIRE_FALSE(stored.hops.empty());
    std::vector<int> seen;
    for (const auto& a : stored.hops[0]) seen.push_back(a.sentence);
    if (mode == Selection::kRecent) {
      CHECK(stored.window == 10);
      CHECK(seen.front() == 190);
    } else if (mode == Selection::kMatch) {
      CHECK(seen == std::vector<int>{3, 7});  // Mary's two facts, oldest first
      CHECK(stored.memory_first == 3);
    } else if (mode == Selection::kMixed) {
      CHECK(stored.window == 10);
      CHECK(seen[0] == 3);
      CHECK(seen[1] == 7);
      CHECK(seen[2] == 192);  // then the 8 most recent
    } else {
      CHECK(stored.select == Selection::kExpand);
      CHECK(std::find(seen.begin(), seen.end(), 3) != seen.end());  // match's facts stay
      CHECK(std::find(seen.begin(), seen.end(), 7) != seen.end());
    }
    // as_of: the story as it stood with its first 6 facts (Mary's first move only).
    o.as_of = 6;
    const AskResult early = service.ask(story.id, "Where is Mary?", "", o);
    const AskResult early_inline = service.ask_inline(
        std::vector<std::string>(told.begin(), told.begin() + 6), "Where is Mary?", "", o);
    check_same(early, early_inline);
  }

  // A story made with `match` uses it unless the question says otherwise.
  const auto by_match = service.create_story("by match", "", Selection::kMatch);
  CHECK(by_match.selection == "match");
  service.add_facts(by_match.id, told);
  CHECK(service.ask(by_match.id, "Where is Mary?", "").window == 2);
  AskOptions recent;
  recent.select = Selection::kRecent;
  CHECK(service.ask(by_match.id, "Where is Mary?", "", recent).window == 10);
  AskOptions bad;
  bad.word_cutoff = -1;
  CHECK_THROWS_AS(service.ask(by_match.id, "Where is Mary?", "", bad), InvalidInput);
  // Deleting a story deletes its word index rows.
  REQUIRE(service.delete_story(by_match.id));
  storage::Database db(path);
  CHECK(db.with_statement("SELECT count(*) FROM fact_words WHERE story_id = ?",
                          [&](SQLite::Statement& s) {
                            s.bind(1, by_match.id);
                            s.executeStep();
                            return s.getColumn(0).getInt64();
                          }) == 0);
}

TEST_CASE("window selection: expand over a stored story equals inline and widens the window") {
  const std::string path = (memnet::testing::temp_dir("select_expand") / "m.db").string();
  memnet::testing::save_fixture_model(path, "m", 12, 3, 12, 10);  // memory of 10 facts
  StoryService service(path);
  std::vector<std::string> told = {"John picked up the football."};
  const std::vector<std::string> others = {"Daniel", "Sandra", "Mary"};
  for (int i = 1; i < 150; ++i) {
    told.push_back(i == 60 || i == 90 ? "John went to the kitchen."
                                      : fmt::format("{} moved to the office.",
                                                    others[static_cast<size_t>(i) % 3]));
  }
  const auto story = service.create_story("football", "", Selection::kExpand);
  CHECK(story.selection == "expand");
  service.add_facts(story.id, told);
  const AskResult stored = service.ask(story.id, "Where is the football?", "");
  AskOptions o;
  o.select = Selection::kExpand;
  const AskResult inline_result = service.ask_inline(told, "Where is the football?", "", o);
  check_same(stored, inline_result);
  // The football fact alone is match's window; its "john" brings John's two moves.
  std::vector<int> seen;
  for (const auto& a : stored.hops[0]) seen.push_back(a.sentence);
  CHECK(seen == std::vector<int>{0, 60, 90});
  o.select = Selection::kMatch;
  CHECK(service.ask(story.id, "Where is the football?", "", o).window == 1);
}

TEST_CASE(
    "window selection: the word index holds each word once per fact, in the append's "
    "transaction") {
  const std::string path = (memnet::testing::temp_dir("select_index") / "m.db").string();
  storage::Database db(path);
  const std::int64_t id = storage::create_story(db, "s", "");
  storage::append_facts(db, id, std::nullopt,
                        {{"the cat saw the dog", datasets::tokenize("the cat saw the dog"), {}},
                         {"the dog", datasets::tokenize("the dog"), {}}});
  CHECK(storage::count_word_facts(db, id, "the", 2, 100) == 2);
  CHECK(storage::count_word_facts(db, id, "the", 1, 100) == 1);  // seq < 1
  CHECK(storage::count_word_facts(db, id, "the", 2, 0) == 1);    // cut at cap + 1
  CHECK(storage::count_word_facts(db, id, "cat", 2, 100) == 1);
  CHECK(storage::recent_word_facts(db, id, "dog", 2, 5) == Seqs{1, 0});
  CHECK(storage::recent_word_facts(db, id, "dog", 2, 1) == Seqs{1});
  CHECK(storage::recent_word_facts(db, id, "bird", 2, 5).empty());
  // A failed append (a fact with an id clash is impossible, so make the story vanish
  // mid-way: append to a missing story) writes no index rows.
  CHECK_FALSE(storage::append_facts(db, 9999, std::nullopt, {{"x", {"x"}, {}}}).has_value());
  CHECK(storage::recent_word_facts(db, 9999, "x", 10, 5).empty());
  CHECK_THROWS_AS(storage::create_story(db, "s", "", 0, "sideways"), storage::StorageError);
}

TEST_CASE("window selection: a file of schema 2 gets its word index when migrated") {
  const auto fixture = std::filesystem::path(MEMNET_SOURCE_DIR) / "tests/data/schema2/schema2.db";
  const auto path = memnet::testing::temp_dir("select_migrate") / "old.db";
  std::filesystem::copy_file(fixture, path);
  StoryService service(path.string());
  const auto stories = service.stories();
  REQUIRE_FALSE(stories.empty());
  for (const auto& s : stories) {
    CHECK(s.selection == "recent");
    std::vector<std::string> told;
    for (const auto& f : service.facts(s.id, 0, 100000)) told.push_back(f.text);
    REQUIRE_FALSE(told.empty());
    // Someone the story names (its first fact's first word).
    const std::string question = "Where is " + datasets::tokenize(told[0])[0] + "?";
    AskOptions o;
    o.select = Selection::kMatch;
    const AskResult stored = service.ask(s.id, question, "task1", o);
    check_same(stored, service.ask_inline(told, question, "task1", o));
    CHECK(stored.window > 0);
  }
}

}  // namespace memnet::core
