#include "text/normalizer.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "text/fold_table.h"

// The folded view is built in two passes over one set of buffers (text, begin, end):
//
//  1. Fold (FoldCharacters): one step per original character. ASCII is lower-cased through a
//     table, 16 bytes at a time where it is printable (SSE2), and never reaches utf8proc; any
//     other code point goes through FoldTable (compatibility + case folding, accents dropped
//     but `ñ` kept, homoglyphs, zero-width and control characters dropped, emoji as a word
//     break). White space runs become one space, trimmed at both ends. On the way it marks the
//     tokens (runs between spaces) that may need more: those with a digit, punctuation other
//     than , ; ! ?, a non-ASCII character that does not fold to a plain letter, three equal
//     bytes in a row, or a single character. Most words are plain and never looked at again.
//  2. Read (ReadMarkedTokens): only the marked tokens. Spelled-out letters are joined
//     (`p e r m i s o`, `d.a.p.a`; TryJoin), each token is cut into segments of letters,
//     digits and in-word `@`/`$`, a segment is read as a leet word, a number or left alone
//     (ClassifySegment; a segment after a number and `,`/`.` may be one of its digit groups,
//     `$2,OOO`), and runs of three or more of one letter are collapsed. Where pass 1 made
//     different white space look the same (one space), TryJoin compares the original bytes the
//     spaces came from (through the offsets) to tell a letter separator from a word break.
//
// Pass 2 only ever shortens the text, so it works in place: the write cursor never passes the
// read cursor, and decisions only look at bytes at or after the read cursor, which still hold
// pass 1's output. Every view byte carries the original span it came from; spans are
// non-decreasing in both begin and end, which is what makes ToOriginal() of a view range cover
// exactly the original text the range was made from.

namespace centinela::text {

std::string_view ViewName(View view) {
  switch (view) {
    case View::kRaw:
      return "raw";
    case View::kFolded:
      return "folded";
  }
  return "unknown";
}

std::optional<View> ParseView(std::string_view name) {
  if (name == "raw") return View::kRaw;
  if (name == "folded") return View::kFolded;
  return std::nullopt;
}

namespace {

using internal::FoldAction;
using internal::FoldResult;
using internal::FoldTable;

// Spare room past the input size so that the common case never grows the buffers.
constexpr size_t kSlack = 16;

// ASCII byte -> folded byte in the low 8 bits: 0 for a control character (dropped), ' ' for
// white space, otherwise the byte in lower case. Bit 8 marks bytes that make a token worth a
// second look in pass 2: digits and punctuation, except the , ; ! ? that end so many words.
constexpr uint16_t kAsciiMark = 0x100;
constexpr std::array<uint16_t, 128> kAsciiFold = [] {
  std::array<uint16_t, 128> table{};
  for (int c = 0x21; c < 0x7F; ++c) {
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool quiet = letter || c == ',' || c == ';' || c == '!' || c == '?';
    table[c] = static_cast<uint16_t>((c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c) |
                                     (quiet ? 0 : kAsciiMark));
  }
  for (char c : {' ', '\t', '\n', '\v', '\f', '\r'}) table[static_cast<unsigned char>(c)] = ' ';
  return table;
}();

// Leetspeak read inside words. 2, 6, 8 and 9 are left out: in this traffic they are far more
// often part of a code (`H2A`, `covid19`, `G-28`) than a disguised letter, and `8` for `b` is
// rare in Spanish spam. `1` is `i` or `l` depending on its neighbours (ReadLeet).
constexpr std::array<char, 256> kLeetLetter = [] {
  std::array<char, 256> table{};
  table['0'] = 'o';
  table['1'] = 'i';
  table['3'] = 'e';
  table['4'] = 'a';
  table['5'] = 's';
  table['7'] = 't';
  table['@'] = 'a';
  table['$'] = 's';
  return table;
}();

// Byte flags for the verbatim check of a token.
constexpr uint8_t kTokSpace = 1;
constexpr uint8_t kTokAt = 2;
constexpr uint8_t kTokColon = 4;
constexpr uint8_t kTokDot = 8;
constexpr std::array<uint8_t, 256> kTokenFlags = [] {
  std::array<uint8_t, 256> table{};
  table[' '] = kTokSpace;
  table['@'] = kTokAt;
  table[':'] = kTokColon;
  table['.'] = kTokDot;
  return table;
}();

inline bool IsAsciiLetter(unsigned char c) { return static_cast<unsigned>(c - 'a') < 26u; }
inline bool IsDigit(unsigned char c) { return static_cast<unsigned>(c - '0') < 10u; }
inline bool IsVowel(unsigned char c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}
inline unsigned char At(const char* t, size_t i) { return static_cast<unsigned char>(t[i]); }

// Letters or digits, and any non-ASCII byte (letters of other scripts): what glues a letter
// into a word.
inline bool IsWordByte(unsigned char c) { return IsAsciiLetter(c) || IsDigit(c) || c >= 0x80; }

// Length of the letter starting at t[i]: 1 for a-z, 2 for `ñ`, 0 otherwise.
inline size_t LetterLen(const char* t, size_t n, size_t i) {
  const unsigned char c = At(t, i);
  if (IsAsciiLetter(c)) return 1;
  if (c == 0xC3 && i + 1 < n && At(t, i + 1) == 0xB1) return 2;
  return 0;
}

// Decodes one UTF-8 sequence at p (p[0] >= 0x80). Returns its length, or 0 when the bytes are
// not a valid, shortest-form sequence of a Unicode scalar value.
inline size_t DecodeUtf8(const unsigned char* p, size_t avail, char32_t* cp) {
  const unsigned char c0 = p[0];
  auto cont = [&](size_t k) { return k < avail && (p[k] & 0xC0) == 0x80; };
  if (c0 < 0xC2) return 0;  // stray continuation byte or overlong 2-byte form
  if (c0 < 0xE0) {
    if (!cont(1)) return 0;
    *cp = (static_cast<char32_t>(c0 & 0x1F) << 6) | (p[1] & 0x3F);
    return 2;
  }
  if (c0 < 0xF0) {
    if (!cont(1) || !cont(2)) return 0;
    if (c0 == 0xE0 && p[1] < 0xA0) return 0;   // overlong
    if (c0 == 0xED && p[1] >= 0xA0) return 0;  // UTF-16 surrogate
    *cp = (static_cast<char32_t>(c0 & 0x0F) << 12) | (static_cast<char32_t>(p[1] & 0x3F) << 6) |
          (p[2] & 0x3F);
    return 3;
  }
  if (c0 < 0xF5) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c0 == 0xF0 && p[1] < 0x90) return 0;   // overlong
    if (c0 == 0xF4 && p[1] >= 0x90) return 0;  // above U+10FFFF
    *cp = (static_cast<char32_t>(c0 & 0x07) << 18) | (static_cast<char32_t>(p[1] & 0x3F) << 12) |
          (static_cast<char32_t>(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
    return 4;
  }
  return 0;
}

// Pass 1 state. The ASCII loop keeps it in locals (registers: nothing takes their address, so
// the byte stores into the view cannot be assumed to alias them); the rarer non-ASCII path
// works on this struct.
struct FoldState {
  ViewText* v;
  std::vector<uint32_t>* marks;
  char* t;
  uint32_t* b;
  uint32_t* e;
  size_t cap;
  size_t w;
  // A run of white space (or emoji) is held back and written as one space only when a visible
  // character follows, which trims both ends.
  bool pending;
  uint32_t pending_begin;
  uint32_t pending_end;
  // The current token: where it starts, whether it is marked, its last two bytes (to spot
  // stretched letters).
  size_t token_start;
  unsigned mark;
  char last1;
  char last2;

