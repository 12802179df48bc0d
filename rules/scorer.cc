#include "rules/scorer.h"

#include <algorithm>
#include <map>
#include <string>

namespace centinela::rules {

Action ActionFor(const Thresholds& thresholds, int score) {
  if (score >= thresholds.publish) return Action::kPublish;
  if (score >= thresholds.alert) return Action::kAlert;
  if (score >= thresholds.review) return Action::kReview;
  return Action::kNone;
}

void Score(const RulePack& pack, const std::vector<RuleMatch>& matches, ScanResult* result) {
  result->rules.clear();
  result->score = 0;
  result->action = Action::kNone;
  if (matches.empty()) return;

  // Category totals in a small flat list: packs have a dozen or two categories.
  std::vector<std::pair<const std::string*, int>> totals;
  auto add = [&totals](const std::string& category, int weight) {
    for (auto& [name, sum] : totals) {
      if (*name == category) {
        sum += weight;
        return;
      }
    }
    totals.emplace_back(&category, weight);
  };
  int uncapped = 0;

  // fired[slot]: rules by index, then composites (Composite::member_slots).
  thread_local std::vector<uint8_t> fired;
  fired.assign(pack.rules.size() + pack.composites.size(), 0);
  for (const RuleMatch& m : matches) {
    const Rule& rule = pack.rules[m.rule];
    fired[m.rule] = 1;
    add(rule.category, rule.weight);
    result->rules.push_back(RuleHit{rule.id, rule.weight, m.spans});
  }
  for (size_t i = 0; i < pack.composites.size(); ++i) {
    const Composite& c = pack.composites[i];
    int count = 0;
    for (uint32_t slot : c.member_slots) count += fired[slot];
    const int n = static_cast<int>(c.member_slots.size());
    const bool on = c.kind == Composite::Kind::kAll   ? count == n
                    : c.kind == Composite::Kind::kAny ? count > 0
                                                      : count >= c.at_least;
    if (!on) continue;
    fired[pack.rules.size() + i] = 1;
    if (c.category.empty()) {
      uncapped += c.weight;
    } else {
      add(c.category, c.weight);
    }
    result->rules.push_back(RuleHit{c.id, c.weight, {}});
  }

  int score = uncapped;
  for (const auto& [category, sum] : totals) {
    auto cap = pack.category_caps.find(*category);
    score += cap != pack.category_caps.end() && sum > cap->second ? cap->second : sum;
  }
  result->score = std::clamp(score, 0, 100);
  result->action = ActionFor(pack.thresholds, result->score);
}

}  // namespace centinela::rules
