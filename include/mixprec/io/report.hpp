// A self-contained visual report of a search: the Pareto front (each point's config on hover),
// the optimisation history and a per-node bitwidth picture of each best trial, as report.html
// (inline SVG, no network) and as separate SVG files.
//
// Size stays bounded however long the search: every front point is drawn, but the other trials
// are down-sampled to at most report_data::max_other_points (evenly over trial order), the
// history draws every trial that improved the best plus at most as many others, and configs
// are not repeated per point: report.html embeds each distinct config once in one JSON block
// and shows it on demand. The standalone SVGs carry no configs.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <mixprec/io/atomic_file.hpp>
#include <mixprec/search/trial.hpp>

namespace mixprec::io {

/// One trial in the front plot.
struct report_point {
  std::size_t number = 0;
  double x = 0, y = 0;
  bool on_front = false;
  std::string hover;  ///< shown when the pointer rests on the point (the trial's config); see report_data::config_of
};

/// The widths chosen for one node of one best trial.
struct report_node_widths {
  std::string node;
  std::vector<std::pair<std::string, double>> widths;  ///< e.g. {"weight_width", 4}
};

/// Everything the report shows.
struct report_data {
  std::string title = "mixprec search";
  std::string x_label = "average_bitwidth";
  std::string y_label = "accuracy";
  std::vector<report_point> points;
  std::string history_label = "objective";
  direction history_direction = direction::maximize;
  std::vector<std::pair<std::size_t, double>> history;  ///< (trial number, value) of complete trials
  std::vector<std::pair<std::size_t, std::vector<report_node_widths>>> best;  ///< per best trial
  /// Cap on the non-front points drawn in the front plot, and on the history points drawn
  /// besides those that improved the best value.
  std::size_t max_other_points = 500;
  /// Cap on the best trials drawn in the bitwidth picture (the first ones in `best`).
  std::size_t max_bitwidth_rows = 64;
  /// The config text of trial `number`, asked only for the points drawn whose `hover` is empty,
  /// so a search of many trials formats a few hundred configs rather than all of them.
  std::function<std::string(std::size_t number)> config_of;
};

namespace detail {

inline std::string xml_escape(const std::string& s) {
  std::string r;
  r.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': r += "&amp;"; break;
      case '<': r += "&lt;"; break;
      case '>': r += "&gt;"; break;
      case '"': r += "&quot;"; break;
      case '\'': r += "&#39;"; break;
      default: r += c;
    }
  }
  return r;
}

// A linear map from a data range onto pixels, padded so points never sit on the frame.
struct axis_map {
  double lo, hi, p0, p1;
  axis_map(double min, double max, double pixel0, double pixel1) : p0(pixel0), p1(pixel1) {
    if (!std::isfinite(min) || !std::isfinite(max)) min = 0, max = 1;
    if (max - min < 1e-12) min -= 0.5, max += 0.5;
    const double pad = 0.05 * (max - min);
    lo = min - pad;
    hi = max + pad;
  }
  [[nodiscard]] double operator()(double v) const { return p0 + (v - lo) / (hi - lo) * (p1 - p0); }
};

inline std::pair<double, double> finite_range(const std::vector<double>& v) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double x : v)
    if (std::isfinite(x)) lo = std::min(lo, x), hi = std::max(hi, x);
  return {lo, hi};
}

constexpr double width = 640, height = 400, left = 70, right = 20, top = 30, bottom = 50;

inline std::string frame(const std::string& title, const std::string& x_label, const std::string& y_label,
                         const axis_map& xm, const axis_map& ym) {
  std::string s;
  s += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="#fff" stroke="#888"/>)", left, top,
                   width - left - right, height - top - bottom);
  s += fmt::format(R"(<text x="{}" y="18" font-size="14" font-weight="bold">{}</text>)", left, xml_escape(title));
  s += fmt::format(R"(<text x="{}" y="{}" font-size="12" text-anchor="middle">{}</text>)",
                   (left + width - right) / 2, height - 10, xml_escape(x_label));
  s += fmt::format(R"~(<text x="14" y="{}" font-size="12" text-anchor="middle" transform="rotate(-90 14 {})">{}</text>)~",
                   (top + height - bottom) / 2, (top + height - bottom) / 2, xml_escape(y_label));
  for (int i = 0; i <= 4; ++i) {
    const double xv = xm.lo + (xm.hi - xm.lo) * i / 4, yv = ym.lo + (ym.hi - ym.lo) * i / 4;
    s += fmt::format(R"(<text x="{:.1f}" y="{}" font-size="10" text-anchor="middle">{:.3g}</text>)", xm(xv),
                     height - bottom + 14, xv);
    s += fmt::format(R"(<text x="{}" y="{:.1f}" font-size="10" text-anchor="end">{:.3g}</text>)", left - 4,
                     ym(yv) + 3, yv);
  }
  return s;
}