  void HoldSpace(size_t from, size_t to) {
    if (!pending) pending_begin = static_cast<uint32_t>(from);
    pending_end = static_cast<uint32_t>(to);
    pending = true;
  }
  void CloseToken() {
    if (mark != 0 || w - token_start == 1) marks->push_back(static_cast<uint32_t>(token_start));
    mark = 0;
    last1 = last2 = 0;
  }
  void FlushSpace() {
    pending = false;
    if (w == 0) return;  // leading space
    CloseToken();
    t[w] = ' ';
    b[w] = pending_begin;
    e[w] = pending_end;
    ++w;
    token_start = w;
  }
  void Put(char f, size_t from, size_t to) {
    mark |= static_cast<unsigned>(f == last1 && f == last2);
    last2 = last1;
    last1 = f;
    t[w] = f;
    b[w] = static_cast<uint32_t>(from);
    e[w] = static_cast<uint32_t>(to);
    ++w;
  }
  // Grows the buffers to hold at least `need` bytes (long compatibility expansions).
  void Reserve(size_t need) {
    if (need <= cap) return;
    cap = std::max(cap * 2, need + kSlack);
    v->text.resize(cap);
    v->begin.resize(cap);
    v->end.resize(cap);
    t = v->text.data();
    b = v->begin.data();
    e = v->end.data();
  }
};

// Folds the non-ASCII character at s[i] (s[i] >= 0x80). Returns the number of bytes consumed.
size_t FoldNonAscii(const unsigned char* s, size_t n, size_t i, const FoldTable& table,
                    FoldState* st) {
  char32_t cp = 0;
  const size_t len = DecodeUtf8(s + i, n - i, &cp);
  if (len == 0) return 1;  // invalid byte: dropped, resynchronise on the next one
  char scratch[internal::kMaxFoldedBytes];
  const char* bytes = nullptr;
  const FoldResult r = table.Lookup(cp, &bytes, scratch);
  switch (r.action) {
    case FoldAction::kEmit:
      // Invariant kept here: cap >= w + pending + (n - i) + 1, so ASCII (at most one byte out
      // per byte in, plus the held space) never needs a check.
      st->Reserve(st->w + r.size + 2 + (n - i));
      for (size_t k = 0; k < r.size; ++k) {
        if (bytes[k] == ' ') {
          st->HoldSpace(i, i + len);
          continue;
        }
        if (st->pending) st->FlushSpace();
        // Accented letters fold to plain ones and need nothing more; anything else (ñ, digits
        // such as `５`, symbols, other scripts) gets its token read in pass 2.
        if (!IsAsciiLetter(static_cast<unsigned char>(bytes[k]))) st->mark = 1;
        st->Put(bytes[k], i, i + len);
      }
      break;
    case FoldAction::kSpace:
      st->HoldSpace(i, i + len);
      break;
    case FoldAction::kTilde:
      // `n` + U+0303 is `ñ` (both bytes cover both original characters). len is 2, so the
      // extra byte fits within the capacity invariant.
      if (!st->pending && st->w > 0 && st->t[st->w - 1] == 'n') {
        const size_t w = st->w;
        st->t[w - 1] = static_cast<char>(0xC3);
        st->t[w] = static_cast<char>(0xB1);
        st->b[w] = st->b[w - 1];
        st->e[w - 1] = static_cast<uint32_t>(i + len);
        st->e[w] = static_cast<uint32_t>(i + len);
        st->w = w + 1;
        st->mark = 1;
        st->last1 = st->last2 = 0;
        break;
      }
      [[fallthrough]];
    case FoldAction::kMark:
      // The accent is gone from the view but stays inside its letter's span, so a match on
      // `tramite` maps back to the whole `trámite` even when the accent was a separate code
      // point. A mark with no letter before it is dropped.
      if (!st->pending && st->w > 0) st->e[st->w - 1] = static_cast<uint32_t>(i + len);
      break;
    case FoldAction::kDrop:
      break;
  }
  return len;
}

// Pass 1. Folds `in` into v (sized to at least the result) and lists in `marks` where the
// tokens that pass 2 must read start. Returns the folded length.
size_t FoldCharacters(std::string_view in, const FoldTable& table, ViewText* v,
                      std::vector<uint32_t>* marks) {
  const auto* s = reinterpret_cast<const unsigned char*>(in.data());
  const size_t n = in.size();
  const size_t cap = n + kSlack;
  // resize() rather than push_back: no bounds decision per byte. Shrinking keeps capacity, so
  // a reused ViewText does not allocate.
  v->text.resize(cap);
  v->begin.resize(cap);
  v->end.resize(cap);
  marks->clear();
  FoldState st{v, marks, v->text.data(), v->begin.data(), v->end.data(), cap, 0, false, 0, 0, 0, 0,
               0, 0};
  char* t = st.t;
  uint32_t* b = st.b;
  uint32_t* e = st.e;
  size_t w = 0;
  bool pending = false;
  uint32_t pending_begin = 0;
  uint32_t pending_end = 0;
  size_t token_start = 0;
  unsigned mark = 0;
  char last1 = 0;
  char last2 = 0;
  // The fast paths' copy of FoldState::FlushSpace, on the locals above: writes the held space
  // (none at the start of the text) and closes the token before it.
  auto flush_space = [&] {
    pending = false;
    if (w == 0) return;
    if (mark != 0 || w - token_start == 1) marks->push_back(static_cast<uint32_t>(token_start));
    mark = 0;
    last1 = last2 = 0;
    t[w] = ' ';
    b[w] = pending_begin;
    e[w] = pending_end;
    ++w;
    token_start = w;
  };

  size_t i = 0;
  while (i < n) {
#if defined(__SSE2__)
    // Vector path: up to 16 printable ASCII bytes with no run of spaces are copied in lower
    // case with identity offsets, and their tokens marked, in a few dozen instructions instead
    // of a few hundred. It takes the chunk's prefix before the first byte it does not handle
    // (control, tab, newline, the second of two spaces, non-ASCII), which goes to the scalar
    // path below; that path defines the behaviour.
    if (i + 16 <= n) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
      const __m128i printable = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(0x1F)),
                                              _mm_cmplt_epi8(x, _mm_set1_epi8(0x7F)));
      const auto space_bits =
          static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(' '))));
      const unsigned bad = (~static_cast<unsigned>(_mm_movemask_epi8(printable)) |
                            (space_bits & (space_bits << 1)) | 0x10000) &
                           0x1FFFF;
      const auto take = static_cast<unsigned>(__builtin_ctz(bad));  // bytes handled here
      const bool first_is_space = (space_bits & 1) != 0;
      if (take >= 2 && !(first_is_space && (pending || w == 0))) {
        if (pending) flush_space();  // chunk[0] is visible: write the held space
        const __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('A' - 1)),
                                            _mm_cmplt_epi8(x, _mm_set1_epi8('Z' + 1)));
        const __m128i lc = _mm_add_epi8(x, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(t + w), lc);
        const __m128i base =
            _mm_add_epi32(_mm_set1_epi32(static_cast<int>(i)), _mm_setr_epi32(0, 1, 2, 3));
        const __m128i one = _mm_set1_epi32(1);
        for (int k = 0; k < 4; ++k) {
          const __m128i begin4 = _mm_add_epi32(base, _mm_set1_epi32(4 * k));
          _mm_storeu_si128(reinterpret_cast<__m128i*>(b + w + 4 * k), begin4);
          _mm_storeu_si128(reinterpret_cast<__m128i*>(e + w + 4 * k), _mm_add_epi32(begin4, one));
        }
        // Bytes that mark their token: not a letter, space or , ; ! ?, or the third of three
        // equal bytes (the two before the chunk are last2, last1).
        const __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(lc, _mm_set1_epi8('a' - 1)),
                                             _mm_cmplt_epi8(lc, _mm_set1_epi8('z' + 1)));
        __m128i quiet = _mm_or_si128(letter, _mm_cmpeq_epi8(lc, _mm_set1_epi8(' ')));
        quiet = _mm_or_si128(quiet, _mm_cmpeq_epi8(lc, _mm_set1_epi8(',')));
        quiet = _mm_or_si128(quiet, _mm_cmpeq_epi8(lc, _mm_set1_epi8(';')));
        quiet = _mm_or_si128(quiet, _mm_cmpeq_epi8(lc, _mm_set1_epi8('!')));
        quiet = _mm_or_si128(quiet, _mm_cmpeq_epi8(lc, _mm_set1_epi8('?')));
        const auto l1 = static_cast<unsigned char>(last1);
        const auto l2 = static_cast<unsigned char>(last2);
        const __m128i prev1 = _mm_or_si128(_mm_slli_si128(lc, 1), _mm_cvtsi32_si128(l1));
        const __m128i prev2 =
            _mm_or_si128(_mm_slli_si128(lc, 2), _mm_cvtsi32_si128(static_cast<int>(l2 | l1 << 8)));
        const __m128i triple = _mm_and_si128(_mm_cmpeq_epi8(lc, prev1), _mm_cmpeq_epi8(lc, prev2));
        const unsigned marked = (~static_cast<unsigned>(_mm_movemask_epi8(quiet)) |
                                 static_cast<unsigned>(_mm_movemask_epi8(triple))) &
                                0xFFFF;
        // A space in the last byte taken is held back (it may start a run or end the text).
        const bool last_is_space = ((space_bits >> (take - 1)) & 1) != 0;
        const unsigned written = last_is_space ? take - 1 : take;
        unsigned spaces = space_bits & ((1u << written) - 1);
        unsigned from_bit = 0;  // where the current token's bytes start in this chunk
        while (spaces != 0) {
          const auto k = static_cast<unsigned>(__builtin_ctz(spaces));
          spaces &= spaces - 1;
          const unsigned in_token = marked & ((1u << k) - 1) & ~((1u << from_bit) - 1);
          if (mark != 0 || in_token != 0 || w + k - token_start == 1) {
            marks->push_back(static_cast<uint32_t>(token_start));
          }
          mark = 0;
          token_start = w + k + 1;
          from_bit = k + 1;
        }
        mark |= static_cast<unsigned>(((marked & ((1u << written) - 1)) >> from_bit) != 0);
        w += written;
        last2 = written >= 2 ? t[w - 2] : last1;
        last1 = t[w - 1];
        if (last_is_space) {
          pending = true;
          pending_begin = static_cast<uint32_t>(i + take - 1);
          pending_end = static_cast<uint32_t>(i + take);
        }
        i += take;
        continue;
      }
    }
