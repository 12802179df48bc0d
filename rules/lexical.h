#pragma once
// The lexical layer: a learned correction to the rule score from the words of a message.
//
// Rules recognise the scams their authors thought of; each new writer phrases them a little
// differently, and the misses and false alarms of unseen text mostly sit 1 to 29 points from the
// review threshold. The layer is a logistic regression over the words and word pairs of the
// folded view, fitted (tests/data/fit_lexical.py) to every message of the labelled tuning sets
// with the rule score as a fixed offset, so it learns only what the rules leave out (and, from the
// many messages no rule fires on, which words are ordinary). Its weights are score points.
//
// How it scores a message (Engine does this after the rules are scored):
//   1. It applies only when the rules scored the message at least `min_score`: the wording alone
//      never flags a text the rules found nothing in.
//   2. points = bias + the weight of each distinct term (word or word pair) of the folded view.
//   3. Rounded to whole points, bounded to [-max_down, +max_up], added to the rule score (then
//      clamped to 0..100 again) and listed in the result as the rule `lexical` with that weight
//      and the spans of the terms that pulled the most in its direction.
//
// A term is a maximal run of the folded view's letters (a-z and ñ: the view is lower case and has
// no accents), digits and '$', with each run of digits written as one 0 ("$1,500" gives the terms
// "$0" and "0"). A word pair is two consecutive terms joined by one space.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/scan_result.h"
#include "rules/pack.h"

namespace centinela::rules {

// The id of the layer's entry in a result's rules; no rule or composite may take it.
inline constexpr std::string_view kLexicalRuleId = "lexical";

// The weight of the `lexical` entry of a result (the points the layer added), or 0.
int LexicalPoints(const ScanResult& result);

struct LexicalToken {
  uint32_t begin = 0;  // byte range in the folded view
  uint32_t end = 0;
  std::string text;  // with digit runs written as 0
};

// The terms of `folded` in order (the definition above), appended to *out after clearing it.
void LexicalTokens(std::string_view folded, std::vector<LexicalToken>* out);

// One term's part in a message's points.
struct LexicalTerm {
  std::string term;  // "word" or "word word"
  double points = 0;
  uint32_t begin = 0;  // first occurrence, byte range in the folded view
  uint32_t end = 0;
};

// Scores folded views against a pack's Lexical weights. Built once per pack; read-only after
// construction and safe to share between threads.
class LexicalScorer {
 public:
  // Fails if two of the terms hash to the same key (which would silently merge their weights).
  static Result<std::unique_ptr<const LexicalScorer>> Create(const Lexical& lexical);

  // The section's settings (min_score, bounds, bias, where); its term lists are left empty.
  const Lexical& settings() const { return settings_; }

  // The unbounded points of `folded` (bias plus the weight of each distinct term). When `top` is
  // not null it receives up to `top_n` terms with the largest weights in the direction of the
  // sum, largest first.
  double Points(std::string_view folded, std::vector<LexicalTerm>* top = nullptr,
                size_t top_n = 3) const;

  // Points rounded to whole points (half away from zero) and bounded to [-max_down, max_up].
  // Weights count in hundredths of a point (the pack's weights are rounded to them).
  int Bounded(double points) const;

 private:
  // An open-addressing table (linear probing, at most half full) keyed by the term's 64-bit
  // hash: one probe run per term of the text instead of a node walk.
  struct Slot {
    static constexpr uint32_t kFree = UINT32_MAX;
    uint64_t key = 0;
    int32_t hundredths = 0;  // of a point
    uint32_t term = kFree;   // index into terms_, for explanations; kFree marks an empty slot
  };
  LexicalScorer() = default;
  size_t SlotFor(uint64_t key) const;  // the slot holding `key`, or the free one it would take
  const Slot* Find(uint64_t key) const;  // null when no term has `key`

  Lexical settings_;
  std::vector<Slot> table_;
  size_t mask_ = 0;
  std::vector<std::string> terms_;
};

}  // namespace centinela::rules
