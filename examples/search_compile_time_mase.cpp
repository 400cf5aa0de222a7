// MASE's tutorial search composed in code: the sampler type, the number format and matching
// rule, the runners and the metrics are template arguments; only the model and data are loaded.
// The same objective class runs behind `mixprec-toy search --config` (types chosen by name).
//   mixprec-example-search_compile_time_mase <toynet checkpoint folder> [n_trials]
#include <cstdio>
#include <string>
#include <tuple>

#include <fmt/core.h>

#include <mixprec/graph/load.hpp>
#include <mixprec/search/mase_outputs.hpp>
#include <mixprec/search/mase_search.hpp>
#include <mixprec/samplers/tpe.hpp>
#include <mixprec/search/study.hpp>

#include "toy/toy_tiny.hpp"
#include "toy/toynet_graph.hpp"

int main(int argc, char** argv) try {
  using namespace mixprec;
  if (argc < 2) {
    fmt::print(stderr, "usage: {} <toynet checkpoint folder> [n_trials]\n", argv[0]);
    return 2;
  }
  const model net = toy::load_checkpoint_model(argv[1]);
  const auto val = toy::make_toy_tiny(toy::toy_split::validation, 512);

  // [search.search_space]: the tutorial's seed, one set of choices per quantizable node.
  quantize_space_params sp;
  sp.seed = {{"default",
              {{"name", {std::string("integer")}},
               {"data_in_width", {std::int64_t{4}, std::int64_t{8}}},
               {"data_in_frac_width", {std::int64_t{3}, std::int64_t{4}, std::int64_t{5}, std::int64_t{6}}},
               {"weight_width", {std::int64_t{2}, std::int64_t{4}, std::int64_t{8}}},
               {"weight_frac_width", {std::int64_t{3}, std::int64_t{5}, std::int64_t{7}}},
               {"bias_width", {std::int64_t{2}, std::int64_t{4}, std::int64_t{8}}},
               {"bias_frac_width", {std::int64_t{3}, std::int64_t{5}, std::int64_t{7}}}}}};
  const quantize_space space(quantizable_nodes(net), sp);

  // Runners and metrics as types: basic_evaluation + average_bitwidth, accuracy up, 0.2 x bits down.
  basic_evaluation eval(dataset_view{val.features, val.labels, toy::toy_tiny_num_features},
                        {.num_samples = 512, .batch_size = 512});
  mase_objective_params mp;
  mp.metrics = metric_specs<objective_metric<"accuracy", direction::maximize>,
                            objective_metric<"average_bitwidth", direction::minimize, 0.2>>();
  const auto objective = make_mase_objective(net, space, pass_rebuilder<integer_format, match_by_name>{},
                                             std::tuple{eval}, std::tuple{average_bitwidth_runner{{.compare_to = 32.0}}},
                                             mp);

  study<tpe_sampler> st(tpe_sampler{tpe_params{.seed = 0}}, space.dimensions(), objective.directions());
  study_options o;
  o.n_trials = argc > 2 ? std::stoul(argv[2]) : 20;
  st.optimize(objective, o);

  fmt::print("Best trial(s):\n{}", mase_best_table(st.best_trials()));
  const auto t = objective.timings();
  fmt::print("{} trials: rebuild {:.4f} s, evaluation {:.4f} s\n", t.trials, t.rebuild, t.software);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 1;
}
