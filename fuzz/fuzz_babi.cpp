// fuzz/fuzz_babi.cpp
//
// Fuzzes the bAbI parser (datasets/babi.h) on arbitrary bytes, as if they were a task file.
// The contract: parse_babi either returns stories or throws datasets::ParseError. A bug is
// any other exception, a crash, a sanitizer report, or a parsed result that breaks what
// babi.h promises (ids and indices in range, text valid UTF-8, answers non-empty).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "datasets/babi.h"
#include "datasets/utf8.h"

namespace ds = memnet::datasets;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void check_story(const ds::Story& story) {
  check(story.source_line >= 1);
  const int n = static_cast<int>(story.statements.size());
  for (const ds::Statement& s : story.statements) {
    check(!s.text.empty() && !ds::find_invalid_utf8(s.text));
    for (const std::string& token : s.tokens) check(!token.empty());
  }
  for (const ds::Question& q : story.questions) {
    check(!q.text.empty() && !ds::find_invalid_utf8(q.text));
    check(!q.answer.empty());
    check(q.statements_before >= 0 && q.statements_before <= n);
    for (const int i : q.support) check(i >= 0 && i < q.statements_before);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    for (const ds::Story& story : ds::parse_babi(in, "fuzz.txt")) check_story(story);
  } catch (const ds::ParseError& e) {
    check(e.path() == "fuzz.txt" && e.line() >= 1 && !e.reason().empty());
  }
  // Anything else thrown escapes, and libFuzzer reports it as a crash (uncaught exception).
  return 0;
}
