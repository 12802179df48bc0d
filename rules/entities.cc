// Entity extraction (see entities.h for the contract).
//
// Three single-pass RE2 scans find candidates; everything else is plain C++ on the few matches:
//   1. number runs (folded view, only when the text has 7+ digits): digit groups and their
//      separators; phone layouts are recognised on the groups and checked with libphonenumber.
//      Runs of digits spelled as words (three or more among them) after a contact word are read
//      as one number: counting, scores and lucky numbers are spelled too.
//   2. words (folded view): amounts (digits or number words with currency), payment methods and
//      WhatsApp words, in one alternation.
//   3. links (original text, case-insensitive): wa.me / t.me / WhatsApp group links, emails,
//      URLs, bare domains, @handles, $cashtags, and the Telegram, Venmo and Cash App words that
//      say whose a handle is. The original is used because the folded view reads digits inside
//      words as letters, which would corrupt hosts and handles. When the text writes `@` or `.`
//      around filters (`arroba`, `[at]`, `[.]`, `punto` after an `@`), a lowercased copy with
//      them restored is scanned again for emails and domains.
// The scans have no capture groups: RE2 finds the bounds of a match with its DFA (~0.3 us),
// while submatch extraction over these large alternations costs ~3 us a match. What matched is
// told by a small anchored RE2::Set (payment words) or by plain C++ on the short match text.
//
// libphonenumber (Debian's build uses ICU regexes) costs ~11 us for Parse() and ~10 us for
// IsValidNumber(). The layout rules below already know the country code and the national number,
// so PhoneNumber is built directly (no Parse); IsPossibleNumber() (~0.8 us) and NANP structure
// filter first, and IsValidNumber() results are cached per thread (scam numbers repeat), so a
// number costs ~10 us the first time a thread sees it and well under 1 us after.
//
// Decisions (also in the report of the change that added this file):
//   - A phone is kept when libphonenumber's IsValidNumber() accepts it (IsPossibleNumber() alone
//     would accept unassigned area codes and could not tell `5589324827` is Mexican); NANP 555-01xx
//     numbers (reserved for fiction, used in examples and training material) are kept when merely
//     possible, so they survive metadata updates that may mark them invalid.
//   - `phones` lists every phone number in the text, including the ones offered as WhatsApp
//     contacts and wa.me numbers: the same number then yields the same campaign key however it
//     was written. `whatsapp` is the subset offered over WhatsApp.
//   - A bare 10-digit number is read as US; when that reading is invalid (`55 8932 4827`
//     written without spaces) the Mexican reading is tried. 2-4-4 groups starting with 55/33/81
//     are Mexican; after a contact word ("cel", "llame al", "WhatsApp"), a 52/044/01 prefix or
//     `(55)`, so are pairs starting with 55/33/81 (`55 89 32 48 27`) and 3-3-2-2
//     (`664 123 45 67`): lottery draws and scores are written in pairs too. Digits spelled as
//     words count only after a contact word.
//   - Bare domains need a known ICANN suffix (no `*` rule), so `p.ej.`, `U.S.`, `EE.UU.` and
//     `formulario.pdf` are not domains. Suffixes that are also common words (`.es`, `.de`,
//     `.la`, `.no`, `.me`, `.zip`, ...) count only with a scheme, `www.` or a path.
//   - A bare host without scheme, `www.` or path goes to `domains` only; with one of them it is
//     also a URL (`http://` added when missing). Email domains are not added to `domains`, and
//     messenger link hosts (wa.me, t.me) are not either: the contact is the entity.
//   - Amounts need a currency (`$`, USD, MXN, dólares, pesos, dlls, ...). Without one, a number
//     (10 or more) counts as money only right after a money word and up to two fillers ("le
//     cobran 500", "pague hoy 3 mil"), and not before a unit ("30 dias"). Number words need a
//     currency or a money word too. `$` is USD unless the amount says
//     pesos/MXN (`$500 pesos`); amounts without any currency are USD unless the message names
//     pesos/MXN and no dollars.
//   - Payment handles need the service named: a $cashtag near "Cash App", an @handle near
//     "Venmo", or a payment link (paypal.me, cash.app, venmo.com), whose host is then not a
//     domain of the message (it hosts everyone's payees). `$usd` and `$mxn` are money.
//   - Government domains (.gov, .gob.mx, .mil) are skipped for the campaign key: citing
//     uscis.gov is not what identifies a campaign. So are shared platforms (google.com, bit.ly,
//     gmail.com…), which host everyone's pages and mail, and the official phone lines that
//     warnings and scams both quote (USCIS 800-375-5283, SRE 55 8932 4827…).
#include "rules/entities.h"

#include <libpsl.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>
#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/sha256.h"

