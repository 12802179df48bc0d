#include "ingest/decoder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace centinela::ingest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// Every text in the error cases carries this word, so that a detail quoting the text shows.
constexpr char kSecret[] = "secreto";

// A record of the given size (bytes) whose text is `text`, padded with spaces before the '}'.
std::string PaddedRecord(const std::string& text, size_t size) {
  std::string record = R"({"id":"pad","text":")" + text + "\"";
  if (record.size() + 1 < size) record.append(size - record.size() - 1, ' ');
  record += '}';
  return record;
}

TEST(ReasonName, NamesAreTheDeadLetterContract) {
  EXPECT_EQ(ReasonName(DecodeReason::kInvalidJson), "invalid_json");
  EXPECT_EQ(ReasonName(DecodeReason::kNotObject), "not_object");
  EXPECT_EQ(ReasonName(DecodeReason::kMissingField), "missing_field");
  EXPECT_EQ(ReasonName(DecodeReason::kWrongType), "wrong_type");
  EXPECT_EQ(ReasonName(DecodeReason::kInvalidUtf8), "invalid_utf8");
  EXPECT_EQ(ReasonName(DecodeReason::kTooLarge), "too_large");
}

// ---------------------------------------------------------------------------------------------
// Records that must be dead-lettered.

struct ErrorCase {
  const char* name;
  std::string input;
  DecodeReason reason;
  std::string detail;  // a substring the detail must contain
  std::string id;      // the id the error must carry ("" when unreadable)
  size_t max_text_bytes = Decoder::kDefaultMaxTextBytes;
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class DecodeErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(DecodeErrorTest, IsRejectedWithReasonDetailAndId) {
  const ErrorCase& c = GetParam();
  Decoder decoder(c.max_text_bytes);
  std::vector<std::string> warnings;
  auto result = decoder.Decode(c.input, &warnings);
  ASSERT_FALSE(result.ok()) << "decoded as a message with text '" << result->text << "'";
  EXPECT_EQ(ReasonName(result.error().reason), ReasonName(c.reason));
  EXPECT_THAT(result.error().detail, HasSubstr(c.detail));
  EXPECT_THAT(result.error().detail, Not(HasSubstr(kSecret)));
  EXPECT_EQ(result.error().id, c.id);
  EXPECT_THAT(warnings, IsEmpty());
}

// The same decoder must give the same answer after other records (no state leaks between calls).
TEST_P(DecodeErrorTest, IsRejectedTheSameWayByAReusedDecoder) {
  const ErrorCase& c = GetParam();
  Decoder decoder(c.max_text_bytes);
  ASSERT_TRUE(decoder.Decode(R"({"id":"warm-up","text":"hola"})").ok());
  (void)decoder.Decode(PaddedRecord("x", 20000));
  auto result = decoder.Decode(c.input);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(ReasonName(result.error().reason), ReasonName(c.reason));
  EXPECT_EQ(result.error().id, c.id);
}

const ErrorCase kErrorCases[] = {
    // Not valid JSON as a whole, even when the fields read are fine.
    {"InvalidAtomAfterTheFields", R"({"id":"a","text":"secreto","extra":tru})",
     DecodeReason::kInvalidJson, "atom", ""},
    {"InvalidNestedValueUnderUnknownKey", R"({"id":"a","text":"secreto","meta":{"x":[1,2,]}})",
     DecodeReason::kInvalidJson, "", ""},
    {"TrailingGarbage", R"({"id":"a","text":"secreto"} x)", DecodeReason::kInvalidJson, "", ""},
    {"TwoObjects", R"({"id":"a","text":"secreto"}{"id":"b","text":"y"})",
     DecodeReason::kInvalidJson, "", ""},
    {"Truncated", R"({"id":"a","text":"secreto")", DecodeReason::kInvalidJson, "", ""},
    {"TrailingComma", R"({"id":"a","text":"secreto",})", DecodeReason::kInvalidJson, "", ""},
    {"SingleQuotes", R"({'id':'a','text':'secreto'})", DecodeReason::kInvalidJson, "", ""},
    {"Empty", "", DecodeReason::kInvalidJson, "", ""},
    {"OnlyWhiteSpace", " \t\r\n", DecodeReason::kInvalidJson, "", ""},
    {"UnescapedTabInText", "{\"id\":\"a\",\"text\":\"secreto\there\"}", DecodeReason::kInvalidJson,
     "unescaped", ""},
    {"UnescapedNulInText", std::string("{\"id\":\"a\",\"text\":\"secreto\0\"}", 28),
     DecodeReason::kInvalidJson, "", ""},
    {"BadEscape", R"({"id":"a","text":"secreto \x41"})", DecodeReason::kInvalidJson, "string", ""},
    {"LoneHighSurrogate", R"({"id":"a","text":"secreto \ud800"})", DecodeReason::kInvalidJson,
     "string", ""},
    {"LoneLowSurrogate", R"({"id":"a","text":"secreto \udc00"})", DecodeReason::kInvalidJson,
     "string", ""},
    {"NumberOutOfRangeUnderUnknownKey", R"({"id":"a","text":"secreto","n":1e400})",
     DecodeReason::kInvalidJson, "number", ""},
    {"ByteOrderMark", "\xEF\xBB\xBF{\"id\":\"a\",\"text\":\"secreto\"}", DecodeReason::kInvalidJson,
     "", ""},
    {"TooDeep",
     R"({"id":"a","text":"secreto","x":)" + std::string(2000, '[') + std::string(2000, ']') + "}",
     DecodeReason::kInvalidJson, "deep", ""},
    {"DuplicateId", R"({"id":"a","text":"secreto","id":"b"})", DecodeReason::kInvalidJson,
     "duplicate key 'id'", ""},
    {"DuplicateText", R"({"id":"a","text":"benign","text":"secreto"})", DecodeReason::kInvalidJson,
     "duplicate key 'text'", "a"},
    {"DuplicateTextSpelledWithAnEscape", R"({"id":"a","text":"benign","t\u0065xt":"secreto"})",
     DecodeReason::kInvalidJson, "duplicate key 'text'", "a"},

    // Valid JSON, not an object.
    {"Array", "[1]", DecodeReason::kNotObject, "document is an array", ""},
    {"String", R"("str")", DecodeReason::kNotObject, "document is a string", ""},
    {"Number", "42", DecodeReason::kNotObject, "document is a number", ""},
    {"Null", "null", DecodeReason::kNotObject, "document is null", ""},
    {"Boolean", " true ", DecodeReason::kNotObject, "document is a boolean", ""},
    {"ArrayOfMessages", R"([{"id":"a","text":"secreto"}])", DecodeReason::kNotObject, "array", ""},

    // id or text absent.
    {"EmptyObject", "{}", DecodeReason::kMissingField, "field 'id' is missing", ""},
    {"NoId", R"({"text":"secreto"})", DecodeReason::kMissingField, "field 'id' is missing", ""},
    {"IdOnlyInsideLocation", R"({"text":"secreto","location":{"id":"a"}})",
     DecodeReason::kMissingField, "field 'id' is missing", ""},
    {"NoText", R"({"id":"tip-1","lang":"es"})", DecodeReason::kMissingField,
     "field 'text' is missing", "tip-1"},
    {"KeysAreCaseSensitive", R"({"id":"tip-1","Text":"secreto"})", DecodeReason::kMissingField,
     "field 'text' is missing", "tip-1"},
    {"EmptyId", R"({"id":"","text":"secreto"})", DecodeReason::kMissingField, "field 'id' is empty",
     ""},

    // id or text not a string.
    {"IdNumber", R"({"id":123,"text":"secreto"})", DecodeReason::kWrongType,
     "field 'id' is a number", ""},
    {"IdNull", R"({"id":null,"text":"secreto"})", DecodeReason::kWrongType, "field 'id' is null",
     ""},
    {"IdObject", R"({"id":{"v":"a"},"text":"secreto"})", DecodeReason::kWrongType,
     "field 'id' is an object", ""},
    {"TextNumber", R"({"id":"tip-2","text":42})", DecodeReason::kWrongType,
     "field 'text' is a number", "tip-2"},
    {"TextArray", R"({"id":"tip-3","text":["secreto"]})", DecodeReason::kWrongType,
     "field 'text' is an array", "tip-3"},
    {"TextObject", R"({"id":"tip-4","text":{"body":"secreto"}})", DecodeReason::kWrongType,
     "field 'text' is an object", "tip-4"},
    {"TextBoolean", R"({"id":"tip-5","text":false})", DecodeReason::kWrongType,
     "field 'text' is a boolean", "tip-5"},
    {"TextNull", R"({"id":"tip-6","text":null})", DecodeReason::kWrongType, "field 'text' is null",
     "tip-6"},
    {"IdIsCheckedBeforeText", R"({"id":7,"text":7})", DecodeReason::kWrongType, "field 'id'", ""},

    // Bytes that are not UTF-8, anywhere in the record.
    {"InvalidUtf8InText", "{\"id\":\"a\",\"text\":\"secreto \xFF\"}", DecodeReason::kInvalidUtf8,
     "invalid UTF-8 at byte 26", ""},
    {"InvalidUtf8InUnknownKey", "{\"id\":\"a\",\"text\":\"secreto\",\"k\xC3\x28\":1}",
     DecodeReason::kInvalidUtf8, "invalid UTF-8 at byte 29", ""},
    {"InvalidUtf8InUnknownValue", "{\"id\":\"a\",\"text\":\"secreto\",\"k\":\"\x80\"}",
     DecodeReason::kInvalidUtf8, "at byte 32", ""},
    {"OverlongSlash", "{\"id\":\"a\",\"text\":\"secreto \xC0\xAF\"}", DecodeReason::kInvalidUtf8,
     "at byte 26", ""},
    {"EncodedSurrogate", "{\"id\":\"a\",\"text\":\"secreto \xED\xA0\x80\"}",
     DecodeReason::kInvalidUtf8, "at byte 26", ""},
    {"AboveU10FFFF", "{\"id\":\"a\",\"text\":\"secreto \xF4\x90\x80\x80\"}",
     DecodeReason::kInvalidUtf8, "at byte 26", ""},
    {"TruncatedSequenceAtTheEnd", "{\"id\":\"a\",\"text\":\"secreto\"}\xE2\x82",
     DecodeReason::kInvalidUtf8, "at byte 27", ""},
    {"Utf8IsCheckedBeforeJson", "\xFF{not json", DecodeReason::kInvalidUtf8, "at byte 0", ""},

    // Over the size limits (decoders with a 16-byte text limit: record limit 16*4 + 64 KiB).
    {"TextOneByteOverTheLimit", R"({"id":"tip-7","text":"secreto-123456789"})",
     DecodeReason::kTooLarge, "text is 17 bytes, limit 16", "tip-7", 16},
    {"TextLimitCountsDecodedBytes",
     R"({"id":"tip-8","text":"\u00f1\u00f1\u00f1\u00f1\u00f1\u00f1\u00f1\u00f1x"})",
     DecodeReason::kTooLarge, "text is 17 bytes, limit 16", "tip-8", 16},
    {"RecordOneByteOverTheLimit", PaddedRecord("secreto", 16 * 4 + 64 * 1024 + 1),
     DecodeReason::kTooLarge, "record is 65601 bytes, limit 65600", "", 16},
    {"RecordSizeIsCheckedBeforeJson", std::string(16 * 4 + 64 * 1024 + 1, '['),
     DecodeReason::kTooLarge, "record is", "", 16},
    {"DefaultTextLimit", PaddedRecord(std::string(Decoder::kDefaultMaxTextBytes + 1, 'a'), 0),
     DecodeReason::kTooLarge, "text is 65537 bytes, limit 65536", "pad"},
};

INSTANTIATE_TEST_SUITE_P(Decoder, DecodeErrorTest, ::testing::ValuesIn(kErrorCases),
                         [](const auto& test_info) { return std::string(test_info.param.name); });

TEST(Decoder, ErrorIdIsCutForVeryLongIds) {
  Decoder decoder;
  const std::string id(10000, 'i');
  auto result = decoder.Decode(R"({"id":")" + id + R"(","text":5})");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().reason, DecodeReason::kWrongType);
  EXPECT_EQ(result.error().id, id.substr(0, 256));
}

