#include "rules/scorer.h"

#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>

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

  std::unordered_map<std::string_view, bool> fired;
  fired.reserve(matches.size() + pack.composites.size());
  for (const RuleMatch& m : matches) {
    const Rule& rule = pack.rules[m.rule];
    fired[rule.id] = true;
    add(rule.category, rule.weight);
    result->rules.push_back(RuleHit{rule.id, rule.weight, m.spans});
  }
  for (const Composite& c : pack.composites) {
    int count = 0;
    for (const std::string& member : c.members) count += fired.count(member) ? 1 : 0;
    const int n = static_cast<int>(c.members.size());
    const bool on = c.kind == Composite::Kind::kAll   ? count == n
                    : c.kind == Composite::Kind::kAny ? count > 0
                                                      : count >= c.at_least;
    if (!on) continue;
    fired[c.id] = true;
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
