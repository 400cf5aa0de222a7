#include <doctest/doctest.h>

#include <mixprec/io/npy.hpp>
#include <mixprec/random.hpp>

#include "../test_data.hpp"

using namespace mixprec;

TEST_SUITE("random") {
  TEST_CASE("random_sample reproduces NumPy RandomState(seed).rand for every ToyTiny split") {
    const char* splits[] = {"train", "validation", "test", "pred"};
    for (std::uint32_t seed = 0; seed < 4; ++seed) {
      auto golden = io::read_npy(testing::golden_dir() / "toy_tiny" /
                                 (std::string(splits[seed]) + "_first32_f64.npy"))
                        .as<double>();
      numpy_rng rng(seed);
      for (double g : golden) CHECK((rng.random_sample() - 0.5) * 2 == g);
    }
  }

  TEST_CASE("bounded(0) consumes no draw and bounded(n) stays in range") {
    numpy_rng a(7), b(7);
    CHECK(a.bounded(0) == 0);
    CHECK(a.next_u32() == b.next_u32());
    for (int i = 0; i < 1000; ++i) CHECK(a.bounded(5) <= 5);
  }
}
