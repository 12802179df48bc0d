#include "rules/scorer.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <map>
#include <ranges>
#include <string>

namespace centinela::rules {

// Per-thread working memory of Sum, sized for the pack at hand.
class Scorer::State {
 public:
  static State& For(const Scorer& scorer) {
    thread_local State state;
    state.seen.assign(scorer.pack_.rules.size(), 0);
    state.members_fired.assign(scorer.pack_.composites.size(), 0);
    state.totals.assign(scorer.caps_.size(), 0);
    return state;
  }
  std::vector<uint8_t> seen;          // per rule: already counted
  std::vector<int> members_fired;     // per composite
  std::vector<int> totals;            // per category
};

Scorer::Scorer(const RulePack& pack) : pack_(pack) {
  std::map<std::string, int> categories;
  auto category_of = [&](const std::string& name) {
    auto [it, added] = categories.emplace(name, static_cast<int>(caps_.size()));
    if (added) {
      auto cap = pack.category_caps.find(name);
      caps_.push_back(cap == pack.category_caps.end() ? INT_MAX : cap->second);
    }
    return it->second;
  };
  auto sources_of = [&](const std::vector<std::string>& named) {
    uint64_t mask = 0;
    for (const std::string& name : named) {
      auto it = std::find(sources_.begin(), sources_.end(), name);
      if (it == sources_.end()) it = sources_.insert(sources_.end(), name);
      mask |= uint64_t{1} << (it - sources_.begin());  // at most kMaxSources names (LinkPack)
    }
    return mask;
  };
  const size_t rule_count = pack.rules.size();
  const size_t slot_count = rule_count + pack.composites.size();
  slots_.reserve(slot_count);
  for (const Rule& r : pack.rules) {
    slots_.push_back(Slot{r.weight, category_of(r.category), sources_of(r.sources)});
  }
  for (const Composite& c : pack.composites) {
    slots_.push_back(
        Slot{c.weight, c.category.empty() ? -1 : category_of(c.category), sources_of(c.sources)});
    const int n = static_cast<int>(c.member_slots.size());
    needed_.push_back(c.kind == Composite::Kind::kAll   ? n
                      : c.kind == Composite::Kind::kAny ? 1
                                                        : c.at_least);
  }
  // Composites by member slot, in composite order (counting sort).
  first_dependent_.assign(slot_count + 1, 0);
  for (const Composite& c : pack.composites) {
    for (uint32_t slot : c.member_slots) ++first_dependent_[slot + 1];
  }
  for (size_t s = 0; s < slot_count; ++s) first_dependent_[s + 1] += first_dependent_[s];
  dependents_.resize(first_dependent_.back());
  std::vector<uint32_t> next(first_dependent_.begin(), first_dependent_.end() - 1);
  for (uint32_t i = 0; i < pack.composites.size(); ++i) {
    for (uint32_t slot : pack.composites[i].member_slots) dependents_[next[slot]++] = i;
  }
}

uint64_t Scorer::SourceBit(std::string_view source) const {
  // Pack source names are lower case (LoadPack); a message's "Tip" is a tip.
  auto same = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) == y;
           });
  };
  for (size_t i = 0; i < sources_.size(); ++i) {
    if (same(source, sources_[i])) return uint64_t{1} << i;
  }
  return 0;  // a source no rule names (or none): only rules without `sources` count
}

// Sums the distinct rules in `rules` and the composites they set off (appended to `composites`
// when it is not null): category totals under their caps, uncategorized composites on top,
// clamped to 0..100. Rules and composites that do not count for the message's source
// (source_bit, from SourceBit) are left out as if they had not fired. With positive_only every
// negative weight is left out, which gives an upper bound of the score of any subset of the rules
// (composites fire on a superset of their members; caps and clamping are monotone).
template <typename Rules>
int Scorer::Sum(const Rules& rules, uint64_t source_bit, bool positive_only,
                std::vector<RuleHit>* composites) const {
  State& state = State::For(*this);
  int uncapped = 0;
  auto fire = [&](size_t slot) {
    const Slot& s = slots_[slot];
    if (!positive_only || s.weight > 0) {
      (s.category < 0 ? uncapped : state.totals[s.category]) += s.weight;
    }
    for (uint32_t k = first_dependent_[slot]; k < first_dependent_[slot + 1]; ++k) {
      ++state.members_fired[dependents_[k]];
    }
  };
  for (uint32_t r : rules) {
    if (state.seen[r] || !Counts(slots_[r], source_bit)) continue;
    state.seen[r] = 1;
    fire(r);
  }
  const size_t rule_count = pack_.rules.size();
  for (size_t i = 0; i < needed_.size(); ++i) {
    if (state.members_fired[i] < needed_[i]) continue;
    if (!Counts(slots_[rule_count + i], source_bit)) continue;
    fire(rule_count + i);  // members come first in pack order, so later composites see it
    if (composites) {
      const Composite& c = pack_.composites[i];
      composites->push_back(RuleHit{c.id, c.weight, {}});
    }
  }
  // Caps are 0..100 (LinkPack), so a category where nothing fired adds min(0, cap) = 0.
  int score = uncapped;
  for (size_t k = 0; k < caps_.size(); ++k) score += std::min(state.totals[k], caps_[k]);
  return std::clamp(score, 0, 100);
}

Action ActionFor(const Thresholds& thresholds, int score) {
  if (score >= thresholds.publish) return Action::kPublish;
  if (score >= thresholds.alert) return Action::kAlert;
  if (score >= thresholds.review) return Action::kReview;
  return Action::kNone;
}

void Scorer::Score(const std::vector<RuleMatch>& matches, std::string_view source,
                   ScanResult* result) const {
  result->rules.clear();
  result->score = 0;
  result->action = Action::kNone;
  if (matches.empty()) return;
  const uint64_t source_bit = SourceBit(source);
  for (const RuleMatch& m : matches) {
    if (!Counts(slots_[m.rule], source_bit)) continue;
    const Rule& rule = pack_.rules[m.rule];
    result->rules.push_back(RuleHit{rule.id, rule.weight, m.spans});
  }
  result->score = Sum(matches | std::views::transform(&RuleMatch::rule), source_bit, false,
                      &result->rules);
  result->action = ActionFor(pack_.thresholds, result->score);
}

int Scorer::UpperBound(const std::vector<uint32_t>& rules, std::string_view source) const {
  if (rules.empty()) return 0;
  return Sum(rules, SourceBit(source), true, nullptr);
}

}  // namespace centinela::rules
