// engine/entity_permutation.h
//
// Entity permutation, a data augmentation: while training, a question and its story are
// also shown with their entity words consistently renamed. "Mary went to the kitchen.
// Where is Mary? kitchen" may become "Sandra went to the garden. Where is Sandra? garden":
// the same reasoning over other names, so the weights cannot tie an answer to one name. The
// classes of interchangeable words come from the data (datasets/entities.h); this file
// only applies a renaming.
//
// Shapes: a renaming is a vector of vocab_size word ids, map[w] the id w becomes; it is the
// identity outside the classes and a permutation within each class.
// Threading: free functions over caller-owned data; no shared state.
#pragma once

#include <map>
#include <vector>

#include "engine/example.h"
#include "engine/random.h"

namespace memnet::engine {

struct EntityClasses {
  // Word ids that may be renamed into each other; each class has two or more ids, and no
  // id is in two classes.
  std::vector<std::vector<int>> classes;
  // Answers that are lists of words ("apple,football"): the answer id and its words' ids,
  // in order. A renamed list answer is looked up in list_ids; when the renamed list is not
  // a word of the vocabulary, the example is trained as it is.
  std::map<int, std::vector<int>> lists;
  std::map<std::vector<int>, int> list_ids;

  bool empty() const { return classes.empty(); }
};

// Throws std::invalid_argument when a class has fewer than two ids, an id outside
// [1, vocab_size) or in two classes, or a list entry names an id outside the vocabulary.
void validate(const EntityClasses& entities, int vocab_size);

// A uniformly drawn renaming into `map` (resized to vocab_size; a buffer the caller reuses
// on the training path): each class shuffled independently.
void draw_renaming(const EntityClasses& entities, int vocab_size, Rng& rng, std::vector<int>& map);

// `x` with every story word, question word and the answer renamed by `map` (size
// vocab_size). Returns false, leaving `out` unspecified, when the answer cannot be renamed
// (a list answer whose renamed list is not in the vocabulary); then train on `x` itself.
// Examples with candidates (dialog) are never renamed: returns false.
bool rename(const Example& x, const std::vector<int>& map, const EntityClasses& entities,
            Example& out);

}  // namespace memnet::engine