// Keeps item j of n iff it falls on an even stride giving at most `cap` items.
struct down_sampler {
  std::size_t stride = 0;  // 0: keep nothing
  down_sampler(std::size_t n, std::size_t cap) : stride(cap == 0 ? 0 : std::max<std::size_t>(1, (n + cap - 1) / cap)) {}
  [[nodiscard]] bool keep(std::size_t j) const { return stride != 0 && j % stride == 0; }
};

// The points the front plot draws: every finite front point, and a down-sample of the others.
inline std::vector<const report_point*> shown_points(const report_data& d) {
  std::size_t others = 0;
  for (const auto& p : d.points)
    if (!p.on_front && std::isfinite(p.x) && std::isfinite(p.y)) ++others;
  const down_sampler sample(others, d.max_other_points);
  std::vector<const report_point*> out;
  std::size_t j = 0;
  for (const auto& p : d.points) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
    if (p.on_front || sample.keep(j++)) out.push_back(&p);
  }
  return out;
}

// A JSON string literal that is also safe inside <script> ("<" escaped, so no "</script>").
inline std::string json_string(const std::string& s) {
  std::string r = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': r += "\\\""; break;
      case '\\': r += "\\\\"; break;
      case '\n': r += "\\n"; break;
      case '\r': r += "\\r"; break;
      case '\t': r += "\\t"; break;
      case '<': r += "\\u003c"; break;
      case '>': r += "\\u003e"; break;
      case '&': r += "\\u0026"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          r += buf;
        } else {
          r += static_cast<char>(c);
        }
    }
  }
  return r + "\"";
}

inline std::string svg_open(const std::string& id) {
  return fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" id="{}" width="{}" height="{}" viewBox="0 0 {} {}" font-family="sans-serif">)",
                     id, width, height, width, height);
}

}  // namespace detail

