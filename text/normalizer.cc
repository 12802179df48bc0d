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
//     (ClassifySegment), and runs of three or more of one letter are collapsed.
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
        if (pending) {  // chunk[0] is visible: write the held space, closing the token
          pending = false;
          if (w != 0) {
            if (mark != 0 || w - token_start == 1) {
              marks->push_back(static_cast<uint32_t>(token_start));
            }
            mark = 0;
            last1 = last2 = 0;
            t[w] = ' ';
            b[w] = pending_begin;
            e[w] = pending_end;
            ++w;
            token_start = w;
          }
        }
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
        if (pending) {
          pending = false;
          if (w != 0) {
            if (mark != 0 || w - token_start == 1) {
              marks->push_back(static_cast<uint32_t>(token_start));
            }
            mark = 0;
            last1 = last2 = 0;
            t[w] = ' ';
            b[w] = pending_begin;
            e[w] = pending_end;
            ++w;
            token_start = w;
          }
        }
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

// The three parallel arrays of a view being rewritten in place.
struct Buffers {
  char* t;
  uint32_t* b;
  uint32_t* e;
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

// Joins spelled-out letters: a run of at least kMinJoinedLetters single letters separated by
// one repeated separator of one to three bytes (`p e r m i s o`, `d.a.p.a`, `d. a. p. a.`),
// starting with the single letter at t[r] (the caller checked that nothing word-like precedes
// it). Three, so that Spanish one-letter words (`y a`, `o a`) are never glued; two-letter
// abbreviations (`a.m.`, `s.a.`) stay too. A run ends before a letter that starts another run
// with a different separator glued to it (`p e r D.A.P.A`) and, when the separator mixes
// punctuation and space (`. `), before a letter followed by a bare space: that is a word after
// the abbreviation (`D. A. P. A. y` keeps the `y`). Stretched letters in the run collapse as
// in words. Returns the end of the run, or r when there is no run.
size_t TryJoin(const Buffers& v, size_t n, size_t r, size_t* w) {
  const char* t = v.t;
  const size_t len = LetterLen(t, n, r);
  if (len == 0 || !SingleAfter(t, n, r, len)) return r;
  const size_t first_end = r + len;
  const size_t sep_len = SeparatorLen(t, n, first_end, kMaxSeparator);
  if (sep_len == 0) return r;
  const char* sep = t + first_end;  // read side: not yet overwritten
  const bool mixed_sep = sep[0] != ' ' && std::memchr(sep, ' ', sep_len) != nullptr;
  int count = 1;
  size_t last_end = first_end;
  while (last_end + sep_len < n && SameBytes(t + last_end, sep, sep_len)) {
    const size_t q = last_end + sep_len;
    const size_t l = LetterLen(t, n, q);
    if (l == 0 || !SingleAfter(t, n, q, l)) break;
    const size_t after = q + l;
    const bool continues = after + sep_len < n && SameBytes(t + after, sep, sep_len);
    if (!continues && after < n) {
      if (mixed_sep && At(t, after) == ' ') break;
      // A bare space binds loosest: a letter followed by one stays in this run
      // (`p-e-r-m-i-s-o y`); one glued to other punctuation may start the next run.
      const size_t other = At(t, after) == ' ' ? 0 : SeparatorLen(t, n, after, kMaxSeparator);
      if (other > 0 &&
          CountSingleLetters(t, n, q, t + after, other, kMinJoinedLetters) >= kMinJoinedLetters) {
        break;
      }
    }
    ++count;
    last_end = after;
  }
  if (count < kMinJoinedLetters) return r;

  // Write the letters without separators; three or more equal ones in a row become one.
  size_t p = r;
  for (int k = 0; k < count;) {
    const size_t l = LetterLen(t, n, p);
    int same = 1;
    size_t q = p + l + sep_len;
    while (k + same < count && SameBytes(t + q, t + p, l)) {
      ++same;
      q += l + sep_len;
    }
    if (same >= 3) {
      const size_t last = q - sep_len - 1;  // last byte of the last equal letter
      for (size_t x = 0; x < l; ++x) Put(v, w, t[p + x], v.b[p], v.e[last]);
    } else {
      for (int m = 0; m < same; ++m) {
        const size_t at = p + static_cast<size_t>(m) * (l + sep_len);
        for (size_t x = 0; x < l; ++x) Put(v, w, t[at + x], v.b[at + x], v.e[at + x]);
      }
    }
    k += same;
    p = q;
  }
  return last_end;
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
SegmentMode ClassifySegment(const Segment& s, bool after_dollar, const char* t) {
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

// Writes segment s in `mode` at *w.
void EmitSegment(const Buffers& v, size_t* w, const Segment& s, SegmentMode mode,
                 bool after_dollar) {
  char* t = v.t;
  const size_t end = s.end;
  if (mode == SegmentMode::kNumber) {
    // Only ASCII here: a number segment has no letter other than o, l, i.
    bool prev_digit = false;
    for (size_t j = s.begin; j < end; ++j) {
      char c = t[j];
      if (c == 'o') {
        c = '0';
      } else if ((c == 'l' || c == 'i') && (prev_digit || (j == s.begin && after_dollar))) {
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
  unsigned char prev = ' ';  // the byte before p, as pass 1 wrote it
  size_t p = start;
  while (p < end) {
    const unsigned char c = At(t, p);
    const bool letter = IsAsciiLetter(c) || LetterLen(t, n, p) == 2;
    if (!letter && !IsDigit(c)) {
      Move(v, p, p + 1, w);
      prev = c;
      ++p;
      continue;
    }
    if (letter && !IsWordByte(prev)) {
      const size_t joined = TryJoin(v, n, p, w);
      if (joined != p) {
        p = joined;
        prev = 'a';                                     // the last byte read was a letter
        if (p >= end) end = TokenEnd(t, n, p, &flags);  // the run crossed spaces
        continue;
      }
    }
    const Segment seg = ScanSegment(t, p, end);
    const bool after_dollar = prev == '$';
    prev = At(t, seg.end - 1);
    EmitSegment(v, w, seg, ClassifySegment(seg, after_dollar, t), after_dollar);
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
    n = ReadMarkedTokens(Buffers{v.text.data(), v.begin.data(), v.end.data()}, n, out->marks_);
  }
  v.text.resize(n);
  v.begin.resize(n);
  v.end.resize(n);
}

}  // namespace centinela::text