TEST(Decoder, ErrorIdIsCutAtACharacterBoundary) {
  Decoder decoder;
  std::string id(255, 'i');
  id += "\xC3\xB1";  // ñ straddles byte 256
  auto result = decoder.Decode(R"({"id":")" + id + R"(","text":5})");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().id, std::string(255, 'i'));
}

// ---------------------------------------------------------------------------------------------
// Records that decode.

TEST(Decoder, DecodesEveryField) {
  Decoder decoder;
  std::vector<std::string> warnings;
  auto result = decoder.Decode(
      R"({"id": "tip-000123", "source": "tip", "channel": "app", "text": "Le garantizamos su permiso",
          "lang": "es", "ts": "2026-11-28T17:00:00Z",
          "location": {"consulate": "los-angeles", "state": "CA", "zip": "90012"}})",
      &warnings);
  ASSERT_TRUE(result.ok()) << result.error().detail;
  const Message& m = *result;
  EXPECT_EQ(m.id, "tip-000123");
  EXPECT_EQ(m.text, "Le garantizamos su permiso");
  EXPECT_EQ(m.source, "tip");
  EXPECT_EQ(m.channel, "app");
  EXPECT_EQ(m.lang, "es");
  EXPECT_EQ(m.ts, "2026-11-28T17:00:00Z");
  EXPECT_EQ(m.location.consulate, "los-angeles");
  EXPECT_EQ(m.location.state, "CA");
  EXPECT_EQ(m.location.zip, "90012");
  EXPECT_THAT(warnings, IsEmpty());
}

