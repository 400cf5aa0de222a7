// Loading and saving a model as a folder: `model.json` (the layers) plus one float32 .npy per
// tensor in PyTorch layout, named `<node>.weight.npy` / `<node>.bias.npy` like a state_dict's keys
// with '.' -> '_' in the module path, so PyTorch models come in unchanged.
//
// model.json schema (unknown keys are errors):
//   { "input": {"name": "x", "shape": [C, H, W] or [features]},     name optional, default "x"
//     "nodes": [ { "name": "seq_blocks_0",                          unique
//                  "op": "linear" | "relu" | "conv2d" | "max_pool2d" | "avg_pool2d" | "flatten" | "add",
//                  "inputs": ["x"],                                 optional; default: the previous node
//                                                                   (add: exactly two, the second is the residual)
//                  "attributes": {...} } ] }                        optional for relu, flatten and add
// attributes: linear {in_features, out_features, bias (default true)};
//   conv2d {in_channels, out_channels, kernel_size, stride (1), padding (0), dilation (1), groups (1), bias (true)};
//   max_pool2d / avg_pool2d {kernel_size, stride (= kernel_size), padding (0)}.
//   kernel_size, stride and padding are an integer or [h, w]; only dilation = 1 and groups = 1 are supported.
// Tensors: linear weight (out, in), conv2d weight (out, in, kh, kw), bias (out,), all '<f4'.
#pragma once
#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <mixprec/detail/json_brief.hpp>
#include <mixprec/error.hpp>
#include <mixprec/graph/model.hpp>
#include <mixprec/io/npy.hpp>

