// datasets/story.h
//
// A bAbI story as plain data: the statements in file order and the questions asked between
// them. Loaders (datasets/babi.h) and the generator (datasets/generator.h) produce these; the
// engine turns them into word ids. Text is UTF-8 and kept as read; `tokens` is
// tokenize(text) (datasets/tokenize.h).
#pragma once

#include <string>
#include <vector>

namespace memnet::datasets {

struct Statement {
  int line_id = 0;      // the bAbI id at the start of the line (1 for a story's first line)
  int source_line = 0;  // 1-based line number in the file
  std::string text;     // without the id, trimmed: "Mary went to the kitchen."
  std::vector<std::string> tokens;
};

struct Question {
  int line_id = 0;      // bAbI id; ids count statements and questions alike
  int source_line = 0;  // 1-based line number in the file
  std::string text;     // "Where is Mary?"
  std::vector<std::string> tokens;
  std::string answer;         // one symbol, comma lists kept whole: "n,e", "apple,football"
  std::vector<int> support;   // indices into Story::statements (0-based), in file order of the
                              // supporting-fact ids; empty when the file gives none
  int statements_before = 0;  // statements of the story before the question (its memory):
                              // statements[0, statements_before)
};

struct Story {
  int source_line = 0;  // 1-based line number of the story's line id 1
  std::vector<Statement> statements;
  std::vector<Question> questions;  // in file order; may be empty for a trailing story
};

}  // namespace memnet::datasets