TEST(Decoder, OptionalFieldsDefaultToEmpty) {
  Decoder decoder;
  auto result = decoder.Decode(R"({"text":"hola","id":"a"})");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->id, "a");
  EXPECT_EQ(result->text, "hola");
  EXPECT_EQ(result->source, "");
  EXPECT_EQ(result->lang, "");
  EXPECT_EQ(result->location.consulate, "");
}

TEST(Decoder, IgnoresUnknownKeysOfAnyType) {
  Decoder decoder;
  std::vector<std::string> warnings;
  auto result = decoder.Decode(
      R"({"id":"a","user":{"id":"other","text":"not this"},"text":"hola","tags":["x",1,null],
          "score":-1.5e3,"ok":true,"nothing":null,"big":18446744073709551615,"ID":1,
          "location":{"consulate":"chicago","lat":41.8,"extra":{"zip":"1"}}})",
      &warnings);
  ASSERT_TRUE(result.ok()) << result.error().detail;
  EXPECT_EQ(result->id, "a");
  EXPECT_EQ(result->text, "hola");
  EXPECT_EQ(result->location.consulate, "chicago");
  EXPECT_EQ(result->location.zip, "");
  EXPECT_THAT(warnings, IsEmpty());
}

TEST(Decoder, DropsWrongTypedOptionalFieldsWithAWarning) {
  Decoder decoder;
  std::vector<std::string> warnings;
  auto result = decoder.Decode(
      R"({"id":"a","text":"hola","source":["tip"],"channel":7,"lang":{"code":"es"},"ts":true,
          "location":{"consulate":"dallas","state":48,"zip":90012}})",
      &warnings);
  ASSERT_TRUE(result.ok()) << result.error().detail;
  EXPECT_EQ(result->text, "hola");
  EXPECT_EQ(result->source, "");
  EXPECT_EQ(result->channel, "");
  EXPECT_EQ(result->lang, "");
  EXPECT_EQ(result->ts, "");
  EXPECT_EQ(result->location.consulate, "dallas");
  EXPECT_EQ(result->location.state, "");
  EXPECT_EQ(result->location.zip, "");
  EXPECT_THAT(warnings, ElementsAre("field 'source' is an array, not a string; ignored",
                                    "field 'channel' is a number, not a string; ignored",
                                    "field 'lang' is an object, not a string; ignored",
                                    "field 'ts' is a boolean, not a string; ignored",
                                    "field 'location.state' is a number, not a string; ignored",
                                    "field 'location.zip' is a number, not a string; ignored"));
}

