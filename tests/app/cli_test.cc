// The `centinela` binary as a user runs it: arguments, exit codes, stdout and stderr.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

struct Outcome {
  int status = -1;
  std::string out;
  std::string err;
};

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("cli_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "pack");
    Write("pack/main.yaml", kPack);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path Write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / name, std::ios::binary) << content;
    return dir_ / name;
  }

  // Runs the binary with `args` (shell words; a `<` or `>` in them redirects) and `env`
  // (NAME=value words) in the test's folder.
  Outcome Centinela(const std::string& args, const std::string& env = "") {
    const fs::path out = dir_ / "stdout", err = dir_ / "stderr";
    const bool redirected = args.find('>') != std::string::npos;
    const std::string cmd = "cd '" + dir_.string() + "' && CENTINELA_CACHE_DIR='" +
                            (dir_ / "cache").string() + "' " + env + " '" + CENTINELA_BINARY +
                            "' " + args + (redirected ? "" : " >'" + out.string() + "'") +
                            " 2>'" + err.string() + "'" +
                            (args.find('<') == std::string::npos ? " </dev/null" : "");
    Outcome r;
    const int raw = std::system(cmd.c_str());
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.out = Read(out);
    r.err = Read(err);
    return r;
  }

  // Runs `args`, which must fail with `status` and say `says` on stderr.
  void ExpectFailure(const std::string& args, int status, const std::string& says) {
    const Outcome r = Centinela(args);
    EXPECT_EQ(r.status, status) << args;
    EXPECT_THAT(r.err, HasSubstr(says)) << args;
  }

  static std::string Read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  static std::vector<std::string> Lines(const std::string& s) {
    std::vector<std::string> lines;
    std::stringstream ss(s);
    for (std::string l; std::getline(ss, l);) lines.push_back(l);
    return lines;
  }

  static constexpr const char* kPack = R"(pack: cli-test
version: 3.2.1
thresholds: {review: 30, alert: 60, publish: 90}
rules:
  - id: garantia
    category: guaranteed_outcome
    weight: 45
    patterns: ['garantiz\w*\s+(su|tu)\s+permiso']
    examples:
      match: ["le garantizamos su permiso"]
      no_match: ["nadie puede garantizar nada"]
  - id: zelle
    category: payment
    weight: 20
    patterns: ['\bzelle\b']
    examples:
      match: ["pague por zelle"]
      no_match: ["pague en la oficina"]
)";
  fs::path dir_;
};

