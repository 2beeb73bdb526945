#include "server/json_writer.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace memnet::server {

TEST_CASE("json writer: nested objects and arrays with commas in the right places") {
  JsonWriter w;
  w.begin_object().key("a").value(1).key("b").begin_array().value("x").value(true).null();
  w.begin_object().end_object().end_array().key("c").value(std::vector<std::string>{"p", "q"});
  w.end_object();
  CHECK(w.str() == R"({"a":1,"b":["x",true,null,{}],"c":["p","q"]})");
}

TEST_CASE("json writer: floats round-trip, non-finite numbers become null") {
  for (const float f : {0.97f, 1e-8f, 123456.79f, -0.5f, 0.0f, 1.0f / 3.0f}) {
    JsonWriter w;
    w.begin_array().value(f).end_array();
    CHECK(nlohmann::json::parse(w.str())[0].get<float>() == f);
  }
  JsonWriter w;
  w.begin_array().value(std::numeric_limits<float>::quiet_NaN()).value(INFINITY).end_array();
  CHECK(w.str() == "[null,null]");
}

TEST_CASE("json writer: any bytes become a valid JSON string") {
  const std::string nasty = std::string("q\"b\\s\n\t\x01 ") + "caf\xC3\xA9 " +  // valid é
                            "\xE0\xA4\xAE " +                                   // Devanagari
                            "\xF0\x9F\x98\x80 " +                               // emoji
                            "\xC3 \xC3\xA9\xA9 \xED\xA0\x80 \xFF";              // invalid
  JsonWriter w;
  w.begin_object().key("k").value(nasty).end_object();
  const nlohmann::json j = nlohmann::json::parse(w.str());  // throws on invalid JSON/UTF-8
  const std::string back = j["k"];
  CHECK(back.rfind("q\"b\\s\n\t\x01 caf\xC3\xA9 \xE0\xA4\xAE \xF0\x9F\x98\x80 ", 0) == 0);
  CHECK(back.find("\xEF\xBF\xBD") != std::string::npos);  // U+FFFD for the bad bytes
  CHECK(back.find('\xFF') == std::string::npos);
}

TEST_CASE("json writer: empty strings and keys, a special byte first or last") {
  JsonWriter w;
  w.begin_object().key(std::string_view{}).value(std::string_view{});
  w.key("a").value("\"x").key("b").value("x\n").key("c").value("").end_object();
  CHECK(w.str() == R"({"":"","a":"\"x","b":"x\n","c":""})");
}

TEST_CASE("json writer: a special byte anywhere in a long string, 8-byte words and tail") {
  // The scan reads 8 bytes at a time: put each kind of byte at every place of 8-byte words
  // and of the tail, and check the string reads back (or, for a bad byte, as U+FFFD).
  const std::vector<std::string> specials = {std::string(1, '\x01'), std::string(1, '\x1f'),
                                             std::string(1, '"'),    std::string(1, '\\'),
                                             std::string(1, '\n'),   "\xC3\xA9"};
  const std::vector<std::string> plain = {std::string(1, ' '), std::string(1, '~'),
                                          std::string(1, '!'), std::string(1, '#'),
                                          std::string(1, '['), std::string(1, ']')};
  for (std::size_t length = 1; length <= 27; ++length) {
    for (std::size_t at = 0; at < length; ++at) {
      for (const std::string& c : specials) {
        std::string s(length, 'a');
        s.replace(at, 1, c);
        JsonWriter w;
        w.begin_array().value(s).end_array();
        CAPTURE(length);
        CAPTURE(at);
        CHECK(nlohmann::json::parse(w.str())[0].get<std::string>() == s);
        // A control byte, quote or backslash is escaped; valid UTF-8 is copied as it is.
        CHECK((w.str() == "[\"" + s + "\"]") == (c.size() == 2));
      }
      for (const std::string& c : plain) {  // printable ASCII is copied as it is
        std::string s(length, 'a');
        s.replace(at, 1, c);
        JsonWriter w;
        w.begin_array().value(s).end_array();
        CHECK(w.str() == "[\"" + s + "\"]");
      }
      std::string bad(length, 'a');
      bad[at] = '\xFF';
      JsonWriter w;
      w.begin_array().value(bad).end_array();
      std::string expected = bad;
      expected.replace(at, 1, "\xEF\xBF\xBD");
      CHECK(nlohmann::json::parse(w.str())[0].get<std::string>() == expected);
    }
  }
}

TEST_CASE("json writer: members written once are copied into later objects") {
  JsonWriter w;
  w.begin_array().begin_object();
  const std::size_t from = w.size();
  w.key("id").value(7).key("text").value("Mary \"went\"");
  const std::size_t to = w.size();
  w.key("weight").value(0.5f).end_object();
  w.begin_object().copy_members(from, to).key("weight").value(0.25f).end_object();
  w.begin_object().copy_members(from, to).end_object();
  // Enough copies to make the output reallocate while a range of it is being copied.
  for (int i = 0; i < 2000; ++i) w.begin_object().copy_members(from, to).end_object();
  w.end_array();
  const nlohmann::json j = nlohmann::json::parse(w.str());
  REQUIRE(j.size() == 2003);
  CHECK(j[0] == nlohmann::json{{"id", 7}, {"text", "Mary \"went\""}, {"weight", 0.5}});
  CHECK(j[1] == nlohmann::json{{"id", 7}, {"text", "Mary \"went\""}, {"weight", 0.25}});
  CHECK(j[2] == nlohmann::json{{"id", 7}, {"text", "Mary \"went\""}});
  CHECK(j[2002] == j[2]);
}

}  // namespace memnet::server
