#pragma once
// Scoring: from the rules that fired to a score and an action (DESIGN.md section 3).
//
//   1. Each distinct rule that fired adds its weight once, however often it matched.
//   2. Composites, in pack order, fire when their members did (all / any / at least N; members
//      are rules or composites defined above) and add their weight on top.
//   3. Each category's total is bounded by `category_caps` (positive totals only; evidence of
//      legitimacy is never capped). Composites without a category are not capped.
//   4. The sum is clamped to 0..100 and mapped to an action by the pack's thresholds.
#include <cstdint>
#include <vector>

#include "common/scan_result.h"
#include "rules/matcher.h"
#include "rules/pack.h"

namespace centinela::rules {

// Fills result->score, ->action and ->rules (rules that fired with their spans, then the
// composites that fired, without spans). Entities and campaign key are left alone.
void Score(const RulePack& pack, const std::vector<RuleMatch>& matches, ScanResult* result);

// The most any subset of `rules` (indices in RulePack::rules, in any order) could score: the
// score with every negative weight left out. Below the review threshold, none of those subsets
// can reach review, whichever of them really fired.
int ScoreUpperBound(const RulePack& pack, const std::vector<uint32_t>& rules);

Action ActionFor(const Thresholds& thresholds, int score);

}  // namespace centinela::rules