namespace centinela::rules {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

template <typename T>
void AddUnique(std::vector<T>* v, T value) {
  if (std::find(v->begin(), v->end(), value) == v->end()) v->push_back(std::move(value));
}

std::string_view ToView(const re2::StringPiece& p) { return {p.data(), p.size()}; }

// ---------------------------------------------------------------------------------------------
// Patterns.

// Folded view: a run of digit groups with the separators phone numbers are written with, or one
// group of 10+ digits. Lone short groups (years, prices, times) do not match at all.
constexpr char kNumberRunPattern[] = R"(\+?\(?\d+(?:[ .\-()]{1,3}\d+)+|\+?\d{10,})";

// Folded view: digits written as words, alone or among digit groups, to dodge filters
// ("tres dos tres cinco cinco cinco cero uno siete siete", "323 five five five 0177"); counted
// only after a contact word (AfterContactWord).
constexpr char kDigitWords[] =
    R"((?:cero|uno|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|zero|one|two|three|four|five|six|)"
    R"(seven|eight|nine))";
std::string SpelledRunPattern() {
  const std::string token = std::string(R"((?:\b)") + kDigitWords + R"(\b|\d+))";
  return token + R"((?:[ .\-]{1,3})" + token + "){4,}";
}

// Folded view, just before a number run: a word that offers it as a contact ("llame al",
// "cel.", "WhatsApp:"), with up to two short words between ("marque al numero"). Not words with
// other everyday senses ("info", "text", "call", "marca"). Matched on a window that starts at a
// word's start, so `\b` cannot fall inside "hotel".
constexpr char kContactWordPattern[] =
    R"(\b(?:tel|telefono|telefonos|cel|celular|movil|llam\w*|marcar|marcame|marcanos|marque\w*|)"
    R"(whats\w*|wsp|wasap|wassap|contacto|contactenos|informes|phone|cell|mobile)\b)"
    R"((?:\W{1,3}\w{1,6}){0,2}\W{0,3}$)";

// Folded view: the words before a number that make it a case, receipt or account number.
// The label may be followed by up to three short words ("su caso es el", "receipt number: IOE",
// "numero de cita es").
constexpr char kIdContextPattern[] =
    R"(\b(?:caso|case|recibo|receipt|folio|expediente|tracking|alien|a\s?#|a-?\s?number|ssn|)"
    R"(social|cuenta|account|tarjeta|card|routing|clabe|orden|order|referencia|reference|ref|)"
    R"(pasaporte|passport|matricula|licencia|license|id|confirmacion|confirmation|)"
    R"((?:numero|number|no)\W{0,3}(?:de\W{0,3})?(?:cita|appointment)))"
    R"((?:\W{0,3}(?:numero|number|num|no|nro|de|del|es|el|is|su|your|the|ioe|lin|eac|wac|msc|)"
    R"(src|nbc|ysc)\b){0,3}\W{0,3}$)";

// Folded view: a money word and up to two filler words before a number ("le cobran 500",
// "pay only 300"). Part of the amount alternative; ParseAmount() skips it.
constexpr char kMoneyWords[] =
    R"(\b(?:cobr\w*|pag\w*|cuesta\w*|costo|cost\w*|precio|price|cuota|tarifa|fee|fees|pay\w*|)"
    R"(charg\w*|deposit\w*|honorarios|dinero|money|send|envi[ae]\w*|mand[ae]\w*))"
    R"(\s+(?:(?:de|del|solo|only|me|le|les|nos|total|the|of|us|you|him|her|them|mas|extra|hoy|)"
    R"(today|ahora|now|ya|unos|unas|como|about|around|hasta|up|to|al|el|la|los|las)\s+){0,2})";
// Folded view, anchored at the start of the text after a number: a unit that is not money.
constexpr char kNotMoneyPattern[] =
    R"(^\s?(?:dias?|mes|meses|anos?|años?|horas?|semanas?|minutos?|days?|months?|years?|hours?|)"
    R"(weeks?|minutes?|personas?|people|veces|times|%|por\s?ciento|percent|am|pm|hrs?|)"
    R"(de\s+(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|)"
    R"(noviembre|diciembre)))";

// Canonical payment method names, in the order of their patterns (alternatives of the words
// pattern and members of the word-kind RE2::Set). personal_account comes first: at one position the
// first alternative wins, and "transfiera a mi cuenta" must not be taken by wire_transfer alone.
constexpr std::array<const char*, 13> kPaymentNames = {
    "personal_account", "gift_card", "wire_transfer", "western_union", "moneygram",
    "paypal",           "zelle",     "crypto",        "oxxo",          "seven_eleven",
    "cash_app",         "venmo",     "cash_only"};
constexpr std::array<const char*, 13> kPaymentPatterns = {
    // personal_account
    R"(cuenta\s+personal|(?:deposit[ae]\w*|transfier[ae]\w*|mand[ae]\w*|envi[ae]\w*)\s+)"
    R"((?:el\s+dinero\s+|el\s+pago\s+|lo\s+)?(?:a|en)\s+(?:mi|nuestra)\s+cuenta|)"
    R"(deposit\w*\s+(?:it\s+|the\s+money\s+|the\s+payment\s+)?(?:to|into|in)\s+my\s+account|)"
    R"(my\s+personal\s+(?:bank\s+)?account|personal\s+bank\s+account)",
    // gift_card
    R"(gift\s?cards?|tarjetas?\s+de\s+regalo|tarjetas?\s+(?:de\s+)?(?:itunes|google\s?play|)"
    R"(amazon|target|steam|walmart|apple|ebay|sephora)|(?:itunes|google\s?play|amazon|target|)"
    R"(steam|walmart|apple|ebay|sephora|vanilla)\s+(?:gift\s+)?cards?)",
    // wire_transfer
    R"(transferencias?(?:\s+bancarias?)?|transfier[ae]\w*|wire\s+transfers?|wire|wired|wiring|)"
    R"(giros?(?:\s+(?:bancarios?|telegraficos?|postales?))?|bank\s+transfers?)",
    // western_union
    R"(western\s?union|wester\s+union)",
    // moneygram
    R"(money\s?gram)",
    // paypal
    R"(pay\s?pal)",
    // zelle
    R"(zelle)",
    // crypto
    R"(bitcoins?|btc|usdt|tether|ethereum|binance|litecoin|cripto(?:s|monedas?)?|)"
    R"(crypto(?:s|currency|currencies)?)",
    // oxxo
    R"(oxxo)",
    // seven_eleven
    R"((?:7|seven)\s?-?\s?eleven)",
    // cash_app
    R"(cash\s?app)",
    // venmo
    R"(venmo)",
    // cash_only
    R"((?:solo|solamente|unicamente|nomas|nada\s+mas)\s+(?:en\s+|con\s+)?efectivo|)"
    R"(efectivo\s+(?:solamente|unicamente|nada\s+mas)|cash\s+only|only\s+(?:in\s+)?cash|)"
    R"(only\s+(?:accept|take)s?\s+cash)",
};

// Number words (folded: lowercase, accents removed).
// Words that may continue a number: not `a` ("five hundred a month").
constexpr char kNumberWordMore[] =
    R"((?:cero|uno|un|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|trece|)"
    R"(catorce|quince|dieciseis|diecisiete|dieciocho|diecinueve|veinte|veintiuno|veintiun|)"
    R"(veintiuna|veintidos|veintitres|veinticuatro|veinticinco|veintiseis|veintisiete|)"
    R"(veintiocho|veintinueve|treinta|cuarenta|cincuenta|sesenta|setenta|ochenta|noventa|)"
    R"(ciento|cien|doscientos|trescientos|cuatrocientos|quinientos|seiscientos|setecientos|)"
    R"(ochocientos|novecientos|mil|millones|millon|one|two|three|four|five|six|seven|eight|)"
    R"(nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|)"
    R"(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million)\b)";
// Words that may start a number: not `a`, `un`, `una`, `uno`, `cero` (too common as words).
constexpr char kNumberWordStart[] =
    R"((?:dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|trece|catorce|quince|)"
    R"(dieciseis|diecisiete|dieciocho|diecinueve|veinte|veintiuno|veintiun|veintiuna|veintidos|)"
    R"(veintitres|veinticuatro|veinticinco|veintiseis|veintisiete|veintiocho|veintinueve|)"
    R"(treinta|cuarenta|cincuenta|sesenta|setenta|ochenta|noventa|ciento|cien|doscientos|)"
    R"(trescientos|cuatrocientos|quinientos|seiscientos|setecientos|ochocientos|novecientos|)"
    R"(mil|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|)"
    R"(fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|)"
    R"(eighty|ninety)\b)";

// WhatsApp words. A bare `wa` only before `:` or `=`: `WA` is also Washington.
constexpr char kWhatsAppWords[] =
    R"(whats\s?app|whatsap|watsap|watsapp|wasap|wassap|guasap|whats|wats|wsp|wpp|wapp)";
constexpr char kWhatsAppWa[] = R"(wa\s?[:=])";

std::string WordsPattern() {
  // Payment methods first: at one start position the first alternative that matches wins
  // (leftmost-first), and `seven eleven` or `7 eleven` is a store, not a number.
  std::string p;
  for (const char* method : kPaymentPatterns) {
    p += R"(\b(?:)";
    p += method;
    p += R"()\b|)";
  }
  p += R"(\b(?:)";
  p += kWhatsAppWords;
  p += R"()\b|\b)";
  p += kWhatsAppWa;
  // Amounts, only where money is said: a currency before, a currency after, or a money word
  // before. Bare numbers (years, zip codes, "30 dias") and number words never match, which
  // keeps the matches, each ~0.5 us, few. ParseAmount() reads the parts back.
  const std::string cur_before = R"((?:us\s?\$|usd\$?|mxn\$?|mx\s?\$|\$)\s?)";
  const std::string number = R"((?:\d{1,3}(?:[,.]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?))";
  // Two digits at least after a money word alone, so "pague 7-eleven" stays a store.
  const std::string number2 = R"((?:\d{1,3}(?:[,.]\d{3})+(?:[.,]\d{1,2})?|\d{2,}(?:[.,]\d{1,2})?))";
  const std::string words =
      std::string(R"((?:(?:un|una|a)\s+(?:mil|millones|millon|thousand|million|hundred)\b|)") +
      kNumberWordStart + R"()(?:(?:\s+(?:y\s+|and\s+)?|\s*-\s*))" + kNumberWordMore + ")*";
  // Words that end in `mil` and digits: `dos mil 500`. Tried first, so the digits are not left
  // for an amount of their own.
  const std::string words_digits = "(?:(?:" + words + R"(\s+)?mil\s+(?:y\s+)?\d{1,3}\b|)" +
                                   words + ")";
  // `3 mil`, `1.5k`, and what follows a thousand: `3 mil 500`, `2 mil quinientos`.
  const std::string multiplier =
      R"(\s?(?:k|mil|millones|millon|thousand|million|grand)\b(?:\s+(?:y\s+)?(?:\d{1,3}\b|)" +
      words + "))?";
  const std::string cur_after =
      R"(\s?(?:de\s+)?(?:us\s+)?(?:dolares|dolar|dollars|dollar|dlls|dll|dls|usd|bucks|)"
      R"(pesos|peso|mxn|m\.?n)\b)";
  p += "|" + cur_before + number + "(?:" + multiplier + ")?(?:" + cur_after + ")?";
  p += "|" + number + "(?:" + multiplier + ")?" + cur_after;
  p += "|" + words_digits + cur_after;
  p += "|" + std::string(kMoneyWords) + "(?:" + number + multiplier + "|" + number2 + "|" +
       words_digits + ")(?:" + cur_after + ")?";
  return p;
}

// Original text, case-insensitive: links, emails, domains and Telegram handles, in this order
// of preference at one start position. ScanLinks() tells them apart from the match text.
constexpr char kLinksPattern[] =
    R"((?i)(?:https?://)?(?:(?:api\.)?wa\.me/|(?:api\.|web\.|www\.)?whatsapp\.com/send/?\?phone=))"
    R"((?:\+?[0-9]{6,15}|message/[a-z0-9]+))"
    R"(|(?:https?://)?chat\.whatsapp\.com/(?:invite/)?[a-z0-9]{10,32}\b)"
    R"(|(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)/)"
    R"((?:(?:\+|joinchat/)[a-z0-9_\-]{6,64}|(?:s/)?@?[a-z0-9_]{4,32}\b))"
    R"(|[a-z0-9][a-z0-9._%+\-]*@[a-z0-9\-]+(?:\.[a-z0-9\-]+)+)"
    R"(|(?:https?://|www\.)[^\s<>"'(){}\[\]]+)"
    R"(|(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9\-]{1,62})"
    R"((?:/[^\s<>"'(){}\[\]]*)?)"
    R"(|@[a-z][a-z0-9_\-]{3,31})"
    R"(|\$[a-z][a-z0-9_]{0,19}\b)"
    R"(|\b(?:telegram|telegrama|tg|cash[\s\-]?app|cashtag|venmo)\b)";

// Lowercased original: e-mails and domains written around filters. `[at]`, `(arroba)` and a bare
// `arroba` are `@`; `[.]`, `(dot)`, `{punto}` are `.`; after an `@`, a bare `punto` or `dot` is
// `.` too (`juan arroba gmail punto com`). A bare `dot` or `punto` elsewhere stays a word: "the
// dot com bubble", "a las 5 en punto".
constexpr char kDefangAtPattern[] =
    R"([\s\x{A0}]*[\[({<][\s\x{A0}]*(?:at|arroba|@)[\s\x{A0}]*[\])}>][\s\x{A0}]*|)"
    R"([\s\x{A0}]+arroba[\s\x{A0}]+)";
constexpr char kDefangDotPattern[] =
    R"([\s\x{A0}]*[\[({<][\s\x{A0}]*(?:dot|punto|\.)[\s\x{A0}]*[\])}>][\s\x{A0}]*)";
// Only before a common suffix: "juan@gmail.com punto de reunion" stays as it is.
constexpr char kDefangWordDotPattern[] =
    R"((@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*)[\s\x{A0}]+(?:punto|dot)[\s\x{A0}]+)"
    R"((com|net|org|info|biz|online|site|app|mx|us|co|gob|gov|edu)\b)";

// Suffixes that are also everyday words or file extensions: a bare `hice.no` or
// `archivo.zip` is a typo or a file, not a domain, unless written as a link.
constexpr std::string_view kAmbiguousTlds[] = {
    "al", "am", "as",  "at", "be", "by", "casa", "de", "do", "es", "in",  "is",   "it",
    "la", "me", "mov", "my", "no", "se", "si",   "so", "su", "to", "zip", "link", "ir"};

// Hosts whose paths name a contact or a payee, not a site.
constexpr std::array<std::string_view, 9> kMessengerHosts = {
    "wa.me",        "whatsapp.com", "t.me",     "telegram.me", "telegram.dog",
    "telegram.org", "paypal.me",    "cash.app", "venmo.com"};

// `$` followed by these is money, not a Cash App cashtag: currencies and crypto tickers.
constexpr std::string_view kMoneyTags[] = {
    "us",    "usd",   "mx",      "mxn",   "mn",      "dll",      "dlls", "dls",  "cad",
    "peso",  "pesos", "dolar",   "dolares", "dollar", "dollars", "btc",  "eth",  "usdt",
    "usdc",  "bnb",   "doge",    "xrp",   "ltc",     "bitcoin",  "ethereum", "tether"};

// ---------------------------------------------------------------------------------------------
// Number words.

struct WordValue {
  std::string_view word;
  int value;  // >= 0: add; -1: x100; -2: x1000; -3: x1e6
};
// clang-format off
constexpr WordValue kWordValues[] = {
    {"cero", 0},         {"uno", 1},           {"un", 1},           {"una", 1},
    {"a", 1},            {"dos", 2},           {"tres", 3},         {"cuatro", 4},
    {"cinco", 5},        {"seis", 6},          {"siete", 7},        {"ocho", 8},
    {"nueve", 9},        {"diez", 10},         {"once", 11},        {"doce", 12},
    {"trece", 13},       {"catorce", 14},      {"quince", 15},      {"dieciseis", 16},
    {"diecisiete", 17},  {"dieciocho", 18},    {"diecinueve", 19},  {"veinte", 20},
    {"veintiuno", 21},   {"veintiun", 21},     {"veintiuna", 21},   {"veintidos", 22},
    {"veintitres", 23},  {"veinticuatro", 24}, {"veinticinco", 25}, {"veintiseis", 26},
    {"veintisiete", 27}, {"veintiocho", 28},   {"veintinueve", 29}, {"treinta", 30},
    {"cuarenta", 40},    {"cincuenta", 50},    {"sesenta", 60},     {"setenta", 70},
    {"ochenta", 80},     {"noventa", 90},      {"cien", 100},       {"ciento", 100},
    {"doscientos", 200}, {"trescientos", 300}, {"cuatrocientos", 400}, {"quinientos", 500},
    {"seiscientos", 600}, {"setecientos", 700}, {"ochocientos", 800}, {"novecientos", 900},
    {"mil", -2},         {"millon", -3},       {"millones", -3},    {"one", 1},
    {"two", 2},          {"three", 3},         {"four", 4},         {"five", 5},
    {"six", 6},          {"seven", 7},         {"eight", 8},        {"nine", 9},
    {"ten", 10},         {"eleven", 11},       {"twelve", 12},      {"thirteen", 13},
    {"fourteen", 14},    {"fifteen", 15},      {"sixteen", 16},     {"seventeen", 17},
    {"eighteen", 18},    {"nineteen", 19},     {"twenty", 20},      {"thirty", 30},
    {"forty", 40},       {"fifty", 50},        {"sixty", 60},       {"seventy", 70},
    {"eighty", 80},      {"ninety", 90},       {"hundred", -1},     {"thousand", -2},
    {"million", -3},     {"zero", 0},  // `zero` only in spelled phone digits
};
// clang-format on

// The entry of a number word, or nullptr.
const WordValue* FindNumberWord(std::string_view word) {
  for (const WordValue& wv : kWordValues) {
    if (wv.word == word) return &wv;
  }
  return nullptr;
}

// Value of a run of number words as matched by the words pattern; nullopt when it has none.
// `has_big` says whether it contains mil/thousand/million.
std::optional<double> ParseNumberWords(std::string_view s, bool* has_big) {
  double total = 0;
  double current = 0;
  bool any = false;
  *has_big = false;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && !IsAlpha(s[i])) ++i;
    size_t j = i;
    while (j < s.size() && IsAlpha(s[j])) ++j;
    std::string_view word = s.substr(i, j - i);
    i = j;
    if (word.empty() || word == "y" || word == "and") continue;
    const WordValue* found = FindNumberWord(word);
    if (found == nullptr) continue;
    any = true;
    switch (found->value) {
      case -1:
        current = (current == 0 ? 1 : current) * 100;
        break;
      case -2:
        total += (current == 0 ? 1 : current) * 1000;
        current = 0;
        *has_big = true;
        break;
      case -3: {
        double base = total + current;
        total = (base == 0 ? 1 : base) * 1e6;
        current = 0;
        *has_big = true;
        break;
      }
      default:
        current += found->value;
    }
  }
  if (!any) return std::nullopt;
  return total + current;
}

