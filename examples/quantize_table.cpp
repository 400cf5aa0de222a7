// Quantizes one small tensor with several of MASE's number formats and prints the values side by
// side, with each format's mean squared error against the float32 input.
#include <fmt/format.h>

#include <array>
#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include <mixprec/numbers/block_fp.hpp>
#include <mixprec/numbers/fixed.hpp>
#include <mixprec/numbers/integer.hpp>
#include <mixprec/numbers/log.hpp>
#include <mixprec/numbers/minifloat.hpp>
#include <mixprec/random.hpp>

namespace {

struct column {
  std::string title;
  std::function<void(std::span<const float>, std::span<float>)> quantize;
};

}  // namespace

int main() {
  // A [2, 8] tensor: normal values plus a tie (0.03125 is half an 8/4 step), a value beyond the
  // 8/4 range (9.5) and a tiny one.
  const std::array<std::size_t, 2> shape{2, 8};
  std::vector<float> x(shape[0] * shape[1]);
  mixprec::numpy_rng rng(0);
  for (auto& v : x) v = static_cast<float>(1.5 * rng.standard_normal());
  x[3] = 0.03125f;
  x[9] = 9.5f;
  x[14] = 1e-4f;

  const mixprec::block_fp_format block_fp({.width = 8, .exponent_width = 8, .block_size = {8}, .skip_first_dim = false});
  const std::vector<column> columns = {
      {"integer 8/4", [](auto in, auto out) { mixprec::integer_format(8, 4).quantize(in, out); }},
      {"integer 4/2", [](auto in, auto out) { mixprec::integer_format(4, 2).quantize(in, out); }},
      {"fixed<8,4>", [](auto in, auto out) { mixprec::quantize_fixed<8, 4>(in, out); }},
      {"minifloat 8/4", [](auto in, auto out) { mixprec::minifloat_ieee_format(8, 4).quantize(in, out); }},
      {"log 8", [](auto in, auto out) { mixprec::log_format(8).quantize(in, out); }},
      {"block_fp 8 [8]", [&](auto in, auto out) { block_fp.quantize(in, shape, out); }},
  };

  std::vector<std::vector<float>> outputs;
  for (const auto& c : columns) {
    outputs.emplace_back(x.size());
    c.quantize(x, outputs.back());
  }

  fmt::print("{:>5} {:>12}", "i", "float32");
  for (const auto& c : columns) fmt::print(" {:>14}", c.title);
  fmt::print("\n");
  for (std::size_t i = 0; i < x.size(); ++i) {
    fmt::print("{:>5} {:>12.6g}", i, x[i]);
    for (const auto& out : outputs) fmt::print(" {:>14.6g}", out[i]);
    fmt::print("\n");
  }
  fmt::print("{:>18}", "mean squared error");
  for (const auto& out : outputs) {
    double sum = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double d = static_cast<double>(out[i]) - static_cast<double>(x[i]);
      sum += d * d;
    }
    fmt::print(" {:>14.3e}", sum / static_cast<double>(x.size()));
  }
  fmt::print("\n");
  // The compile-time fixed type gives the same value as the runtime 8/4 integer format on x[3].
  fmt::print("\nfixed<8, 4>({}) = {} (raw code {})\n", x[3], mixprec::fixed<8, 4>(x[3]),
             mixprec::fixed<8, 4>(x[3]).raw());
  return 0;
}
