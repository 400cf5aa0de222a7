#include <doctest/doctest.h>

#include <mixprec/io/dataset_folder.hpp>
#include <mixprec/io/npy.hpp>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "../test_data.hpp"

using namespace mixprec;
namespace fs = std::filesystem;

namespace {
// Writes a version-1 .npy file with a raw header text (padded as NumPy does) and `payload` bytes.
fs::path raw_npy(const std::string& name, const std::string& header, std::size_t payload = 0) {
  const fs::path p = testing::binary_dir() / name;
  std::string h = header;
  h.append((64 - (10 + h.size() + 1) % 64) % 64, ' ');
  h.push_back('\n');
  std::ofstream out(p, std::ios::binary);
  out.write("\x93NUMPY\x01\x00", 8);
  const char len[2] = {static_cast<char>(h.size() & 0xff), static_cast<char>(h.size() >> 8)};
  out.write(len, 2);
  out << h << std::string(payload, '\0');
  return p;
}
std::string f4_header(const std::string& shape) { return "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }"; }
// The message of the io_error that read_npy(p) throws (empty if none).
std::string npy_error(const fs::path& p) {
  try {
    (void)io::read_npy(p);
  } catch (const io_error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

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

  TEST_CASE("a shape larger than the file is refused before allocating, naming the file and both sizes") {
    const fs::path p = raw_npy("claims_2p30.npy", f4_header("(1073741824,)"), 25);
    const std::string e = npy_error(p);
    CHECK(e.find(p.string() + ": npy payload is truncated (shape (1073741824,) of <f4 needs 4294967296 bytes, the file "
                              "has 25 after the header)") != std::string::npos);
    const fs::path q = raw_npy("claims_2p40.npy", f4_header("(1099511627776,)"));
    CHECK_THROWS_WITH_AS(io::read_npy(q), doctest::Contains((q.string() + ": npy payload is truncated").c_str()), io_error);
  }

  TEST_CASE("a huge, overflowing or malformed shape is an io_error naming the file and the shape") {
    auto check = [](const char* name, const std::string& shape, const std::string& msg) {
      const fs::path p = raw_npy(name, f4_header(shape));
      const std::string e = npy_error(p);
      CHECK_MESSAGE(e.find(p.string() + ": npy shape ") == 0, e);
      CHECK_MESSAGE(e.find(msg) != std::string::npos, e);
    };
    check("digits.npy", "(123456789012345678901234567890,)", "(dimension 123456789012345678901234567890 is too large)");
    check("product.npy", "(4294967296, 4294967296, 2)", "(the element count overflows)");
    check("bytes.npy", "(4611686018427387904,)", "(the byte count overflows)");
    check("spaced.npy", "(3 4,)", "(\"3 4\" is not a size)");
    check("negative.npy", "(-1,)", "(\"-1\" is not a size)");
    check("empty_dim.npy", "(, 3)", "(empty dimension)");
    check("not_tuple.npy", "[3]", "expected a tuple of integers");
  }

  TEST_CASE("scalars, trailing commas and zero extents still read") {
    std::vector<float> one{2.5f};
    CHECK(io::read_npy(raw_npy("scalar.npy", f4_header("()"), 4)).shape.empty());
    CHECK(io::read_npy(raw_npy("trail.npy", f4_header("(1, 1, )"), 4)).shape == std::vector<std::size_t>{1, 1});
    CHECK(io::read_npy(raw_npy("zero.npy", f4_header("(0, 1152921504606846976)"))).size() == 0);
  }

  TEST_CASE("a folder or a missing file says so") {
    const fs::path dir = testing::binary_dir() / "npy_is_a_folder.npy";
    fs::create_directories(dir);
    CHECK(npy_error(dir) == dir.string() + ": is a folder, expected an .npy file");
    const fs::path none = testing::binary_dir() / "npy_none.npy";
    CHECK(npy_error(none) == none.string() + ": cannot open file (it does not exist)");
  }

  TEST_CASE("truncated and corrupt headers name the file and what was found") {
    const fs::path dir = testing::binary_dir();
    auto write = [&](const char* name, const std::string& bytes) {
      std::ofstream(dir / name, std::ios::binary) << bytes;
      return dir / name;
    };
    auto has = [](const fs::path& p, const std::string& msg) {
      const std::string e = npy_error(p);
      CHECK_MESSAGE(e.find(p.string() + ": ") == 0, e);
      CHECK_MESSAGE(e.find(msg) != std::string::npos, e);
    };
    has(write("short.npy", std::string("\x93NUMPY\x01", 7)), "7 bytes, too short for an .npy file");
    has(write("magic.npy", "PK\x03\x04 zip file, not numpy"), "bad magic string \"PK\\x03\\x04 z\"");
    has(write("version.npy", std::string("\x93NUMPY\x07\x00\x10\x00", 10) + std::string(16, ' ')),
        "unsupported npy format version 7 (expected 1, 2 or 3)");
    has(write("hdr_len.npy", std::string("\x93NUMPY\x01\x00\x00\x10", 10) + "{'descr'"),
        "truncated npy header (header length 4096 runs past the end of the 18-byte file)");
    has(write("hdr_len2.npy", std::string("\x93NUMPY\x02\x00\xff\xff\xff\x7f", 12)),
        "npy header length 2147483647 is implausible");
    has(raw_npy("not_dict.npy", "'descr': '<f4'"), "npy header is not a dict");
    has(raw_npy("dtype.npy", "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", 4),
        "npy dtype '>f4' is not supported (expected <f4, <f8, <i4, <i8, |u1 or |b1)");
    has(raw_npy("object.npy", "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", 8), "npy dtype '|O' is not supported");
    has(raw_npy("fortran.npy", "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16),
        "npy fortran_order = True is not supported (expected C order)");
    has(raw_npy("fortran2.npy", "{'descr': '<f4', 'fortran_order': 1, 'shape': (2, 2), }", 16),
        "npy fortran_order = 1: expected False");
    has(raw_npy("no_shape.npy", "{'descr': '<f4', 'fortran_order': False}", 16), "npy header has no 'shape' field");
    has(raw_npy("open_shape.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2", 16),
        "npy header field 'shape' is malformed");
  }

  TEST_CASE("a data folder that is a file, or samples with a zero extent, are named") {
    const fs::path dir = testing::binary_dir() / "npy_data_split";
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::ofstream(dir / "plain_file") << "x";
    CHECK_THROWS_WITH_AS((void)io::load_split(dir / "plain_file", "validation"),
                         doctest::Contains("plain_file: is a file, expected a data folder"), io_error);
    const std::vector<std::int64_t> y{0, 1};
    io::write_npy(dir / "y_validation.npy", y.data(), {2});
    const float none = 0.f;
    io::write_npy(dir / "x_validation.npy", &none, {2, 4, 0});
    CHECK_THROWS_WITH_AS((void)io::load_split(dir, "validation"),
                         doctest::Contains("x_validation.npy: shape (2, 4, 0): sample extents must be >= 1"), io_error);
  }
}
