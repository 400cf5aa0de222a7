// Conformance of load_onnx + model::forward against ONNX's backend tests (libonnx-testdata):
// every test under node/ and pytorch-converted/ whose op types are all in onnx_supported_ops()
// is imported and run on each test_data_set_*; outputs must match within
// |a - b| <= 1e-5 + 1e-5 * |b|. A test the importer refuses (an attribute value, rank or shape
// the graph does not hold) is skipped with the reason. Exit status 1 on any mismatch.
// Usage: mixprec_onnx_conformance <data folder holding node/ and pytorch-converted/> [extra folder]
// The extra folder holds more tests in the same layout (tests/data/onnx/backend: the op types whose
// libonnx-testdata inputs have a per-sample rank the graph does not hold, on 4-D inputs).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <mixprec/onnx/load.hpp>

namespace fs = std::filesystem;
using namespace mixprec;

namespace {

enum class outcome { passed, failed, skipped };

struct result {
  std::string test;  // "node/test_relu"
  std::set<std::string> ops;
  outcome out = outcome::passed;
  std::string reason;
};

// The message without the leading "<file>: " the importer puts in front.
std::string strip_file(const std::string& msg, const std::string& file) {
  return msg.rfind(file + ": ", 0) == 0 ? msg.substr(file.size() + 2) : msg;
}

std::string dims_string(const std::vector<std::int64_t>& d) {
  std::string s = "(";
  for (std::size_t k = 0; k < d.size(); ++k) s += (k ? ", " : "") + std::to_string(d[k]);
  return s + ")";
}

result run_test(const fs::path& dir, const std::string& label, const onnx::ModelProto& proto,
                const std::set<std::string>& ops) {
  result r{label, ops, outcome::passed, ""};
  const std::string file = (dir / "model.onnx").string();
  std::set<std::string> inits;
  for (const auto& t : proto.graph().initializer()) inits.insert(t.name());
  std::vector<std::string> inputs;  // the graph inputs the data sets feed, in order
  for (const auto& v : proto.graph().input())
    if (!inits.count(v.name())) inputs.push_back(v.name());
  std::vector<fs::path> sets;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_directory() && e.path().filename().string().rfind("test_data_set_", 0) == 0) sets.push_back(e.path());
  std::sort(sets.begin(), sets.end());
  if (sets.empty()) return {label, ops, outcome::skipped, "no test_data_set_* folder"};
  for (const auto& set : sets) {
    // The first input is the data; the others (weights some node tests take as inputs) are bound.
    onnx_import_options opt;
    std::vector<fs::path> files;
    for (std::size_t k = 0; k < inputs.size(); ++k) {
      files.push_back(set / ("input_" + std::to_string(k) + ".pb"));
      if (!fs::exists(files.back())) return {label, ops, outcome::skipped, "no " + files.back().filename().string()};
    }
    std::optional<model> m;
    try {
      for (std::size_t k = 1; k < inputs.size(); ++k) opt.constants[inputs[k]] = onnx_io::read_tensor_file(files[k]);
      m.emplace(load_onnx(proto, file, opt));
    } catch (const config_error& e) {
      return {label, ops, outcome::skipped, strip_file(e.what(), file)};
    } catch (const shape_error& e) {
      return {label, ops, outcome::skipped, strip_file(e.what(), file)};
    }
    std::vector<onnx_io::tensor> in{onnx_io::read_tensor_file(files.at(0))};
    const onnx_io::tensor& x = in.at(0);
    if (!x.is_float || x.dims.empty()) return {label, ops, outcome::failed, "input_0 is not a batched FLOAT tensor"};
    const auto batch = static_cast<Eigen::Index>(x.dims[0]);
    std::vector<std::int64_t> per(x.dims.begin() + 1, x.dims.end());
    if (per.size() != m->input_shape().size() ||
        !std::equal(per.begin(), per.end(), m->input_shape().begin(),
                    [](std::int64_t a, std::size_t b) { return a == static_cast<std::int64_t>(b); }))
      return {label, ops, outcome::failed, "input_0 has shape " + dims_string(x.dims) + ", the model's input " +
                                               model::shape_string(m->input_shape())};
    matrix xm(batch, static_cast<Eigen::Index>(m->input_size()));
    std::copy(x.floats.begin(), x.floats.end(), xm.data());
    const matrix y = m->forward(xm);
    const onnx_io::tensor want = onnx_io::read_tensor_file(set / "output_0.pb");
    std::vector<std::int64_t> got_dims{batch};
    for (auto d : m->out_shape(m->size() - 1)) got_dims.push_back(static_cast<std::int64_t>(d));
    if (want.dims != got_dims)
      return {label, ops, outcome::failed, set.filename().string() + ": output shape " + dims_string(got_dims) +
                                               ", expected " + dims_string(want.dims)};
    std::size_t bad = 0;
    double worst = 0;
    std::size_t worst_at = 0;
    for (std::size_t k = 0; k < want.floats.size(); ++k) {
      const double a = y.data()[k], b = want.floats[k];
      const double err = std::abs(a - b);
      const bool ok = (std::isnan(a) && std::isnan(b)) || a == b || err <= 1e-5 + 1e-5 * std::abs(b);
      if (!ok) {
        ++bad;
        if (!(err <= worst)) worst = err, worst_at = k;
      }
    }
    if (bad)
      return {label, ops, outcome::failed,
              set.filename().string() + ": " + std::to_string(bad) + " of " + std::to_string(want.floats.size()) +
                  " outputs differ, worst at " + std::to_string(worst_at) + ": got " +
                  std::to_string(y.data()[worst_at]) + ", expected " + std::to_string(want.floats[worst_at])};
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::fprintf(stderr, "usage: %s <onnx backend test data folder (with node/ and pytorch-converted/)> [extra folder]\n",
                 argv[0]);
    return 2;
  }
  const fs::path root = argv[1];
  std::vector<std::pair<std::string, fs::path>> groups{{"node", root / "node"}, {"pytorch-converted", root / "pytorch-converted"}};
  if (argc == 3) groups.emplace_back("mixprec", argv[2]);
  std::set<std::string> supported;
  for (auto s : onnx_supported_ops()) supported.insert(std::string(s));
  std::vector<result> results;
  std::size_t not_selected = 0;
  for (const auto& [group, folder] : groups) {
    if (!fs::is_directory(folder)) {
      std::fprintf(stderr, "%s: not a folder\n", folder.string().c_str());
      return 2;
    }
    std::vector<fs::path> dirs;
    for (const auto& e : fs::directory_iterator(folder))
      if (e.is_directory()) dirs.push_back(e.path());
    std::sort(dirs.begin(), dirs.end());
    for (const auto& dir : dirs) {
      const std::string label = group + "/" + dir.filename().string();
      std::ifstream in(dir / "model.onnx", std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      onnx::ModelProto proto;
      if (!in || !proto.ParseFromString(bytes)) {
        results.push_back({label, {}, outcome::failed, "model.onnx does not parse"});
        continue;
      }
      std::set<std::string> ops;
      bool all = proto.graph().node_size() > 0;
      for (const auto& n : proto.graph().node()) {
        ops.insert(n.op_type());
        all = all && supported.count(n.op_type()) && (n.domain().empty() || n.domain() == "ai.onnx");
      }
      if (!all) {
        ++not_selected;
        continue;
      }
      try {
        results.push_back(run_test(dir, label, proto, ops));
      } catch (const std::exception& e) {
        results.push_back({label, ops, outcome::failed, std::string("error: ") + e.what()});
      }
    }
  }

  struct counts {
    std::size_t run = 0, passed = 0, failed = 0, skipped = 0;
  };
  std::map<std::string, counts> by_op;
  counts total;
  for (const auto& r : results) {
    auto add = [&](counts& c) {
      ++c.run;
      ++(r.out == outcome::passed ? c.passed : r.out == outcome::failed ? c.failed : c.skipped);
    };
    add(total);
    for (const auto& op : r.ops) add(by_op[op]);
  }
  std::printf("ONNX backend tests in %s%s: %zu selected (all op types supported), %zu not selected\n\n",
              root.string().c_str(), argc == 3 ? (std::string(" and ") + argv[2]).c_str() : "", results.size(), not_selected);
  std::printf("%-20s %8s %8s %8s %8s\n", "op type", "selected", "passed", "failed", "skipped");
  for (const auto& [op, c] : by_op) std::printf("%-20s %8zu %8zu %8zu %8zu\n", op.c_str(), c.run, c.passed, c.failed, c.skipped);
  std::printf("%-20s %8zu %8zu %8zu %8zu\n\n", "total", total.run, total.passed, total.failed, total.skipped);
  for (const auto& r : results)
    if (r.out == outcome::skipped) std::printf("skipped %-55s %s\n", r.test.c_str(), r.reason.c_str());
  std::printf("\n");
  for (const auto& r : results)
    if (r.out == outcome::failed) std::printf("FAILED  %-55s %s\n", r.test.c_str(), r.reason.c_str());
  std::vector<std::string> never;
  for (const auto& op : supported)
    if (!by_op.count(op) || by_op[op].passed == 0) never.push_back(op);
  if (!never.empty()) {
    std::printf("supported op types without a passing test:");
    for (const auto& op : never) std::printf(" %s", op.c_str());
    std::printf("\n");
  }
  return total.failed == 0 ? 0 : 1;
}
