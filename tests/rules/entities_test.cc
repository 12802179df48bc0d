#include "rules/entities.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "common/sha256.h"
#include "text/normalizer.h"

namespace centinela {

void PrintTo(const Amount& a, std::ostream* os) { *os << a.value << ' ' << a.currency; }

namespace rules {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

const EntityExtractor& Extractor() {
  static const std::unique_ptr<EntityExtractor> extractor = [] {
    auto created = EntityExtractor::Create();
    if (!created.ok()) {
      std::fprintf(stderr, "EntityExtractor::Create: %s\n", created.error().message.c_str());
      std::abort();
    }
    return std::move(*created);
  }();
  return *extractor;
}

const text::Normalizer& TheNormalizer() {
  static const text::Normalizer normalizer;
  return normalizer;
}

Entities ExtractFrom(const std::string& s) {
  text::Normalized normalized;
  TheNormalizer().Normalize(s, &normalized);
  Entities entities;
  Extractor().Extract(normalized, &entities);
  return entities;
}

std::string KeyOf(const Entities& entities, const std::string& s) {
  text::Normalized normalized;
  TheNormalizer().Normalize(s, &normalized);
  return CampaignKey(entities, normalized);
}

// --- Lists of strings: phones, whatsapp, telegram, urls, domains, emails, payment methods ------

struct ListCase {
  const char* name;
  std::vector<std::string> Entities::*field;
  std::string text;
  std::vector<std::string> want;
};

void PrintTo(const ListCase& c, std::ostream* os) { *os << c.name << ": " << c.text; }

std::string CaseName(const testing::TestParamInfo<ListCase>& param) { return param.param.name; }

class ListTest : public testing::TestWithParam<ListCase> {};

TEST_P(ListTest, ExtractsExactlyTheseInOrder) {
  const ListCase& c = GetParam();
  Entities e = ExtractFrom(c.text);
  EXPECT_THAT(e.*c.field, ElementsAreArray(c.want)) << "text: " << c.text;
}

constexpr auto kPhones = &Entities::phones;
const ListCase kPhoneCases[] = {
    {"UsDashes", kPhones, "Llame al 323-555-0177 para su permiso", {"+13235550177"}},
    {"UsParens", kPhones, "Call (213) 555-0123 today, guaranteed approval", {"+12135550123"}},
    {"UsDots", kPhones, "Informes: 424.309.0009", {"+14243090009"}},
    {"UsBareTenDigits", kPhones, "marque 3235550177 ya", {"+13235550177"}},
    {"UsCountryCode", kPhones, "Tel +1 (323) 555-0177", {"+13235550177"}},
    {"OfficialTollFreeStillAPhone", kPhones, "USCIS: 1-800-375-5283", {"+18003755283"}},
    {"MxCdmxLayout", kPhones, "SRE 55 8932 4827", {"+525589324827"}},
    {"MxPlus52", kPhones, "Cel. +52 55 8932 4827", {"+525589324827"}},
    {"MxOldMobile521", kPhones, "al 52 1 55 8932 4827", {"+525589324827"}},
    {"Mx044", kPhones, "cel 044 55 8932 4827", {"+525589324827"}},
    {"MxGuadalajaraPlus52", kPhones, "+52 33 1234 5678", {"+523312345678"}},
    {"MxGluedFallsBackToMexico", kPhones, "numero 5589324827", {"+525589324827"}},
    {"OtherCountryWithPlus", kPhones, "Guatemala +502 5555 1234", {"+50255551234"}},
    {"DedupInOrder",
     kPhones,
     "Llame al 323-555-0177 o al (323) 555-0177, tambien 55 8932 4827 y 323.555.0177",
     {"+13235550177", "+525589324827"}},
    {"PriceThenPhone", kPhones, "Son $500 al 323 555 0177", {"+13235550177"}},
    {"PriceNotPhone", kPhones, "Cobramos $1,500,000 por el tramite", {}},
    {"YearAndZipNotPhones", kPhones, "Desde 2014, oficina en Los Angeles CA 90012", {}},
    {"ANumberNotPhone", kPhones, "Su numero A123456789 fue aprobado", {}},
    {"ReceiptNotPhone", kPhones, "Recibo EAC1234567890 aprobado", {}},
    {"ReceiptWithDashNotPhone", kPhones, "Recibo EAC-1234567890", {}},
    {"CaseNumberContextNotPhone", kPhones, "numero de caso: 2015201620", {}},
    {"CaseLabelWordsBeforeNotPhone", kPhones, "Su caso es el 8123456789", {}},
    {"ReceiptPrefixSpacedNotPhone", kPhones, "Receipt number: IOE 8123456789", {}},
    {"ConfirmationNotPhone", kPhones, "Codigo de confirmacion 8123456789", {}},
    {"AppointmentNumberNotPhone", kPhones, "su numero de cita es 8123456789", {}},
    {"ANumberWordNotPhone", kPhones, "Su A-Number es 8123456789", {}},
    {"SumOfMoneyNotPhone", kPhones, "Pague 2134057788 dolares", {}},
    {"AppointmentThenPhoneIsAPhone", kPhones, "Para su cita: 323 555 0177", {"+13235550177"}},
    {"DatesNotPhones", kPhones, "cita el 20/11/2014 a las 10:30 o el 2014-11-20", {}},
    {"InvalidNumberRejected", kPhones, "llame al 123-456-7890", {}},
    {"CardNumberNotPhone", kPhones, "tarjeta 4111 1111 1111 1111", {}},
    {"YearsListNotPhone", kPhones, "en 2014 2015 2016 hubo cambios", {}},
    {"DecimalsNotPhone", kPhones, "total 3235550177.50", {}},
    {"SpacedDigits", kPhones, "Escribenos al 7 1 4 5 5 5 0 1 3 8", {"+17145550138"}},
    {"SpacedDigitsTooFewNotPhone", kPhones, "los numeros 1 2 3 4 5 6 7 ganan", {}},
    {"MxPairs", kPhones, "Llame al 55 89 32 48 27 para su cita", {"+525589324827"}},
    {"MxPairsPlus52", kPhones, "Cel +52 55 89 32 48 27", {"+525589324827"}},
    {"MxPairs52Prefix", kPhones, "marque 52 33 12 34 56 78", {"+523312345678"}},
    {"MxThreeThreeTwoTwo", kPhones, "Cel 664 123 45 67 para su permiso", {"+526641234567"}},
    {"PairsWithoutMetroAreaNotPhone", kPhones, "numeros 12 34 56 78 90 de la rifa", {}},
    {"ScoresInPairsNotPhone", kPhones, "marcadores 10 20 30 40 50", {}},
    {"LotteryPairsNotPhone", kPhones, "Resultados del Melate: 55 03 12 27 41 49", {}},
    {"WinningPairsNotPhone", kPhones, "Numeros ganadores 33 10 20 30 40", {}},
    {"ScorePairsNotPhone", kPhones, "marcador 81 10 22 34 45 final", {}},
    {"TelegramPhoneLink", kPhones, "Escribe a t.me/+13235550177", {"+13235550177"}},
    {"SpelledSpanish",
     kPhones,
     "Llame al tres dos tres cinco cinco cinco cero uno siete siete",
     {"+13235550177"}},
    {"SpelledAmongDigits", kPhones, "whats 323 five five five 0177", {"+13235550177"}},
    {"SpelledEnglishWithZero",
     kPhones,
     "phone: three two three five five five zero one seven seven",
     {"+13235550177"}},
    {"SpelledMexican",
     kPhones,
     "Cel: cinco cinco ocho nueve tres dos cuatro ocho dos siete",
     {"+525589324827"}},
    {"SpelledWithoutContactWordNotPhone",
     kPhones,
     "cinco cinco ocho nueve tres dos cuatro ocho dos siete",
     {}},
    {"CountdownNotPhone",
     kPhones,
     "Llame ya! diez, nueve, ocho, siete, seis, cinco, cuatro, tres, dos, uno, cero",
     {}},
    {"ScoresSpelledNotPhone", kPhones, "Quedaron 3-2, 2-1, 4-0, uno-cero, dos-dos y tres-uno", {}},
    {"CountingMixedNotPhone", kPhones, "1, 2, 3, four, five, six, 7 8 9 10", {}},
    {"PairsAfterInfoNotPhone", kPhones, "Info Melate: 55 03 12 27 41 49", {}},
    {"PairsAfterWordEndingInTelNotPhone",
     kPhones,
     "Sorteo Hotel - Cancun - premio:- 55 12 34 56 78",
     {}},
    {"PairsAfterMarcaNotPhone", kPhones, "marca 33 12 45 67 89", {}},
    {"PairsAreaCodeInParentheses", kPhones, "(55) 89 32 48 27", {"+525589324827"}},
    {"PairsAfter52", kPhones, "52 55 89 32 48 27", {"+525589324827"}},
    {"PairsAfter044", kPhones, "044 55 89 32 48 27", {"+525589324827"}},
    {"CountingIsNotAPhone", kPhones, "uno dos tres cuatro cinco seis siete ocho nueve cero", {}},
    {"SpelledCaseNumberNotPhone",
     kPhones,
     "numero de caso: tres dos tres cinco cinco cinco cero uno siete siete",
     {}},
    {"TwoSpelledWordsAreDigitsOfANumberRun", kPhones, "son 3 2 3 cinco cinco 5 0 1 7 7", {}},
    {"UsInPairsNotPhone", kPhones, "tel 32 35 55 01 77", {}},
};
INSTANTIATE_TEST_SUITE_P(Phones, ListTest, testing::ValuesIn(kPhoneCases), CaseName);

constexpr auto kWhatsApp = &Entities::whatsapp;
const ListCase kWhatsAppCases[] = {
    {"WordBefore", kWhatsApp, "Escribanos por WhatsApp 323-555-0177", {"+13235550177"}},
    {"Wasap", kWhatsApp, "wasap: 55 8932 4827", {"+525589324827"}},
    {"Wsp", kWhatsApp, "mandame un wsp al 323 555 0177", {"+13235550177"}},
    {"WaColon", kWhatsApp, "WA: +52 55 8932 4827", {"+525589324827"}},
    {"WordAfter", kWhatsApp, "323-555-0177 (solo WhatsApp)", {"+13235550177"}},
    {"WaMeLink", kWhatsApp, "Citas: https://wa.me/5215589324827", {"+525589324827"}},
    {"WaMeBareLink", kWhatsApp, "wa.me/13235550177 o wa.me/13235550177", {"+13235550177"}},
    {"WaMeMessageId", kWhatsApp, "https://wa.me/message/ABCD1234", {"wa.me/message/ABCD1234"}},
    {"OrderAcrossLinkAndText",
     kWhatsApp,
     "wa.me/525589324827 o WhatsApp 323-555-0177",
     {"+525589324827", "+13235550177"}},
    {"WashingtonStateIsNotWhatsApp",
     kWhatsApp,
     "Oficina en Seattle, WA 206-555-0100, llame hoy",
     {}},
    {"FarFromWordIsNotWhatsApp",
     kWhatsApp,
     "Tenemos WhatsApp para dudas generales y muchas otras cosas mas. Llame al 323-555-0177",
     {}},
    {"PlainPhoneIsNotWhatsApp", kWhatsApp, "Llame al 323-555-0177", {}},
    {"SpacedDigitsThenWord",
     kWhatsApp,
     "al 7 1 4 5 5 5 0 1 3 8 solo por whatsapp",
     {"+17145550138"}},
    {"SpelledAfterWord",
     kWhatsApp,
     "mandame wasap al tres dos tres cinco cinco cinco cero uno siete siete",
     {"+13235550177"}},
    {"GroupInviteCaseKept",
     kWhatsApp,
     "Entra al grupo chat.whatsapp.com/KxY7aBcDeFgH1234567890 hoy",
     {"chat.whatsapp.com/KxY7aBcDeFgH1234567890"}},
    {"GroupInviteHttpsInvitePath",
     kWhatsApp,
     "https://chat.whatsapp.com/invite/KxY7aBcDeFgH1234567890.",
     {"chat.whatsapp.com/KxY7aBcDeFgH1234567890"}},
    {"WhatsAppHomePageIsNotAContact",
     kWhatsApp,
     "descargue en https://www.whatsapp.com/download",
     {}},
    {"GroupLinkWithoutCodeIsNot", kWhatsApp, "Unase al grupo: https://chat.whatsapp.com/", {}},
    {"GroupLinkEllipsisIsNot", kWhatsApp, "chat.whatsapp.com/... o chat.whatsapp.com/invite/", {}},
};
INSTANTIATE_TEST_SUITE_P(WhatsApp, ListTest, testing::ValuesIn(kWhatsAppCases), CaseName);

constexpr auto kTelegram = &Entities::telegram;
const ListCase kTelegramCases[] = {
    {"TMeLink", kTelegram, "Unete: t.me/CitasConsulado2024", {"citasconsulado2024"}},
    {"TelegramMeHttps", kTelegram, "https://telegram.me/Tramites_USA", {"tramites_usa"}},
    {"HandleAfterWord", kTelegram, "Telegram: @Gestor_Citas", {"gestor_citas"}},
    {"HandleBeforeWord", kTelegram, "escribe a @Gestor_Citas (Telegram)", {"gestor_citas"}},
    {"Tg", kTelegram, "TG @notario_rapido", {"notario_rapido"}},
    {"Dedup", kTelegram, "t.me/gestor_citas o Telegram @Gestor_Citas", {"gestor_citas"}},
    {"OrderOfAppearance",
     kTelegram,
     "tg: @Notario_Rapido / t.me/NotarioRapido",
     {"notario_rapido", "notariorapido"}},
    {"InstagramHandleIsNot", kTelegram, "Siguenos en Instagram @gestor_citas", {}},
    {"EmailIsNotAHandle", kTelegram, "telegram o correo juan.perez@gmail.com", {}},
    {"InviteLinkCaseKept",
     kTelegram,
     "Unete al grupo: https://t.me/+AbCdEfGh12345678",
     {"+AbCdEfGh12345678"}},
    {"JoinchatLinkIsAnInvite",
     kTelegram,
     "grupo privado t.me/joinchat/AAAAAEk3j2xYz9_w",
     {"+AAAAAEk3j2xYz9_w"}},
    {"JoinchatWithoutCodeIsNothing", kTelegram, "abra t.me/joinchat en su telefono", {}},
    {"VenmoHandleIsNotTelegram", kTelegram, "Telegram o Venmo: @juan-tramites", {}},
    {"PhoneLinkIsNotAnInvite", kTelegram, "t.me/+13235550177", {}},
    {"InviteWithQueryIsNot", kTelegram, "https://t.me/+AbC?start=12345", {}},
    {"InviteDashAfter", kTelegram, "t.me/+AbCdEfGh12345678- escribe", {"+AbCdEfGh12345678"}},
    {"HandleStopsAtDash", kTelegram, "Telegram: @gestor_citas-24h escribenos", {"gestor_citas"}},
    {"ShortNameBeforeDashIsNot", kTelegram, "Telegram: @juan-perez", {}},
    {"LabelBeforeWinsATie",
     kTelegram,
     "Telegram: @citas_rapidas, Venmo: @juanp",
     {"citas_rapidas"}},
    {"NearerWordWins",
     kTelegram,
     "Pague por Venmo. Dudas: Telegram @gestor_citas",
     {"gestor_citas"}},
};
INSTANTIATE_TEST_SUITE_P(Telegram, ListTest, testing::ValuesIn(kTelegramCases), CaseName);

constexpr auto kUrls = &Entities::urls;
const ListCase kUrlCases[] = {
    {"HttpsWithPathTrailingDot",
     kUrls,
     "Pague en https://uscis-ayuda.com/pago?id=7.",
     {"https://uscis-ayuda.com/pago?id=7"}},
    {"WwwGetsScheme", kUrls, "Entre a www.citas-sre.net/pago", {"http://www.citas-sre.net/pago"}},
    {"HostWithPathGetsScheme", kUrls, "citas-sre.net/pago", {"http://citas-sre.net/pago"}},
    {"HostLowercasedPathKept",
     kUrls,
     "HTTPS://USCIS-Ayuda.com/Pago",
     {"https://uscis-ayuda.com/Pago"}},
    {"BareDomainIsNotAUrl", kUrls, "visite uscis-ayuda.com hoy", {}},
    {"AbbreviationsAreNotUrls", kUrls, "p.ej. los ciudadanos de U.S. o EE.UU.", {}},
    {"EmailIsNotAUrl", kUrls, "info@uscis-ayuda.com", {}},
    {"TelegramInviteCaseKept",
     kUrls,
     "t.me/+AbCdEfGh12345678",
     {"https://t.me/+AbCdEfGh12345678"}},
    {"WhatsAppGroupCaseKept",
     kUrls,
     "HTTPS://chat.whatsapp.com/KxY7aBcDeFgH1234567890",
     {"https://chat.whatsapp.com/KxY7aBcDeFgH1234567890"}},
    {"DefangedIsNotAUrl", kUrls, "ayuda-migrante[.]com/registro", {}},
};
INSTANTIATE_TEST_SUITE_P(Urls, ListTest, testing::ValuesIn(kUrlCases), CaseName);

constexpr auto kDomains = &Entities::domains;
const ListCase kDomainCases[] = {
    {"BareDomain", kDomains, "visite uscis-ayuda.com hoy", {"uscis-ayuda.com"}},
    {"GobMxRegistered", kDomains, "https://citas.sre.gob.mx/", {"sre.gob.mx"}},
    {"BareSubdomainGobMx", kDomains, "citas.sre.gob.mx", {"sre.gob.mx"}},
    {"CoUk", kDomains, "tramites.consulado-mx.co.uk/visa", {"consulado-mx.co.uk"}},
    {"WwwStripped", kDomains, "www.citas-sre.net/pago", {"citas-sre.net"}},
    {"DedupCaseInsensitive", kDomains, "uscis-ayuda.com y USCIS-AYUDA.COM", {"uscis-ayuda.com"}},
    {"InOrder",
     kDomains,
     "usciss.online, egov-uscis.com y uscis.gov",
     {"usciss.online", "egov-uscis.com", "uscis.gov"}},
    {"AbbreviationsAreNotDomains", kDomains, "p.ej. los de U.S. y EE.UU. a las 5 p.m.", {}},
    {"FilesAreNotDomains", kDomains, "mande formulario.pdf y foto.jpg", {}},
    {"NumbersAreNotDomains", kDomains, "cuesta 1.5k o 2.500", {}},
    {"MissingSpaceWordTldIsNot", kDomains, "hice el pago.no me dieron nada", {}},
    {"WordTldWithPathIs", kDomains, "https://pago.es/x", {"pago.es"}},
    {"EmailDomainNotAdded", kDomains, "escriba a citas.consulado@gmail.com", {}},
    {"MessengerLinksNotAdded", kDomains, "wa.me/13235550177 t.me/gestor_citas", {}},
    {"PaymentLinksNotAdded", kDomains, "paypal.me/JuanTramites o cash.app/$TramitesJuan", {}},
    {"DefangedDomain", kDomains, "Visite ayuda-migrante[.]com hoy", {"ayuda-migrante.com"}},
    {"DefangedDomainParenDot", kDomains, "tramites-usa(dot)net", {"tramites-usa.net"}},
    {"DotComPhraseIsNotADomain",
     kDomains,
     "the dot com bubble (1999), a las 5 en punto com gente",
     {}},
    {"HostOfDefangedEmailIsNotADomain", kDomains, "info[at]ayuda-migrante.com", {}},
    {"DollarBeforeDomain", kDomains, "$tramites.com/pago", {"tramites.com"}},
    {"DefangedDotAfterADomainKeepsIt", kDomains, "Visite ayuda.com [.] Gracias", {"ayuda.com"}},
};
INSTANTIATE_TEST_SUITE_P(Domains, ListTest, testing::ValuesIn(kDomainCases), CaseName);

constexpr auto kEmails = &Entities::emails;
const ListCase kEmailCases[] = {
    {"Lowercased", kEmails, "Escriba a Citas.Consulado@Gmail.com.", {"citas.consulado@gmail.com"}},
    {"TwoInOrder",
     kEmails,
     "info@uscis-ayuda.com o pagos@uscis-ayuda.com",
     {"info@uscis-ayuda.com", "pagos@uscis-ayuda.com"}},
    {"HandleIsNotEmail", kEmails, "sigue a @juan_perez", {}},
    {"UnknownSuffixIsNot", kEmails, "root@localhost o juan@servidor.local", {}},
    {"ArrobaPuntoCom",
     kEmails,
     "Mande sus papeles a Tramites.Rapidos arroba gmail punto com, cobro 500",
     {"tramites.rapidos@gmail.com"}},
    {"BracketedAtAndDot", kEmails, "info[at]ayuda-migrante[.]com", {"info@ayuda-migrante.com"}},
    {"ParenthesesSpaced",
     kEmails,
     "juan (at) ayuda-migrante (dot) org",
     {"juan@ayuda-migrante.org"}},
    {"RealAtWordDots", kEmails, "juan@consulado punto com punto mx", {"juan@consulado.com.mx"}},
    {"ArrobaOfCornIsNot", kEmails, "pesaba una arroba de maiz", {}},
    {"AtInEnglishIsNot", kEmails, "email me (at) work, the dot com bubble", {}},
    {"DefangedAtPlainDotCom", kEmails, "info[at]ayuda-migrante.com", {"info@ayuda-migrante.com"}},
    {"PuntoAfterEmailIsAWord",
     kEmails,
     "Escriba a juan@gmail.com punto de reunion (el parque)",
     {"juan@gmail.com"}},
    {"DollarBeforeEmail", kEmails, "Cash App:$juan@gmail.com", {"juan@gmail.com"}},
};
INSTANTIATE_TEST_SUITE_P(Emails, ListTest, testing::ValuesIn(kEmailCases), CaseName);

constexpr auto kPay = &Entities::payment_methods;
const ListCase kPaymentCases[] = {
    {"GiftCardSpanish", kPay, "Pague con tarjetas de regalo de iTunes", {"gift_card"}},
    {"GiftCardBrand", kPay, "buy Google Play cards and send the codes", {"gift_card"}},
    {"WesternUnionMoneyGram",
     kPay,
     "envie por Western Union o MoneyGram",
     {"western_union", "moneygram"}},
    {"ZellePaypal", kPay, "Zelle o PayPal", {"zelle", "paypal"}},
    {"Transferencia", kPay, "haga una transferencia bancaria hoy", {"wire_transfer"}},
    {"Wire", kPay, "wire the money today", {"wire_transfer"}},
    {"CryptoDedup", kPay, "bitcoin o USDT, solo cripto", {"crypto"}},
    {"OxxoSevenEleven", kPay, "deposite en OXXO o 7-Eleven", {"oxxo", "seven_eleven"}},
    {"SevenElevenWords", kPay, "pague en el seven eleven", {"seven_eleven"}},
    {"CashAppVenmo", kPay, "Cash App, Venmo", {"cash_app", "venmo"}},
    {"CashOnlySpanish", kPay, "Se acepta solo efectivo", {"cash_only"}},
    {"CashOnlyEnglish", kPay, "CASH ONLY", {"cash_only"}},
    {"PersonalAccount", kPay, "deposite a mi cuenta personal", {"personal_account"}},
    {"PersonalAccountEnglish", kPay, "deposit to my account", {"personal_account"}},
    {"TransferToMyAccount", kPay, "transfiera a mi cuenta", {"wire_transfer", "personal_account"}},
    {"AccentsFolded", kPay, "Depósito en OXXO, transferéncia", {"oxxo", "wire_transfer"}},
    {"NoneInWarning", kPay, "USCIS no acepta pagos por telefono", {}},
    {"PayeeLinkNamesItsService", kPay, "cash.app/$TramitesJuan", {"cash_app"}},
};
INSTANTIATE_TEST_SUITE_P(PaymentMethods, ListTest, testing::ValuesIn(kPaymentCases), CaseName);

constexpr auto kPayees = &Entities::payment_handles;
const ListCase kPayeeCases[] = {
    {"CashTagAfterCashApp",
     kPayees,
     "Pague los 300 por Cash App a $TramitesJuan",
     {"cash_app:$tramitesjuan"}},
    {"CashTagBeforeWord", kPayees, "mande a $Tramites_Juan (cashapp)", {"cash_app:$tramites_juan"}},
    {"CashAppLink", kPayees, "https://cash.app/$TramitesJuan", {"cash_app:$tramitesjuan"}},
    {"VenmoHandle", kPayees, "Venmo: @Juan-Tramites", {"venmo:@juan-tramites"}},
    {"VenmoLink", kPayees, "venmo.com/u/Juan-Tramites", {"venmo:@juan-tramites"}},
    {"PaypalMe", kPayees, "paypal.me/JuanTramites/300", {"paypal:juantramites"}},
    {"InOrderDeduplicated",
     kPayees,
     "paypal.me/juantramites, Cash App $citas o PAYPAL.ME/JuanTramites",
     {"paypal:juantramites", "cash_app:$citas"}},
    {"CurrencyCodeIsNotACashTag", kPayees, "Cash App $USD 500 o $MXN", {}},
    {"AmountIsNotACashTag", kPayees, "Cash App $500", {}},
    {"CashTagNeedsCashApp", kPayees, "compre acciones de $AAPL", {}},
    {"TelegramHandleIsNotVenmo", kPayees, "Telegram @gestor_citas", {}},
    {"GluedDollarIsNot", kPayees, "cash app US$abc", {}},
    {"CryptoTickerIsNot", kPayees, "compre $BTC en Cash App y envie a la wallet", {}},
    {"CurrencyWithDigitsIsNot", kPayees, "Cash App $USD500", {}},
    {"PesosIsNot", kPayees, "Cash App $pesos o $MN 500", {}},
    {"DollarBeforeEmailIsNot", kPayees, "Cash App:$juan@gmail.com", {}},
    {"VenmoSitePagesAreNot", kPayees, "venmo.com/signup o venmo.com/about/security", {}},
    {"PaypalComPaypalMe", kPayees, "paypal.com/paypalme/JuanTramites", {"paypal:juantramites"}},
    {"PaypalComOtherPagesAreNot", kPayees, "paypal.com/signin", {}},
    {"CashHyphenApp", kPayees, "cash-app: $TramitesJuan", {"cash_app:$tramitesjuan"}},
    {"NearerWordWins", kPayees, "Pague por Venmo. Dudas: Telegram @gestor_citas", {}},
    {"LabelBeforeWinsATie", kPayees, "Telegram: @citas_rapidas, Venmo: @juanp", {"venmo:@juanp"}},
    {"NameThatIsAlsoATicker", kPayees, "Cash App: $Sol", {"cash_app:$sol"}},
};
INSTANTIATE_TEST_SUITE_P(PaymentHandles, ListTest, testing::ValuesIn(kPayeeCases), CaseName);

// --- Amounts -----------------------------------------------------------------------------------

struct AmountCase {
  const char* name;
  std::string text;
  std::vector<Amount> want;
};

void PrintTo(const AmountCase& c, std::ostream* os) { *os << c.name << ": " << c.text; }

class AmountTest : public testing::TestWithParam<AmountCase> {};

TEST_P(AmountTest, ExtractsExactlyTheseInOrder) {
  const AmountCase& c = GetParam();
  EXPECT_THAT(ExtractFrom(c.text).amounts, ElementsAreArray(c.want)) << "text: " << c.text;
}

const Amount Usd(double v) { return Amount{v, "USD"}; }
const Amount Mxn(double v) { return Amount{v, "MXN"}; }

const AmountCase kAmountCases[] = {
    {"Dollar", "Solo $500 para su permiso", {Usd(500)}},
    {"CentsStayCents", "Solo 99.99 dolares", {Usd(99.99)}},
    {"DollarSpaceThousands", "Cuota: $ 1,500", {Usd(1500)}},
    {"DollarDecimals", "pague $465.00 hoy", {Usd(465)}},
    {"UsdPrefix", "USD 785 por persona", {Usd(785)}},
    {"Dlls", "500 dlls", {Usd(500)}},
    {"Dls", "1,500 dls", {Usd(1500)}},
    {"Dollars", "costs 790 dollars", {Usd(790)}},
    {"Pesos", "cobraron 9,300 pesos", {Mxn(9300)}},
    {"MxnPrefix", "MXN 9300", {Mxn(9300)}},
    {"DollarWithPesos", "$500 pesos en OXXO", {Mxn(500)}},
    {"DollarIsUsdEvenInPesoMessage",
     "sueldo $14.50 la hora, pago de $5,000 pesos",
     {Usd(14.5), Mxn(5000)}},
    {"BareAmountTakesMessageCurrency", "le cobraron 200, en pesos mexicanos", {Mxn(200)}},
    {"MoneyWordWithFiller", "pague hoy 3 mil o lo deportamos", {Usd(3000)}},
    {"MixedCurrencies", "Cobran $3,000 dolares y $200 pesos", {Usd(3000), Mxn(200)}},
    {"LeetDollar", "Solo $5OO", {Usd(500)}},
    {"MilWithMoneyWord", "le cobran 3 mil por la cita", {Usd(3000)}},
    {"MilPesos", "3 mil pesos", {Mxn(3000)}},
    {"MilTail", "3 mil 500 dolares", {Usd(3500)}},
    {"MilWordTail", "2 mil quinientos pesos", {Mxn(2500)}},
    {"MilTailNeedsCurrency", "cobran $5 mil 30 dias antes", {Usd(5000)}},
    {"KiloDollar", "$1.5k", {Usd(1500)}},
    {"BareAfterMoneyWord", "le cobran 500 por la cita", {Usd(500)}},
    {"SpanishWords", "solo quinientos dolares", {Usd(500)}},
    {"SpanishAccentedWords", "quinientos dólares", {Usd(500)}},
    {"MilQuinientos", "mil quinientos dolares", {Usd(1500)}},
    {"MilQuinientosAfterMoneyWord", "cobran mil quinientos", {Usd(1500)}},
    {"TresMilPesos", "tres mil pesos", {Mxn(3000)}},
    {"DoscientosCincuenta", "doscientos cincuenta dolares", {Usd(250)}},
    {"VeintiYCinco", "treinta y cinco dolares", {Usd(35)}},
    {"UnMillon", "un millon de pesos", {Mxn(1000000)}},
    {"EnglishWords", "five hundred dollars", {Usd(500)}},
    {"EnglishThousand", "pay two thousand dollars now", {Usd(2000)}},
    {"EnglishAThousand", "a thousand bucks", {Usd(1000)}},
    {"EnglishHyphen", "twenty-five dollars", {Usd(25)}},
    {"Dedup", "$500 hoy y $500 mañana, 500 dolares", {Usd(500)}},
    {"ObfuscatedLeetAndCaps", "Cuota de QUINIENTOS DÓLARES", {Usd(500)}},
    {"DaysNotMoney", "sale en 30 dias", {}},
    {"DaysAfterMoneyWordNotMoney", "le cobran 30 dias de interes", {}},
    {"YearNotMoney", "desde 2015", {}},
    {"ZipNotMoney", "Los Angeles CA 90012", {}},
    {"PhoneNotMoney", "llame al 323-555-0177 dolares", {}},
    {"CaseNumberNotMoney", "caso A123456789", {}},
    {"WordsWithoutCurrencyNotMoney", "los dos hermanos, mil gracias", {}},
    {"FiveHundredAMonthNeedsCurrency", "five hundred a month", {}},
    {"WordsThousandDigitTail", "le cobran dos mil 500 dolares", {Usd(2500)}},
    {"WordsThousandYDigitTail", "dos mil y 500 pesos", {Mxn(2500)}},
    {"MilDigitTail", "mil 200 dlls", {Usd(1200)}},
    {"WordsThousandThenDays", "le cobran dos mil 30 dias antes de la cita", {Usd(2000)}},
    {"DigitsThousandThenDays", "le cobran 5 mil 30 dias antes", {Usd(5000)}},
    {"MilThenTimes", "cobran mil 2 veces", {Usd(1000)}},
};
std::string AmountName(const testing::TestParamInfo<AmountCase>& param) { return param.param.name; }
INSTANTIATE_TEST_SUITE_P(Amounts, AmountTest, testing::ValuesIn(kAmountCases), AmountName);

// --- A whole message ----------------------------------------------------------------------------

TEST(EntityExtractor, RealisticTipHasEverything) {
  Entities e = ExtractFrom(
      "¡AVISO! Ya salió el DAPA. Aparte su lugar con solo $500 dlls. Llame o mande WhatsApp al "
      "(323) 555-0177, o visite www.uscis-ayuda.com/registro. Pague por Zelle a "
      "pagos@uscis-ayuda.com o en OXXO. Telegram: @Citas_DAPA");
  EXPECT_THAT(e.phones, ElementsAre("+13235550177"));
  EXPECT_THAT(e.whatsapp, ElementsAre("+13235550177"));
  EXPECT_THAT(e.telegram, ElementsAre("citas_dapa"));
  EXPECT_THAT(e.urls, ElementsAre("http://www.uscis-ayuda.com/registro"));
  EXPECT_THAT(e.domains, ElementsAre("uscis-ayuda.com"));
  EXPECT_THAT(e.emails, ElementsAre("pagos@uscis-ayuda.com"));
  EXPECT_THAT(e.amounts, ElementsAre(Usd(500)));
  EXPECT_THAT(e.payment_methods, ElementsAre("zelle", "oxxo"));
}

TEST(EntityExtractor, WaMeNumberIsAlsoAPhone) {
  Entities e = ExtractFrom("Citas: https://wa.me/5215589324827");
  EXPECT_THAT(e.phones, ElementsAre("+525589324827"));
  EXPECT_THAT(e.urls, ElementsAre("https://wa.me/5215589324827"));
}

TEST(EntityExtractor, ClearsPreviousOutput) {
  text::Normalized normalized;
  TheNormalizer().Normalize("nada que ver aqui", &normalized);
  Entities e;
  e.phones = {"+13235550177"};
  e.amounts = {Usd(1)};
  Extractor().Extract(normalized, &e);
  EXPECT_TRUE(e.empty());
}

TEST(EntityExtractor, EmptyText) { EXPECT_TRUE(ExtractFrom("").empty()); }

TEST(EntityExtractor, SharedAcrossThreads) {
  const std::string text =
      "WhatsApp 323-555-0177, $500 dlls por Zelle, t.me/gestor_citas, uscis-ayuda.com";
  const Entities want = ExtractFrom(text);
  ASSERT_FALSE(want.phones.empty());
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        Entities got = ExtractFrom(text);
        if (got.phones != want.phones || got.whatsapp != want.whatsapp ||
            got.telegram != want.telegram || got.domains != want.domains ||
            got.amounts != want.amounts || got.payment_methods != want.payment_methods) {
          ++mismatches[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_THAT(mismatches, ElementsAre(0, 0, 0, 0));
}

// --- Campaign key -------------------------------------------------------------------------------

Entities AllEntities() {
  Entities e;
  e.phones = {"+13235550177", "+523312345678"};
  e.whatsapp = {"+523312345678"};
  e.telegram = {"gestor_citas"};
  e.domains = {"uscis.gov", "uscis-ayuda.com"};
  e.emails = {"pagos@uscis-ayuda.com"};
  e.payment_methods = {"zelle"};
  return e;
}

TEST(CampaignKey, PhoneFirst) { EXPECT_EQ(KeyOf(AllEntities(), "x"), "phone:+13235550177"); }

TEST(CampaignKey, WhatsAppWhenNoPhone) {
  Entities e = AllEntities();
  e.phones.clear();
  EXPECT_EQ(KeyOf(e, "x"), "whatsapp:+523312345678");
}

TEST(CampaignKey, TelegramThenDomain) {
  Entities e = AllEntities();
  e.phones.clear();
  e.whatsapp.clear();
  EXPECT_EQ(KeyOf(e, "x"), "telegram:gestor_citas");
  e.telegram.clear();
  // uscis.gov comes first in the text, but a government domain does not identify a campaign.
  EXPECT_EQ(KeyOf(e, "x"), "domain:uscis-ayuda.com");
}

TEST(CampaignKey, EmailWhenOnlyGovernmentDomains) {
  Entities e;
  e.domains = {"uscis.gov", "sre.gob.mx"};
  e.emails = {"pagos@uscis-ayuda.com"};
  e.payment_methods = {"zelle"};
  e.amounts = {Usd(500)};
  EXPECT_EQ(KeyOf(e, "x"), "email:pagos@uscis-ayuda.com");
}

TEST(CampaignKey, SharedPlatformsAreNotTheCampaign) {
  Entities e;
  e.domains = {"google.com", "bit.ly", "uscis-ayuda.com"};
  EXPECT_EQ(KeyOf(e, "x"), "domain:uscis-ayuda.com");
  e.domains = {"gmail.com", "bit.ly"};
  EXPECT_EQ(KeyOf(e, "x").rfind("text:", 0), 0u) << KeyOf(e, "x");
}

TEST(CampaignKey, OfficialLinesAreNotTheCampaign) {
  Entities e;
  e.phones = {"+18003755283", "+525589324827", "+13235550177"};
  EXPECT_EQ(KeyOf(e, "x"), "phone:+13235550177");
  e.phones = {"+18003755283", "+14243090009"};
  e.whatsapp = {"+14243090009"};
  e.telegram = {"gestor_citas"};
  EXPECT_EQ(KeyOf(e, "x"), "telegram:gestor_citas");
}

TEST(CampaignKey, PaymentHandleAfterDomainBeforeEmail) {
  Entities e;
  e.domains = {"uscis.gov"};
  e.emails = {"pagos@uscis-ayuda.com"};
  e.payment_handles = {"cash_app:$tramitesjuan", "paypal:juan"};
  EXPECT_EQ(KeyOf(e, "x"), "payment:cash_app:$tramitesjuan");
  e.domains = {"uscis-ayuda.com"};
  EXPECT_EQ(KeyOf(e, "x"), "domain:uscis-ayuda.com");
}

TEST(CampaignKey, GroupInvitesAreTheCampaign) {
  const std::string whatsapp = "Grupo de permisos: chat.whatsapp.com/KxY7aBcDeFgH1234567890";
  EXPECT_EQ(KeyOf(ExtractFrom(whatsapp), whatsapp),
            "whatsapp:chat.whatsapp.com/KxY7aBcDeFgH1234567890");
  const std::string telegram = "Citas sin espera, USCIS 800-375-5283 o t.me/+AbCdEfGh12345678";
  EXPECT_EQ(KeyOf(ExtractFrom(telegram), telegram), "telegram:+AbCdEfGh12345678");
}

TEST(CampaignKey, TextFingerprintIgnoresSpacesPunctuationAndCase) {
  const std::string a = KeyOf(Entities{}, "¡Pague YA, solo  500!");
  const std::string b = KeyOf(Entities{}, "pague ya solo 500");
  const std::string c = KeyOf(Entities{}, "pague ya solo 600");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx",
                static_cast<unsigned long long>(Fnv1a64("pagueyasolo500")));
  EXPECT_EQ(b, std::string("text:") + hex);
}

TEST(CampaignKey, FromExtractedEntities) {
  const std::string text = "Pague en uscis-ayuda.com o escriba a pagos@uscis-ayuda.com";
  EXPECT_EQ(KeyOf(ExtractFrom(text), text), "domain:uscis-ayuda.com");
}

}  // namespace
}  // namespace rules
}  // namespace centinela
