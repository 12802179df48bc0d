#include "rules/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>

#include "rules/scorer.h"

namespace centinela::rules {

Engine::~Engine() = default;

namespace {

// Runs every rule's examples through the real matcher.
Status CheckExamples(const Engine& engine, Engine::Context& context) {
  const RulePack& pack = engine.pack();
  ScanResult scratch;
  for (uint32_t r = 0; r < pack.rules.size(); ++r) {
    const Rule& rule = pack.rules[r];
    // A rule kept to some sources is judged on its examples as from the first of them.
    const std::string_view source =
        rule.sources.empty() ? std::string_view() : std::string_view(rule.sources.front());
    for (int want = 1; want >= 0; --want) {
      const auto& examples = want ? rule.match_examples : rule.no_match_examples;
      for (const std::string& example : examples) {
        if (Status s = engine.Scan(example, context, &scratch, source); !s.ok()) return s;
        const bool fired = std::any_of(scratch.rules.begin(), scratch.rules.end(),
                                       [&](const RuleHit& h) { return h.id == rule.id; });
        if (fired != static_cast<bool>(want)) {
          return Error{fmt::format("{}: rule '{}': example {} but {}: \"{}\"",
                                   rule.where.ToString(), rule.id,
                                   want ? "should match" : "should not match",
                                   want ? "does not" : "does", example)};
        }
      }
    }
  }
  return Status::Ok();
}

void LintCosts(const Engine& engine, std::vector<std::string>* warnings) {
  const RulePack& pack = engine.pack();
  std::string sample;
  text::Normalized normalized;
  for (const Rule& rule : pack.rules) {
    for (const auto* list : {&rule.match_examples, &rule.no_match_examples}) {
      for (const std::string& example : *list) {
        engine.normalizer().Normalize(example, &normalized);
        sample.append(normalized.view(text::View::kFolded));
        sample.push_back(' ');
      }
    }
  }
  if (sample.empty()) return;
  while (sample.size() < 32 * 1024) sample += sample;
  auto costs = MeasureRuleCosts(pack, sample);
  if (!costs.ok() || costs->size() < 5) return;
  std::vector<double> sorted = *costs;
  std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
  const double median = sorted[sorted.size() / 2];
  constexpr double kFactor = 8.0;
  for (size_t i = 0; i < costs->size(); ++i) {
    if ((*costs)[i] > kFactor * median) {
      warnings->push_back(fmt::format(
          "{}: rule '{}': scanning cost {:.0f} ns/KiB is {:.1f}x the pack's median ({:.0f}); "
          "give it a literal word to anchor on",
          pack.rules[i].where.ToString(), pack.rules[i].id, (*costs)[i], (*costs)[i] / median,
          median));
    }
  }
}

// Source names other than the two the input topics carry are legal (a deployment may label its
// messages otherwise) but are more often a typo, which would silently keep a rule from firing.
void LintSources(const RulePack& pack, std::vector<std::string>* warnings) {
  auto check = [&](const std::vector<std::string>& sources, const SourceLocation& where,
                   std::string_view kind, const std::string& id) {
    for (const std::string& s : sources) {
      if (IsTopicSource(s)) continue;
      warnings->push_back(fmt::format(
          "{}: {} '{}': source '{}' is neither tip nor post (the sources of the tips and posts "
          "topics); it counts only for messages that name it",
          where.ToString(), kind, id, s));
    }
  };
  for (const Rule& r : pack.rules) check(r.sources, r.where, "rule", r.id);
  for (const Composite& c : pack.composites) check(c.sources, c.where, "composite", c.id);
}

}  // namespace

Result<std::shared_ptr<const Engine>> Engine::Build(RulePack pack, const EngineOptions& options,
                                                   std::vector<std::string>* warnings) {
  std::shared_ptr<Engine> engine(new Engine());
  engine->pack_ = std::move(pack);
  // Resolve composite members again: a pack edited after loading (rules added, as the benchmark
  // does) would otherwise score composites through stale slots.
  if (Status s = LinkPack(&engine->pack_); !s.ok()) return s.error();
  engine->scorer_ = std::make_unique<Scorer>(engine->pack_);
  if (engine->pack_.lexical) {
    auto lexical = LexicalScorer::Create(*engine->pack_.lexical);
    if (!lexical.ok()) return lexical.error();
    engine->lexical_ = std::move(*lexical);
  }
  engine->version_ = engine->pack_.VersionString();
  auto matcher = Matcher::Compile(engine->pack_, Matcher::Options{options.cache_dir});
  if (!matcher.ok()) return matcher.error();
  engine->matcher_ = std::move(*matcher);
  auto entities = EntityExtractor::Create();
  if (!entities.ok()) return entities.error();
  engine->entities_ = std::move(*entities);

  if (options.check_examples) {
    auto context = engine->MakeContext();
    if (!context.ok()) return context.error();
    if (Status s = CheckExamples(*engine, **context); !s.ok()) return s.error();
  }
  if (warnings) LintSources(engine->pack_, warnings);
  if (options.measure_costs && warnings) LintCosts(*engine, warnings);
  return std::shared_ptr<const Engine>(std::move(engine));
}

Result<std::unique_ptr<Engine::Context>> Engine::MakeContext() const {
  auto context = std::make_unique<Context>();
  auto m = matcher_->MakeContext();
  if (!m.ok()) return m.error();
  context->matcher = std::move(*m);
  return context;
}

void Engine::Normalize(std::string_view text, Context& context) const {
  normalizer_.Normalize(text, &context.normalized);
  context.lexical_ready = false;
}

double Engine::LexicalPointsOf(Context& context) const {
  if (!context.lexical_ready) {
    context.lexical_points = lexical_->Points(context.normalized.view(text::View::kFolded),
                                              &context.lexical_top);
    context.lexical_ready = true;
  }
  return context.lexical_points;
}

void Engine::ApplyLexical(Context& context, ScanResult* out) const {
  if (!lexical_ || out->score < lexical_->settings().min_score) return;
  const int points = lexical_->Bounded(LexicalPointsOf(context));
  if (points == 0) return;
  RuleHit hit{std::string(kLexicalRuleId), points, {}};
  for (const LexicalTerm& t : context.lexical_top) {
    hit.spans.push_back(context.normalized.ToOriginal(text::View::kFolded, t.begin, t.end));
  }
  std::sort(hit.spans.begin(), hit.spans.end());
  out->rules.push_back(std::move(hit));
  out->score = std::clamp(out->score + points, 0, 100);
  out->action = ActionFor(pack_.thresholds, out->score);
}

Status Engine::Finish(Context& context, std::string_view source, ScanResult* out) const {
  scorer_->Score(context.matches, source, out);
  ApplyLexical(context, out);
  out->entities = Entities{};
  out->campaign_key.clear();
  if (out->action != Action::kNone) {
    entities_->Extract(context.normalized, &out->entities);
    out->campaign_key = CampaignKey(out->entities, context.normalized);
  }
  return Status::Ok();
}

Status Engine::Scan(std::string_view text, Context& context, ScanResult* out,
                    std::string_view source) const {
  Normalize(text, context);
  if (Status s = matcher_->Match(context.normalized, *context.matcher, &context.matches);
      !s.ok()) {
    return s;
  }
  return Finish(context, source, out);
}

bool Engine::CouldReachReview(Context& context, int rule_bound) const {
  const int review = pack_.thresholds.review;
  if (rule_bound >= review) return true;
  if (!lexical_ || rule_bound < lexical_->settings().min_score) return false;
  if (rule_bound + lexical_->settings().max_up < review) return false;  // not even at its most
  // The layer's points do not depend on the rules, so the final score is at most the rules'
  // bound plus them. Cheaper than confirming the candidates with RE2, and kept for the score.
  return rule_bound + lexical_->Bounded(LexicalPointsOf(context)) >= review;
}

Status Engine::ScanForAlerts(std::string_view text, Context& context, ScanResult* out,
                             std::string_view source) const {
  Normalize(text, context);
  if (Status s = matcher_->Candidates(context.normalized, *context.matcher, &context.candidates);
      !s.ok()) {
    return s;
  }
  if (!CouldReachReview(context, scorer_->UpperBound(context.candidates, source))) {
    context.matches.clear();  // Finish then gives action none with nothing else filled
  } else {
    matcher_->Confirm(context.normalized, *context.matcher, &context.matches);
  }
  return Finish(context, source, out);
}

Status Engine::ScanReference(std::string_view text, Context& context, ScanResult* out,
                             std::string_view source) const {
  Normalize(text, context);
  if (Status s = matcher_->MatchReference(context.normalized, &context.matches); !s.ok()) {
    return s;
  }
  return Finish(context, source, out);
}

Result<std::string> Engine::Explain(std::string_view text, Context& context,
                                    std::string_view source) const {
  ScanResult result;
  if (Status s = Scan(text, context, &result, source); !s.ok()) return s.error();
  std::string out;
  for (int v = 0; v < text::kViewCount; ++v) {
    const auto view = static_cast<text::View>(v);
    out += fmt::format("  view {:<7} {}\n", text::ViewName(view), context.normalized.view(view));
  }
  std::vector<PatternMatch> found;
  for (const RuleMatch& m : context.matches) {
    const Rule& rule = pack_.rules[m.rule];
    found.clear();
    matcher_->ExplainRule(context.normalized, m.rule, &found);
    out += fmt::format("  rule {} ({:+d}, {}, view {}) at {}\n", rule.id, rule.weight,
                       rule.category, text::ViewName(rule.view), rule.where.ToString());
    if (!scorer_->CountsFor(m.rule, source)) {
      out += fmt::format("    does not count: only for sources [{}], and the message's {}\n",
                         fmt::join(rule.sources, ", "),
                         source.empty() ? std::string("has none")
                                        : fmt::format("is '{}'", source));
    }
    for (const PatternMatch& p : found) {
      const std::string_view view = context.normalized.view(rule.view);
      out += fmt::format("    pattern {} '{}'\n      matched \"{}\" in the view, [{}, {}) = \"{}\" "
                         "in the text\n",
                         p.pattern + 1, rule.patterns[p.pattern].regex,
                         view.substr(p.view_span.begin, p.view_span.end - p.view_span.begin),
                         p.original_span.begin, p.original_span.end,
                         text.substr(p.original_span.begin,
                                     p.original_span.end - p.original_span.begin));
    }
  }
  for (const RuleHit& hit : result.rules) {
    const auto c = std::find_if(pack_.composites.begin(), pack_.composites.end(),
                                [&](const Composite& x) { return x.id == hit.id; });
    if (c == pack_.composites.end()) continue;
    const std::string sources =
        c->sources.empty() ? "" : fmt::format(", sources [{}]", fmt::join(c->sources, ", "));
    out += fmt::format("  composite {} ({:+d}) of [{}]{} at {}\n", c->id, c->weight,
                       fmt::join(c->members, ", "), sources, c->where.ToString());
  }
  // Composites kept to other sources that would have fired for one of them: what a tips export
  // scanned without --source is missing. The matches are scored once per other source.
  const uint32_t rule_count = static_cast<uint32_t>(pack_.rules.size());
  std::map<std::string, ScanResult, std::less<>> as_other;
  for (uint32_t i = 0; i < pack_.composites.size(); ++i) {
    const Composite& c = pack_.composites[i];
    if (scorer_->CountsFor(rule_count + i, source)) continue;
    for (const std::string& other : c.sources) {
      auto [scored, added] = as_other.try_emplace(other);
      if (added) scorer_->Score(context.matches, other, &scored->second);
      const bool fires =
          std::any_of(scored->second.rules.begin(), scored->second.rules.end(),
                      [&](const RuleHit& h) { return h.id == c.id; });
      if (!fires) continue;
      const std::string mine =
          source.empty() ? std::string("(none)") : fmt::format("'{}'", source);
      out += fmt::format("  composite {} ({:+d}) would fire for source '{}', not for this "
                         "message's {}\n",
                         c.id, c.weight, other, mine);
      break;
    }
  }
  if (lexical_) {
    const Lexical& lexical = lexical_->settings();
    ScanResult rules_only;  // the score before the layer
    scorer_->Score(context.matches, source, &rules_only);
    const int rule_score = rules_only.score;
    if (rule_score < lexical.min_score) {
      out += fmt::format("  lexical: not applied (rule score {} < min_score {}) at {}\n",
                         rule_score, lexical.min_score, lexical.where.ToString());
    } else {
      std::vector<LexicalTerm> top;
      const double points =
          lexical_->Points(context.normalized.view(text::View::kFolded), &top, 8);
      out += fmt::format(
          "  lexical ({:+d} to the rule score {}: {:+.2f} points, bounded to -{}..+{}) at {}\n",
          lexical_->Bounded(points), rule_score, points, lexical.max_down, lexical.max_up,
          lexical.where.ToString());
      for (const LexicalTerm& t : top) {
        out += fmt::format("    '{}' {:+.2f}\n", t.term, t.points);
      }
    }
  }
  out += fmt::format("  score {} -> {} (thresholds review {}, alert {}, publish {}; pack {})\n",
                     result.score, ActionName(result.action), pack_.thresholds.review,
                     pack_.thresholds.alert, pack_.thresholds.publish, version_);
  return out;
}

Result<std::shared_ptr<const Engine>> LoadEngine(const std::filesystem::path& path,
                                                 const EngineOptions& options,
                                                 std::vector<std::string>* warnings) {
  auto pack = LoadPack(path);
  if (!pack.ok()) return pack.error();
  return Engine::Build(std::move(*pack), options, warnings);
}

}  // namespace centinela::rules
