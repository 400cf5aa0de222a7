// TPE's division of the history into a good ("below") and a bad ("above") set, as Optuna 3.1
// does it: a stable loss ranking for one objective; for several, non-dominated sorting, whole
// fronts, then greedy hypervolume subset selection on the next front, plus MOTPE's weights.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <span>
#include <vector>

#include <mixprec/search/hypervolume.hpp>

namespace mixprec::detail {

inline constexpr double tpe_eps = 1e-12;

/// Row-major loss vectors: point i is [i * m, (i + 1) * m).
struct loss_rows {
  std::size_t m = 0;
  std::vector<double> data;
  std::size_t size() const { return m == 0 ? 0 : data.size() / m; }
  const double* row(std::size_t i) const { return data.data() + i * m; }
};

/// Optuna's TPE reference point: max(1.1 w, 0.9 w) of the worst point w, zeros replaced by 1e-12.
inline std::vector<double> tpe_reference_point(const loss_rows& pts,
                                               std::span<const std::size_t> which) {
  std::vector<double> r(pts.m, -std::numeric_limits<double>::infinity());
  for (std::size_t i : which)
    for (std::size_t k = 0; k < pts.m; ++k) r[k] = std::max(r[k], pts.row(i)[k]);
  for (double& x : r) {
    x = std::max(1.1 * x, 0.9 * x);
    if (x == 0) x = tpe_eps;
  }
  return r;
}

/// 2-D hypervolume of points already sorted by (f0 ascending, f1 descending), optionally with
/// one extra point merged at its place and one point skipped; Optuna's sweep and summation order.
inline double hv2d_sorted(std::span<const double> xs, std::span<const double> ys, double r0,
                          double r1, const double* extra = nullptr,
                          std::size_t skip = static_cast<std::size_t>(-1)) {
  double ceiling = r1, volume = 0;
  bool extra_done = extra == nullptr;
  const auto add = [&](double x, double y) {
    if (r1 < y || ceiling < y) return;  // Optuna skips points above the running ceiling
    volume += std::fabs((r0 - x) * (ceiling - y));
    ceiling = y;
  };
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (!extra_done && (extra[0] < xs[i] || (extra[0] == xs[i] && extra[1] >= ys[i]))) {
      add(extra[0], extra[1]);
      extra_done = true;
    }
    if (i != skip) add(xs[i], ys[i]);
  }
  if (!extra_done) add(extra[0], extra[1]);
  return volume;
}

/// |prod(p - r)|, Optuna's box volume.
inline double box_volume(const double* p, const double* r, std::size_t m) {
  double v = 1;
  for (std::size_t k = 0; k < m; ++k) v *= p[k] - r[k];
  return std::fabs(v);
}

/// Hypervolume of the rows of `s` against `r` for three or more objectives (exact, WFG).
inline double hv_rows(const loss_rows& s, std::span<const double> r) {
  std::vector<std::vector<double>> pts(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) pts[i].assign(s.row(i), s.row(i) + s.m);
  return hypervolume(pts, r);
}

