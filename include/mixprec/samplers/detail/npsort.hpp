// NumPy 1.24's default argsort for float64 (introsort: median-of-three quicksort, insertion sort
// on short segments, heapsort past the depth limit). It is not stable, and TPE's bandwidths
// depend on how it orders ties, so Optuna-exact Parzen estimators need this exact order.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace mixprec::detail {

/// NumPy's aheapsort on `n` indexes of `v` (the fallback once the quicksort depth runs out).
inline void np_aheapsort(const double* v, std::size_t* tosort, std::ptrdiff_t n) {
  std::size_t* a = tosort - 1;  // 1-based heap indexing, as NumPy does
  std::ptrdiff_t i, j, l;
  std::size_t tmp;
  for (l = n >> 1; l > 0; --l) {
    tmp = a[l];
    for (i = l, j = l << 1; j <= n;) {
      if (j < n && v[a[j]] < v[a[j + 1]]) j += 1;
      if (v[tmp] < v[a[j]]) {
        a[i] = a[j];
        i = j;
        j += j;
      } else {
        break;
      }
    }
    a[i] = tmp;
  }
  for (; n > 1;) {
    tmp = a[n];
    a[n] = a[1];
    n -= 1;
    for (i = 1, j = 2; j <= n;) {
      if (j < n && v[a[j]] < v[a[j + 1]]) j++;
      if (v[tmp] < v[a[j]]) {
        a[i] = a[j];
        i = j;
        j += j;
      } else {
        break;
      }
    }
    a[i] = tmp;
  }
}

/// Fills `idx` (same size as `v`) with the permutation `numpy.argsort(v)` returns (default kind,
/// no NaNs). Segments of at most 16 elements are insertion-sorted, which is stable.
inline void np_argsort(std::span<const double> values, std::span<std::size_t> idx) {
  const std::ptrdiff_t num = static_cast<std::ptrdiff_t>(values.size());
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  if (num <= 1) return;
  const double* v = values.data();
  constexpr int stack_size = 128;
  std::size_t* stack[stack_size];
  int depth[stack_size];
  std::size_t** sptr = stack;
  int* psdepth = depth;
  int cdepth = 0;
  for (auto n = static_cast<std::size_t>(num); n > 1; n >>= 1) ++cdepth;
  cdepth *= 2;
  std::size_t* pl = idx.data();
  std::size_t* pr = pl + num - 1;
  for (;;) {
    if (cdepth < 0) {
      np_aheapsort(v, pl, pr - pl + 1);
    } else {
      while (pr - pl > 15) {
        std::size_t* pm = pl + ((pr - pl) >> 1);
        if (v[*pm] < v[*pl]) std::swap(*pm, *pl);
        if (v[*pr] < v[*pm]) std::swap(*pr, *pm);
        if (v[*pm] < v[*pl]) std::swap(*pm, *pl);
        const double vp = v[*pm];
        std::size_t* pi = pl;
        std::size_t* pj = pr - 1;
        std::swap(*pm, *pj);
        for (;;) {
          do ++pi; while (v[*pi] < vp);
          do --pj; while (vp < v[*pj]);
          if (pi >= pj) break;
          std::swap(*pi, *pj);
        }
        std::swap(*pi, *(pr - 1));
        // The larger side waits on the stack; the smaller one is sorted first.
        if (pi - pl < pr - pi) {
          *sptr++ = pi + 1;
          *sptr++ = pr;
          pr = pi - 1;
        } else {
          *sptr++ = pl;
          *sptr++ = pi - 1;
          pl = pi + 1;
        }
        *psdepth++ = --cdepth;
      }
      for (std::size_t* pi = pl + 1; pi <= pr; ++pi) {
        const std::size_t vi = *pi;
        const double vp = v[vi];
        std::size_t* pj = pi;
        std::size_t* pk = pi - 1;
        while (pj > pl && vp < v[*pk]) *pj-- = *pk--;
        *pj = vi;
      }
    }
    if (sptr == stack) break;
    pr = *(--sptr);
    pl = *(--sptr);
    cdepth = *(--psdepth);
  }
}

