// Quantizer kernels on float32 arrays of 2^16, 2^20 and 2^24 elements, one thread, into a
// preallocated destination, beside std::memcpy into a preallocated buffer (the bandwidth reference).
// GB/s counts 8 bytes per element (4 read + 4 written); "ns/elem" is time per element. Each
// benchmark is repeated and reported as mean, median, stddev, cv and min of the repetitions.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <map>
#include <span>
#include <string>
#include <vector>

#include <mixprec/numbers/binary.hpp>
#include <mixprec/numbers/block_fp.hpp>
#include <mixprec/numbers/block_log.hpp>
#include <mixprec/numbers/block_minifloat.hpp>
#include <mixprec/numbers/fixed.hpp>
#include <mixprec/numbers/integer.hpp>
#include <mixprec/numbers/log.hpp>
#include <mixprec/numbers/minifloat.hpp>
#include <mixprec/numbers/mxfp.hpp>
#include <mixprec/numbers/mxint.hpp>
#include <mixprec/numbers/ternary.hpp>
#include <mixprec/random.hpp>

namespace {

constexpr std::size_t row = 256;  // block formats see a [n / 256, 256] weight-like tensor

/// Standard normal inputs (times 2, so the integer formats saturate now and then), made once per size.
const std::vector<float>& input(std::size_t n) {
  static std::map<std::size_t, std::vector<float>> cache;
  auto& v = cache[n];
  if (v.empty()) {
    mixprec::numpy_rng rng(1234);
    v.resize(n);
    for (auto& x : v) x = static_cast<float>(2.0 * rng.standard_normal());
  }
  return v;
}

void finish(benchmark::State& state, std::size_t n) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n) * 8);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
  state.counters["ns/elem"] =
      benchmark::Counter(static_cast<double>(n) * 1e-9, benchmark::Counter::kIsIterationInvariantRate |
                                                           benchmark::Counter::kInvert);
}

void bm_memcpy(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto& in = input(n);
  std::vector<float> out(n, 0.0f);  // touched: no page faults inside the loop
  for (auto _ : state) {
    std::memcpy(out.data(), in.data(), n * sizeof(float));
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  finish(state, n);
}

template <class Kernel>
void run_span_kernel(benchmark::State& state, Kernel kernel) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto& in = input(n);
  std::vector<float> out(n, 0.0f);
  for (auto _ : state) {
    kernel(std::span<const float>(in), std::span<float>(out));
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  finish(state, n);
}

template <class F>
void bm_elementwise(benchmark::State& state, F f) {
  run_span_kernel(state, [&](std::span<const float> in, std::span<float> out) { f.quantize(in, out); });
}

template <class F>
void bm_block(benchmark::State& state, F f) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::size_t shape[2] = {n / row, row};
  run_span_kernel(state, [&](std::span<const float> in, std::span<float> out) { f.quantize(in, shape, out); });
}

void bm_fixed_8_4(benchmark::State& state) {
  run_span_kernel(state, [](std::span<const float> in, std::span<float> out) {
    mixprec::quantize_fixed<8, 4, true>(in, out);
  });
}

double min_of(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

void configure(benchmark::internal::Benchmark* b) {
  b->Arg(1 << 16)->Arg(1 << 20)->Arg(1 << 24);
  b->Repetitions(7)->ReportAggregatesOnly(true)->ComputeStatistics("min", min_of);
  b->MinTime(0.1)->Unit(benchmark::kMicrosecond);
}

std::string compile_flags() {
  std::string s;
#ifdef MIXPREC_BENCH_COMPILE_FLAGS
  s += std::string(MIXPREC_BENCH_COMPILE_FLAGS) + "; ";
#endif
  s += "compiler " __VERSION__;
#ifdef __OPTIMIZE__
  s += ", optimised";
#else
  s += ", NOT optimised";
#endif
#ifdef NDEBUG
  s += ", NDEBUG";
#endif
#ifdef __AVX512F__
  s += ", AVX-512F";
#endif
#ifdef __AVX2__
  s += ", AVX2";
#endif
#ifdef __FMA__
  s += ", FMA";
#endif
#ifdef __FAST_MATH__
  s += ", FAST-MATH (results may differ from MASE)";
#endif
  return s;
}

}  // namespace

BENCHMARK(bm_memcpy)->Apply(configure);
BENCHMARK_CAPTURE(bm_elementwise, integer_8_4, mixprec::integer_format(8, 4))->Apply(configure);
BENCHMARK(bm_fixed_8_4)->Apply(configure);
BENCHMARK_CAPTURE(bm_elementwise, integer_floor_8_4, mixprec::integer_floor_format(8, 4))->Apply(configure);
BENCHMARK_CAPTURE(bm_elementwise, minifloat_ieee_8_4, mixprec::minifloat_ieee_format(8, 4))->Apply(configure);
BENCHMARK_CAPTURE(bm_elementwise, minifloat_denorm_8_4, mixprec::minifloat_denorm_format(8, 4))->Apply(configure);
BENCHMARK_CAPTURE(bm_elementwise, log_8, mixprec::log_format(8))->Apply(configure);
BENCHMARK_CAPTURE(bm_elementwise, binary_bipolar, mixprec::binary_format(true))->Apply(configure);
BENCHMARK_CAPTURE(bm_elementwise, ternary_threshold, mixprec::ternary_format({.threshold = 0.5}))->Apply(configure);
BENCHMARK_CAPTURE(bm_block, scale_integer_8, mixprec::scale_integer_format(8))->Apply(configure);
BENCHMARK_CAPTURE(bm_block, block_fp_8_bs16,
                  mixprec::block_fp_format({.width = 8, .block_size = {16}, .skip_first_dim = false}))
    ->Apply(configure);
BENCHMARK_CAPTURE(bm_block, block_minifloat_8_4_bs16, mixprec::block_minifloat_format(mixprec::block_minifloat_params{}))->Apply(configure);
BENCHMARK_CAPTURE(bm_block, block_log_8_bs16, mixprec::block_log_format(mixprec::block_log_params{}))->Apply(configure);
BENCHMARK_CAPTURE(bm_block, mxint_8_bs32, mixprec::mxint_format(mixprec::mxint_params{}))->Apply(configure);
BENCHMARK_CAPTURE(bm_block, mxint_hardware_8_4, mixprec::mxint_hardware_format(mixprec::mxint_hardware_params{}))->Apply(configure);
BENCHMARK_CAPTURE(bm_block, mxfp_e4m3_bs32, mixprec::mxfp_format(mixprec::mxfp_params{}))->Apply(configure);

int main(int argc, char** argv) {
  benchmark::AddCustomContext("mixprec_compile_flags", compile_flags());
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
