#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <string_view>
#include <system_error>

#include "common/text.h"

namespace centinela::config {

const char* ProcessEnv(const char* name) { return std::getenv(name); }

namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxErrors = 20;  // reported at once; the rest are counted
constexpr int kMaxThreads = 64;
constexpr long long kMaxTextBytes = 16LL * 1024 * 1024;
constexpr long long kMaxQueueCapacity = 1'000'000;
constexpr size_t kMaxTopicLength = 249;

constexpr std::string_view kLogLevels[] = {"trace", "debug", "info", "warn", "error", "off"};

// ---------------------------------------------------------------------------------------------
// Small string helpers.

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// "text" with control characters and quotes escaped, for error messages.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      const size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitute});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// " (did you mean 'x'?)" when one choice is a close misspelling of `word`, else "".
std::string DidYouMean(std::string_view word, std::initializer_list<std::string_view> choices) {
  const std::string lower = Lower(word);
  std::string_view best;
  size_t best_distance = 0;
  for (std::string_view choice : choices) {
    const size_t d = EditDistance(lower, choice);
    if (best.empty() || d < best_distance) {
      best = choice;
      best_distance = d;
    }
  }
  // At most 2 edits, and fewer than half the word: "thread" -> "threads", not "foo" -> "off".
  if (!best.empty() && best_distance <= 2 && best_distance * 2 < best.size()) {
    return " (did you mean '" + std::string(best) + "'?)";
  }
  // Or a longer spelling of a choice: "warning" -> "warn".
  for (std::string_view choice : choices) {
    if (choice.size() >= 3 && lower.size() > choice.size() && lower.rfind(choice, 0) == 0) {
      return " (did you mean '" + std::string(choice) + "'?)";
    }
  }
  return "";
}

std::string Join(std::initializer_list<std::string_view> items) {
  std::string out;
  for (std::string_view item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

// A whole number as written: optional sign, decimal digits, nothing else.
std::optional<long long> WholeNumber(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  return ParseWhole<long long>(s);
}

std::optional<bool> Boolean(std::string_view s) {
  const std::string lower = Lower(s);
  if (lower == "true" || lower == "yes" || lower == "on") return true;
  if (lower == "false" || lower == "no" || lower == "off") return false;
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Value checks, shared by the file and the environment overrides. Each returns the reason a
// value is refused, or an empty string when it is good.

std::string CheckPort(std::string_view text, std::string_view whole, int lowest, int* port) {
  const bool digits =
      !text.empty() && text.size() <= 5 && std::all_of(text.begin(), text.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      });
  const int value = digits ? std::stoi(std::string(text)) : -1;
  if (value < lowest || value > 65535) {
    return Quote(whole) + ": port must be a number from " + std::to_string(lowest) +
           " to 65535, not " + Quote(text);
  }
  if (port) *port = value;
  return "";
}

// host:port, with IPv6 hosts in brackets ([::1]:9092). Port 0 only when `lowest_port` is 0.
std::string CheckHostPort(std::string_view s, int lowest_port) {
  if (s.find("://") != std::string_view::npos) {
    return Quote(s) + " must be host:port, without a scheme";
  }
  std::string_view host, port;
  if (!s.empty() && s.front() == '[') {
    const size_t close = s.find(']');
    if (close == std::string_view::npos) return Quote(s) + ": missing ']' after the IPv6 address";
    host = s.substr(1, close - 1);
    const std::string_view rest = s.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return Quote(s) + " is not [address]:port";
    port = rest.substr(1);
    const bool ipv6 = !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
      return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.' || c == '%' ||
             std::isalnum(static_cast<unsigned char>(c));
    });
    if (!ipv6) return Quote(s) + ": " + Quote(host) + " is not an IPv6 address";
  } else {
    const size_t colon = s.rfind(':');
    if (colon == std::string_view::npos) return Quote(s) + " is not host:port (missing :port)";
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return Quote(s) + ": write IPv6 addresses in brackets, as in [::1]:9092";
    }
    if (host.empty()) return Quote(s) + ": the host is missing (0.0.0.0 means every interface)";
    if (host.size() > 253) return Quote(s) + ": the host name is longer than 253 characters";
    for (char c : host) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') {
        return Quote(s) + ": " + Quote(std::string_view(&c, 1)) + " is not allowed in a host name";
      }
    }
  }
  return CheckPort(port, s, lowest_port, nullptr);
}