namespace mixprec {

namespace detail {

/// The op kinds model.json describes (the others come from ONNX import).
[[nodiscard]] constexpr bool in_model_json(op_kind k) {
  return k == op_kind::linear || k == op_kind::relu || k == op_kind::conv2d || k == op_kind::max_pool2d ||
         k == op_kind::avg_pool2d || k == op_kind::flatten || k == op_kind::add;
}

// An integer at `where` (a key path inside `file`) in [min, max]. Floats, booleans, strings and
// integers beyond 2^63 (which nlohmann keeps unsigned) are refused with their JSON text.
inline std::size_t json_size(const nlohmann::json& v, const std::string& file, const std::string& where,
                             std::size_t min, std::size_t max = max_sample_elements) {
  const bool integer = v.is_number_integer() && (v.is_number_unsigned() || v.get<long long>() >= 0);
  if (!integer || v.get<std::size_t>() < min)
    throw config_error(file + ": " + where + " = " + json_brief(v) + ": expected an integer >= " + std::to_string(min));
  if (v.get<std::size_t>() > max)
    throw config_error(file + ": " + where + " = " + json_brief(v) + ": expected an integer from " + std::to_string(min) +
                       " to " + std::to_string(max));
  return v.get<std::size_t>();
}

// An integer or [h, w] pair of window geometry, each in [min, max_window_extent].
inline std::array<std::size_t, 2> json_pair(const nlohmann::json& v, const std::string& file, const std::string& where,
                                            std::size_t min) {
  if (v.is_array()) {
    if (v.size() != 2)
      throw config_error(file + ": " + where + " = " + json_brief(v) + ": expected an integer or [h, w]");
    return {json_size(v[0], file, where + "[0]", min, max_window_extent),
            json_size(v[1], file, where + "[1]", min, max_window_extent)};
  }
  if (!v.is_number())
    throw config_error(file + ": " + where + " = " + json_brief(v) + ": expected an integer or [h, w]");
  const std::size_t s = json_size(v, file, where, min, max_window_extent);
  return {s, s};
}

// True when no value in v is nested more than max_depth levels deep. Iterative: copying or
// printing a deeper value recurses once per level and can overflow the stack.
inline bool json_depth_within(const nlohmann::json& v, std::size_t max_depth) {
  std::vector<std::pair<const nlohmann::json*, std::size_t>> todo{{&v, 0}};
  while (!todo.empty()) {
    const auto [j, depth] = todo.back();
    todo.pop_back();
    if (!j->is_structured()) continue;
    if (depth >= max_depth) return false;
    for (const auto& child : *j) todo.emplace_back(&child, depth + 1);
  }
  return true;
}

// Why `name` cannot name a tensor file inside the model folder, or empty if it can: a separator
// or ".." would read or write outside it, a control character (NUL) would cut the path short.
inline std::string unsafe_file_stem(const std::string& name) {
  for (char c : name) {
    if (c == '/' || c == '\\') return "must not contain '/' or '\\' (it names the node's tensor files)";
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "must not contain control characters";
  }
  return {};
}

inline void json_check_keys(const nlohmann::json& obj, const std::set<std::string>& valid, const std::string& file,
                            const std::string& where) {
  for (const auto& [k, v] : obj.items())
    if (!valid.count(k)) {
      std::string list;
      for (const auto& s : valid) list += (list.empty() ? "" : ", ") + s;
      throw config_error(file + ": " + where + "." + k + ": unknown key (valid keys: " + list + ")");
    }
}

inline matrix read_tensor(const std::filesystem::path& file, const std::vector<std::size_t>& shape) {
  const io::npy_array a = io::read_npy(file, io::npy_dtype::f4, shape);
  const std::size_t rows = shape[0];
  const std::size_t cols = a.size() / (rows == 0 ? 1 : rows);
  matrix m(static_cast<Eigen::Index>(shape.size() == 1 ? 1 : rows),
           static_cast<Eigen::Index>(shape.size() == 1 ? rows : cols));
  std::memcpy(m.data(), a.bytes.data(), a.bytes.size());
  return m;
}

}  // namespace detail

/// Builds a model from a description (the model.json schema above) and the tensors in `folder`.
/// `source` names the description in messages. Errors: config_error (bad description: unknown op,
/// unknown input node, bad attribute, naming the file and key path), io_error (missing tensor file,
/// wrong dtype, wrong shape with the expected one), shape_error (inconsistent layer sizes).
inline model load_model(const nlohmann::json& desc, const std::filesystem::path& folder,
                        const std::string& source = "model.json") {
  const std::string& f = source;
  if (!desc.is_object()) throw config_error(f + ": expected a JSON object with \"input\" and \"nodes\"");
  // The schema nests 5 levels (nodes[i].attributes.kernel_size[h]); 32 leaves room and keeps the
  // recursive copies and error printing below safe.
  if (!detail::json_depth_within(desc, 32))
    throw config_error(f + ": nested more than 32 levels deep (expected the model.json schema)");
  detail::json_check_keys(desc, {"input", "nodes"}, f, "");
  if (!desc.contains("input")) throw config_error(f + ": input: missing (expected {\"name\": \"x\", \"shape\": [...]})");
  if (!desc["input"].is_object())
    throw config_error(f + ": input = " + detail::json_brief(desc["input"]) +
                       ": expected an object {\"name\": \"x\", \"shape\": [...]}");
  const auto& input = desc["input"];
  detail::json_check_keys(input, {"name", "shape"}, f, "input");
  std::string input_name = "x";
  if (input.contains("name")) {
    if (!input["name"].is_string()) throw config_error(f + ": input.name = " + detail::json_brief(input["name"]) + ": expected a string");
    input_name = input["name"].get<std::string>();
  }
  if (!input.contains("shape")) throw config_error(f + ": input.shape: missing (expected [features] or [C, H, W])");
  if (!input["shape"].is_array() || (input["shape"].size() != 1 && input["shape"].size() != 3))
    throw config_error(f + ": input.shape = " + detail::json_brief(input["shape"]) + ": expected [features] or [C, H, W]");
  std::vector<std::size_t> shape;
  for (std::size_t k = 0; k < input["shape"].size(); ++k)
    shape.push_back(detail::json_size(input["shape"][k], f, "input.shape[" + std::to_string(k) + "]", 1));
  model m = [&] {
    try {
      return model(shape, input_name);
    } catch (const shape_error& e) {
      throw shape_error(f + ": input.shape: " + e.what());
    }
  }();
  if (!desc.contains("nodes")) throw config_error(f + ": nodes: missing (expected an array)");
  if (!desc["nodes"].is_array())
    throw config_error(f + ": nodes = " + detail::json_brief(desc["nodes"]) + ": expected an array of node objects");
  const auto& nodes = desc["nodes"];
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const std::string where = "nodes[" + std::to_string(i) + "]";
    const auto& jn = nodes[i];
    if (!jn.is_object()) throw config_error(f + ": " + where + " = " + detail::json_brief(jn) + ": expected an object");
    detail::json_check_keys(jn, {"name", "op", "inputs", "attributes"}, f, where);
    if (!jn.contains("name") || !jn["name"].is_string())
      throw config_error(f + ": " + where + ".name: missing (expected a string)");
    if (!jn.contains("op") || !jn["op"].is_string())
      throw config_error(f + ": " + where + ".op: missing (expected a string)");
    node n;
    n.name = jn["name"].get<std::string>();
    if (const auto why = detail::unsafe_file_stem(n.name); !why.empty())
      throw config_error(f + ": " + where + ".name = " + detail::json_brief(jn["name"]) + ": " + why);
    n.op = parse_op_kind(jn["op"].get<std::string>(), f + ": " + where + ".op");
    if (!detail::in_model_json(n.op))
      throw config_error(f + ": " + where + ".op = \"" + std::string(op_name(n.op)) +
                         "\": not described by model.json (expected linear, relu, conv2d, max_pool2d, avg_pool2d, "
                         "flatten or add; the other ops come from ONNX import)");
    if (jn.contains("inputs")) {
      if (!jn["inputs"].is_array()) throw config_error(f + ": " + where + ".inputs = " + detail::json_brief(jn["inputs"]) + ": expected an array of node names");
      for (const auto& in : jn["inputs"]) {
        if (!in.is_string()) throw config_error(f + ": " + where + ".inputs: " + detail::json_brief(in) + " is not a node name");
        n.inputs.push_back(in.get<std::string>());
      }
    }
    const nlohmann::json attrs = jn.contains("attributes") ? jn["attributes"] : nlohmann::json::object();
    if (!attrs.is_object()) throw config_error(f + ": " + where + ".attributes = " + detail::json_brief(attrs) + ": expected an object");
    const std::string aw = where + ".attributes";
    auto need = [&](const char* key) -> const nlohmann::json& {
      if (!attrs.contains(key)) throw config_error(f + ": " + aw + "." + key + ": missing (required by " + std::string(op_name(n.op)) + ")");
      return attrs[key];
    };
    auto get_bool = [&](const char* key, bool dflt) {
      if (!attrs.contains(key)) return dflt;
      if (!attrs[key].is_boolean()) throw config_error(f + ": " + aw + "." + key + " = " + detail::json_brief(attrs[key]) + ": expected true or false");
      return attrs[key].get<bool>();
    };
    bool bias = false;
    std::vector<std::size_t> wshape;
    switch (n.op) {
      case op_kind::linear: {
        detail::json_check_keys(attrs, {"in_features", "out_features", "bias"}, f, aw);
        const auto in = detail::json_size(need("in_features"), f, aw + ".in_features", 1);
        const auto out = detail::json_size(need("out_features"), f, aw + ".out_features", 1);
        bias = get_bool("bias", true);
        wshape = {out, in};
        break;
      }
      case op_kind::conv2d: {
        detail::json_check_keys(attrs, {"in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias"}, f, aw);
        const auto in = detail::json_size(need("in_channels"), f, aw + ".in_channels", 1);
        const auto out = detail::json_size(need("out_channels"), f, aw + ".out_channels", 1);
        n.window.kernel = detail::json_pair(need("kernel_size"), f, aw + ".kernel_size", 1);
        if (attrs.contains("stride")) n.window.stride = detail::json_pair(attrs["stride"], f, aw + ".stride", 1);
        if (attrs.contains("padding")) n.window.padding = detail::json_pair(attrs["padding"], f, aw + ".padding", 0);
        if (attrs.contains("dilation") && detail::json_pair(attrs["dilation"], f, aw + ".dilation", 1) != std::array<std::size_t, 2>{1, 1})
          throw config_error(f + ": " + aw + ".dilation = " + detail::json_brief(attrs["dilation"]) + ": only 1 is supported");
        if (attrs.contains("groups") && detail::json_size(attrs["groups"], f, aw + ".groups", 1) != 1)
          throw config_error(f + ": " + aw + ".groups = " + detail::json_brief(attrs["groups"]) + ": only 1 is supported");
        bias = get_bool("bias", true);
        wshape = {out, in, n.window.kernel[0], n.window.kernel[1]};
        break;
      }
      case op_kind::max_pool2d:
      case op_kind::avg_pool2d: {
        detail::json_check_keys(attrs, {"kernel_size", "stride", "padding"}, f, aw);
        n.window.kernel = detail::json_pair(need("kernel_size"), f, aw + ".kernel_size", 1);
        n.window.stride = attrs.contains("stride") ? detail::json_pair(attrs["stride"], f, aw + ".stride", 1) : n.window.kernel;
        if (attrs.contains("padding")) n.window.padding = detail::json_pair(attrs["padding"], f, aw + ".padding", 0);
        break;
      }
      case op_kind::relu:
      case op_kind::flatten:
      case op_kind::add: detail::json_check_keys(attrs, {}, f, aw); break;
      default: break;  // refused above
    }
    if (!wshape.empty()) {
      // The node is named too: a tensor file name alone does not say which model.json entry wants it.
      const std::string tensor_of = f + ": " + where + " ('" + n.name + "') ";
      try {
        n.weight = detail::read_tensor(folder / (n.name + ".weight.npy"), wshape);
        if (n.op == op_kind::conv2d)  // (out, in, kh, kw) -> (out, in*kh*kw): same bytes
          n.weight.resize(static_cast<Eigen::Index>(wshape[0]), static_cast<Eigen::Index>(wshape[1] * wshape[2] * wshape[3]));
        if (bias) n.bias = detail::read_tensor(folder / (n.name + ".bias.npy"), {wshape[0]});
      } catch (const io_error& e) {
        throw io_error(tensor_of + "parameters: " + e.what());
      }
    }
    try {
      m.add(std::move(n));
    } catch (const config_error& e) {
      throw config_error(f + ": " + where + ": " + e.what());
    } catch (const shape_error& e) {
      throw shape_error(f + ": " + where + ": " + e.what());
    }
  }
  if (m.size() == 0) throw config_error(f + ": nodes: empty (a model needs at least one node)");
  return m;
}

