// Search spaces: ordered lists of named choice dimensions, known at compile time (values as
// template arguments) or at run time (ints, doubles or strings), decoding one index per dimension
// into values, and sizes that never overflow (exact when they fit in 64 bits, else log10).
#pragma once
#include <array>
#include <charconv>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <mixprec/error.hpp>
#include <mixprec/search/trial.hpp>

namespace mixprec {

/// A space: named dimensions, and a decoder from one index per dimension to a configuration.
template <class S>
concept SearchSpace = requires(const S& s, std::span<const std::size_t> indexes) {
  typename S::config_type;
  { s.dimensions() } -> std::convertible_to<std::span<const dimension>>;
  { s.decode(indexes) } -> std::same_as<typename S::config_type>;
};

/// The number of points of a space, without overflow: `exact` when the product fits in 64 bits,
/// `count` as a double (infinite beyond ~1e308), `log10` finite for any non-empty space.
struct space_size {
  std::optional<std::uint64_t> exact;
  double count = 1;
  double log10 = 0;
};

/// The size of the Cartesian product of `dims` (1 for no dimension, 0 if any has no choice).
inline space_size size_of(std::span<const dimension> dims) {
  space_size s{std::uint64_t{1}, 1.0, 0.0};
  for (const auto& d : dims) {
    if (d.n_choices == 0) return {std::uint64_t{0}, 0.0, -std::numeric_limits<double>::infinity()};
    const auto n = static_cast<std::uint64_t>(d.n_choices);
    if (s.exact && *s.exact > std::numeric_limits<std::uint64_t>::max() / n) s.exact.reset();
    if (s.exact) *s.exact *= n;
    s.count *= static_cast<double>(n);
    s.log10 += std::log10(static_cast<double>(n));
  }
  return s;
}

namespace detail {
inline void check_dimensions(std::span<const dimension> dims, std::string_view who) {
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (dims[i].n_choices == 0)
      throw config_error(std::string(who) + ": dimension \"" + dims[i].name +
                         "\" has an empty choice list: expected at least one choice");
    for (std::size_t j = 0; j < i; ++j)
      if (dims[j].name == dims[i].name)
        throw config_error(std::string(who) + ": dimension \"" + dims[i].name +
                           "\" appears twice: names must be unique");
  }
}

inline void check_indexes(std::span<const dimension> dims, std::span<const std::size_t> indexes,
                          std::string_view who) {
  if (indexes.size() != dims.size())
    throw shape_error(std::string(who) + ": " + std::to_string(indexes.size()) +
                      " indexes for " + std::to_string(dims.size()) + " dimensions");
  for (std::size_t i = 0; i < dims.size(); ++i)
    if (indexes[i] >= dims[i].n_choices)
      throw config_error(std::string(who) + ": index of \"" + dims[i].name + "\" = " +
                         std::to_string(indexes[i]) + ": must be < " +
                         std::to_string(dims[i].n_choices));
}
}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Compile time

/// A choice dimension whose values are template arguments (all of one type), so its size is a
/// constant: `fixed_choice<2, 4, 8>{"weight_width"}`. The name is given at run time.
template <auto First, auto... Rest>
struct fixed_choice {
  static_assert((std::is_same_v<decltype(First), decltype(Rest)> && ...),
                "fixed_choice: every value must have the same type");
  using value_type = decltype(First);
  static constexpr std::size_t size = 1 + sizeof...(Rest);
  static constexpr std::array<value_type, size> values{First, Rest...};
  std::string_view name;
};

/// A space of compile-time choices: `fixed_space<fixed_choice<2, 4, 8>, fixed_choice<4, 8>>
/// {{"weight_width"}, {"data_in_width"}}`. Decodes to a tuple of the dimensions' value types.
template <class... Choices>
class fixed_space {
 public:
  using config_type = std::tuple<typename Choices::value_type...>;
  static constexpr std::size_t n_dimensions = sizeof...(Choices);
  /// The exact number of points, or nullopt if it does not fit in 64 bits.
  static constexpr std::optional<std::uint64_t> exact_size = [] {
    std::optional<std::uint64_t> n = std::uint64_t{1};
    for (std::uint64_t s : {std::uint64_t{Choices::size}...}) {
      if (n && *n > std::numeric_limits<std::uint64_t>::max() / s) n.reset();
      if (n) *n *= s;
    }
    return n;
  }();

