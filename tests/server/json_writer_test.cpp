#include "server/json_writer.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

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

}  // namespace memnet::server
