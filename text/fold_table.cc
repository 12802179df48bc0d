#include "text/fold_table.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <utility>

namespace centinela::text::internal {
namespace {

// Look-alikes of Latin letters that compatibility decomposition leaves alone: Greek and
// Cyrillic letters used to slip past filters (`vіsа` with Cyrillic і and а), Latin small
// capitals (`ɢʀᴀᴛɪs`) and letters with a stroke. Each maps only to the Latin letter it is drawn
// like; letters that merely resemble a digit (Cyrillic з) are left alone. Sorted by code point.
constexpr std::pair<char32_t, char> kHomoglyphs[] = {
    {0x00D8, 'o'},  // Ø
    {0x00F8, 'o'},  // ø
    {0x0110, 'd'},  // Đ
    {0x0111, 'd'},  // đ
    {0x0126, 'h'},  // Ħ
    {0x0127, 'h'},  // ħ
    {0x0131, 'i'},  // ı dotless i
    {0x0138, 'k'},  // ĸ
    {0x0141, 'l'},  // Ł
    {0x0142, 'l'},  // ł
    {0x0166, 't'},  // Ŧ
    {0x0167, 't'},  // ŧ
    {0x0180, 'b'},  // ƀ
    {0x0197, 'i'},  // Ɨ
    {0x01B5, 'z'},  // Ƶ
    {0x01B6, 'z'},  // ƶ
    {0x0237, 'j'},  // ȷ dotless j
    {0x0251, 'a'},  // ɑ Latin alpha
    {0x0261, 'g'},  // ɡ script g
    {0x0262, 'g'},  // ɢ small capital G
    {0x0268, 'i'},  // ɨ
    {0x0269, 'i'},  // ɩ Latin iota
    {0x026A, 'i'},  // ɪ small capital I
    {0x0274, 'n'},  // ɴ
    {0x0280, 'r'},  // ʀ
    {0x028F, 'y'},  // ʏ
    {0x0299, 'b'},  // ʙ
    {0x029C, 'h'},  // ʜ
    {0x029F, 'l'},  // ʟ
    {0x0391, 'a'},  // Greek capitals: Α
    {0x0392, 'b'},  // Β
    {0x0395, 'e'},  // Ε
    {0x0396, 'z'},  // Ζ
    {0x0397, 'h'},  // Η
    {0x0399, 'i'},  // Ι
    {0x039A, 'k'},  // Κ
    {0x039C, 'm'},  // Μ
    {0x039D, 'n'},  // Ν
    {0x039F, 'o'},  // Ο
    {0x03A1, 'p'},  // Ρ
    {0x03A4, 't'},  // Τ
    {0x03A5, 'y'},  // Υ
    {0x03A7, 'x'},  // Χ
    {0x03B1, 'a'},  // Greek small: α
    {0x03B2, 'b'},  // β
    {0x03B3, 'y'},  // γ
    {0x03B5, 'e'},  // ε
    {0x03B7, 'n'},  // η
    {0x03B9, 'i'},  // ι
    {0x03BA, 'k'},  // κ
    {0x03BD, 'v'},  // ν
    {0x03BF, 'o'},  // ο
    {0x03C1, 'p'},  // ρ
    {0x03C4, 't'},  // τ
    {0x03C5, 'u'},  // υ
    {0x03C7, 'x'},  // χ
    {0x03C9, 'w'},  // ω
    {0x03F2, 'c'},  // ϲ lunate sigma
    {0x03F3, 'j'},  // ϳ
    {0x03F9, 'c'},  // Ϲ
    {0x0405, 's'},  // Cyrillic capitals: Ѕ
    {0x0406, 'i'},  // І
    {0x0408, 'j'},  // Ј
    {0x0410, 'a'},  // А
    {0x0412, 'b'},  // В
    {0x0415, 'e'},  // Е
    {0x041A, 'k'},  // К
    {0x041C, 'm'},  // М
    {0x041D, 'h'},  // Н
    {0x041E, 'o'},  // О
    {0x0420, 'p'},  // Р
    {0x0421, 'c'},  // С
    {0x0422, 't'},  // Т
    {0x0423, 'y'},  // У
    {0x0425, 'x'},  // Х
    {0x042C, 'b'},  // Ь
    {0x0430, 'a'},  // Cyrillic small: а
    {0x0432, 'b'},  // в
    {0x0433, 'r'},  // г
    {0x0435, 'e'},  // е
    {0x043A, 'k'},  // к
    {0x043C, 'm'},  // м
    {0x043D, 'h'},  // н
    {0x043E, 'o'},  // о
    {0x043F, 'n'},  // п
    {0x0440, 'p'},  // р
    {0x0441, 'c'},  // с
    {0x0442, 't'},  // т
    {0x0443, 'y'},  // у
    {0x0445, 'x'},  // х
    {0x044C, 'b'},  // ь
    {0x0455, 's'},  // ѕ
    {0x0456, 'i'},  // і
    {0x0458, 'j'},  // ј
    {0x04AE, 'y'},  // Ү
    {0x04AF, 'y'},  // ү
    {0x04BA, 'h'},  // Һ
    {0x04BB, 'h'},  // һ
    {0x04C0, 'l'},  // Ӏ palochka: drawn as a bare stem, used for `l` and `I`; never `i`
    {0x04CF, 'l'},  // ӏ
    {0x0500, 'd'},  // Ԁ
    {0x0501, 'd'},  // ԁ
    {0x051A, 'q'},  // Ԛ
    {0x051B, 'q'},  // ԛ
    {0x051C, 'w'},  // Ԝ
    {0x051D, 'w'},  // ԝ
    {0x1D00, 'a'},  // Latin small capitals: ᴀ
    {0x1D04, 'c'},  // ᴄ
    {0x1D05, 'd'},  // ᴅ
    {0x1D07, 'e'},  // ᴇ
    {0x1D0A, 'j'},  // ᴊ
    {0x1D0B, 'k'},  // ᴋ
    {0x1D0D, 'm'},  // ᴍ
    {0x1D0F, 'o'},  // ᴏ
    {0x1D18, 'p'},  // ᴘ
    {0x1D1B, 't'},  // ᴛ
    {0x1D1C, 'u'},  // ᴜ
    {0x1D20, 'v'},  // ᴠ
    {0x1D21, 'w'},  // ᴡ
    {0x1D22, 'z'},  // ᴢ
    {0xA731, 's'},  // ꜱ
};

static_assert(std::is_sorted(std::begin(kHomoglyphs), std::end(kHomoglyphs)),
              "kHomoglyphs must be sorted for binary search");

bool IsMark(utf8proc_category_t category) {
  return category == UTF8PROC_CATEGORY_MN || category == UTF8PROC_CATEGORY_MC ||
         category == UTF8PROC_CATEGORY_ME;
}

bool IsSeparator(utf8proc_category_t category) {
  return category == UTF8PROC_CATEGORY_ZS || category == UTF8PROC_CATEGORY_ZL ||
         category == UTF8PROC_CATEGORY_ZP;
}

// Pictographs, emoji and code points without a glyph we could read: a word break.
bool IsSymbolBreak(utf8proc_category_t category) {
  return category == UTF8PROC_CATEGORY_SO || category == UTF8PROC_CATEGORY_SK ||
         category == UTF8PROC_CATEGORY_CO || category == UTF8PROC_CATEGORY_CN;
}

// Appends folded code points, cutting at a character boundary when full.
class Writer {
 public:
  explicit Writer(char* out) : out_(out) {}
  int size() const { return size_; }
  bool last_is_n() const { return size_ > 0 && out_[size_ - 1] == 'n'; }
  bool only_spaces() const {
    return std::all_of(out_, out_ + size_, [](char c) { return c == ' '; });
  }
  void Ascii(char c) {
    if (size_ < kMaxFoldedBytes) out_[size_++] = c;
  }
  void Enye() {  // replaces the trailing `n` by `ñ`
    if (size_ + 1 > kMaxFoldedBytes) return;
    out_[size_ - 1] = static_cast<char>(0xC3);
    out_[size_++] = static_cast<char>(0xB1);
  }
  void Codepoint(utf8proc_int32_t cp) {
    utf8proc_uint8_t buf[4];
    const utf8proc_ssize_t n = utf8proc_encode_char(cp, buf);
    if (n <= 0 || size_ + n > kMaxFoldedBytes) return;
    for (utf8proc_ssize_t i = 0; i < n; ++i) out_[size_++] = static_cast<char>(buf[i]);
  }

