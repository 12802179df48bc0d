#include "rules/lexical.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rules/engine.h"

namespace centinela::rules {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> Texts(std::string_view folded) {
  std::vector<LexicalToken> tokens;
  LexicalTokens(folded, &tokens);
  std::vector<std::string> out;
  for (const LexicalToken& t : tokens) out.push_back(t.text);
  return out;
}

TEST(LexicalTokens, WordsDigitsAndSpanishLetters) {
  EXPECT_THAT(Texts("pague $1,500 al señor, ¡rapido! año 2026"),
              ElementsAre("pague", "$0", "0", "al", "señor", "rapido", "año", "0"));
  EXPECT_THAT(Texts("h-2a y i-130 (uscis)"), ElementsAre("h", "0a", "y", "i", "0", "uscis"));
  // The folded view is lower case without accents: anything else separates terms.
  EXPECT_THAT(Texts("pingüino ÑANDÚ rápido"), ElementsAre("ping", "ino", "r", "pido"));
  EXPECT_THAT(Texts(""), ElementsAre());
  EXPECT_THAT(Texts(" ,;!? "), ElementsAre());
  // Other letters (here ç, a Cyrillic а and an emoji) separate terms.
  EXPECT_THAT(Texts("garçon pаgo 😀ok"), ElementsAre("gar", "on", "p", "go", "ok"));
}

TEST(LexicalTokens, OffsetsCoverTheTermInTheView) {
  const std::string folded = "el señor  cobra $300";
  std::vector<LexicalToken> tokens;
  LexicalTokens(folded, &tokens);
  ASSERT_EQ(tokens.size(), 4u);
  EXPECT_EQ(folded.substr(tokens[1].begin, tokens[1].end - tokens[1].begin), "señor");
  EXPECT_EQ(folded.substr(tokens[3].begin, tokens[3].end - tokens[3].begin), "$300");
  EXPECT_EQ(tokens[3].text, "$0");
}

Lexical MakeLexical() {
  Lexical lexical;
  lexical.min_score = 10;
  lexical.max_up = 20;
  lexical.max_down = 30;
  lexical.bias = -1.25;
  lexical.unigrams = {{"tramitamos", 6.5}, {"gratis", -5.25}, {"$0", 2.0}, {"county", -40}};
  lexical.bigrams = {{"con nosotros", 4.0}, {"$0 solo", -9.5}};
  return lexical;
}

TEST(LexicalScorer, SumsEachDistinctTermOnce) {
  const Lexical lexical = MakeLexical();
  auto created = LexicalScorer::Create(lexical);
  ASSERT_TRUE(created.ok());
  const LexicalScorer& scorer = **created;
  EXPECT_DOUBLE_EQ(scorer.Points("nada que ver"), -1.25);
  // tramitamos twice and $0 three times still count once each; "con nosotros" is a pair.
  EXPECT_DOUBLE_EQ(scorer.Points("tramitamos, tramitamos con nosotros $5 $10 $99"),
                   -1.25 + 6.5 + 4.0 + 2.0);
  // The pair needs the two words next to each other.
  EXPECT_DOUBLE_EQ(scorer.Points("con todos nosotros"), -1.25);
  EXPECT_DOUBLE_EQ(scorer.Points("$5 solo gratis"), -1.25 + 2.0 - 9.5 - 5.25);
}

TEST(LexicalScorer, FindsWordsAndPairsWithSpanishLettersAndDigitsUpToTheLastByte) {
  // Points hashes each term as its bytes go by; the pack's terms are hashed whole. A pair or word
  // with ñ or a digit run, and one that ends the text, must find the same keys.
  Lexical lexical = MakeLexical();
  lexical.unigrams = {{"niño", 0.5}, {"0", 0.25}, {"año", 0.75}};
  lexical.bigrams = {{"el niño", 3.0}, {"hace 0", 1.5}, {"0 año", -2.0}};
  auto created = LexicalScorer::Create(lexical);
  ASSERT_TRUE(created.ok());
  const LexicalScorer& scorer = **created;
  EXPECT_DOUBLE_EQ(scorer.Points("hace 5 el niño"), -1.25 + 1.5 + 0.25 + 3.0 + 0.5);
  EXPECT_DOUBLE_EQ(scorer.Points("hace 2026, el niño."), -1.25 + 1.5 + 0.25 + 3.0 + 0.5);
  EXPECT_DOUBLE_EQ(scorer.Points("hace 1 año"), -1.25 + 1.5 + 0.25 - 2.0 + 0.75);
  EXPECT_DOUBLE_EQ(scorer.Points("el nino"), -1.25);  // n is not ñ
  EXPECT_DOUBLE_EQ(scorer.Points(""), -1.25);
}

TEST(LexicalScorer, RefusesTwoTermsWithTheSameKey) {
  Lexical lexical = MakeLexical();
  lexical.unigrams.push_back({"gratis", 1.0});  // the loader refuses this; Create must too
  auto created = LexicalScorer::Create(lexical);
  ASSERT_FALSE(created.ok());
  EXPECT_THAT(created.error().message, HasSubstr("'gratis' and 'gratis' share a hash key"));
}

TEST(LexicalScorer, TopTermsPullInTheDirectionOfTheSum) {
  const Lexical lexical = MakeLexical();
  auto created = LexicalScorer::Create(lexical);
  ASSERT_TRUE(created.ok());
  const LexicalScorer& scorer = **created;
  std::vector<LexicalTerm> top;
  const std::string folded = "gratis: tramitamos con nosotros por $500";
  EXPECT_DOUBLE_EQ(scorer.Points(folded, &top, 2), -1.25 - 5.25 + 6.5 + 4.0 + 2.0);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].term, "tramitamos");
  EXPECT_DOUBLE_EQ(top[0].points, 6.5);
  EXPECT_EQ(folded.substr(top[0].begin, top[0].end - top[0].begin), "tramitamos");
  EXPECT_EQ(top[1].term, "con nosotros");
  EXPECT_EQ(folded.substr(top[1].begin, top[1].end - top[1].begin), "con nosotros");
  // A negative sum lists the terms that pulled down; none that pulled up.
  EXPECT_LT(scorer.Points("gratis tramitamos county", &top, 5), 0);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].term, "county");
  EXPECT_EQ(top[1].term, "gratis");
}

