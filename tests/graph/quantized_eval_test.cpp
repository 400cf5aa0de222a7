// The quantize pass, average_bitwidth and basic_evaluation on the golden ToyNet against the 30
// configs of tests/data/golden/quantized_eval.json (PyTorch 1.13 forwards of MASE's quantizers).
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <fstream>

#include <nlohmann/json.hpp>

#include <mixprec/io/npy.hpp>
#include <mixprec/passes/analysis.hpp>
#include <mixprec/passes/quantize.hpp>
#include <mixprec/runners/evaluate.hpp>

#include "toynet_fixture.hpp"

using namespace mixprec;
using mixprec::testing::golden_dir;

namespace {
nlohmann::json golden_eval() {
  std::ifstream in(golden_dir() / "quantized_eval.json");
  return nlohmann::json::parse(in);
}
}  // namespace

TEST_SUITE("passes/quantize") {
  TEST_CASE("validation rows 0..31 match the golden ToyTiny samples") {
    const auto rows = mixprec::testing::toy_tiny_rows(1, 32);
    const auto f32 = io::read_npy(golden_dir() / "toy_tiny" / "validation_first32_f32.npy").as<float>();
    const auto labels = io::read_npy(golden_dir() / "toy_tiny" / "validation_first32_labels.npy").as<std::int64_t>();
    CHECK(rows.f32 == f32);
    CHECK(rows.labels == labels);
  }

  TEST_CASE("every golden config gives PyTorch's logits, metrics and average_bitwidth") {
    const model net = mixprec::testing::golden_toynet();
    const auto rows = mixprec::testing::toy_tiny_rows(1, 512);
    const auto golden = golden_eval();
    const auto logits_npy = io::read_npy(golden_dir() / "quantized_eval_logits.npy", io::npy_dtype::f4, {30, 512, 2});
    const auto all_logits = logits_npy.as<float>();
    basic_evaluation eval({rows.f32, rows.labels, 4}, {.num_samples = 512, .batch_size = 512});
    forward_workspace ws;
    const auto& entries = golden["entries"];
    REQUIRE(entries.size() == 30);
    int exact_entries = 0;
    for (std::size_t e = 0; e < entries.size(); ++e) {
      const auto& entry = entries[e];
      const auto& res = entry["results"];
      CAPTURE(entry["id"].get<std::string>());
      const auto q = quantize(net, entry["config_as_given"]);
      const matrix logits = q.forward(matrix_view(rows.f32.data(), 512, 4), ws);
      const bool exact = res["float32_forward_exact"].get<bool>();
      exact_entries += exact;
      std::size_t mismatched = 0;
      for (std::size_t k = 0; k < 1024; ++k) {
        const float want = all_logits[e * 1024 + k];
        const float got = logits.data()[k];
        if (exact) mismatched += std::bit_cast<std::uint32_t>(want) != std::bit_cast<std::uint32_t>(got);
        else mismatched += std::fabs(got - want) > 1e-5f * std::max(1.0f, std::fabs(want));
      }
      CHECK(mismatched == 0);
      const auto r = eval.evaluate(q);
      CHECK(r.correct == res["correct"].get<std::size_t>());
      CHECK(r.accuracy_macro == doctest::Approx(res["accuracy_macro"].get<double>()).epsilon(1e-12));
      CHECK(r.accuracy_micro == doctest::Approx(res["accuracy_micro"].get<double>()).epsilon(1e-12));
      CHECK(r.loss == doctest::Approx(res["loss_f64"].get<double>()).epsilon(1e-6));
      CHECK(r.tp == res["tp"].get<std::vector<std::size_t>>());
      CHECK(r.fp == res["fp"].get<std::vector<std::size_t>>());
      CHECK(r.fn == res["fn"].get<std::vector<std::size_t>>());
      CHECK(average_bitwidth(q) == res["average_bitwidth"].get<double>());
      // The resolved per-node configs are MASE's.
      for (const auto& [name, nc] : entry["node_configs"].items()) {
        const auto i = net.find(name);
        REQUIRE(i);
        const auto& c = q.config()[*i];
        REQUIRE(c);
        CHECK(c->bypass == nc["bypass"].get<bool>());
        CHECK(c->data_in->width() == nc["data_in_width"].get<int>());
        CHECK(c->data_in->get<integer_format>().frac_width == nc["data_in_frac_width"].get<int>());
        if (c->weight) CHECK(c->weight->get<integer_format>().frac_width == nc["weight_frac_width"].get<int>());
      }
    }
    CHECK(exact_entries == 27);
  }

  TEST_CASE("the trial with 26 argmax ties sends them to class 0") {
    const model net = mixprec::testing::golden_toynet();
    const auto rows = mixprec::testing::toy_tiny_rows(1, 512);
    const auto golden = golden_eval();
    for (const auto& entry : golden["entries"]) {
      if (entry["id"] != "tpe_seed0_trial18") continue;
      REQUIRE(entry["results"]["num_argmax_ties"] == 26);
      const auto q = quantize(net, entry["config_as_given"]);
      const matrix logits = q.forward(matrix(Eigen::Map<const matrix>(rows.f32.data(), 512, 4)));
      int ties = 0;
      for (Eigen::Index r = 0; r < 512; ++r) ties += logits(r, 0) == logits(r, 1);
      CHECK(ties == 26);
      basic_evaluation eval({rows.f32, rows.labels, 4});
      CHECK(eval.evaluate(q).correct == entry["results"]["correct"].get<std::size_t>());
    }
  }

  TEST_CASE("batching does not change the metrics, and each evaluation starts afresh") {
    const model net = mixprec::testing::golden_toynet();
    const auto rows = mixprec::testing::toy_tiny_rows(1, 512);
    const auto golden = golden_eval();
    const auto& entry = golden["entries"][3];
    const auto q = quantize(net, entry["config_as_given"]);
    basic_evaluation whole({rows.f32, rows.labels, 4}, {.num_samples = 512, .batch_size = 512});
    basic_evaluation batched({rows.f32, rows.labels, 4}, {.num_samples = 512, .batch_size = 100});
    const auto a = whole.evaluate(q);
    const auto b = batched.evaluate(q);
    const auto b2 = batched.evaluate(q);
    CHECK(a.correct == b.correct);
    CHECK(b.correct == b2.correct);
    CHECK(b.loss == doctest::Approx(a.loss).epsilon(1e-12));
    CHECK(b2.loss == b.loss);
    CHECK(b.num_samples == 512);
    const auto m = batched(q);
    CHECK(m.at("accuracy") == b.accuracy_macro);
    CHECK(m.at("accuracy_micro") == b.accuracy_micro);
    CHECK(m.at("loss") == b.loss);
  }

  TEST_CASE("rebuild re-quantizes in place and matches a fresh pass") {
    const model net = mixprec::testing::golden_toynet();
    const auto rows = mixprec::testing::toy_tiny_rows(1, 512);
    const auto golden = golden_eval();
    auto q = quantize(net, golden["entries"][0]["config_as_given"]);
    const float* storage = q.weight(2).data();
    requantize(q, golden["entries"][5]["config_as_given"]);
    CHECK(q.weight(2).data() == storage);
    const auto fresh = quantize(net, golden["entries"][5]["config_as_given"]);
    const matrix x = Eigen::Map<const matrix>(rows.f32.data(), 512, 4);
    CHECK(q.forward(x) == fresh.forward(x));
    // The float model is untouched.
    CHECK(net[2].weight != q.weight(2));
  }
}