#endif
    const unsigned char c = s[i];
    if (c < 0x80) {
      const uint16_t a = kAsciiFold[c];
      const char f = static_cast<char>(a & 0xFF);
      if (f > ' ') {
        if (pending) flush_space();
        mark |= (a >> 8) | static_cast<unsigned>(f == last1 && f == last2);
        last2 = last1;
        last1 = f;
        t[w] = f;
        b[w] = static_cast<uint32_t>(i);
        e[w] = static_cast<uint32_t>(i + 1);
        ++w;
      } else if (f == ' ') {
        if (!pending) pending_begin = static_cast<uint32_t>(i);
        pending_end = static_cast<uint32_t>(i + 1);
        pending = true;
      }
      ++i;
      continue;
    }
    st.w = w;
    st.pending = pending;
    st.pending_begin = pending_begin;
    st.pending_end = pending_end;
    st.token_start = token_start;
    st.mark = mark;
    st.last1 = last1;
    st.last2 = last2;
    i += FoldNonAscii(s, n, i, table, &st);
    t = st.t;
    b = st.b;
    e = st.e;
    w = st.w;
    pending = st.pending;
    pending_begin = st.pending_begin;
    pending_end = st.pending_end;
    token_start = st.token_start;
    mark = st.mark;
    last1 = st.last1;
    last2 = st.last2;
  }
  if (w > 0) {
    st.w = w;
    st.token_start = token_start;
    st.mark = mark;
    st.CloseToken();
  }
  return w;
}