  explicit fixed_space(Choices... choices) : dims_{dimension{std::string(choices.name), Choices::size}...} {
    detail::check_dimensions(dims_, "fixed_space");
  }

  /// The dimensions, in declaration order.
  const std::vector<dimension>& dimensions() const { return dims_; }

  /// The values chosen by `indexes` (one per dimension, each in range).
  config_type decode(std::span<const std::size_t> indexes) const {
    detail::check_indexes(dims_, indexes, "fixed_space::decode");
    return decode_impl(indexes, std::index_sequence_for<Choices...>{});
  }

  space_size size() const { return size_of(dims_); }

 private:
  template <std::size_t... I>
  static config_type decode_impl(std::span<const std::size_t> indexes, std::index_sequence<I...>) {
    return config_type{Choices::values[indexes[I]]...};
  }
  std::vector<dimension> dims_;
};

// ---------------------------------------------------------------------------------------------
// Run time

/// One choice: an integer, a double or a string.
using choice_value = std::variant<std::int64_t, double, std::string>;

/// A readable form of a choice: 8, 0.5, "integer".
inline std::string to_string(const choice_value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* s = std::get_if<std::string>(&v)) return "\"" + *s + "\"";
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, std::get<double>(v));
  return std::string(buf, r.ptr);
}

/// A named list of choices known at run time.
struct choice_dimension {
  std::string name;
  std::vector<choice_value> values;
};

/// An ordered list of named run-time choice dimensions; decodes to one value per dimension.
class search_space {
 public:
  using config_type = std::vector<choice_value>;

  search_space() = default;
  /// Throws config_error on an empty choice list or a repeated name.
  explicit search_space(std::vector<choice_dimension> choices) {
    for (auto& c : choices) add(std::move(c.name), std::move(c.values));
  }

  /// Appends a dimension; same checks as the constructor.
  search_space& add(std::string name, std::vector<choice_value> values) {
    if (values.empty())
      throw config_error("search_space: dimension \"" + name +
                         "\" has an empty choice list: expected at least one choice");
    for (const auto& d : dims_)
      if (d.name == name)
        throw config_error("search_space: dimension \"" + name + "\" appears twice: names must be unique");
    dims_.push_back({name, values.size()});
    choices_.push_back({std::move(name), std::move(values)});
    return *this;
  }

  /// The dimensions (name, number of choices), in insertion order.
  const std::vector<dimension>& dimensions() const { return dims_; }
  /// The dimensions with their values.
  const std::vector<choice_dimension>& choices() const { return choices_; }

  /// The values chosen by `indexes`: shape_error for a wrong count, config_error out of range.
  config_type decode(std::span<const std::size_t> indexes) const {
    detail::check_indexes(dims_, indexes, "search_space::decode");
    config_type out;
    out.reserve(indexes.size());
    for (std::size_t i = 0; i < indexes.size(); ++i) out.push_back(choices_[i].values[indexes[i]]);
    return out;
  }

  /// The position of the dimension called `name`; config_error if there is none.
  std::size_t index_of(std::string_view name) const {
    for (std::size_t i = 0; i < dims_.size(); ++i)
      if (dims_[i].name == name) return i;
    throw config_error("search_space: no dimension called \"" + std::string(name) + "\"");
  }

  space_size size() const { return size_of(dims_); }

 private:
  std::vector<dimension> dims_;
  std::vector<choice_dimension> choices_;
};

static_assert(SearchSpace<search_space>);
static_assert(SearchSpace<fixed_space<fixed_choice<2, 4, 8>>>);

}  // namespace mixprec
