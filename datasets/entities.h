// datasets/entities.h
//
// Which words of a bAbI training set name interchangeable entities, for entity permutation
// (engine/entity_permutation.h): people, places and objects, whose names carry no meaning
// of their own in these tasks, unlike verbs ("got", "dropped"), relations ("north",
// "above") or times ("yesterday").
//
// A word is an entity candidate when
//   - it follows "the" somewhere ("the kitchen", "the football", "the red square"), or
//   - it is written with a capital letter (A-Z) wherever it occurs, and never starts a
//     question ("Mary", but not "Where" or "Is").
// Two candidates are interchangeable when some statement or question holds one where the
// other stands in another with the rest the same ("Mary went to the kitchen" and "John
// went to the kitchen"); the classes are the connected sets of that relation with two or
// more words. The first rule is English; in another language only capitals count, and
// where the guess is wrong (task 20 ties a hungry person to the kitchen), training both
// with and without permutation and keeping the better on validation (--permute-entities
// auto) catches it.
//
// Words are tokens (datasets/tokenize.h). Deterministic: classes sorted, each sorted.
// Threading: a pure function.
#pragma once

#include <string>
#include <vector>

#include "datasets/story.h"

namespace memnet::datasets {

std::vector<std::vector<std::string>> entity_classes(const std::vector<Story>& stories);

}  // namespace memnet::datasets