// The three parallel arrays of a view being rewritten in place, and the original text they map
// into (read only, to tell separators apart that fold to the same view byte).
struct Buffers {
  char* t;
  uint32_t* b;
  uint32_t* e;
  const char* orig;
};

// Moves view bytes [from, to) down to *w (*w <= from). Short moves, the usual case once
// something earlier in the text got shorter, are copied inline: three memmove calls cost more
// than the few bytes they move.
inline void Move(const Buffers& v, size_t from, size_t to, size_t* w) {
  const size_t len = to - from;
  const size_t dst = *w;
  *w += len;
  if (dst == from || len == 0) return;
  if (len > 32) {
    std::memmove(v.t + dst, v.t + from, len);
    std::memmove(v.b + dst, v.b + from, len * sizeof(uint32_t));
    std::memmove(v.e + dst, v.e + from, len * sizeof(uint32_t));
    return;
  }
  for (size_t k = 0; k < len; ++k) {  // forward copy: dst < from, so overlap is safe
    v.t[dst + k] = v.t[from + k];
    v.b[dst + k] = v.b[from + k];
    v.e[dst + k] = v.e[from + k];
  }
}

// memcmp for the one-to-three-byte separators, without a library call.
inline bool SameBytes(const char* a, const char* b, size_t len) {
  for (size_t k = 0; k < len; ++k) {
    if (a[k] != b[k]) return false;
  }
  return true;
}

inline void Put(const Buffers& v, size_t* w, char c, uint32_t begin, uint32_t end) {
  v.t[*w] = c;
  v.b[*w] = begin;
  v.e[*w] = end;
  ++*w;
}

// Separators between spelled-out letters: `p e r`, `d.a.p.a`, `p-e-r`, `p_e_r`, `p*e*r`.
inline bool IsJoinSeparator(unsigned char c) {
  return c == ' ' || c == '.' || c == '-' || c == '_' || c == '*' || c == '~' || c == '|';
}

constexpr int kMinJoinedLetters = 3;
constexpr size_t kMaxSeparator = 3;

// Whether the letter of length l at t[q] is single: no letter or digit right after it (the
// caller checks before).
inline bool SingleAfter(const char* t, size_t n, size_t q, size_t l) {
  return q + l == n || !IsWordByte(At(t, q + l));
}

// Number of single letters (up to `limit`) in the run that starts with the letter at t[q] and
// is separated by sep[0, sep_len).
int CountSingleLetters(const char* t, size_t n, size_t q, const char* sep, size_t sep_len,
                       int limit) {
  int count = 0;
  while (count < limit) {
    const size_t l = LetterLen(t, n, q);
    if (l == 0 || !SingleAfter(t, n, q, l)) break;
    ++count;
    const size_t after = q + l;
    if (after + sep_len >= n || !SameBytes(t + after, sep, sep_len)) break;
    q = after + sep_len;
  }
  return count;
}

// Length (1 to max) of the run of separator bytes at t[i], or 0 when there is none or it is
// longer than max.
size_t SeparatorLen(const char* t, size_t n, size_t i, size_t max) {
  size_t len = 0;
  while (i + len < n && len <= max && IsJoinSeparator(At(t, i + len))) ++len;
  return len <= max ? len : 0;
}

// A letter that can be a word by itself (Spanish `a e o u y`, English `I`).
inline bool IsOneLetterWord(unsigned char c) { return IsVowel(c) || c == 'y'; }

