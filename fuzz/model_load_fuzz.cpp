// Fuzz target: load_model on a model.json plus its tensors, then a float forward of two samples.
// The input is model.json, optionally followed by parts separated by "\n@@npy\n": part k
// replaces the k-th tensor file the model names (weights and biases in node order). Tensors
// without a part are written as valid zero .npy files of the declared shape, so the fuzzer
// reaches the graph checks and the forward pass without having to spell .npy bytes.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <mixprec/graph/load.hpp>
#include <mixprec/graph/model.hpp>
#include <mixprec/io/npy.hpp>

#include "fuzz_common.hpp"

namespace {

constexpr std::string_view separator = "\n@@npy\n";
constexpr std::size_t max_generated = std::size_t{1} << 16;  // elements per generated tensor

std::vector<std::string_view> split_parts(std::string_view in) {
  std::vector<std::string_view> parts;
  for (;;) {
    const auto k = in.find(separator);
    parts.push_back(in.substr(0, k));
    if (k == std::string_view::npos) return parts;
    in.remove_prefix(k + separator.size());
  }
}

// A small positive integer, or nothing: generated tensors stay small.
std::optional<std::size_t> small(const nlohmann::json& v) {
  if (!v.is_number_unsigned() || v.get<std::uint64_t>() < 1 || v.get<std::uint64_t>() > max_generated)
    return std::nullopt;
  return static_cast<std::size_t>(v.get<std::uint64_t>());
}

std::optional<std::array<std::size_t, 2>> small_pair(const nlohmann::json& v) {
  if (v.is_array() && v.size() == 2) {
    const auto h = small(v[0]), w = small(v[1]);
    if (h && w) return std::array<std::size_t, 2>{*h, *w};
    return std::nullopt;
  }
  if (const auto s = small(v)) return std::array<std::size_t, 2>{*s, *s};
  return std::nullopt;
}

struct tensor_file {
  std::string name;
  std::vector<std::size_t> shape;  // empty: the declared shape is not small, not generated
};

// The tensor files a description names, read leniently (the loader does the checking).
std::vector<tensor_file> tensor_files(const nlohmann::json& desc) {
  std::vector<tensor_file> out;
  if (!desc.is_object() || !desc.contains("nodes") || !desc["nodes"].is_array()) return out;
  for (const auto& n : desc["nodes"]) {
    if (!n.is_object() || !n.contains("name") || !n["name"].is_string() || !n.contains("op") || !n["op"].is_string())
      continue;
    const std::string name = n["name"].get<std::string>(), op = n["op"].get<std::string>();
    if (op != "linear" && op != "conv2d") continue;
    const nlohmann::json a = n.contains("attributes") && n["attributes"].is_object() ? n["attributes"] : nlohmann::json::object();
    auto get = [&](const char* key) { return a.contains(key) ? small(a[key]) : std::nullopt; };
    std::vector<std::size_t> w;
    if (op == "linear") {
      const auto in = get("in_features"), o = get("out_features");
      if (in && o) w = {*o, *in};
    } else {
      const auto in = get("in_channels"), o = get("out_channels");
      const auto k = a.contains("kernel_size") ? small_pair(a["kernel_size"]) : std::nullopt;
      if (in && o && k) w = {*o, *in, (*k)[0], (*k)[1]};
    }
    std::size_t count = 1;
    for (auto d : w) count = count > max_generated ? count : count * d;
    if (count > max_generated) w.clear();
    out.push_back({name + ".weight.npy", w});
    out.push_back({name + ".bias.npy", w.empty() ? std::vector<std::size_t>{} : std::vector<std::size_t>{w[0]}});
  }
  return out;
}

// Tensor names come from the input: only plain file names are written.
bool plain_file_name(const std::string& s) {
  return !s.empty() && s.size() < 200 && s.find('/') == std::string::npos && s.find('\0') == std::string::npos &&
         s != ".weight.npy" && s.front() != '.';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const mixprec::fuzz::scratch_folder scratch;
  const auto parts = split_parts(std::string_view(reinterpret_cast<const char*>(data), size));
  scratch.clear();
  scratch.write("model.json", parts[0]);
  const nlohmann::json desc = nlohmann::json::parse(parts[0].begin(), parts[0].end(), nullptr, false);
  std::size_t part = 1;
  for (const auto& t : tensor_files(desc)) {
    if (!plain_file_name(t.name)) continue;
    if (part < parts.size()) {
      scratch.write(t.name, parts[part++]);
    } else if (!t.shape.empty()) {
      std::size_t count = 1;
      for (auto d : t.shape) count *= d;
      const std::vector<float> zeros(count, 0.25f);
      mixprec::io::write_npy(scratch.path() / t.name, zeros.data(), t.shape);
    }
  }
  mixprec::fuzz::expect_documented_errors([&] {
    const mixprec::model m = mixprec::load_model(scratch.path());
    if (m.input_size() > max_generated) return;  // the harness's own input batch stays small
    const mixprec::matrix x = mixprec::matrix::Constant(2, static_cast<Eigen::Index>(m.input_size()), 0.5f);
    const mixprec::matrix y = m.forward(x);
    if (static_cast<std::size_t>(y.cols()) != m.output_size()) __builtin_trap();
    (void)mixprec::describe_model(m);
  });
  return 0;
}