/// The Pareto-front scatter: complete trials as dots (down-sampled, see the top of this file),
/// front trials as marked circles (class "front-point", all of them) joined by a step line; each
/// point's <title> holds its trial number and coordinates (report.html adds the config).
inline std::string pareto_svg(const report_data& d) {
  using namespace detail;
  std::vector<double> xs, ys;
  for (const auto& p : d.points) xs.push_back(p.x), ys.push_back(p.y);
  const auto [x0, x1] = finite_range(xs);
  const auto [y0, y1] = finite_range(ys);
  const axis_map xm(x0, x1, left, width - right), ym(y0, y1, height - bottom, top);
  std::string s = svg_open("pareto-front") + frame("Pareto front", d.x_label, d.y_label, xm, ym);
  const std::vector<const report_point*> shown = shown_points(d);
  std::vector<const report_point*> front;
  for (const auto* p : shown)
    if (p->on_front) front.push_back(p);
  std::sort(front.begin(), front.end(), [](auto* a, auto* b) { return a->x < b->x; });
  if (front.size() > 1) {
    std::string path = "M";
    for (const auto* p : front) path += fmt::format(" {:.1f},{:.1f}", xm(p->x), ym(p->y));
    s += fmt::format(R"(<path d="{}" fill="none" stroke="#d62728" stroke-width="1.5" stroke-dasharray="4 3"/>)", path);
  }
  for (const auto* p : shown) {
    const std::string tip = fmt::format("trial {}: {} = {:.4g}, {} = {:.4g}", p->number, d.x_label, p->x, d.y_label, p->y);
    if (p->on_front)
      s += fmt::format(R"(<circle class="front-point" data-trial="{}" cx="{:.1f}" cy="{:.1f}" r="6" fill="#d62728" stroke="#000"><title>{}</title></circle>)",
                       p->number, xm(p->x), ym(p->y), xml_escape(tip));
    else
      s += fmt::format(R"(<circle class="trial-point" data-trial="{}" cx="{:.1f}" cy="{:.1f}" r="3.5" fill="#1f77b4" fill-opacity="0.6"><title>{}</title></circle>)",
                       p->number, xm(p->x), ym(p->y), xml_escape(tip));
  }
  return s + "</svg>";
}

/// The optimisation history: each complete trial's value and the best value so far. Every trial
/// that improved the best is drawn; the others are down-sampled to d.max_other_points.
inline std::string history_svg(const report_data& d) {
  using namespace detail;
  std::vector<double> xs, ys;
  for (const auto& [n, v] : d.history) xs.push_back(static_cast<double>(n)), ys.push_back(v);
  const auto [x0, x1] = finite_range(xs);
  const auto [y0, y1] = finite_range(ys);
  const axis_map xm(x0, x1, left, width - right), ym(y0, y1, height - bottom, top);
  std::string s = svg_open("history") + frame("Optimisation history", "trial", d.history_label, xm, ym);
  const bool maximize = d.history_direction == direction::maximize;
  std::size_t finite = 0;
  for (const auto& [n, v] : d.history) finite += std::isfinite(v) ? 1 : 0;
  const down_sampler sample(finite, d.max_other_points);
  std::string best_path;
  double best = maximize ? -HUGE_VAL : HUGE_VAL;
  std::size_t j = 0;
  double last_x = 0;
  bool any = false;
  for (const auto& [n, v] : d.history) {
    if (!std::isfinite(v)) continue;
    const bool improves = !any || (maximize ? v > best : v < best);
    const bool keep = sample.keep(j++);
    const double px = xm(static_cast<double>(n));
    if (improves) {
      // A step: along the old best to this trial, then up or down to the new one.
      if (any) best_path += fmt::format(" L{:.1f},{:.1f}", px, ym(best));
      best = v;
      best_path += fmt::format("{}{:.1f},{:.1f}", any ? " L" : "M", px, ym(best));
    }
    any = true;
    last_x = px;
    if (improves || keep)
      s += fmt::format(R"(<circle class="history-point" cx="{:.1f}" cy="{:.1f}" r="3" fill="#1f77b4"><title>trial {}: {:.4g}</title></circle>)",
                       px, ym(v), n, v);
  }
  if (any) best_path += fmt::format(" L{:.1f},{:.1f}", last_x, ym(best));
  if (!best_path.empty())
    s += fmt::format(R"(<path class="best-so-far" d="{}" fill="none" stroke="#d62728" stroke-width="1.5"/>)", best_path);
  return s + "</svg>";
}

/// Per-node widths of each best trial: one group of bars per node, one bar per width key.
inline std::string bitwidth_svg(const report_data& d) {
  using namespace detail;
  static const char* colours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"};
  const double row_h = 150;
  const std::size_t rows = std::min(d.best.size(), d.max_bitwidth_rows);
  const double total_h = std::max(1.0, static_cast<double>(rows)) * row_h + 40;
  std::string s = fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" id="bitwidths" width="{}" height="{}" viewBox="0 0 {} {}" font-family="sans-serif">)",
                              width, total_h, width, total_h);
  s += rows == d.best.size()
           ? std::string(R"(<text x="10" y="18" font-size="14" font-weight="bold">Per-node widths of the best trials</text>)")
           : fmt::format(R"(<text x="10" y="18" font-size="14" font-weight="bold">Per-node widths of the first {} of {} best trials</text>)",
                         rows, d.best.size());
  double max_w = 1;
  for (const auto& [n, nodes] : d.best)
    for (const auto& node : nodes)
      for (const auto& [k, w] : node.widths) max_w = std::max(max_w, w);
  for (std::size_t b = 0; b < rows; ++b) {
    const auto& [number, nodes] = d.best[b];
    const double y0 = 40 + static_cast<double>(b) * row_h;
    s += fmt::format(R"(<g class="best-trial" data-trial="{}"><text x="10" y="{:.0f}" font-size="12">trial {}</text>)",
                     number, y0 + 12, number);
    const double group_w = (width - 80) / std::max<std::size_t>(1, nodes.size());
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      const auto& node = nodes[i];
      const double gx = 70 + static_cast<double>(i) * group_w;
      const double bar_w = (group_w - 10) / std::max<std::size_t>(1, node.widths.size());
      for (std::size_t k = 0; k < node.widths.size(); ++k) {
        const double h = node.widths[k].second / max_w * (row_h - 50);
        s += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"><title>{} {} = {}</title></rect>)",
                         gx + static_cast<double>(k) * bar_w, y0 + row_h - 30 - h, bar_w - 1, h, colours[k % 6],
                         xml_escape(node.node), xml_escape(node.widths[k].first), node.widths[k].second);
      }
      s += fmt::format(R"(<text x="{:.1f}" y="{:.0f}" font-size="10" text-anchor="middle">{}</text>)",
                       gx + (group_w - 10) / 2, y0 + row_h - 16, xml_escape(node.node));
    }
    if (!nodes.empty()) {
      double lx = 70;
      for (std::size_t k = 0; k < nodes.front().widths.size(); ++k) {
        s += fmt::format(R"(<rect x="{:.0f}" y="{:.0f}" width="10" height="10" fill="{}"/><text x="{:.0f}" y="{:.0f}" font-size="10">{}</text>)",
                         lx, y0 + 2, colours[k % 6], lx + 13, y0 + 11, xml_escape(nodes.front().widths[k].first));
        lx += 130;
      }
    }
    s += "</g>";
  }
  return s + "</svg>";
}

