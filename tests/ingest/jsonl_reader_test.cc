#include "ingest/jsonl_reader.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace centinela::ingest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using Lines = std::vector<std::pair<size_t, std::string>>;

class JsonlReaderTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const std::string& path : paths_) std::remove(path.c_str());
  }

  // Writes contents to a fresh temporary file, removed at TearDown, and returns its path.
  std::string WriteFile(const std::string& contents) {
    std::string pattern = ::testing::TempDir() + "jsonl_reader_test_XXXXXX";
    const int fd = mkstemp(pattern.data());
    EXPECT_GE(fd, 0);
    paths_.push_back(pattern);
    size_t written = 0;
    while (written < contents.size()) {
      const ssize_t n = write(fd, contents.data() + written, contents.size() - written);
      EXPECT_GT(n, 0);
      if (n <= 0) break;
      written += static_cast<size_t>(n);
    }
    close(fd);
    return paths_.back();
  }

  // Every (line number, line) the reader yields for contents.
  Lines ReadAll(const std::string& contents) {
    auto reader = JsonlReader::Open(WriteFile(contents));
    EXPECT_TRUE(reader.ok()) << reader.error().message;
    Lines lines;
    if (!reader.ok()) return lines;
    std::string_view line;
    size_t number = 0;
    for (;;) {
      auto more = (*reader)->Next(&line, &number);
      EXPECT_TRUE(more.ok()) << more.error().message;
      if (!more.ok() || !*more) break;
      lines.emplace_back(number, std::string(line));
    }
    return lines;
  }

  std::vector<std::string> paths_;  // every file WriteFile made
};

TEST_F(JsonlReaderTest, ReadsLinesWithTheirNumbers) {
  EXPECT_THAT(ReadAll("{\"id\":\"a\"}\n{\"id\":\"b\"}\n"),
              ElementsAre(Pair(1u, "{\"id\":\"a\"}"), Pair(2u, "{\"id\":\"b\"}")));
}

TEST_F(JsonlReaderTest, SkipsBlankLinesButCountsThem) {
  EXPECT_THAT(ReadAll("\na\n\n   \n\t \r\nb\n \v\f\nc\n\n"),
              ElementsAre(Pair(2u, "a"), Pair(6u, "b"), Pair(8u, "c")));
}

TEST_F(JsonlReaderTest, StripsCrlf) {
  EXPECT_THAT(ReadAll("a\r\nb\r\n\r\nc\n"),
              ElementsAre(Pair(1u, "a"), Pair(2u, "b"), Pair(4u, "c")));
}

TEST_F(JsonlReaderTest, StripsOnlyOneLineEnding) {
  // A lone CR inside a line, or before the CRLF, belongs to the line (JSON will reject it).
  EXPECT_THAT(ReadAll("a\rb\nc\r\r\n"), ElementsAre(Pair(1u, "a\rb"), Pair(2u, "c\r")));
}

TEST_F(JsonlReaderTest, ReadsAFinalLineWithoutNewline) {
  EXPECT_THAT(ReadAll("a\nlast"), ElementsAre(Pair(1u, "a"), Pair(2u, "last")));
  EXPECT_THAT(ReadAll("only\r"), ElementsAre(Pair(1u, "only")));
}

TEST_F(JsonlReaderTest, EmptyAndBlankFilesHaveNoLines) {
  EXPECT_THAT(ReadAll(""), IsEmpty());
  EXPECT_THAT(ReadAll("\n\r\n  \n"), IsEmpty());
}

TEST_F(JsonlReaderTest, ReadsAVeryLongLine) {
  const std::string longest(1 << 20, 'x');
  const Lines lines = ReadAll("short\n" + longest + "\nafter\n" + longest);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_THAT(lines[0], Pair(1u, "short"));
  EXPECT_EQ(lines[1].first, 2u);
  EXPECT_EQ(lines[1].second, longest);
  EXPECT_THAT(lines[2], Pair(3u, "after"));
  EXPECT_EQ(lines[3].first, 4u);
  EXPECT_EQ(lines[3].second, longest);
}

TEST_F(JsonlReaderTest, KeepsNulBytes) {
  const Lines lines = ReadAll(std::string("a\0b\n", 4));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].second, std::string("a\0b", 3));
}

TEST_F(JsonlReaderTest, DropsAByteOrderMarkAtTheStartOnly) {
  EXPECT_THAT(ReadAll("\xEF\xBB\xBF{}\n\xEF\xBB\xBF{}\n"),
              ElementsAre(Pair(1u, "{}"), Pair(2u, "\xEF\xBB\xBF{}")));
  EXPECT_THAT(ReadAll("\xEF\xBB\xBF\na\n"), ElementsAre(Pair(2u, "a")));
}

TEST_F(JsonlReaderTest, ReportsSizeAndProgress) {
  const std::string contents = "a\n\nbb\r\nccc";
  auto reader = JsonlReader::Open(WriteFile(contents));
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_EQ((*reader)->total_bytes(), contents.size());
  EXPECT_EQ((*reader)->bytes_read(), 0u);
  std::string_view line;
  size_t number = 0;
  ASSERT_TRUE(*(*reader)->Next(&line, &number));
  EXPECT_EQ((*reader)->bytes_read(), 2u);
  ASSERT_TRUE(*(*reader)->Next(&line, &number));
  EXPECT_EQ((*reader)->bytes_read(), 7u);  // the blank line counts as read
  ASSERT_TRUE(*(*reader)->Next(&line, &number));
  EXPECT_EQ((*reader)->bytes_read(), contents.size());
  auto more = (*reader)->Next(&line, &number);
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
  more = (*reader)->Next(&line, &number);  // the end stays the end
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
}

TEST_F(JsonlReaderTest, MissingFileIsAnErrorNamingIt) {
  const std::string path = ::testing::TempDir() + "no_such_dir/missing.jsonl";
  auto reader = JsonlReader::Open(path);
  ASSERT_FALSE(reader.ok());
  EXPECT_THAT(reader.error().message, HasSubstr(path));
  EXPECT_THAT(reader.error().message, HasSubstr("No such file or directory"));
}

TEST_F(JsonlReaderTest, DirectoryIsAnError) {
  auto reader = JsonlReader::Open(::testing::TempDir());
  ASSERT_FALSE(reader.ok());
  EXPECT_THAT(reader.error().message, HasSubstr("Is a directory"));
}

// Reading /proc/self/mem at offset 0 fails with EIO: a real read error, not an end of file.
TEST_F(JsonlReaderTest, ReadErrorIsAnError) {
  if (access("/proc/self/mem", R_OK) != 0) GTEST_SKIP() << "no /proc/self/mem";
  auto reader = JsonlReader::Open("/proc/self/mem");
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  std::string_view line;
  size_t number = 0;
  auto more = (*reader)->Next(&line, &number);
  ASSERT_FALSE(more.ok());
  EXPECT_THAT(more.error().message, HasSubstr("/proc/self/mem"));
  EXPECT_THAT(more.error().message, HasSubstr("Input/output error"));
}

TEST_F(JsonlReaderTest, StandardInputIsNotClosed) {
  if (fcntl(STDIN_FILENO, F_GETFD) == -1) GTEST_SKIP() << "no standard input";
  {
    auto reader = JsonlReader::Open("-");
    ASSERT_TRUE(reader.ok()) << reader.error().message;
  }
  EXPECT_NE(fcntl(STDIN_FILENO, F_GETFD), -1);
}

}  // namespace
}  // namespace centinela::ingest
