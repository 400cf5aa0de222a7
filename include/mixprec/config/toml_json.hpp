// TOML -> JSON conversion that keeps the file's key order. toml++ tables are sorted by key, but
// MASE's search space flattens keys in the order they are written, so order comes from the
// source positions toml++ records for every node.
#pragma once
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include <mixprec/error.hpp>

namespace mixprec::config {

namespace detail {

inline bool source_before(const toml::source_region& a, const toml::source_region& b) {
  if (a.begin.line != b.begin.line) return a.begin.line < b.begin.line;
  return a.begin.column < b.begin.column;
}

// Where a table's keys were first written: a table opened by a [header] starts at the header;
// an implicit table (only created by dotted keys or sub-headers) at its earliest child.
inline toml::source_region first_source(const toml::node& n) {
  toml::source_region best = n.source();
  if (const auto* t = n.as_table(); t && best.begin.line == 0) {
    bool have = false;
    for (const auto& [k, v] : *t) {
      const toml::source_region s = first_source(v);
      if (s.begin.line == 0) continue;
      if (!have || source_before(s, best)) best = s, have = true;
    }
  }
  return best;
}

}  // namespace detail

/// The entries of a toml table in the order they were written in the file.
inline std::vector<std::pair<std::string, const toml::node*>> ordered_entries(const toml::table& t) {
  std::vector<std::pair<std::string, const toml::node*>> out;
  for (const auto& [k, v] : t) out.emplace_back(std::string(k.str()), &v);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return detail::source_before(detail::first_source(*a.second), detail::first_source(*b.second));
  });
  return out;
}

/// Converts a TOML node to JSON, tables in file order. Dates and times become strings.
inline nlohmann::ordered_json to_json(const toml::node& n) {
  if (const auto* t = n.as_table()) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    for (const auto& [k, v] : ordered_entries(*t)) j[k] = to_json(*v);
    return j;
  }
  if (const auto* a = n.as_array()) {
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (const auto& v : *a) j.push_back(to_json(v));
    return j;
  }
  if (const auto* v = n.as_integer()) return v->get();
  if (const auto* v = n.as_floating_point()) return v->get();
  if (const auto* v = n.as_boolean()) return v->get();
  if (const auto* v = n.as_string()) return v->get();
  // Dates and times: their TOML spelling, as text.
  std::ostringstream s;
  if (const auto* d = n.as_date()) s << *d;
  else if (const auto* t = n.as_time()) s << *t;
  else if (const auto* dt = n.as_date_time()) s << *dt;
  return s.str();
}

/// Parses a TOML file; a missing file or a syntax error is an io_error / config_error naming the
/// file, line and column.
inline toml::table parse_toml_file(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) throw io_error(file.string() + ": cannot open file");
  if (std::filesystem::is_directory(file))
    throw io_error(file.string() + ": is a directory; expected a config file (TOML)");
  try {
    return toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    throw config_error(file.string() + ":" + std::to_string(e.source().begin.line) + ":" +
                       std::to_string(e.source().begin.column) + ": " + std::string(e.description()));
  }
}

/// Reads a config file as JSON: `.json` files directly, anything else as TOML (in file order).
inline nlohmann::ordered_json read_config_file(const std::filesystem::path& file) {
  if (file.extension() == ".json") {
    if (std::filesystem::is_directory(file))
      throw io_error(file.string() + ": is a directory; expected a config file (JSON)");
    std::ifstream in(file);
    if (!in) throw io_error(file.string() + ": cannot open file");
    try {
      return nlohmann::ordered_json::parse(in);
    } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a number such as 1e999
      throw config_error(file.string() + ": invalid JSON: " + e.what());
    }
  }
  return to_json(parse_toml_file(file));
}

}  // namespace mixprec::config
