// datasets/generator.h
//
// bAbI-style data of our own, for offline use, the bundled demo and the tests. The stories
// imitate four of the bAbI tasks (Weston et al. 2015) with their vocabulary: people Mary,
// John, Sandra, Daniel; locations kitchen, bathroom, garden, hallway, office, bedroom;
// objects football, apple, milk. Every answer and supporting fact is computed from a
// simulation of the story, so it is correct by construction.
//
// Kinds (numbered 1-4 here; their real bAbI task numbers differ for kinds 3 and 4):
//   1 single supporting fact  "Where is Mary?"                        -> kitchen     (bAbI 1)
//   2 two supporting facts    "Where is the football?"                -> garden      (bAbI 2)
//   3 yes/no                  "Is Mary in the garden?"                -> yes | no    (bAbI 6)
//   4 counting                "How many objects is Mary carrying?"    -> none..three (bAbI 7)
//
// Output is deterministic for a seed on every platform: std::mt19937_64 (fully specified by
// the standard) with our own unbiased mapping to ranges, never std::*_distribution.
#pragma once

#include <cstdint>
#include <string>

namespace memnet::datasets {

constexpr int kGeneratedKinds = 4;  // kinds are 1..kGeneratedKinds

// The text of a bAbI file with exactly `questions` questions, five per story (the last story
// may have fewer), one to three statements before each question.
// Throws std::invalid_argument unless 1 <= task_kind <= 4 and questions >= 1.
std::string generate_babi(int task_kind, int questions, std::uint64_t seed);

// "qa1_single-supporting-fact", "qa2_two-supporting-facts", "qa3_yes-no-questions",
// "qa4_counting". Throws std::invalid_argument for a kind outside 1..4.
std::string task_file_stem(int task_kind);

// Writes dir/<stem>_train.txt and dir/<stem>_test.txt for kinds 1-4, creating `dir` when
// needed. Train and test come from different seeds derived from `seed`. Existing files are
// overwritten. Throws std::invalid_argument unless both counts are >= 1, and
// std::runtime_error naming the path when a folder or file cannot be written.
void write_dataset(const std::string& dir, int train_questions, int test_questions,
                   std::uint64_t seed);

}  // namespace memnet::datasets
