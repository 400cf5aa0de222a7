// What a MASE search shows besides log.json and best.json: the sampled config as MASE logs it,
// the best trials as MASE's console table (tabulate "orgtbl", numbers rounded to 3), each best
// config as a TOML file the quantize pass reads back, and the data of the visual report.
#pragma once
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include <mixprec/error.hpp>
#include <mixprec/io/atomic_file.hpp>
#include <mixprec/io/report.hpp>
#include <mixprec/io/trials_log.hpp>
#include <mixprec/search/quantize_space.hpp>
#include <mixprec/search/trial.hpp>

namespace mixprec {

// ---------------------------------------------------------------------------------------------
// Sampled configs

/// Decodes a MASE PTQ space's indexes in MASE's key order (node order, then seed key order):
/// `sampled_config` is what MASE logs (no "by"; "default" flat, as in the tutorial's log),
/// `quant_config` what the quantize pass takes (the same plus "by").
class mase_config_decoder {
 public:
  explicit mase_config_decoder(const quantize_space& space) : space_(&space) {
    const std::vector<std::size_t> zeros(space.dimensions().size(), 0);
    const nlohmann::json d = space.decode(zeros)["default"];
    const nlohmann::json& flat = d.contains("config") ? d["config"] : d;
    default_ = nlohmann::ordered_json::object();
    for (const char* first : {"name", "bypass"})  // MASE's DEFAULT_QUANTIZATION_CONFIG order
      if (flat.contains(first)) default_[first] = flat[first];
    for (const auto& [k, v] : flat.items())
      if (!default_.contains(k)) default_[k] = v;
    for (const auto& c : space.space().choices()) {
      const auto a = c.name.find('/'), b = c.name.rfind('/');
      keys_.push_back({c.name.substr(0, a), c.name.substr(b + 1)});
    }
  }

  /// MASE's `user_attrs_sampled_config`.
  [[nodiscard]] nlohmann::ordered_json sampled_config(std::span<const std::size_t> indexes) const {
    const auto values = space_->space().decode(indexes);
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < values.size(); ++i)
      out[keys_[i].first]["config"][keys_[i].second] = quantize_space::to_json<nlohmann::ordered_json>(values[i]);
    out["default"] = default_;
    return out;
  }
  /// The config the quantize pass takes (sampled_config plus "by").
  [[nodiscard]] nlohmann::ordered_json quant_config(std::span<const std::size_t> indexes) const {
    nlohmann::ordered_json out = sampled_config(indexes);
    out["by"] = std::string(to_string(space_->by()));
    return out;
  }

  /// Per node (or op type) of the space, the `*_width` values a trial chose (not frac widths;
  /// only data_in for ops without weights), for the report's bitwidth picture.
  [[nodiscard]] std::vector<io::report_node_widths> widths(std::span<const std::size_t> indexes) const {
    const auto values = space_->space().decode(indexes);
    std::vector<io::report_node_widths> out;
    for (std::size_t i = 0; i < values.size(); ++i) {
      const auto& [group, key] = keys_[i];
      if (key.size() < 6 || key.compare(key.size() - 6, 6, "_width") != 0 || key.find("frac") != std::string::npos)
        continue;
      if (key.rfind("data_in", 0) != 0 && !group_has_weight(group)) continue;
      double w = 0;
      if (const auto* iv = std::get_if<std::int64_t>(&values[i])) w = static_cast<double>(*iv);
      else if (const auto* dv = std::get_if<double>(&values[i])) w = *dv;
      else continue;
      if (out.empty() || out.back().node != group) out.push_back({group, {}});
      out.back().widths.emplace_back(key, w);
    }
    return out;
  }

 private:
  [[nodiscard]] bool group_has_weight(const std::string& group) const {
    for (const auto& n : space_->nodes())
      if (n.name == group || n.op == group) return n.op == "linear" || n.op == "conv2d";
    return true;
  }

  const quantize_space* space_;
  nlohmann::ordered_json default_;
  std::vector<std::pair<std::string, std::string>> keys_;  // (group, key) per dimension
};

// ---------------------------------------------------------------------------------------------
// Console table

/// Python's `repr(round(v, 3))`: 0.83, 2.0, 0.408, -0.0, nan, inf, 1e+16.
[[nodiscard]] inline std::string python_round3(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[400];
  std::snprintf(buf, sizeof buf, "%.3f", v);  // exact decimal rounding, ties to even, like round()
  const double r = std::strtod(buf, nullptr);
  char out[64];
  const bool sci = std::fabs(r) >= 1e16;
  const auto res = std::to_chars(out, out + sizeof out, r, sci ? std::chars_format::scientific : std::chars_format::fixed);
  std::string s(out, res.ptr);
  if (!sci && s.find('.') == std::string::npos) s += ".0";
  return s;
}

