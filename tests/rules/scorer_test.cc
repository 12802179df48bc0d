#include "rules/scorer.h"

#include <gtest/gtest.h>

namespace centinela::rules {
namespace {

Composite MakeComposite(std::string id, std::string category, int weight, Composite::Kind kind,
                        int at_least, std::vector<std::string> members) {
  Composite c;
  c.id = std::move(id);
  c.category = std::move(category);
  c.weight = weight;
  c.kind = kind;
  c.at_least = at_least;
  c.members = std::move(members);
  return c;
}

RulePack MakePack() {
  RulePack pack;
  pack.thresholds = Thresholds{30, 60, 90};
  pack.category_caps["notario"] = 40;
  auto rule = [&](std::string id, std::string category, int weight) {
    Rule r;
    r.id = std::move(id);
    r.category = std::move(category);
    r.weight = weight;
    pack.rules.push_back(std::move(r));
  };
  rule("notario-a", "notario", 30);     // 0
  rule("notario-b", "notario", 25);     // 1
  rule("fee", "fee", 20);               // 2
  rule("warning-frame", "legit", -50);  // 3
  rule("guarantee", "guarantee", 45);   // 4
  pack.composites = {MakeComposite("notario-fee", "", 15, Composite::Kind::kAll, 0,
                                   {"notario-a", "fee"}),
                     MakeComposite("any-notario", "notario", 10, Composite::Kind::kAny, 0,
                                   {"notario-a", "notario-b"}),
                     MakeComposite("two-of", "", 5, Composite::Kind::kAtLeast, 2,
                                   {"notario-fee", "guarantee", "fee"})};
  pack.files = {"scorer-test"};
  EXPECT_TRUE(LinkPack(&pack).ok());
  return pack;
}

ScanResult ScoreOf(const RulePack& pack, std::vector<uint32_t> fired,
                   std::string_view source = {}) {
  std::vector<RuleMatch> matches;
  for (uint32_t r : fired) matches.push_back(RuleMatch{r, {Span{0, 1}}});
  ScanResult result;
  Scorer(pack).Score(matches, source, &result);
  return result;
}

int UpperBound(const RulePack& pack, const std::vector<uint32_t>& rules,
               std::string_view source = {}) {
  return Scorer(pack).UpperBound(rules, source);
}

std::vector<std::string> Ids(const ScanResult& r) {
  std::vector<std::string> ids;
  for (const auto& h : r.rules) ids.push_back(h.id);
  return ids;
}

TEST(Score, NothingFiredIsNone) {
  auto r = ScoreOf(MakePack(), {});
  EXPECT_EQ(r.score, 0);
  EXPECT_EQ(r.action, Action::kNone);
  EXPECT_TRUE(r.rules.empty());
}

TEST(Score, CategoryCapBoundsItsRulesAndCategorizedComposites) {
  // notario-a 30 + notario-b 25 + any-notario 10 = 65, capped at 40.
  auto r = ScoreOf(MakePack(), {0, 1});
  EXPECT_EQ(r.score, 40);
  EXPECT_EQ(r.action, Action::kReview);
  EXPECT_EQ(Ids(r), (std::vector<std::string>{"notario-a", "notario-b", "any-notario"}));
}

TEST(Score, CompositesAddOnTopAndNest) {
  // notario-a 30 + any 10 -> 40 (cap 40); fee 20; notario-fee 15; two-of (notario-fee, fee) 5.
  auto r = ScoreOf(MakePack(), {0, 2});
  EXPECT_EQ(r.score, 80);
  EXPECT_EQ(r.action, Action::kAlert);
  EXPECT_EQ(Ids(r),
            (std::vector<std::string>{"notario-a", "fee", "notario-fee", "any-notario", "two-of"}));
  EXPECT_TRUE(r.rules[2].spans.empty());
  EXPECT_EQ(r.rules[0].spans.size(), 1u);
}

TEST(Score, NegativeEvidenceSubtractsAndScoreIsClamped) {
  auto r = ScoreOf(MakePack(), {3});
  EXPECT_EQ(r.score, 0);
  EXPECT_EQ(r.action, Action::kNone);
  auto s = ScoreOf(MakePack(), {0, 2, 3});
  EXPECT_EQ(s.score, 30);
  EXPECT_EQ(s.action, Action::kReview);
  auto t = ScoreOf(MakePack(), {0, 1, 2, 4});
  EXPECT_EQ(t.score, 100);
  EXPECT_EQ(t.action, Action::kPublish);
}

TEST(UpperBound, LeavesOutNegativeWeightsOfRulesAndComposites) {
  RulePack pack = MakePack();
  pack.composites.push_back(
      MakeComposite("legit-pair", "", -40, Composite::Kind::kAll, 0, {"fee", "warning-frame"}));
  ASSERT_TRUE(LinkPack(&pack).ok());
  // fee 20 + warning-frame -50 + legit-pair -40: Score says 0, the bound counts fee alone.
  EXPECT_EQ(ScoreOf(pack, {2, 3}).score, 0);
  EXPECT_EQ(UpperBound(pack, {2, 3}), 20);
  EXPECT_EQ(UpperBound(pack, {3}), 0);
  EXPECT_EQ(UpperBound(pack, {}), 0);
  // Caps and composites apply as in Score: notario-a + notario-b + any-notario capped at 40.
  EXPECT_EQ(UpperBound(pack, {1, 0}), 40);
  // A rule listed twice counts once (the composites' member counts too).
  EXPECT_EQ(UpperBound(pack, {2, 2}), 20);
  EXPECT_EQ(UpperBound(pack, {0, 0, 2}), 80);
}

// The bound holds for every subset of every candidate set of the test pack.
TEST(UpperBound, IsAtLeastTheScoreOfEverySubset) {
  const RulePack pack = MakePack();
  const uint32_t n = static_cast<uint32_t>(pack.rules.size());
  for (uint32_t candidates = 0; candidates < (1u << n); ++candidates) {
    std::vector<uint32_t> set;
    for (uint32_t r = 0; r < n; ++r) {
      if (candidates & (1u << r)) set.push_back(r);
    }
    const int bound = UpperBound(pack, set);
    for (uint32_t sub = candidates;; sub = (sub - 1) & candidates) {
      std::vector<uint32_t> fired;
      for (uint32_t r = 0; r < n; ++r) {
        if (sub & (1u << r)) fired.push_back(r);
      }
      EXPECT_LE(ScoreOf(pack, fired).score, bound) << candidates << " " << sub;
      if (sub == 0) break;
    }
  }
}

// The test pack with `fee` kept to tips and `notario-fee` kept to tips and calls.
RulePack PackWithSources() {
  RulePack pack = MakePack();
  pack.rules[2].sources = {"tip"};
  pack.composites[0].sources = {"tip", "call"};
  EXPECT_TRUE(LinkPack(&pack).ok());
  return pack;
}

TEST(Sources, ARuleKeptToTipsCountsForATipOnly) {
  const RulePack pack = PackWithSources();
  // notario-a + fee: 30 + 20, notario-fee 15, any-notario 10 (notario capped at 40), two-of 5.
  for (std::string_view source : {"tip", "Tip", "TIP"}) {  // sources are compared without case
    auto tip = ScoreOf(pack, {0, 2}, source);
    EXPECT_EQ(tip.score, 40 + 20 + 15 + 5) << source;
    EXPECT_EQ(Ids(tip), (std::vector<std::string>{"notario-a", "fee", "notario-fee", "any-notario",
                                                  "two-of"}))
        << source;
  }
  // From a post, another source or none, fee is as if it never fired: not listed, not a member.
  for (std::string_view source : {"post", "", "tips", "ti"}) {
    auto other = ScoreOf(pack, {0, 2}, source);
    EXPECT_EQ(other.score, 40) << source;
    EXPECT_EQ(Ids(other), (std::vector<std::string>{"notario-a", "any-notario"})) << source;
  }
}

TEST(Sources, ACompositeKeptToSomeSourcesFiresForThemOnly) {
  RulePack pack = MakePack();
  pack.composites[0].sources = {"tip", "call"};
  ASSERT_TRUE(LinkPack(&pack).ok());
  // notario-a + fee: notario 40 (capped), fee 20; notario-fee 15 and then two-of 5 only where the
  // composite counts.
  EXPECT_EQ(ScoreOf(pack, {0, 2}, "call").score, 40 + 20 + 15 + 5);
  EXPECT_EQ(ScoreOf(pack, {0, 2}, "tip").score, 40 + 20 + 15 + 5);
  EXPECT_EQ(ScoreOf(pack, {0, 2}, "post").score, 40 + 20);
  EXPECT_EQ(ScoreOf(pack, {0, 2}).score, 40 + 20);
}

TEST(Sources, UpperBoundIsAtLeastTheScoreOfEverySubsetForEverySource) {
  const RulePack pack = PackWithSources();
  const uint32_t n = static_cast<uint32_t>(pack.rules.size());
  for (std::string_view source : {"tip", "call", "post", ""}) {
    for (uint32_t candidates = 0; candidates < (1u << n); ++candidates) {
      std::vector<uint32_t> set;
      for (uint32_t r = 0; r < n; ++r) {
        if (candidates & (1u << r)) set.push_back(r);
      }
      const int bound = UpperBound(pack, set, source);
      for (uint32_t sub = candidates;; sub = (sub - 1) & candidates) {
        std::vector<uint32_t> fired;
        for (uint32_t r = 0; r < n; ++r) {
          if (sub & (1u << r)) fired.push_back(r);
        }
        EXPECT_LE(ScoreOf(pack, fired, source).score, bound) << source << candidates << " " << sub;
        if (sub == 0) break;
      }
    }
  }
  // And it is not the bound of another source: fee (20) cannot lift a post.
  EXPECT_EQ(UpperBound(pack, {2}, "tip"), 20);
  EXPECT_EQ(UpperBound(pack, {2}, "post"), 0);
}

TEST(LinkPack, RefusesMoreDistinctSourcesThanScoringKeepsBitsFor) {
  RulePack pack = MakePack();
  for (size_t i = 0; i < kMaxSources; ++i) pack.rules[0].sources.push_back("s" + std::to_string(i));
  ASSERT_TRUE(LinkPack(&pack).ok());
  pack.rules[1].sources = {"s0", "one-more"};
  auto linked = LinkPack(&pack);
  ASSERT_FALSE(linked.ok());
  EXPECT_NE(linked.message().find("'notario-b': source 'one-more' is one more than the 64"),
            std::string::npos)
      << linked.message();
}

TEST(LinkPack, RefusesASourceNameThatIsNotLowerCase) {
  RulePack pack = MakePack();
  pack.composites[0].sources = {"Tip"};
  auto linked = LinkPack(&pack);
  ASSERT_FALSE(linked.ok());
  EXPECT_NE(linked.message().find("'notario-fee': source 'Tip' must be lowercase"),
            std::string::npos)
      << linked.message();
  pack.composites[0].sources = {""};
  EXPECT_FALSE(LinkPack(&pack).ok());
}

TEST(LinkPack, RefusesACategoryCapOutside0To100) {
  RulePack pack = MakePack();
  pack.category_caps["fee"] = -5;
  auto linked = LinkPack(&pack);
  ASSERT_FALSE(linked.ok());
  EXPECT_NE(linked.message().find("category_caps: fee: -5 is outside 0..100"), std::string::npos)
      << linked.message();
}

TEST(ActionFor, ThresholdsAreInclusive) {
  const Thresholds th{30, 60, 90};
  EXPECT_EQ(ActionFor(th, 29), Action::kNone);
  EXPECT_EQ(ActionFor(th, 30), Action::kReview);
  EXPECT_EQ(ActionFor(th, 60), Action::kAlert);
  EXPECT_EQ(ActionFor(th, 90), Action::kPublish);
}

}  // namespace
}  // namespace centinela::rules