/// Non-domination ranks (0 = Pareto front) under weak dominance; equal points share a rank.
inline std::vector<std::size_t> nondomination_ranks(const loss_rows& l) {
  const std::size_t n = l.size(), m = l.m;
  std::vector<std::size_t> rank(n, 0);
  if (n == 0) return rank;
  if (m == 2) {
    // Sweep in (f0, f1) order: every dominator of a point comes before it, and the latest
    // member of each front has that front's smallest f1, so one comparison per front decides.
    std::vector<std::size_t> o(n);
    std::iota(o.begin(), o.end(), std::size_t{0});
    std::sort(o.begin(), o.end(), [&](std::size_t a, std::size_t b) {
      const double *pa = l.row(a), *pb = l.row(b);
      return pa[0] != pb[0] ? pa[0] < pb[0] : (pa[1] != pb[1] ? pa[1] < pb[1] : a < b);
    });
    std::vector<std::size_t> last;  // per front, its latest member
    for (std::size_t i : o) {
      const double* p = l.row(i);
      const auto dominated_by = [&](std::size_t f) {
        const double* q = l.row(last[f]);
        return q[1] < p[1] || (q[1] == p[1] && q[0] < p[0]);
      };
      std::size_t lo = 0, hi = last.size();  // first front that does not dominate p
      while (lo < hi) {
        const std::size_t mid = (lo + hi) / 2;
        if (dominated_by(mid)) lo = mid + 1;
        else hi = mid;
      }
      if (lo == last.size()) last.push_back(i);
      else last[lo] = i;
      rank[i] = lo;
    }
    return rank;
  }
  // Any dimension: Deb's counting non-dominated sort (the same ranks as peeling).
  std::vector<std::vector<std::size_t>> dominated(n);
  std::vector<std::size_t> count(n, 0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      bool i_le = true, j_le = true, i_lt = false, j_lt = false;
      for (std::size_t k = 0; k < m; ++k) {
        const double a = l.row(i)[k], b = l.row(j)[k];
        i_le = i_le && a <= b;
        j_le = j_le && b <= a;
        i_lt = i_lt || a < b;
        j_lt = j_lt || b < a;
      }
      if (i_le && i_lt) dominated[i].push_back(j), ++count[j];
      else if (j_le && j_lt) dominated[j].push_back(i), ++count[i];
    }
  std::vector<std::size_t> current;
  for (std::size_t i = 0; i < n; ++i)
    if (count[i] == 0) current.push_back(i);
  for (std::size_t r = 0; !current.empty(); ++r) {
    std::vector<std::size_t> next;
    for (std::size_t i : current) {
      rank[i] = r;
      for (std::size_t j : dominated[i])
        if (--count[j] == 0) next.push_back(j);
    }
    current.swap(next);
  }
  return rank;
}

/// Optuna 3.1's greedy hypervolume subset selection: `k` members of `front` (indexes into `l`,
/// ascending), in pick order.
inline std::vector<std::size_t> greedy_hssp(const loss_rows& l, std::span<const std::size_t> front,
                                            std::size_t k, std::span<const double> ref) {
  const std::size_t f = front.size(), m = l.m;
  std::vector<double> contrib(f);
  for (std::size_t j = 0; j < f; ++j) contrib[j] = box_volume(ref.data(), l.row(front[j]), m);
  std::vector<std::size_t> picked;
  double hv_selected = 0;
  // 2-D: the selected set is kept sorted for the sweep; otherwise WFG on explicit sets.
  std::vector<double> xs, ys;
  loss_rows sel{m, {}}, trial{m, {}};
  std::vector<double> p(m);
  while (picked.size() < k) {
    const auto best = static_cast<std::size_t>(
        std::max_element(contrib.begin(), contrib.end()) - contrib.begin());
    contrib[best] = -1;  // Optuna's "selected" mark
    const double* s = l.row(front[best]);
    for (std::size_t j = 0; j < f; ++j) {
      if (contrib[j] == -1) continue;
      const double* v = l.row(front[j]);
      for (std::size_t q = 0; q < m; ++q) p[q] = std::max(s[q], v[q]);
      double hv;
      if (m == 2) {
        hv = hv2d_sorted(xs, ys, ref[0], ref[1], p.data());
      } else {
        trial.data = sel.data;
        trial.data.insert(trial.data.end(), p.begin(), p.end());
        hv = hv_rows(trial, ref);
      }
      contrib[j] -= hv - hv_selected;
    }
    if (m == 2) {
      std::size_t at = 0;
      while (at < xs.size() && (xs[at] < s[0] || (xs[at] == s[0] && ys[at] >= s[1]))) ++at;
      xs.insert(xs.begin() + static_cast<std::ptrdiff_t>(at), s[0]);
      ys.insert(ys.begin() + static_cast<std::ptrdiff_t>(at), s[1]);
      hv_selected = hv2d_sorted(xs, ys, ref[0], ref[1]);
    } else {
      sel.data.insert(sel.data.end(), s, s + m);
      hv_selected = hv_rows(sel, ref);
    }
    picked.push_back(front[best]);
  }
  return picked;
}

