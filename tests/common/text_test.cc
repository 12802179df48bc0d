#include "common/text.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace centinela {
namespace {

TEST(ParseWholeTest, TakesOnlyAWholeNumberThatFits) {
  EXPECT_EQ(ParseWhole<int64_t>("42"), 42);
  EXPECT_EQ(ParseWhole<int32_t>("-7"), -7);
  EXPECT_EQ(ParseWhole<size_t>("1000000"), 1000000u);
  EXPECT_FALSE(ParseWhole<int64_t>(""));
  EXPECT_FALSE(ParseWhole<int64_t>("12abc")) << "trailing characters";
  EXPECT_FALSE(ParseWhole<int64_t>(" 12")) << "leading space";
  EXPECT_FALSE(ParseWhole<size_t>("-1")) << "a sign for an unsigned type";
  EXPECT_FALSE(ParseWhole<int32_t>("99999999999")) << "overflow";
  EXPECT_FALSE(ParseWhole<size_t>("99999999999999999999")) << "overflow";
}

TEST(Utf8PrefixTest, NeverEndsInsideACharacter) {
  const std::string enies = "\xc3\xb1\xc3\xb1\xc3\xb1";  // ñññ, 6 bytes
  EXPECT_EQ(Utf8Prefix(enies, 6), enies);
  EXPECT_EQ(Utf8Prefix(enies, 10), enies);
  EXPECT_EQ(Utf8Prefix(enies, 5), "\xc3\xb1\xc3\xb1");
  EXPECT_EQ(Utf8Prefix(enies, 4), "\xc3\xb1\xc3\xb1");
  EXPECT_EQ(Utf8Prefix(enies, 1), "");
  EXPECT_EQ(Utf8Prefix("abc", 2), "ab");
  EXPECT_EQ(Utf8Prefix("a\xf0\x9f\x98\x80", 4), "a") << "a 4-byte sequence is kept whole or not";
}

}  // namespace
}  // namespace centinela
