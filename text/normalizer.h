#pragma once
// Normalization: the views of a text that rules scan, each with an offset map back to the
// original bytes (DESIGN.md section 5).
//
// Views:
//   raw     the original UTF-8 text, byte for byte (identity offsets).
//   folded  what scam text means once its disguises are removed: Unicode compatibility folding
//           and case folding; accents removed from vowels but `ñ` kept; zero-width and control
//           characters removed; Cyrillic/Greek homoglyphs mapped to Latin; digits and symbols
//           inside words read as letters (`n0tari0` -> `notario`, `gar4ntizado`), never in prices
//           or phone numbers; letters inside numbers read as digits (`$5OO` -> `$500`, and in
//           the digit groups of an amount: `$2,OOO` -> `$2,000`, `$5OO.OO` -> `$500.00`);
//           spaced or dotted single letters joined (`p e r m i s o`, `D.A.P.A` -> `permiso`,
//           `dapa`), where a wider gap between spaced letters is a word break
//           (`L o t e r i a  d e  v i s a s` -> `loteria de visas`, `P R E - R E G I S T R O`
//           -> `pre-registro`);
//           runs of three or more of one letter collapsed (`graaaatis` -> `gratis`) while
//           Spanish doubles (`rr`, `ll`, `cc`, `ee`, `oo`) stay; runs of white space become one
//           space; emoji and other pictographs are a word break. A letter is never mapped to
//           another letter. The exact rules (which digits are leet, what counts as a number,
//           when letters are joined) are documented in normalizer.cc.
//
// Thread safety: a Normalizer is immutable after construction and may be shared by threads.
// A Normalized is per thread; reuse one across messages to keep its buffers (no allocation in
// the steady state).
//
// Cost: an ASCII fast path handles pure-ASCII text without calling into utf8proc; budget is
// tens of nanoseconds per 100 bytes.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/scan_result.h"

namespace centinela::text {

enum class View : uint8_t { kRaw = 0, kFolded = 1 };
inline constexpr int kViewCount = 2;

std::string_view ViewName(View view);
std::optional<View> ParseView(std::string_view name);

// A derived view of a text and the map from each of its bytes to the original bytes it came
// from. begin[i] and end[i] delimit the original bytes that produced view byte i (several view
// bytes may share one original range, e.g. the two bytes of `ñ`; one view byte may cover several
// original bytes, e.g. a collapsed `aaaa`).
struct ViewText {
  std::string text;
  std::vector<uint32_t> begin;
  std::vector<uint32_t> end;

  // The original span covered by view bytes [view_begin, view_end). Requires
  // view_begin < view_end <= text.size(). The result always lies inside the original text.
  Span ToOriginal(uint32_t view_begin, uint32_t view_end) const {
    return Span{begin[view_begin], end[view_end - 1]};
  }
  void Clear() {
    text.clear();
    begin.clear();
    end.clear();
  }
};

// All views of one text. `original` points to the caller's text, which must outlive this object's
// use.
class Normalized {
 public:
  std::string_view original() const { return original_; }
  std::string_view view(View v) const {
    return v == View::kRaw ? original_ : std::string_view(folded_.text);
  }
  // Maps a span of a view back to the original text.
  Span ToOriginal(View v, uint32_t view_begin, uint32_t view_end) const {
    if (v == View::kRaw || view_begin >= view_end) return Span{view_begin, view_end};
    return folded_.ToOriginal(view_begin, view_end);
  }
  const ViewText& folded() const { return folded_; }

 private:
  friend class Normalizer;
  std::string_view original_;
  ViewText folded_;
  // Scratch for Normalizer: where the tokens that need more than folding start. Kept here so
  // that a reused Normalized does not allocate.
  std::vector<uint32_t> marks_;
};

class Normalizer {
 public:
  Normalizer();
  ~Normalizer();
  Normalizer(const Normalizer&) = delete;  // holds lookup tables; share by reference
  Normalizer& operator=(const Normalizer&) = delete;

  // Fills `out` with the views of `original`, which must be valid UTF-8 (the decoder checks).
  // Invalid sequences, if any reach here, are dropped from the folded view, never read past.
  void Normalize(std::string_view original, Normalized* out) const;
};

}  // namespace centinela::text
