#include "rules/engine.h"
#include "rules/matcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <re2/re2.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>

namespace centinela::rules {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kPack = R"(pack: engine-test
version: 0.1.0
thresholds: {review: 30, alert: 60, publish: 90}
rules:
  - id: tramite-garantizado
    category: guaranteed_outcome
    weight: 40
    patterns: ['garantiz\w*\s+(su|tu)\s+(permiso|tramite)']
    examples:
      match: ["Le GARANTIZAMOS su trámite", "g4rantizamos tu permiso"]
      no_match: ["ningún trámite está garantizado"]
  - id: pago-zelle
    category: payment
    weight: 25
    patterns: ['\bzelle\b', '\boxxo\b']
    examples:
      match: ["pague por Zelle", "deposite en OXXO"]
      no_match: ["pague en la oficina"]
  - id: raw-dollars
    category: payment
    weight: 5
    view: raw
    patterns: ['USD']
    examples:
      match: ["500 USD"]
      no_match: ["500 pesos"]
  - id: advertencia
    category: legit
    weight: -60
    patterns: ['es\s+(un\s+)?fraude']
    examples:
      match: ["si le cobran, es fraude"]
      no_match: ["pague hoy"]
composites:
  - id: garantia-con-pago
    all: [tramite-garantizado, pago-zelle]
    weight: 30
)";

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cache_ = fs::path(::testing::TempDir()) /
             ("engine_test_cache_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(cache_);
  }
  void TearDown() override { fs::remove_all(cache_); }

  Result<std::shared_ptr<const Engine>> Build(const std::string& yaml) {
    auto pack = ParsePack(yaml, "test.yaml");
    if (!pack.ok()) return pack.error();
    EngineOptions options;
    options.cache_dir = cache_;
    return Engine::Build(std::move(*pack), options, &warnings_);
  }

  fs::path cache_;
  std::vector<std::string> warnings_;
};

std::string Sub(std::string_view text, Span s) {
  return std::string(text.substr(s.begin, s.end - s.begin));
}

TEST_F(EngineTest, ScoresAndMapsSpansBackToTheOriginalText) {
  auto engine = Build(kPack);
  ASSERT_TRUE(engine.ok()) << engine.error().message;
  auto ctx = (*engine)->MakeContext();
  ASSERT_TRUE(ctx.ok());
  const std::string text = "¡Le GARANTÍZAMOS su   TRÁMITE! Pague por Zelle al 323 555 0177";
  ScanResult r;
  ASSERT_TRUE((*engine)->Scan(text, **ctx, &r).ok());
  EXPECT_EQ(r.score, 95);  // 40 + 25 + 30
  EXPECT_EQ(r.action, Action::kPublish);
  ASSERT_EQ(r.rules.size(), 3u);
  EXPECT_EQ(r.rules[0].id, "tramite-garantizado");
  ASSERT_EQ(r.rules[0].spans.size(), 1u);
  EXPECT_EQ(Sub(text, r.rules[0].spans[0]), "GARANTÍZAMOS su   TRÁMITE");
  EXPECT_EQ(r.rules[1].id, "pago-zelle");
  EXPECT_EQ(Sub(text, r.rules[1].spans[0]), "Zelle");
  EXPECT_EQ(r.rules[2].id, "garantia-con-pago");
  EXPECT_FALSE(r.campaign_key.empty());
}

TEST_F(EngineTest, APackEditedAfterLoadingScoresItsCompositesByMemberId) {
  // A rule put before the others moves every rule's index; the composite must still find its
  // members by id (the benchmark builds packs this way).
  auto pack = ParsePack(kPack, "test.yaml");
  ASSERT_TRUE(pack.ok()) << pack.error().message;
  Rule first = pack->rules.front();
  first.id = "nunca-aparece";
  first.patterns = {Pattern{"palabra que nunca aparece", {}}};
  first.match_examples.clear();
  first.no_match_examples.clear();
  pack->rules.insert(pack->rules.begin(), std::move(first));
  EngineOptions options;
  options.cache_dir = cache_;
  auto engine = Engine::Build(std::move(*pack), options, &warnings_);
  ASSERT_TRUE(engine.ok()) << engine.error().message;
  auto ctx = (*engine)->MakeContext();
  ASSERT_TRUE(ctx.ok());
  ScanResult r;
  ASSERT_TRUE((*engine)->Scan("Le garantizamos su permiso, pague por Zelle", **ctx, &r).ok());
  EXPECT_EQ(r.score, 95);  // 40 + 25 + the composite's 30
  ASSERT_EQ(r.rules.size(), 3u);
  EXPECT_EQ(r.rules[2].id, "garantia-con-pago");
}

