// A JSON value as it appears in an error message: its JSON text, cut to 60 characters.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace mixprec::detail {

inline std::string json_brief(const nlohmann::json& v) {
  std::string s = v.dump();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

}  // namespace mixprec::detail