/// The whole report as one self-contained HTML page: inline SVG, the configs of the drawn points
/// in one JSON block (each distinct config once) and a small inline script that shows the
/// config of the point under the pointer; no external resources.
inline std::string report_html(const report_data& d) {
  std::string s = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" +
                  detail::xml_escape(d.title) + "</title>\n<style>body{font-family:sans-serif;margin:20px;}"
                  "#details{white-space:pre;font-family:monospace;font-size:12px;border:1px solid #ccc;"
                  "padding:8px;min-height:3em;max-width:900px;} .front-point,.trial-point{cursor:pointer;}"
                  "</style></head>\n<body>\n<h1>" + detail::xml_escape(d.title) + "</h1>\n";
  const std::vector<const report_point*> shown = detail::shown_points(d);
  std::size_t n_front = 0;
  for (const auto* p : shown) n_front += p->on_front ? 1 : 0;
  s += fmt::format("<p>{} of {} trials shown, {} on the Pareto front (red); the other trials are down-sampled "
                   "to at most {}.</p>\n",
                   shown.size(), d.points.size(), n_front, d.max_other_points);
  s += "<div id=\"front\">" + pareto_svg(d) + "</div>\n<div id=\"details\">Point at a trial to see its config.</div>\n";
  s += "<div id=\"hist\">" + history_svg(d) + "</div>\n<div id=\"widths\">" + bitwidth_svg(d) + "</div>\n";
  // {"configs": [distinct texts], "trials": {"<number>": index}}
  std::map<std::string, std::size_t> index;
  std::string configs, trials;
  for (const auto* p : shown) {
    std::string text = p->hover.empty() && d.config_of ? d.config_of(p->number) : p->hover;
    auto [it, added] = index.try_emplace(std::move(text), index.size());
    if (added) {
      if (!configs.empty()) configs += ',';
      configs += detail::json_string(it->first);
    }
    trials += fmt::format("{}\"{}\":{}", trials.empty() ? "" : ",", p->number, it->second);
  }
  s += "<script type=\"application/json\" id=\"trial-configs\">{\"configs\":[" + configs + "],\"trials\":{" + trials +
       "}}</script>\n";
  s += "<script>\n"
       "var data = JSON.parse(document.getElementById('trial-configs').textContent);\n"
       "document.querySelectorAll('circle[data-trial]').forEach(function (c) {\n"
       "  c.addEventListener('mouseenter', function () {\n"
       "    var t = c.querySelector('title');\n"
       "    var k = data.trials[c.getAttribute('data-trial')];\n"
       "    document.getElementById('details').textContent =\n"
       "        (t ? t.textContent : '') + (k === undefined ? '' : '\\n' + data.configs[k]);\n"
       "  });\n"
       "});\n"
       "</script>\n</body></html>\n";
  return s;
}

/// Writes report.html, pareto_front.svg, history.svg and bitwidths.svg into `dir`.
inline void write_report(const std::filesystem::path& dir, const report_data& d) {
  write_file_atomically(dir / "report.html", report_html(d));
  write_file_atomically(dir / "pareto_front.svg", pareto_svg(d));
  write_file_atomically(dir / "history.svg", history_svg(d));
  write_file_atomically(dir / "bitwidths.svg", bitwidth_svg(d));
}

}  // namespace mixprec::io
