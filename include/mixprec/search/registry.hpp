// Sampler selection by name at the run-time edge (TOML, command line): a closed std::variant of
// the shipped samplers behind one object that itself models Sampler (and FiniteSampler).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <mixprec/error.hpp>
#include <mixprec/samplers/brute_force.hpp>
#include <mixprec/samplers/grid.hpp>
#include <mixprec/samplers/nsga2.hpp>
#include <mixprec/samplers/nsga3.hpp>
#include <mixprec/samplers/qmc.hpp>
#include <mixprec/samplers/random.hpp>
#include <mixprec/samplers/tpe.hpp>
#include <mixprec/search/sampler.hpp>
#include <mixprec/search/trial.hpp>

namespace mixprec {

/// Every sampler the registry can build.
using sampler_variant = std::variant<tpe_sampler, nsga2_sampler, nsga3_sampler, qmc_sampler,
                                     random_sampler, grid_sampler, brute_force_sampler>;

/// The names make_sampler accepts, in decisions.md 11's order.
inline const std::vector<std::string>& registered_sampler_names() {
  static const std::vector<std::string> names{"tpe",    "nsgaii", "nsgaiii",   "qmc",
                                              "random", "grid",   "bruteforce"};
  return names;
}

/// A sampler chosen at run time; forwards to the held alternative with std::visit.
class any_sampler {
 public:
  any_sampler(sampler_variant s) : sampler_(std::move(s)) {}  // NOLINT: implicit on purpose

  std::vector<std::size_t> ask(const sample_context& ctx) {
    return std::visit([&](auto& s) { return s.ask(ctx); }, sampler_);
  }
  void tell(const trial& t) {
    std::visit([&](auto& s) { s.tell(t); }, sampler_);
  }
  std::string_view name() const {
    return std::visit([](const auto& s) { return std::string_view(s.name()); }, sampler_);
  }
  /// The held sampler's `exhausted` if it is a FiniteSampler, else false.
  bool exhausted(const sample_context& ctx) const {
    return std::visit(
        [&](const auto& s) {
          if constexpr (FiniteSampler<std::remove_cvref_t<decltype(s)>>) return s.exhausted(ctx);
          else return false;
        },
        sampler_);
  }

  const sampler_variant& variant() const { return sampler_; }

 private:
  sampler_variant sampler_;
};

static_assert(Sampler<any_sampler>);
static_assert(FiniteSampler<any_sampler>);

/// The sampler called `name` with Optuna's defaults and `seed`. An unknown name is a
/// config_error listing the valid names.
inline any_sampler make_sampler(std::string_view name, std::uint64_t seed = 0) {
  // Default-constructed params with the seed set: every other field keeps Optuna's default.
  auto with_seed = [seed](auto params) {
    params.seed = seed;
    return params;
  };
  if (name == "tpe") return any_sampler{tpe_sampler{with_seed(tpe_params{})}};
  if (name == "nsgaii") return any_sampler{nsga2_sampler{with_seed(nsga2_params{})}};
  if (name == "nsgaiii") return any_sampler{nsga3_sampler{with_seed(nsga3_params{})}};
  if (name == "qmc") return any_sampler{qmc_sampler{with_seed(qmc_params{})}};
  if (name == "random") return any_sampler{random_sampler{with_seed(random_params{})}};
  if (name == "grid") return any_sampler{grid_sampler{with_seed(grid_params{})}};
  if (name == "bruteforce") return any_sampler{brute_force_sampler{with_seed(brute_force_params{})}};
  std::string valid;
  for (const auto& n : registered_sampler_names()) valid += (valid.empty() ? "" : ", ") + n;
  throw config_error("sampler = \"" + std::string(name) + "\": unknown sampler; valid names are " + valid);
}

}  // namespace mixprec
