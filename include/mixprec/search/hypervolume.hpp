// Exact hypervolume of a set of loss vectors (minimisation) against a reference point: a 2-D
// sort-and-sweep in O(n log n) and the WFG algorithm (While, Bradstreet, Barone 2012) for any
// number of objectives. Only points strictly better than the reference in every objective count.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include <mixprec/error.hpp>

namespace mixprec {

namespace detail {

/// Points stored row-major, `d` objectives per row.
struct hv_points {
  std::size_t d = 0;
  std::vector<double> data;
  std::size_t size() const { return d == 0 ? 0 : data.size() / d; }
  const double* row(std::size_t i) const { return data.data() + i * d; }
};

inline void check_reference(std::span<const std::vector<double>> points,
                            std::span<const double> reference, const char* who) {
  for (std::size_t k = 0; k < reference.size(); ++k)
    if (std::isnan(reference[k]))
      throw config_error(std::string(who) + ": reference[" + std::to_string(k) + "] = nan: must be a number");
  for (std::size_t i = 0; i < points.size(); ++i)
    if (points[i].size() != reference.size())
      throw shape_error(std::string(who) + ": point " + std::to_string(i) + " has " +
                        std::to_string(points[i].size()) + " objectives, the reference point " +
                        std::to_string(reference.size()));
}

/// Keeps the points strictly below `reference` in every objective (NaNs fail that test).
inline hv_points filter_below(std::span<const std::vector<double>> points,
                              std::span<const double> reference) {
  hv_points out{reference.size(), {}};
  for (const auto& p : points) {
    bool below = true;
    for (std::size_t k = 0; k < p.size(); ++k) below = below && p[k] < reference[k];
    if (below) out.data.insert(out.data.end(), p.begin(), p.end());
  }
  return out;
}

/// Weakly dominates: a <= b everywhere (duplicates weakly dominate each other).
inline bool weakly_dominates(const double* a, const double* b, std::size_t d) {
  for (std::size_t k = 0; k < d; ++k)
    if (a[k] > b[k]) return false;
  return true;
}

/// The non-dominated subset with duplicates removed, in input order.
inline hv_points non_dominated_unique(const hv_points& s) {
  const std::size_t n = s.size();
  std::vector<bool> keep(n, true);
  for (std::size_t i = 0; i < n; ++i) {
    if (!keep[i]) continue;
    for (std::size_t j = 0; j < n; ++j) {
      if (i == j || !keep[j]) continue;
      // j covers i: i is dominated by j, or a duplicate of an earlier kept j.
      if (weakly_dominates(s.row(j), s.row(i), s.d) &&
          (j < i || !weakly_dominates(s.row(i), s.row(j), s.d))) {
        keep[i] = false;
        break;
      }
    }
  }
  hv_points out{s.d, {}};
  for (std::size_t i = 0; i < n; ++i)
    if (keep[i]) out.data.insert(out.data.end(), s.row(i), s.row(i) + s.d);
  return out;
}

/// 2-D sweep on rows of objectives (k0, k1) of `s`; every point is below the reference.
inline double sweep_2d(const hv_points& s, std::size_t k0, std::size_t k1, double r0, double r1) {
  std::vector<std::size_t> order(s.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const double* pa = s.row(a);
    const double* pb = s.row(b);
    return pa[k0] != pb[k0] ? pa[k0] < pb[k0] : pa[k1] > pb[k1];
  });
  double ceiling = r1, volume = 0;
  for (std::size_t i : order) {
    const double* p = s.row(i);
    if (p[k1] >= ceiling) continue;
    volume += (r0 - p[k0]) * (ceiling - p[k1]);
    ceiling = p[k1];
  }
  return volume;
}

inline double box_volume(const double* p, std::span<const double> r) {
  double v = 1;
  for (std::size_t k = 0; k < r.size(); ++k) v *= r[k] - p[k];
  return v;
}

/// WFG on a set of points all strictly below `r` (any order, may hold dominated points).
inline double wfg(const hv_points& s, std::span<const double> r) {
  const std::size_t n = s.size();
  if (n == 0) return 0;
  if (n == 1) return box_volume(s.row(0), r);
  if (s.d == 2) return sweep_2d(s, 0, 1, r[0], r[1]);
  // Sorting by the first objective makes later suffixes (and their limited sets) small.
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return s.row(a)[0] < s.row(b)[0]; });
  double volume = 0;
  hv_points limited{s.d, {}};
  for (std::size_t i = 0; i < n; ++i) {
    const double* p = s.row(order[i]);
    limited.data.clear();
    for (std::size_t j = i + 1; j < n; ++j) {
      const double* t = s.row(order[j]);
      for (std::size_t k = 0; k < s.d; ++k) limited.data.push_back(std::max(t[k], p[k]));
    }
    volume += box_volume(p, r) - wfg(non_dominated_unique(limited), r);
  }
  return volume;
}

}  // namespace detail

/// Exact 2-D hypervolume of `points` (loss vectors of size 2) against `reference`: sort by the
/// first objective, sweep a ceiling down the second. Points not strictly below the reference in
/// both objectives contribute nothing. Sizes other than 2 are a shape_error.
inline double hypervolume_2d(std::span<const std::vector<double>> points,
                             std::span<const double> reference) {
  if (reference.size() != 2)
    throw shape_error("hypervolume_2d: reference point has " + std::to_string(reference.size()) +
                      " objectives: expected 2");
  detail::check_reference(points, reference, "hypervolume_2d");
  return detail::sweep_2d(detail::filter_below(points, reference), 0, 1, reference[0],
                          reference[1]);
}

/// Exact hypervolume for any number of objectives (>= 1): the 2-D sweep for two, WFG for more.
/// The set is deduplicated and reduced to its non-dominated points first.
inline double hypervolume(std::span<const std::vector<double>> points,
                          std::span<const double> reference) {
  if (reference.empty()) throw shape_error("hypervolume: reference point has 0 objectives");
  detail::check_reference(points, reference, "hypervolume");
  const auto below = detail::filter_below(points, reference);
  if (below.size() == 0) return 0;
  if (reference.size() == 1) {
    double best = reference[0];
    for (double v : below.data) best = std::min(best, v);
    return reference[0] - best;
  }
  if (reference.size() == 2) return detail::sweep_2d(below, 0, 1, reference[0], reference[1]);
  return detail::wfg(detail::non_dominated_unique(below), reference);
}

}  // namespace mixprec
