// Times one quantized ToyNet rebuild + evaluation on 512 ToyTiny validation samples (one thread),
// beside benchmarks/evaluate_torch.py doing the same work in PyTorch, and prints a table.
// Usage: mixprec_evaluate_table [golden_dir] [entry_index] [--no-torch]

// GCC 12 with -march=native (AVX-512) warns falsely inside its own avx512fintrin.h when Eigen's
// GEMM kernels are inlined (_mm512_undefined_ps); the warning is not about this code.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <mixprec/graph/load.hpp>
#include <mixprec/passes/analysis.hpp>
#include <mixprec/passes/quantize.hpp>
#include <mixprec/random.hpp>
#include <mixprec/runners/evaluate.hpp>

namespace mp = mixprec;
using clock_type = std::chrono::steady_clock;

namespace {
struct timing {
  double min_us, median_us;
};

template <class Fn>
timing time_it(Fn&& fn, int reps) {
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = clock_type::now();
    fn();
    t.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return {t.front(), t[t.size() / 2]};
}

// Runs the PyTorch script and reads the JSON on its last stdout line.
std::optional<nlohmann::json> run_torch(const std::filesystem::path& script, const std::filesystem::path& golden,
                                        int entry) {
  const std::string cmd = "/usr/bin/python3 '" + script.string() + "' '" + golden.string() + "' " +
                          std::to_string(entry) + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return std::nullopt;
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  if (pclose(p) != 0 || out.empty()) return std::nullopt;
  const auto nl = out.find_last_of('\n', out.size() - 2);
  try {
    return nlohmann::json::parse(nl == std::string::npos ? out : out.substr(nl + 1));
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}
}  // namespace

int main(int argc, char** argv) {
  const std::filesystem::path root = std::filesystem::path(__FILE__).parent_path().parent_path();
  const std::filesystem::path golden = argc > 1 ? std::filesystem::path(argv[1]) : root / "tests" / "data" / "golden";
  const int entry_index = argc > 2 ? std::stoi(argv[2]) : 0;
  const bool with_torch = !(argc > 3 && std::string(argv[3]) == "--no-torch");

  const auto desc = nlohmann::json::parse(R"({"input": {"shape": [4]}, "nodes": [
    {"name": "seq_blocks_0", "op": "linear", "attributes": {"in_features": 4, "out_features": 100}},
    {"name": "seq_blocks_1", "op": "relu"},
    {"name": "seq_blocks_2", "op": "linear", "attributes": {"in_features": 100, "out_features": 100}},
    {"name": "seq_blocks_3", "op": "relu"},
    {"name": "seq_blocks_4", "op": "linear", "attributes": {"in_features": 100, "out_features": 2}}]})");
  const mp::model net = mp::load_model(desc, golden / "toynet", "toynet");
  std::ifstream in(golden / "quantized_eval.json");
  const auto entry = nlohmann::json::parse(in)["entries"].at(static_cast<std::size_t>(entry_index));
  const auto& config = entry["config_as_given"];

  // Validation rows 0..511 of ToyTiny (NumPy RandomState(1)).
  mp::numpy_rng rng(1);
  std::vector<float> x;
  std::vector<std::int64_t> y;
  for (int i = 0; i < 512; ++i) {
    double s = 0.0;
    for (int k = 0; k < 4; ++k) {
      const double v = (rng.random_sample() - 0.5) * 2.0;
      x.push_back(static_cast<float>(v));
      s += v;
    }
    y.push_back(s > 0.0 ? 1 : 0);
  }
  mp::basic_evaluation eval({x, y, 4}, {.num_samples = 512, .batch_size = 512});
  auto q = mp::quantize(net, config);
  const auto resolved = q.config();
  const auto check = eval.evaluate(q);
  if (check.correct != entry["results"]["correct"].get<std::size_t>()) {
    fmt::print(stderr, "wrong result: {} correct, expected {}\n", check.correct, entry["results"]["correct"].get<int>());
    return 1;
  }
  double sink = 0.0;
  const int reps = 2000;
  const timing eval_only = time_it([&] { sink += eval.evaluate(q).loss; }, reps);
  const timing rebuild_eval = time_it([&] {
    q.rebuild(resolved);
    sink += eval.evaluate(q).loss;
  }, reps);
  const timing json_rebuild_eval = time_it([&] {
    mp::requantize(q, config);
    sink += eval.evaluate(q).loss + mp::average_bitwidth(q);
  }, reps);

  fmt::print("ToyNet, config '{}', 512 validation samples, batch 512, one thread ({} correct, loss {:.6f})\n",
             entry["id"].get<std::string>(), check.correct, check.loss);
  fmt::print("{:<58} {:>12} {:>12}\n", "what", "min [us]", "median [us]");
  fmt::print("{:<58} {:>12.1f} {:>12.1f}\n", "mixprec evaluate (forward + metrics)", eval_only.min_us, eval_only.median_us);
  fmt::print("{:<58} {:>12.1f} {:>12.1f}\n", "mixprec rebuild (resolved config) + evaluate", rebuild_eval.min_us,
             rebuild_eval.median_us);
  fmt::print("{:<58} {:>12.1f} {:>12.1f}\n", "mixprec rebuild (JSON config) + evaluate + average_bitwidth",
             json_rebuild_eval.min_us, json_rebuild_eval.median_us);
  if (with_torch) {
    if (auto t = run_torch(root / "benchmarks" / "evaluate_torch.py", golden, entry_index)) {
      const double tmin = (*t)["min_us"].get<double>(), tmed = (*t)["median_us"].get<double>();
      fmt::print("{:<58} {:>12.1f} {:>12.1f}\n", "PyTorch " + (*t)["torch"].get<std::string>() + " rebuild + evaluate",
                 tmin, tmed);
      fmt::print("{:<58} {:>12.1f} {:>12.1f}\n", "speed-up (PyTorch / mixprec resolved rebuild + evaluate)",
                 tmin / rebuild_eval.min_us, tmed / rebuild_eval.median_us);
    } else {
      fmt::print("PyTorch: /usr/bin/python3 benchmarks/evaluate_torch.py did not run (python3-torch missing?)\n");
    }
  }
  return sink == 42.0 ? 2 : 0;  // keeps the timed work observable
}