// A run of spelled-out letters and its separator, both as the view has it and as the original
// text had it: pass 1 made every run of white space one space, and it is the original that
// tells `p e r` (one space each) from `p e  r` (a word break).
class JoinRun {
 public:
  // The run's separator is the sep_len view bytes at t[sep_at].
  JoinRun(const Buffers& v, size_t n, size_t sep_at, size_t sep_len)
      : t_(v.t),
        b_(v.b),
        e_(v.e),
        orig_(v.orig),
        n_(n),
        sep_len_(sep_len),
        sep_orig_(v.orig + v.b[sep_at]),
        sep_orig_len_(v.e[sep_at + sep_len - 1] - v.b[sep_at]) {
    // Copied: the run is written over its own view bytes.
    for (size_t k = 0; k < sep_len; ++k) sep_[k] = v.t[sep_at + k];
    spaced_ = sep_len == 1 && sep_[0] == ' ';
    mixed_ = sep_[0] != ' ' && std::memchr(sep_, ' ', sep_len) != nullptr;
  }

  // Whether the separator is at t[x], made from the same original text, with something after
  // it.
  bool IsSep(size_t x) const {
    if (x + sep_len_ >= n_) return false;
    if (sep_len_ == 1 ? t_[x] != sep_[0] : !SameBytes(t_ + x, sep_, sep_len_)) return false;
    return SameOriginal(x, x + sep_len_);
  }
  // Whether t[x] is a word break of a spaced run: a space made from other white space than
  // the separator (`L o t e r i a  d e`: two spaces where letters have one; a newline, a tab).
  bool IsBreak(size_t x) const {
    return spaced_ && x + 1 < n_ && t_[x] == ' ' && !SameOriginal(x, x + 1);
  }

  // Reads one spelled-out word from the single letter at t[q]: the letters after it, each
  // after one separator. Returns its number of letters and sets *end to the end of its last
  // letter.
  int ScanWord(size_t q, size_t* end) const {
    const char* t = t_;
    int count = 0;
    size_t after = q + LetterLen(t, n_, q);
    bool sep_after = IsSep(after);
    for (;;) {
      ++count;
      *end = after;
      if (!sep_after) break;
      size_t next = after + sep_len_;
      // In a spaced run, a `-` spaced like the letters belongs to the word (`P R E - R E G`).
      if (spaced_ && t[next] == '-' && IsSep(next + 1)) next += 1 + sep_len_;
      const size_t l = LetterLen(t, n_, next);
      if (l == 0 || !SingleAfter(t, n_, next, l)) break;
      const size_t next_end = next + l;
      const bool sep_next = IsSep(next_end);
      if (next_end < n_ && !sep_next) {  // `next` would be the run's last letter
        // With a `. ` separator, a letter followed by a bare space is a word after the
        // abbreviation (`D. A. P. A. y la` keeps the `y`) unless no word is that one letter: a
        // consonant is the abbreviation's last letter without its dot (`U. S. C. I. S es`).
        if (mixed_ && t[next_end] == ' ' && IsOneLetterWord(At(t, next))) break;
        // A bare space binds loosest: a letter followed by one stays in this run
        // (`p-e-r-m-i-s-o y`); one glued to other punctuation may start the next run.
        const size_t other = t[next_end] == ' ' ? 0 : SeparatorLen(t, n_, next_end, kMaxSeparator);
        if (other > 0 && CountSingleLetters(t, n_, next, t + next_end, other, kMinJoinedLetters) >=
                             kMinJoinedLetters) {
          break;
        }
      }
      after = next_end;
      sep_after = sep_next;
    }
    return count;
  }

  // Writes the word t[r, end) (as ScanWord delimited it) at *w (*w <= r): the letters
  // without their separators, an in-word `-` as it is, three or more equal letters in a row as
  // one. Reads only at or after the byte it writes for, so it can write over the word.
  void WriteWord(size_t r, size_t end, size_t* w) const {
    // Locals, not members or *w: the byte stores may alias anything, and would otherwise make
    // the compiler reload them after each one.
    char* const t = t_;
    uint32_t* const b = b_;
    uint32_t* const e = e_;
    const size_t step = sep_len_;
    size_t o = *w;
    for (size_t p = r;;) {  // t[p] is a letter
      const size_t l = LetterLen(t, n_, p);
      size_t last = p;  // the last of a row of equal letters
      int same = 1;
      for (size_t q = p + l; q + step + l <= end && SameBytes(t + q + step, t + p, l) && IsSep(q);
           q += step + l) {
        ++same;
        last = q + step;
      }
      if (same >= 3) {
        const uint32_t begin = b[p];
        const uint32_t end_of_last = e[last + l - 1];
        for (size_t x = 0; x < l; ++x, ++o) {
          t[o] = t[p + x];
          b[o] = begin;
          e[o] = end_of_last;
        }
        p = last + l;
      } else {  // one letter; a double is read again as the next one
        for (size_t x = 0; x < l; ++x, ++o) {
          t[o] = t[p + x];
          b[o] = b[p + x];
          e[o] = e[p + x];
        }
        p += l;
      }
      if (p >= end) break;
      p += step;                     // the separator
      if (spaced_ && t[p] == '-') {  // an in-word `-`, then the separator after it
        t[o] = '-';
        b[o] = b[p];
        e[o] = e[p];
        ++o;
        p += 1 + step;
      }
    }
    *w = o;
  }

 private:
  // Whether view bytes [from, to) came from the same original text as the separator. Inline:
  // the texts are a few bytes, shorter than a memcmp call.
  bool SameOriginal(size_t from, size_t to) const {
    const uint32_t begin = b_[from];
    if (e_[to - 1] - begin != sep_orig_len_) return false;
    if (sep_orig_len_ == 1) return orig_[begin] == sep_orig_[0];  // ` `, `.`, `-`: most runs
    for (uint32_t k = 0; k < sep_orig_len_; ++k) {
      if (orig_[begin + k] != sep_orig_[k]) return false;
    }
    return true;
  }