// A rule kept to tips: its examples are checked as tips (the pack loads), and it counts for a
// tip, in Scan and in ScanForAlerts, but not for a post or a message without a source.
TEST_F(EngineTest, SourcesKeepARuleToTheMessagesOfThoseSources) {
  std::string yaml = kPack;
  const std::string tip_rule = R"(  - id: cobro-reportado
    category: payment
    weight: 35
    sources: [tip]
    patterns: ['\bme\s+cobr(o|aron)\b']
    examples:
      match: ["me cobraron 500 por la cita"]
      no_match: ["el doctor cobra 500 la consulta"]
)";
  yaml.insert(yaml.find("  - id: advertencia"), tip_rule);
  auto engine = Build(yaml);
  ASSERT_TRUE(engine.ok()) << engine.error().message;
  auto ctx = (*engine)->MakeContext();
  ASSERT_TRUE(ctx.ok());
  const std::string text = "Un señor me cobró 500 por la cita";
  ScanResult r;
  ASSERT_TRUE((*engine)->Scan(text, **ctx, &r, "tip").ok());
  EXPECT_EQ(r.score, 35);
  EXPECT_EQ(r.action, Action::kReview);
  ASSERT_TRUE((*engine)->ScanForAlerts(text, **ctx, &r, "tip").ok());
  EXPECT_EQ(r.action, Action::kReview);
  for (const char* source : {"post", ""}) {
    ASSERT_TRUE((*engine)->Scan(text, **ctx, &r, source).ok());
    EXPECT_EQ(r.score, 0) << source;
    EXPECT_TRUE(r.rules.empty()) << source;
    ASSERT_TRUE((*engine)->ScanForAlerts(text, **ctx, &r, source).ok());
    EXPECT_EQ(r.action, Action::kNone) << source;
  }
  auto explained = (*engine)->Explain(text, **ctx, "post");
  ASSERT_TRUE(explained.ok());
  EXPECT_THAT(*explained,
              HasSubstr("does not count: only for sources [tip], and the message's is 'post'"));
  EXPECT_THAT(*explained, HasSubstr("score 0 -> none"));
  explained = (*engine)->Explain(text, **ctx);
  ASSERT_TRUE(explained.ok());
  EXPECT_THAT(*explained, HasSubstr("and the message's has none"));
  // A composite kept to tips is named when it would have fired for a tip.
  std::string with_composite = yaml;
  with_composite += "  - id: zelle-en-un-aviso\n    any: [pago-zelle]\n    sources: [tip]\n"
                    "    weight: 5\n";
  auto second = Build(with_composite);
  ASSERT_TRUE(second.ok()) << second.error().message;
  auto ctx2 = (*second)->MakeContext();
  ASSERT_TRUE(ctx2.ok());
  auto composite_explained = (*second)->Explain("pague por zelle", **ctx2, "post");
  ASSERT_TRUE(composite_explained.ok());
  EXPECT_THAT(*composite_explained,
              HasSubstr("composite zelle-en-un-aviso (+5) would fire for source 'tip', not for "
                        "this message's 'post'"));
  composite_explained = (*second)->Explain("nada que ver", **ctx2, "post");
  ASSERT_TRUE(composite_explained.ok());
  EXPECT_THAT(*composite_explained, Not(HasSubstr("would fire")));
  explained = (*engine)->Explain(text, **ctx, "TIP");  // counts, as in scoring: no case
  ASSERT_TRUE(explained.ok());
  EXPECT_THAT(*explained, Not(HasSubstr("does not count")));
  EXPECT_THAT(*explained, HasSubstr("score 35 -> review"));
  auto source_warnings = [&] {
    std::vector<std::string> out;
    for (const std::string& w : warnings_) {
      if (w.find("source '") != std::string::npos) out.push_back(w);
    }
    return out;
  };
  EXPECT_TRUE(source_warnings().empty());  // tip is a source the topics carry

  // A source no topic carries is legal, but more often a typo: a warning names it.
  warnings_.clear();
  yaml.replace(yaml.find("sources: [tip]"), 14, "sources: [tips]");
  ASSERT_TRUE(Build(yaml).ok());
  ASSERT_EQ(source_warnings().size(), 1u);
  EXPECT_THAT(source_warnings()[0],
              HasSubstr("rule 'cobro-reportado': source 'tips' is neither tip nor post"));
}