/// The same permutation as np_argsort for values given as integer codes (any order-preserving
/// encoding, e.g. twice a half-integer mean), computed without data-dependent branches:
/// - each element travels as one word (key high, index low), so comparisons read no index;
/// - a Hoare partition is replayed from the two lists of positions its scans would stop at
///   (keys >= pivot from the left, keys <= pivot from the right), paired until they cross;
/// - the insertion sort of short segments is stable, so any stable sort gives its result: here
///   each element's rank is counted directly.
/// `buf` and `scratch` are reusable buffers.
inline void np_argsort_codes(std::span<const std::uint32_t> codes, std::span<std::size_t> idx,
                             std::vector<std::uint64_t>& buf, std::vector<std::uint32_t>& scratch) {
  const std::ptrdiff_t num = static_cast<std::ptrdiff_t>(codes.size());
  buf.resize(codes.size());
  for (std::size_t i = 0; i < codes.size(); ++i)
    buf[i] = (static_cast<std::uint64_t>(codes[i]) << 32) | static_cast<std::uint64_t>(i);
  scratch.resize(2 * codes.size() + 2);
  if (num > 1) {
    const auto key = [](std::uint64_t w) { return static_cast<std::uint32_t>(w >> 32); };
    constexpr int stack_size = 128;
    std::uint64_t* stack[stack_size];
    int depth[stack_size];
    std::uint64_t** sptr = stack;
    int* psdepth = depth;
    int cdepth = 0;
    for (auto n = static_cast<std::size_t>(num); n > 1; n >>= 1) ++cdepth;
    cdepth *= 2;
    std::uint64_t* pl = buf.data();
    std::uint64_t* pr = pl + num - 1;
    std::uint32_t* left = scratch.data();
    std::uint32_t* right = scratch.data() + codes.size() + 1;
    for (;;) {
      if (cdepth < 0) {
        // Rare: numpy's heapsort on this segment, through the index-based implementation.
        std::vector<double> vals(static_cast<std::size_t>(pr - pl + 1));
        std::vector<std::size_t> ids(vals.size());
        for (std::size_t i = 0; i < vals.size(); ++i) {
          vals[i] = static_cast<double>(key(pl[i]));
          ids[i] = i;
        }
        np_aheapsort(vals.data(), ids.data(), static_cast<std::ptrdiff_t>(vals.size()));
        std::vector<std::uint64_t> seg(pl, pr + 1);
        for (std::size_t i = 0; i < ids.size(); ++i) pl[i] = seg[ids[i]];
      } else {
        while (pr - pl > 15) {
          std::uint64_t* pm = pl + ((pr - pl) >> 1);
          if (key(*pm) < key(*pl)) std::swap(*pm, *pl);
          if (key(*pr) < key(*pm)) std::swap(*pr, *pm);
          if (key(*pm) < key(*pl)) std::swap(*pm, *pl);
          const std::uint32_t vp = key(*pm);
          std::swap(*pm, *(pr - 1));
          // Stops of the left scan (positions pl+1 .. pr-1 with key >= pivot, ascending) and of
          // the right scan (pr-2 .. pl with key <= pivot, descending), on the unswapped segment.
          const auto len = static_cast<std::uint32_t>(pr - pl);
          std::uint32_t nl = 0, nr = 0;
          for (std::uint32_t q = 1; q < len; ++q) {
            left[nl] = q;
            nl += key(pl[q]) >= vp ? 1u : 0u;
          }
          for (std::uint32_t q = len - 1; q-- > 0;) {
            right[nr] = q;
            nr += key(pl[q]) <= vp ? 1u : 0u;
          }
          // Iteration t stops at min(left[t], right[t-1]) and max(right[t], left[t-1]): the
          // previous swap put a stopping element at each of those places.
          std::uint32_t t = 0, stop_i = left[0];
          for (;; ++t) {
            stop_i = t == 0 ? left[0] : std::min(left[t], right[t - 1]);
            const std::uint32_t stop_j = t == 0 ? right[0] : std::max(right[t], left[t - 1]);
            if (stop_i >= stop_j) break;
          }
          for (std::uint32_t q = 0; q < t; ++q) std::swap(pl[left[q]], pl[right[q]]);
          std::uint64_t* pi = pl + stop_i;
          std::swap(*pi, *(pr - 1));
          if (pi - pl < pr - pi) {
            *sptr++ = pi + 1;
            *sptr++ = pr;
            pr = pi - 1;
          } else {
            *sptr++ = pl;
            *sptr++ = pi - 1;
            pl = pi + 1;
          }
          *psdepth++ = --cdepth;
        }
        // Stable placement of a segment of at most 16: rank = smaller keys + earlier equal keys.
        const std::ptrdiff_t n = pr - pl + 1;
        bool all_equal = true;  // common with few distinct values: already in stable order
        for (std::ptrdiff_t i = 1; i < n; ++i) all_equal &= key(pl[i]) == key(pl[0]);
        if (n > 1 && !all_equal) {
          std::uint64_t seg[16];
          for (std::ptrdiff_t i = 0; i < n; ++i) seg[i] = pl[i];
          for (std::ptrdiff_t i = 0; i < n; ++i) {
            const std::uint32_t ki = key(seg[i]);
            std::ptrdiff_t r = 0;
            for (std::ptrdiff_t j = 0; j < n; ++j) {
              const std::uint32_t kj = key(seg[j]);
              r += (kj < ki) | ((kj == ki) & (j < i));
            }
            pl[r] = seg[i];
          }
        }
      }
      if (sptr == stack) break;
      pr = *(--sptr);
      pl = *(--sptr);
      cdepth = *(--psdepth);
    }
  }
  for (std::size_t i = 0; i < codes.size(); ++i)
    idx[i] = static_cast<std::size_t>(buf[i] & 0xffffffffULL);
}

}  // namespace mixprec::detail
