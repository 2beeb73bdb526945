#include "core/story_service.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "storage/model_store.h"
#include "tests/model_fixture.h"
#include "tests/test_data.h"

namespace memnet::core {
namespace {

std::string db_path(const std::string& tag) {
  return (memnet::testing::temp_dir(tag) / "memnet.db").string();
}

const std::vector<std::string> kFacts = {
    "Mary went to the kitchen.", "John moved to the garden.", "Mary travelled to the office.",
    "Daniel went back to the hallway.", "Sandra journeyed to the bathroom."};

void check_same(const AskResult& stored, const AskResult& inline_result) {
  CHECK(stored.answer == inline_result.answer);
  CHECK(stored.probability == inline_result.probability);
  REQUIRE(stored.hops.size() == inline_result.hops.size());
  for (size_t k = 0; k < stored.hops.size(); ++k) {
    REQUIRE(stored.hops[k].size() == inline_result.hops[k].size());
    for (size_t i = 0; i < stored.hops[k].size(); ++i) {
      CHECK(stored.hops[k][i].text == inline_result.hops[k][i].text);
      CHECK(stored.hops[k][i].sentence == inline_result.hops[k][i].sentence);
      CHECK(stored.hops[k][i].weight == inline_result.hops[k][i].weight);
    }
    CHECK(stored.empty_weight[k] == inline_result.empty_weight[k]);
  }
}

}  // namespace

TEST_CASE("story service: a stored story answers as the same story given inline") {
  const std::string path = db_path("service");
  memnet::testing::save_fixture_model(path, "m", 5, 3, 12, 4);  // memory of 4 facts
  StoryService service(path);
  REQUIRE(service.models().size() == 1);
  const auto story = service.create_story("s", "");
  CHECK(story.model == "m");  // the file's only model

  std::vector<std::string> told;
  for (const auto& fact : kFacts) {
    const auto added = service.add_facts(story.id, {fact});
    REQUIRE(added.size() == 1);
    CHECK(added[0].record.text == fact);
    told.push_back(fact);
    const AskResult stored = service.ask(story.id, "Where is Mary?", "");
    const AskResult inline_result = service.ask_inline(told, "Where is Mary?", "");
    CAPTURE(told.size());
    check_same(stored, inline_result);
    CHECK(stored.model == "m");
    CHECK(stored.sentences == static_cast<int>(told.size()));
    // The window is the 4 most recent facts.
    CHECK(stored.hops[0].size() == std::min<size_t>(told.size(), 4));
    CHECK(stored.hops[0].back().text == fact);
    CHECK(stored.hops[0].back().fact_id == added[0].record.id);
  }
  CHECK(service.ask(story.id, "Where is zorblax Mary?", "").unknown_words ==
        std::vector<std::string>{"zorblax"});
}

TEST_CASE("story service: another model embeds the facts again, from their tokens") {
  const std::string path = db_path("service_two_models");
  memnet::testing::save_fixture_model(path, "a", 1);
  memnet::testing::save_fixture_model(path, "b", 2);
  StoryService service(path);
  const auto story = service.create_story("", "");
  CHECK(story.model.empty());  // two models: none picked
  service.add_facts(story.id, kFacts);
  CHECK_THROWS_AS(service.ask(story.id, "Where is Mary?", ""), InvalidInput);
  CHECK_THROWS_AS(service.ask(story.id, "Where is Mary?", "nope"), NotFound);
  const AskResult a = service.ask(story.id, "Where is Mary?", "a");
  const AskResult b = service.ask(story.id, "Where is Mary?", "b");
  check_same(a, service.ask_inline(kFacts, "Where is Mary?", "a"));
  check_same(b, service.ask_inline(kFacts, "Where is Mary?", "b"));
  CHECK(a.model == "a");
  CHECK(b.model == "b");
  CHECK(a.hops[0][0].weight != b.hops[0][0].weight);
}

TEST_CASE("story service: a model retrained in the file is picked up, never mixed") {
  const std::string path = db_path("service_retrain");
  memnet::testing::save_fixture_model(path, "m", 1);
  StoryService service(path);
  const auto story = service.create_story("", "m");
  service.add_facts(story.id, kFacts);
  service.ask(story.id, "Where is Mary?", "");         // cached window of the old model
  memnet::testing::save_fixture_model(path, "m", 99);  // another process retrains "m"
  const AskResult after = service.ask(story.id, "Where is Mary?", "");
  StoryService fresh(path);
  check_same(after, fresh.ask_inline(kFacts, "Where is Mary?", "m"));
}

TEST_CASE("story service: a model deleted from the file is named in the error") {
  const std::string path = db_path("service_deleted");
  memnet::testing::save_fixture_model(path, "m", 1);
  StoryService service(path);
  const auto story = service.create_story("", "m");
  service.add_facts(story.id, kFacts);
  service.ask(story.id, "Where is Mary?", "");  // loaded
  {
    storage::Database db(path);
    REQUIRE(storage::delete_model(db, "m"));  // another process deletes it
  }
  CHECK_THROWS_WITH_AS(service.ask(story.id, "Where is Mary?", ""),
                       "model 'm' was deleted from the file", NotFound);
}

TEST_CASE("story service: stats count the cache and the file; max_stories refuses more") {
  const std::string path = db_path("service_stats");
  memnet::testing::save_fixture_model(path, "m", 1);
  ServiceOptions options;
  options.max_stories = 2;
  StoryService service(path, options);
  const auto story = service.create_story("", "m");
  service.add_facts(story.id, kFacts);
  service.ask(story.id, "Where is Mary?", "");
  service.ask(story.id, "Where is John?", "");
  const ServiceStats s = service.stats();
  CHECK(s.cache_entries == 1);
  CHECK(s.cache_misses == 1);
  CHECK(s.cache_hits == 1);
  // The window's matrices at least: m and c per hop, d x n floats each.
  CHECK(s.cache_bytes >= sizeof(float) * 2 * 3 * 12 * kFacts.size());  // hops 3, d 12
  CHECK(s.stories == 1);
  CHECK(s.facts == static_cast<std::int64_t>(kFacts.size()));
  service.create_story("second", "m");
  try {
    service.create_story("third", "m");
    FAIL("a third story was created");
  } catch (const storage::StorageError& e) {
    CHECK(e.kind() == storage::StorageErrorKind::kLimit);
  }
  CHECK(service.stories().size() == 2);
  CHECK(service.delete_story(story.id));
  CHECK(service.stats().cache_entries == 0);
  CHECK(service.stats().cache_bytes == 0);
}

TEST_CASE("story service: the window cache is bounded by bytes, least recently asked out") {
  const std::string path = db_path("service_budget");
  memnet::testing::save_fixture_model(path, "m", 1);
  // One window's bytes, from a service with room for it.
  std::size_t one = 0;
  std::vector<std::int64_t> ids;
  {
    StoryService service(path);
    for (int i = 0; i < 3; ++i) {
      const auto story = service.create_story("", "m");
      service.add_facts(story.id, kFacts);  // the same facts: windows of the same size
      ids.push_back(story.id);
    }
    service.ask(ids[0], "Where is Mary?", "");
    one = service.stats().cache_bytes;
    REQUIRE(one > 0);
  }

  ServiceOptions options;
  options.cache_budget_bytes = 2 * one + one / 2;  // room for two windows
  StoryService service(path, options);
  const auto ask = [&](std::size_t i) { service.ask(ids[i], "Where is Mary?", ""); };
  ask(0);
  ask(1);
  CHECK(service.stats().cache_entries == 2);
  ask(0);  // now 1 is the least recently asked
  ask(2);  // ... and is dropped for 2
  ServiceStats s = service.stats();
  CHECK(s.cache_entries == 2);
  CHECK(s.cache_bytes == 2 * one);
  CHECK(s.cache_bytes <= options.cache_budget_bytes);
  CHECK(s.cache_hits == 1);
  CHECK(s.cache_misses == 3);
  ask(0);  // kept: a hit
  CHECK(service.stats().cache_hits == 2);
  ask(1);  // dropped: read from the file again, and it drops 2
  s = service.stats();
  CHECK(s.cache_misses == 4);
  CHECK(s.cache_entries == 2);
  // Answers do not depend on the cache.
  const AskResult again = service.ask(ids[2], "Where is Mary?", "");
  const AskResult inline_result = service.ask_inline(kFacts, "Where is Mary?", "");
  check_same(again, inline_result);

  // A window larger than the whole budget is not kept; 0 turns the cache off.
  for (const std::size_t budget : {one - 1, std::size_t{0}}) {
    ServiceOptions small;
    small.cache_budget_bytes = budget;
    StoryService tiny(path, small);
    tiny.ask(ids[0], "Where is Mary?", "");
    tiny.ask(ids[0], "Where is Mary?", "");
    CHECK(tiny.stats().cache_entries == 0);
    CHECK(tiny.stats().cache_bytes == 0);
    CHECK(tiny.stats().cache_hits == 0);
  }
}

TEST_CASE("story service: bad input is refused and stores nothing") {
  const std::string path = db_path("service_bad");
  memnet::testing::save_fixture_model(path, "m", 1);
  StoryService service(path);
  const auto story = service.create_story("", "");
  try {
    service.add_facts(story.id, {"Mary went home.", " ?! "});
    FAIL("expected InvalidInput");
  } catch (const InvalidInput& e) {
    CHECK(e.field() == "facts[1]");
  }
  CHECK(service.story(story.id)->facts == 0);
  CHECK_THROWS_AS(service.add_facts(12345, {"x"}), NotFound);
  CHECK_THROWS_AS(service.ask(12345, "Where?", ""), NotFound);
  try {
    service.ask(story.id, "??", "");
    FAIL("expected InvalidInput");
  } catch (const InvalidInput& e) {
    CHECK(e.field() == "question");
  }
  try {
    service.create_story("", "missing");
    FAIL("expected NotFound");
  } catch (const NotFound& e) {
    CHECK(e.field() == "model");
  }
  // An empty story answers from the question alone, with no attention.
  const AskResult empty = service.ask(story.id, "Where is Mary?", "");
  REQUIRE(empty.hops.size() == 3);
  CHECK(empty.hops[0].empty());
}

TEST_CASE("story service: with a recheck interval, its own appends are seen at once") {
  const std::string path = db_path("service_recheck");
  memnet::testing::save_fixture_model(path, "m", 1);
  ServiceOptions trusting;
  trusting.recheck = std::chrono::hours(1);  // never long enough to pass in this test
  StoryService service(path, trusting);
  const auto story = service.create_story("", "m");
  service.add_facts(story.id, {kFacts[0], kFacts[1]});
  CHECK(service.ask(story.id, "Where is Mary?", "").sentences == 2);
  CHECK(service.ask(story.id, "Where is Mary?", "").sentences == 2);  // from memory
  CHECK(service.stats().cache_hits == 1);

  // Its own append is seen by the very next question, with the inline answer's floats.
  service.add_facts(story.id, {kFacts[2]});
  const AskResult own = service.ask(story.id, "Where is Mary?", "");
  CHECK(own.sentences == 3);
  check_same(own, service.ask_inline({kFacts[0], kFacts[1], kFacts[2]}, "Where is Mary?", "m"));

  // Another process's append (another service on the file) waits for the interval here,
  // while a service with the default reads the version on every question and sees it.
  StoryService reading(path);
  CHECK(reading.ask(story.id, "Where is Mary?", "").sentences == 3);
  StoryService other(path);
  other.add_facts(story.id, {kFacts[3]});
  CHECK(service.ask(story.id, "Where is Mary?", "").sentences == 3);
  CHECK(reading.ask(story.id, "Where is Mary?", "").sentences == 4);

  // With a short interval, that append is seen once the interval has passed.
  ServiceOptions brief;
  brief.recheck = std::chrono::milliseconds(20);
  StoryService quick(path, brief);
  CHECK(quick.ask(story.id, "Where is Mary?", "").sentences == 4);
  other.add_facts(story.id, {kFacts[4]});
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  CHECK(quick.ask(story.id, "Where is Mary?", "").sentences == 5);

  // Selections other than the recent window, and questions as of a point, still read the
  // file every time.
  AskOptions match;
  match.select = Selection::kMatch;
  CHECK(service.ask(story.id, "Where is Sandra?", "", match).sentences == 5);
  AskOptions at;
  at.as_of = 5;
  CHECK(service.ask(story.id, "Where is Sandra?", "", at).hops[0].back().text == kFacts[4]);
}

TEST_CASE("story service: many threads ask while one appends") {
  const std::string path = db_path("service_concurrent");
  memnet::testing::save_fixture_model(path, "m", 1, 3, 12, 6);
  ServiceOptions options;
  SUBCASE("the version read on every question") {}
  SUBCASE("the version trusted for a second") { options.recheck = std::chrono::seconds(1); }
  StoryService service(path, options);
  const auto story = service.create_story("", "");
  service.add_facts(story.id, {kFacts[0]});
  std::atomic<bool> done{false};
  std::atomic<int> asks{0}, bad{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      while (!done) {
        const AskResult r = service.ask(story.id, "Where is Mary?", "");
        // Every answer sees a whole prefix of the story: its window ends at the newest fact.
        const int n = static_cast<int>(r.hops[0].size());
        if (n < 1 || n > 6 || r.hops[0].back().sentence != r.sentences - 1) ++bad;
        ++asks;
      }
    });
  }
  int unseen = 0;  // appends the appending thread's next question did not see
  for (int i = 0; i < 40; ++i) {
    service.add_facts(story.id, {kFacts[size_t(i) % kFacts.size()]});
    if (service.ask(story.id, "Where is Mary?", "").sentences != i + 2) ++unseen;
  }
  done = true;
  for (auto& t : readers) t.join();
  CHECK(bad == 0);
  CHECK(unseen == 0);
  CHECK(asks > 0);
  CHECK(service.story(story.id)->facts == 41);
  // A second service on the same file (another process, in effect) sees every fact.
  StoryService other(path);
  CHECK(other.ask(story.id, "Where is Mary?", "").sentences == 41);
}

}  // namespace memnet::core