TEST_F(EngineTest, NegativeEvidenceKeepsWarningsQuiet) {
  auto engine = Build(kPack);
  ASSERT_TRUE(engine.ok()) << engine.error().message;
  auto ctx = (*engine)->MakeContext();
  ScanResult r;
  ASSERT_TRUE((*engine)->Scan("Si alguien le garantiza su permiso y pide Zelle, es fraude", **ctx,
                              &r)
                  .ok());
  EXPECT_EQ(r.score, 35);  // 40 + 25 + 30 - 60
  EXPECT_EQ(r.action, Action::kReview);
  ASSERT_TRUE((*engine)->Scan("Nada que ver aquí", **ctx, &r).ok());
  EXPECT_EQ(r.action, Action::kNone);
  EXPECT_TRUE(r.rules.empty());
  EXPECT_TRUE(r.campaign_key.empty());
}

TEST_F(EngineTest, HyperscanPathEqualsRe2ReferenceOnEveryExample) {
  auto engine = Build(kPack);
  ASSERT_TRUE(engine.ok()) << engine.error().message;
  auto ctx = (*engine)->MakeContext();
  for (const Rule& rule : (*engine)->pack().rules) {
    for (const auto* list : {&rule.match_examples, &rule.no_match_examples}) {
      for (const std::string& example : *list) {
        ScanResult fast, reference;
        ASSERT_TRUE((*engine)->Scan(example, **ctx, &fast).ok());
        ASSERT_TRUE((*engine)->ScanReference(example, **ctx, &reference).ok());
        ASSERT_EQ(fast.rules.size(), reference.rules.size()) << example;
        for (size_t i = 0; i < fast.rules.size(); ++i) {
          EXPECT_EQ(fast.rules[i].id, reference.rules[i].id);
          EXPECT_EQ(fast.rules[i].spans, reference.rules[i].spans);
        }
      }
    }
  }
}

TEST(HyperscanForm, WhiteSpaceOnTheFoldedViewBecomesTheOneSpaceTheViewHas) {
  using text::View;
  EXPECT_EQ(HyperscanForm(R"(por\s+adelantado)", View::kFolded), "por adelantado");
  EXPECT_EQ(HyperscanForm(R"(up\s*front)", View::kFolded), "up ?front");
  EXPECT_EQ(HyperscanForm(R"(a\s?b\s+?c\s)", View::kFolded), "a ?b c ");
  EXPECT_EQ(HyperscanForm(R"(a\s{1,3}b\s{0,2}c\s{1,}d\s{1}e)", View::kFolded), "a b ?c d e");
  EXPECT_EQ(HyperscanForm(R"((\w+\s+){0,4}x)", View::kFolded), R"((\w+ ){0,4}x)");
  // Two spaces in a row never occur in the view, so those stay as written (and never match).
  EXPECT_EQ(HyperscanForm(R"(a\s{2}b\s{2,}c\s{0}d)", View::kFolded), R"(a\s{2}b\s{2,}c\s{0}d)");
  // Classes, other escapes, quoted text and a literal `{` are copied untouched.
  EXPECT_EQ(HyperscanForm(R"([\s,]+x[]\s]y\S+\\s+\Q\s+\E\p{L}\s{,2})", View::kFolded),
            R"([\s,]+x[]\s]y\S+\\s+\Q\s+\E\p{L} {,2})");
  EXPECT_EQ(HyperscanForm(R"([^\s[:alpha:]]\s+z)", View::kFolded), R"([^\s[:alpha:]] z)");
  // The raw view keeps every kind of white space, so its patterns go to Hyperscan as written.
  EXPECT_EQ(HyperscanForm(R"(por\s+adelantado)", View::kRaw), R"(por\s+adelantado)");
}

