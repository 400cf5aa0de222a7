// MASE's mixed-precision PTQ search space (graph/quantize/mixed_precision_ptq) built from a
// model's quantizable nodes and a seed of choice lists: flattened to MASE's keys
// (`seq_blocks_0/config/weight_width`) and decoded back into MASE's nested quantization config.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <mixprec/error.hpp>
#include <mixprec/search/space.hpp>
#include <mixprec/search/trial.hpp>

namespace mixprec {

/// How seed entries and dimensions are grouped (decisions.md 10): one set of dimensions per
/// quantizable node (`name`), or one per op type shared by every node of that type (`type`).
enum class match_by { name, type };

constexpr std::string_view to_string(match_by b) { return b == match_by::name ? "name" : "type"; }

/// Parses "name" / "type"; anything else is a config_error naming `field` and the value.
inline match_by parse_match_by(std::string_view s, std::string_view field = "by") {
  if (s == "name") return match_by::name;
  if (s == "type") return match_by::type;
  throw config_error(std::string(field) + " = \"" + std::string(s) + "\": expected \"name\" or \"type\"");
}

/// A node the quantize pass can replace: its graph name and MASE op type ("linear", "relu", ...).
struct quantizable_node {
  std::string name;
  std::string op;
};

/// One seed entry: parameter key -> choice list, in order (the order of the dimensions).
using choice_table = std::vector<std::pair<std::string, std::vector<choice_value>>>;

/// MASE HEAD's DEFAULT_QUANTIZATION_CONFIG: integer 8-bit everything, bypassed.
inline nlohmann::json mase_default_quantization_config() {
  return {{"config",
           {{"name", "integer"}, {"bypass", true}, {"bias_frac_width", 5}, {"bias_width", 8},
            {"data_in_frac_width", 5}, {"data_in_width", 8}, {"weight_frac_width", 3},
            {"weight_width", 8}}}};
}

/// What the space is built from.
struct quantize_space_params {
  match_by by = match_by::name;
  /// Seed entries in order: "default", then node names (by name) or op types (by type). A node
  /// without its own entry takes "default"; entries naming no node are ignored, as in MASE.
  std::vector<std::pair<std::string, choice_table>> seed;
  /// The decoded config's "default" (nodes outside the space keep it).
  nlohmann::json default_config = mase_default_quantization_config();
};

/// Reads a seed in MASE's shape, `{entry: {"config": {key: [choices...]}}}` (ordered_json keeps
/// the file's key order, which becomes the dimension order), and `by` ("name" | "type").
inline quantize_space_params quantize_space_params_from_json(const nlohmann::ordered_json& seed,
                                                             std::string_view by = "name") {
  quantize_space_params p;
  p.by = parse_match_by(by, "search_space.setup.by");
  if (!seed.is_object())
    throw config_error("search_space.seed = " + seed.dump() +
                       ": expected a table {entry: {config: {key: [choices]}}}");
  for (const auto& [entry, body] : seed.items()) {
    const std::string path = "search_space.seed." + entry;
    if (!body.is_object() || body.size() != 1 || !body.contains("config") || !body["config"].is_object())
      throw config_error(path + " = " + body.dump() + ": expected {\"config\": {key: [choices]}}");
    choice_table table;
    for (const auto& [key, list] : body["config"].items()) {
      const std::string kpath = path + ".config." + key;
      if (!list.is_array()) throw config_error(kpath + " = " + list.dump() + ": expected a list of choices");
      std::vector<choice_value> values;
      for (std::size_t i = 0; i < list.size(); ++i) {
        const auto& v = list[i];
        if (v.is_number_integer()) values.emplace_back(v.get<std::int64_t>());
        else if (v.is_number_float()) values.emplace_back(v.get<double>());
        else if (v.is_string()) values.emplace_back(v.get<std::string>());
        else
          throw config_error(kpath + "[" + std::to_string(i) + "] = " + v.dump() +
                             ": expected an integer, a number or a string");
      }
      table.emplace_back(key, std::move(values));
    }
    p.seed.emplace_back(entry, std::move(table));
  }
  return p;
}

/// The mixed-precision PTQ space. Dimensions are `<group>/config/<key>`, groups in node order
/// (by name) or in order of first appearance of each op type (by type), keys in seed order.
class quantize_space {
 public:
  using config_type = nlohmann::json;

