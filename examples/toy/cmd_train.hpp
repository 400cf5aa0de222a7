// `mixprec-toy train`: trains ToyNet on ToyTiny with MASE's recipe and writes the best epoch's
// weights as one .npy per tensor, model.json (the graph) and train_log.json (recipe and
// per-epoch metrics).
#pragma once
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <mixprec/error.hpp>

#include "toynet_graph.hpp"
#include "train.hpp"

namespace mixprec::toy {

/// MASE's default project name for the toy model on ToyTiny.
inline constexpr const char* toy_project = "toy_toy_tiny";
/// Default folders, relative to the working directory, mirroring MASE's mase_output layout.
inline std::filesystem::path default_training_dir() {
  return std::filesystem::path("mixprec_output") / toy_project / "software" / "training_ckpts";
}

/// Command-line options of `train`.
struct train_command_options {
  std::filesystem::path out = default_training_dir();
  std::uint32_t seed = 42;
  std::size_t epochs = 5;
  bool quiet = false;
};

/// Registers the `train` subcommand; the options are filled in when it parses.
inline CLI::App* add_train_command(CLI::App& app, train_command_options& o) {
  CLI::App* sub = app.add_subcommand("train", "Train ToyNet on ToyTiny (MASE's `ch train` recipe)");
  sub->add_option("--out", o.out, "Checkpoint folder")->capture_default_str();
  sub->add_option("--seed", o.seed, "Initialisation and shuffling seed")->capture_default_str();
  sub->add_option("--epochs", o.epochs, "Number of epochs (also the cosine schedule's T_max)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}));
  sub->add_flag("--quiet", o.quiet, "No progress line");
  return sub;
}

/// Runs `train`; returns the process exit code. Errors propagate as exceptions.
inline int run_train_command(const train_command_options& o) {
  train_params p;
  p.seed = o.seed;
  p.epochs = o.epochs;
  // Fail on an unwritable folder before training, not after.
  std::error_code ec;
  std::filesystem::create_directories(o.out, ec);
  if (ec) throw io_error(o.out.string() + ": cannot create checkpoint folder: " + ec.message());
  const bool tty = !o.quiet && isatty(fileno(stderr)) != 0;
  train_callbacks cb;
  if (tty) {
    cb.on_batch = [&](std::size_t epoch, std::size_t batch, std::size_t num_batches) {
      constexpr std::size_t width = 30;
      const std::size_t done = batch * width / num_batches;
      fmt::print(stderr, "\repoch {}/{} [{}{}] {}/{}", epoch, p.epochs, std::string(done, '#'),
                 std::string(width - done, '.'), batch, num_batches);
      std::fflush(stderr);
    };
  }
  cb.on_epoch = [&](const epoch_report& r) {
    if (tty) fmt::print(stderr, "\r{:60}\r", "");
    fmt::print("epoch {}/{}  lr {:.6f}  train_loss {:.5f}  val_loss {:.5f}  val_acc {:.5f}  val_acc_micro {:.5f}  ({:.3f} s)\n",
               r.epoch, r.epochs, r.learning_rate, r.train_loss, r.validation.loss, r.validation.accuracy,
               r.validation.accuracy_micro, r.seconds);
    std::fflush(stdout);
  };
  const train_result res = train_toynet(p, cb);
  save_toynet(res.model, o.out);
  // model.json makes the folder loadable as a generic graph (graph/load.hpp) too.
  const auto model_path = o.out / "model.json";
  std::ofstream model_out(model_path);
  if (!(model_out << describe_model(toynet_model(res.model)).dump(2) << '\n'))
    throw io_error(model_path.string() + ": cannot write");

  nlohmann::ordered_json log;
  log["model"] = "toy";
  log["dataset"] = "toy_tiny";
  log["seed"] = p.seed;
  log["recipe"] = {{"epochs", p.epochs},           {"batch_size", p.batch_size},
                   {"optimizer", "adam"},          {"learning_rate", p.learning_rate},
                   {"betas", {p.beta1, p.beta2}},  {"eps", p.eps},
                   {"weight_decay", p.weight_decay}, {"scheduler", "cosine_annealing"},
                   {"eta_min", p.eta_min}};
  log["best_epoch"] = res.best_epoch;
  log["history"] = nlohmann::ordered_json::array();
  for (const auto& r : res.history)
    log["history"].push_back({{"epoch", r.epoch},
                              {"learning_rate", r.learning_rate},
                              {"train_loss", r.train_loss},
                              {"val_loss", r.validation.loss},
                              {"val_accuracy", r.validation.accuracy},
                              {"val_accuracy_micro", r.validation.accuracy_micro},
                              {"seconds", r.seconds}});
  log["seconds"] = res.seconds;
  const auto log_path = o.out / "train_log.json";
  std::ofstream out(log_path);
  if (!(out << log.dump(2) << '\n')) throw io_error(log_path.string() + ": cannot write");

  const auto& best = res.history[res.best_epoch - 1];
  fmt::print("best epoch {}: val_loss {:.5f}  val_acc {:.5f}; {} epochs in {:.3f} s; weights saved to {}\n",
             res.best_epoch, best.validation.loss, best.validation.accuracy, p.epochs, res.seconds,
             o.out.string());
  return 0;
}

}  // namespace mixprec::toy
