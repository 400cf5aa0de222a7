#include <doctest/doctest.h>

#include <mixprec/search/space.hpp>

#include <cmath>
#include <string>
#include <vector>

using namespace mixprec;

TEST_SUITE("search/space") {
  TEST_CASE("a compile-time space has constant sizes and decodes to a tuple") {
    using width = fixed_choice<2, 4, 8>;
    using frac = fixed_choice<0.25, 0.5>;
    fixed_space<width, frac> s{{"weight_width"}, {"scale"}};
    static_assert(width::size == 3);
    static_assert(decltype(s)::n_dimensions == 2);
    static_assert(decltype(s)::exact_size == std::uint64_t{6});
    CHECK(s.dimensions() == std::vector<dimension>{{"weight_width", 3}, {"scale", 2}});
    const std::vector<std::size_t> idx{2, 1};
    CHECK(s.decode(idx) == std::tuple<int, double>{8, 0.5});
    CHECK(*s.size().exact == 6);
  }

  TEST_CASE("a compile-time space too large for 64 bits has no exact size") {
    using big = fixed_choice<0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15>;  // 2^4 each
    using s15 = fixed_space<big, big, big, big, big, big, big, big, big, big, big, big, big, big,
                            big>;
    static_assert(s15::exact_size == std::uint64_t{1} << 60);
    using s16 = fixed_space<big, big, big, big, big, big, big, big, big, big, big, big, big, big,
                            big, big>;
    static_assert(!s16::exact_size.has_value());  // 16^16 = 2^64 is one past the largest uint64
  }

  TEST_CASE("a run-time space decodes ints, doubles and strings") {
    search_space s;
    s.add("name", {std::string("integer")}).add("width", {std::int64_t{4}, std::int64_t{8}});
    s.add("scale", {0.5, 1.5, 2.5});
    CHECK(s.dimensions().size() == 3);
    CHECK(s.index_of("scale") == 2);
    const std::vector<std::size_t> idx{0, 1, 2};
    const auto v = s.decode(idx);
    CHECK(std::get<std::string>(v[0]) == "integer");
    CHECK(std::get<std::int64_t>(v[1]) == 8);
    CHECK(std::get<double>(v[2]) == 2.5);
    CHECK(to_string(v[0]) == "\"integer\"");
    CHECK(to_string(v[1]) == "8");
    CHECK(to_string(v[2]) == "2.5");
    CHECK(*s.size().exact == 6);
  }

  TEST_CASE("sizes never overflow: the tutorial space is exact, a larger one is log10 only") {
    std::vector<dimension> node{{"a", 1}, {"b", 2}, {"c", 7}, {"d", 3}, {"e", 7}, {"f", 3}, {"g", 7}};
    std::vector<dimension> dims;
    for (int i = 0; i < 5; ++i) dims.insert(dims.end(), node.begin(), node.end());
    auto s = size_of(dims);
    REQUIRE(s.exact.has_value());
    CHECK(*s.exact == 8970840307219974624ULL);  // 6174^5
    CHECK(s.log10 == doctest::Approx(5 * std::log10(6174.0)).epsilon(1e-12));
    dims.insert(dims.end(), node.begin(), node.end());  // 6174^6 ~ 5.6e22
    s = size_of(dims);
    CHECK_FALSE(s.exact.has_value());
    CHECK(s.count == doctest::Approx(std::pow(6174.0, 6)).epsilon(1e-12));
    CHECK(s.log10 == doctest::Approx(6 * std::log10(6174.0)).epsilon(1e-12));
    std::vector<dimension> huge(400, dimension{"x", 100});  // 10^800: count is infinite
    s = size_of(huge);
    CHECK(std::isinf(s.count));
    CHECK(s.log10 == doctest::Approx(800.0));
    CHECK(*size_of(std::vector<dimension>{}).exact == 1);
  }

  TEST_CASE("errors: empty choice list, repeated name, bad indexes, unknown name") {
    search_space s;
    CHECK_THROWS_WITH_AS(s.add("w", {}), doctest::Contains("\"w\" has an empty choice list"), config_error);
    s.add("w", {std::int64_t{2}});
    CHECK_THROWS_WITH_AS(s.add("w", {std::int64_t{4}}), doctest::Contains("appears twice"), config_error);
    const std::vector<std::size_t> wrong_count{0, 0}, out_of_range{1};
    CHECK_THROWS_AS(s.decode(wrong_count), shape_error);
    CHECK_THROWS_WITH_AS(s.decode(out_of_range), doctest::Contains("index of \"w\" = 1: must be < 1"),
                         config_error);
    CHECK_THROWS_AS(s.index_of("nope"), config_error);
    using c = fixed_choice<1, 2>;
    CHECK_THROWS_AS((fixed_space<c, c>{{"a"}, {"a"}}), config_error);
  }
}
