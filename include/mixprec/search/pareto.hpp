// Pareto dominance over loss vectors (minimisation), non-dominated sorting into ranked fronts,
// the first front alone (in O(n log n) for two objectives), and Optuna's best_trials: the
// non-dominated COMPLETE trials of a study, duplicates kept, sorted by trial number.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <mixprec/error.hpp>
#include <mixprec/search/trial.hpp>

namespace mixprec {

/// True iff loss vector `a` dominates `b`: a <= b in every objective and a != b (Optuna's
/// definition, so equal points never dominate each other). Sizes must match (shape_error).
inline bool dominates(std::span<const double> a, std::span<const double> b) {
  if (a.size() != b.size())
    throw shape_error("dominates: loss vectors of sizes " + std::to_string(a.size()) + " and " +
                      std::to_string(b.size()) + ": must be equal");
  bool strictly_better_somewhere = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] > b[i]) return false;
    if (a[i] < b[i]) strictly_better_somewhere = true;
  }
  return strictly_better_somewhere;
}

/// The loss vector of `values` under `directions` (maximised objectives negated).
inline std::vector<double> to_losses(std::span<const double> values,
                                     std::span<const direction> directions) {
  if (values.size() != directions.size())
    throw shape_error("to_losses: " + std::to_string(values.size()) + " values for " +
                      std::to_string(directions.size()) + " directions");
  std::vector<double> out(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) out[i] = to_loss(values[i], directions[i]);
  return out;
}

namespace detail {
inline void check_same_dimension(std::span<const std::vector<double>> points, const char* who) {
  for (std::size_t i = 1; i < points.size(); ++i)
    if (points[i].size() != points[0].size())
      throw shape_error(std::string(who) + ": point " + std::to_string(i) + " has " +
                        std::to_string(points[i].size()) + " objectives, point 0 has " +
                        std::to_string(points[0].size()));
}
}  // namespace detail

/// Non-dominated sorting: the fronts of `points` (loss vectors), best first, each front's
/// indexes in ascending order. Fronts are peeled one by one; duplicates share a front.
/// With `min_count` < points.size(), peeling stops as soon as the fronts found hold at least
/// `min_count` points (what TPE's good/bad split needs); the rest is left out.
inline std::vector<std::vector<std::size_t>> non_dominated_fronts(
    std::span<const std::vector<double>> points,
    std::size_t min_count = std::numeric_limits<std::size_t>::max()) {
  detail::check_same_dimension(points, "non_dominated_fronts");
  const std::size_t n = points.size();
  // Domination counts and dominated lists (Deb's fast non-dominated sort): O(M n^2).
  std::vector<std::size_t> count(n, 0);
  std::vector<std::vector<std::size_t>> dominated(n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      if (dominates(points[i], points[j])) {
        dominated[i].push_back(j);
        ++count[j];
      } else if (dominates(points[j], points[i])) {
        dominated[j].push_back(i);
        ++count[i];
      }
    }
  std::vector<std::vector<std::size_t>> fronts;
  std::vector<std::size_t> current;
  for (std::size_t i = 0; i < n; ++i)
    if (count[i] == 0) current.push_back(i);
  std::size_t ranked = 0;
  while (!current.empty()) {
    ranked += current.size();
    std::vector<std::size_t> next;
    for (std::size_t i : current)
      for (std::size_t j : dominated[i])
        if (--count[j] == 0) next.push_back(j);
    std::sort(next.begin(), next.end());
    fronts.push_back(std::move(current));
    if (ranked >= min_count) break;
    current = std::move(next);
  }
  return fronts;
}

/// The rank of every point: 0 for the non-dominated front, 1 for the next, and so on.
inline std::vector<std::size_t> non_dominated_ranks(std::span<const std::vector<double>> points) {
  std::vector<std::size_t> rank(points.size(), 0);
  const auto fronts = non_dominated_fronts(points);
  for (std::size_t r = 0; r < fronts.size(); ++r)
    for (std::size_t i : fronts[r]) rank[i] = r;
  return rank;
}

