// The bundled starter pack (config/rules): every rule's own examples, its coverage of the scam
// types, and parity of the Hyperscan path with the RE2-only reference on the whole corpus.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>

#include "ingest/decoder.h"
#include "ingest/labelled.h"
#include "rules/engine.h"

namespace centinela::rules {
namespace {

const std::string kPackPath = std::string(CENTINELA_SOURCE_DIR) + "/config/rules";

const RulePack& StarterPack() {
  static const RulePack* pack = [] {
    auto loaded = LoadPack(kPackPath);
    if (!loaded.ok()) {
      std::fprintf(stderr, "starter pack: %s\n", loaded.error().message.c_str());
      std::abort();
    }
    return new RulePack(std::move(*loaded));
  }();
  return *pack;
}

const Engine& StarterEngine() {
  static const std::shared_ptr<const Engine> engine = [] {
    EngineOptions options;
    options.cache_dir = DefaultCacheDir();
    options.check_examples = false;  // the parameterized test below checks them one by one
    auto built = Engine::Build(StarterPack(), options, nullptr);
    if (!built.ok()) {
      std::fprintf(stderr, "starter pack: %s\n", built.error().message.c_str());
      std::abort();
    }
    return *built;
  }();
  return *engine;
}

struct Example {
  std::string rule;
  std::string text;
  bool should_fire;
  std::string where;
  std::string source;  // a rule kept to some sources is judged as from the first (as Engine::Build)
};

// Shown by GoogleTest when a case fails.
void PrintTo(const Example& e, std::ostream* os) {
  *os << e.where << " rule " << e.rule << (e.should_fire ? " match: \"" : " no_match: \"")
      << e.text << "\"";
}

std::vector<Example> AllExamples() {
  std::vector<Example> out;
  for (const Rule& r : StarterPack().rules) {
    const std::string source = r.sources.empty() ? "" : r.sources.front();
    for (const auto& t : r.match_examples) {
      out.push_back({r.id, t, true, r.where.ToString(), source});
    }
    for (const auto& t : r.no_match_examples) {
      out.push_back({r.id, t, false, r.where.ToString(), source});
    }
  }
  return out;
}

class StarterPackExample : public ::testing::TestWithParam<Example> {};

TEST_P(StarterPackExample, FiresExactlyWhenItShould) {
  const Example& e = GetParam();
  auto ctx = StarterEngine().MakeContext();
  ASSERT_TRUE(ctx.ok());
  ScanResult r;
  ASSERT_TRUE(StarterEngine().Scan(e.text, **ctx, &r, e.source).ok());
  const bool fired = std::any_of(r.rules.begin(), r.rules.end(),
                                 [&](const RuleHit& h) { return h.id == e.rule; });
  EXPECT_EQ(fired, e.should_fire) << e.where << " rule " << e.rule << ": \"" << e.text << "\"";
}

INSTANTIATE_TEST_SUITE_P(Rules, StarterPackExample, ::testing::ValuesIn(AllExamples()),
                         [](const ::testing::TestParamInfo<Example>& param_info) {
                           std::string name = param_info.param.rule + (param_info.param.should_fire
                                                                     ? "_match_"
                                                                     : "_nomatch_") +
                                              std::to_string(param_info.index);
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(StarterPack, EveryRuleHasThreeExamplesEachWay) {
  for (const Rule& r : StarterPack().rules) {
    EXPECT_GE(r.match_examples.size(), 3u) << r.where.ToString() << " " << r.id;
    EXPECT_GE(r.no_match_examples.size(), 3u) << r.where.ToString() << " " << r.id;
  }
}

TEST(StarterPack, CoversEveryScamTypeAndHasEvidenceOfLegitimacy) {
  std::set<std::string> positive, negative;
  for (const Rule& r : StarterPack().rules) (r.weight > 0 ? positive : negative).insert(r.category);
  for (const char* type : {"notario", "guaranteed_outcome", "line_fee", "gov_impersonation",
                           "deportation_threat", "fake_website", "job_visa", "dv_lottery",
                           "asylum_10yr", "appointment_resale", "payment_method",
                           "fake_profile"}) {
    EXPECT_TRUE(positive.count(type)) << "no rule for scam type " << type;
  }
  EXPECT_GE(negative.size(), 3u) << "negative evidence: warnings, news, official contacts…";
}

// The scoring rules of scorer.h read literally (flags, string categories, every composite's
// members counted), to check Scorer's indexed sums against. Fills the ids of the composites that
// fired, in pack order. A rule or composite with `sources` that does not name `source` is
// skipped as if it had not fired.
// *capped and *clamped (when not null) say whether a cap or the 0..100 clamp changed the score.
bool CountsFor(const std::vector<std::string>& sources, std::string_view source) {
  return sources.empty() || std::find(sources.begin(), sources.end(), source) != sources.end();
}

int ReferenceScore(const RulePack& pack, const std::set<uint32_t>& rules, std::string_view source,
                   bool positive_only, std::vector<std::string>* composites,
                   bool* capped = nullptr, bool* clamped = nullptr) {
  std::vector<bool> fired(pack.rules.size() + pack.composites.size());
  std::map<std::string, int> totals;
  int uncapped = 0;
  auto add = [&](const std::string& category, int weight, bool has_category) {
    if (positive_only && weight <= 0) return;
    (has_category ? totals[category] : uncapped) += weight;
  };
  for (uint32_t r : rules) {
    if (!CountsFor(pack.rules[r].sources, source)) continue;
    fired[r] = true;
    add(pack.rules[r].category, pack.rules[r].weight, true);
  }
  for (size_t i = 0; i < pack.composites.size(); ++i) {
    const Composite& c = pack.composites[i];
    int count = 0;
    for (uint32_t slot : c.member_slots) count += fired[slot];
    const bool on = c.kind == Composite::Kind::kAll   ? count == int(c.member_slots.size())
                    : c.kind == Composite::Kind::kAny ? count > 0
                                                      : count >= c.at_least;
    if (!on || !CountsFor(c.sources, source)) continue;
    fired[pack.rules.size() + i] = true;
    composites->push_back(c.id);
    add(c.category, c.weight, !c.category.empty());
  }
  int score = uncapped;
  for (const auto& [category, sum] : totals) {
    auto cap = pack.category_caps.find(category);
    const bool over = cap != pack.category_caps.end() && sum > cap->second;
    score += over ? cap->second : sum;
    if (over && capped) *capped = true;
  }
  if (clamped) *clamped = score < 0 || score > 100;
  return std::clamp(score, 0, 100);
}

// Scorer on the starter pack against the literal reading above: each trial fires most of the
// rules under one composite (so all / at-least composites go both ways) and a few random rules.
TEST(StarterPack, ScorerEqualsTheLiteralScoringRules) {
  const RulePack& pack = StarterPack();
  const Scorer scorer(pack);
  std::function<void(uint32_t, std::set<uint32_t>*)> rules_under = [&](uint32_t slot,
                                                                     std::set<uint32_t>* out) {
    if (slot < pack.rules.size()) {
      out->insert(slot);
      return;
    }
    for (uint32_t m : pack.composites[slot - pack.rules.size()].member_slots) rules_under(m, out);
  };
  std::mt19937 random(20261129);
  auto pick = [&random](size_t n) { return static_cast<uint32_t>(random() % n); };
  int alerting = 0, capped_trials = 0, clamped_trials = 0;
  for (int trial = 0; trial < 4000; ++trial) {
    std::set<uint32_t> under, rules;
    rules_under(static_cast<uint32_t>(pack.rules.size()) + pick(pack.composites.size()), &under);
    for (uint32_t r : under) {
      if (pick(5) != 0) rules.insert(r);
    }
    for (uint32_t extra = pick(5); extra > 0; --extra) rules.insert(pick(pack.rules.size()));
    if (rules.empty()) continue;
    std::vector<std::string> want_composites, unused;
    bool capped = false, clamped = false;
    const std::string_view source = std::array<std::string_view, 3>{"tip", "post", ""}[pick(3)];
    const int want =
        ReferenceScore(pack, rules, source, false, &want_composites, &capped, &clamped);
    const int want_bound = ReferenceScore(pack, rules, source, true, &unused);
    // The matcher hands rules over in pack order, but Score must not depend on it.
    std::vector<RuleMatch> matches;
    for (uint32_t r : rules) matches.push_back(RuleMatch{r, {Span{r, r + 1}}});
    std::shuffle(matches.begin(), matches.end(), random);
    ScanResult got;
    scorer.Score(matches, source, &got);
    std::erase_if(matches, [&](const RuleMatch& m) {
      return !CountsFor(pack.rules[m.rule].sources, source);  // not listed either
    });
    ASSERT_EQ(got.rules.size(), matches.size() + want_composites.size()) << "trial " << trial;
    for (size_t i = 0; i < matches.size(); ++i) {
      const Rule& rule = pack.rules[matches[i].rule];
      ASSERT_EQ(got.rules[i].id, rule.id) << "trial " << trial;
      ASSERT_EQ(got.rules[i].weight, rule.weight) << "trial " << trial;
      ASSERT_EQ(got.rules[i].spans, matches[i].spans) << "trial " << trial;
    }
    std::vector<std::string> got_composites;
    for (size_t i = matches.size(); i < got.rules.size(); ++i) {
      got_composites.push_back(got.rules[i].id);
    }
    ASSERT_EQ(got.score, want) << "trial " << trial;
    ASSERT_EQ(got.action, ActionFor(pack.thresholds, want)) << "trial " << trial;
    ASSERT_EQ(got_composites, want_composites) << "trial " << trial;
    std::vector<uint32_t> listed(rules.begin(), rules.end());
    std::shuffle(listed.begin(), listed.end(), random);
    listed.push_back(listed.front());  // a repeat counts once
    ASSERT_EQ(scorer.UpperBound(listed, source), want_bound) << "trial " << trial;
    alerting += want >= pack.thresholds.review;
    capped_trials += capped;
    clamped_trials += clamped;
  }
  // The trials reach review, hit a category cap and hit the clamp often enough to test them.
  EXPECT_GT(alerting, 400);
  EXPECT_GT(capped_trials, 100);
  EXPECT_GT(clamped_trials, 100);
}

// The labelled corpora: every tests/data/*.jsonl, in name order, except the dev and holdout
// halves, which corpus.jsonl already holds whole. A new corpus is covered by being added there.
std::vector<std::filesystem::path> LabelledCorpora() {
  std::vector<std::filesystem::path> files;
  const std::filesystem::path dir = std::filesystem::path(CENTINELA_SOURCE_DIR) / "tests/data";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".jsonl") continue;
    if (name == "corpus-dev.jsonl" || name == "corpus-holdout.jsonl") continue;
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Every decodable message of the labelled corpora and the sample feed.
const std::vector<Message>& LabelledMessages() {
  static const std::vector<Message> messages = [] {
    std::vector<Message> out;
    ingest::Decoder decoder;
    std::vector<std::filesystem::path> files = LabelledCorpora();
    EXPECT_GE(files.size(), 15u) << "tests/data lost its corpora";
    files.push_back(std::filesystem::path(CENTINELA_SOURCE_DIR) / "config/samples/feed.jsonl");
    for (const std::filesystem::path& file : files) {
      std::ifstream in(file);
      EXPECT_TRUE(in) << file;
      for (std::string line; std::getline(in, line);) {
        auto m = decoder.Decode(line);
        if (m.ok()) out.push_back(std::move(*m));
      }
    }
    return out;
  }();
  return messages;
}

// The same rules with the same spans, in the same order.
void ExpectSameHits(const ScanResult& a, const ScanResult& b, const std::string& id) {
  ASSERT_EQ(a.rules.size(), b.rules.size()) << id;
  for (size_t i = 0; i < a.rules.size(); ++i) {
    EXPECT_EQ(a.rules[i].id, b.rules[i].id) << id;
    EXPECT_EQ(a.rules[i].spans, b.rules[i].spans) << id;
  }
  EXPECT_EQ(a.score, b.score) << id;
}

TEST(StarterPack, HyperscanPathEqualsRe2ReferenceOnTheWholeCorpus) {
  auto ctx = StarterEngine().MakeContext();
  ASSERT_TRUE(ctx.ok());
  size_t fired = 0;
  for (const Message& m : LabelledMessages()) {
    ScanResult fast, reference;
    ASSERT_TRUE(StarterEngine().Scan(m.text, **ctx, &fast, m.source).ok());
    ASSERT_TRUE(StarterEngine().ScanReference(m.text, **ctx, &reference, m.source).ok());
    fired += !fast.rules.empty();
    ExpectSameHits(fast, reference, m.id);
  }
  EXPECT_GT(LabelledMessages().size(), 1800u);
  EXPECT_GT(fired, 900u) << "parity over texts where nothing fires proves little";
}

// The streaming scanner's shortcut: identical results at review and above, none below, and the
// RE2 confirmation really skipped for most messages where Hyperscan reported something.
TEST(StarterPack, ScanForAlertsEqualsScanAtReviewAndAboveAndSkipsTheRest) {
  auto ctx = StarterEngine().MakeContext();
  ASSERT_TRUE(ctx.ok());
  size_t flagged = 0, skipped = 0, quiet_with_rules = 0;
  // Each message as from its own source, and as a tip, a post and from no source: the pack's tip
  // composites change the score and the bound by source.
  for (const Message& m : LabelledMessages()) {
    for (std::string_view source : {std::string_view(m.source), std::string_view("tip"),
                                    std::string_view("post"), std::string_view()}) {
      ScanResult full, fast;
      ASSERT_TRUE(StarterEngine().Scan(m.text, **ctx, &full, source).ok());
      ASSERT_TRUE(StarterEngine().ScanForAlerts(m.text, **ctx, &fast, source).ok());
      if (full.action >= Action::kReview) {
        ++flagged;
        EXPECT_EQ(fast.action, full.action) << m.id << " " << source;
        EXPECT_EQ(fast.campaign_key, full.campaign_key) << m.id << " " << source;
        ExpectSameHits(fast, full, m.id);
        continue;
      }
      EXPECT_EQ(fast.action, Action::kNone) << m.id << " " << source;
      if (!full.rules.empty()) {
        ++quiet_with_rules;
        skipped += fast.rules.empty();
      }
    }
  }
  EXPECT_GT(flagged, 2400u);
  EXPECT_GT(quiet_with_rules, 1200u);
  EXPECT_GT(skipped, quiet_with_rules / 2) << "the shortcut should spare most quiet messages";
}

}  // namespace
}  // namespace centinela::rules
