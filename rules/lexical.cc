#include "rules/lexical.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace centinela::rules {
namespace {

// The byte length of a term character starting at s[i], or 0 when s[i] does not start one. The
// folded view has no accents left but keeps ñ (text/normalizer.h).
size_t TermCharLength(std::string_view s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '$') return 1;
  if (c == 0xC3 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xB1) return 2;
  return 0;
}

// Weights are summed in whole hundredths of a point, so the sum is exact and does not depend on
// the order of the terms (tests/data/fit_lexical.py predicts the same scores).
int32_t Hundredths(double points) { return static_cast<int32_t>(std::lround(points * 100)); }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// FNV-1a, 64 bits: the term tables' key. Unigrams and pairs hash with different prefixes.
constexpr uint64_t kFnvOffset = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;
constexpr uint64_t FnvByte(uint64_t h, char c) {
  return (h ^ static_cast<unsigned char>(c)) * kFnvPrime;
}
constexpr uint64_t Fnv(uint64_t h, std::string_view bytes) {
  for (const char c : bytes) h = FnvByte(h, c);
  return h;
}
constexpr uint64_t kUnigramSeed = Fnv(kFnvOffset, "u:");
constexpr uint64_t kBigramSeed = Fnv(kFnvOffset, "b:");

// Walks the terms of `folded` (the definition in lexical.h): calls on_byte(c) for each byte of a
// term as it is written (a digit run as one '0') and on_end(begin, end) after each term.
template <typename OnByte, typename OnEnd>
void ForEachTerm(std::string_view folded, OnByte on_byte, OnEnd on_end) {
  size_t i = 0;
  while (i < folded.size()) {
    size_t n = TermCharLength(folded, i);
    if (n == 0) {
      ++i;
      continue;
    }
    const size_t begin = i;
    while (i < folded.size() && (n = TermCharLength(folded, i)) != 0) {
      if (IsDigit(folded[i])) {
        on_byte('0');
        while (i < folded.size() && IsDigit(folded[i])) ++i;
      } else {
        for (size_t k = 0; k < n; ++k) on_byte(folded[i + k]);
        i += n;
      }
    }
    on_end(static_cast<uint32_t>(begin), static_cast<uint32_t>(i));
  }
}

// The keys of a word and of a word pair (Points computes the same keys byte by byte).
uint64_t UnigramKey(std::string_view a) { return Fnv(kUnigramSeed, a); }
uint64_t BigramKey(std::string_view a, std::string_view b) {
  return Fnv(Fnv(Fnv(kBigramSeed, a), " "), b);
}

}  // namespace

int LexicalPoints(const ScanResult& result) {
  for (const RuleHit& hit : result.rules) {
    if (hit.id == kLexicalRuleId) return hit.weight;
  }
  return 0;
}

void LexicalTokens(std::string_view folded, std::vector<LexicalToken>* out) {
  out->clear();
  std::string text;
  ForEachTerm(
      folded, [&](char c) { text.push_back(c); },
      [&](uint32_t begin, uint32_t end) {
        out->push_back(LexicalToken{begin, end, std::move(text)});
        text.clear();
      });
}

Result<std::unique_ptr<const LexicalScorer>> LexicalScorer::Create(const Lexical& lexical) {
  std::unique_ptr<LexicalScorer> scorer(new LexicalScorer());
  Lexical& settings = scorer->settings_;
  settings.min_score = lexical.min_score;
  settings.max_up = lexical.max_up;
  settings.max_down = lexical.max_down;
  settings.bias = lexical.bias;
  settings.description = lexical.description;
  settings.where = lexical.where;
  size_t capacity = 16;  // a power of two, at least twice the terms: short probe runs
  while (capacity < 2 * (lexical.unigrams.size() + lexical.bigrams.size())) capacity *= 2;
  scorer->table_.assign(capacity, Slot{});
  scorer->mask_ = capacity - 1;
  auto add = [&](uint64_t key, const LexicalWeight& w) -> Status {
    Slot& slot = scorer->table_[scorer->SlotFor(key)];
    if (slot.term != Slot::kFree) {
      return Error{lexical.where.ToString() + ": lexical: '" + w.term + "' and '" +
                   scorer->terms_[slot.term] + "' share a hash key; drop one of them"};
    }
    slot = Slot{key, Hundredths(w.points), static_cast<uint32_t>(scorer->terms_.size())};
    scorer->terms_.push_back(w.term);
    return Status::Ok();
  };
  for (const LexicalWeight& w : lexical.unigrams) {
    if (Status s = add(UnigramKey(w.term), w); !s.ok()) return s.error();
  }
  for (const LexicalWeight& w : lexical.bigrams) {
    const std::string_view term = w.term;
    const size_t space = term.find(' ');  // the pack's loader checked there is exactly one
    if (Status s = add(BigramKey(term.substr(0, space), term.substr(space + 1)), w); !s.ok()) {
      return s.error();
    }
  }
  return std::unique_ptr<const LexicalScorer>(std::move(scorer));
}