TEST(HyperscanCaseless, OnlyLowerCasePatternsOnTheFoldedViewAreScannedCaseSensitively) {
  using text::View;
  EXPECT_FALSE(
      HyperscanCaseless(R"(\bgarantiz\w* (su|tu) (permiso|tr[aá]mite)\b)", View::kFolded));
  EXPECT_FALSE(HyperscanCaseless("a\u00f1o|d[i\u00ed]as|[a-z]+\\d\\W\\S", View::kFolded));
  EXPECT_TRUE(HyperscanCaseless("zelle", View::kRaw));     // the raw view has upper case
  EXPECT_TRUE(HyperscanCaseless("Zelle", View::kFolded));  // spelled with upper case
  EXPECT_TRUE(HyperscanCaseless("a\u00d1o", View::kFolded));    // Latin-1 upper case: Ñ
  EXPECT_TRUE(HyperscanCaseless("\u00b5g", View::kFolded));     // µ, folded to Greek mu
  EXPECT_TRUE(HyperscanCaseless("\u03c3", View::kFolded));      // σ: not Latin-1
  EXPECT_TRUE(HyperscanCaseless("[a-\u00ff]", View::kFolded));  // a range's end
  // Whatever may stand for an upper-case letter keeps Hyperscan caseless: escapes (octal too),
  // POSIX case classes, and ranges that are not within a-z or 0-9 (`[0-_]` holds A-Z).
  for (const char* pattern :
       {R"(\x41)", R"(\x{41})", R"(\p{Lu})", R"(\PL)", R"(\QAb\E)", R"(\C)", R"(\101)",
        R"([\101-\132])", R"(\0101)", R"(x\1)", "[[:upper:]]", "[[:lower:]]", "[0-_]", "[!-`]",
        R"([\--_])", "[0-f]", "[a-z0-Z]", "[a-\u00f1]"}) {
    EXPECT_TRUE(HyperscanCaseless(pattern, View::kFolded)) << pattern;
  }
  // What the pack writes stays case-sensitive: classes within a-z or 0-9, escaped punctuation,
  // a leading or trailing `-`, POSIX classes with both cases.
  for (const char* pattern : {R"([a-z]+[5-9]\d{2}[\s-][\w.-]+)", R"(\$\s?\d+(\.\d\d)?)",
                              "[-a][b-][]x]", "[[:alpha:][:digit:]]+", R"(\bde\W+la\B)"}) {
    EXPECT_FALSE(HyperscanCaseless(pattern, View::kFolded)) << pattern;
  }
}

