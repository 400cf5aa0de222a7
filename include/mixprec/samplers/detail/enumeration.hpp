// Helpers for samplers that enumerate every point of a space (grid, brute force): the size
// check with its error message, and mixed-radix point ids.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>

#include <mixprec/error.hpp>
#include <mixprec/search/space.hpp>
#include <mixprec/search/trial.hpp>

namespace mixprec::detail {

/// The number of points of `dims`; config_error naming the size when it exceeds `max_points`
/// (`field` names the parameter, e.g. "grid_params.max_points").
inline std::uint64_t enumerable_size(std::span<const dimension> dims, std::uint64_t max_points,
                                     std::string_view sampler, std::string_view field) {
  const space_size s = size_of(dims);
  if (s.exact && *s.exact <= max_points) return *s.exact;
  const std::string size = s.exact ? fmt::format("{} points (10^{:.2f})", *s.exact, s.log10)
                                   : fmt::format("about 10^{:.2f} points", s.log10);
  throw config_error(fmt::format(
      "{} sampler: the search space has {}, more than {} = {}: too large to enumerate; use "
      "another sampler or raise {}",
      sampler, size, field, max_points, field));
}

/// True iff `params` has one in-range index per dimension (trials of another space do not).
inline bool fits(std::span<const dimension> dims, std::span<const std::size_t> params) {
  if (params.size() != dims.size()) return false;
  for (std::size_t i = 0; i < dims.size(); ++i)
    if (params[i] >= dims[i].n_choices) return false;
  return true;
}

inline bool is_finished(trial_state s) {
  return s == trial_state::complete || s == trial_state::fail || s == trial_state::pruned;
}

}  // namespace mixprec::detail
