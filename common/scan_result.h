#pragma once
// The verdict on one message: the rules that fired with their spans in the original text, the
// entities found, the score and the action (DESIGN.md section 3, "Alert record").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace centinela {

// Actions in rising order; the rule pack's thresholds map a score to one of them.
enum class Action : uint8_t { kNone = 0, kReview = 1, kAlert = 2, kPublish = 3 };
std::string_view ActionName(Action action);
std::optional<Action> ParseAction(std::string_view name);

// Half-open [begin, end) UTF-8 byte offsets into the original message text.
struct Span {
  uint32_t begin = 0;
  uint32_t end = 0;
  friend bool operator==(const Span&, const Span&) = default;
  friend auto operator<=>(const Span&, const Span&) = default;
};

struct RuleHit {
  std::string id;
  int weight = 0;
  std::vector<Span> spans;  // sorted, possibly empty for composites
};

struct Amount {
  double value = 0;
  std::string currency;  // ISO 4217: "USD", "MXN"
  friend bool operator==(const Amount&, const Amount&) = default;
};

// Entities in the order first seen in the text, without duplicates.
struct Entities {
  std::vector<std::string> phones;    // E.164
  std::vector<std::string> whatsapp;  // E.164 of numbers offered as WhatsApp contacts, wa.me ids,
                                      // `chat.whatsapp.com/` and a group's invite code
  std::vector<std::string> telegram;  // @handles and t.me names, lowercase, without '@'; invite
                                      // links as `+` and their code, case kept
  std::vector<std::string> urls;
  std::vector<std::string> domains;  // registered domains (libpsl), lowercase
  std::vector<std::string> emails;   // lowercase
  std::vector<Amount> amounts;
  std::vector<std::string> payment_methods;  // canonical names: "zelle", "western_union", ...
  std::vector<std::string> payment_handles;  // "cash_app:$name", "venmo:@name", "paypal:name"
  bool empty() const {
    return phones.empty() && whatsapp.empty() && telegram.empty() && urls.empty() &&
           domains.empty() && emails.empty() && amounts.empty() && payment_methods.empty() &&
           payment_handles.empty();
  }
};

struct ScanResult {
  Action action = Action::kNone;
  int score = 0;                 // clamped to 0..100
  std::vector<RuleHit> rules;    // rules then composites, in pack order
  Entities entities;
  std::string campaign_key;      // empty when action is none
};

}  // namespace centinela