TEST(LexicalScorer, BoundedRoundsHalfAwayFromZeroWithinTheBounds) {
  const Lexical lexical = MakeLexical();
  auto created = LexicalScorer::Create(lexical);
  ASSERT_TRUE(created.ok());
  const LexicalScorer& scorer = **created;
  EXPECT_EQ(scorer.Bounded(2.49), 2);
  EXPECT_EQ(scorer.Bounded(2.5), 3);
  EXPECT_EQ(scorer.Bounded(-2.5), -3);
  EXPECT_EQ(scorer.Bounded(-0.49), 0);
  EXPECT_EQ(scorer.Bounded(19.5), 20);
  EXPECT_EQ(scorer.Bounded(57), 20);
  EXPECT_EQ(scorer.Bounded(-29.5), -30);
  EXPECT_EQ(scorer.Bounded(-70), -30);
}

// A whole pack with a lexical section, through the engine.
constexpr const char* kPack = R"(pack: lexical-test
version: 0.1.0
thresholds: {review: 30, alert: 60, publish: 90}
rules:
  - id: tramite
    category: notario
    weight: 15
    patterns: ['\btramit\w*']
    examples:
      match: ["tramitamos su permiso"]
      no_match: ["pague hoy"]
  - id: poco
    category: notario
    weight: 5
    patterns: ['\bpoco\b']
    examples:
      match: ["un poco"]
      no_match: ["pague hoy"]
lexical:
  min_score: 10
  max_up: 20
  max_down: 30
  bias: 0.5
  unigrams:
    "nosotros": 12.25
    "$0": 4
    "gratis": -8
    "poco": 30
  bigrams:
    "con nosotros": 3.5
)";

