#pragma once
// Entity extraction: the contact points and money of a message (DESIGN.md section 3, keys of
// `entities`), used to explain an alert and to group alerts into campaigns.
//
//   phones           E.164. A bare 10-digit number is a US number; Mexican numbers are known by
//                    +52 / 52 / 044 / 045 prefixes or the Mexican layouts (`55 8932 4827`; after a
//                    contact word such as "cel" or "llame al", also in pairs: `55 89 32 48 27`,
//                    `664 123 45 67`; with a 52/044 prefix or `(55)` always). Digits spelled out
//                    after a contact word ("cel: tres dos tres cinco…", "323 five five five
//                    0177"). `t.me/+<number>` links. Validated with libphonenumber.
//   whatsapp         E.164 numbers offered as WhatsApp contacts (`WhatsApp 323...`, `wa.me/...`,
//                    "wasap", "whats", "wsp"); `wa.me/message/ID`; groups as
//                    `chat.whatsapp.com/CODE` (the invite code as written: it is case-sensitive).
//   telegram         Telegram handles (`t.me/name`, `@name` next to "telegram"), lowercase;
//                    invite links (`t.me/+CODE`, `t.me/joinchat/CODE`) as `+CODE`, case kept.
//   urls, domains    URLs as written (scheme added when missing) and their registered domains by
//                    the public suffix list (libpsl): `citas.sre.gob.mx` -> `sre.gob.mx`.
//                    Defanged hosts (`ayuda[.]com`, `ayuda(dot)com`) are domains, not URLs.
//   emails           lowercase; also written around filters: `juan arroba gmail punto com`,
//                    `juan[at]ayuda[.]com`, `juan (at) ayuda (dot) org`.
//   amounts          money with currency, from digits and from Spanish/English words:
//                    `$500`, `500 dlls`, `quinientos dólares`, `3 mil`, `9,300 pesos`, `$5OO`.
//                    `$` is USD unless pesos/MXN is said.
//   payment_methods  canonical names: gift_card, wire_transfer, western_union, moneygram, paypal,
//                    zelle, crypto, oxxo, seven_eleven, cash_app, venmo, cash_only,
//                    personal_account.
//   payment_handles  who is paid: `cash_app:$name` ($cashtag near a Cash App word, or a cash.app
//                    link; not `$usd`, `$btc`), `venmo:@name` (@handle nearer "Venmo" than
//                    "Telegram", or venmo.com/u/ link), `paypal:name` (paypal.me or
//                    paypal.com/paypalme link); lowercase. Each also adds its method.
//
// Thread safety: an EntityExtractor is immutable after Create() and shared by threads.
// Cost: microseconds per message (libphonenumber); call it only for messages where a rule fired.
#include <memory>
#include <string>

#include "common/result.h"
#include "common/scan_result.h"
#include "text/normalizer.h"

namespace centinela::rules {

class EntityExtractor {
 public:
  static Result<std::unique_ptr<EntityExtractor>> Create();
  ~EntityExtractor();
  EntityExtractor(const EntityExtractor&) = delete;  // owns compiled patterns and the PSL
  EntityExtractor& operator=(const EntityExtractor&) = delete;

  // Fills *out (cleared first) from the original text and its folded view.
  void Extract(const text::Normalized& text, Entities* out) const;

 private:
  struct Impl;
  explicit EntityExtractor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The record key of an alert: the strongest entity first (phone, WhatsApp, Telegram, domain,
// payment handle, email) as `phone:+13235550177`, `whatsapp:+52...`, `telegram:name`,
// `domain:uscis-ayuda.com`, `payment:cash_app:$name`, `email:x@y.com`; else `text:` and a
// 16-hex-digit fingerprint (FNV-1a 64) of the folded view with spaces and punctuation removed.
// What anyone quotes is skipped: official lines (USCIS, CIAM, SRE, consulates, MEXITEL),
// government domains, and shared platforms (google.com, bit.ly, gmail.com...).
std::string CampaignKey(const Entities& entities, const text::Normalized& text);

}  // namespace centinela::rules
