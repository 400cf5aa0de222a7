// The whole library in one include. Convenient, but slow to compile: tools that care about build
// time include only the headers they use.
#pragma once

#include <mixprec/error.hpp>
#include <mixprec/random.hpp>

#include <mixprec/numbers/any_format.hpp>
#include <mixprec/numbers/binary.hpp>
#include <mixprec/numbers/block_fp.hpp>
#include <mixprec/numbers/block_log.hpp>
#include <mixprec/numbers/block_minifloat.hpp>
#include <mixprec/numbers/blocking.hpp>
#include <mixprec/numbers/fixed.hpp>
#include <mixprec/numbers/format.hpp>
#include <mixprec/numbers/integer.hpp>
#include <mixprec/numbers/log.hpp>
#include <mixprec/numbers/minifloat.hpp>
#include <mixprec/numbers/minifloat_mx.hpp>
#include <mixprec/numbers/mxfp.hpp>
#include <mixprec/numbers/mxint.hpp>
#include <mixprec/numbers/rounding.hpp>
#include <mixprec/numbers/ternary.hpp>

#include <mixprec/interop/eigen.hpp>
#include <mixprec/interop/xtensor.hpp>

#include <mixprec/graph/load.hpp>
#include <mixprec/graph/model.hpp>
#include <mixprec/graph/ops.hpp>

#include <mixprec/passes/analysis.hpp>
#include <mixprec/passes/quantize.hpp>

#include <mixprec/runners/evaluate.hpp>

#include <mixprec/search/hypervolume.hpp>
#include <mixprec/search/mase_outputs.hpp>
#include <mixprec/search/mase_search.hpp>
#include <mixprec/search/pareto.hpp>
#include <mixprec/search/quantize_space.hpp>
#include <mixprec/search/registry.hpp>
#include <mixprec/search/run_search.hpp>
#include <mixprec/search/sampler.hpp>
#include <mixprec/search/space.hpp>
#include <mixprec/search/stop_signals.hpp>
#include <mixprec/search/study.hpp>
#include <mixprec/search/trial.hpp>

#include <mixprec/samplers/brute_force.hpp>
#include <mixprec/samplers/grid.hpp>
#include <mixprec/samplers/nsga2.hpp>
#include <mixprec/samplers/nsga3.hpp>
#include <mixprec/samplers/qmc.hpp>
#include <mixprec/samplers/random.hpp>
#include <mixprec/samplers/tpe.hpp>

#include <mixprec/config/search_config.hpp>
#include <mixprec/config/toml_json.hpp>

#include <mixprec/io/atomic_file.hpp>
#include <mixprec/io/dataset_folder.hpp>
#include <mixprec/io/journal.hpp>
#include <mixprec/io/json_format.hpp>
#include <mixprec/io/npy.hpp>
#include <mixprec/io/report.hpp>
#include <mixprec/io/trials_log.hpp>
