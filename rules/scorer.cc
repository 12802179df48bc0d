#include "rules/scorer.h"

#include <algorithm>
#include <string>

namespace centinela::rules {
namespace {

// Sums the rules marked in fired[0, rules.size()) and the composites they set off (marked in
// fired[rules.size() + i], and appended to `composites` when it is not null): category totals
// under their caps, uncategorized composites on top, clamped to 0..100. With positive_only every
// negative weight is left out, which gives an upper bound of the score of any subset of the
// marked rules (composites fire on a superset of their members; caps and clamping are monotone).
int Sum(const RulePack& pack, std::vector<uint8_t>& fired, bool positive_only,
        std::vector<RuleHit>* composites) {
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
  auto counts = [positive_only](int weight) { return !positive_only || weight > 0; };
  for (size_t r = 0; r < pack.rules.size(); ++r) {
    if (fired[r] && counts(pack.rules[r].weight)) add(pack.rules[r].category, pack.rules[r].weight);
  }
  int uncapped = 0;
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
    if (composites) composites->push_back(RuleHit{c.id, c.weight, {}});
    if (!counts(c.weight)) continue;
    if (c.category.empty()) {
      uncapped += c.weight;
    } else {
      add(c.category, c.weight);
    }
  }
  int score = uncapped;
  for (const auto& [category, sum] : totals) {
    auto cap = pack.category_caps.find(*category);
    score += cap != pack.category_caps.end() && sum > cap->second ? cap->second : sum;
  }
  return std::clamp(score, 0, 100);
}

// fired[slot] for the pack's rules then its composites (Composite::member_slots), all clear.
std::vector<uint8_t>& ClearedSlots(const RulePack& pack) {
  thread_local std::vector<uint8_t> fired;
  fired.assign(pack.rules.size() + pack.composites.size(), 0);
  return fired;
}

}  // namespace

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
  std::vector<uint8_t>& fired = ClearedSlots(pack);
  for (const RuleMatch& m : matches) {
    const Rule& rule = pack.rules[m.rule];
    fired[m.rule] = 1;
    result->rules.push_back(RuleHit{rule.id, rule.weight, m.spans});
  }
  result->score = Sum(pack, fired, false, &result->rules);
  result->action = ActionFor(pack.thresholds, result->score);
}

int ScoreUpperBound(const RulePack& pack, const std::vector<uint32_t>& rules) {
  if (rules.empty()) return 0;
  std::vector<uint8_t>& fired = ClearedSlots(pack);
  for (uint32_t r : rules) fired[r] = 1;
  return Sum(pack, fired, true, nullptr);
}

}  // namespace centinela::rules