/// Loads `folder/model.json` and its tensors (see load_model above).
inline model load_model(const std::filesystem::path& folder) {
  const auto file = folder / "model.json";
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) throw io_error(file.string() + ": is a folder, expected a JSON file");
  if (!std::filesystem::exists(file, ec)) throw io_error(file.string() + ": cannot open file (it does not exist)");
  std::ifstream in(file);
  if (!in) throw io_error(file.string() + ": cannot open file");
  nlohmann::json desc;
  try {
    desc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
    throw io_error(file.string() + ": not valid JSON: " + e.what());
  }
  return load_model(desc, folder, file.string());
}

/// The model.json description of a model (the schema above).
inline nlohmann::ordered_json describe_model(const model& m) {
  nlohmann::ordered_json d;
  d["input"] = {{"name", m.input_name()}, {"shape", m.input_shape()}};
  d["nodes"] = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < m.size(); ++i) {
    const node& n = m[i];
    // Refused rather than written without the fields model.json cannot hold.
    if (!detail::in_model_json(n.op) || !n.window.is_plain())
      throw config_error("node '" + n.name + "' (" + std::string(op_name(n.op)) + "): " +
                         (detail::in_model_json(n.op) ? "dilation, asymmetric padding, groups, ceil_mode or count_include_pad = false"
                                                      : "this op") +
                         " cannot be described in model.json (it comes from ONNX import)");
    nlohmann::ordered_json j;
    j["name"] = n.name;
    j["op"] = std::string(op_name(n.op));
    std::vector<std::string> inputs;
    for (int id : m.input_ids(i)) inputs.push_back(id < 0 ? m.input_name() : m[static_cast<std::size_t>(id)].name);
    j["inputs"] = inputs;
    nlohmann::ordered_json a = nlohmann::ordered_json::object();
    auto pair = [](const std::array<std::size_t, 2>& p) { return nlohmann::ordered_json::array({p[0], p[1]}); };
    switch (n.op) {
      case op_kind::linear:
        a["in_features"] = n.weight.cols();
        a["out_features"] = n.weight.rows();
        a["bias"] = n.bias.size() != 0;
        break;
      case op_kind::conv2d:
        a["in_channels"] = m.in_shape(i)[0];
        a["out_channels"] = n.weight.rows();
        a["kernel_size"] = pair(n.window.kernel);
        a["stride"] = pair(n.window.stride);
        a["padding"] = pair(n.window.padding);
        a["bias"] = n.bias.size() != 0;
        break;
      case op_kind::max_pool2d:
      case op_kind::avg_pool2d:
        a["kernel_size"] = pair(n.window.kernel);
        a["stride"] = pair(n.window.stride);
        a["padding"] = pair(n.window.padding);
        break;
      default: break;
    }
    if (!a.empty()) j["attributes"] = a;
    d["nodes"].push_back(j);
  }
  return d;
}

