#include "text/normalizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "text/fold_table.h"

namespace centinela::text {
namespace {

const Normalizer& SharedNormalizer() {
  static const Normalizer* const normalizer = new Normalizer();
  return *normalizer;
}

// Checks every offset invariant of the folded view; returns an empty string when they hold,
// else a description of the first violation.
std::string CheckInvariants(std::string_view original, const Normalized& out) {
  const ViewText& v = out.folded();
  if (out.original() != original) return "original() is not the input";
  if (out.view(View::kRaw) != original) return "raw view is not the input";
  if (v.begin.size() != v.text.size() || v.end.size() != v.text.size()) {
    return "offset arrays differ in size from the text";
  }
  for (size_t i = 0; i < v.text.size(); ++i) {
    if (v.begin[i] >= v.end[i]) return "empty span at view byte " + std::to_string(i);
    if (v.end[i] > original.size()) return "span past the end at view byte " + std::to_string(i);
    if (i > 0 && (v.begin[i] < v.begin[i - 1] || v.end[i] < v.end[i - 1])) {
      return "spans go backwards at view byte " + std::to_string(i);
    }
  }
  // The folded view is valid UTF-8.
  const auto* p = reinterpret_cast<const unsigned char*>(v.text.data());
  const size_t n = v.text.size();
  for (size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    size_t len = c < 0x80                ? 1
                 : c >= 0xC2 && c < 0xE0 ? 2
                 : c >= 0xE0 && c < 0xF0 ? 3
                 : c >= 0xF0 && c < 0xF5 ? 4
                                         : 0;
    if (len == 0 || i + len > n) return "invalid UTF-8 in the view at byte " + std::to_string(i);
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return "invalid UTF-8 in the view at " + std::to_string(i);
    }
    i += len;
  }
  if (n > 0 && (v.text.front() == ' ' || v.text.back() == ' ')) return "untrimmed space";
  if (v.text.find("  ") != std::string::npos) return "double space";
  if (v.text.find_first_of("\t\n\v\f\r") != std::string::npos) return "white space other than ' '";
  return "";
}

struct Case {
  std::string input;
  std::string folded;
};

void PrintTo(const Case& c, std::ostream* os) { *os << '"' << c.input << '"'; }

class FoldTest : public ::testing::TestWithParam<Case> {};

TEST_P(FoldTest, FoldsAsExpected) {
  const Case& c = GetParam();
  Normalized out;
  SharedNormalizer().Normalize(c.input, &out);
  EXPECT_EQ(out.view(View::kFolded), c.folded) << "input: " << c.input;
  EXPECT_EQ(CheckInvariants(c.input, out), "");
}

INSTANTIATE_TEST_SUITE_P(
    Leetspeak, FoldTest,
    ::testing::Values(Case{"n0tari0", "notario"}, Case{"gar4ntizado", "garantizado"},
                      Case{"gar4ntiz4do", "garantizado"}, Case{"v1sa", "visa"},
                      Case{"V1S4", "visa"}, Case{"l3gal", "legal"}, Case{"p3rm1s0", "permiso"},
                      Case{"n0t4r10", "notario"}, Case{"4bog4do", "abogado"},
                      Case{"abogad0", "abogado"}, Case{"abog@do", "abogado"}, Case{"ca$a", "casa"},
                      Case{"grati$", "gratis"}, Case{"c1t4s", "citas"}, Case{"añ0s", "años"},
                      Case{"pr0ce5o", "proceso"}, Case{"7ramite", "7ramite"},  // leading only
                      Case{"tr4mi7e", "tramite"}, Case{"EL N0TARI0 DICE", "el notario dice"}));

// `1` is drawn for `i` and `l`; where Spanish puts an `l` it is read as `l`.
INSTANTIATE_TEST_SUITE_P(LeetOne, FoldTest,
                         ::testing::Values(Case{"1ega1", "legal"}, Case{"so1icitud", "solicitud"},
                                           Case{"ofic1a1", "oficial"}, Case{"pape1", "papel"},
                                           Case{"perm1so", "permiso"},
                                           Case{"1nmigrac10n", "inmigracion"},
                                           Case{"pol1c1a", "policia"}));

// Digits stay digits in prices, phones, dates, form and visa names, ordinals and units.
INSTANTIATE_TEST_SUITE_P(
    NumbersKeepDigits, FoldTest,
    ::testing::Values(
        Case{"$500", "$500"}, Case{"$1,500.00", "$1,500.00"}, Case{"323-555-0177", "323-555-0177"},
        Case{"(323) 555-0177", "(323) 555-0177"}, Case{"+52 1 55 1234 5678", "+52 1 55 1234 5678"},
        Case{"30 dias", "30 dias"}, Case{"2014", "2014"}, Case{"I-130", "i-130"},
        Case{"I130", "i130"}, Case{"I-765", "i-765"}, Case{"I765", "i765"}, Case{"H-2A", "h-2a"},
        Case{"H2A", "h2a"}, Case{"H1B", "h1b"}, Case{"DS-160", "ds-160"}, Case{"N-400", "n-400"},
        Case{"4x4", "4x4"}, Case{"24h", "24h"}, Case{"10am", "10am"}, Case{"5meses", "5meses"},
        Case{"1ro", "1ro"}, Case{"1er", "1er"}, Case{"3ra", "3ra"}, Case{"1era", "1era"},
        Case{"covid19", "covid19"}, Case{"mp3", "mp3"}, Case{"top10", "top10"},
        Case{"US$500", "us$500"}, Case{"500 dlls", "500 dlls"}, Case{"1000", "1000"},
        Case{"10 años", "10 años"}));

// Letters that look like digits inside numbers are read as digits.
INSTANTIATE_TEST_SUITE_P(LettersInNumbers, FoldTest,
                         ::testing::Values(Case{"$5OO", "$500"}, Case{"1,5OO", "1,500"},
                                           Case{"$1,5OO dlls", "$1,500 dlls"},
                                           Case{"323-555-O177", "323-555-0177"},
                                           Case{"323 555 OI77", "323 555 0177"},
                                           Case{"2O14", "2014"}, Case{"$l00", "$100"},
                                           Case{"5OO$", "500$"}, Case{"US$5OO", "us$500"},
                                           Case{"1º", "1o"},  // ordinal, not ten
                                           Case{"1o lugar", "1o lugar"}, Case{"$1o", "$10"}));

// Letters inside the digit groups of an amount are digits too: a group of o/l/i (at least two
// `o`) right after a number and one `,` or `.` is read as a number, before stretched letters
// would collapse it (`$2,OOO` was `$2,o`).
INSTANTIATE_TEST_SUITE_P(
    LettersInNumberGroups, FoldTest,
    ::testing::Values(
        Case{"$2,OOO", "$2,000"}, Case{"$1,5OO", "$1,500"}, Case{"3,OOO pesos", "3,000 pesos"},
        Case{"$10,OOO", "$10,000"}, Case{"2OOO dlls", "2000 dlls"}, Case{"$5OO.OO", "$500.00"},
        Case{"1OO%", "100%"}, Case{"$1,OOO,OOO", "$1,000,000"}, Case{"$2.OOO", "$2.000"},
        Case{"$10,OOO.OO dlls", "$10,000.00 dlls"}, Case{"$1,lOO", "$1,100"},
        Case{"2,OOO", "2,000"}, Case{"pague $2,OOO hoy", "pague $2,000 hoy"},
        Case{"2,OOO$", "2,000$"}, Case{"$1.OOO,OO", "$1.000,00"},
        // Words and stretched letters away from numbers are untouched.
        Case{"gooooo", "go"}, Case{"cooperar", "cooperar"}, Case{"zoologico", "zoologico"},
        Case{"OOO", "o"}, Case{"2.lo", "2.lo"}, Case{"1,ooops", "1,ops"}, Case{"10.ojo", "10.ojo"},
        Case{"H2A.OOO", "h2a.o"}));

// Spelled-out words: inside a run of single letters, a gap other than the run's separator (two
// spaces where letters have one, a newline, a tab) is a word break and becomes one space; a
// `-` between letters, spaced like them, stays in the word.
INSTANTIATE_TEST_SUITE_P(
    SpacedWords, FoldTest,
    ::testing::Values(
        Case{"L o t e r i a  d e  v i s a s", "loteria de visas"},
        Case{"la L o t e r i a  d e  v i s a s hoy", "la loteria de visas hoy"},
        Case{"P R E - R E G I S T R O  w h a t s a p p", "pre-registro whatsapp"},
        Case{"L o t e r i a\nd e\nv i s a s", "loteria de visas"},
        Case{"v i s a s\tg r a t i s", "visas gratis"},
        Case{"t r a m i t e   r a p i d o", "tramite rapido"},
        Case{"L o t e r i a  y  v i s a s", "loteria y visas"},
        Case{"p e r m i s o  y a", "permiso ya"},  // bounded by the end of the text
        Case{"p e r m i s o ya", "permiso ya"}, Case{"p e r m i s o  ya", "permiso ya"},
        Case{"p e r m i s o  y a la", "permiso y a la"},  // not a word of the spelling
        Case{"p e r m i s o  D.A.P.A", "permiso dapa"}, Case{"g r a a a t i s  y a", "gratis ya"},
        Case{"s i  s i", "s i s i"},  // a spelling needs three letters before a break
        Case{"p r e - registro", "pre - registro"}, Case{"P R E  -  R E G", "pre - reg"}));

// `. ` runs: a letter after the run with a bare space after it is a word, unless it is a
// consonant (no Spanish or English word is one letter other than a e i o u y).
INSTANTIATE_TEST_SUITE_P(DottedLetters, FoldTest,
                         ::testing::Values(Case{"U. S. C. I. S es", "uscis es"},
                                           Case{"D. A. C. P hoy", "dacp hoy"},
                                           Case{"D. A. P. A. y la", "dapa. y la"},
                                           Case{"D. A. P. A. Y obtenga", "dapa. y obtenga"},
                                           Case{"D. A. P. A. o a", "dapa. o a"},
                                           Case{"D. A. P. A.", "dapa."},
                                           Case{"D. A. P. A", "dapa"}));

INSTANTIATE_TEST_SUITE_P(
    SpacedLetters, FoldTest,
    ::testing::Values(
        Case{"p e r m i s o", "permiso"}, Case{"P E R M I S O", "permiso"}, Case{"D.A.P.A", "dapa"},
        Case{"D.A.P.A.", "dapa."}, Case{"D. A. P. A.", "dapa."}, Case{"p-e-r-m-i-s-o", "permiso"},
        Case{"p_e_r_m_i_s_o", "permiso"}, Case{"p - e - r - m", "perm"}, Case{"U.S.C.I.S", "uscis"},
        Case{"tu p e r m i s o ya", "tu permiso ya"}, Case{"p e r m i s o D.A.P.A", "permiso dapa"},
        Case{"D.A.P.A y D.A.C.A", "dapa y daca"}, Case{"D. A. P. A. y la", "dapa. y la"},
        Case{"p-e-r-m-i-s-o y a", "permiso y a"}, Case{"a ñ o s", "años"},
        // Two single letters are Spanish words or abbreviations, not a spelling.
        Case{"y a", "y a"}, Case{"o a la", "o a la"}, Case{"va y a ver", "va y a ver"},
        Case{"10 a.m.", "10 a.m."}, Case{"EE.UU.", "ee.uu."},
        Case{"S.A. de C.V.", "s.a. de c.v."}));

INSTANTIATE_TEST_SUITE_P(
    Homoglyphs, FoldTest,
    ::testing::Values(Case{"v\u0456s\u0430", "visa"},                     // Cyrillic і а
                      Case{"\u0440ermiso", "permiso"},                    // Cyrillic р
                      Case{"\u039D\u039F\u03A4\u0391RIO", "notario"},     // Greek capitals
                      Case{"n\u03BFtari\u03BF", "notario"},               // Greek small omicron
                      Case{"\u0262\u0280\u1D00\u1D1B\u026As", "gratis"},  // small capitals
                      Case{"\u04CFegal", "legal"},                        // palochka is l, not i
                      Case{"\u0501inero", "dinero"},                      // Cyrillic ԁ
                      Case{"\u0421\u0410\u0420\u0422\u0410", "capta"},    // Cyrillic capitals
                      // Б Г Д are not Latin look-alikes, in either case.
                      Case{"\u0410\u0411\u041E\u0413\u0410\u0414\u041E",
                           "a\u0431o\u0433a\u0434o"}));

INSTANTIATE_TEST_SUITE_P(InvisibleAndControl, FoldTest,
                         ::testing::Values(Case{"no\u200Btario", "notario"},
                                           Case{"n\u200Co\u200Dt\u2060ario", "notario"},
                                           Case{"per\u00ADmiso", "permiso"},
                                           Case{"\uFEFFvisa", "visa"}, Case{"vi\u180Esa", "visa"},
                                           Case{"no\x01tario", "notario"}, Case{"vi\x7fsa", "visa"},
                                           Case{"vi\u200Esa", "visa"},
                                           Case{std::string("vi\0sa", 5), "visa"}));

INSTANTIATE_TEST_SUITE_P(StretchedLetters, FoldTest,
                         ::testing::Values(Case{"graaaatis", "gratis"}, Case{"GRAAAATIS", "gratis"},
                                           Case{"permisooo", "permiso"}, Case{"siiiiii", "si"},
                                           Case{"gra4atis", "gratis"},  // a leet `4` joins the run
                                           Case{"añññño", "año"},
                                           // Spanish doubles stay.
                                           Case{"carro", "carro"}, Case{"llamar", "llamar"},
                                           Case{"leer", "leer"}, Case{"acción", "accion"},
                                           Case{"cooperar", "cooperar"}, Case{"jajaja", "jajaja"},
                                           Case{"1000000", "1000000"}, Case{"!!!!", "!!!!"}));

INSTANTIATE_TEST_SUITE_P(Accents, FoldTest,
                         ::testing::Values(Case{"trámite", "tramite"}, Case{"TRÁMITE", "tramite"},
                                           Case{"tra\u0301mite", "tramite"},  // decomposed accent
                                           Case{"acción ejecutiva", "accion ejecutiva"},
                                           Case{"accion ejecutiva",
                                                "accion ejecutiva"},  // dropped by the writer
                                           Case{"ACCIÓN", "accion"}, Case{"pingüino", "pinguino"},
                                           Case{"àéîõü", "aeiou"}, Case{"Ça", "ca"}));

INSTANTIATE_TEST_SUITE_P(Enye, FoldTest,
                         ::testing::Values(Case{"año", "año"}, Case{"AÑO", "año"},
                                           Case{"an\u0303o", "año"}, Case{"AN\u0303O", "año"},
                                           Case{"Ñ", "ñ"}, Case{"NIÑOS", "niños"},
                                           Case{"ano", "ano"},
                                           Case{"a\u0303o", "ao"}));  // only n takes the tilde

INSTANTIATE_TEST_SUITE_P(CaseAndWidth, FoldTest,
                         ::testing::Values(Case{"VISA GARANTIZADA", "visa garantizada"},
                                           Case{"\uFF36\uFF29\uFF33\uFF21", "visa"},  // fullwidth
                                           Case{"\U0001D42F\U0001D422\U0001D42C\U0001D41A",
                                                "visa"},  // mathematical bold
                                           Case{"\u24CB\u24D8\u24E2\u24D0", "visa"},  // circled
                                           Case{"\uFB01rma", "firma"},                // ligature
                                           Case{"Stra\u00DFe", "strasse"}));

INSTANTIATE_TEST_SUITE_P(WhiteSpace, FoldTest,
                         ::testing::Values(Case{"  hola \n\t mundo  ", "hola mundo"},
                                           Case{"hola\u00A0mundo", "hola mundo"},
                                           Case{"hola\u3000\u2028mundo", "hola mundo"},
                                           Case{"\r\n", ""}, Case{"", ""},
                                           Case{"a\u2002\u2003b", "a b"}));

// Emoji are a word break; enclosed letters and keycap digits are read as what they show.
INSTANTIATE_TEST_SUITE_P(
    Emoji, FoldTest,
    ::testing::Values(Case{"visa\u2705garantizada", "visa garantizada"},
                      Case{"\U0001F525\U0001F525 gratis \U0001F525", "gratis"},
                      Case{"llama \U0001F4DE 323", "llama 323"},
                      Case{"\U0001F1F2\U0001F1FD visa", "visa"},               // flag
                      Case{"3\uFE0F\u20E32\uFE0F\u20E33\uFE0F\u20E3", "323"},  // keycaps
                      Case{"\U0001F170bogado", "abogado"}, Case{"p\u2728e\u2728r\u2728m", "perm"},
                      Case{"\U0001F44D\U0001F3FD ok", "ok"}));

// Never a letter for another letter.
INSTANTIATE_TEST_SUITE_P(NoLetterToLetter, FoldTest,
                         ::testing::Values(Case{"legal", "legal"}, Case{"LEGAL", "legal"},
                                           Case{"ilegal", "ilegal"}, Case{"Illinois", "illinois"},
                                           Case{"l1bre", "libre"}, Case{"lo", "lo"},
                                           Case{"el 1o", "el 1o"}, Case{"mil", "mil"}));

// Addresses and handles keep their digits and repeated letters.
INSTANTIATE_TEST_SUITE_P(Verbatim, FoldTest,
                         ::testing::Values(Case{"www.uscis.gov", "www.uscis.gov"},
                                           Case{"(www.uscis.gov)", "(www.uscis.gov)"},
                                           Case{"Juan77@Gmail.com", "juan77@gmail.com"},
                                           Case{"@n0tario_1", "@n0tario_1"},
                                           Case{"https://bit.ly/3xAb0", "https://bit.ly/3xab0"},
                                           Case{"ayuda-n0tari0.com", "ayuda-notario.com"}));

// Bytes that are not UTF-8 are dropped, never read past.
INSTANTIATE_TEST_SUITE_P(InvalidUtf8, FoldTest,
                         ::testing::Values(Case{"\xff", ""}, Case{"vi\xfe\xffsa", "visa"},
                                           Case{"visa\xc3", "visa"},
                                           Case{"a\xc0\xaf"
                                                "b",
                                                "ab"},  // overlong
                                           Case{"a\xed\xa0\x80"
                                                "b",
                                                "ab"},  // surrogate
                                           Case{"a\xf4\x90\x80\x80"
                                                "b",
                                                "ab"},  // > U+10FFFF
                                           Case{"\x80\x80visa", "visa"},
                                           Case{"a\xe2\x80"
                                                "b",
                                                "ab"}));  // truncated

TEST(NormalizerTest, RawViewIsTheOriginal) {
  const std::string text = "Su N0TARIO cobra $5OO";
  Normalized out;
  SharedNormalizer().Normalize(text, &out);
  EXPECT_EQ(out.view(View::kRaw), text);
  EXPECT_EQ(out.view(View::kRaw).data(), text.data());
  EXPECT_EQ(out.ToOriginal(View::kRaw, 3, 10), (Span{3, 10}));
  EXPECT_EQ(out.view(View::kFolded), "su notario cobra $500");
}

TEST(NormalizerTest, ViewNamesRoundTrip) {
  for (View v : {View::kRaw, View::kFolded}) EXPECT_EQ(ParseView(ViewName(v)), v);
  EXPECT_EQ(ViewName(View::kFolded), "folded");
  EXPECT_FALSE(ParseView("Folded").has_value());
  EXPECT_FALSE(ParseView("").has_value());
}

// A word found in the folded view maps back to exactly the original text it came from.
struct SpanCase {
  std::string input;
  std::string word;      // in the folded view
  std::string original;  // the original text it must map back to
};

void PrintTo(const SpanCase& c, std::ostream* os) { *os << '"' << c.input << '"'; }

class SpanTest : public ::testing::TestWithParam<SpanCase> {};

TEST_P(SpanTest, WordMapsBackToOriginal) {
  const SpanCase& c = GetParam();
  Normalized out;
  SharedNormalizer().Normalize(c.input, &out);
  ASSERT_EQ(CheckInvariants(c.input, out), "");
  const std::string_view folded = out.view(View::kFolded);
  const size_t at = folded.find(c.word);
  ASSERT_NE(at, std::string_view::npos) << "folded: " << folded;
  const Span span = out.ToOriginal(View::kFolded, static_cast<uint32_t>(at),
                                   static_cast<uint32_t>(at + c.word.size()));
  ASSERT_LE(span.begin, span.end);
  ASSERT_LE(span.end, c.input.size());
  EXPECT_EQ(c.input.substr(span.begin, span.end - span.begin), c.original);
}

INSTANTIATE_TEST_SUITE_P(
    Obfuscations, SpanTest,
    ::testing::Values(SpanCase{"Su P-E-R-M-I-S-O ya", "permiso", "P-E-R-M-I-S-O"},
                      SpanCase{"tu p e r m i s o hoy", "permiso", "p e r m i s o"},
                      SpanCase{"es D. A. P. A. y", "dapa", "D. A. P. A"},
                      SpanCase{"El n0tari0 dice", "notario", "n0tari0"},
                      SpanCase{"es graaaatis!", "gratis", "graaaatis"},
                      SpanCase{"ES GRAAAATIS", "gratis", "GRAAAATIS"},
                      SpanCase{"su TRÁMITE", "tramite", "TRÁMITE"},
                      SpanCase{"su tra\u0301mite ya", "tramite", "tra\u0301mite"},
                      SpanCase{"el an\u0303o", "año", "an\u0303o"},
                      SpanCase{"la v\u0456s\u0430 hoy", "visa", "v\u0456s\u0430"},
                      SpanCase{"pago $5OO hoy", "500", "5OO"},
                      SpanCase{"un no\u200Btario", "notario", "no\u200Btario"},
                      SpanCase{"la \uFB01rma", "firma", "\uFB01rma"},
                      SpanCase{"visa\u2705garantizada", "visa garantizada",
                               "visa\u2705garantizada"},
                      SpanCase{"hola \n\n  mundo", "hola mundo", "hola \n\n  mundo"},
                      SpanCase{"llama al 323-555-O177", "323-555-0177", "323-555-O177"}));

// Amounts written with letters, spelled-out words with word breaks, an abbreviation without
// its last dot.
INSTANTIATE_TEST_SUITE_P(
    JoinsAndAmounts, SpanTest,
    ::testing::Values(
        SpanCase{"pague $2,OOO hoy", "$2,000", "$2,OOO"},
        SpanCase{"la L o t e r i a  d e  v i s a s hoy", "loteria de visas",
                 "L o t e r i a  d e  v i s a s"},
        SpanCase{"la L o t e r i a  d e  v i s a s hoy", "de", "d e"},
        SpanCase{"P R E - R E G I S T R O  w h a t s a p p", "pre-registro",
                 "P R E - R E G I S T R O"},
        SpanCase{"P R E - R E G I S T R O  w h a t s a p p", "whatsapp", "w h a t s a p p"},
        SpanCase{"U. S. C. I. S es", "uscis", "U. S. C. I. S"}));

// Random texts, valid and invalid: every view byte maps inside the original, spans never go
// backwards, the view is valid UTF-8.
TEST(NormalizerPropertyTest, OffsetsStayInsideOriginalForRandomText) {
  std::mt19937 rng(20141120);  // fixed seed: a failure reproduces
  const std::vector<std::string> pieces = {
      "a",      "b",          "n",      "o",        "l",
      "i",      "0",          "1",      "3",        "4",
      "5",      "7",          "9",      "@",        "$",
      ".",      "-",          "_",      " ",        "  ",
      "\n",     "\t",         ",",      "ñ",        "Ñ",
      "á",      "Ü",          "\u0303", "\u0301",   "\u200B",
      "\u00AD", "\uFEFF",     "\u0430", "\u03BF",   "\u0397",
      "\u2705", "\U0001F525", "\uFDFA", "\uFB01",   "\u00BD",
      "\u2122", "\xff",       "\xc3",   "\xe2\x80", "\xed\xa0\x80",
      "\x01",   "www.",       "://",    "p e r",    "D.A.",
      "graaa",  "$5OO",       "I-130",  "\u3000",   "\u00A0",
      "1º",     ",OOO",       ".OO",    "O",        " - ",
      "\u2728", "L o t e  d e"};
  Normalized out;  // reused on purpose: stale state from a longer text must not leak
  for (int iter = 0; iter < 20000; ++iter) {
    std::string text;
    const int count = static_cast<int>(rng() % 40);
    for (int k = 0; k < count; ++k) text += pieces[rng() % pieces.size()];
    SharedNormalizer().Normalize(text, &out);
    ASSERT_EQ(CheckInvariants(text, out), "") << "iteration " << iter;
    Normalized fresh;
    SharedNormalizer().Normalize(text, &fresh);
    ASSERT_EQ(fresh.view(View::kFolded), out.view(View::kFolded)) << "iteration " << iter;
  }
}

TEST(NormalizerPropertyTest, OffsetsStayInsideOriginalForRandomBytes) {
  std::mt19937 rng(7);
  Normalized out;
  for (int iter = 0; iter < 20000; ++iter) {
    std::string text(rng() % 64, '\0');
    for (char& c : text) c = static_cast<char>(rng());
    SharedNormalizer().Normalize(text, &out);
    ASSERT_EQ(CheckInvariants(text, out), "") << "iteration " << iter;
  }
}

// Texts built from known words with known obfuscations: each word, found in order in the
// folded view, maps back to exactly its obfuscated form.
TEST(NormalizerPropertyTest, WordsMapBackToTheirObfuscatedForm) {
  struct Word {
    std::string original;  // as written
    std::string folded;    // what the view holds
    std::string span;      // what the view's bytes map back to
  };
  const std::vector<Word> words = {
      {"permiso", "permiso", "permiso"},
      {"P-E-R-M-I-S-O", "permiso", "P-E-R-M-I-S-O"},
      {"p e r m i s o", "permiso", "p e r m i s o"},
      {"D.A.P.A", "dapa", "D.A.P.A"},
      {"n0tari0", "notario", "n0tari0"},
      {"gar4ntizado", "garantizado", "gar4ntizado"},
      {"graaaatis", "gratis", "graaaatis"},
      {"TRÁMITE", "tramite", "TRÁMITE"},
      {"an\u0303os", "años", "an\u0303os"},
      {"v\u0456s\u0430", "visa", "v\u0456s\u0430"},
      {"no\u200Btario", "notario", "no\u200Btario"},
      {"$5OO", "$500", "$5OO"},
      {"323-555-0177", "323-555-0177", "323-555-0177"},
      {"I-130", "i-130", "I-130"},
      {"1ega1", "legal", "1ega1"},
      {"ACCIÓN", "accion", "ACCIÓN"},
      {"ca$a", "casa", "ca$a"},
      {"$2,OOO", "$2,000", "$2,OOO"},
      {"$5OO.OO", "$500.00", "$5OO.OO"},
      {"P R E - R E G I S T R O", "pre-registro", "P R E - R E G I S T R O"},
  };
  const std::vector<std::string> separators = {" ",      "  ",       "\n",   ", ", " \u2705 ",
                                               "\u00A0", " \u200B ", "\t\t", "; "};
  std::mt19937 rng(42);
  Normalized out;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string text;
    std::vector<size_t> chosen;
    std::vector<size_t> starts;
    const int count = 1 + static_cast<int>(rng() % 12);
    for (int k = 0; k < count; ++k) {
      if (k > 0) text += separators[rng() % separators.size()];
      const size_t w = rng() % words.size();
      chosen.push_back(w);
      starts.push_back(text.size());
      text += words[w].original;
    }
    SharedNormalizer().Normalize(text, &out);
    ASSERT_EQ(CheckInvariants(text, out), "");
    const std::string_view folded = out.view(View::kFolded);
    size_t cursor = 0;
    for (size_t k = 0; k < chosen.size(); ++k) {
      const Word& word = words[chosen[k]];
      const size_t at = folded.find(word.folded, cursor);
      ASSERT_NE(at, std::string_view::npos) << "text: " << text << "\nfolded: " << folded;
      const Span span = out.ToOriginal(View::kFolded, static_cast<uint32_t>(at),
                                       static_cast<uint32_t>(at + word.folded.size()));
      const size_t expected_begin = starts[k] + word.original.find(word.span);
      EXPECT_EQ(span.begin, expected_begin) << "text: " << text << "\nword " << k;
      EXPECT_EQ(span.end, expected_begin + word.span.size()) << "text: " << text;
      cursor = at + word.folded.size();
    }
  }
}

