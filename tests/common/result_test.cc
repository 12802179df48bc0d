#include "common/result.h"

#include <gtest/gtest.h>

#include "common/scan_result.h"

namespace centinela {
namespace {

Result<int> Half(int x) {
  if (x % 2) return Error{"odd"};
  return x / 2;
}

TEST(Result, CarriesValueOrError) {
  auto a = Half(4);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, 2);
  auto b = Half(3);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().message, "odd");
}

TEST(Result, AccessingTheWrongSideAborts) {
  EXPECT_DEATH({ (void)Half(3).value(); }, "");
}

TEST(Action, NamesRoundTripAndOrderRises) {
  for (Action a : {Action::kNone, Action::kReview, Action::kAlert, Action::kPublish}) {
    EXPECT_EQ(ParseAction(ActionName(a)), a);
  }
  EXPECT_FALSE(ParseAction("urgent").has_value());
  EXPECT_LT(Action::kReview, Action::kAlert);
}

}  // namespace
}  // namespace centinela