// What HyperscanCaseless rests on: no character of any folded view (every code point alone, and
// inside a word and a number) is another case of a character it lets Hyperscan scan
// case-sensitively, by RE2's case folding, which judges every match.
TEST(HyperscanCaseless, NoFoldedViewHoldsAnotherCaseOfACharacterScannedCaseSensitively) {
  const auto utf8 = [](char32_t cp) {
    std::string s;
    const auto put = [&](unsigned v) { s += static_cast<char>(v); };
    if (cp < 0x80) {
      put(cp);
    } else if (cp < 0x800) {
      put(0xC0 | (cp >> 6)), put(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      put(0xE0 | (cp >> 12)), put(0x80 | ((cp >> 6) & 0x3F)), put(0x80 | (cp & 0x3F));
    } else {
      put(0xF0 | (cp >> 18)), put(0x80 | ((cp >> 12) & 0x3F));
      put(0x80 | ((cp >> 6) & 0x3F)), put(0x80 | (cp & 0x3F));
    }
    return s;
  };
  const auto is_scalar = [](char32_t cp) { return cp < 0xD800 || (cp >= 0xE000 && cp < 0x110000); };

  // Every character that occurs in some folded view, once each, in one string.
  text::Normalizer normalizer;
  text::Normalized normalized;
  std::set<std::string> seen;
  for (char32_t cp = 1; cp < 0x110000; ++cp) {
    if (!is_scalar(cp)) continue;
    for (const auto& [before, after] : {std::pair{"", ""}, {"ab", "cd"}, {"1", "2"}}) {
      normalizer.Normalize(before + utf8(cp) + after, &normalized);
      const std::string_view folded = normalized.view(text::View::kFolded);
      for (size_t i = 0; i < folded.size();) {
        const auto lead = static_cast<unsigned char>(folded[i]);
        const size_t n = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
        seen.emplace(folded.substr(i, n));
        i += n;
      }
    }
  }
  ASSERT_GT(seen.size(), 1000u);

  RE2::Options caseless;
  caseless.set_case_sensitive(false);
  size_t case_sensitive = 0;
  for (char32_t cp = 1; cp < 0x110000; ++cp) {
    if (!is_scalar(cp)) continue;
    const std::string character = utf8(cp);
    const std::string pattern = RE2::QuoteMeta(character);
    if (HyperscanCaseless(pattern, text::View::kFolded)) continue;
    ++case_sensitive;
    const RE2 re(pattern, caseless);
    ASSERT_TRUE(re.ok()) << pattern;
    for (const std::string& other : seen) {
      EXPECT_TRUE(other == character || !RE2::FullMatch(other, re))
          << "a folded view holds '" << other << "', another case of '" << character << "'";
    }
  }
  EXPECT_GT(case_sensitive, 26u + 30u);  // at least the ASCII and Latin-1 lower-case letters
}

// The property the case-sensitive scan must keep: on any text, Hyperscan (with the flags
// HyperscanCaseless gives) then RE2 finds exactly what RE2 alone finds. Random patterns built from
// what rules write (lower- and upper-case letters, accents, classes and ranges, escapes, octal,
// quantifiers) against random texts full of case variants (Kelvin sign, long s, µ, Ñ, Greek),
// normalized as the engine does. A fixed seed: the same cases every run.
TEST(HyperscanCaseless, HyperscanThenRe2FindsWhatRe2AloneFindsOnRandomPatternsAndTexts) {
  std::mt19937_64 rng(20261129);
  const auto pick = [&](const std::vector<std::string>& from) {
    return from[rng() % from.size()];
  };
  const std::vector<std::string> atoms = {
      "a", "e", "k", "s", "n", "o", "z", "K", "S", "\u00f1", "\u00e1", "\u00d1", "[a-z]",
      "[k-s]", "[0-9]", "[0-_]", "[A-Z]", "[aeiou\u00f1]", "\\w", "\\d", "\\s", "\\W", "[^a-m]",
      "\\113", "\\x4b", ".", " ", "[[:alpha:]]", "[[:upper:]]", "\\.", "-"};
  const std::vector<std::string> quantifiers = {"", "", "", "+", "*", "?", "{1,2}"};
  const std::vector<std::string> letters = {
      "a", "A", "k", "K", "s", "S", "n", "N", "\u212a", "\u017f", "\u00b5", "\u00f1", "\u00d1",
      "\u00e1", "\u00c1", "\u03c3", "\u03a3", "z", " ", " ", "-", ".", "1", "5", "_", "e", "o"};
  std::vector<std::string> texts;
  for (int t = 0; t < 300; ++t) {
    std::string text;
    const int n = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) text += pick(letters);
    texts.push_back(text);
  }
  text::Normalizer normalizer;
  std::vector<text::Normalized> normalized(texts.size());
  for (size_t t = 0; t < texts.size(); ++t) normalizer.Normalize(texts[t], &normalized[t]);

  size_t compiled = 0, case_sensitive = 0, compared = 0;
  for (int p = 0; p < 300; ++p) {
    std::string regex;
    const int n = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < n; ++i) {
      std::string atom = pick(atoms);
      if (atom == " " || atom == "-") atom = "a" + atom;  // something that must be there
      regex += atom + (i == 0 ? "" : pick(quantifiers));
    }
    RulePack pack;
    Rule rule;
    rule.id = "r";
    rule.category = "c";
    rule.weight = 10;
    rule.patterns.push_back(Pattern{regex, {"random", p + 1}});
    pack.rules.push_back(rule);
    auto matcher = Matcher::Compile(pack, {});
    if (!matcher.ok()) continue;  // empty-matching or refused by an engine: not a rule
    ++compiled;
    case_sensitive += !HyperscanCaseless(HyperscanForm(regex, text::View::kFolded),
                                         text::View::kFolded);
    auto context = (*matcher)->MakeContext();
    ASSERT_TRUE(context.ok());
    for (size_t t = 0; t < texts.size(); ++t) {
      std::vector<RuleMatch> fast, reference;
      ASSERT_TRUE((*matcher)->Match(normalized[t], **context, &fast).ok());
      ASSERT_TRUE((*matcher)->MatchReference(normalized[t], &reference).ok());
      ASSERT_EQ(fast.size(), reference.size())
          << "pattern '" << regex << "' on '" << texts[t] << "' (folded '"
          << normalized[t].view(text::View::kFolded) << "')";
      if (!fast.empty()) {
        EXPECT_EQ(fast[0].spans, reference[0].spans) << regex;
      }
      ++compared;
    }
  }
  EXPECT_GT(compiled, 200u);
  EXPECT_GT(case_sensitive, 50u);  // the property is tested where it matters
  EXPECT_EQ(compared, compiled * texts.size());
}

