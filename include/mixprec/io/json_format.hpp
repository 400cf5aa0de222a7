// JSON text in the layout MASE's logs have (pandas `to_json(orient="index", indent=4)`): 4-space
// indent, no space after ':', floats with at most 10 decimals (trailing zeros trimmed, one kept),
// NaN and infinities as null. Integers stay integers.
#pragma once
#include <cmath>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

namespace mixprec::io {

/// A double as pandas writes it with double_precision = 10.
inline std::string format_pandas_double(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  if (std::fabs(v) >= 1e16) {
    std::snprintf(buf, sizeof buf, "%.15g", v);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.10f", v);
  std::string s = buf;
  while (s.size() > 1 && s.back() == '0' && s[s.size() - 2] != '.') s.pop_back();
  return s;
}

namespace detail {

inline void write_pandas_json(const nlohmann::ordered_json& j, std::string& out, int depth) {
  const std::string pad(static_cast<std::size_t>(4 * (depth + 1)), ' ');
  const std::string close_pad(static_cast<std::size_t>(4 * depth), ' ');
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::object: {
      if (j.empty()) { out += "{}"; return; }
      out += "{\n";
      bool first = true;
      for (const auto& [k, v] : j.items()) {
        if (!first) out += ",\n";
        first = false;
        out += pad + nlohmann::ordered_json(k).dump() + ":";
        write_pandas_json(v, out, depth + 1);
      }
      out += "\n" + close_pad + "}";
      return;
    }
    case nlohmann::ordered_json::value_t::array: {
      if (j.empty()) { out += "[]"; return; }
      out += "[\n";
      bool first = true;
      for (const auto& v : j) {
        if (!first) out += ",\n";
        first = false;
        out += pad;
        write_pandas_json(v, out, depth + 1);
      }
      out += "\n" + close_pad + "]";
      return;
    }
    case nlohmann::ordered_json::value_t::number_float:
      out += format_pandas_double(j.get<double>());
      return;
    default:
      out += j.dump();
  }
}

}  // namespace detail

/// `j` as pandas-style indented JSON text.
inline std::string to_pandas_json(const nlohmann::ordered_json& j) {
  std::string out;
  detail::write_pandas_json(j, out, 0);
  return out;
}

}  // namespace mixprec::io