TEST_F(Cli, ScanWritesOneJsonLinePerInputLineInOrderWithErrorsInPlace) {
  Write("in.jsonl",
        "{\"id\":\"a\",\"text\":\"Le garantizamos su permiso, pague por Zelle\","
        "\"location\":{\"consulate\":\"dallas\"},\"ts\":\"2026-11-28T17:00:00Z\"}\n"
        "\n"
        "{\"id\":\"b\",\"text\":\"hola\",\"x\":tru}\n"
        "{\"id\":\"c\",\"text\":\"buenos dias\"}\n"
        "[1,2]\n"
        "{\"id\":\"e\"}\n");
  Outcome r = Centinela("scan --rules pack --format jsonl in.jsonl");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 5u) << r.out;
  EXPECT_THAT(lines[0], HasSubstr(R"("id":"a","action":"alert","score":65)"));
  EXPECT_THAT(lines[0], HasSubstr(R"({"id":"garantia","weight":45,"spans":[[3,26]]})"));
  EXPECT_THAT(lines[0], HasSubstr(R"("payment_methods":["zelle"])"));
  EXPECT_THAT(lines[0], HasSubstr(R"("consulate":"dallas","pack":"3.2.1+sha256:)"));
  EXPECT_THAT(lines[0], HasSubstr(R"("ts":"2026-11-28T17:00:00Z")"));
  EXPECT_THAT(lines[1], HasSubstr(R"({"line":3,)"));
  EXPECT_THAT(lines[1], HasSubstr(R"("error":"invalid_json: )"));
  EXPECT_THAT(lines[2],
              HasSubstr(R"("id":"c","action":"none","score":0,"rules":[],"entities":{})"));
  EXPECT_THAT(lines[3], HasSubstr(R"({"line":5,"error":"not_object: )"));
  EXPECT_THAT(lines[4], HasSubstr(R"({"line":6,"id":"e","error":"missing_field: )"));
  EXPECT_THAT(r.err, HasSubstr("scanned 5 lines"));
  EXPECT_THAT(r.err, HasSubstr("3 bad"));
}

TEST_F(Cli, ScanReadsStdinAndHonoursTheTextLimit) {
  Write("in.jsonl", "{\"id\":\"a\",\"text\":\"pague por zelle ya\"}\n");
  Outcome r = Centinela("scan --rules pack --format jsonl --max-text-bytes 5 - < in.jsonl");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(R"("error":"too_large: )"));
}

TEST_F(Cli, ScanFailsOnAnUnreadableInputOrABadPack) {
  Outcome missing = Centinela("scan --rules pack --format jsonl nothere.jsonl");
  EXPECT_EQ(missing.status, 2);
  EXPECT_THAT(missing.err, HasSubstr("nothere.jsonl"));
  Write("pack/main.yaml", std::string(kPack) + "  - id: zelle\n");
  Write("in.jsonl", "{\"id\":\"a\",\"text\":\"x\"}\n");
  Outcome bad = Centinela("scan --rules pack in.jsonl");
  EXPECT_EQ(bad.status, 2);
  EXPECT_THAT(bad.err, HasSubstr("rule pack refused"));
  EXPECT_TRUE(bad.out.empty());
}

TEST_F(Cli, ScanWarnsAboutDroppedFieldsAndKeepsControlCharactersOutOfTheTable) {
  Write("in.jsonl",
        "{\"id\":\"a\\u001b[31mred\",\"text\":\"hola\",\"lang\":5}\n"
        "{\"id\":\"\\u00f1\\u00f1\\u00f1\\u00f1\\u00f1\\u00f1\\u00f1\\u00f1\\u00f1\\u00f1x\","
        "\"text\":\"hola\"}\n");
  Outcome r = Centinela("scan --rules pack --format table in.jsonl");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("line 1: field 'lang'"));
  EXPECT_THAT(r.out, HasSubstr("a?[31mred"));
  EXPECT_THAT(r.out, Not(HasSubstr("\x1b")));
  // 18 columns: ten two-byte ñ are 20 bytes, cut after the eighth, not inside the ninth.
  std::string eight_enies;
  for (int i = 0; i < 8; ++i) eight_enies += "\xc3\xb1";
  EXPECT_THAT(r.out, HasSubstr(eight_enies + "~"));
}

TEST_F(Cli, OutputThatCannotBeWrittenAndCorporaWithoutLabelsAreFailures) {
  Write("in.jsonl", "{\"id\":\"a\",\"text\":\"Le garantizamos su permiso\"}\n");
  ExpectFailure("scan --rules pack --format jsonl in.jsonl >/dev/full", 2,
                "cannot write the output");
  ExpectFailure("rules test pack --corpus in.jsonl --min-recall 0.99", 2,
                "has no labelled message");
  ExpectFailure("rules", 2, "centinela rules: expected 'check' or 'test'");
  // An unknown log level is reported and logging stays on (at info), instead of turning it off.
  Outcome level =
      Centinela("scan --rules pack --format jsonl in.jsonl", "CENTINELA_LOG_LEVEL=loud");
  EXPECT_EQ(level.status, 0);
  EXPECT_THAT(level.err, HasSubstr("unknown log level 'loud'"));
}

TEST_F(Cli, ScanTableAndExplain) {
  Write("in.jsonl", "{\"id\":\"a\",\"text\":\"Le GARANTIZAMOS su permiso\"}\n");
  Outcome r = Centinela("scan --rules pack --format table --explain in.jsonl");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("review"));
  EXPECT_THAT(r.out, HasSubstr("view folded  le garantizamos su permiso"));
  EXPECT_THAT(r.out, HasSubstr("\"GARANTIZAMOS su permiso\" in the text"));
}

// A line's own `source` decides the pack's `sources`; --source stands in for lines without one
// (an export of the tips topic), as the streaming scanner reads its topics.
TEST_F(Cli, ScanAndRulesTestJudgeEachLineAsFromItsSourceOrTheGivenOne) {
  auto write_tips_pack = [&](const std::string& source) {
    Write("pack/tips.yaml", "composites:\n  - id: zelle-in-a-tip\n    any: [zelle]\n"
                            "    sources: [" + source + "]\n    weight: 15\n");
  };
  write_tips_pack("tip");
  Write("in.jsonl",
        "{\"id\":\"none\",\"text\":\"me pidieron pagar por zelle\"}\n"
        "{\"id\":\"post\",\"source\":\"post\",\"text\":\"me pidieron pagar por zelle\"}\n"
        "{\"id\":\"tip\",\"source\":\"tip\",\"text\":\"me pidieron pagar por zelle\"}\n");
  auto actions = [](const std::string& jsonl) {
    std::vector<std::string> out;
    for (const std::string& l : Lines(jsonl)) {
      out.push_back(l.find("\"action\":\"review\"") != std::string::npos ? "review" : "none");
    }
    return out;
  };
  Outcome plain = Centinela("scan --rules pack --format jsonl in.jsonl");
  ASSERT_EQ(plain.status, 0) << plain.err;
  EXPECT_EQ(actions(plain.out), (std::vector<std::string>{"none", "none", "review"}));
  Outcome as_tips = Centinela("scan --rules pack --format jsonl --source tip in.jsonl");
  ASSERT_EQ(as_tips.status, 0) << as_tips.err;
  EXPECT_EQ(actions(as_tips.out), (std::vector<std::string>{"review", "none", "review"}));
  Outcome explained = Centinela("scan --rules pack --format table --explain in.jsonl");
  EXPECT_THAT(explained.out, HasSubstr("composite zelle-in-a-tip (+15) of [zelle], sources [tip]"));

  Write("corpus.jsonl",
        "{\"id\":\"1\",\"text\":\"me pidieron pagar por zelle\",\"label\":\"scam\"}\n"
        "{\"id\":\"2\",\"text\":\"hola\",\"label\":\"legit\"}\n");
  Outcome test = Centinela("rules test pack --corpus corpus.jsonl --format json");
  EXPECT_THAT(test.out, HasSubstr(R"("overall":{"messages":2,"tp":0,"fp":0,"fn":1,"tn":1)"));
  test = Centinela("rules test pack --corpus corpus.jsonl --format json --source tip");
  EXPECT_THAT(test.out, HasSubstr(R"("overall":{"messages":2,"tp":1,"fp":0,"fn":0,"tn":1)"));

  // A source name no topic carries, in the pack or on the command line, is said on stderr.
  write_tips_pack("tips");
  Outcome typo = Centinela("scan --rules pack --format jsonl --source tipp in.jsonl");
  EXPECT_EQ(typo.status, 0) << typo.err;
  EXPECT_THAT(typo.err, HasSubstr("composite 'zelle-in-a-tip': source 'tips' is neither tip nor "
                                  "post"));
  EXPECT_THAT(typo.err, HasSubstr("--source 'tipp' is neither tip nor post"));
  test = Centinela("rules test pack --corpus corpus.jsonl");
  EXPECT_THAT(test.err, HasSubstr("source 'tips' is neither tip nor post"));
}

TEST_F(Cli, RulesCheckReportsTheFailingRuleAndExample) {
  Outcome ok = Centinela("rules check pack");
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("2 rules"));
  std::string pack = kPack;
  pack.replace(pack.find("\"pague en la oficina\""), 21, "\"zelle\"");
  Write("pack/main.yaml", pack);
  Outcome bad = Centinela("rules check pack");
  EXPECT_EQ(bad.status, 1);
  EXPECT_THAT(bad.err, HasSubstr("main.yaml:12: rule 'zelle': example should not match"));
}