  /// Throws config_error on an empty choice list, a key or name containing '/', a repeated node
  /// name, or a node with neither its own seed entry nor "default".
  quantize_space(std::vector<quantizable_node> nodes, quantize_space_params p)
      : nodes_(std::move(nodes)), params_(std::move(p)) {
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      check_name(nodes_[i].name, "node name");
      for (std::size_t j = 0; j < i; ++j)
        if (nodes_[j].name == nodes_[i].name)
          throw config_error("quantize_space: node \"" + nodes_[i].name + "\" appears twice");
    }
    for (const auto& [entry, table] : params_.seed) {
      check_name(entry, "seed entry");
      for (const auto& [key, values] : table) {
        check_name(key, "seed." + entry + ".config key");
        if (values.empty())
          throw config_error("seed." + entry + ".config." + key + " = []: the choice list is empty");
      }
    }
    std::vector<std::string> groups;
    for (const auto& n : nodes_) {
      const std::string& g = params_.by == match_by::name ? n.name : n.op;
      bool seen = false;
      for (const auto& h : groups) seen = seen || h == g;
      if (!seen) groups.push_back(g);
    }
    for (const auto& g : groups) {
      const choice_table& table = entry_for(g);
      for (const auto& [key, values] : table) {
        space_.add(g + "/config/" + key, values);
        keys_.push_back({g, key});
      }
    }
  }

  /// MASE's flattened keys with their number of choices, in MASE's order.
  const std::vector<dimension>& dimensions() const { return space_.dimensions(); }
  /// The same dimensions with their choice values.
  const search_space& space() const { return space_; }
  const std::vector<quantizable_node>& nodes() const { return nodes_; }
  match_by by() const { return params_.by; }
  space_size size() const { return space_.size(); }

  /// MASE's flattened_indexes_to_config: `{group: {"config": {key: value}}, "default": ...,
  /// "by": "name" | "type"}`. shape_error for a wrong count, config_error out of range.
  nlohmann::json decode(std::span<const std::size_t> indexes) const {
    const auto values = space_.decode(indexes);
    nlohmann::json out = nlohmann::json::object();
    for (std::size_t i = 0; i < values.size(); ++i)
      out[keys_[i].first]["config"][keys_[i].second] = to_json(values[i]);
    out["default"] = params_.default_config;
    out["by"] = std::string(to_string(params_.by));
    return out;
  }

  /// `{key: [choices]}` in dimension order (MASE's choices_flattened).
  nlohmann::ordered_json choices_flattened() const {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (const auto& c : space_.choices()) {
      auto list = nlohmann::ordered_json::array();
      for (const auto& v : c.values) list.push_back(to_json<nlohmann::ordered_json>(v));
      out[c.name] = std::move(list);
    }
    return out;
  }

  /// `{key: n_choices}` in dimension order (MASE's choice_lengths_flattened).
  nlohmann::ordered_json choice_lengths_flattened() const {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (const auto& d : space_.dimensions()) out[d.name] = d.n_choices;
    return out;
  }

  /// A choice as JSON (nlohmann::json or ordered_json): integer, number or string.
  template <class Json = nlohmann::json>
  static Json to_json(const choice_value& v) {
    return std::visit([](const auto& x) { return Json(x); }, v);
  }

 private:
  static void check_name(const std::string& s, const std::string& what) {
    if (s.empty() || s.find('/') != std::string::npos)
      throw config_error("quantize_space: " + what + " \"" + s +
                         "\": expected a non-empty name without '/' (keys are group/config/key)");
  }

  const choice_table& entry_for(const std::string& group) const {
    for (const auto& [entry, table] : params_.seed)
      if (entry == group) return table;
    for (const auto& [entry, table] : params_.seed)
      if (entry == "default") return table;
    throw config_error("quantize_space: " + std::string(params_.by == match_by::name ? "node" : "op type") +
                       " \"" + group + "\" has no seed entry and the seed has no \"default\"");
  }

  std::vector<quantizable_node> nodes_;
  quantize_space_params params_;
  search_space space_;
  std::vector<std::pair<std::string, std::string>> keys_;  // (group, key) per dimension
};

static_assert(SearchSpace<quantize_space>);

}  // namespace mixprec