TEST(Decoder, DropsALocationThatIsNotAnObject) {
  Decoder decoder;
  std::vector<std::string> warnings;
  auto result = decoder.Decode(R"({"id":"a","text":"hola","location":"los-angeles"})", &warnings);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->location.consulate, "");
  EXPECT_THAT(warnings, ElementsAre("field 'location' is a string, not an object; ignored"));
}

TEST(Decoder, NullOptionalFieldsAreAbsentWithoutWarning) {
  Decoder decoder;
  std::vector<std::string> warnings;
  auto result = decoder.Decode(
      R"({"id":"a","text":"hola","lang":null,"location":{"zip":null,"state":"TX"}})", &warnings);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->lang, "");
  EXPECT_EQ(result->location.state, "TX");
  EXPECT_THAT(warnings, IsEmpty());
  result = decoder.Decode(R"({"id":"a","text":"hola","location":null})", &warnings);
  ASSERT_TRUE(result.ok());
  EXPECT_THAT(warnings, IsEmpty());
}

TEST(Decoder, DropsRepeatedOptionalFieldsWithAWarning) {
  Decoder decoder;
  std::vector<std::string> warnings;
  auto result = decoder.Decode(
      R"({"id":"a","text":"hola","lang":"es","lang":"en","source":"tip","dup":1,"dup":2,
          "location":{"zip":"1","zip":"2","state":"CA"}})",
      &warnings);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->lang, "");
  EXPECT_EQ(result->source, "tip");
  EXPECT_EQ(result->location.zip, "");
  EXPECT_EQ(result->location.state, "CA");
  EXPECT_THAT(warnings, ElementsAre("field 'lang' appears more than once; ignored",
                                    "field 'location.zip' appears more than once; ignored"));
}

