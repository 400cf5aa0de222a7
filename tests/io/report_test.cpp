#include <doctest/doctest.h>

#include <mixprec/io/report.hpp>

#include <fstream>

#include "../test_data.hpp"

using namespace mixprec;

namespace {
std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

io::report_data sample() {
  io::report_data d;
  d.points = {{0, 2.0, 0.6, true, "seq_blocks_0 <w=2>"}, {1, 4.0, 0.9, true, "b"}, {2, 4.5, 0.7, false, "c"},
              {3, 3.0, std::nan(""), false, "failed"}};
  d.history = {{0, 0.6}, {1, 0.9}, {2, 0.7}};
  d.best = {{0, {{"seq_blocks_0", {{"weight_width", 2}, {"data_in_width", 4}}}}}, {1, {}}};
  return d;
}
}  // namespace

TEST_SUITE("io/report") {
  TEST_CASE("one front mark per Pareto trial, configs escaped, non-finite points left out") {
    const std::string html = io::report_html(sample());
    CHECK(count(html, "class=\"front-point\"") == 2);
    CHECK(count(html, "class=\"trial-point\"") == 1);
    CHECK(html.find("\"seq_blocks_0 \\u003cw=2\\u003e\"") != std::string::npos);  // in the configs JSON
    CHECK(html.find("<w=2>") == std::string::npos);
    CHECK(html.find("http://") == html.find("http://www.w3.org/2000/svg"));  // no external resource
    CHECK(count(html, "class=\"history-point\"") == 3);
    CHECK(count(html, "class=\"best-trial\"") == 2);
  }

  TEST_CASE("writes the page and the three SVG files") {
    const auto dir = testing::binary_dir() / "report_out";
    std::filesystem::remove_all(dir);
    io::write_report(dir, sample());
    for (const char* f : {"report.html", "pareto_front.svg", "history.svg", "bitwidths.svg"})
      CHECK(std::filesystem::file_size(dir / f) > 200);
    std::ifstream in(dir / "pareto_front.svg");
    const std::string svg{std::istreambuf_iterator<char>(in), {}};
    CHECK(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
    CHECK(count(svg, "front-point") == 2);
  }

  TEST_CASE("20000 trials: every front point drawn, the rest down-sampled, each config once, size bounded") {
    io::report_data d;
    const std::size_t n = 20000, front = 40;
    const std::string filler(900, 'x');  // about the size of a ToyNet config
    for (std::size_t i = 0; i < n; ++i) {
      const bool on_front = i % (n / front) == 7;
      // Front trials come in pairs of equal configs, so distinct configs are fewer than points.
      const std::size_t config = on_front ? i / 2 : i;
      d.points.push_back({i, double(i % 97), double(i % 89) / 89.0, on_front,
                          "config " + std::to_string(config) + " </script> " + filler});
      d.history.emplace_back(i, double(i % 1013) + double(i) * 1e-3);
    }
    for (std::size_t i = 7; i < n; i += n / front) d.best.push_back({i, {{"fc", {{"weight_width", 4}}}}});
    const std::string html = io::report_html(d), svg = io::pareto_svg(d);
    // Before: one config per point in both the page and the SVG, about 22 MB here.
    CHECK(html.size() < 1'200'000);
    CHECK(svg.size() < 150'000);
    CHECK(io::history_svg(d).size() < 200'000);
    CHECK(count(html, "class=\"front-point\"") == front);
    CHECK(count(svg, "class=\"front-point\"") == front);
    const std::size_t others = count(html, "class=\"trial-point\"");
    CHECK(others <= d.max_other_points);
    CHECK(others >= d.max_other_points / 2);
    CHECK(count(html, filler) <= front + d.max_other_points);  // each drawn point's config at most once
    CHECK(count(html, "</script>") == 2);                    // configs cannot close the script
    CHECK(count(html, "class=\"best-trial\"") == front);
    // Every improvement of the best value is drawn, however many trials there are.
    std::size_t improvements = 0;
    double best = -HUGE_VAL;
    for (const auto& [t, v] : d.history)
      if (v > best) best = v, ++improvements;
    CHECK(count(html, "class=\"history-point\"") >= improvements);
  }

  TEST_CASE("config_of formats only the configs of the points drawn") {
    io::report_data d;
    const std::size_t n = 5000;
    for (std::size_t i = 0; i < n; ++i) d.points.push_back({i, double(i % 97), double(i % 89), i == 3, ""});
    std::size_t asked = 0;
    d.config_of = [&](std::size_t number) {
      ++asked;
      return "config of trial " + std::to_string(number);
    };
    const std::string html = io::report_html(d);
    CHECK(html.find("config of trial 3") != std::string::npos);  // the front point's config is there
    CHECK(asked >= 1);
    CHECK(asked <= 1 + d.max_other_points);  // not one per trial
  }

  TEST_CASE("a cap of zero other points still draws the whole front") {
    io::report_data d = sample();
    d.max_other_points = 0;
    const std::string html = io::report_html(d);
    CHECK(count(html, "class=\"front-point\"") == 2);
    CHECK(count(html, "class=\"trial-point\"") == 0);
  }
}