// A comma-separated host:port list; `normalized` gets it without blanks around the commas.
std::string CheckBrokers(std::string_view s, std::string* normalized) {
  if (Trim(s).empty()) return "must list at least one host:port";
  std::string out;
  size_t start = 0;
  while (true) {
    const size_t comma = s.find(',', start);
    const std::string_view entry = Trim(
        s.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (entry.empty()) return "empty entry in the list " + Quote(s) + " (a stray comma?)";
    if (entry.find("://") != std::string_view::npos) {
      return Quote(entry) +
             " must be host:port without a scheme; set security.protocol in kafka.properties";
    }
    if (std::string reason = CheckHostPort(entry, 1); !reason.empty()) return reason;
    if (!out.empty()) out += ',';
    out += entry;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (normalized) *normalized = std::move(out);
  return "";
}

std::string CheckTopic(std::string_view s) {
  if (s.empty()) return "must not be empty";
  if (s == "." || s == "..") return Quote(s) + " is not allowed as a Kafka topic name";
  if (s.size() > kMaxTopicLength) {
    return "is " + std::to_string(s.size()) + " characters long; Kafka allows at most 249";
  }
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return Quote(s) + ": " + Quote(std::string_view(&c, 1)) +
             " is not allowed in a Kafka topic name (letters, digits, '.', '_' and '-')";
    }
  }
  return "";
}

std::string CheckGroup(std::string_view s) {
  if (Trim(s).empty()) return "must not be empty";
  if (Trim(s).size() != s.size()) return Quote(s) + " has blanks around it";
  for (char c : s) {
    if (std::iscntrl(static_cast<unsigned char>(c))) return Quote(s) + " has control characters";
  }
  return "";
}

// Replaces the password of a URL's user information (scheme://user:password@host) by "***".
std::string MaskUrlPassword(std::string_view value) {
  const size_t scheme = value.find("://");
  if (scheme == std::string_view::npos) return std::string(value);
  const size_t start = scheme + 3;
  const size_t at = value.rfind('@');
  if (at == std::string_view::npos || at < start) return std::string(value);
  const size_t colon = value.find(':', start);
  if (colon == std::string_view::npos || colon > at) return std::string(value);
  return std::string(value.substr(0, colon + 1)) + "***" + std::string(value.substr(at));
}

// redis://[:password@]host:port[/db] or unix:///absolute/path.
std::string CheckRedisUrl(std::string_view s) {
  constexpr std::string_view kForms = "redis://[:password@]host:port[/db] or unix:///path";
  if (s.rfind("unix://", 0) == 0) {
    const std::string_view path = s.substr(7);
    if (path.size() < 2 || path.front() != '/') {
      return Quote(MaskUrlPassword(s)) +
             ": a socket URL is unix:// and an absolute path, as in "
             "unix:///run/redis/redis.sock";
    }
    return "";
  }
  if (s.rfind("redis://", 0) != 0) {
    return Quote(MaskUrlPassword(s)) + " must be " + std::string(kForms);
  }
  std::string_view rest = s.substr(8);
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    if (userinfo.empty() || userinfo.front() != ':') {
      return "the password goes after a colon, as in redis://:PASSWORD@host:port "
             "(user names are not supported)";
    }
    if (userinfo.size() == 1) return "the password after ':' is empty";
    rest = rest.substr(at + 1);
  }
  const size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  if (authority.empty()) return "the host:port is missing in " + std::string(kForms);
  if (std::string reason = CheckHostPort(authority, 1); !reason.empty()) return reason;
  if (slash != std::string_view::npos) {
    const std::string_view db = rest.substr(slash + 1);
    const std::optional<long long> n = WholeNumber(db);
    if (!n || db.front() == '+' || *n < 0 || *n > 1'000'000) {
      return "the database after '/' must be a number such as 0, not " + Quote(db);
    }
  }
  return "";
}

