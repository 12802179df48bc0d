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
uint64_t Fnv(uint64_t h, std::string_view bytes) {
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= kFnvPrime;
  }
  return h;
}
uint64_t UnigramKey(std::string_view a) { return Fnv(Fnv(kFnvOffset, "u:"), a); }
uint64_t BigramKey(std::string_view a, std::string_view b) {
  return Fnv(Fnv(Fnv(Fnv(kFnvOffset, "b:"), a), " "), b);
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
  size_t i = 0;
  while (i < folded.size()) {
    size_t n = TermCharLength(folded, i);
    if (n == 0) {
      ++i;
      continue;
    }
    LexicalToken token;
    token.begin = static_cast<uint32_t>(i);
    while (i < folded.size() && (n = TermCharLength(folded, i)) != 0) {
      if (IsDigit(folded[i])) {
        token.text.push_back('0');
        while (i < folded.size() && IsDigit(folded[i])) ++i;
      } else {
        token.text.append(folded.substr(i, n));
        i += n;
      }
    }
    token.end = static_cast<uint32_t>(i);
    out->push_back(std::move(token));
  }
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
  scorer->weights_.reserve(lexical.unigrams.size() + lexical.bigrams.size());
  auto add = [&](uint64_t key, const LexicalWeight& w) -> Status {
    const auto term = static_cast<uint32_t>(scorer->terms_.size());
    if (!scorer->weights_.emplace(key, Weight{Hundredths(w.points), term}).second) {
      return Error{lexical.where.ToString() + ": lexical: '" + w.term + "' and '" +
                   scorer->terms_[scorer->weights_.at(key).term] +
                   "' share a hash key; drop one of them"};
    }
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

double LexicalScorer::Points(std::string_view folded, std::vector<LexicalTerm>* top,
                             size_t top_n) const {
  std::vector<LexicalToken> tokens;
  LexicalTokens(folded, &tokens);
  struct Found {
    uint32_t term;
    int32_t hundredths;
    uint32_t begin, end;
  };
  std::vector<Found> found;  // every known term, with repeats
  auto look_up = [&](uint64_t key, uint32_t begin, uint32_t end) {
    const auto it = weights_.find(key);
    if (it != weights_.end())
      found.push_back(Found{it->second.term, it->second.hundredths, begin, end});
  };
  for (size_t i = 0; i < tokens.size(); ++i) {
    look_up(UnigramKey(tokens[i].text), tokens[i].begin, tokens[i].end);
    if (i + 1 < tokens.size()) {
      look_up(BigramKey(tokens[i].text, tokens[i + 1].text), tokens[i].begin, tokens[i + 1].end);
    }
  }
  // Each distinct term counts once, at its first occurrence.
  std::stable_sort(found.begin(), found.end(),
                   [](const Found& a, const Found& b) { return a.term < b.term; });
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
