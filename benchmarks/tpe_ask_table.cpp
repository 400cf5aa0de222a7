// Time of one TPE ask (and one random ask as a baseline) for MASE's 35-parameter space (5 nodes x
// 7 keys, choice lists of 1,2,7,3,7,3,7) after 100, 300 and 1000 completed trials, one and two
// objectives, side by side with Optuna 3.1 when its timings are given.
//   mixprec_tpe_ask_table --write-histories DIR   writes the histories (JSON) Optuna replays
//   mixprec_tpe_ask_table [--optuna FILE]          prints the table (FILE from tpe_ask_optuna.py)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <mixprec/samplers/random.hpp>
#include <mixprec/samplers/tpe.hpp>

using namespace mixprec;

namespace {

constexpr std::size_t lens[7] = {1, 2, 7, 3, 7, 3, 7};
constexpr std::size_t sizes[3] = {100, 300, 1000};

std::vector<dimension> space() {
  std::vector<dimension> d;
  for (std::size_t i = 0; i < 35; ++i) {
    std::string name = "seq_blocks_" + std::to_string(i / 7);
    name += "/config/k" + std::to_string(i % 7);
    d.push_back({name, lens[i % 7]});
  }
  return d;
}

// Accuracy-like (maximise) and bit-width-like (minimise) values of a configuration.
std::vector<double> objectives(const std::vector<std::size_t>& p, int n_obj) {
  double acc = 0, bits = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const std::size_t k = lens[i % 7];
    const double x = k > 1 ? static_cast<double>(p[i]) / static_cast<double>(k - 1) : 0.0;
    acc += (x - 0.7) * (x - 0.7);
    bits += x;
  }
  acc = 1 - acc / 35;
  bits /= 35;
  if (n_obj == 2) return {acc, bits};
  return {acc - 0.2 * bits};
}

std::vector<trial> history(std::size_t n, int n_obj) {
  numpy_rng rng(20240 + n);
  std::vector<trial> h;
  for (std::size_t i = 0; i < n; ++i) {
    trial t;
    t.number = i;
    t.state = trial_state::complete;
    for (std::size_t d = 0; d < 35; ++d) t.params.push_back(rng.choice(lens[d % 7]));
    t.values = objectives(t.params, n_obj);
    h.push_back(t);
  }
  return h;
}

std::vector<direction> directions(int n_obj) {
  if (n_obj == 2) return {direction::maximize, direction::minimize};
  return {direction::maximize};
}

template <class S>
double median_ask_ms(S& s, const std::vector<dimension>& dims, const std::vector<trial>& h,
                     const std::vector<direction>& dirs, int reps) {
  std::vector<double> ts;
  std::size_t sink = 0;
  for (int r = -1; r < reps; ++r) {  // one warm-up
    const sample_context ctx{dims, h, dirs, h.size() + static_cast<std::size_t>(r + 1)};
    const auto t0 = std::chrono::steady_clock::now();
    const auto x = s.ask(ctx);
    const auto t1 = std::chrono::steady_clock::now();
    sink += x[2];
    if (r >= 0) ts.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  if (sink == static_cast<std::size_t>(-1)) std::puts("");
  std::sort(ts.begin(), ts.end());
  return ts[ts.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::string optuna_file, histories_dir;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--optuna") optuna_file = argv[i + 1];
    if (std::string(argv[i]) == "--write-histories") histories_dir = argv[i + 1];
  }
  const auto dims = space();
  if (!histories_dir.empty()) {
    for (int n_obj : {1, 2})
      for (std::size_t n : sizes) {
        nlohmann::json j;
        j["lens"] = std::vector<std::size_t>(lens, lens + 7);
        j["directions"] = n_obj == 2 ? std::vector<std::string>{"maximize", "minimize"}
                                     : std::vector<std::string>{"maximize"};
        for (const auto& t : history(n, n_obj)) j["trials"].push_back({{"params", t.params}, {"values", t.values}});
        std::ofstream(histories_dir + "/history_" + std::to_string(n_obj) + "obj_" + std::to_string(n) + ".json")
            << j.dump();
      }
    return 0;
  }
  std::map<std::string, double> optuna;
  std::string optuna_version = "-";
  if (!optuna_file.empty()) {
    std::ifstream in(optuna_file);
    const auto j = nlohmann::json::parse(in);
    optuna_version = j["version"].get<std::string>();
    for (const auto& r : j["results"])
      optuna[r["sampler"].get<std::string>() + std::to_string(r["n_obj"].get<int>()) + "_" +
             std::to_string(r["n"].get<std::size_t>())] = r["median_ms"].get<double>();
  }
  std::printf("One ask of 35 integer parameters (MASE's space) after N completed trials; median ms.\n");
  std::printf("Optuna: %s (ask + 35 suggest_int, tell FAIL to keep N fixed)\n\n", optuna_version.c_str());
  std::printf("| sampler | objectives | N | mixprec (ms) | Optuna 3.1 (ms) | speed-up |\n");
  std::printf("|---|---|---|---|---|---|\n");
  for (const char* which : {"tpe", "random"})
    for (int n_obj : {1, 2})
      for (std::size_t n : sizes) {
        const auto h = history(n, n_obj);
        const auto dirs = directions(n_obj);
        double ours;
        if (std::string(which) == "tpe") {
          tpe_sampler s;
          ours = median_ask_ms(s, dims, h, dirs, n >= 1000 ? 51 : 101);
        } else {
          random_sampler s;
          ours = median_ask_ms(s, dims, h, dirs, 1001);
        }
        const auto it = optuna.find(std::string(which) + std::to_string(n_obj) + "_" + std::to_string(n));
        if (it == optuna.end()) {
          std::printf("| %s | %d | %zu | %.4f | - | - |\n", which, n_obj, n, ours);
        } else {
          std::printf("| %s | %d | %zu | %.4f | %.1f | %.0fx |\n", which, n_obj, n, ours, it->second,
                      it->second / ours);
        }
      }
  return 0;
}
