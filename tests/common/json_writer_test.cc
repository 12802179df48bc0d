#include "common/json_writer.h"

#include <gtest/gtest.h>

namespace centinela {
namespace {

TEST(JsonWriter, EscapesQuotesBackslashesAndControls) {
  std::string out;
  AppendJsonEscaped("a\"b\\c\nd\x01 ñ", &out);
  EXPECT_EQ(out, "a\\\"b\\\\c\\nd\\u0001 ñ");
}

TEST(JsonWriter, InsertsCommasBetweenMembersAndElements) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("id");
  w.String("x");
  w.Key("n");
  w.BeginArray();
  w.Int(1);
  w.Int(-2);
  w.BeginArray();
  w.EndArray();
  w.EndArray();
  w.Key("o");
  w.BeginObject();
  w.EndObject();
  w.Key("d");
  w.Double(2.5);
  w.Key("w");
  w.Double(500);
  w.EndObject();
  EXPECT_EQ(out, R"({"id":"x","n":[1,-2,[]],"o":{},"d":2.5,"w":500})");
}

}  // namespace
}  // namespace centinela
