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
    CHECK(html.find("seq_blocks_0 &lt;w=2&gt;") != std::string::npos);
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
}