/// Optuna 3.1's multi-objective split of `l` (complete trials in number order) into below
/// (fronts in rank order, each ascending, then HSSP picks in pick order) and above (ascending).
inline void split_multi(const loss_rows& l, std::size_t n_below, std::vector<std::size_t>& below,
                        std::vector<std::size_t>& above) {
  const std::size_t n = l.size();
  below.clear();
  above.clear();
  const auto rank = nondomination_ranks(l);
  std::size_t n_fronts = 0;
  for (std::size_t r : rank) n_fronts = std::max(n_fronts, r + 1);
  std::vector<std::size_t> front_size(n_fronts, 0);
  for (std::size_t r : rank) ++front_size[r];
  std::size_t r = 0;
  while (below.size() < n_below && below.size() + front_size[r] <= n_below) {
    for (std::size_t i = 0; i < n; ++i)
      if (rank[i] == r) below.push_back(i);
    ++r;
  }
  if (below.size() < n_below) {
    std::vector<std::size_t> front;
    for (std::size_t i = 0; i < n; ++i)
      if (rank[i] == r) front.push_back(i);
    const auto ref = tpe_reference_point(l, front);
    const auto picks = greedy_hssp(l, front, n_below - below.size(), ref);
    below.insert(below.end(), picks.begin(), picks.end());
  }
  std::vector<char> is_below(n, 0);
  for (std::size_t i : below) is_below[i] = 1;
  for (std::size_t i = 0; i < n; ++i)
    if (!is_below[i]) above.push_back(i);
}

/// MOTPE weights of the below set (Optuna 3.1): 1 for a single point; otherwise each point's
/// exclusive hypervolume contribution plus 1e-12, divided by the largest, clipped to [0, 1].
inline std::vector<double> motpe_weights(const loss_rows& l, std::span<const std::size_t> below) {
  const std::size_t b = below.size(), m = l.m;
  if (b == 0) return {};
  if (b == 1) return {1.0};
  const auto ref = tpe_reference_point(l, below);
  std::vector<double> c(b);
  if (m == 2) {
    std::vector<std::size_t> o(b);
    std::iota(o.begin(), o.end(), std::size_t{0});
    std::stable_sort(o.begin(), o.end(), [&](std::size_t x, std::size_t y) {
      const double *px = l.row(below[x]), *py = l.row(below[y]);
      return px[0] != py[0] ? px[0] < py[0] : px[1] > py[1];
    });
    std::vector<double> xs(b), ys(b);
    for (std::size_t i = 0; i < b; ++i) xs[i] = l.row(below[o[i]])[0], ys[i] = l.row(below[o[i]])[1];
    const double hv = hv2d_sorted(xs, ys, ref[0], ref[1]);
    for (std::size_t i = 0; i < b; ++i) c[o[i]] = hv - hv2d_sorted(xs, ys, ref[0], ref[1], nullptr, i);
  } else {
    loss_rows all{m, {}};
    for (std::size_t i : below) all.data.insert(all.data.end(), l.row(i), l.row(i) + m);
    const double hv = hv_rows(all, ref);
    for (std::size_t i = 0; i < b; ++i) {
      loss_rows rest{m, {}};
      for (std::size_t j = 0; j < b; ++j)
        if (j != i) rest.data.insert(rest.data.end(), l.row(below[j]), l.row(below[j]) + m);
      c[i] = hv - hv_rows(rest, ref);
    }
  }
  double mx = -std::numeric_limits<double>::infinity();
  for (double& x : c) mx = std::max(mx, x += tpe_eps);
  for (double& x : c) x = std::clamp(x / mx, 0.0, 1.0);
  return c;
}

}  // namespace mixprec::detail
