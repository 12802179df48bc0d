#pragma once
// Small helpers on byte strings that several components need: a whole-string integer parse and a
// UTF-8-safe cut.
#include <charconv>
#include <cstddef>
#include <optional>
#include <string_view>
#include <system_error>

namespace centinela {

// `s` as an integer of type T when all of it is one (no sign for unsigned T, no spaces, no
// trailing characters, no overflow); nullopt otherwise.
template <typename T>
std::optional<T> ParseWhole(std::string_view s) {
  T value{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// The longest prefix of `s` of at most `max_bytes` bytes that does not end inside a UTF-8
// sequence (the cut backs up over continuation bytes).
inline std::string_view Utf8Prefix(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut);
}

}  // namespace centinela
