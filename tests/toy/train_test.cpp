#include <doctest/doctest.h>

#include <mixprec/io/npy.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "../../examples/toy/train.hpp"
#include "../test_data.hpp"

using namespace mixprec;
namespace fs = std::filesystem;

namespace {

nlohmann::json load_json(const fs::path& p) {
  std::ifstream in(p);
  REQUIRE(in);
  return nlohmann::json::parse(in);
}

bool same_bits(const toy::toynet& a, const toy::toynet& b) {
  for (std::size_t l = 0; l < 3; ++l) {
    const auto& x = a.layers[l];
    const auto& y = b.layers[l];
    if (x.weight.size() != y.weight.size() || x.bias.size() != y.bias.size()) return false;
    if (std::memcmp(x.weight.data(), y.weight.data(), sizeof(float) * static_cast<std::size_t>(x.weight.size())) != 0)
      return false;
    if (std::memcmp(x.bias.data(), y.bias.data(), sizeof(float) * static_cast<std::size_t>(x.bias.size())) != 0)
      return false;
  }
  return true;
}

// Training at -O0 under the sanitizers is ~50x slower than optimised; there the run is cut to
// 1536 training samples, 1024 validation samples and two epochs (the full recipe is checked in optimised builds).
#ifdef NDEBUG
constexpr bool full_training = true;
#else
constexpr bool full_training = false;
#endif

toy::train_params test_recipe() {
  toy::train_params p;  // MASE's recipe, seed 42
  if (!full_training) {
    p.epochs = 2;
    p.num_train_samples = 1536;
    p.num_val_samples = 1024;
  }
  return p;
}

}  // namespace