// "1,500" -> 1500, "1.500" -> 1500, "1,500.50" -> 1500.5, "12,50" -> 12.5, "1.5" -> 1.5.
double ParseDigits(std::string_view s) {
  size_t last_comma = s.rfind(',');
  size_t last_dot = s.rfind('.');
  size_t decimal = std::string_view::npos;
  if (last_comma != std::string_view::npos && last_dot != std::string_view::npos) {
    decimal = std::max(last_comma, last_dot);
  } else {
    size_t sep = last_comma != std::string_view::npos ? last_comma : last_dot;
    if (sep != std::string_view::npos) {
      char c = s[sep];
      bool single = s.find(c) == sep;
      // One separator followed by exactly three digits groups thousands; otherwise decimals.
      if (single && s.size() - sep - 1 != 3) decimal = sep;
    }
  }
  double value = 0;
  double scale = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == decimal) {
      scale = 1;
      continue;
    }
    if (!IsDigit(c)) continue;
    if (scale == 0) {
      value = value * 10 + (c - '0');
    } else {
      scale /= 10;
      value += (c - '0') * scale;
    }
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Campaign key helpers.

// Whether a code point is a letter or digit for the fingerprint: ASCII letters and digits, and
// the non-ASCII code points outside the punctuation, symbol and emoji blocks.
bool KeepForFingerprint(char32_t cp) {
  if (cp < 0x80) return IsAlnum(static_cast<char>(cp));
  if (cp < 0xC0) return cp == 0xAA || cp == 0xB5 || cp == 0xBA;  // ª µ º; ¡ ¿ « » ° are not
  if (cp == 0xD7 || cp == 0xF7) return false;                    // × ÷
  if (cp >= 0x2000 && cp <= 0x2BFF) return false;    // punctuation, symbols, arrows, dingbats
  if (cp >= 0x3000 && cp <= 0x303F) return false;    // CJK punctuation
  if (cp >= 0xFE00 && cp <= 0xFE0F) return false;    // variation selectors
  if (cp >= 0x1F000 && cp <= 0x1FAFF) return false;  // emoji
  if (cp >= 0xE0000) return false;                   // tags, private use
  return true;
}

// Registered domains that host anyone's pages, links or mail: two unrelated campaigns on
// sites.google.com or bit.ly must not share a campaign key.
bool IsSharedPlatform(std::string_view domain) {
  static constexpr std::string_view kShared[] = {
      "google.com", "forms.gle",   "goo.gl",       "facebook.com", "fb.com",      "fb.me",
      "instagram.com", "tiktok.com", "youtube.com", "youtu.be",    "twitter.com", "x.com",
      "t.co",        "bit.ly",      "tinyurl.com",  "cutt.ly",      "rebrand.ly",  "wa.link",
      "linktr.ee",   "gmail.com",   "hotmail.com",  "outlook.com",  "live.com",    "yahoo.com",
      "icloud.com",  "whatsapp.com", "wa.me",       "t.me",         "telegram.me", "wixsite.com",
      "blogspot.com", "wordpress.com", "paypal.com"};
  for (std::string_view shared : kShared) {
    if (domain == shared) return true;
  }
  return false;
}

// Official lines that warnings and scams quote alike: the numbers of DOMAIN.md that the
// `official-channels` rule also lists (USCIS contact center and forms line, the CIAM 24h line,
// SRE's and the Los Angeles consulate's appointment WhatsApp lines, the NY AG fraud hotline),
// and MEXITEL (1-877-639-4835). Citing one is not what identifies a campaign.
bool IsOfficialLine(std::string_view e164) {
  static constexpr std::string_view kOfficial[] = {
      "+18003755283", "+18008703676", "+15206237874", "+525589324827",
      "+14243090009", "+18776394835", "+18663902992"};
  return std::find(std::begin(kOfficial), std::end(kOfficial), e164) != std::end(kOfficial);
}

bool IsGovernmentDomain(std::string_view domain) {
  // Any label after the first: gov, gob, mil (uscis.gov, sre.gob.mx, army.mil, gov.uk hosts).
  size_t dot = domain.find('.');
  while (dot != std::string_view::npos) {
    size_t next = domain.find('.', dot + 1);
    std::string_view label = domain.substr(
        dot + 1, next == std::string_view::npos ? std::string_view::npos : next - dot - 1);
    if (label == "gov" || label == "gob" || label == "mil") return true;
    dot = next;
  }
  return false;
}

// A phone found in the folded view.
struct PhoneHit {
  size_t begin;
  size_t end;
  std::string e164;
};

// A WhatsApp or Telegram word's position.
struct Mark {
  size_t begin;
  size_t end;
};

// A phone or WhatsApp contact at a position of the original text.
struct Contact {
  size_t pos;
  std::string value;  // E.164, or a wa.me id that is not a phone number
  bool phone;
  bool whatsapp;
};

// A currency-less or `$` amount waiting for the message's currency.
struct PendingAmount {
  double value;
  std::string currency;  // empty: to be resolved
};

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// The parts of an amount as matched by the words pattern.
struct AmountParts {
  char currency_before = 0;  // 'u' USD, 'm' MXN, '$', or 0
  char currency_after = 0;   // 'u' USD, 'm' MXN, or 0
  bool digits = false;       // digits, else number words
  size_t digits_begin = 0;   // offsets in the match text
  size_t digits_end = 0;
  double value = 0;
  bool multiplier = false;  // mil / k / thousand / million, in digits or words
  bool money_word = false;  // introduced by a money word ("cobran 500")
  size_t value_end = 0;     // where what the value counts ends in the match text: before digits
                            // after a thousand that were not counted (`dos mil 30 dias`)
};