std::shared_ptr<const Engine> BuildEngine(const std::string& yaml) {
  auto pack = ParsePack(yaml, "lexical-test.yaml");
  EXPECT_TRUE(pack.ok()) << pack.error().message;
  std::vector<std::string> warnings;
  auto engine = Engine::Build(std::move(*pack), EngineOptions{}, &warnings);
  EXPECT_TRUE(engine.ok()) << engine.error().message;
  return *engine;
}

TEST(LexicalEngine, AddsBoundedPointsAndExplainsThem) {
  auto engine = BuildEngine(kPack);
  auto ctx = engine->MakeContext();
  ASSERT_TRUE(ctx.ok());
  ScanResult r;
  // Rules 15; lexical 0.5 + 12.25 + 3.5 + 4 = 20.25 -> +20: 35, review.
  const std::string text = "Tramitamos CON NOSOTROS por $500";
  ASSERT_TRUE(engine->Scan(text, **ctx, &r).ok());
  EXPECT_EQ(r.score, 35);
  EXPECT_EQ(r.action, Action::kReview);
  EXPECT_EQ(LexicalPoints(r), 20);
  ASSERT_FALSE(r.rules.empty());
  const RuleHit& hit = r.rules.back();
  EXPECT_EQ(hit.id, "lexical");
  ASSERT_EQ(hit.spans.size(), 3u);  // nosotros, $0 and "con nosotros", in text order
  EXPECT_EQ(text.substr(hit.spans[0].begin, hit.spans[0].end - hit.spans[0].begin), "CON NOSOTROS");
  EXPECT_EQ(text.substr(hit.spans[2].begin, hit.spans[2].end - hit.spans[2].begin), "$500");
  for (const Span& s : hit.spans) EXPECT_LE(s.end, text.size());

  auto explained = engine->Explain(text, **ctx);
  ASSERT_TRUE(explained.ok());
  EXPECT_THAT(*explained, HasSubstr("lexical (+20 to the rule score 15: +20.25 points, bounded to -30..+20)"));
  EXPECT_THAT(*explained, HasSubstr("'nosotros' +12.25"));
  EXPECT_THAT(*explained, HasSubstr("score 35 -> review"));
}

TEST(LexicalEngine, TakesPointsAwayButNotBelowZero) {
  auto engine = BuildEngine(kPack);
  auto ctx = engine->MakeContext();
  ASSERT_TRUE(ctx.ok());
  ScanResult r;
  ASSERT_TRUE(engine->Scan("tramite gratis", **ctx, &r).ok());  // 15 + round(0.5 - 8) = 15 - 8
  EXPECT_EQ(r.score, 7);
  EXPECT_EQ(LexicalPoints(r), -8);
}

TEST(LexicalEngine, DoesNotApplyUnderMinScore) {
  auto engine = BuildEngine(kPack);
  auto ctx = engine->MakeContext();
  ASSERT_TRUE(ctx.ok());
  ScanResult r;
  // "poco" alone: rules 5 < min_score 10, so its 30 lexical points never count.
  ASSERT_TRUE(engine->Scan("un poco con nosotros", **ctx, &r).ok());
  EXPECT_EQ(r.score, 5);
  EXPECT_EQ(LexicalPoints(r), 0);
  for (const RuleHit& h : r.rules) EXPECT_NE(h.id, "lexical");
  auto explained = engine->Explain("un poco con nosotros", **ctx);
  ASSERT_TRUE(explained.ok());
  EXPECT_THAT(*explained, HasSubstr("lexical: not applied (rule score 5 < min_score 10)"));
}

