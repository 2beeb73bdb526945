#include "datasets/entities.h"

#include <doctest/doctest.h>

#include "datasets/tokenize.h"

using memnet::datasets::entity_classes;
using memnet::datasets::Story;

namespace {

Story story(const std::vector<std::string>& statements, const std::vector<std::string>& questions) {
  Story s;
  for (const auto& text : statements) {
    memnet::datasets::Statement st;
    st.text = text;
    st.tokens = memnet::datasets::tokenize(text);
    s.statements.push_back(st);
  }
  for (const auto& text : questions) {
    memnet::datasets::Question q;
    q.text = text;
    q.tokens = memnet::datasets::tokenize(text);
    q.answer = std::string(1, 'x');
    s.questions.push_back(q);
  }
  return s;
}

using Classes = std::vector<std::vector<std::string>>;

}  // namespace

TEST_CASE("entities: people, places and objects are classes; verbs and question words are not") {
  const std::vector<Story> stories{
      story({"Mary went to the kitchen.", "John went to the kitchen.", "Mary went to the garden.",
             "Mary got the apple.", "Mary dropped the apple.", "Mary got the milk."},
            {"Where is John?", "Where is the milk?", "What is Mary carrying?"})};
  // "got" and "dropped" share "mary _ the apple", and "where" and "what" start questions,
  // but none of them follows "the" or is always capitalised
  CHECK(entity_classes(stories) ==
        Classes{{"apple", "milk"}, {"garden", "kitchen"}, {"john", "mary"}});
}

TEST_CASE("entities: a name written in lower case somewhere is no entity") {
  const std::vector<Story> stories{story({"Antoine is hungry.", "Sumit is hungry."},
                                         {"Where will antoine go?", "Where will sumit go?"})};
  CHECK(entity_classes(stories).empty());
}

TEST_CASE("entities: words in the same place of different sentences only") {
  // kitchen and garden never stand in the same context
  const std::vector<Story> stories{
      story({"Mary went to the kitchen.", "John moved to the garden."}, {})};
  CHECK(entity_classes(stories).empty());
}
