// Fuzz target: a search config from TOML text, then what the config path builds from it for a
// small CNN's quantizable nodes: the search space, decoded configs, and a few trials of the
// configured sampler. (The quantize pass and the objective are out of reach: clang 14 cannot
// compile any_format.hpp and mase_search.hpp, which use C++20 features it lacks.)
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include <mixprec/config/search_config.hpp>
#include <mixprec/search/quantize_space.hpp>
#include <mixprec/search/registry.hpp>
#include <mixprec/search/study.hpp>

#include "fuzz_common.hpp"

namespace {

using namespace mixprec;

// The quantizable nodes of a ToyNet-like CNN (the names the repository's configs use).
const std::vector<quantizable_node> nodes{{"seq_blocks_0", "conv2d"}, {"seq_blocks_1", "relu"},
                                          {"seq_blocks_2", "linear"}, {"seq_blocks_3", "relu"},
                                          {"seq_blocks_4", "linear"}};

void run(std::string_view text) {
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error&) {
    return;  // load_search_config reports these as config_error
  }
  const config::search_config cfg = config::parse_search_config(root);
  const quantize_space space(nodes, quantize_space_params_from_json(cfg.space_seed, cfg.by));

  // First, last and a middle choice of every dimension.
  const auto& dims = space.dimensions();
  for (int pick = 0; pick < 3; ++pick) {
    std::vector<std::size_t> idx;
    for (const auto& d : dims) idx.push_back(pick == 0 ? 0 : pick == 1 ? d.n_choices - 1 : d.n_choices / 2);
    (void)space.decode(idx);
  }
  (void)space.choices_flattened();

  const std::vector<direction> directions = cfg.directions();
  study<any_sampler> st(make_sampler(cfg.sampler, cfg.sampler_seed.value_or(0)), space.dimensions(), directions);
  for (std::size_t t = 0; t < 3; ++t) {
    auto trial = st.ask();
    (void)space.decode(trial.params());
    st.tell(trial.number(), std::vector<double>(directions.size(), 0.5 * static_cast<double>(t)));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mixprec::fuzz::expect_documented_errors([&] { run(std::string_view(reinterpret_cast<const char*>(data), size)); });
  return 0;
}
