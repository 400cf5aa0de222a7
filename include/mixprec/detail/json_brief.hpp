// A JSON value as it appears in an error message: its JSON text, cut to 60 characters.
#pragma once
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace mixprec::detail {

// Writes at most about `room` characters of v's JSON text, descending at most `depth` levels:
// a hostile value (100000 nested arrays, a huge object) costs what is printed, and the depth of
// the recursion stays bounded, unlike dump().
inline void json_brief_into(const nlohmann::json& v, std::string& out, std::size_t room, int depth) {
  if (out.size() > room) return;
  if (!v.is_structured()) {
    std::string s = v.dump();
    out += s.size() > room ? s.substr(0, room + 1) : s;
    return;
  }
  const bool is_array = v.is_array();
  out += is_array ? '[' : '{';
  if (depth <= 0 && !v.empty()) {
    out += "...";
  } else {
    bool first = true;
    for (auto it = v.begin(); it != v.end() && out.size() <= room; ++it) {
      if (!first) out += ',';
      first = false;
      if (!is_array) out += nlohmann::json(it.key()).dump() + ':';
      json_brief_into(*it, out, room, depth - 1);
    }
  }
  out += is_array ? ']' : '}';
}

inline std::string json_brief(const nlohmann::json& v) {
  std::string s;
  json_brief_into(v, s, 60, 16);
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

}  // namespace mixprec::detail