// Long ASCII texts take a 16-byte vector path; tabs and runs of spaces force the byte-by-byte
// path. Both must give the same view and offsets, wherever the chunk boundaries fall.
TEST(NormalizerPropertyTest, VectorAndScalarPathsAgree) {
  const std::vector<std::string> texts = {
      "URGENTE!! Notario Juan Perez le ayuda con su permiso de trabajo por la nueva accion "
      "ejecutiva DAPA. Tramite garantizado 100%, reserve su lugar hoy con solo $500 por Western "
      "Union. Llame al (323) 555-0177 o escriba por WhatsApp www.ayuda.com",
      "Su N0TARI0 le da su p e r m i s o y la D.A.P.A. gar4ntizada, graaaatis, pague $5OO a "
      "la cuenta 323-555-O177 o a juan77@gmail.com; a b c d e f g h i j k l m n o p q r s t",
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbb ccc a a a a a",
      "x y z x y z xx yy zz 1 2 3 4 5 6 7 8 9 0 !! ?? ,, ;; .. -- __ ** ~~ || @@ $$ %% && ## "};
  Normalized vec;
  Normalized ref;
  for (const std::string& base : texts) {
    for (size_t shift = 0; shift < 17; ++shift) {
      std::string text = std::string(shift, 'q') + " " + base;
      std::string tabs = text;
      std::replace(tabs.begin(), tabs.end(), ' ', '\t');  // no vector path for these chunks
      SharedNormalizer().Normalize(text, &vec);
      SharedNormalizer().Normalize(tabs, &ref);
      ASSERT_EQ(CheckInvariants(text, vec), "");
      EXPECT_EQ(vec.view(View::kFolded), ref.view(View::kFolded)) << "shift " << shift;
      EXPECT_EQ(vec.folded().begin, ref.folded().begin) << "shift " << shift;
      EXPECT_EQ(vec.folded().end, ref.folded().end) << "shift " << shift;
      // Leading white space only moves the offsets.
      std::string padded = std::string(shift, ' ') + text;
      SharedNormalizer().Normalize(padded, &ref);
      EXPECT_EQ(vec.view(View::kFolded), ref.view(View::kFolded)) << "shift " << shift;
      ASSERT_EQ(vec.folded().begin.size(), ref.folded().begin.size());
      for (size_t i = 0; i < vec.folded().begin.size(); ++i) {
        ASSERT_EQ(vec.folded().begin[i] + shift, ref.folded().begin[i]) << "shift " << shift;
        ASSERT_EQ(vec.folded().end[i] + shift, ref.folded().end[i]) << "shift " << shift;
      }
    }
  }
}