size_t LexicalScorer::SlotFor(uint64_t key) const {
  // Linear probing from a mix of the key's bits; the table is at most half full, so a free slot
  // ends every run.
  size_t i = static_cast<size_t>((key ^ (key >> 29)) & mask_);
  while (table_[i].term != Slot::kFree && table_[i].key != key) i = (i + 1) & mask_;
  return i;
}

const LexicalScorer::Slot* LexicalScorer::Find(uint64_t key) const {
  const Slot& slot = table_[SlotFor(key)];
  return slot.term == Slot::kFree ? nullptr : &slot;
}

double LexicalScorer::Points(std::string_view folded, std::vector<LexicalTerm>* top,
                             size_t top_n) const {
  struct Found {
    uint32_t term;
    int32_t hundredths;
    uint32_t begin, end;
  };
  std::vector<Found> found;  // every known term, with repeats
  auto look_up = [&](uint64_t key, uint32_t begin, uint32_t end) {
    if (const Slot* slot = Find(key)) {
      found.push_back(Found{slot->term, slot->hundredths, begin, end});
    }
  };
  // The keys are hashed as the bytes go by: the word's, the pair that ends with it (continuing
  // from the previous word and a space) and the start of the pair that begins with it.
  uint64_t word = kUnigramSeed, pair = 0, next_pair = kBigramSeed;
  bool after_word = false;
  uint32_t previous_begin = 0;
  ForEachTerm(
      folded,
      [&](char c) {
        word = FnvByte(word, c);
        pair = FnvByte(pair, c);
        next_pair = FnvByte(next_pair, c);
      },
      [&](uint32_t begin, uint32_t end) {
        look_up(word, begin, end);
        if (after_word) look_up(pair, previous_begin, end);
        pair = FnvByte(next_pair, ' ');
        next_pair = kBigramSeed;
        word = kUnigramSeed;
        after_word = true;
        previous_begin = begin;
      });
  // Each distinct term counts once, at its first occurrence (lowest begin).
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
    return a.term != b.term ? a.term < b.term : a.begin < b.begin;
  });
  found.erase(std::unique(found.begin(), found.end(),
                          [](const Found& a, const Found& b) { return a.term == b.term; }),
              found.end());
  int64_t sum = Hundredths(settings_.bias);  // exact, in any order
  for (const Found& f : found) sum += f.hundredths;
  const double points = static_cast<double>(sum) / 100;
  if (top != nullptr) {
    top->clear();
    const double sign = points < 0 ? -1.0 : 1.0;
    std::sort(found.begin(), found.end(), [&](const Found& a, const Found& b) {
      if (a.hundredths != b.hundredths) return sign * a.hundredths > sign * b.hundredths;
      return a.begin < b.begin;
    });
    for (const Found& f : found) {
      if (top->size() == top_n || sign * f.hundredths <= 0) break;
      top->push_back(LexicalTerm{terms_[f.term], f.hundredths / 100.0, f.begin, f.end});
    }
  }
  return points;
}

int LexicalScorer::Bounded(double points) const {
  // Whole hundredths first (Points sums them exactly), then half away from zero.
  const long hundredths = std::lround(points * 100);
  const long whole = (std::labs(hundredths) + 50) / 100 * (hundredths < 0 ? -1 : 1);
  return static_cast<int>(std::clamp<long>(whole, -settings_.max_down, settings_.max_up));
}

}  // namespace centinela::rules
