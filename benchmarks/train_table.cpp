// Side-by-side wall time of 5-epoch ToyNet training on ToyTiny (MASE's recipe, validation every
// epoch): mixprec vs PyTorch on one thread (benchmarks/train_torch.py, run with /usr/bin/python3).
// Usage: mixprec_train_table [--repeats N] [--no-torch]
// GCC 12 reports a false -Wmaybe-uninitialized inside its own AVX-512 intrinsics when Eigen's
// GEMM kernels are inlined with -march=native; the warning is not about our code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "../examples/toy/train.hpp"

namespace {

std::string run_command(const std::string& cmd) {
  std::string out;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return out;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), pipe)) out += buf.data();
  pclose(pipe);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int repeats = 5;
  bool torch = true;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--repeats") == 0 && i + 1 < argc) repeats = std::max(1, std::atoi(argv[++i]));
    else if (std::strcmp(argv[i], "--no-torch") == 0) torch = false;
    else {
      fmt::print(stderr, "usage: {} [--repeats N] [--no-torch]\n", argv[0]);
      return 2;
    }
  }
  namespace toy = mixprec::toy;
  const toy::train_params p;  // MASE's recipe: seed 42, 5 epochs, batch 512, Adam 1e-2, cosine
  std::vector<double> secs;
  toy::train_result last;
  for (int r = 0; r < repeats; ++r) {
    last = toy::train_toynet(p);
    secs.push_back(last.seconds);
  }
  std::sort(secs.begin(), secs.end());
  const auto& best = last.history[last.best_epoch - 1];

  fmt::print("ToyNet on ToyTiny, {} epochs, batch {}, full validation each epoch; one thread; {} repeats\n",
             p.epochs, p.batch_size, repeats);
  fmt::print("{:<34} {:>10} {:>10} {:>10} {:>10} {:>9}\n", "implementation", "min s", "median s", "best ep",
             "val loss", "val acc");
  fmt::print("{:<34} {:>10.4f} {:>10.4f} {:>10} {:>10.5f} {:>9.5f}\n", "mixprec (Eigen, hand backward)", secs.front(),
             secs[secs.size() / 2], last.best_epoch, best.validation.loss, best.validation.accuracy);
  std::fflush(stdout);
  if (!torch) return 0;

  const auto script = std::filesystem::path(__FILE__).parent_path() / "train_torch.py";
  const std::string out = run_command("/usr/bin/python3 '" + script.string() + "' --repeats " +
                                      std::to_string(std::min(repeats, 3)) + " --epochs " + std::to_string(p.epochs));
  // the JSON object is the script's last line
  std::string trimmed = out;
  while (!trimmed.empty() && trimmed.back() == '\n') trimmed.pop_back();
  const auto nl = trimmed.rfind('\n');
  const std::string last_line = nl == std::string::npos ? trimmed : trimmed.substr(nl + 1);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(last_line);
  } catch (const std::exception&) {
    fmt::print(stderr, "could not read the PyTorch script's output:\n{}\n", out);
    return 1;
  }
  for (const char* mode : {"dataloader", "tensor"}) {
    const auto& m = j.at(mode);
    const std::string name = fmt::format("torch {} ({})", j.at("torch").get<std::string>(),
                                         std::string(mode) == "dataloader" ? "MASE DataLoader" : "tensor batches");
    fmt::print("{:<34} {:>10.4f} {:>10.4f} {:>10} {:>10.5f} {:>9.5f}   x{:.1f}\n", name,
               m.at("seconds_min").get<double>(), m.at("seconds_median").get<double>(), m.at("best_epoch").get<int>(),
               m.at("val_loss").get<double>(), m.at("val_accuracy").get<double>(),
               m.at("seconds_median").get<double>() / secs[secs.size() / 2]);
  }
  return 0;
}