 private:
  char* out_;
  int size_ = 0;
};

// One code point of a decomposition, after case folding.
void AppendFolded(utf8proc_int32_t cp, Writer* w) {
  if (cp < 0x80) {
    // Decompositions yield only printable ASCII and space; fold case here as a safeguard.
    if (cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
    if (cp >= 0x20 && cp < 0x7F) w->Ascii(static_cast<char>(cp));
    return;
  }
  // No homoglyph lookup here: this is a case-folded code point, and a capital that is not a
  // look-alike (Cyrillic Г) must not become one through its small form (г looks like r).
  if (cp == 0x0303 && w->last_is_n()) {
    w->Enye();
    return;
  }
  const utf8proc_property_t* prop = utf8proc_get_property(cp);
  const auto category = static_cast<utf8proc_category_t>(prop->category);
  if (IsMark(category) || prop->ignorable || category == UTF8PROC_CATEGORY_CC ||
      category == UTF8PROC_CATEGORY_CF || category == UTF8PROC_CATEGORY_CS) {
    return;
  }
  if (IsSeparator(category) || IsSymbolBreak(category)) {
    w->Ascii(' ');
    return;
  }
  w->Codepoint(cp);
}

// Enclosed letters with no decomposition (🅐 negative circled, 🅰 negative squared) are
// written as letters in emoji-styled spam.
char EnclosedLetterOf(char32_t cp) {
  if (cp >= 0x1F150 && cp <= 0x1F169) return static_cast<char>('a' + (cp - 0x1F150));
  if (cp >= 0x1F170 && cp <= 0x1F189) return static_cast<char>('a' + (cp - 0x1F170));
  return 0;
}

}  // namespace

char HomoglyphOf(char32_t cp) {
  if (cp < kHomoglyphs[0].first) return 0;
  const auto* it = std::lower_bound(
      std::begin(kHomoglyphs), std::end(kHomoglyphs), cp,
      [](const std::pair<char32_t, char>& entry, char32_t key) { return entry.first < key; });
  if (it != std::end(kHomoglyphs) && it->first == cp) return it->second;
  return EnclosedLetterOf(cp);
}

FoldResult FoldCodepoint(char32_t cp, char* out) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {FoldAction::kDrop, 0};
  if (const char h = HomoglyphOf(cp)) {
    out[0] = h;
    return {FoldAction::kEmit, 1};
  }
  const auto icp = static_cast<utf8proc_int32_t>(cp);
  const utf8proc_property_t* prop = utf8proc_get_property(icp);
  const auto category = static_cast<utf8proc_category_t>(prop->category);
  if (cp == 0x0303) return {FoldAction::kTilde, 0};
  if (IsMark(category)) return {FoldAction::kMark, 0};
  // U+0085 NEXT LINE is a control character that means a line break.
  if (cp == 0x0085) return {FoldAction::kSpace, 0};
  if (prop->ignorable || category == UTF8PROC_CATEGORY_CC || category == UTF8PROC_CATEGORY_CF) {
    return {FoldAction::kDrop, 0};
  }
  if (IsSeparator(category)) return {FoldAction::kSpace, 0};