std::string CheckLogLevel(std::string_view s) {
  for (std::string_view level : kLogLevels) {
    if (s == level) return "";
  }
  return "must be one of trace, debug, info, warn, error, off, not " + Quote(s) +
         DidYouMean(s, {"trace", "debug", "info", "warn", "error", "off"});
}

// librdkafka property names: lowercase words joined by dots or underscores.
std::string CheckPropertyName(std::string_view name) {
  if (name.empty()) return "a property name is empty";
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return Quote(name) + " is not a librdkafka property name";
    }
  }
  const std::string lower = Lower(name);
  if (lower == "bootstrap.servers" || lower == "metadata.broker.list") {
    return "set by kafka.brokers (or CENTINELA_KAFKA_BROKERS); write the brokers there";
  }
  if (lower == "group.id") return "set by kafka.scan_group and kafka.notify_group";
  if (lower == "enable.auto.offset.store") {
    return "managed by Centinela: an offset is stored only once its alert is acknowledged";
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// The walk over the document. Errors are collected (all of them, up to kMaxErrors) so one run of
// `config check` shows every mistake.

const char* KindOf(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return "empty";
    default:
      return "a value";
  }
}

class Parser {
 public:
  Parser(std::string label, GetEnv getenv, PropertyCheck check)
      : label_(std::move(label)), getenv_(getenv), check_(check) {}

  // The 1-based line of a node. An empty value (`key:`) has no text of its own; yaml-cpp marks
  // it where the next token starts, so it is placed on its key's line instead.
  int Line(const YAML::Node& node) const {
    if (node.IsNull() && key_line_ > 0) return key_line_;
    return node.Mark().is_null() ? 1 : node.Mark().line + 1;
  }
  void Fail(const YAML::Node& at, std::string_view path, std::string_view reason) {
    Add(label_ + ":" + std::to_string(Line(at)) + ": " + std::string(path) + ": " +
        std::string(reason));
  }
  void FailEnv(std::string_view variable, std::string_view reason) {
    Add(std::string(variable) + ": " + std::string(reason));
  }
  void Add(std::string error) {
    ++error_count_;
    if (errors_.size() < kMaxErrors) errors_.push_back(std::move(error));
  }
  bool failed() const { return error_count_ > 0; }
  std::string Errors() const {
    std::string out;
    for (const std::string& e : errors_) {
      if (!out.empty()) out += '\n';
      out += e;
    }
    if (error_count_ > errors_.size()) {
      out += "\n(" + std::to_string(error_count_ - errors_.size()) + " more errors not shown)";
    }
    return out;
  }

  // Visits every key of a mapping (an empty value counts as an empty mapping). Unknown and
  // repeated keys are errors; `known` empty means any key is allowed.
  void Keys(
      const YAML::Node& map, const std::string& path, std::initializer_list<std::string_view> known,
      const std::function<void(const std::string& key, const YAML::Node& key_node,
                               const YAML::Node& value, const std::string& key_path)>& visit) {
    if (map.IsNull()) return;
    if (!map.IsMap()) {
      Fail(map, path, std::string("must be a mapping of keys, not ") + KindOf(map));
      return;
    }
    std::map<std::string, int> seen;  // key -> line
    for (const auto& kv : map) {
      if (!kv.first.IsScalar()) {
        Fail(kv.first, path, "keys must be plain names");
        continue;
      }
      const std::string key = kv.first.Scalar();
      const std::string key_path = path.empty() ? key : path + "." + key;
      const int line = kv.first.Mark().line + 1;
      if (auto [it, inserted] = seen.emplace(key, line); !inserted) {
        Fail(kv.first, key_path,
             "repeated key (first given on line " + std::to_string(it->second) + ")");
        continue;
      }
      if (known.size() != 0 && std::find(known.begin(), known.end(), key) == known.end()) {
        std::string reason = "unknown key";
        const std::string hint = DidYouMean(key, known);
        if (!hint.empty()) {
          reason += hint;
        } else if (path == "kafka" && key.find('.') != std::string::npos) {
          reason += " (librdkafka settings go under kafka.properties)";
        } else {
          reason += "; expected one of " + Join(known);
        }
        Fail(kv.first, key_path, reason);
        continue;
      }
      const int outer_key_line = key_line_;
      key_line_ = line;
      visit(key, kv.first, kv.second, key_path);
      key_line_ = outer_key_line;
    }
  }

