// core/babi_examples.h
//
// From parsed bAbI stories (datasets/) to the engine's word-id examples, and back to the
// vocabulary that a training set implies.
#pragma once

#include <string>
#include <vector>

#include "datasets/story.h"
#include "engine/entity_permutation.h"
#include "engine/example.h"
#include "engine/vocab.h"

namespace memnet::core {

// Adds every statement word, question word and answer symbol of `stories` to `vocab`.
void grow_vocabulary(engine::Vocabulary& vocab, const std::vector<datasets::Story>& stories);

// Longest statement or question, in tokens (J of the reference position encoding).
int longest_sentence(const std::vector<datasets::Story>& stories);

// Most statements any question of `stories` has before it (its story length).
int longest_story(const std::vector<datasets::Story>& stories);

// One example per question. Words missing from `vocab` are dropped and appended to
// `unknown` (when non-null); an unknown answer becomes id 0 (always counted wrong).
// keep_last > 0 keeps only that many most recent statements per question (the memory window;
// the engine reads no more), shifting support indices so they still name the same statements
// (supports older than the window become negative and can never be attended).
std::vector<engine::Example> to_examples(const std::vector<datasets::Story>& stories,
                                         const engine::Vocabulary& vocab, int task,
                                         std::vector<std::string>* unknown = nullptr,
                                         int keep_last = 0);

// The entity classes of the training stories (datasets/entities.h) as word ids of `vocab`,
// with the list answers ("apple,football") whose every word is in `vocab`. Words missing
// from `vocab` are left out, and a class left with one word is dropped.
engine::EntityClasses entity_classes(
    const std::vector<const std::vector<datasets::Story>*>& stories,
    const engine::Vocabulary& vocab);

}  // namespace memnet::core
