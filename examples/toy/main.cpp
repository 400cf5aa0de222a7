// mixprec-toy: ToyNet on ToyTiny from the command line. Each subcommand lives in its own
// cmd_<name>.hpp; this file only registers them and dispatches.
// GCC 12 reports a false -Wmaybe-uninitialized inside its own AVX-512 intrinsics when Eigen's
// GEMM kernels are inlined with -march=native; the warning is not about our code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <exception>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "cmd_eval.hpp"
#include "cmd_search.hpp"
#include "cmd_train.hpp"

int main(int argc, char** argv) {
  namespace toy = mixprec::toy;
  CLI::App app{"mixprec-toy: train, evaluate and quantize ToyNet on ToyTiny"};
  app.require_subcommand(1);
  toy::train_command_options train_opts;
  toy::eval_command_options eval_opts;
  CLI::App* train_cmd = toy::add_train_command(app, train_opts);
  CLI::App* eval_cmd = toy::add_eval_command(app, eval_opts);
  toy::search_command_options search_opts;
  CLI::App* search_cmd = toy::add_search_command(app, search_opts);
  CLI11_PARSE(app, argc, argv);
  try {
    if (train_cmd->parsed()) return toy::run_train_command(train_opts);
    if (eval_cmd->parsed()) return toy::run_eval_command(eval_opts);
    if (search_cmd->parsed()) return toy::run_search_command(search_opts);
  } catch (const std::exception& e) {
    fmt::print(stderr, "mixprec-toy: error: {}\n", e.what());
    return 1;
  }
  return 1;
}