  // A scalar with ${NAME} expanded. `expected` names what the value should be, for the error.
  std::optional<std::string> Text(const YAML::Node& node, const std::string& path,
                                  std::string_view expected) {
    if (!node.IsScalar()) {
      Fail(node, path, "must be " + std::string(expected) + ", not " + KindOf(node));
      return std::nullopt;
    }
    return Expand(node.Scalar(), node, path);
  }

  // Expands ${NAME} from the environment; $${ is a literal ${. Expanded text is not re-read.
  std::optional<std::string> Expand(std::string_view raw, const YAML::Node& at,
                                    const std::string& path) {
    std::string out;
    for (size_t i = 0; i < raw.size();) {
      if (raw.compare(i, 3, "$${") == 0) {
        out += "${";
        i += 3;
      } else if (raw.compare(i, 2, "${") == 0) {
        const size_t close = raw.find('}', i + 2);
        if (close == std::string_view::npos) {
          Fail(at, path, "unterminated ${ (write $${ for a literal ${)");
          return std::nullopt;
        }
        const std::string name(raw.substr(i + 2, close - i - 2));
        const bool valid = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0])) &&
                           std::all_of(name.begin(), name.end(), [](char c) {
                             return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
                           });
        if (!valid) {
          Fail(at, path, "${" + name + "}: not a variable name (letters, digits and '_')");
          return std::nullopt;
        }
        const char* value = getenv_(name.c_str());
        if (value == nullptr) {
          Fail(at, path, "environment variable " + name + " is not set");
          return std::nullopt;
        }
        out += value;
        i = close + 1;
      } else {
        out += raw[i++];
      }
    }
    return out;
  }

  // Stores `text` in `out` when `check` accepts it.
  void Checked(const YAML::Node& node, const std::string& path, std::string_view expected,
               const std::function<std::string(std::string_view)>& check, std::string* out) {
    if (std::optional<std::string> text = Text(node, path, expected)) {
      if (std::string reason = check(*text); !reason.empty()) {
        Fail(node, path, reason);
      } else {
        *out = std::move(*text);
      }
    }
  }

  template <typename T>
  void Number(const YAML::Node& node, const std::string& path, long long lo, long long hi,
              std::string_view unit, T* out) {
    const std::string expected = "a whole number" + std::string(unit) + " from " +
                                 std::to_string(lo) + " to " + std::to_string(hi);
    std::optional<std::string> text = Text(node, path, expected);
    if (!text) return;
    const std::optional<long long> n = WholeNumber(Trim(*text));
    if (!n || *n < lo || *n > hi) {
      Fail(node, path, "must be " + expected + ", not " + Quote(*text));
      return;
    }
    *out = static_cast<T>(*n);
  }

  void Bool(const YAML::Node& node, const std::string& path, bool* out) {
    std::optional<std::string> text = Text(node, path, "true or false");
    if (!text) return;
    if (std::optional<bool> b = Boolean(Trim(*text))) {
      *out = *b;
    } else {
      Fail(node, path, "must be true or false, not " + Quote(*text));
    }
  }

  void Properties(const YAML::Node& map, const std::string& path,
                  std::map<std::string, std::string>* out) {
    Keys(map, path, {},
         [&](const std::string& key, const YAML::Node& key_node, const YAML::Node& value,
             const std::string& key_path) {
           if (std::string reason = CheckPropertyName(key); !reason.empty()) {
             Fail(key_node, key_path, reason);
             return;
           }
           // Numbers and booleans are kept as written: librdkafka reads strings.
           if (auto text = Text(value, key_path, "a string, number or boolean")) {
             if (check_) {
               if (std::string reason = check_(key, *text); !reason.empty()) {
                 Fail(value, key_path, reason);
                 return;
               }
             }
             (*out)[key] = std::move(*text);
           }
         });
  }

  void Kafka(const YAML::Node& node, KafkaConfig* kafka) {
    Keys(node, "kafka",
         {"brokers", "scan_group", "notify_group", "topics", "properties", "consumer_properties",
          "producer_properties"},
         [&](const std::string& key, const YAML::Node&, const YAML::Node& value,
             const std::string& path) {
           if (key == "brokers") {
             std::string normalized;
             Checked(
                 value, path, "a comma-separated host:port list",
                 [&](std::string_view s) { return CheckBrokers(s, &normalized); }, &kafka->brokers);
             if (!normalized.empty()) kafka->brokers = normalized;
           } else if (key == "scan_group") {
             Checked(value, path, "a consumer group id", CheckGroup, &kafka->scan_group);
             lines_["kafka.scan_group"] = Line(value);
           } else if (key == "notify_group") {
             Checked(value, path, "a consumer group id", CheckGroup, &kafka->notify_group);
             lines_["kafka.notify_group"] = Line(value);
           } else if (key == "topics") {
             TopicNames(value, path, &kafka->topics);
           } else if (key == "properties") {
             Properties(value, path, &kafka->properties);
           } else if (key == "consumer_properties") {
             Properties(value, path, &kafka->consumer_properties);
           } else if (key == "producer_properties") {
             Properties(value, path, &kafka->producer_properties);
           }
         });
  }

  void TopicNames(const YAML::Node& node, const std::string& parent, Topics* topics) {
    Keys(node, parent, {"tips", "posts", "alerts", "deadletter"},
         [&](const std::string& key, const YAML::Node&, const YAML::Node& value,
             const std::string& path) {
           std::string* out = key == "tips"     ? &topics->tips
                              : key == "posts"  ? &topics->posts
                              : key == "alerts" ? &topics->alerts
                                                : &topics->deadletter;
           Checked(value, path, "a Kafka topic name", CheckTopic, out);
           lines_[path] = Line(value);
         });
  }

  void Scan(const YAML::Node& node, ScanConfig* scan) {
    Keys(node, "scan",
         {"rules", "threads", "max_text_bytes", "queue_capacity", "watch_rules",
          "watch_interval_ms"},
         [&](const std::string& key, const YAML::Node&, const YAML::Node& value,
             const std::string& path) {
           if (key == "rules") {
             std::string rules;
             Checked(
                 value, path, "a path",
                 [](std::string_view s) -> std::string {
                   return Trim(s).empty() ? "must name a rule pack file or folder" : "";
                 },
                 &rules);
             if (!rules.empty()) scan->rules = rules;
           } else if (key == "threads") {
             Number(value, path, 1, kMaxThreads, "", &scan->threads);
           } else if (key == "max_text_bytes") {
             Number(value, path, 1, kMaxTextBytes, " of bytes", &scan->max_text_bytes);
           } else if (key == "queue_capacity") {
             Number(value, path, 1, kMaxQueueCapacity, "", &scan->queue_capacity);
           } else if (key == "watch_rules") {
             Bool(value, path, &scan->watch_rules);
           } else if (key == "watch_interval_ms") {
             Number(value, path, 50, 60000, " of milliseconds", &scan->watch_interval_ms);
           }
         });
  }

  void Document(const YAML::Node& doc, Config* config) {
    if (!doc.IsNull() && !doc.IsMap()) {
      Fail(doc, "(top level)",
           std::string("the configuration must be a mapping with the sections kafka, scan, "
                       "redis, http and log, not ") +
               KindOf(doc));
      return;
    }
    Keys(doc, "", {"kafka", "scan", "redis", "http", "log"},
         [&](const std::string& key, const YAML::Node&, const YAML::Node& value,
             const std::string& path) {
           if (key == "kafka") {
             Kafka(value, &config->kafka);
           } else if (key == "scan") {
             Scan(value, &config->scan);
           } else if (key == "redis") {
             Keys(value, path, {"url"},
                  [&](const std::string&, const YAML::Node&, const YAML::Node& v,
                      const std::string& p) {
                    Checked(v, p, "a redis:// or unix:// URL", CheckRedisUrl, &config->redis.url);
                  });
           } else if (key == "http") {
             Keys(value, path, {"addr"},
                  [&](const std::string&, const YAML::Node&, const YAML::Node& v,
                      const std::string& p) {
                    Checked(
                        v, p, "host:port", [](std::string_view s) { return CheckHostPort(s, 0); },
                        &config->http.addr);
                  });
           } else if (key == "log") {
             Keys(value, path, {"level"},
                  [&](const std::string&, const YAML::Node&, const YAML::Node& v,
                      const std::string& p) {
                    Checked(v, p, "a log level", CheckLogLevel, &config->log_level);
                  });
           }
         });
  }

  // Checks across keys, once the file and the environment are applied: input, output and
  // dead-letter topics must differ (a scanner reading its own alerts would loop), and so must
  // the two consumer groups.
  void CrossChecks(const Config& config) {
    const Topics& t = config.kafka.topics;
    const std::pair<const char*, const std::string*> topics[] = {
        {"kafka.topics.tips", &t.tips},
        {"kafka.topics.posts", &t.posts},
        {"kafka.topics.alerts", &t.alerts},
        {"kafka.topics.deadletter", &t.deadletter}};
    for (size_t i = 1; i < std::size(topics); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (*topics[i].second == *topics[j].second) {
          At(topics[i].first, topics[j].first,
             "is the same topic as " + std::string(topics[j].first) + " (" +
                 Quote(*topics[i].second) + "); each topic has one role");
          break;
        }
      }
    }
    if (config.kafka.scan_group == config.kafka.notify_group) {
      At("kafka.notify_group", "kafka.scan_group",
         "must differ from kafka.scan_group (" + Quote(config.kafka.scan_group) +
             "): scanners and notifiers are separate consumer groups");
    }
  }

 private:
  // Fails at the key `path` if it was in the file, else at `other`, else without a line.
  void At(const std::string& path, const std::string& other, const std::string& reason) {
    auto it = lines_.find(path);
    if (it == lines_.end()) it = lines_.find(other);
    if (it == lines_.end()) return Add(label_ + ": " + path + ": " + reason);
    Add(label_ + ":" + std::to_string(it->second) + ": " + path + ": " + reason);
  }

  std::string label_;
  GetEnv getenv_;
  PropertyCheck check_;
  std::vector<std::string> errors_;
  size_t error_count_ = 0;
  int key_line_ = 0;                  // line of the key whose value is being read
  std::map<std::string, int> lines_;  // where some keys were written, for CrossChecks
};

