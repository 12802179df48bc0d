#pragma once
// Scoring: from the rules that fired to a score and an action (DESIGN.md section 3).
//
//   1. Each distinct rule that fired adds its weight once, however often it matched.
//   2. Composites, in pack order, fire when their members did (all / any / at least N; members
//      are rules or composites defined above) and add their weight on top.
//   3. Each category's total is bounded by `category_caps` (positive totals only; evidence of
//      legitimacy is never capped). Composites without a category are not capped.
//   4. The sum is clamped to 0..100 and mapped to an action by the pack's thresholds.
// A rule or composite with `sources` counts only for messages from one of those sources; for any
// other message it is as if it had not fired (in 1, 2 and the result's rule list).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/scan_result.h"
#include "rules/matcher.h"
#include "rules/pack.h"

namespace centinela::rules {

// Scores against one linked pack (LinkPack). Built once per pack: categories become small
// integers and every rule or composite knows the composites it is a member of, so a score is a
// pass over the rules that fired, one over the composites' member counts and one over the
// categories: integer work, no string compares, no walk over the rules that did not fire.
// Read-only after construction; safe to share between threads. The pack must outlive the scorer
// and not change.
class Scorer {
 public:
  explicit Scorer(const RulePack& pack);
  Scorer(const Scorer&) = delete;  // holds a reference to the pack; build one per pack
  Scorer& operator=(const Scorer&) = delete;

  // Fills result->score, ->action and ->rules (rules that fired with their spans, then the
  // composites that fired, in pack order, without spans) for a message from `source` (the
  // message's `source` field; empty when it has none). Entities and campaign key are left alone.
  // A rule listed twice in `matches` counts once.
  void Score(const std::vector<RuleMatch>& matches, std::string_view source,
             ScanResult* result) const;

  // The most any subset of `rules` (indices in RulePack::rules, in any order, repeats allowed)
  // could score for a message from `source`: the score with every negative weight left out.
  // Below the review threshold, none of those subsets can reach review, whichever of them really
  // fired.
  int UpperBound(const std::vector<uint32_t>& rules, std::string_view source) const;

  // Whether the rule (index in RulePack::rules) or composite (rules.size() + its index) counts for
  // a message from `source`: it has no `sources`, or names this one (compared without case).
  bool CountsFor(uint32_t slot, std::string_view source) const {
    return Counts(slots_[slot], SourceBit(source));
  }

 private:
  struct Slot {
    int weight;
    int category;      // index into caps_, or -1 for a composite without a category
    uint64_t sources;  // bits of sources_ it counts for; 0: every message
  };
  static bool Counts(const Slot& slot, uint64_t source_bit) {
    return slot.sources == 0 || (slot.sources & source_bit) != 0;
  }
  uint64_t SourceBit(std::string_view source) const;
  class State;
  template <typename Rules>
  int Sum(const Rules& rules, uint64_t source_bit, bool positive_only,
          std::vector<RuleHit>* composites) const;

  const RulePack& pack_;
  std::vector<Slot> slots_;           // the pack's rules, then its composites
  std::vector<int> caps_;             // per category; INT_MAX where the pack sets no cap
  std::vector<std::string> sources_;  // the sources the pack names, in order of first mention
  std::vector<int> needed_;           // per composite: members that must fire (all, any, N)
  // The composites (by index) that list slot s as a member:
  // dependents_[first_dependent_[s] .. first_dependent_[s + 1]).
  std::vector<uint32_t> dependents_;
  std::vector<uint32_t> first_dependent_;
};

Action ActionFor(const Thresholds& thresholds, int score);

}  // namespace centinela::rules
