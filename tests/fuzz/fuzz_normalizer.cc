// libFuzzer target for text::Normalizer: arbitrary bytes (valid or not) must fold without
// reading out of bounds, and every byte of the folded view must map to a non-empty span inside
// the original, with spans that never go backwards. Aborts on any violation.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "text/normalizer.h"

namespace {

using centinela::text::Normalized;
using centinela::text::Normalizer;
using centinela::text::View;

[[noreturn]] void Fail(const char* what, size_t at) {
  std::fprintf(stderr, "fuzz_normalizer: %s at view byte %zu\n", what, at);
  std::abort();
}

// Length of the UTF-8 sequence at p[0, n), or 0 when it is not valid.
size_t Utf8Len(const unsigned char* p, size_t n) {
  const unsigned char c = p[0];
  size_t len = 0;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c < 0xE0) len = 2;
  if (c >= 0xE0 && c < 0xF0) len = 3;
  if (c >= 0xF0 && c < 0xF5) len = 4;
  if (len == 0 || len > n) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((p[k] & 0xC0) != 0x80) return 0;
  }
  if (c == 0xE0 && p[1] < 0xA0) return 0;
  if (c == 0xED && p[1] >= 0xA0) return 0;
  if (c == 0xF0 && p[1] < 0x90) return 0;
  if (c == 0xF4 && p[1] >= 0x90) return 0;
  return len;
}

void Check(std::string_view original, const Normalized& out) {
  if (out.view(View::kRaw) != original) Fail("raw view differs from the input", 0);
  const auto& v = out.folded();
  const size_t n = v.text.size();
  if (v.begin.size() != n || v.end.size() != n) Fail("offset arrays differ in size", 0);
  for (size_t i = 0; i < n; ++i) {
    if (v.begin[i] >= v.end[i]) Fail("empty or inverted span", i);
    if (v.end[i] > original.size()) Fail("span past the end of the original", i);
    if (i > 0 && (v.begin[i] < v.begin[i - 1] || v.end[i] < v.end[i - 1])) {
      Fail("spans go backwards", i);
    }
  }
  const auto* p = reinterpret_cast<const unsigned char*>(v.text.data());
  for (size_t i = 0; i < n;) {
    const size_t len = Utf8Len(p + i, n - i);
    if (len == 0) Fail("folded view is not valid UTF-8", i);
    i += len;
  }
  if (n > 0 && (p[0] == ' ' || p[n - 1] == ' ')) Fail("untrimmed space", 0);
  for (size_t i = 1; i < n; ++i) {
    if (p[i] == ' ' && p[i - 1] == ' ') Fail("double space", i);
  }
  // The matcher hands Hyperscan `\s+` as one space (rules::HyperscanForm): no other white space.
  for (size_t i = 0; i < n; ++i) {
    if (p[i] == '\t' || p[i] == '\n' || p[i] == '\v' || p[i] == '\f' || p[i] == '\r') {
      Fail("white space other than one space", i);
    }
  }
  // Any view range maps inside the original.
  if (n > 0) {
    const auto span = out.ToOriginal(View::kFolded, 0, static_cast<uint32_t>(n));
    if (span.begin > span.end || span.end > original.size()) Fail("whole-view span", 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Normalizer* const normalizer = new Normalizer();
  static Normalized* const reused = new Normalized();  // stale state must never leak
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  Normalized fresh;
  normalizer->Normalize(input, &fresh);
  Check(input, fresh);
  normalizer->Normalize(input, reused);
  Check(input, *reused);
  if (reused->view(View::kFolded) != fresh.view(View::kFolded)) {
    Fail("a reused Normalized gives a different view", 0);
  }
  return 0;
}