TEST(Decoder, WarningsAreClearedForEachRecord) {
  Decoder decoder;
  std::vector<std::string> warnings = {"stale"};
  ASSERT_TRUE(decoder.Decode(R"({"id":"a","text":"x","lang":1})", &warnings).ok());
  EXPECT_EQ(warnings.size(), 1u);
  ASSERT_TRUE(decoder.Decode(R"({"id":"b","text":"y"})", &warnings).ok());
  EXPECT_THAT(warnings, IsEmpty());
}

TEST(Decoder, WarningsMayBeNull) {
  Decoder decoder;
  auto result = decoder.Decode(R"({"id":"a","text":"x","lang":1,"location":2})", nullptr);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->lang, "");
}

TEST(Decoder, DecodesEscapes) {
  Decoder decoder;
  auto result = decoder.Decode(
      R"({"id":"a\u0030","text":"Se\u00f1or \ud83d\ude00 \"ok\" a\\b \/ \n\t\u20ac \u0000end"})");
  ASSERT_TRUE(result.ok()) << result.error().detail;
  EXPECT_EQ(result->id, "a0");
  const std::string expected =
      std::string("Se\xC3\xB1or \xF0\x9F\x98\x80 \"ok\" a\\b / \n\t\xE2\x82\xAC ") + '\0' + "end";
  EXPECT_EQ(result->text, expected);
}

TEST(Decoder, KeysAreComparedAfterUnescaping) {
  Decoder decoder;
  auto result = decoder.Decode(R"({"\u0069d":"a","te\u0078t":"hola"})");
  ASSERT_TRUE(result.ok()) << result.error().detail;
  EXPECT_EQ(result->id, "a");
  EXPECT_EQ(result->text, "hola");
}

TEST(Decoder, KeepsRawUtf8) {
  Decoder decoder;
  const std::string text = "Tr\xC3\xA1mite migratorio \xE2\x80\x94 \xF0\x9F\x93\x9E 323";
  auto result = decoder.Decode(R"({"id":"ñ-1","text":")" + text + "\"}");
  ASSERT_TRUE(result.ok()) << result.error().detail;
  EXPECT_EQ(result->id, "ñ-1");
  EXPECT_EQ(result->text, text);
}