// The alphabetic token at s[i...], or empty.
std::string_view AlphaAt(std::string_view s, size_t i) {
  size_t j = i;
  while (j < s.size() && IsAlpha(s[j])) ++j;
  return s.substr(i, j - i);
}

bool IsNumberWord(std::string_view word) { return FindNumberWord(word) != nullptr; }

char CurrencyWord(std::string_view word) {
  static constexpr std::string_view kUsd[] = {"dolares", "dolar", "dollars", "dollar", "dlls",
                                              "dll",     "dls",   "usd",     "bucks"};
  static constexpr std::string_view kMxn[] = {"pesos", "peso", "mxn", "mn"};
  for (std::string_view w : kUsd) {
    if (word == w) return 'u';
  }
  for (std::string_view w : kMxn) {
    if (word == w) return 'm';
  }
  return 0;
}

// The value of the digits at s[i...] that follow a thousand (`3 mil 500 dolares`, `dos mil 500
// pesos`), counted only when a word, the currency, comes after them in the match: in `$5 mil 30
// dias` the 30 is days.
double ThousandTail(std::string_view s, size_t i) {
  size_t t = i;
  while (t < s.size() && IsDigit(s[t])) ++t;
  size_t after = t;
  while (after < s.size() && !IsAlpha(s[after])) ++after;
  return t > i && after < s.size() ? ParseDigits(s.substr(i, t - i)) : 0;
}