  // The view's pointers by value rather than a reference to Buffers: the byte loads through
  // t_ and orig_ may alias anything, which would otherwise reload them through it each time.
  char* t_;
  uint32_t* b_;
  uint32_t* e_;
  const char* orig_;
  size_t n_;
  size_t sep_len_;
  const char* sep_orig_;  // the original text of the run's first separator
  uint32_t sep_orig_len_;
  char sep_[kMaxSeparator] = {};
  bool spaced_ = false;
  bool mixed_ = false;
};

// Joins spelled-out letters: a run of at least kMinJoinedLetters single letters separated by
// one repeated separator of one to three bytes (`p e r m i s o`, `d.a.p.a`, `d. a. p. a.`),
// starting with the single letter at t[r] (the caller checked that nothing word-like precedes
// it). Three, so that Spanish one-letter words (`y a`, `o a`) are never glued; two-letter
// abbreviations (`a.m.`, `s.a.`) stay too. The separator must also be the same in the
// original text, so a wider gap, or another kind of white space, ends the run.
//
// A run ends before a letter that is not single (`p e r m i s o ya` keeps `ya`), before a
// letter that starts another run with a different separator glued to it (`p e r D.A.P.A`)
// and, when the separator mixes punctuation and space (`. `), before a vowel or `y` followed
// by a bare space: that is a word after the abbreviation (`D. A. P. A. y` keeps the `y`). A
// consonant there is the abbreviation's last letter whose dot was left out (`U. S. C. I. S es`
// reads `uscis es`). A vowel is not, though `D. A. P. A es` probably means `dapa`: it cannot
// be told from `D. A. P. A. A partir de` or `D. A. P. A. Y no`, and is left as `dap. a es`.
//
// A spaced run (letters one white space apart) may go on with more words after a word break,
// a gap of other white space than the separator (`L o t e r i a  d e  v i s a s`, two spaces
// or a newline between words), which becomes one space: `loteria de visas`. A word of one or
// two letters is taken only when another break or the end of the text follows it (`de` above);
// followed by a plain word it is more likely a word of its own (`p e r m i s o  y a la`). A `-`
// spaced like the letters stays in its word (`P R E - R E G I S T R O  w h a t s a p p` reads
// `pre-registro whatsapp`). The first word needs kMinJoinedLetters letters like any run.
// Stretched letters in a word collapse as in words. Returns the end of the run, or r when
// there is no run.
size_t TryJoin(const Buffers& v, size_t n, size_t r, size_t* w) {
  const char* t = v.t;
  const size_t len = LetterLen(t, n, r);
  if (len == 0 || !SingleAfter(t, n, r, len)) return r;
  const size_t sep_len = SeparatorLen(t, n, r + len, kMaxSeparator);
  if (sep_len == 0) return r;
  const JoinRun run(v, n, r + len, sep_len);
  size_t end = r;
  if (run.ScanWord(r, &end) < kMinJoinedLetters) return r;
  // Each word is written once it is taken; the next is read after it, where nothing has been
  // written yet (a word is never longer written than read).
  run.WriteWord(r, end, w);
  while (run.IsBreak(end)) {
    const size_t q = end + 1;
    const size_t l = LetterLen(t, n, q);
    if (l == 0 || !SingleAfter(t, n, q, l)) break;
    size_t word_end = q;
    if (run.ScanWord(q, &word_end) < kMinJoinedLetters && word_end < n && !run.IsBreak(word_end)) {
      break;
    }
    Put(v, w, ' ', v.b[end], v.e[end]);
    run.WriteWord(q, word_end, w);
    end = word_end;
  }
  return end;
}

// A segment: a maximal run of letters, digits and in-word `@`/`$` inside a token, with the
// counts ClassifySegment decides on. "Runs" are runs of digits/symbols between letters.
struct Segment {
  size_t begin = 0;
  size_t end = 0;
  int units = 0;      // characters
  int letters = 0;    // letters that can only be letters
  int ambiguous = 0;  // o, l, i: letters that may stand for 0 and 1
  int digits = 0;
  int symbols = 0;  // in-word `@` and `$`
  bool all_leet_digits = true;
  bool stretched = false;  // three equal bytes in a row
  int max_run = 0;
  bool leading_run = false;
  bool interior_run = false;
  int trailing_run = 0;
};

// Scans the segment starting at t[p] (a letter or digit) up to token end `end`.
Segment ScanSegment(const char* t, size_t p, size_t end) {
  Segment s;
  s.begin = p;
  size_t j = p;
  int run = 0;
  bool seen_letter = false;
  bool last_letter = false;
  bool has_enye = false;
  auto close_run = [&](bool at_end) {
    if (run == 0) return;
    s.max_run = std::max(s.max_run, run);
    if (!seen_letter) {
      s.leading_run = true;
    } else if (at_end) {
      s.trailing_run = run;
    } else {
      s.interior_run = true;
    }
    run = 0;
  };
  while (j < end) {
    const unsigned char c = At(t, j);
    if (j >= p + 2 && c == At(t, j - 1) && c == At(t, j - 2)) s.stretched = true;
    if (const size_t len = LetterLen(t, end, j)) {
      close_run(false);
      if (c == 'o' || c == 'l' || c == 'i') {
        ++s.ambiguous;
      } else {
        ++s.letters;
        has_enye |= len == 2;
      }
      seen_letter = true;
      last_letter = true;
      j += len;
      ++s.units;
      continue;
    }
    if (IsDigit(c)) {
      ++s.digits;
      if (kLeetLetter[c] == 0) s.all_leet_digits = false;
      ++run;
      last_letter = false;
      ++j;
      ++s.units;
      continue;
    }
    // `@` and `$` belong to a word only right after a letter (`n0t@rio`, `abogad@s`,
    // `grati$`); `$` before a digit is a currency sign (`US$500`).
    if ((c == '@' || c == '$') && last_letter) {
      if (c == '$' && j + 1 < end && IsDigit(At(t, j + 1))) break;
      ++s.symbols;
      ++run;
      last_letter = false;
      ++j;
      ++s.units;
      continue;
    }
    break;
  }
  close_run(true);
  s.end = j;
  // ñ repeated (`ññññ`) is not three equal bytes; look for it only when there is a ñ.
  if (!s.stretched && has_enye) {
    for (size_t k = p; k + 6 <= j; ++k) {
      if (At(t, k) == 0xC3 && At(t, k + 1) == 0xB1 && SameBytes(t + k, t + k + 2, 2) &&
          SameBytes(t + k, t + k + 4, 2)) {
        s.stretched = true;
        break;
      }
    }
  }
  return s;
}

