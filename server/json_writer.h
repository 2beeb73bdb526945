// server/json_writer.h
//
// A streaming JSON writer for responses: appends to one string with no intermediate tree,
// which is what makes the ask response cheap (nlohmann's tree cost 30x the ask itself;
// docs/benchmarks.md). Requests are still parsed with nlohmann-json.
//   JsonWriter w;
//   w.begin_object().key("answer").value("kitchen").key("p").value(0.97f).end_object();
//   w.str() == R"({"answer":"kitchen","p":0.97})"
// Strings are escaped per RFC 8259; bytes that are not valid UTF-8 become U+FFFD, so any
// user text can be written. Floats are written in their shortest round-trip form; NaN and
// infinities, which JSON cannot hold, as null. Misuse (a value where a key is due) is a
// caller bug and is not diagnosed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace memnet::server {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(std::int64_t v);
  JsonWriter& value(int v) { return value(static_cast<std::int64_t>(v)); }
  JsonWriter& value(float v);
  JsonWriter& value(double v);
  JsonWriter& value(bool v);
  JsonWriter& null();
  // An array of strings.
  JsonWriter& value(const std::vector<std::string>& list);

  // Bytes written so far: with copy_members, lets a caller write members once and repeat them.
  std::size_t size() const { return out_.size(); }
  // Appends to the object now open the members already written at [from, to) of this output
  // (one or more whole `"key":value` members, as written right after a begin_object()), as
  // if they were written again. The range is the caller's to get right.
  JsonWriter& copy_members(std::size_t from, std::size_t to);

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void separate();  // a comma before every element but the first
  // Appends s quoted and escaped, then suffix unless it is '\0'.
  void escape(std::string_view s, char suffix = '\0');

  std::string out_;
  std::vector<char> first_;  // per open container: nothing written in it yet (1/0)
  bool after_key_ = false;
};

}  // namespace memnet::server