TEST_SUITE("toy/train") {
  TEST_CASE("the cosine schedule gives PyTorch's CosineAnnealingLR(T_max=5, eta_min=1e-6) rates") {
    // torch 1.13 scheduler.get_last_lr() after 0..5 epoch steps
    const std::array<double, 6> torch_lr{0.01, 0.00904518046337755, 0.00654543046337755,
                                         0.003455569536622451, 0.0009558195366224508, 1e-06};
    toy::train_params p;
    for (std::size_t e = 0; e < torch_lr.size(); ++e)
      CHECK(toy::cosine_lr(p, e) == doctest::Approx(torch_lr[e]).epsilon(1e-12));
  }

  TEST_CASE("an Adam step equals torch.optim.Adam's, bit for bit") {
    // torch 1.13: Adam(lr=1e-2) on [0.5, -0.25, 1, 0], three steps with these gradients, the
    // cosine schedule stepped after each (so the rates are the schedule's first three).
    const std::array<std::array<float, 4>, 3> grads{{{0.3f, -0.02f, 1e-3f, 2.0f},
                                                     {-0.1f, 0.05f, 1e-3f, 2.0f},
                                                     {0.7f, -0.4f, -5e-4f, 0.0f}}};
    const std::array<std::array<std::uint32_t, 4>, 3> torch_bits{{{0x3efae148, 0xbe75c290, 0x3f7d70a6, 0xbc23d70a},
                                                                  {0x3ef906cb, 0xbe79db1e, 0x3f7b1fdf, 0xbc9c04a3},
                                                                  {0x3ef6a614, 0xbe75eb04, 0x3f7a42ae, 0xbcc57777}}};
    toy::train_params p;
    std::array<float, 4> w{0.5f, -0.25f, 1.0f, 0.0f};
    toy::detail::adam_slot slot;
    slot.resize(4);
    for (std::size_t s = 0; s < 3; ++s) {
      slot.step(w.data(), grads[s].data(), 4, p, toy::cosine_lr(p, s), s + 1);
      for (std::size_t i = 0; i < 4; ++i) {
        CAPTURE(s);
        CAPTURE(i);
        CHECK(std::bit_cast<std::uint32_t>(w[i]) == torch_bits[s][i]);
      }
    }
  }

  TEST_CASE("the hand-written backward matches finite differences of the loss") {
    toy::toynet net = toy::make_toynet(7);
    const auto data = toy::make_toy_tiny(toy::toy_split::train, 16);
    toy::detail::toynet_workspace ws;
    ws.x = Eigen::Map<const toy::row_matrix>(data.features.data(), 16, 4);
    toy::detail::forward_backward(net, ws, data.labels);
    const auto grads = ws.dw;
    const auto bgrads = ws.db;
    // The reference loss is a float64 forward, so that central differences with a small step
    // are accurate (a float32 forward would drown them in rounding).
    auto loss_at = [&](const toy::toynet& n) {
      Eigen::MatrixXd a = Eigen::Map<const toy::row_matrix>(data.features.data(), 16, 4).cast<double>();
      for (std::size_t l = 0; l < 3; ++l) {
        Eigen::MatrixXd z = a * n.layers[l].weight.cast<double>().transpose();
        z.rowwise() += n.layers[l].bias.cast<double>();
        a = l < 2 ? Eigen::MatrixXd(z.cwiseMax(0.0)) : z;
      }
      double loss = 0;
      for (Eigen::Index i = 0; i < 16; ++i) {
        const double mx = a.row(i).maxCoeff();
        loss += mx + std::log((a.row(i).array() - mx).exp().sum()) - a(i, data.labels[static_cast<std::size_t>(i)]);
      }
      return loss / 16.0;
    };
    const float h = 1e-3f;
    for (std::size_t l = 0; l < 3; ++l) {
      for (Eigen::Index k : {Eigen::Index{0}, Eigen::Index{3}, net.layers[l].weight.size() - 1}) {
        toy::toynet up = net, down = net;
        up.layers[l].weight.data()[k] += h;
        down.layers[l].weight.data()[k] -= h;
        // the perturbation actually applied, after float32 rounding
        const double step = static_cast<double>(up.layers[l].weight.data()[k]) - down.layers[l].weight.data()[k];
        const double numeric = (loss_at(up) - loss_at(down)) / step;
        CAPTURE(l);
        CAPTURE(k);
        CHECK(grads[l].data()[k] == doctest::Approx(numeric).epsilon(1e-3).scale(1e-4));
      }
      toy::toynet up = net, down = net;
      up.layers[l].bias[1] += h;
      down.layers[l].bias[1] -= h;
      const double step = static_cast<double>(up.layers[l].bias[1]) - down.layers[l].bias[1];
      CHECK(bgrads[l][1] == doctest::Approx((loss_at(up) - loss_at(down)) / step).epsilon(1e-3).scale(1e-4));
    }
  }

  TEST_CASE("metrics of the golden ToyNet equal torch's on the full validation split") {
    const auto meta = load_json(testing::golden_dir() / "toynet" / "meta.json");
    const auto net = toy::load_toynet(testing::golden_dir() / "toynet");
    const auto val = toy::make_toy_tiny(toy::toy_split::validation);
    const auto m = toy::evaluate_toynet(net, val);
    const auto& ref = meta.at("recomputed_full_val");
    CHECK(m.correct == ref.at("correct").get<std::size_t>());
    CHECK(m.accuracy == ref.at("accuracy_macro").get<double>());
    CHECK(m.accuracy_micro == ref.at("accuracy_micro").get<double>());
    // Float matmuls sum in a different order than netlib BLAS: logits differ by ~1e-6.
    CHECK(m.loss == doctest::Approx(ref.at("loss_f32").get<double>()).epsilon(1e-5));
  }

  TEST_CASE("metrics of the unquantized golden ToyNet on validation rows 0..511 equal torch's") {
    const auto golden = load_json(testing::golden_dir() / "quantized_eval.json");
    const nlohmann::json* entry = nullptr;
    for (const auto& e : golden.at("entries"))
      if (e.at("id") == "bypass_all") entry = &e;
    REQUIRE(entry != nullptr);
    const auto& r = entry->at("results");
    const auto net = toy::load_toynet(testing::golden_dir() / "toynet");
    const auto m = toy::evaluate_toynet(net, toy::make_toy_tiny(toy::toy_split::validation, 512));
    CHECK(m.correct == r.at("correct").get<std::size_t>());
    CHECK(m.accuracy == doctest::Approx(r.at("accuracy_macro").get<double>()).epsilon(1e-15));
    CHECK(m.accuracy_micro == r.at("accuracy_micro").get<double>());
    CHECK(m.loss == doctest::Approx(r.at("loss_f64").get<double>()).epsilon(1e-5));
  }

  TEST_CASE("macro accuracy skips absent classes and ties go to the lowest class") {
    toy::row_matrix z(3, 3);
    z << 1, 1, 0,   // tie between 0 and 1 -> class 0
        0, 2, 1,    // class 1
        0, 5, 1;    // class 1
    const std::vector<std::int64_t> y{0, 1, 0};
    const auto m = toy::compute_metrics(z, y);
    // class 0: tp 1, fn 1 -> recall 0.5; class 1: tp 1, fp 1 -> recall 1; class 2 absent
    CHECK(m.correct == 2);
    CHECK(m.accuracy == doctest::Approx(0.75));
    CHECK(m.accuracy_micro == doctest::Approx(2.0 / 3.0));
    const std::vector<std::int64_t> bad{0, 1, 3};
    CHECK_THROWS_WITH_AS(toy::compute_metrics(z, bad), doctest::Contains("labels[2] = 3"), shape_error);
  }

  TEST_CASE("training from scratch with seed 42 reaches 0.99 validation accuracy, reproducibly") {
    const toy::train_params p = test_recipe();
    std::size_t epochs_seen = 0;
    std::size_t batches_seen = 0;
    const auto a = toy::train_toynet(p, {.on_batch = [&](std::size_t, std::size_t, std::size_t) { ++batches_seen; },
                                         .on_epoch = [&](const toy::epoch_report&) { ++epochs_seen; }});
    CHECK(epochs_seen == p.epochs);
    CHECK(batches_seen == p.epochs * ((p.num_train_samples + 511) / 512));
    REQUIRE(a.history.size() == p.epochs);
    const auto& best = a.history[a.best_epoch - 1];
    for (const auto& e : a.history) CHECK(best.validation.loss <= e.validation.loss);
    // the kept model is the best epoch's, re-evaluated independently
    const auto recheck = toy::evaluate_toynet(a.model, toy::make_toy_tiny(toy::toy_split::validation, p.num_val_samples));
    CHECK(recheck.loss == best.validation.loss);
    if (full_training) {
      CHECK(best.validation.accuracy >= 0.99);
      CHECK(best.validation.accuracy_micro >= 0.99);
    } else {
      CHECK(best.validation.accuracy >= 0.95);
    }
    const auto b = toy::train_toynet(p);
    CHECK(a.best_epoch == b.best_epoch);
    CHECK(same_bits(a.model, b.model));
    // a different seed gives different weights
    toy::train_params q = p;
    q.seed = 43;
    q.epochs = 1;
    CHECK_FALSE(same_bits(toy::train_toynet(q).model, a.model));
  }

  TEST_CASE("rejects out-of-range recipe fields by name") {
    CHECK_THROWS_WITH_AS(toy::train_toynet({.epochs = 0}), doctest::Contains("train_params.epochs = 0"),
                         config_error);
    CHECK_THROWS_WITH_AS(toy::train_toynet({.batch_size = 0}), doctest::Contains("train_params.batch_size = 0"),
                         config_error);
    CHECK_THROWS_WITH_AS(toy::train_toynet({.learning_rate = -1}), doctest::Contains("train_params.learning_rate"),
                         config_error);
    CHECK_THROWS_WITH_AS(toy::train_toynet({.beta2 = 1.0}), doctest::Contains("train_params.beta2"), config_error);
    CHECK_THROWS_WITH_AS(toy::train_toynet({.num_train_samples = 20000}),
                         doctest::Contains("train_params.num_train_samples = 20000"), config_error);
  }
}