/// Saves a model to `folder` (created if needed): model.json plus one .npy per tensor, in the
/// layout load_model reads. io_error naming the file if anything cannot be written.
inline void save_model(const model& m, const std::filesystem::path& folder) {
  for (const node& n : m.nodes())  // before anything is written
    if (const auto why = detail::unsafe_file_stem(n.name); has_weight(n.op) && !why.empty())
      throw config_error("save_model: node '" + n.name + "': name " + why);
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) throw io_error(folder.string() + ": cannot create folder: " + ec.message());
  const auto file = folder / "model.json";
  {
    std::ofstream out(file);
    if (!out) throw io_error(file.string() + ": cannot open file for writing");
    out << describe_model(m).dump(2) << "\n";
    if (!out) throw io_error(file.string() + ": write failed");
  }
  for (std::size_t i = 0; i < m.size(); ++i) {
    const node& n = m[i];
    if (!has_weight(n.op)) continue;
    std::vector<std::size_t> ws{static_cast<std::size_t>(n.weight.rows()), static_cast<std::size_t>(n.weight.cols())};
    if (n.op == op_kind::conv2d) ws = {ws[0], m.in_shape(i)[0], n.window.kernel[0], n.window.kernel[1]};
    io::write_npy(folder / (n.name + ".weight.npy"), n.weight.data(), ws);
    if (n.bias.size() != 0)
      io::write_npy(folder / (n.name + ".bias.npy"), n.bias.data(), {static_cast<std::size_t>(n.bias.cols())});
  }
}

}  // namespace mixprec
