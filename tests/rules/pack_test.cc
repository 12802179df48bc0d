#include "rules/pack.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace centinela::rules {
namespace {

using ::testing::HasSubstr;

constexpr const char* kGood = R"(pack: test
version: 1.0.0
thresholds: {review: 20, alert: 50, publish: 80}
category_caps: {notario: 30}
rules:
  - id: notario-offer
    category: notario
    weight: 25
    view: folded
    patterns: ['notari[oa]s?\s+public[oa]']
    examples:
      match: ["Notario Público le arregla"]
      no_match: ["abogado con licencia"]
  - id: fee
    category: fee
    weight: 20
    patterns: ['\$\s?\d+']
    examples:
      match: ["cuesta $500"]
      no_match: ["es gratis"]
composites:
  - id: notario-with-fee
    all: [notario-offer, fee]
    weight: 15
  - id: either
    at_least: {n: 1, of: [notario-with-fee, fee]}
    weight: 1
    sources: [tip, post]
)";

TEST(ParsePack, ReadsEveryKey) {
  auto pack = ParsePack(kGood, "good.yaml");
  ASSERT_TRUE(pack.ok()) << pack.error().message;
  EXPECT_EQ(pack->name, "test");
  EXPECT_EQ(pack->version, "1.0.0");
  EXPECT_EQ(pack->thresholds.review, 20);
  EXPECT_EQ(pack->thresholds.alert, 50);
  EXPECT_EQ(pack->thresholds.publish, 80);
  EXPECT_EQ(pack->category_caps.at("notario"), 30);
  ASSERT_EQ(pack->rules.size(), 2u);
  EXPECT_EQ(pack->rules[0].id, "notario-offer");
  EXPECT_EQ(pack->rules[0].weight, 25);
  EXPECT_EQ(pack->rules[0].view, text::View::kFolded);
  EXPECT_EQ(pack->rules[0].where.line, 6);
  EXPECT_EQ(pack->rules[0].patterns[0].where.line, 10);
  ASSERT_EQ(pack->composites.size(), 2u);
  EXPECT_EQ(pack->composites[1].kind, Composite::Kind::kAtLeast);
  EXPECT_EQ(pack->composites[1].at_least, 1);
  EXPECT_THAT(pack->composites[1].sources, ::testing::ElementsAre("tip", "post"));
  EXPECT_TRUE(pack->composites[0].sources.empty());
  EXPECT_TRUE(pack->rules[0].sources.empty());
  EXPECT_THAT(pack->VersionString(), ::testing::StartsWith("1.0.0+sha256:"));
}

struct BadCase {
  const char* name;
  std::string from;  // a line of kGood to replace
  std::string to;
  const char* error;  // expected substring, with file:line
};

class ParsePackRefuses : public ::testing::TestWithParam<BadCase> {};