// Reads back the parts of a match of the amount alternative (folded text, so lowercase).
AmountParts ParseAmount(std::string_view s) {
  AmountParts a;
  a.value_end = s.size();
  size_t i = 0;
  auto skip_space = [&] {
    if (i < s.size() && s[i] == ' ') ++i;
  };
  if (StartsWith(s, "usd")) {
    a.currency_before = 'u';
    i = 3;
    if (i < s.size() && s[i] == '$') ++i;
  } else if (StartsWith(s, "us") || StartsWith(s, "mx")) {
    a.currency_before = s[0] == 'u' ? 'u' : 'm';
    i = 2;
    if (StartsWith(s, "mxn")) i = 3;
    skip_space();
    if (i < s.size() && s[i] == '$') ++i;
  } else if (StartsWith(s, "$")) {
    a.currency_before = '$';
    i = 1;
  } else if (IsAlpha(s[0]) && !IsNumberWord(AlphaAt(s, 0))) {
    // A money word and fillers: skip words up to the first digit or number word.
    a.money_word = true;
    i = AlphaAt(s, 0).size();
    while (i < s.size() && !IsDigit(s[i])) {
      const std::string_view word = AlphaAt(s, i);
      if (!word.empty() && IsNumberWord(word)) break;
      i += std::max<size_t>(word.size(), 1);
    }
  }
  skip_space();
  if (i < s.size() && IsDigit(s[i])) {
    a.digits = true;
    size_t j = i;
    while (j < s.size() && (IsDigit(s[j]) || ((s[j] == ',' || s[j] == '.') && j + 1 < s.size() &&
                                              IsDigit(s[j + 1])))) {
      ++j;
    }
    a.digits_begin = i;
    a.digits_end = j;
    a.value = ParseDigits(s.substr(i, j - i));
    i = j;
    skip_space();
    std::string_view mult = AlphaAt(s, i);
    if (mult == "k" || mult == "mil" || mult == "thousand" || mult == "grand") {
      a.value *= 1000;
      a.multiplier = true;
    } else if (mult == "millon" || mult == "millones" || mult == "million") {
      a.value *= 1e6;
      a.multiplier = true;
    }
    if (a.multiplier) {
      i += mult.size();
      const size_t mult_end = i;
      while (i < s.size() && s[i] == ' ') ++i;
      if (StartsWith(s.substr(i), "y ")) i += 2;
      if (mult == "mil" || mult == "thousand") {
        if (i < s.size() && IsDigit(s[i])) {
          const double tail = ThousandTail(s, i);
          a.value += tail;
          if (tail == 0) a.value_end = mult_end;
        } else if (i < s.size()) {
          bool big = false;  // `2 mil quinientos`
          const double tail = ParseNumberWords(s.substr(i), &big).value_or(0);
          if (!big && tail < 1000) a.value += tail;
        }
      }
    }
  } else {
    auto words = ParseNumberWords(s.substr(i), &a.multiplier);
    a.value = words.value_or(0);
    const size_t tail = s.find_first_of("0123456789", i);
    if (a.multiplier && tail != std::string_view::npos) {
      const double digits = ThousandTail(s, tail);
      a.value += digits;
      if (digits == 0) a.value_end = tail;
    }
  }
  // The last word, if it is a currency, is the currency after (`m.n` ends in `n`).
  size_t begin = s.size();
  while (begin > 0 && IsAlpha(s[begin - 1])) --begin;
  std::string_view last = s.substr(begin);
  if (last == "n" && s.size() >= 3 && s.substr(s.size() - 3) == "m.n") last = "mn";
  a.currency_after = CurrencyWord(last);
  return a;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

struct EntityExtractor::Impl {
  Impl(const psl_ctx_t* psl_ctx, const RE2::Options& options)
      : psl(psl_ctx),
        phone_util(PhoneNumberUtil::GetInstance()),
        number_run(kNumberRunPattern, options),
        spelled_run(SpelledRunPattern(), options),
        contact_word(kContactWordPattern, options),
        id_context(kIdContextPattern, options),
        not_money(kNotMoneyPattern, options),
        words(WordsPattern(), options),
        links(kLinksPattern, options),
        defang_at(kDefangAtPattern, options),
        defang_dot(kDefangDotPattern, options),
        defang_word_dot(kDefangWordDotPattern, options),
        word_kind(options, RE2::ANCHOR_BOTH) {}

  Status Init() {
    for (const RE2* re : {&number_run, &spelled_run, &contact_word, &id_context, &not_money,
                          &words, &links, &defang_at, &defang_dot, &defang_word_dot}) {
      if (!re->ok()) return Error{"entity pattern: " + re->error() + ": " + re->pattern()};
    }
    // Which word matched: payment methods 0..12, then WhatsApp words.
    std::string error;
    for (const char* method : kPaymentPatterns) {
      if (word_kind.Add(method, &error) < 0) return Error{"payment pattern: " + error};
    }
    if (word_kind.Add(std::string(kWhatsAppWords) + "|" + kWhatsAppWa, &error) < 0) {
      return Error{"WhatsApp pattern: " + error};
    }
    if (!word_kind.Compile()) return Error{"entity word set: out of memory"};
    return Status::Ok();
  }

  void FindPhones(std::string_view f, std::vector<PhoneHit>* hits) const;
  void FindSpelledPhones(std::string_view f, std::vector<PhoneHit>* hits) const;
  // Whether the number at f[pos] follows a case, receipt or account label (kIdContextPattern),
  // or a word that offers it as a contact (kContactWordPattern).
  bool AfterIdLabel(std::string_view f, size_t pos) const;
  bool AfterContactWord(std::string_view f, size_t pos) const;
  void ProcessRun(std::string_view f, size_t begin, size_t end, std::vector<PhoneHit>* hits) const;
  // `pairs`: whether Mexican numbers written in pairs count here without a prefix (see
  // IsMxLayout); after 52, 044, 045 or 01 they always do.
  std::optional<std::string> TryPhone(const std::vector<std::string_view>& groups, size_t i,
                                      size_t j, bool plus, bool pairs) const;
  std::optional<std::string> CheckNumber(int32_t country_code, std::string_view national) const;

  void ScanWords(std::string_view f, const std::vector<PhoneHit>& phones, Entities* out,
                 std::vector<Mark>* whatsapp_words) const;
  void ScanLinks(std::string_view original, Entities* out, std::vector<Contact>* contacts) const;
  std::string Defang(std::string_view original) const;
  bool KnownHost(std::string_view host, bool linked, std::string* registered) const;

  const psl_ctx_t* psl;
  const PhoneNumberUtil* phone_util;
  RE2 number_run;
  RE2 spelled_run;
  RE2 contact_word;
  RE2 id_context;
  RE2 not_money;
  RE2 words;
  RE2 links;
  RE2 defang_at;
  RE2 defang_dot;
  RE2 defang_word_dot;
  RE2::Set word_kind;
};

// --- Phones ------------------------------------------------------------------------------------

std::optional<std::string> EntityExtractor::Impl::CheckNumber(int32_t country_code,
                                                              std::string_view national) const {
  if (national.empty() || national.size() > 15) return std::nullopt;
  if (country_code == 1) {
    // NANP: NPA and NXX start with 2-9. Cheap, and IsValidNumber() would say the same.
    if (national.size() != 10 || national[0] < '2' || national[3] < '2') return std::nullopt;
  }
  // E.164 is `+`, the country code and the national number as written (leading zeros kept).
  std::string e164 = "+" + std::to_string(country_code);
  e164.append(national);

  // IsValidNumber() is ~10 us with Debian's ICU-backed build: cache the verdicts per thread.
  thread_local std::unordered_map<std::string, bool> verdicts;
  if (auto it = verdicts.find(e164); it != verdicts.end()) {
    if (!it->second) return std::nullopt;
    return e164;
  }
  PhoneNumber number;
  number.set_country_code(country_code);
  int zeros = 0;
  uint64_t value = 0;
  for (char c : national) {
    if (value == 0 && c == '0') ++zeros;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  number.set_national_number(value);
  if (zeros > 0) {
    number.set_italian_leading_zero(true);
    if (zeros > 1) number.set_number_of_leading_zeros(zeros);
  }
  bool valid = phone_util->IsPossibleNumber(number);
  if (valid && !phone_util->IsValidNumber(number)) {
    // NANP 555-0100..555-0199 are reserved for fiction; examples use them, keep them.
    valid = country_code == 1 && national.substr(3, 3) == "555" && national.substr(6, 2) == "01";
  }
  if (verdicts.size() >= 4096) verdicts.clear();
  verdicts.emplace(e164, valid);
  if (!valid) return std::nullopt;
  return e164;
}

namespace {

// Layouts of a 10-digit national number: lengths of the digit groups written.
bool IsUsLayout(const std::vector<std::string_view>& g, size_t i, size_t j) {
  size_t n = j - i + 1;
  if (n == 1) return g[i].size() == 10;
  if (n == 2) return g[i].size() == 3 && g[i + 1].size() == 7;
  if (n == 3) return g[i].size() == 3 && g[i + 1].size() == 3 && g[i + 2].size() == 4;
  return false;
}

bool IsMxMetroLayout(const std::vector<std::string_view>& g, size_t i, size_t j) {
  const bool metro = g[i] == "55" || g[i] == "33" || g[i] == "81";
  if (j - i + 1 == 3) return metro && g[i + 1].size() == 4 && g[i + 2].size() == 4;
  if (j - i + 1 == 2) return metro && g[i + 1].size() == 8;
  return false;
}

// Mexican numbers written in pairs: `55 89 32 48 27` (metro area code), `664 123 45 67`.
bool IsMxPairsLayout(const std::vector<std::string_view>& g, size_t i, size_t j) {
  const size_t n = j - i + 1;
  auto pairs_from = [&](size_t k) {
    return std::all_of(g.begin() + static_cast<std::ptrdiff_t>(k),
                       g.begin() + static_cast<std::ptrdiff_t>(j) + 1,
                       [](std::string_view p) { return p.size() == 2; });
  };
  if (n == 5) return (g[i] == "55" || g[i] == "33" || g[i] == "81") && pairs_from(i + 1);
  if (n == 4) return g[i].size() == 3 && g[i + 1].size() == 3 && pairs_from(i + 2);
  return false;
}

// `pairs`: whether the pairs layouts count (a contact word precedes the number; lottery draws
// and scores are written in pairs too).
bool IsMxLayout(const std::vector<std::string_view>& g, size_t i, size_t j, bool pairs) {
  // 3-3-4 is also Mexican.
  return IsUsLayout(g, i, j) || IsMxMetroLayout(g, i, j) || (pairs && IsMxPairsLayout(g, i, j));
}

std::string Concat(const std::vector<std::string_view>& g, size_t i, size_t j) {
  std::string s;
  for (size_t k = i; k <= j; ++k) s.append(g[k]);
  return s;
}

}  // namespace

std::optional<std::string> EntityExtractor::Impl::TryPhone(const std::vector<std::string_view>& g,
                                                           size_t i, size_t j, bool plus,
                                                           bool pairs) const {
  const std::string digits = Concat(g, i, j);
  const std::string_view d = digits;
  const size_t len = d.size();
  if (plus) {
    if (len < 8 || len > 15) return std::nullopt;
    // Country codes are prefix-free: at most one of the 1-3 digit prefixes is assigned.
    for (size_t cc_len = 1; cc_len <= 3; ++cc_len) {
      int32_t cc = 0;
      for (size_t k = 0; k < cc_len; ++k) cc = cc * 10 + (d[k] - '0');
      std::string region;
      phone_util->GetRegionCodeForCountryCode(cc, &region);
      if (region == "ZZ") continue;
      std::string_view national = d.substr(cc_len);
      if (cc == 52 && national.size() == 11 && national[0] == '1') national.remove_prefix(1);
      return CheckNumber(cc, national);
    }
    return std::nullopt;
  }
  if (len == 10) {
    if (IsMxMetroLayout(g, i, j) || (pairs && IsMxPairsLayout(g, i, j))) {
      return CheckNumber(52, d);
    }
    if (!IsUsLayout(g, i, j)) return std::nullopt;
    if (auto us = CheckNumber(1, d)) return us;
    return CheckNumber(52, d);  // `5589324827`: not a valid US number, a Mexican one
  }
  const std::string_view first = g[i];
  const bool single = i == j;
  const std::string_view last10 = d.substr(len >= 10 ? len - 10 : 0);
  if (len == 11 && d[0] == '1') {
    if (single || (first == "1" && IsUsLayout(g, i + 1, j))) return CheckNumber(1, last10);
    return std::nullopt;
  }
  if ((len == 12 || len == 13) && StartsWith(d, "52")) {
    if (len == 13 && d[2] != '1') return std::nullopt;  // 52 1 + 10 digits (old mobile)
    bool layout = single;
    if (!single && first == "52") {
      size_t k = i + 1;
      if (len == 13 && g[k] == "1") ++k;
      layout = k <= j && IsMxLayout(g, k, j, /*pairs=*/true);
    } else if (!single && first == "521" && len == 13) {
      layout = IsMxLayout(g, i + 1, j, /*pairs=*/true);
    }
    if (layout) return CheckNumber(52, last10);
    return std::nullopt;
  }
  if (len == 13 && (StartsWith(d, "044") || StartsWith(d, "045"))) {
    if (single || ((first == "044" || first == "045") && IsMxLayout(g, i + 1, j, true))) {
      return CheckNumber(52, last10);
    }
    return std::nullopt;
  }
  if (len == 12 && StartsWith(d, "01") && !single && first == "01" &&
      IsMxLayout(g, i + 1, j, /*pairs=*/true)) {
    return CheckNumber(52, last10);  // old Mexican long-distance prefix
  }
  return std::nullopt;
}

void EntityExtractor::Impl::ProcessRun(std::string_view f, size_t begin, size_t end,
                                       std::vector<PhoneHit>* hits) const {
  // Split into digit groups; seps[k] is the separator text before group k (empty for k = 0).
  std::vector<std::string_view> groups;
  std::vector<std::string_view> seps;
  std::vector<size_t> starts;
  size_t p = begin;
  size_t sep_begin = begin;
  while (p < end) {
    if (IsDigit(f[p])) {
      size_t q = p;
      while (q < end && IsDigit(f[q])) ++q;
      seps.push_back(f.substr(sep_begin, p - sep_begin));
      groups.push_back(f.substr(p, q - p));
      starts.push_back(p);
      sep_begin = q;
      p = q;
    } else {
      ++p;
    }
  }
  const bool plus = f[begin] == '+';
  // Digits written apart to dodge filters (`7 1 4 5 5 5 0 1 3 8`): one number.
  std::string joined;
  if (groups.size() >= 7 &&
      std::all_of(groups.begin(), groups.end(), [](std::string_view g) { return g.size() <= 2; })) {
    for (std::string_view g : groups) joined.append(g);
    groups.assign(1, joined);
    seps.assign(1, std::string_view());
    starts.assign(1, plus ? begin + 1 : begin);
  }
  const size_t n = groups.size();

  // Left edge of the run: not glued to a word, a price, a handle or a path.
  bool run_start_ok = true;
  if (begin > 0) {
    const char prev = f[begin - 1];
    if (IsAlnum(prev) || std::strchr("$#@_/\\=&%*", prev) != nullptr) run_start_ok = false;
    if ((prev == '-' || prev == '.' || prev == ',' || prev == ':') && begin >= 2 &&
        IsDigit(f[begin - 2])) {
      run_start_ok = false;
    }
    if ((prev == '-' || prev == '.') && begin >= 2 && IsAlpha(f[begin - 2])) {
      run_start_ok = false;  // EAC-1234567890
    }
  }
  // Right edge: not glued to a word, a percentage or decimals.
  bool run_end_ok = true;
  if (end < f.size()) {
    const char next = f[end];
    if (IsAlpha(next) || next == '%' || next == '$') run_end_ok = false;
    // Bare digits followed by a currency are a sum ("pague 2134057788 dolares"); a phone written
    // in groups stays a phone ("llame al 323-555-0177 dolares" is an odd sentence, not a price).
    std::string_view after = n == 1 && joined.empty() ? f.substr(end) : std::string_view();
    while (!after.empty() && after.front() == ' ') after.remove_prefix(1);
    for (std::string_view unit : {"dolares", "dollars", "pesos", "usd", "mxn", "dlls", "dls"}) {
      if (!StartsWith(after, unit)) continue;
      if (after.size() == unit.size() || !IsAlpha(after[unit.size()])) run_end_ok = false;
    }
    if ((next == '.' || next == ',') && end + 1 < f.size() && IsDigit(f[end + 1])) {
      run_end_ok = false;
    }
  }
  auto breaks = [](std::string_view sep) {
    return sep.find_first_of(" ()") != std::string_view::npos;
  };
  // Pairs (`55 89 32 48 27`) only after a contact word or an area code in parentheses: draws and
  // scores come in pairs too. (A 52/044/01 prefix is cue enough; TryPhone knows.)
  const bool pairs = f[begin] == '(' || AfterContactWord(f, begin);

  size_t i = 0;
  while (i < n) {
    const bool can_start = i == 0 ? run_start_ok : breaks(seps[i]);
    bool found = false;
    if (can_start) {
      // Up to six groups: `+52 55 89 32 48 27`, `044 664 123 45 67`.
      for (size_t j = std::min(n - 1, i + 5) + 1; j-- > i;) {
        const bool can_end = j == n - 1 ? run_end_ok : breaks(seps[j + 1]);
        if (!can_end) continue;
        auto e164 = TryPhone(groups, i, j, plus && i == 0, pairs);
        if (!e164) continue;
        const size_t phone_begin = i == 0 ? begin : starts[i];
        const size_t phone_end = joined.empty() ? starts[j] + groups[j].size() : end;
        // Case, receipt and account numbers are not phones.
        if (AfterIdLabel(f, phone_begin)) break;
        hits->push_back(PhoneHit{phone_begin, phone_end, std::move(*e164)});
        i = j + 1;
        found = true;
        break;
      }
    }
    if (!found) ++i;
  }
}

void EntityExtractor::Impl::FindPhones(std::string_view f, std::vector<PhoneHit>* hits) const {
  const re2::StringPiece text(f.data(), f.size());
  re2::StringPiece run;
  size_t pos = 0;
  while (pos < f.size() && number_run.Match(text, pos, f.size(), RE2::UNANCHORED, &run, 1)) {
    const size_t begin = static_cast<size_t>(run.data() - f.data());
    pos = begin + std::max<size_t>(run.size(), 1);
    size_t digits = 0;  // fewer than 10 digits can never be a phone
    for (char c : ToView(run)) digits += IsDigit(c) ? 1 : 0;
    if (digits >= 10) ProcessRun(f, begin, begin + run.size(), hits);
  }
}

bool EntityExtractor::Impl::AfterIdLabel(std::string_view f, size_t pos) const {
  const size_t window = pos >= 32 ? pos - 32 : 0;
  return RE2::PartialMatch(f.substr(window, pos - window), id_context);
}

bool EntityExtractor::Impl::AfterContactWord(std::string_view f, size_t pos) const {
  size_t window = pos >= 24 ? pos - 24 : 0;
  while (window > 0 && IsAlnum(f[window - 1])) --window;
  return RE2::PartialMatch(f.substr(window, pos - window), contact_word);
}

void EntityExtractor::Impl::FindSpelledPhones(std::string_view f,
                                              std::vector<PhoneHit>* hits) const {
  const re2::StringPiece text(f.data(), f.size());
  re2::StringPiece run;
  size_t pos = 0;
  while (pos < f.size() && spelled_run.Match(text, pos, f.size(), RE2::UNANCHORED, &run, 1)) {
    const size_t begin = static_cast<size_t>(run.data() - f.data());
    const size_t end = begin + run.size();
    pos = std::max(end, pos + 1);
    // Words to digits; at least three of them, or it is an ordinary number run.
    std::string digits;
    size_t spelled = 0;
    for (size_t i = begin; i < end;) {
      if (IsDigit(f[i])) {
        digits.push_back(f[i++]);
      } else if (IsAlpha(f[i])) {
        // A word of kDigitWords: its value is 0..9.
        const std::string_view word = AlphaAt(f, i);
        if (const WordValue* wv = FindNumberWord(word)) {
          digits.push_back(static_cast<char>('0' + wv->value));
        }
        ++spelled;
        i += word.size();
      } else {
        ++i;
      }
    }
    if (spelled < 3 || digits.size() < 10 || digits.size() > 13) continue;
    // Counting, scores and lucky numbers are spelled too: only a number offered as a contact,
    // and not glued to a word.
    if ((begin > 0 && IsAlnum(f[begin - 1])) || (end < f.size() && IsAlnum(f[end]))) continue;
    if (!AfterContactWord(f, begin)) continue;
    const std::vector<std::string_view> one = {digits};
    auto e164 = TryPhone(one, 0, 0, /*plus=*/false, /*pairs=*/false);
    if (!e164) continue;
    if (AfterIdLabel(f, begin)) continue;
    hits->push_back(PhoneHit{begin, end, std::move(*e164)});
  }
}

// --- Amounts, payment methods, WhatsApp words --------------------------------------------------

void EntityExtractor::Impl::ScanWords(std::string_view f, const std::vector<PhoneHit>& phones,
                                      Entities* out, std::vector<Mark>* whatsapp_words) const {
  const re2::StringPiece text(f.data(), f.size());
  re2::StringPiece match;
  std::vector<PendingAmount> pending;
  std::vector<int> kinds;
  bool said_pesos = false;
  bool said_dollars = false;
  size_t pos = 0;
  while (pos < f.size() && words.Match(text, pos, f.size(), RE2::UNANCHORED, &match, 1)) {
    const size_t mbegin = static_cast<size_t>(match.data() - f.data());
    const size_t mend = mbegin + match.size();
    pos = std::max(mend, pos + 1);
    const std::string_view m = ToView(match);

    // Payment or WhatsApp word? Amounts start with a digit, `$`, a currency or a number word;
    // only `7-eleven` and `seven eleven` among the words start like an amount, and they are
    // payment words because that alternative comes first.
    kinds.clear();
    if (!IsDigit(m[0]) || m[0] == '7') {
      if (word_kind.Match(match, &kinds) && !kinds.empty()) {
        const size_t kind = static_cast<size_t>(*std::min_element(kinds.begin(), kinds.end()));
        if (kind < kPaymentNames.size()) {
          // "transfiera a mi cuenta" is both a transfer and a personal account.
          if (std::string_view(kPaymentNames[kind]) == "personal_account" &&
              StartsWith(m, "transf")) {
            AddUnique(&out->payment_methods, std::string("wire_transfer"));
          }
          AddUnique(&out->payment_methods, std::string(kPaymentNames[kind]));
        } else {
          whatsapp_words->push_back(Mark{mbegin, mend});
        }
        continue;
      }
    }

    // An amount.
    const AmountParts a = ParseAmount(m);
    if (a.value <= 0) continue;
    if (a.digits) {
      const size_t dbegin = mbegin + a.digits_begin;
      const size_t dend = mbegin + a.digits_end;
      bool in_phone = false;
      for (const PhoneHit& ph : phones) in_phone = in_phone || (dbegin < ph.end && ph.begin < dend);
      if (in_phone) continue;
      // Glued to a word (A123456789, EAC...) or after `#`: an id, not money.
      if (a.currency_before == 0 && dbegin > 0 &&
          (IsAlpha(f[dbegin - 1]) || f[dbegin - 1] == '#')) {
        continue;
      }
    }
    std::string currency;
    if (a.currency_after != 0) {
      currency = a.currency_after == 'm' ? "MXN" : "USD";
    } else if (a.currency_before == 'm' || a.currency_before == 'u') {
      currency = a.currency_before == 'm' ? "MXN" : "USD";
    }
    if (currency == "MXN") said_pesos = true;
    if (currency == "USD") said_dollars = true;
    if (a.currency_before == '$' && currency.empty()) {
      currency = "USD";  // `$` is USD unless the amount itself says pesos (`$500 pesos`)
    } else if (currency.empty()) {
      // Only a money word says it is money: not "cobran 30 dias", not "pague dos veces".
      if (!a.money_word || a.value < 10) continue;
      if (RE2::PartialMatch(f.substr(mbegin + a.value_end), not_money)) continue;
    }
    // To the cent: "99.99" parsed as 99.99000000000001 would be written so.
    pending.push_back(PendingAmount{std::round(a.value * 100) / 100, std::move(currency)});
  }
  // Amounts without a currency ("le cobran 3 mil"): USD unless the message names pesos and no
  // dollars.
  if (!pending.empty()) {
    const auto says = [f](std::string_view word) { return f.find(word) != f.npos; };
    said_pesos = said_pesos || says("peso") || says("mxn");
    said_dollars = said_dollars || says("dolar") || says("dollar") || says("dlls") || says("usd");
  }
  const std::string fallback = said_pesos && !said_dollars ? "MXN" : "USD";
  for (PendingAmount& a : pending) {
    AddUnique(&out->amounts, Amount{a.value, a.currency.empty() ? fallback : a.currency});
  }
}

// --- Links, emails, domains, Telegram ----------------------------------------------------------

bool EntityExtractor::Impl::KnownHost(std::string_view host, bool linked,
                                      std::string* registered) const {
  if (host.empty() || host.back() == '.' || host.front() == '.') return false;
  const size_t dot = host.rfind('.');
  if (dot == std::string_view::npos) return false;
  const std::string tld(host.substr(dot + 1));
  if (psl_is_public_suffix2(psl, tld.c_str(), PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE) == 0) {
    return false;
  }
  if (!linked && std::find(std::begin(kAmbiguousTlds), std::end(kAmbiguousTlds), tld) !=
                     std::end(kAmbiguousTlds)) {
    return false;
  }
  const std::string h(host);
  const char* reg = psl_registrable_domain(psl, h.c_str());
  if (reg == nullptr) return false;
  *registered = reg;
  return true;
}

namespace {

// Words near an @handle or a $cashtag that say which service it belongs to.
bool IsCashAppWord(std::string_view lower) {
  if (lower == "cashtag" || lower == "cashapp") return true;
  return lower.size() == 8 && StartsWith(lower, "cash") && lower.substr(5) == "app";  // `cash app`
}

// How close the nearest of `words` is to `mark`, within `before` bytes before it or `after` bytes
// after it: twice the bytes between them, plus one for a word after, so that at the same
// distance a label before wins ("Telegram: @a, Venmo: @b"). kFar when none is that close.
constexpr size_t kFar = static_cast<size_t>(-1);
size_t Gap(const Mark& mark, const std::vector<Mark>& words, size_t before, size_t after) {
  size_t gap = kFar;
  for (const Mark& w : words) {
    if (w.end <= mark.begin && mark.begin - w.end <= before) {
      gap = std::min(gap, 2 * (mark.begin - w.end));
    }
    if (mark.end <= w.begin && w.begin - mark.end <= after) {
      gap = std::min(gap, 2 * (w.begin - mark.end) + 1);
    }
  }
  return gap;
}

bool IsPayeeName(std::string_view name) {
  return !name.empty() && name.size() <= 40 && std::all_of(name.begin(), name.end(), [](char c) {
    return IsAlnum(c) || c == '_' || c == '-';
  });
}

// The payee of a payment link's path (lowercase, from its `/`): `paypal.me/juantramites/300`,
// `paypal.com/paypalme/juantramites`, `cash.app/$tramitesjuan`, `venmo.com/u/juan-tramites`.
// Other pages of those sites (`venmo.com/signup`) name no payee.
std::optional<std::string> PayeeOfLink(std::string_view registered, std::string_view path) {
  auto segment = [&path]() {
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    const size_t end = path.find_first_of("/?#");
    std::string_view seg = path.substr(0, end);
    path.remove_prefix(end == std::string_view::npos ? path.size() : end);
    return seg;
  };
  std::string_view name = segment();
  if (registered == "paypal.com" && name == "paypalme") name = segment();
  else if (registered == "paypal.com") return std::nullopt;
  if ((registered == "paypal.me" || registered == "paypal.com") && IsPayeeName(name)) {
    return "paypal:" + std::string(name);
  }
  if (registered == "cash.app" && StartsWith(name, "$") && IsPayeeName(name.substr(1))) {
    return "cash_app:" + std::string(name);
  }
  if (registered == "venmo.com" && name == "u") {
    name = segment();
    if (IsPayeeName(name)) return "venmo:@" + std::string(name);
  }
  return std::nullopt;
}

// `usd`, `btc`, and a currency with digits glued on (`usd500`).
bool IsMoneyTag(std::string_view name) {
  for (std::string_view tag : kMoneyTags) {
    if (name == tag) return true;
  }
  for (std::string_view code : {"usd", "mxn", "us", "mx"}) {
    if (StartsWith(name, code) && name.size() > code.size() &&
        std::all_of(name.begin() + static_cast<std::ptrdiff_t>(code.size()), name.end(), IsDigit)) {
      return true;
    }
  }
  return false;
}

bool IsTelegramName(std::string_view name) {
  if (name.size() < 5 || name.size() > 32) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return IsAlnum(c) || c == '_'; });
}

std::string_view StripScheme(std::string_view lower) {
  if (StartsWith(lower, "https://")) return lower.substr(8);
  if (StartsWith(lower, "http://")) return lower.substr(7);
  return lower;
}

}  // namespace

