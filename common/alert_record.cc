#include "common/alert_record.h"

#include "common/json_writer.h"
#include "common/sha256.h"

namespace centinela {
namespace {

void StringArray(JsonWriter& w, std::string_view key, const std::vector<std::string>& values) {
  w.Key(key);
  w.BeginArray();
  for (const std::string& v : values) w.String(v);
  w.EndArray();
}

// All nine keys, or `{}` when `full` is false (DESIGN allows that only where nothing fired).
void WriteEntities(JsonWriter& w, const Entities& e, bool full) {
  w.BeginObject();
  if (full) {
    StringArray(w, "phones", e.phones);
    StringArray(w, "whatsapp", e.whatsapp);
    StringArray(w, "telegram", e.telegram);
    StringArray(w, "urls", e.urls);
    StringArray(w, "domains", e.domains);
    StringArray(w, "emails", e.emails);
    w.Key("amounts");
    w.BeginArray();
    for (const Amount& a : e.amounts) {
      w.BeginObject();
      w.Key("value");
      w.Double(a.value);
      w.Key("currency");
      w.String(a.currency);
      w.EndObject();
    }
    w.EndArray();
    StringArray(w, "payment_methods", e.payment_methods);
    StringArray(w, "payment_handles", e.payment_handles);
  }
  w.EndObject();
}

// The fields after the identity ones, shared by both shapes.
void WriteVerdict(JsonWriter& w, const Message& message, const ScanResult& result,
                  std::string_view pack_version) {
  w.Key("action");
  w.String(ActionName(result.action));
  w.Key("score");
  w.Int(result.score);
  w.Key("rules");
  w.BeginArray();
  for (const RuleHit& hit : result.rules) {
    w.BeginObject();
    w.Key("id");
    w.String(hit.id);
    w.Key("weight");
    w.Int(hit.weight);
    w.Key("spans");
    w.BeginArray();
    for (const Span& s : hit.spans) {
      w.BeginArray();
      w.Int(s.begin);
      w.Int(s.end);
      w.EndArray();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("entities");
  WriteEntities(w, result.entities, result.action != Action::kNone || !result.entities.empty());
  w.Key("campaign_key");
  w.String(result.campaign_key);
  w.Key("consulate");
  w.String(message.location.consulate);
  w.Key("pack");
  w.String(pack_version);
  w.Key("ts");
  w.String(message.ts);
}

}  // namespace

std::string AlertId(std::string_view source_topic, std::string_view message_id) {
  Sha256 h;
  h.Update(source_topic);
  h.Update(std::string_view("\0", 1));
  h.Update(message_id);
  return h.FinishHex().substr(0, 32);
}

void AppendAlertRecord(const Message& message, const ScanResult& result,
                       std::string_view pack_version, std::string_view source_topic,
                       std::string* out) {
  JsonWriter w(out);
  w.BeginObject();
  w.Key("schema_version");
  w.Int(kAlertSchemaVersion);
  w.Key("alert_id");
  w.String(AlertId(source_topic, message.id));
  w.Key("message_id");
  w.String(message.id);
  w.Key("source_topic");
  w.String(source_topic);
  WriteVerdict(w, message, result, pack_version);
  w.EndObject();
}

void AppendScanLine(const Message& message, const ScanResult& result,
                    std::string_view pack_version, std::string* out) {
  JsonWriter w(out);
  w.BeginObject();
  w.Key("schema_version");
  w.Int(kAlertSchemaVersion);
  w.Key("id");
  w.String(message.id);
  WriteVerdict(w, message, result, pack_version);
  w.EndObject();
}

void AppendEntities(const Entities& entities, std::string* out) {
  JsonWriter w(out);
  WriteEntities(w, entities, !entities.empty());
}

}  // namespace centinela