TEST_P(ParsePackRefuses, NamingFileLineRuleAndReason) {
  std::string yaml = kGood;
  const auto pos = yaml.find(GetParam().from);
  ASSERT_NE(pos, std::string::npos) << GetParam().from;
  yaml.replace(pos, GetParam().from.size(), GetParam().to);
  auto pack = ParsePack(yaml, "bad.yaml");
  ASSERT_FALSE(pack.ok());
  EXPECT_THAT(pack.error().message, HasSubstr(GetParam().error));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParsePackRefuses,
    ::testing::Values(
        BadCase{"UnknownRuleKey", "    weight: 25\n", "    wieght: 25\n",
                "bad.yaml:8: rule 'notario-offer': unknown key 'wieght'"},
        BadCase{"UnknownTopKey", "version: 1.0.0\n", "version: 1.0.0\nthreshold: {}\n",
                "bad.yaml:3: unknown key 'threshold'"},
        BadCase{"DuplicateId", "  - id: fee\n", "  - id: notario-offer\n",
                "bad.yaml:14: rule 'notario-offer': duplicate id"},
        BadCase{"UndefinedMember", "all: [notario-offer, fee]", "all: [notario-offer, fees]",
                "composite 'notario-with-fee': undefined member 'fees'"},
        BadCase{"LaterCompositeMember", "of: [notario-with-fee, fee]", "of: [either, fee]",
                "undefined member 'either'"},
        BadCase{"WeightOutOfRange", "    weight: 25\n", "    weight: 250\n",
                "rule 'notario-offer': weight must be between -100 and 100"},
        BadCase{"WeightNotNumber", "    weight: 25\n", "    weight: lots\n",
                "bad.yaml:8: rule 'notario-offer': weight must be a whole number"},
        BadCase{"UnknownView", "    view: folded\n", "    view: squashed\n",
                "unknown view 'squashed'"},
        BadCase{"NoExamples", "      no_match: [\"es gratis\"]\n", "",
                "rule 'fee': examples need both 'match' and 'no_match' lists"},
        BadCase{"EmptyPatterns", "patterns: ['\\$\\s?\\d+']", "patterns: []",
                "rule 'fee': patterns must be a non-empty list"},
        BadCase{"FallingThresholds", "{review: 20, alert: 50, publish: 80}",
                "{review: 60, alert: 50, publish: 80}", "thresholds: must rise"},
        BadCase{"AtLeastTooMany", "{n: 1, of:", "{n: 3, of:",
                "at_least.n must be between 1 and 2"},
        BadCase{"InvalidYaml", "rules:\n", "rules: [\n", "bad.yaml:"},
        BadCase{"BadId", "  - id: fee\n", "  - id: Fee Rule\n", "id must be lowercase"},
        BadCase{"SourcesNotAList", "sources: [tip, post]", "sources: tip",
                "bad.yaml:28: composite 'either': sources must be a list"},
        BadCase{"SourcesEmpty", "sources: [tip, post]", "sources: []",
                "composite 'either': sources must name at least one source"},
        BadCase{"SourceTwice", "sources: [tip, post]", "sources: [tip, tip]",
                "composite 'either': sources: 'tip' listed twice"},
        BadCase{"SourceEmptyName", "sources: [tip, post]", "sources: [tip, '']",
                "composite 'either': sources: empty source name"},
        BadCase{"SourceNotLowerCase", "sources: [tip, post]", "sources: [Tip]",
                "composite 'either': sources: 'Tip' must be lowercase letters"},
        BadCase{"RuleSourcesNotAList", "    weight: 25\n", "    weight: 25\n    sources: {a: 1}\n",
                "rule 'notario-offer': sources must be a list"}),
    [](const auto& param_info) { return param_info.param.name; });

TEST(LoadPack, ReadsAFolderInNameOrderAndRefusesAMismatchedPack) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(::testing::TempDir()) / "pack_folder_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "00-main.yaml") << kGood;
  std::ofstream(dir / "10-more.yaml") << R"(rules:
  - id: extra
    category: fee
    weight: 5
    patterns: ['zelle']
    examples: {match: ["pague por zelle"], no_match: ["pague en la oficina"]}
)";
  std::ofstream(dir / "notes.txt") << "ignored";
  auto pack = LoadPack(dir);
  ASSERT_TRUE(pack.ok()) << pack.error().message;
  EXPECT_EQ(pack->rules.size(), 3u);
  EXPECT_EQ(pack->rules[2].id, "extra");
  EXPECT_THAT(pack->rules[2].where.file, HasSubstr("10-more.yaml"));
  const std::string digest = pack->digest;

  std::ofstream(dir / "10-more.yaml", std::ios::app) << "    description: changed\n";
  auto changed = LoadPack(dir);
  ASSERT_TRUE(changed.ok()) << changed.error().message;
  EXPECT_NE(changed->digest, digest) << "the digest must follow the files' bytes";

  std::ofstream(dir / "20-other.yaml") << "pack: another\nrules: []\n";
  auto bad = LoadPack(dir);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, HasSubstr("20-other.yaml:1"));
  EXPECT_THAT(bad.error().message, HasSubstr("names pack 'another'"));
  fs::remove_all(dir);
}

TEST(LoadPack, MissingPathIsAnError) {
  auto pack = LoadPack("/nonexistent/centinela/rules");
  ASSERT_FALSE(pack.ok());
  EXPECT_THAT(pack.error().message, HasSubstr("no such file or folder"));
}

}  // namespace
}  // namespace centinela::rules