void EntityExtractor::Impl::ScanLinks(std::string_view original, Entities* out,
                                      std::vector<Contact>* contacts) const {
  std::vector<Mark> telegram_words;
  std::vector<Mark> cash_app_words;
  std::vector<Mark> venmo_words;
  std::vector<std::pair<Mark, std::string>> handles;
  std::vector<std::pair<Mark, std::string>> cashtags;
  std::vector<std::pair<size_t, std::string>> telegram;  // t.me names and Telegram @handles
  std::vector<std::pair<size_t, std::string>> payees;    // payment handles
  const re2::StringPiece text(original.data(), original.size());
  re2::StringPiece match;
  auto trim = [](std::string_view s) {
    while (!s.empty() && std::strchr(".,;:!?'\")]}>*", s.back()) != nullptr) s.remove_suffix(1);
    return s;
  };
  auto is_messenger = [](std::string_view domain) {
    return std::find(kMessengerHosts.begin(), kMessengerHosts.end(), domain) !=
           kMessengerHosts.end();
  };
  size_t pos = 0;
  while (pos < original.size() &&
         links.Match(text, pos, original.size(), RE2::UNANCHORED, &match, 1)) {
    const size_t mbegin = static_cast<size_t>(match.data() - original.data());
    const size_t mend = mbegin + match.size();
    pos = std::max(mend, pos + 1);
    const std::string_view whole = ToView(match);
    const std::string lower = LowerCopy(whole);  // same length as `whole`
    const std::string_view rest = StripScheme(lower);
    const size_t rest_at = lower.size() - rest.size();
    const bool has_scheme = rest_at > 0;
    // A messenger link as a URL: its scheme (https:// when written without), then `path` (from
    // `rest`, lowercase) and `id` as written (ids and invite codes are case-sensitive).
    const auto contact_url = [&](std::string_view path, std::string_view id) {
      std::string url = has_scheme ? lower.substr(0, rest_at) : "https://";
      return url.append(path).append(id);
    };

    // wa.me/<digits>, api.whatsapp.com/send?phone=<digits>, wa.me/message/<id>.
    {
      size_t id_at = std::string_view::npos;
      if (StartsWith(rest, "wa.me/")) id_at = 6;
      if (StartsWith(rest, "api.wa.me/")) id_at = 10;
      const size_t phone = rest.find("whatsapp.com/send");
      if (phone != std::string_view::npos && phone <= 4 && rest.find("phone=") != rest.npos) {
        id_at = rest.find("phone=") + 6;
      }
      if (id_at != std::string_view::npos) {
        const std::string_view id = whole.substr(rest_at + id_at);
        const std::string_view digits = id.substr(!id.empty() && id[0] == '+' ? 1 : 0);
        const bool numeric = !digits.empty() && std::all_of(digits.begin(), digits.end(), IsDigit);
        if (numeric || StartsWith(LowerCopy(id), "message/")) {
          AddUnique(&out->urls, contact_url(rest.substr(0, id_at), id));
          if (numeric) {
            std::vector<std::string_view> one = {digits};
            if (auto e164 = TryPhone(one, 0, 0, /*plus=*/true, /*pairs=*/false)) {
              contacts->push_back(Contact{mbegin, std::move(*e164), true, true});
              continue;
            }
          }
          contacts->push_back(Contact{mbegin, "wa.me/" + std::string(id), false, true});
          continue;
        }
      }
    }
    // chat.whatsapp.com/<code>: a group, known by its invite code (case kept). Anything else
    // on that host (no code, a longer path) is an ordinary link below.
    if (StartsWith(rest, "chat.whatsapp.com/")) {
      std::string_view code = whole.substr(rest_at + 18);
      if (StartsWith(LowerCopy(code.substr(0, 7)), "invite/")) code.remove_prefix(7);
      const bool valid = code.size() >= 10 && code.size() <= 32 &&
                         std::all_of(code.begin(), code.end(), IsAlnum) &&
                         (mend == original.size() || !IsAlnum(original[mend]));
      if (valid) {
        AddUnique(&out->urls, contact_url("chat.whatsapp.com/", code));
        contacts->push_back(
            Contact{mbegin, "chat.whatsapp.com/" + std::string(code), false, true});
        continue;
      }
    }
    // t.me/<name>, telegram.me/<name>; invite links t.me/+<code> and t.me/joinchat/<code>.
    {
      std::string_view host_rest = StartsWith(rest, "www.") ? rest.substr(4) : rest;
      size_t slash = host_rest.find('/');
      std::string_view host = host_rest.substr(0, slash);
      if (slash != std::string_view::npos &&
          (host == "t.me" || host == "telegram.me" || host == "telegram.dog")) {
        std::string_view name = host_rest.substr(slash + 1);
        const size_t name_at = static_cast<size_t>(name.data() - lower.data());
        const size_t code_at = StartsWith(name, "+")           ? name_at + 1
                               : StartsWith(name, "joinchat/") ? name_at + 9
                                                               : std::string_view::npos;
        std::string_view code =
            code_at == std::string_view::npos ? std::string_view() : whole.substr(code_at);
        while (!code.empty() && code.back() == '-') code.remove_suffix(1);  // a dash after it
        const bool valid = code.size() >= 6 && code.size() <= 64 &&
                           std::all_of(code.begin(), code.end(),
                                       [](char c) { return IsAlnum(c) || c == '_' || c == '-'; }) &&
                           (mend == original.size() || !IsAlnum(original[mend]));
        const std::string_view code_path =
            valid ? std::string_view(lower).substr(rest_at, code_at - rest_at) : std::string_view();
        if (valid && std::all_of(code.begin(), code.end(), IsDigit) && name[0] == '+') {
          // t.me/+13235550177 opens a chat with a phone number.
          std::vector<std::string_view> one = {code};
          if (auto e164 = TryPhone(one, 0, 0, /*plus=*/true, /*pairs=*/false)) {
            AddUnique(&out->urls, contact_url(code_path, code));
            contacts->push_back(Contact{mbegin, std::move(*e164), true, false});
            continue;
          }
        } else if (valid) {
          AddUnique(&out->urls, contact_url(code_path, code));
          telegram.emplace_back(mbegin, "+" + std::string(code));
          continue;
        }
        if (StartsWith(name, "s/")) name.remove_prefix(2);
        if (StartsWith(name, "@")) name.remove_prefix(1);
        if (IsTelegramName(name)) {
          AddUnique(&out->urls, contact_url(rest, ""));
          if (name != "joinchat" && name != "addstickers" && name != "share" && name != "proxy") {
            telegram.emplace_back(mbegin, std::string(name));
          }
          continue;
        }
      }
    }
    // @handle (Telegram when a Telegram word is near) and Telegram words.
    if (lower[0] == '@') {
      if (mbegin > 0 && IsAlnum(original[mbegin - 1])) continue;
      handles.emplace_back(Mark{mbegin, mend}, lower.substr(1));
      continue;
    }
    // $cashtag (Cash App when a Cash App word is near); not money (`$usd`, `$btc`), not glued
    // to a word. `$juan@gmail.com` and `$tramites.com` are an e-mail and a domain: scan them
    // from the next byte.
    if (lower[0] == '$') {
      const char next = mend < original.size() ? original[mend] : ' ';
      size_t token_end = mend;  // the rest of the word: `.com`, `-usa.com`, `-perez`
      while (token_end < original.size() && original[token_end] != ' ' &&
             original[token_end] != '\n' && original[token_end] != '\t') {
        ++token_end;
      }
      const std::string_view token = original.substr(mend, token_end - mend);
      bool host = false;
      for (size_t k = 0; k + 1 < token.size() && !host; ++k) {
        host = token[k] == '.' && IsAlnum(token[k + 1]);
      }
      if (next == '@' || ((next == '.' || next == '-') && host)) {
        pos = mbegin + 1;
        continue;
      }
      if (mbegin > 0 && IsAlnum(original[mbegin - 1])) continue;
      const std::string_view name = std::string_view(lower).substr(1);
      if (!IsMoneyTag(name)) cashtags.emplace_back(Mark{mbegin, mend}, std::string(name));
      continue;
    }
    if (lower == "telegram" || lower == "telegrama" || lower == "tg") {
      telegram_words.push_back(Mark{mbegin, mend});
      continue;
    }
    if (lower == "venmo") {
      venmo_words.push_back(Mark{mbegin, mend});
      continue;
    }
    if (IsCashAppWord(lower)) {
      cash_app_words.push_back(Mark{mbegin, mend});
      continue;
    }
    const bool www = StartsWith(rest, "www.");
    // user@host.tld (an `@` before any `/`, without scheme or www.).
    {
      const size_t at = lower.find('@');
      if (!has_scheme && !www && at != std::string::npos && at < lower.find('/')) {
        std::string registered;
        if (KnownHost(std::string_view(lower).substr(at + 1), /*linked=*/true, &registered)) {
          AddUnique(&out->emails, lower);
        }
        continue;
      }
    }
    // URLs and bare hosts.
    if (mbegin > 0 && (original[mbegin - 1] == '_' || original[mbegin - 1] == '-')) continue;
    const std::string_view url = trim(whole);
    const size_t host_begin = rest_at;
    size_t host_end = url.find_first_of("/?#:", host_begin);
    if (host_end == std::string_view::npos) host_end = url.size();
    std::string_view authority = url.substr(host_begin, host_end - host_begin);
    const size_t at = authority.rfind('@');
    if (at != std::string_view::npos) authority.remove_prefix(at + 1);
    const std::string host = LowerCopy(authority);
    const bool has_path = host_end < url.size();
    const bool linked = has_scheme || www || has_path;
    std::string registered;
    const bool known = KnownHost(host, linked, &registered);
    if (!known && !has_scheme) continue;
    if (linked) {
      std::string u = has_scheme ? lower.substr(0, rest_at) : std::string("http://");
      u.append(host).append(url.substr(host_end));
      AddUnique(&out->urls, std::move(u));
    }
    if (!known) continue;
    if (auto payee = PayeeOfLink(registered, LowerCopy(url.substr(host_end)))) {
      payees.emplace_back(mbegin, std::move(*payee));
    }
    if (!is_messenger(registered)) AddUnique(&out->domains, std::move(registered));
  }
  // @handles count as Telegram (or Venmo) when a Telegram (Venmo) word is close: before (within
  // 40 bytes) or just after (within 20 bytes), e.g. "Telegram: @citas_rapidas" or
  // "@citas_rapidas (Telegram)". Telegram names have no `-`. $cashtags need a Cash App word.
  for (const auto& [mark, name] : handles) {
    const size_t to_telegram = Gap(mark, telegram_words, 40, 20);
    const size_t to_venmo = Gap(mark, venmo_words, 40, 20);
    // `@gestor_citas-24h`: the handle ends at the `-` (Telegram names have none), if what is
    // left is a whole name.
    const size_t dash = name.find('-');
    const std::string telegram_name = name.substr(0, dash);
    const bool whole = dash == std::string::npos ? telegram_name.size() >= 4
                                                 : IsTelegramName(telegram_name);
    if (to_telegram < to_venmo && whole) {
      telegram.emplace_back(mark.begin, telegram_name);
    } else if (to_venmo != kFar) {
      payees.emplace_back(mark.begin, "venmo:@" + name);
    }
  }
  for (const auto& [mark, name] : cashtags) {
    if (Gap(mark, cash_app_words, 60, 30) != kFar) {
      payees.emplace_back(mark.begin, "cash_app:$" + name);
    }
  }
  const auto by_position = [](const auto& a, const auto& b) { return a.first < b.first; };
  std::stable_sort(telegram.begin(), telegram.end(), by_position);
  for (auto& [at, name] : telegram) AddUnique(&out->telegram, std::move(name));
  std::stable_sort(payees.begin(), payees.end(), by_position);
  for (auto& [at, payee] : payees) AddUnique(&out->payment_handles, std::move(payee));
}