enum class SegmentMode : uint8_t { kPlain, kLeet, kNumber };

// Decides how a segment is read.
//  - Only letters: plain (stretched letters collapsed).
//  - Digits with no letter other than o/l/i: a number; `o` is read as 0, and `l`/`i` as 1
//    after a digit or at the start of an amount written after `$` (`5OO`, `O177`, `$l00`,
//    `2O14`). A lone digit + `o` (`1o`, `1º`) is an ordinal and stays.
//  - Letters and digits: a leet word only when all of these hold, otherwise left as is:
//      * every digit is one of 0 1 3 4 5 7 (`H2A`, `covid19`, `G28` stay codes),
//      * no run of more than two digits/symbols (`I130`, `DS160`, `N400` stay),
//      * at least four characters (`H1B`, `mp3`, `4x4` stay),
//      * at least two letters, and letters + 1 >= digits + symbols (letters dominate),
//      * a digit run inside the word, or a single trailing one (`v1sa`, `abogad0`); a run
//        only at the start is a number with its unit or an ordinal (`24h`, `10am`, `5meses`,
//        `1er`, `3ra`) and never makes a word leet by itself.
//  - A digit group of an amount (`in_amount`: right after a number and one `,` or `.`, as in
//    `$2,OOO`, `$5OO.OO`, `$1,OOO,OOO`, `2,OOO$`): no letter other than o, l, i, and at least
//    two `o` or digits, is a number too, even with no digit at all. Read before stretched
//    letters would collapse `OOO` to `o`. One `o` is not enough (`2.lo`, `10.ojo` stay words).
SegmentMode ClassifySegment(const Segment& s, bool after_dollar, bool in_amount, const char* t) {
  if (in_amount && s.letters == 0 && s.digits + std::count(t + s.begin, t + s.end, 'o') >= 2) {
    return SegmentMode::kNumber;
  }
  if (s.digits == 0 && s.symbols == 0) return SegmentMode::kPlain;
  if (s.letters == 0 && s.digits > 0) {
    if (s.units == 2 && IsDigit(At(t, s.begin)) && At(t, s.begin + 1) == 'o' && !after_dollar) {
      return SegmentMode::kPlain;
    }
    return SegmentMode::kNumber;
  }
  const int letters = s.letters + s.ambiguous;
  const bool leet = s.all_leet_digits && s.max_run <= 2 && s.units >= 4 && letters >= 2 &&
                    letters + 1 >= s.digits + s.symbols && (s.interior_run || s.trailing_run == 1);
  return leet ? SegmentMode::kLeet : SegmentMode::kPlain;
}

// Rewrites the digits and symbols of a leet segment t[begin, end) as letters, in place (the
// segment is already scanned and not yet written). `1` is drawn for both `i` and `l`; it is
// read as `l` where Spanish spelling puts an `l` and hardly ever an `i`: between vowels
// (`so1icitud`), at the start before a vowel (`1ega1`, `1ey`) and at the end after a vowel
// (`pape1`, `ofic1a1`); elsewhere as `i` (`v1sa`, `perm1so`, `n0tar10`).
void ReadLeet(char* t, size_t begin, size_t end) {
  bool has_one = false;
  for (size_t j = begin; j < end; ++j) {
    const unsigned char c = At(t, j);
    if (c == '1') {
      has_one = true;
    } else if (!IsAsciiLetter(c) && kLeetLetter[c] != 0) {
      t[j] = kLeetLetter[c];
    }
  }
  if (!has_one) return;
  for (size_t j = begin; j < end; ++j) {
    if (t[j] != '1') continue;
    const bool vowel_before = j > begin && IsVowel(At(t, j - 1));
    const bool vowel_after = j + 1 < end && IsVowel(At(t, j + 1));
    const bool at_start = j == begin;
    const bool at_end = j + 1 == end;
    const bool l =
        (vowel_before && vowel_after) || (at_start && vowel_after) || (at_end && vowel_before);
    t[j] = l ? 'l' : 'i';
  }
}

// Writes segment s in `mode` at *w. `amount_start`: the segment starts an amount or one of its
// digit groups (after `$`, or after a number and `,`/`.`), where a leading `l`/`i` is a 1.
void EmitSegment(const Buffers& v, size_t* w, const Segment& s, SegmentMode mode,
                 bool amount_start) {
  char* t = v.t;
  const size_t end = s.end;
  if (mode == SegmentMode::kNumber) {
    // Only ASCII here: a number segment has no letter other than o, l, i.
    bool prev_digit = false;
    for (size_t j = s.begin; j < end; ++j) {
      char c = t[j];
      if (c == 'o') {
        c = '0';
      } else if ((c == 'l' || c == 'i') && (prev_digit || (j == s.begin && amount_start))) {
        c = '1';
      }
      prev_digit = IsDigit(static_cast<unsigned char>(c));
      Put(v, w, c, v.b[j], v.e[j]);
    }
    return;
  }
  if (mode == SegmentMode::kLeet) ReadLeet(t, s.begin, end);
  if (!s.stretched && mode == SegmentMode::kPlain) {
    Move(v, s.begin, end, w);  // the common case: nothing to change
    return;
  }
  size_t j = s.begin;
  while (j < end) {
    // Stretched letters (`graaaatis`, `permisooo`, `ññññ`): three or more of one letter
    // collapse to one whose span covers the whole run. Doubles stay (`carro`, `llamar`,
    // `leer`, `acción`, `cooperar`). Digits never collapse (`1000`).
    const size_t len = LetterLen(t, end, j);
    size_t k = j + std::max<size_t>(len, 1);
    if (len == 1) {
      while (k < end && t[k] == t[j]) ++k;
    } else if (len == 2) {
      while (k < end && LetterLen(t, end, k) == 2) k += 2;
    }
    if (len != 0 && k - j >= 3 * len) {
      for (size_t x = 0; x < len; ++x) Put(v, w, t[j + x], v.b[j], v.e[k - 1]);
      j = k;
      continue;
    }
    Move(v, j, k, w);
    j = k;
  }
}

