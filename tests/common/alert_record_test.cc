#include "common/alert_record.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace centinela {
namespace {

using ::testing::HasSubstr;

constexpr const char* kAllEmpty =
    R"("entities":{"phones":[],"whatsapp":[],"telegram":[],"urls":[],"domains":[],"emails":[],)"
    R"("amounts":[],"payment_methods":[],"payment_handles":[]})";

TEST(AlertRecordTest, AnAlertListsEveryEntityKeyEvenWhenNoneWasFound) {
  Message m;
  m.id = "tip-1";
  ScanResult r;
  r.action = Action::kAlert;
  r.score = 70;
  r.campaign_key = "text:0123456789a";
  std::string line;
  AppendAlertRecord(m, r, "1.0.0", "centinela.tips", &line);
  EXPECT_THAT(line, HasSubstr(kAllEmpty));
  line.clear();
  AppendScanLine(m, r, "1.0.0", &line);
  EXPECT_THAT(line, HasSubstr(kAllEmpty));
}

TEST(AlertRecordTest, NothingFiredMayWriteEmptyEntities) {
  Message m;
  m.id = "tip-2";
  std::string line;
  AppendScanLine(m, ScanResult{}, "1.0.0", &line);
  EXPECT_THAT(line, HasSubstr(R"("action":"none","score":0,"rules":[],"entities":{},)"));
}

TEST(AlertRecordTest, TheAlertIdDependsOnlyOnTopicAndMessageId) {
  EXPECT_EQ(AlertId("centinela.tips", "a"), AlertId("centinela.tips", "a"));
  EXPECT_NE(AlertId("centinela.tips", "a"), AlertId("centinela.posts", "a"));
  EXPECT_NE(AlertId("centinela.tips", "a"), AlertId("centinela.tips", "b"));
  EXPECT_NE(AlertId("x", "ya"), AlertId("xy", "a")) << "topic and id are separated";
  EXPECT_EQ(AlertId("centinela.tips", "a").size(), 32u);
}

}  // namespace
}  // namespace centinela