TEST_F(Cli, RulesTestReportsPrecisionRecallAndEnforcesBounds) {
  Write("corpus.jsonl",
        "{\"id\":\"1\",\"text\":\"le garantizamos su permiso\",\"label\":\"scam\","
        "\"category\":\"guaranteed_outcome\",\"lang\":\"es\"}\n"
        "{\"id\":\"2\",\"text\":\"garantizamos tu permiso, pague por zelle\",\"label\":\"scam\","
        "\"lang\":\"es\"}\n"
        "{\"id\":\"3\",\"text\":\"pague por zelle la renta\",\"label\":\"legit\",\"lang\":\"es\"}\n"
        "{\"id\":\"4\",\"text\":\"send by zelle\",\"label\":\"scam\",\"lang\":\"en\"}\n"
        "{\"id\":\"5\",\"text\":\"hola\",\"label\":\"legit\",\"lang\":\"en\"}\n");
  Outcome r = Centinela("rules test pack --corpus corpus.jsonl --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(R"("overall":{"messages":5,"tp":2,"fp":0,"fn":1,"tn":2)"));
  EXPECT_THAT(r.out, HasSubstr(R"("zelle":{"weight":20,"fired":3,"precision":0.6666)"));
  EXPECT_THAT(r.out, HasSubstr(R"("misses":["4"])"));
  Outcome gated = Centinela("rules test pack --corpus corpus.jsonl --min-recall 0.9");
  EXPECT_EQ(gated.status, 1);
  EXPECT_THAT(gated.out, HasSubstr("recall 0.6667 FAILS minimum 0.9000"));
  EXPECT_THAT(gated.out, HasSubstr("per language"));
}

TEST_F(Cli, ConfigCheckAsksLibrdkafkaAboutEveryPassedThroughValue) {
  Write("good.yaml",
        "kafka:\n  brokers: 127.0.0.1:9092\n  producer_properties:\n    linger.ms: 5\n");
  Outcome ok = Centinela("config check good.yaml");
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("ok"));
  Write("bad.yaml",
        "kafka:\n  brokers: 127.0.0.1:9092\n  properties:\n    socket.nagle.disable: maybe\n"
        "  consumer_properties:\n    fetch.wiat.max.ms: 10\n");
  Outcome bad = Centinela("config check bad.yaml");
  EXPECT_EQ(bad.status, 1);
  EXPECT_THAT(bad.err, HasSubstr("bad.yaml:4: kafka.properties.socket.nagle.disable: librdkafka "
                                 "refuses it: Expected bool value"));
  EXPECT_THAT(bad.err, HasSubstr("bad.yaml:6: kafka.consumer_properties.fetch.wiat.max.ms: "
                                 "librdkafka refuses it: No such configuration property"));
  EXPECT_THAT(bad.out, Not(HasSubstr("ok")));
  // `run` loads its configuration the same way, and stops before it connects to anything.
  Outcome run = Centinela("run --config bad.yaml");
  EXPECT_EQ(run.status, 2);
  EXPECT_THAT(run.err, HasSubstr("bad.yaml:4: kafka.properties.socket.nagle.disable"));
}

TEST_F(Cli, UnknownCommandsAndOptionsAreUsageErrors) {
  ExpectFailure("frobnicate", 2, "unknown command 'frobnicate'");
  ExpectFailure("scan --colour in.jsonl", 2, "unknown option --colour");
  ExpectFailure("rules check nothere", 2, "no rule pack at 'nothere'");
  ExpectFailure("scan --max-text-bytes -1 in.jsonl", 2, "must be a positive number");
  ExpectFailure("scan --max-text-bytes 99999999999999999999 in.jsonl", 2, "positive number");
  ExpectFailure("scan --source --explain in.jsonl", 2,
                "--source needs a value, not the option --explain");
  for (const char* command : {"scan -h", "rules test -h", "deadletter --help"}) {
    const Outcome usage = Centinela(command);
    EXPECT_EQ(usage.status, 0) << command;
    EXPECT_THAT(usage.out, HasSubstr("usage: centinela")) << command;
  }
  Outcome help = Centinela("--help");
  EXPECT_EQ(help.status, 0);
  EXPECT_THAT(help.out, HasSubstr("centinela rules test"));
}

// The README's main command, on the bundled feed, pack and development settings: through its own
// development broker and the real scanner, the live view shows exactly the alerts `centinela
// scan` gives for the same feed (action, score, message id, and the heaviest rule first) and one
// dead letter per line that scan refuses, with its reason; then it exits 0.
TEST_F(Cli, DemoShowsTheAlertsAndDeadLettersOfScanForTheBundledFeedAndExitsZero) {
  const std::string source = CENTINELA_SOURCE_DIR;
  const std::string feed = source + "/config/samples/feed.jsonl";
  Outcome scan = Centinela("scan --rules '" + source + "/config/rules' --format jsonl '" + feed +
                           "'");
  ASSERT_EQ(scan.status, 0) << scan.err;
  const std::regex verdict(R"re("id":"([^"]+)","action":"(\w+)","score":(\d+))re");
  const std::regex rule(R"re(\{"id":"([^"]+)","weight":(-?\d+))re");
  const std::regex error(R"re("error":"(\w+):)re");
  std::multiset<std::string> expected_alerts, expected_dead;
  for (const std::string& line : Lines(scan.out)) {
    std::smatch m;
    if (std::regex_search(line, m, error)) {
      expected_dead.insert(m[1]);
      continue;
    }
    ASSERT_TRUE(std::regex_search(line, m, verdict)) << line;
    if (m[2] == "none") continue;
    std::string heaviest;
    int weight = 0;
    for (std::sregex_iterator r(line.begin(), line.end(), rule), e; r != e; ++r) {
      if (std::stoi((*r)[2]) > weight) {
        weight = std::stoi((*r)[2]);
        heaviest = (*r)[1].str() + "+" + (*r)[2].str();
      }
    }
    expected_alerts.insert(m[2].str() + " " + m[3].str() + " " + m[1].str() + " " + heaviest);
  }
  ASSERT_GE(expected_alerts.size(), 10u) << "the bundled feed has scams";
  ASSERT_GE(expected_dead.size(), 1u) << "the bundled feed has broken lines";

  Outcome demo = Centinela("demo --exit-when-done --config '" + source +
                           "/config/dev.yaml' --feed '" + feed + "'");
  ASSERT_EQ(demo.status, 0) << demo.err;
  std::multiset<std::string> alerts, dead;
  for (const std::string& line : Lines(demo.out)) {
    std::istringstream in(line);
    std::string action;
    in >> action;
    if (action == "dead") {
      const auto colon = line.find(": ");
      const auto space = line.rfind(' ', colon);
      ASSERT_NE(colon, std::string::npos) << line;
      dead.insert(line.substr(space + 1, colon - space - 1));
    } else if (action == "review" || action == "alert" || action == "publish") {
      // Columns: action, consulate (may be blank), score, message id, campaign, rules.
      ASSERT_GT(line.size(), 60u) << line;
      std::istringstream rest(line.substr(17));
      std::string score, id, campaign, top;
      rest >> score >> id >> campaign >> top;
      alerts.insert(action + " " + score + " " + id + " " + top);
    }
  }
  EXPECT_EQ(alerts, expected_alerts) << demo.out;
  EXPECT_EQ(dead, expected_dead) << demo.out;
  EXPECT_THAT(demo.err, HasSubstr("alerts and dead letters shown"));
}

}  // namespace