struct Override {
  const char* variable;
  std::function<std::string(std::string_view, Config*)> apply;  // returns the reason refused
};

// The environment wins over the file. An empty variable counts as unset, so a compose file's
// `CENTINELA_REDIS_URL: ${REDIS_URL}` with REDIS_URL unset keeps the file's value.
void ApplyEnvironment(GetEnv getenv, Parser& parser, Config* config) {
  const Override overrides[] = {
      {"CENTINELA_KAFKA_BROKERS",
       [](std::string_view v, Config* c) {
         std::string normalized;
         std::string reason = CheckBrokers(v, &normalized);
         if (reason.empty()) c->kafka.brokers = normalized;
         return reason;
       }},
      {"CENTINELA_REDIS_URL",
       [](std::string_view v, Config* c) {
         std::string reason = CheckRedisUrl(v);
         if (reason.empty()) c->redis.url = std::string(v);
         return reason;
       }},
      {"CENTINELA_HTTP_ADDR",
       [](std::string_view v, Config* c) {
         std::string reason = CheckHostPort(v, 0);
         if (reason.empty()) c->http.addr = std::string(v);
         return reason;
       }},
  };
  for (const Override& o : overrides) {
    const char* value = getenv(o.variable);
    if (value == nullptr || *value == '\0') continue;
    if (std::string reason = o.apply(value, config); !reason.empty()) {
      parser.FailEnv(o.variable, reason);
    } else {
      config->overridden_by_env.push_back(o.variable);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Describe.

// The value as a YAML scalar: plain when that reads back the same text, else double-quoted.
std::string YamlScalar(std::string_view s) {
  bool plain = !s.empty() && Trim(s).size() == s.size() &&
               std::string_view("-?:,[]{}#&*!|>'\"%@`").find(s.front()) == std::string_view::npos &&
               s.find(": ") == std::string_view::npos && s.find(" #") == std::string_view::npos &&
               s.back() != ':';
  for (char c : s) plain = plain && !std::iscntrl(static_cast<unsigned char>(c)) && c != '\\';
  return plain ? std::string(s) : Quote(s);
}

void DescribeMap(std::string* out, std::string_view name,
                 const std::map<std::string, std::string>& map) {
  *out += "  " + std::string(name) + ":";
  if (map.empty()) {
    *out += " {}\n";
    return;
  }
  *out += '\n';
  for (const auto& [key, value] : map) {
    *out += "    " + YamlScalar(key) + ": " +
            (IsSecretKey(key) ? std::string("\"***\"") : YamlScalar(MaskUrlPassword(value))) + '\n';
  }
}

}  // namespace

bool IsSecretKey(std::string_view key) {
  const std::string lower = Lower(key);
  // Split into words at '.', '_' and '-': "ssl.key.password" -> ssl, key, password.
  std::vector<std::string_view> words;
  std::string_view rest = lower;
  while (!rest.empty()) {
    const size_t end = rest.find_first_of("._-");
    if (end != 0) words.push_back(rest.substr(0, end));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  if (words.empty()) return false;
  for (std::string_view needle : {"password", "passwd", "secret", "credential", "apikey"}) {
    if (lower.find(needle) != std::string::npos) return true;
  }
  // Settings that name where a secret lives (a file, a URL) are not secrets themselves:
  // ssl.key.location, sasl.oauthbearer.token.endpoint.url, key.serializer.
  const std::string_view last = words.back();
  for (std::string_view where : {"location", "path", "file", "url", "uri", "endpoint", "type",
                                 "method", "serializer", "deserializer", "id", "name"}) {
    if (last == where) return false;
  }
  for (size_t i = 0; i < words.size(); ++i) {
    if (words[i] == "token" || words[i] == "private") return true;
    // A key's contents: ssl_key, api.key, ssl.key.pem (but not ssl.key.location).
    if (words[i] == "key" && (i + 1 == words.size() || words[i + 1] == "pem")) return true;
  }
  // Free-form settings that carry credentials inline.
  return lower == "sasl.oauthbearer.config" || lower == "sasl.oauthbearer.extensions";
}

std::string Config::Describe() const {
  std::string out;
  out += "# effective configuration";
  if (!file.empty()) out += " of " + file.string();
  out += " (environment overrides applied, secrets shown as ***)\n";
  auto from_env = [&](const char* variable) -> std::string {
    const bool overridden = std::find(overridden_by_env.begin(), overridden_by_env.end(),
                                      variable) != overridden_by_env.end();
    return overridden ? std::string("  # from ") + variable : "";
  };
  out += "kafka:\n";
  out += "  brokers: " + YamlScalar(kafka.brokers) + from_env("CENTINELA_KAFKA_BROKERS") + "\n";
  out += "  scan_group: " + YamlScalar(kafka.scan_group) + "\n";
  out += "  notify_group: " + YamlScalar(kafka.notify_group) + "\n";
  out += "  topics:\n";
  out += "    tips: " + YamlScalar(kafka.topics.tips) + "\n";
  out += "    posts: " + YamlScalar(kafka.topics.posts) + "\n";
  out += "    alerts: " + YamlScalar(kafka.topics.alerts) + "\n";
  out += "    deadletter: " + YamlScalar(kafka.topics.deadletter) + "\n";
  DescribeMap(&out, "properties", kafka.properties);
  DescribeMap(&out, "consumer_properties", kafka.consumer_properties);
  DescribeMap(&out, "producer_properties", kafka.producer_properties);
  out += "scan:\n";
  out += "  rules: " + YamlScalar(scan.rules.string()) + "\n";
  out += "  threads: " + std::to_string(scan.threads) + "\n";
  out += "  max_text_bytes: " + std::to_string(scan.max_text_bytes) + "\n";
  out += "  queue_capacity: " + std::to_string(scan.queue_capacity) + "\n";
  out += std::string("  watch_rules: ") + (scan.watch_rules ? "true" : "false") + "\n";
  out += "  watch_interval_ms: " + std::to_string(scan.watch_interval_ms) + "\n";
  out += "redis:\n";
  out +=
      "  url: " + YamlScalar(MaskUrlPassword(redis.url)) + from_env("CENTINELA_REDIS_URL") + "\n";
  out += "http:\n";
  out += "  addr: " + YamlScalar(http.addr) + from_env("CENTINELA_HTTP_ADDR") + "\n";
  out += "log:\n";
  out += "  level: " + YamlScalar(log_level) + "\n";
  return out;
}

Result<Config> ParseConfig(const std::string& yaml, const fs::path& file, GetEnv getenv,
                           PropertyCheck check) {
  const std::string label = file.empty() ? std::string("<config>") : file.string();
  Parser parser(label, getenv, check);
  Config config;
  config.file = file;
  try {
    std::vector<YAML::Node> docs = YAML::LoadAll(yaml);
    if (docs.size() > 1) {
      return Error{label + ": holds " + std::to_string(docs.size()) +
                   " YAML documents (separated by ---); the configuration is one"};
    }
    if (!docs.empty()) parser.Document(docs.front(), &config);
  } catch (const YAML::Exception& e) {
    const int line = e.mark.is_null() ? 0 : e.mark.line;
    return Error{label + ":" + std::to_string(line + 1) + ": invalid YAML: " + e.msg};
  } catch (const std::exception& e) {
    return Error{label + ": " + e.what()};
  }
  // Relative rule paths are relative to the file's folder, the default "rules" included.
  if (config.scan.rules.is_relative() && !file.empty()) {
    config.scan.rules = (file.parent_path() / config.scan.rules).lexically_normal();
  }
  try {
    ApplyEnvironment(getenv, parser, &config);
    parser.CrossChecks(config);
  } catch (const std::exception& e) {
    return Error{label + ": " + e.what()};
  }
  if (parser.failed()) return Error{parser.Errors()};
  return config;
}

Result<Config> LoadConfig(const fs::path& file, GetEnv getenv, PropertyCheck check) {
  std::error_code ec;
  if (fs::is_directory(file, ec)) {
    return Error{file.string() + ": is a folder, not a configuration file"};
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    const int err = errno;
    return Error{file.string() +
                 ": cannot read: " + (err != 0 ? std::strerror(err) : "cannot open the file")};
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Error{file.string() + ": cannot read: input error"};
  return ParseConfig(text.str(), file, getenv, check);
}

}  // namespace centinela::config