namespace detail {

// Front 0 of two objectives in O(n log n): sort by (l0, l1), sweep groups of equal l0. A point is
// dominated iff an earlier group reached a l1 <= its l1, or its own group has a smaller l1.
inline std::vector<std::size_t> front_2d(std::span<const std::vector<double>> points) {
  std::vector<std::size_t> order(points.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return points[a][0] != points[b][0] ? points[a][0] < points[b][0] : points[a][1] < points[b][1];
  });
  std::vector<std::size_t> out;
  bool any_before = false;
  double best_before = 0;  // smallest l1 of the groups with a smaller l0
  for (std::size_t g = 0; g < order.size();) {
    std::size_t end = g;
    while (end < order.size() && points[order[end]][0] == points[order[g]][0]) ++end;
    const double group_min = points[order[g]][1];
    for (std::size_t k = g; k < end && points[order[k]][1] == group_min; ++k)
      if (!any_before || best_before > group_min) out.push_back(order[k]);
    best_before = any_before ? std::min(best_before, group_min) : group_min;
    any_before = true;
    g = end;
  }
  return out;
}

// Front 0 of any number of objectives in O(n) memory: in lexicographic order a dominating point
// always comes before the points it dominates (and dominance is transitive), so each point
// only needs checking against the front kept so far, which never loses a member.
inline std::vector<std::size_t> front_sorted_filter(std::span<const std::vector<double>> points) {
  std::vector<std::size_t> order(points.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return points[a] < points[b]; });
  std::vector<std::size_t> out;
  for (std::size_t i : order) {
    const bool dominated =
        std::any_of(out.begin(), out.end(), [&](std::size_t f) { return dominates(points[f], points[i]); });
    if (!dominated) out.push_back(i);
  }
  return out;
}

// NaN breaks the orderings above (it compares false both ways): check every pair instead,
// O(n^2) time but O(n) memory, with exactly the definition of dominates().
inline std::vector<std::size_t> front_pairwise(std::span<const std::vector<double>> points) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < points.size(); ++i) {
    bool dominated = false;
    for (std::size_t j = 0; j < points.size() && !dominated; ++j) dominated = dominates(points[j], points[i]);
    if (!dominated) out.push_back(i);
  }
  return out;
}

}  // namespace detail

/// The indexes of the non-dominated points, ascending (duplicates of a front point kept):
/// exactly the first front of non_dominated_fronts, without its O(n^2) memory. Two objectives
/// take O(n log n); more take O(n log n + n f) for a front of f points.
inline std::vector<std::size_t> pareto_front_indexes(std::span<const std::vector<double>> points) {
  detail::check_same_dimension(points, "pareto_front_indexes");
  if (points.empty()) return {};
  const bool has_nan = std::any_of(points.begin(), points.end(), [](const std::vector<double>& p) {
    return std::any_of(p.begin(), p.end(), [](double v) { return std::isnan(v); });
  });
  if (has_nan) return detail::front_pairwise(points);
  if (points[0].size() == 1) {  // every tie for the smallest loss
    double best = points[0][0];
    for (const auto& p : points) best = std::min(best, p[0]);
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < points.size(); ++i)
      if (points[i][0] == best) out.push_back(i);
    return out;
  }
  std::vector<std::size_t> out =
      points[0].size() == 2 ? detail::front_2d(points) : detail::front_sorted_filter(points);
  std::sort(out.begin(), out.end());
  return out;
}

/// Optuna's best_trials: the COMPLETE trials no other COMPLETE trial dominates (on losses under
/// `directions`), duplicates kept, sorted by trial number. With one objective: every trial that
/// ties for the best value. A complete trial with the wrong number of values is a shape_error.
inline std::vector<trial> best_trials(std::span<const trial> trials,
                                      std::span<const direction> directions) {
  std::vector<const trial*> complete;
  std::vector<std::vector<double>> losses;
  for (const trial& t : trials) {
    if (t.state != trial_state::complete) continue;
    if (t.values.size() != directions.size())
      throw shape_error("best_trials: trial " + std::to_string(t.number) + " has " +
                        std::to_string(t.values.size()) + " values for " +
                        std::to_string(directions.size()) + " directions");
    complete.push_back(&t);
    losses.push_back(to_losses(t.values, directions));
  }
  std::vector<trial> out;
  for (std::size_t i : pareto_front_indexes(losses)) out.push_back(*complete[i]);
  std::sort(out.begin(), out.end(),
            [](const trial& a, const trial& b) { return a.number < b.number; });
  return out;
}

}  // namespace mixprec