TEST(NormalizerTest, ReusedNormalizedDoesNotReallocate) {
  Normalized out;
  const std::string longer(400, 'x');
  SharedNormalizer().Normalize(longer, &out);
  const ViewText& v = out.folded();
  const char* text_data = v.text.data();
  const uint32_t* begin_data = v.begin.data();
  const uint32_t* end_data = v.end.data();
  for (const char* text : {"Su P-E-R-M-I-S-O ya", "TRÁMITE gar4ntizado $5OO", "año"}) {
    SharedNormalizer().Normalize(text, &out);
    EXPECT_EQ(v.text.data(), text_data);
    EXPECT_EQ(v.begin.data(), begin_data);
    EXPECT_EQ(v.end.data(), end_data);
  }
  EXPECT_EQ(out.view(View::kFolded), "año");
}

// One character can fold into many (U+FDFA is 18 letters): the buffers grow as needed.
TEST(NormalizerTest, LongExpansionsGrowTheBuffers) {
  std::string text;
  for (int k = 0; k < 500; ++k) text += "\uFDFA";
  text += " visa";
  Normalized out;
  SharedNormalizer().Normalize(text, &out);
  EXPECT_EQ(CheckInvariants(text, out), "");
  EXPECT_GT(out.view(View::kFolded).size(), text.size());
  EXPECT_TRUE(out.view(View::kFolded).ends_with(" visa"));
}

