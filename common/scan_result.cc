#include "common/scan_result.h"

namespace centinela {

std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kNone: return "none";
    case Action::kReview: return "review";
    case Action::kAlert: return "alert";
    case Action::kPublish: return "publish";
  }
  return "none";
}

std::optional<Action> ParseAction(std::string_view name) {
  for (Action a : {Action::kNone, Action::kReview, Action::kAlert, Action::kPublish}) {
    if (ActionName(a) == name) return a;
  }
  return std::nullopt;
}

}  // namespace centinela