/// A metric group as Python prints a dict: `{'loss': 0.668, 'accuracy': 0.668}`. Software
/// metrics come in basic_evaluation's order (loss, accuracy, accuracy_micro), others by name.
[[nodiscard]] inline std::string python_metrics_dict(const metric_map& m) {
  static const std::vector<std::string> first{"loss", "accuracy", "accuracy_micro"};
  std::vector<std::pair<std::string, double>> items(m.begin(), m.end());
  auto rank = [&](const std::string& k) {
    const auto it = std::find(first.begin(), first.end(), k);
    return static_cast<std::size_t>(it - first.begin());
  };
  std::stable_sort(items.begin(), items.end(), [&](const auto& a, const auto& b) { return rank(a.first) < rank(b.first); });
  std::string s = "{";
  for (std::size_t i = 0; i < items.size(); ++i)
    s += (i ? ", " : "") + ("'" + items[i].first + "': ") + python_round3(items[i].second);
  return s + "}";
}

/// The best trials as MASE prints them (tabulate's "orgtbl" of the best.json frame: index,
/// number, software_metrics, hardware_metrics, scaled_metrics; cells cut to 100 characters).
[[nodiscard]] inline std::string mase_best_table(std::span<const trial> best) {
  struct column {
    std::string header;
    bool numeric;
    std::vector<std::string> cells;
  };
  std::vector<column> cols{{"", true, {}}, {"number", true, {}}, {"software_metrics", false, {}},
                           {"hardware_metrics", false, {}}, {"scaled_metrics", false, {}}};
  auto group = [](const trial& t, const char* name) {
    const auto it = t.user_attrs.find(name);
    std::string s = python_metrics_dict(it == t.user_attrs.end() ? metric_map{} : it->second);
    return s.size() > 100 ? s.substr(0, 100) : s;
  };
  for (std::size_t i = 0; i < best.size(); ++i) {
    cols[0].cells.push_back(std::to_string(i));
    cols[1].cells.push_back(std::to_string(best[i].number));
    cols[2].cells.push_back(group(best[i], "software_metrics"));
    cols[3].cells.push_back(group(best[i], "hardware_metrics"));
    cols[4].cells.push_back(group(best[i], "scaled_metrics"));
  }
  std::vector<std::size_t> width;
  for (const auto& c : cols) {
    std::size_t w = c.header.size() + 2;  // tabulate's minimum padding around headers
    for (const auto& cell : c.cells) w = std::max(w, cell.size());
    width.push_back(w);
  }
  // Appends in place (GCC 12 warns falsely about chained string concatenation here).
  auto row = [&](auto cell_of, std::string& out) {
    out.push_back('|');
    for (std::size_t c = 0; c < cols.size(); ++c) {
      const std::string cell = cell_of(c);
      const std::size_t fill = width[c] - std::min(width[c], cell.size());
      out.push_back(' ');
      if (cols[c].numeric) out.append(fill, ' ');
      out.append(cell);
      if (!cols[c].numeric) out.append(fill, ' ');
      out.append(" |");
    }
    out.push_back('\n');
  };
  std::string out;
  row([&](std::size_t c) { return cols[c].header; }, out);
  out.push_back('|');
  for (std::size_t c = 0; c < cols.size(); ++c) {
    out.append(width[c] + 2, '-');
    out.push_back(c + 1 < cols.size() ? '+' : '|');
  }
  out.push_back('\n');
  for (std::size_t r = 0; r < best.size(); ++r) row([&](std::size_t c) { return cols[c].cells[r]; }, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// TOML

namespace detail {

inline std::string toml_key(const std::string& k) {
  const bool bare = !k.empty() && std::all_of(k.begin(), k.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  return bare ? k : nlohmann::json(k).dump();
}

inline std::string toml_value(const nlohmann::ordered_json& v, const std::string& where) {
  if (v.is_string()) return v.dump();  // JSON's escapes are valid in a TOML basic string
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return v.dump();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isnan(d)) return "nan";
    if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, d);
    std::string s(buf, r.ptr);
    if (s.find_first_of(".e") == std::string::npos) s += ".0";
    return s;
  }
  if (v.is_array()) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i)
      s += (i ? ", " : "") + toml_value(v[i], where + "[" + std::to_string(i) + "]");
    return s + "]";
  }
  throw config_error(where + " = " + v.dump() + ": cannot be written as a TOML value (null or a table in a list)");
}

inline void write_toml_table(const nlohmann::ordered_json& t, const std::string& path, std::string& out) {
  for (const auto& [k, v] : t.items())
    if (!v.is_object()) out += toml_key(k) + " = " + toml_value(v, path.empty() ? k : path + "." + k) + "\n";
  for (const auto& [k, v] : t.items()) {
    if (!v.is_object()) continue;
    const std::string sub = path.empty() ? toml_key(k) : path + "." + toml_key(k);
    bool has_scalars = false;
    for (const auto& [k2, v2] : v.items()) has_scalars = has_scalars || !v2.is_object();
    if (has_scalars || v.empty()) out += "\n[" + sub + "]\n";
    write_toml_table(v, sub, out);
  }
}

}  // namespace detail