TEST(FoldTableTest, TableMatchesDirectFolding) {
  // The BMP cache and the direct computation agree on every code point.
  const auto& table = internal::FoldTable::Get();
  char direct[internal::kMaxFoldedBytes];
  char scratch[internal::kMaxFoldedBytes];
  for (char32_t cp = 0x80; cp < 0x30000; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    if (cp >= 0x1F300 && cp <= 0x1FAFF) continue;  // short-cut to kSpace by design
    const internal::FoldResult want = internal::FoldCodepoint(cp, direct);
    const char* bytes = nullptr;
    const internal::FoldResult got = table.Lookup(cp, &bytes, scratch);
    ASSERT_EQ(got.action, want.action) << std::hex << static_cast<uint32_t>(cp);
    ASSERT_EQ(std::string_view(bytes, got.size), std::string_view(direct, want.size))
        << std::hex << static_cast<uint32_t>(cp);
  }
}

TEST(FoldTableTest, EmojiBlocksAreWordBreaks) {
  char out[internal::kMaxFoldedBytes];
  for (char32_t cp : {U'\U0001F525', U'\U0001F600', U'\U0001F44D', U'\U0001F3FD'}) {
    EXPECT_EQ(internal::FoldCodepoint(cp, out).action, internal::FoldAction::kSpace);
  }
}

}  // namespace
}  // namespace centinela::text
