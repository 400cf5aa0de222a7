#include <doctest/doctest.h>

#include <mixprec/io/npy.hpp>

#include <cstdint>
#include <fstream>
#include <vector>

#include "../test_data.hpp"

using namespace mixprec;
namespace fs = std::filesystem;

TEST_SUITE("io/npy") {
  TEST_CASE("reads a golden float32 weight with its PyTorch shape") {
    auto a = io::read_npy(testing::golden_dir() / "toynet" / "seq_blocks_0.weight.npy");
    CHECK(a.dtype == io::npy_dtype::f4);
    CHECK(a.shape == std::vector<std::size_t>{100, 4});
    CHECK(a.as<float>().size() == 400);
  }

  TEST_CASE("round-trips float, double and int64 arrays") {
    const fs::path dir = testing::binary_dir();
    std::vector<float> f{1.5f, -0.0f, 3.25f, 7.f, 8.f, 9.f};
    io::write_npy(dir / "rt_f.npy", f.data(), {2, 3});
    auto a = io::read_npy(dir / "rt_f.npy", io::npy_dtype::f4, {2, 3});
    CHECK(a.as<float>() == f);
    std::vector<std::int64_t> l{1, -2, 3};
    io::write_npy(dir / "rt_l.npy", l.data(), {3});
    CHECK(io::read_npy(dir / "rt_l.npy").as<std::int64_t>() == l);
  }

  TEST_CASE("names the path, found and expected dtype or shape") {
    const fs::path p = testing::golden_dir() / "toynet" / "seq_blocks_0.weight.npy";
    CHECK_THROWS_WITH_AS(io::read_npy(p, io::npy_dtype::f8), doctest::Contains("dtype <f4, expected <f8"),
                         io_error);
    CHECK_THROWS_WITH_AS(io::read_npy(p, io::npy_dtype::f4, {4, 100}),
                         doctest::Contains("shape (100, 4), expected (4, 100)"), io_error);
  }

  TEST_CASE("rejects missing, corrupt and truncated files") {
    const fs::path dir = testing::binary_dir();
    CHECK_THROWS_WITH_AS(io::read_npy(dir / "no_such_file.npy"), doctest::Contains("cannot open"), io_error);
    { std::ofstream(dir / "bad.npy") << "hello world, not numpy"; }
    CHECK_THROWS_WITH_AS(io::read_npy(dir / "bad.npy"), doctest::Contains("bad magic"), io_error);
    std::vector<float> f(100, 1.f);
    io::write_npy(dir / "trunc.npy", f.data(), {100});
    fs::resize_file(dir / "trunc.npy", fs::file_size(dir / "trunc.npy") - 8);
    CHECK_THROWS_WITH_AS(io::read_npy(dir / "trunc.npy"), doctest::Contains("truncated"), io_error);
  }
}