// ScanForAlerts stops early only when the rules' bound, plus what the layer gives the text, cannot
// reach review: here the rules give 15 and the layer lifts the message to review, so it must not
// stop.
TEST(LexicalEngine, ScanForAlertsCountsTheLayerInItsBound) {
  auto engine = BuildEngine(kPack);
  auto ctx = engine->MakeContext();
  ASSERT_TRUE(ctx.ok());
  for (const std::string text :
       {"Tramitamos con nosotros por $500", "tramite gratis", "un poco con nosotros", "nada"}) {
    ScanResult full, fast;
    ASSERT_TRUE(engine->Scan(text, **ctx, &full).ok());
    ASSERT_TRUE(engine->ScanForAlerts(text, **ctx, &fast).ok());
    EXPECT_EQ(fast.action, full.action) << text;
    if (full.action != Action::kNone) {
      EXPECT_EQ(fast.score, full.score) << text;
    }
  }
}

std::string PackWithLexical(const std::string& lexical) {
  std::string yaml = kPack;
  return yaml.substr(0, yaml.find("lexical:")) + lexical;
}

TEST(LexicalPack, RefusesBadSectionsWithFileAndLine) {
  struct Case {
    std::string lexical;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"lexical:\n  max_up: 20\n  weights: {}\n",
       "lexical-test.yaml:21: lexical: unknown key 'weights'"},
      {"lexical:\n  max_up: 120\n",
       "lexical-test.yaml:20: lexical: max_up must be between 0 and 100, not 120"},
      {"lexical:\n  unigrams:\n    \"con nosotros\": 2\n",
       "lexical-test.yaml:21: lexical.unigrams: 'con nosotros' is not one word"},
      {"lexical:\n  bigrams:\n    \"nosotros\": 2\n",
       "lexical-test.yaml:21: lexical.bigrams: 'nosotros' is not two words"},
      {"lexical:\n  unigrams:\n    \"$500\": 2\n", "'$500' is not one word"},
      {"lexical:\n  unigrams:\n    \"Gratis\": 2\n", "'Gratis' is not one word"},
      {"lexical:\n  unigrams:\n    \"rápido\": 2\n", "'rápido' is not one word"},
      {"lexical:\n  min_score: 0\n", "lexical: min_score must be between 1 and 100, not 0"},
      {"lexical:\n  unigrams:\n    gratis: two\n", "lexical.unigrams: 'gratis' must be a number"},
      {"lexical:\n  unigrams:\n    gratis: 1\n    gratis: 2\n", "'gratis' listed twice"},
      {"lexical:\n  bias: .nan\n", "lexical: bias must be a number"},
      {"lexical: [1, 2]\n", "lexical: must be a mapping"},
  };
  for (const Case& c : cases) {
    auto pack = ParsePack(PackWithLexical(c.lexical), "lexical-test.yaml");
    ASSERT_FALSE(pack.ok()) << c.lexical;
    EXPECT_THAT(pack.error().message, HasSubstr(c.error)) << c.lexical;
  }
}

TEST(LexicalPack, ReservesTheLexicalId) {
  std::string yaml = kPack;
  const std::string from = "- id: poco";
  yaml.replace(yaml.find(from), from.size(), "- id: lexical");
  auto pack = ParsePack(yaml, "lexical-test.yaml");
  ASSERT_FALSE(pack.ok());
  EXPECT_THAT(pack.error().message, HasSubstr("rule 'lexical': the id is the lexical layer's"));
}

TEST(LexicalPack, ParsesTheSection) {
  auto pack = ParsePack(kPack, "lexical-test.yaml");
  ASSERT_TRUE(pack.ok()) << pack.error().message;
  ASSERT_TRUE(pack->lexical.has_value());
  EXPECT_EQ(pack->lexical->where.ToString(), "lexical-test.yaml:20");
  EXPECT_EQ(pack->lexical->unigrams.size(), 4u);
  ASSERT_EQ(pack->lexical->bigrams.size(), 1u);
  EXPECT_EQ(pack->lexical->bigrams[0].term, "con nosotros");
  EXPECT_DOUBLE_EQ(pack->lexical->bias, 0.5);
  auto without = ParsePack(PackWithLexical(""), "lexical-test.yaml");
  ASSERT_TRUE(without.ok());
  EXPECT_FALSE(without->lexical.has_value());
}

}  // namespace
}  // namespace centinela::rules
