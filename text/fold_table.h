#pragma once
// Per-code-point folding for the `folded` view (internal to text/).
//
// FoldCodepoint() says what one non-ASCII code point becomes: compatibility decomposition
// (NFKD) with case folding and lumping (utf8proc), combining marks dropped, `n` + U+0303 kept
// as `ñ`, Cyrillic/Greek/small-capital look-alikes mapped to Latin letters, default-ignorable,
// control and format characters dropped, white space, emoji and other pictographic symbols
// turned into a word break.
//
// FoldTable caches FoldCodepoint() for the whole Basic Multilingual Plane so the data path
// never calls utf8proc for BMP text (all of Spanish, Greek, Cyrillic, curly quotes, dashes,
// zero-width characters); code points above U+FFFF (emoji, mathematical letters) are folded
// on the fly. The table is built once per process (~256 KiB + pool) and is immutable, so it is
// shared by all threads without locking.
#include <cstdint>
#include <string>
#include <vector>

namespace centinela::text::internal {

enum class FoldAction : uint8_t {
  kEmit = 0,   // append the folded bytes (which may contain ASCII spaces: word breaks)
  kDrop = 1,   // remove: default-ignorable (zero-width, soft hyphen, BOM...), control, format
  kSpace = 2,  // a word break: white space, emoji, pictographs, private use, unassigned
  kMark = 3,   // combining mark: removed; its bytes join the previous character's span
  kTilde = 4,  // U+0303: turns a directly preceding `n` into `ñ`; otherwise like kMark
};

// Longest folded output of one code point. The longest compatibility decomposition in Unicode
// (U+FDFA, 18 Arabic code points) needs 33 bytes here; longer results are cut at a character
// boundary.
inline constexpr int kMaxFoldedBytes = 63;

struct FoldResult {
  FoldAction action = FoldAction::kDrop;
  uint8_t size = 0;  // bytes written to `out` (kEmit only)
};

// Folds `cp` (>= 0x80, a Unicode scalar value) into `out`, which holds kMaxFoldedBytes bytes.
// The output is valid UTF-8 in lower case. Calls utf8proc: use FoldTable on the data path.
FoldResult FoldCodepoint(char32_t cp, char* out);

// The Latin letter a look-alike code point stands for, or 0. Case-aware on purpose: Greek
// capital eta `Η` looks like `h`, small eta `η` like `n`.
char HomoglyphOf(char32_t cp);

class FoldTable {
 public:
  // The process-wide table, built on first use (thread-safe static initialization).
  static const FoldTable& Get();

  // Folds `cp` (>= 0x80). Sets `*bytes` to the folded bytes (in the table, or in `scratch`
  // for code points above U+FFFF). Costs one table load for the BMP.
  FoldResult Lookup(char32_t cp, const char** bytes, char* scratch) const {
    if (cp <= 0xFFFF) {
      const uint32_t entry = bmp_[cp];
      *bytes = pool_.data() + (entry >> kOffsetShift);
      return FoldResult{static_cast<FoldAction>(entry & kActionMask),
                        static_cast<uint8_t>((entry >> kSizeShift) & kSizeMask)};
    }
    *bytes = scratch;
    return FoldSupplementary(cp, scratch);
  }

  FoldTable(const FoldTable&) = delete;
  FoldTable& operator=(const FoldTable&) = delete;

 private:
  FoldTable();
  static FoldResult FoldSupplementary(char32_t cp, char* scratch);

  // Entry layout: action in bits 0-2, size in bits 3-8, pool offset in bits 9-31.
  static constexpr uint32_t kActionMask = 0x7;
  static constexpr int kSizeShift = 3;
  static constexpr uint32_t kSizeMask = 0x3F;
  static constexpr int kOffsetShift = 9;

  std::vector<uint32_t> bmp_;  // 65536 entries
  std::string pool_;           // folded bytes; starts with the 128 ASCII bytes (shared)
};

}  // namespace centinela::text::internal