std::string EntityExtractor::Impl::Defang(std::string_view original) const {
  std::string s = LowerCopy(original);
  const auto has = [&s](std::string_view part) { return s.find(part) != std::string::npos; };
  const bool maybe = has("arroba") || s.find_first_of("[({<") != std::string::npos ||
                     (has("@") && (has("punto") || has("dot")));
  if (!maybe) return {};
  int changed = RE2::GlobalReplace(&s, defang_at, "@") + RE2::GlobalReplace(&s, defang_dot, ".");
  // `gmail punto com punto mx`: each pass joins one label to the host before it.
  for (int pass = 0; pass < 8; ++pass) {
    const int joined = RE2::GlobalReplace(&s, defang_word_dot, "\\1.\\2");
    if (joined == 0) break;
    changed += joined;
  }
  return changed > 0 ? s : std::string();
}

// --- Public interface --------------------------------------------------------------------------

EntityExtractor::EntityExtractor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EntityExtractor::~EntityExtractor() = default;

Result<std::unique_ptr<EntityExtractor>> EntityExtractor::Create() {
  const psl_ctx_t* psl = psl_builtin();
  if (psl == nullptr) return Error{"libpsl has no built-in public suffix list"};
  if (PhoneNumberUtil::GetInstance() == nullptr) return Error{"libphonenumber unavailable"};
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(64 << 20);
  auto impl = std::make_unique<Impl>(psl, options);
  if (Status s = impl->Init(); !s.ok()) return s.error();
  return std::unique_ptr<EntityExtractor>(new EntityExtractor(std::move(impl)));
}

