// Compile-time checks: the umbrella header is self-contained, every shipped policy models its
// concept, and near misses do not.
#include <mixprec/mixprec.hpp>

#include <span>
#include <string_view>
#include <vector>

namespace {
using namespace mixprec;

// A sampler without tell(): samplers must not have silent hooks.
struct no_tell {
  std::vector<std::size_t> ask(const sample_context&) { return {}; }
  std::string_view name() const { return "no_tell"; }
};
// A sampler whose ask returns the wrong type.
struct wrong_ask {
  std::vector<int> ask(const sample_context&) { return {}; }
  void tell(const trial&) {}
  std::string_view name() const { return "wrong_ask"; }
};
// An elementwise format without a name.
struct nameless_format {
  void quantize(std::span<const float>, std::span<float>) const {}
};
// An elementwise format is not a block format: it takes no shape.
static_assert(!BlockNumberFormat<integer_format>);
static_assert(!Sampler<no_tell>);
static_assert(!Sampler<wrong_ask>);
static_assert(!NumberFormat<nameless_format>);

static_assert(Sampler<tpe_sampler>);
static_assert(Sampler<nsga2_sampler>);
static_assert(Sampler<nsga3_sampler>);
static_assert(Sampler<qmc_sampler>);
static_assert(Sampler<random_sampler>);
static_assert(FiniteSampler<grid_sampler>);
static_assert(FiniteSampler<brute_force_sampler>);
static_assert(NumberFormat<integer_format>);
static_assert(BlockNumberFormat<block_fp_format>);
static_assert(BlockNumberFormat<mxfp_format>);
}  // namespace
