#pragma once
// SHA-256 (FIPS 180-4), for content digests: the rule pack's identity and the integrity check of
// cached Hyperscan databases. Not for secrets (no constant-time guarantees needed here).
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace centinela {

class Sha256 {
 public:
  Sha256();
  void Update(std::string_view data);
  std::array<uint8_t, 32> Finish();
  // Lowercase hex of the digest of everything updated so far; the object is reset after.
  std::string FinishHex();

  static std::string Hex(std::string_view data) {
    Sha256 h;
    h.Update(data);
    return h.FinishHex();
  }

 private:
  void Block(const uint8_t* p);
  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  uint64_t length_ = 0;  // bytes
  size_t buffered_ = 0;
};

// FNV-1a, 64 bits: a cheap, stable fingerprint (ids and keys, not integrity).
inline uint64_t Fnv1a64(std::string_view data, uint64_t hash = 0xcbf29ce484222325ULL) {
  for (unsigned char c : data) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

}  // namespace centinela
