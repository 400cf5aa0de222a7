// Built with -O3 -march=native (tests/extra.cmake): the integer kernels must give MASE's bits
// whatever instructions the compiler picks (vector rounding, FMA, AVX-512), exactly as at -O2.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <mixprec/numbers/fixed.hpp>
#include <mixprec/numbers/integer.hpp>

#include "../numbers/golden_cases.hpp"

namespace {

using mixprec::testing::count_bit_mismatches;
using mixprec::testing::golden_array;

template <int W, int F, bool S>
std::size_t fixed_mismatches(const nlohmann::json& c) {
  const auto input = golden_array(c["input"].get<std::string>()).as<float>();
  const auto expected = golden_array(c["output"].get<std::string>()).as<float>();
  std::vector<float> out(input.size());
  mixprec::quantize_fixed<W, F, S>(input, out);
  return count_bit_mismatches(out, expected, input, c["id"]);
}

}  // namespace

TEST_SUITE("native/integer") {

TEST_CASE("the integer span kernel matches every golden case at -O3 -march=native") {
#if defined(__AVX512F__)
  MESSAGE("built with AVX-512F");
#elif defined(__AVX2__)
  MESSAGE("built with AVX2");
#endif
  std::size_t ran = 0, bad_cases = 0;
  for (const auto& c : mixprec::testing::golden_cases("integer")) {
    const auto& p = c["params"];
    const int width = p["width"].get<int>();
    const bool is_signed = p["is_signed"].get<bool>();
    const auto f = p["frac_width"].is_null() ? mixprec::integer_format::with_default_frac(width, is_signed)
                                             : mixprec::integer_format(width, p["frac_width"].get<int>(), is_signed);
    const auto input = golden_array(c["input"].get<std::string>()).as<float>();
    const auto expected = golden_array(c["output"].get<std::string>()).as<float>();
    std::vector<float> out(input.size());
    f.quantize(input, out);
    if (count_bit_mismatches(out, expected, input, c["id"]) != 0) ++bad_cases;
    ++ran;
  }
  CHECK(ran == 130);
  CHECK(bad_cases == 0);
}

TEST_CASE("quantize_fixed matches the golden cases at -O3 -march=native") {
  std::size_t checked = 0;
  for (const auto& c : mixprec::testing::golden_cases("integer")) {
    const auto& p = c["params"];
    if (p["frac_width"].is_null()) continue;
    const int w = p["width"].get<int>(), f = p["frac_width"].get<int>();
    const bool s = p["is_signed"].get<bool>();
    std::size_t bad = 0;
    if (w == 8 && f == 3 && s) bad = fixed_mismatches<8, 3, true>(c);
    else if (w == 4 && f == -2 && s) bad = fixed_mismatches<4, -2, true>(c);
    else if (w == 16 && f == 15 && s) bad = fixed_mismatches<16, 15, true>(c);
    else if (w == 1 && f == 0 && s) bad = fixed_mismatches<1, 0, true>(c);
    else if (w == 8 && f == 7 && !s) bad = fixed_mismatches<8, 7, false>(c);
    else if (w == 2 && f == 9 && !s) bad = fixed_mismatches<2, 9, false>(c);
    else continue;
    CHECK_MESSAGE(bad == 0, c["id"]);
    ++checked;
  }
  CHECK(checked == 6);
}

}  // TEST_SUITE