TEST_F(EngineTest, AnyWhiteSpaceInTheTextStillMatchesASpacePattern) {
  auto engine = Build(kPack);
  ASSERT_TRUE(engine.ok()) << engine.error().message;
  auto ctx = (*engine)->MakeContext();
  ScanResult result;
  ASSERT_TRUE((*engine)->Scan("Le GARANTIZAMOS\t\r\n \v\f su   tr\u00e1mite", **ctx, &result).ok());
  ASSERT_EQ(result.rules.size(), 1u);
  EXPECT_EQ(result.rules[0].id, "tramite-garantizado");
}

TEST_F(EngineTest, RefusesAPackWhoseExampleFails) {
  std::string yaml = kPack;
  yaml.replace(yaml.find("\"pague en la oficina\""), 21, "\"pague con zelle\"");
  auto engine = Build(yaml);
  ASSERT_FALSE(engine.ok());
  EXPECT_THAT(engine.error().message,
              HasSubstr("test.yaml:12: rule 'pago-zelle': example should not match but does: "
                        "\"pague con zelle\""));
}

TEST_F(EngineTest, RefusesPatternsEitherEngineRejectsOrThatMatchEmpty) {
  struct Case {
    std::string pattern;
    std::string error;
  } cases[] = {
      {R"('(?=x)zelle')", "RE2 rejects it"},
      {R"('zel\Cle')", "Hyperscan rejects it"},
      {R"('(oxxo)?')", "can match the empty string"},
  };
  for (const Case& c : cases) {
    std::string yaml = kPack;
    yaml.replace(yaml.find(R"('\boxxo\b')"), 10, c.pattern);
    auto engine = Build(yaml);
    ASSERT_FALSE(engine.ok()) << c.pattern;
    EXPECT_THAT(engine.error().message, HasSubstr("test.yaml:15: rule 'pago-zelle': pattern 2"))
        << c.pattern;
    EXPECT_THAT(engine.error().message, HasSubstr(c.error)) << c.pattern;
  }
}

TEST_F(EngineTest, CompiledDatabasesAreCachedAndACorruptCacheIsRebuilt) {
  auto first = Build(kPack);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_FALSE((*first)->matcher().loaded_from_cache());
  auto second = Build(kPack);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE((*second)->matcher().loaded_from_cache());

  size_t corrupted = 0;
  for (const auto& entry : fs::directory_iterator(cache_)) {
    std::fstream f(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-20, std::ios::end);
    f.put('\x5a');
    ++corrupted;
  }
  ASSERT_GT(corrupted, 0u);
  auto third = Build(kPack);
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE((*third)->matcher().loaded_from_cache()) << "a corrupt cache must not be trusted";
  auto ctx = (*third)->MakeContext();
  ScanResult r;
  ASSERT_TRUE((*third)->Scan("pague por zelle", **ctx, &r).ok());
  ASSERT_EQ(r.rules.size(), 1u);
  EXPECT_EQ(r.rules[0].id, "pago-zelle");
  auto fourth = Build(kPack);
  EXPECT_TRUE((*fourth)->matcher().loaded_from_cache()) << "the rebuilt cache is written back";
}

TEST_F(EngineTest, ExplainShowsViewsPatternsAndScore) {
  auto engine = Build(kPack);
  ASSERT_TRUE(engine.ok());
  auto ctx = (*engine)->MakeContext();
  auto text = (*engine)->Explain("Le GARANTIZAMOS su permiso, pague por zelle", **ctx);
  ASSERT_TRUE(text.ok());
  EXPECT_THAT(*text, HasSubstr("view folded  le garantizamos su permiso, pague por zelle"));
  EXPECT_THAT(*text, HasSubstr("rule tramite-garantizado (+40"));
  EXPECT_THAT(*text, HasSubstr("\"GARANTIZAMOS su permiso\" in the text"));
  EXPECT_THAT(*text, HasSubstr("composite garantia-con-pago"));
  EXPECT_THAT(*text, HasSubstr("score 95 -> publish"));
}

}  // namespace
}  // namespace centinela::rules
