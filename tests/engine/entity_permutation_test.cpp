#include "engine/entity_permutation.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <stdexcept>

using namespace memnet::engine;

TEST_CASE("entity permutation: a renaming permutes each class and leaves other words alone") {
  EntityClasses e;
  e.classes = {{2, 3, 4}, {6, 7}};
  Rng rng(3);
  bool moved = false;
  for (int draw = 0; draw < 20; ++draw) {
    std::vector<int> map;
    draw_renaming(e, 9, rng, map);
    REQUIRE(map.size() == 9u);
    for (int w : {0, 1, 5, 8}) CHECK(map[static_cast<size_t>(w)] == w);
    std::vector<int> image{map[2], map[3], map[4]};
    std::sort(image.begin(), image.end());
    CHECK(image == std::vector<int>{2, 3, 4});
    CHECK(((map[6] == 6 && map[7] == 7) || (map[6] == 7 && map[7] == 6)));
    moved = moved || map[2] != 2;
  }
  CHECK(moved);  // 20 draws of the identity would be a broken shuffle
}

TEST_CASE("entity permutation: story, question and answer are renamed together") {
  EntityClasses e;
  e.classes = {{1, 3}};
  std::vector<int> swap{0, 3, 2, 1, 4, 5, 6};
  Example x;
  x.story = {{1, 2}, {3, 4}};
  x.question = {5, 1};
  x.answer = 3;
  x.support = {1};
  x.task = 2;
  Example y;
  REQUIRE(rename(x, swap, e, y));
  CHECK(y.story == std::vector<std::vector<int>>{{3, 2}, {1, 4}});
  CHECK(y.question == std::vector<int>{5, 3});
  CHECK(y.answer == 1);
  CHECK(y.support == x.support);
  CHECK(y.task == 2);

  SUBCASE("a list answer is renamed word by word") {
    x.answer = 5;  // "w1,w4"
    e.lists = {{5, {1, 4}}};
    e.list_ids = {{{1, 4}, 5}, {{3, 4}, 6}};
    REQUIRE(rename(x, swap, e, y));
    CHECK(y.answer == 6);  // "w3,w4"
    e.list_ids.erase({3, 4});
    CHECK_FALSE(rename(x, swap, e, y));  // not a word of the vocabulary: trained as it is
  }
  SUBCASE("dialog examples are never renamed") {
    CandidateSet candidates;
    candidates.words = {{1}, {3}};
    x.candidates = &candidates;
    CHECK_FALSE(rename(x, swap, e, y));
  }
}

TEST_CASE("entity permutation: bad classes are rejected") {
  EntityClasses e;
  e.classes = {{1}};
  CHECK_THROWS_AS(validate(e, 5), std::invalid_argument);
  e.classes = {{1, 5}};
  CHECK_THROWS_AS(validate(e, 5), std::invalid_argument);
  e.classes = {{0, 1}};  // the nil word is never renamed
  CHECK_THROWS_AS(validate(e, 5), std::invalid_argument);
  e.classes = {{1, 2}, {2, 3}};
  CHECK_THROWS_AS(validate(e, 5), std::invalid_argument);
  e.classes = {{1, 2}, {3, 4}};
  CHECK_NOTHROW(validate(e, 5));
  e.lists = {{9, {1, 2}}};
  CHECK_THROWS_AS(validate(e, 5), std::invalid_argument);
}