// Tokens left verbatim (lower case, homoglyphs already mapped): @handles, URLs and e-mail
// addresses, whose digits and repeated letters are part of the address (`www.`,
// `juan77@mail.com`); entity extraction and domain rules need them intact.
bool IsVerbatimToken(const char* tok, size_t len, uint8_t flags) {
  if (len > 1 && tok[0] == '@') return true;
  if ((flags & (kTokDot | kTokColon)) == 0) return false;
  const std::string_view token(tok, len);
  if ((flags & kTokColon) && token.find("://") != std::string_view::npos) return true;
  if ((flags & kTokDot) == 0) return false;
  const size_t www = token.find("www.");
  if (www != std::string_view::npos && (www == 0 || !IsWordByte(At(tok, www - 1)))) {
    return true;
  }
  if (flags & kTokAt) {
    const size_t at = token.find('@');
    if (at > 0 && IsWordByte(At(tok, at - 1))) {
      const size_t dot = token.find('.', at + 2);
      if (dot != std::string_view::npos && dot + 1 < len && IsAsciiLetter(At(tok, dot + 1))) {
        return true;
      }
    }
  }
  return false;
}

// End of the token at t[p] (the next space, or n); ORs the token's kTokenFlags into *flags.
size_t TokenEnd(const char* t, size_t n, size_t p, uint8_t* flags) {
  uint8_t f = 0;
  for (; p < n; ++p) {
    const uint8_t x = kTokenFlags[At(t, p)];
    if (x & kTokSpace) break;
    f |= x;
  }
  *flags = f;
  return p;
}

// Reads the token starting at t[start] (a token start: 0 or after a space): joins, leet,
// numbers, stretched letters. Returns where reading stopped: the token's end (a space or n),
// or further on when spelled-out letters ran across tokens.
size_t ReadToken(const Buffers& v, size_t n, size_t start, size_t* w) {
  const char* t = v.t;
  uint8_t flags = 0;
  size_t end = TokenEnd(t, n, start, &flags);
  if (IsVerbatimToken(t + start, end - start, flags)) {
    Move(v, start, end, w);
    return end;
  }
  unsigned char prev = ' ';   // the byte before p, as pass 1 wrote it
  bool after_number = false;  // the last segment was read as a number and ended at p
  bool in_amount = false;     // p follows a number and one `,` or `.`: a digit group
  size_t p = start;
  while (p < end) {
    const unsigned char c = At(t, p);
    const bool letter = IsAsciiLetter(c) || LetterLen(t, n, p) == 2;
    if (!letter && !IsDigit(c)) {
      Move(v, p, p + 1, w);
      prev = c;
      in_amount = after_number && (c == ',' || c == '.');
      after_number = false;
      ++p;
      continue;
    }
    // A digit group of an amount (`,OOO`) is never joined: it has two or more characters, so
    // its first letter is not single.
    if (letter && !IsWordByte(prev)) {
      const size_t joined = TryJoin(v, n, p, w);
      if (joined != p) {
        p = joined;
        prev = 'a';  // the last byte read was a letter
        after_number = in_amount = false;
        if (p >= end) end = TokenEnd(t, n, p, &flags);  // the run crossed spaces
        continue;
      }
    }
    const Segment seg = ScanSegment(t, p, end);
    const bool after_dollar = prev == '$';
    const SegmentMode mode = ClassifySegment(seg, after_dollar, in_amount, t);
    prev = At(t, seg.end - 1);
    EmitSegment(v, w, seg, mode, after_dollar || in_amount);
    after_number = mode == SegmentMode::kNumber;
    in_amount = false;
    p = seg.end;
  }
  return end;
}

// Pass 2. Reads the marked tokens and moves the others down unchanged. Returns the new length.
size_t ReadMarkedTokens(const Buffers& v, size_t n, const std::vector<uint32_t>& marks) {
  size_t r = 0;
  size_t w = 0;
  for (const uint32_t mark : marks) {
    if (mark < r) continue;  // already read as part of a joined run
    Move(v, r, mark, &w);
    r = ReadToken(v, n, mark, &w);
  }
  Move(v, r, n, &w);
  return w;
}

}  // namespace

Normalizer::Normalizer() { FoldTable::Get(); }

Normalizer::~Normalizer() = default;

void Normalizer::Normalize(std::string_view original, Normalized* out) const {
  // Offsets are 32-bit (Span). Messages are capped far below 4 GiB by the decoder; anything
  // longer is folded only up to the limit rather than given offsets that wrap.
  if (original.size() > std::numeric_limits<uint32_t>::max() - kSlack) {
    original = original.substr(0, std::numeric_limits<uint32_t>::max() - kSlack);
  }
  out->original_ = original;
  ViewText& v = out->folded_;
  size_t n = FoldCharacters(original, FoldTable::Get(), &v, &out->marks_);
  if (!out->marks_.empty()) {
    n = ReadMarkedTokens(Buffers{v.text.data(), v.begin.data(), v.end.data(), original.data()}, n,
                         out->marks_);
  }
  v.text.resize(n);
  v.begin.resize(n);
  v.end.resize(n);
}

}  // namespace centinela::text