TEST(Decoder, AcceptsEmptyText) {
  Decoder decoder;
  auto result = decoder.Decode(R"({"id":"a","text":""})");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->text, "");
}

TEST(Decoder, AcceptsWhiteSpaceAroundTheObject) {
  Decoder decoder;
  auto result = decoder.Decode(" \r\n\t{ \"id\" : \"a\" , \"text\" : \"x\" }\r\n ");
  ASSERT_TRUE(result.ok()) << result.error().detail;
  EXPECT_EQ(result->text, "x");
}

TEST(Decoder, TextExactlyAtTheLimitPasses) {
  Decoder decoder(16);
  auto result = decoder.Decode(R"({"id":"a","text":"0123456789abcdef"})");
  ASSERT_TRUE(result.ok()) << result.error().detail;
  EXPECT_EQ(result->text.size(), 16u);
  // Escapes count as the bytes they decode to: eight ñ are 16 bytes.
  result =
      decoder.Decode(R"({"id":"a","text":"\u00f1\u00f1\u00f1\u00f1\u00f1\u00f1\u00f1\u00f1"})");
  ASSERT_TRUE(result.ok()) << result.error().detail;
  EXPECT_EQ(result->text.size(), 16u);
}

TEST(Decoder, DefaultTextLimitIs64KiB) {
  Decoder decoder;
  const std::string text(Decoder::kDefaultMaxTextBytes, 'a');
  auto result = decoder.Decode(R"({"id":"a","text":")" + text + "\"}");
  ASSERT_TRUE(result.ok()) << result.error().detail;
  EXPECT_EQ(result->text, text);
}

TEST(Decoder, RecordExactlyAtTheLimitPasses) {
  Decoder decoder(16);
  const std::string record = PaddedRecord("hola", 16 * 4 + 64 * 1024);
  ASSERT_EQ(record.size(), 65600u);
  auto result = decoder.Decode(record);
  ASSERT_TRUE(result.ok()) << result.error().detail;
  EXPECT_EQ(result->text, "hola");
}

TEST(Decoder, HugeTextLimitDoesNotOverflowTheRecordLimit) {
  Decoder decoder(SIZE_MAX / 2);
  auto result = decoder.Decode(R"({"id":"a","text":"x"})");
  ASSERT_TRUE(result.ok()) << result.error().detail;
}

// Records of changing sizes through one decoder: the buffer grows and is reused without stale
// bytes leaking from a longer record into a shorter one.
TEST(Decoder, ReusesItsBuffersAcrossRecordsOfChangingSize) {
  Decoder decoder;
  for (size_t size : {10u, 5000u, 3u, 60000u, 1u, 20000u, 0u, 65536u, 7u}) {
    const std::string text(size, static_cast<char>('a' + size % 26));
    const std::string id = "m-" + std::to_string(size);
    auto result = decoder.Decode(R"({"id":")" + id + R"(","text":")" + text + "\"}");
    ASSERT_TRUE(result.ok()) << size << ": " << result.error().detail;
    EXPECT_EQ(result->id, id);
    EXPECT_EQ(result->text, text);
    // A truncated copy of the same record must fail, whatever the buffer held before.
    const std::string truncated = R"({"id":")" + id + R"(","text":")" + text;
    EXPECT_FALSE(decoder.Decode(truncated).ok()) << size;
  }
}

// The record is read only through the view: the bytes need not be padded or NUL-terminated.
TEST(Decoder, ReadsOnlyTheGivenBytes) {
  Decoder decoder;
  const std::string storage = R"({"id":"a","text":"hola"}GARBAGE)";
  auto result = decoder.Decode(std::string_view(storage).substr(0, storage.size() - 7));
  ASSERT_TRUE(result.ok()) << result.error().detail;
  EXPECT_EQ(result->text, "hola");
}

}  // namespace
}  // namespace centinela::ingest