TEST_SUITE("toy/toynet") {
  TEST_CASE("a checkpoint round-trips in PyTorch layout and loads PyTorch's weights") {
    const fs::path dir = testing::binary_dir() / "toynet_roundtrip";
    fs::remove_all(dir);
    const auto net = toy::make_toynet(3);
    toy::save_toynet(net, dir);
    CHECK(same_bits(toy::load_toynet(dir), net));
    const auto w = io::read_npy(dir / "seq_blocks_0.weight.npy", io::npy_dtype::f4, {100, 4}).as<float>();
    CHECK(w[4] == net.layers[0].weight(1, 0));  // row-major (out, in)
    CHECK(fs::exists(dir / "seq_blocks_4.bias.npy"));
    const auto golden = toy::load_toynet(testing::golden_dir() / "toynet");
    const auto gw = io::read_npy(testing::golden_dir() / "toynet" / "seq_blocks_2.weight.npy").as<float>();
    CHECK(golden.layers[1].weight(3, 7) == gw[3 * 100 + 7]);
  }

  TEST_CASE("PyTorch's default initialisation bounds: 1/sqrt(fan_in)") {
    const auto net = toy::make_toynet(0);
    CHECK(net.layers[0].weight.cwiseAbs().maxCoeff() <= 0.5f);
    CHECK(net.layers[0].weight.cwiseAbs().maxCoeff() > 0.45f);
    CHECK(net.layers[1].weight.cwiseAbs().maxCoeff() <= 0.1f);
    CHECK(net.layers[2].bias.cwiseAbs().maxCoeff() <= 0.1f);
  }

  TEST_CASE("loading names the missing file, the wrong shape and the missing folder") {
    const fs::path dir = testing::binary_dir() / "toynet_bad";
    fs::remove_all(dir);
    toy::save_toynet(toy::make_toynet(1), dir);
    fs::remove(dir / "seq_blocks_2.bias.npy");
    CHECK_THROWS_WITH_AS(toy::load_toynet(dir), doctest::Contains("seq_blocks_2.bias.npy: cannot open"), io_error);
    std::vector<float> w(4 * 100, 0.f);
    io::write_npy(dir / "seq_blocks_0.weight.npy", w.data(), {4, 100});
    CHECK_THROWS_WITH_AS(toy::load_toynet(dir),
                         doctest::Contains("seq_blocks_0.weight.npy: shape (4, 100), expected (100, 4)"), io_error);
    CHECK_THROWS_WITH_AS(toy::load_toynet(dir / "nowhere"), doctest::Contains("does not exist"), io_error);
  }
}