  // Decompose without case folding first so that the case-aware homoglyph table sees the
  // original letters (Greek `Η` is `h`, `η` is `n`), then case-fold each part.
  constexpr utf8proc_ssize_t kBuf = 32;
  utf8proc_int32_t parts[kBuf];
  const auto decompose =
      static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_LUMP);
  utf8proc_ssize_t n = utf8proc_decompose_char(icp, parts, kBuf, decompose, nullptr);
  if (n < 0 || n > kBuf) {
    parts[0] = icp;
    n = 1;
  }
  if (n == 1 && parts[0] == icp && IsSymbolBreak(category)) return {FoldAction::kSpace, 0};

  Writer w(out);
  const auto fold = static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT |
                                                   UTF8PROC_LUMP | UTF8PROC_CASEFOLD);
  for (utf8proc_ssize_t i = 0; i < n; ++i) {
    if (parts[i] >= 0x80) {
      if (const char h = HomoglyphOf(static_cast<char32_t>(parts[i]))) {
        w.Ascii(h);
        continue;
      }
    }
    utf8proc_int32_t folded[kBuf];
    const utf8proc_ssize_t m = utf8proc_decompose_char(parts[i], folded, kBuf, fold, nullptr);
    if (m < 0 || m > kBuf) {
      AppendFolded(parts[i], &w);
      continue;
    }
    for (utf8proc_ssize_t j = 0; j < m; ++j) AppendFolded(folded[j], &w);
  }
  if (w.size() == 0) return {FoldAction::kDrop, 0};
  if (w.only_spaces()) return {FoldAction::kSpace, 0};
  return {FoldAction::kEmit, static_cast<uint8_t>(w.size())};
}

const FoldTable& FoldTable::Get() {
  static const FoldTable* const table = new FoldTable();  // never destroyed: no exit-order race
  return *table;
}

FoldTable::FoldTable() : bmp_(0x10000, 0) {
  pool_.reserve(1 << 18);
  for (int c = 0; c < 0x80; ++c) pool_.push_back(static_cast<char>(c));
  char buf[kMaxFoldedBytes];
  for (char32_t cp = 0x80; cp <= 0xFFFF; ++cp) {
    const FoldResult r = FoldCodepoint(cp, buf);
    uint32_t offset = 0;
    if (r.size == 1 && static_cast<unsigned char>(buf[0]) < 0x80) {
      offset = static_cast<unsigned char>(buf[0]);  // share the ASCII prefix
    } else if (r.size > 0) {
      offset = static_cast<uint32_t>(pool_.size());
      pool_.append(buf, r.size);
    }
    // The pool stays far below 2^23 bytes (64K code points, at most 63 bytes each would need
    // 4 MiB); the check documents the packing limit.
    if (offset >= (1u << (32 - kOffsetShift))) std::abort();
    bmp_[cp] = static_cast<uint32_t>(r.action) | (static_cast<uint32_t>(r.size) << kSizeShift) |
               (offset << kOffsetShift);
  }
}

FoldResult FoldTable::FoldSupplementary(char32_t cp, char* scratch) {
  // Emoji and pictograph blocks (U+1F300..U+1FAFF): symbols, emoji modifiers or unassigned,
  // all of them a word break. Skipping utf8proc keeps emoji-heavy posts cheap.
  if (cp >= 0x1F300 && cp <= 0x1FAFF) return {FoldAction::kSpace, 0};
  return FoldCodepoint(cp, scratch);
}

}  // namespace centinela::text::internal