void EntityExtractor::Extract(const text::Normalized& text, Entities* out) const {
  *out = Entities{};
  const std::string_view folded = text.view(text::View::kFolded);
  const std::string_view original = text.original();

  // Phones: only when the folded view has at least 7 digits.
  std::vector<PhoneHit> phones;
  size_t digits = 0;
  for (char c : folded) digits += IsDigit(c) ? 1 : 0;
  if (digits >= 7) impl_->FindPhones(folded, &phones);
  impl_->FindSpelledPhones(folded, &phones);

  bool maybe_link = false;
  for (size_t k = 0; k + 1 < original.size() && !maybe_link; ++k) {
    const char c = original[k];
    maybe_link = c == '@' || (c == '$' && IsAlpha(original[k + 1])) ||
                 (c == '.' && k > 0 && IsAlnum(original[k + 1]) && IsAlnum(original[k - 1]));
  }
  std::vector<Contact> contacts;
  if (maybe_link) impl_->ScanLinks(original, out, &contacts);
  // E-mails and domains written around filters: `juan arroba gmail punto com`, `x[.]com`. A host
  // the original showed bare inside such an e-mail (`info[at]ayuda.com`) is the e-mail's, as it
  // would be if the address were written whole, so it leaves `domains`.
  if (const std::string defanged = impl_->Defang(original); !defanged.empty()) {
    Entities found;
    std::vector<Contact> ignored;
    impl_->ScanLinks(defanged, &found, &ignored);
    for (std::string& email : found.emails) {
      if (std::find(out->emails.begin(), out->emails.end(), email) != out->emails.end()) continue;
      const std::string_view host = std::string_view(email).substr(email.find('@') + 1);
      std::erase_if(out->domains, [host](const std::string& d) {
        return host == d || (host.size() > d.size() && host.ends_with("." + d));
      });
      out->emails.push_back(std::move(email));
    }
    for (std::string& domain : found.domains) AddUnique(&out->domains, std::move(domain));
  }

  std::vector<Mark> whatsapp_words;
  impl_->ScanWords(folded, phones, out, &whatsapp_words);

  const text::ViewText& fv = text.folded();
  for (const PhoneHit& ph : phones) {
    // Offered over WhatsApp: a WhatsApp word up to 40 bytes before, or 16 bytes after.
    const bool whatsapp = Gap(Mark{ph.begin, ph.end}, whatsapp_words, 40, 16) != kFar;
    const size_t pos = ph.begin < fv.begin.size() ? fv.begin[ph.begin] : ph.begin;
    contacts.push_back(Contact{pos, ph.e164, true, whatsapp});
  }
  // Written numbers and wa.me links, in the order of the original text.
  std::stable_sort(contacts.begin(), contacts.end(),
                   [](const Contact& a, const Contact& b) { return a.pos < b.pos; });
  for (Contact& c : contacts) {
    if (c.phone) AddUnique(&out->phones, c.value);
    if (c.whatsapp) AddUnique(&out->whatsapp, std::move(c.value));
  }
  // A payee names its service: `cash_app:$name` pays by Cash App.
  for (const std::string& payee : out->payment_handles) {
    AddUnique(&out->payment_methods, payee.substr(0, payee.find(':')));
  }
}

std::string CampaignKey(const Entities& entities, const text::Normalized& text) {
  for (const std::string& phone : entities.phones) {
    if (!IsOfficialLine(phone)) return "phone:" + phone;
  }
  for (const std::string& contact : entities.whatsapp) {
    if (!IsOfficialLine(contact)) return "whatsapp:" + contact;
  }
  if (!entities.telegram.empty()) return "telegram:" + entities.telegram.front();
  for (const std::string& domain : entities.domains) {
    if (!IsGovernmentDomain(domain) && !IsSharedPlatform(domain)) return "domain:" + domain;
  }
  if (!entities.payment_handles.empty()) return "payment:" + entities.payment_handles.front();
  if (!entities.emails.empty()) return "email:" + entities.emails.front();

  uint64_t h = Fnv1a64({});
  const std::string_view f = text.view(text::View::kFolded);
  size_t i = 0;
  while (i < f.size()) {
    const auto b0 = static_cast<unsigned char>(f[i]);
    size_t len = b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4;
    if (i + len > f.size()) len = f.size() - i;
    char32_t cp = b0;
    if (len > 1) {
      cp = b0 & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
      for (size_t k = 1; k < len; ++k) {
        cp = (cp << 6) | (static_cast<unsigned char>(f[i + k]) & 0x3F);
      }
    }
    if (KeepForFingerprint(cp)) {
      h = Fnv1a64(f.substr(i, len), h);
    }
    i += len;
  }
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(h));
  return std::string("text:") + hex;
}

}  // namespace centinela::rules