/// A JSON object (e.g. a quantization config in MASE's nested shape) as TOML text, keys in
/// order: `by = "name"`, then `[default]`, `[seq_blocks_0.config]`, ... config_error for a
/// value TOML cannot hold (null).
[[nodiscard]] inline std::string to_toml(const nlohmann::ordered_json& j, const std::string& comment = {}) {
  if (!j.is_object()) throw config_error("to_toml: " + j.dump() + ": expected a table");
  std::string out;
  if (!comment.empty()) {
    std::size_t pos = 0;
    while (pos <= comment.size()) {
      const auto end = comment.find('\n', pos);
      out += "# " + comment.substr(pos, end == std::string::npos ? std::string::npos : end - pos) + "\n";
      if (end == std::string::npos) break;
      pos = end + 1;
    }
  }
  detail::write_toml_table(j, "", out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Report

/// Where the report's axes come from: the metric names the search optimises (sorted, as the
/// objectives are). With two or more, the front plots the second (x) against the first (y),
/// e.g. average_bitwidth against accuracy; with one, the trial number against it. The result's
/// config_of calls `hover` when the report is written, so it must not outlive what `hover` uses.
[[nodiscard]] inline io::report_data make_report_data(
    std::span<const trial> trials, std::span<const trial> best, const std::vector<std::string>& metric_names,
    std::span<const direction> directions, const std::function<std::string(std::span<const std::size_t>)>& hover,
    const std::function<std::vector<io::report_node_widths>(std::span<const std::size_t>)>& widths) {
  io::report_data d;
  auto metric = [](const trial& t, const std::string& name) -> std::optional<double> {
    for (const char* g : {"software_metrics", "hardware_metrics", "scaled_metrics"})
      if (auto it = t.user_attrs.find(g); it != t.user_attrs.end())
        if (auto m = it->second.find(name); m != it->second.end()) return m->second;
    return std::nullopt;
  };
  const bool two = metric_names.size() >= 2;
  d.y_label = metric_names.empty() ? "value" : metric_names[0];
  d.x_label = two ? metric_names[1] : "trial";
  std::unordered_set<std::size_t> front;
  for (const auto& b : best) front.insert(b.number);
  // Configs are formatted only for the points the report draws (report_data::config_of).
  auto params_of = std::make_shared<std::unordered_map<std::size_t, std::vector<std::size_t>>>();
  for (const auto& t : trials) {
    if (t.state != trial_state::complete) continue;
    io::report_point p;
    p.number = t.number;
    p.y = metric_names.empty() ? t.values.at(0) : metric(t, metric_names[0]).value_or(NAN);
    p.x = two ? metric(t, metric_names[1]).value_or(NAN) : static_cast<double>(t.number);
    p.on_front = front.count(t.number) != 0;
    params_of->emplace(t.number, t.params);
    d.points.push_back(std::move(p));
    if (!t.values.empty()) d.history.emplace_back(t.number, t.values[0]);
  }
  d.history_label = directions.size() == 1 ? "objective" : "objective 0 (" + d.y_label + ", scaled)";
  d.history_direction = directions.empty() ? direction::maximize : directions[0];
  for (const auto& b : best) d.best.emplace_back(b.number, widths(b.params));
  d.config_of = [params_of, hover](std::size_t number) { return hover(params_of->at(number)); };
  return d;
}

// ---------------------------------------------------------------------------------------------
// Everything at once

/// Writes a MASE search's outputs into `dir`: log.json and best.json (MASE's layout), the
/// report (report.html and its SVGs) and each best trial's config as best_config_<number>.toml
/// (read back by the quantize pass; files of trials no longer among the best are removed).
inline void write_mase_outputs(const std::filesystem::path& dir, std::span<const trial> trials,
                               std::span<const trial> best, std::span<const direction> directions,
                               const std::vector<std::string>& metric_names, const mase_config_decoder& decoder) {
  const io::config_decoder decode = [&](std::span<const std::size_t> p) { return decoder.sampled_config(p); };
  io::write_trials_logs(dir, trials, best, directions.size(), decode);
  io::write_report(dir, make_report_data(
                            trials, best, metric_names, directions,
                            [&](std::span<const std::size_t> p) { return decoder.quant_config(p).dump(1); },
                            [&](std::span<const std::size_t> p) { return decoder.widths(p); }));
  std::vector<std::string> keep;
  for (const auto& t : best) {
    const std::string name = "best_config_" + std::to_string(t.number) + ".toml";
    keep.push_back(name);
    std::string comment = "Trial " + std::to_string(t.number) + " of the search (a best trial).";
    for (const char* g : {"software_metrics", "hardware_metrics", "scaled_metrics"})
      if (auto it = t.user_attrs.find(g); it != t.user_attrs.end())
        comment += std::string("\n") + g + ": " + python_metrics_dict(it->second);
    // Replaced atomically but not synced: they are derived from best.json (which is), and a
    // front with hundreds of duplicate trials would otherwise cost one disk sync each.
    io::write_file_atomically(dir / name, to_toml(decoder.quant_config(t.params), comment), false);
  }
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string f = e.path().filename().string();
    if (f.rfind("best_config_", 0) == 0 && e.path().extension() == ".toml" &&
        std::find(keep.begin(), keep.end(), f) == keep.end())
      std::filesystem::remove(e.path(), ec);
  }
}

}  // namespace mixprec
