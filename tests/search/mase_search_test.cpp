#include <doctest/doctest.h>

#include <mixprec/config/search_config.hpp>
#include <mixprec/config/toml_json.hpp>
#include <mixprec/io/folder_lock.hpp>
#include <mixprec/io/dataset_folder.hpp>
#include <mixprec/samplers/random.hpp>
#include <mixprec/samplers/tpe.hpp>
#include <mixprec/search/mase_outputs.hpp>
#include <mixprec/search/mase_search.hpp>
#include <mixprec/search/run_search.hpp>
#include <mixprec/search/stop_signals.hpp>

#include <csignal>
#include <fstream>
#include <map>
#include <stdexcept>

#include <unistd.h>

#include "../../examples/toy/toy_tiny.hpp"
#include "../../examples/toy/toynet_graph.hpp"
#include "../test_data.hpp"

using namespace mixprec;
using ojson = nlohmann::ordered_json;
namespace fs = std::filesystem;

namespace {

ojson read_json(const fs::path& p) {
  std::ifstream in(p);
  return ojson::parse(in);
}

fs::path tutorial_config() {
  return testing::data_dir() / ".." / ".." / "examples" / "toy" / "configs" / "search_toy_tpe.toml";
}

// The golden ToyNet, the tutorial's config, MASE's space for it and the first 512 validation samples.
struct tutorial_setup {
  model net = toy::load_checkpoint_model(testing::golden_dir() / "toynet");
  config::search_config cfg = config::load_search_config(tutorial_config());
  quantize_space space = make_quantize_space(net, cfg);
  toy::toy_tiny_data val = toy::make_toy_tiny(toy::toy_split::validation, 512);
  dataset_view data() const { return {val.features, val.labels, toy::toy_tiny_num_features}; }
};

// The golden TPE entries: (indexes in the space's dimension order, golden results, log row).
std::vector<std::vector<std::size_t>> golden_indexes(const quantize_space& space, const ojson& entries) {
  std::vector<std::vector<std::size_t>> out;
  for (const auto& e : entries) {
    if (!e.contains("optuna_params")) continue;
    std::vector<std::size_t> idx;
    for (const auto& d : space.dimensions()) idx.push_back(e["optuna_params"].at(d.name).get<std::size_t>());
    out.push_back(idx);
  }
  return out;
}

trial make_trial(std::size_t number, metric_map sw, metric_map hw, metric_map scaled) {
  trial t;
  t.number = number;
  t.state = trial_state::complete;
  t.user_attrs["software_metrics"] = std::move(sw);
  t.user_attrs["hardware_metrics"] = std::move(hw);
  t.user_attrs["scaled_metrics"] = std::move(scaled);
  return t;
}

// A cheap two-objective test problem over 4 dimensions.
struct toy_objective {
  std::vector<double> operator()(trial_handle& t) const {
    const auto& p = t.params();
    const double a = double(p[0]) + 0.5 * double(p[1]), b = double(p[2] * 3 + p[3]);
    t.set_user_attr("software_metrics", metric_map{{"a", a}});
    return {a, b};
  }
};
std::vector<dimension> toy_dims() { return {{"p0", 4}, {"p1", 3}, {"p2", 5}, {"p3", 2}}; }
std::vector<direction> toy_dirs() { return {direction::maximize, direction::minimize}; }

struct trial_key {
  std::size_t number;
  std::vector<std::size_t> params;
  std::vector<double> values;
  bool operator==(const trial_key&) const = default;
};
std::vector<trial_key> keys(const std::vector<trial>& ts) {
  std::vector<trial_key> k;
  for (const auto& t : ts) k.push_back({t.number, t.params, t.values});
  return k;
}

search_run_params run_params(const fs::path& dir, std::size_t n) {
  search_run_params p;
  p.out_dir = dir;
  p.n_trials = n;
  p.sampler_name = "tpe";
  p.seed = 7;
  return p;
}

struct writes_counter {
  std::size_t calls = 0, trials = 0, best = 0;
  search_output_writer writer() {
    return [this](const fs::path&, std::span<const trial> all, std::span<const trial> b) {
      ++calls;
      trials = all.size();
      best = b.size();
    };
  }
};

std::size_t count_lines(const fs::path& p) {
  std::ifstream in(p);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) n += line.empty() ? 0 : 1;
  return n;
}

}  // namespace

TEST_SUITE("search/mase_search") {
  TEST_CASE("the config-driven objective reproduces the golden metrics of MASE's 20 TPE trials") {
    const tutorial_setup s;
    const auto objective = make_config_objective(s.net, s.space, s.cfg, s.data());
    CHECK(objective.directions() == std::vector<direction>{direction::maximize, direction::minimize});
    const ojson golden = read_json(testing::golden_dir() / "quantized_eval.json");
    const ojson log = read_json(testing::golden_dir() / "search_log_tpe_seed0.json");
    const auto all = golden_indexes(s.space, golden["entries"]);
    REQUIRE(all.size() == 20);
    const mase_config_decoder decoder(s.space);
    std::size_t row = 0;
    for (const auto& e : golden["entries"]) {
      if (!e.contains("optuna_params")) continue;
      CAPTURE(e["id"]);
      const auto& idx = all[row];
      const auto& g = e["results"];
      const mase_trial_result r = objective.evaluate(idx);
      CHECK(r.software.at("accuracy") == doctest::Approx(g["accuracy_macro"].get<double>()).epsilon(1e-15));
      CHECK(r.software.at("accuracy_micro") == doctest::Approx(g["accuracy_micro"].get<double>()).epsilon(1e-15));
      CHECK(r.software.at("loss") == doctest::Approx(g["loss_f64"].get<double>()).epsilon(1e-9));
      CHECK(r.hardware.at("average_bitwidth") == g["average_bitwidth"].get<double>());
      CHECK(r.hardware.at("memory_density") == doctest::Approx(32.0 / g["average_bitwidth"].get<double>()));
      REQUIRE(r.values.size() == 2);  // sorted names: accuracy, average_bitwidth
      CHECK(r.values[0] == r.software.at("accuracy"));
      CHECK(r.values[1] == doctest::Approx(0.2 * g["average_bitwidth"].get<double>()).epsilon(1e-15));
      CHECK(r.scaled == metric_map{{"accuracy", r.values[0]}, {"average_bitwidth", r.values[1]}});
      // MASE's log: the same values, and the same sampled_config, key order included.
      const auto& lr = log[std::to_string(row)];
      CHECK(lr["values_0"].get<double>() == doctest::Approx(r.values[0]).epsilon(1e-9));
      CHECK(lr["values_1"].get<double>() == doctest::Approx(r.values[1]).epsilon(1e-9));
      CHECK(decoder.sampled_config(idx).dump() == lr["user_attrs_sampled_config"].dump());
      ++row;
    }
  }

  TEST_CASE("compile-time and config-driven objectives share results; metrics sorted by name") {
    const tutorial_setup s;
    const auto by_config = make_config_objective(s.net, s.space, s.cfg, s.data());
    mase_objective_params mp;
    mp.metrics = metric_specs<objective_metric<"average_bitwidth", direction::minimize, 0.2>,
                              objective_metric<"accuracy", direction::maximize>>();
    const auto compiled = make_mase_objective(
        s.net, s.space, pass_rebuilder<integer_format, match_by_name>{},
        std::tuple{basic_evaluation(s.data(), {.num_samples = 512, .batch_size = 512})},
        std::tuple{average_bitwidth_runner{{.compare_to = 32.0}}}, mp);
    CHECK(compiled.metrics_specs()[0].name == "accuracy");
    CHECK(compiled.directions() == by_config.directions());
    for (std::size_t k = 0; k < 4; ++k) {
      std::vector<std::size_t> idx;
      for (std::size_t i = 0; i < s.space.dimensions().size(); ++i)
        idx.push_back((k * 5 + i * 3) % s.space.dimensions()[i].n_choices);
      const auto a = by_config.evaluate(idx), b = compiled.evaluate(idx);
      CHECK(a.software == b.software);
      CHECK(a.hardware == b.hardware);
      CHECK(a.values == b.values);
    }
    CHECK(compiled.timings().trials == 4);
  }

  TEST_CASE("sum_scaled_metrics: one value, the sum of the scaled metrics, with its direction") {
    const tutorial_setup s;
    config::search_config cfg = s.cfg;
    cfg.sum_scaled_metrics = true;
    cfg.direction = direction::minimize;
    const auto objective = make_config_objective(s.net, s.space, cfg, s.data());
    CHECK(objective.directions() == std::vector<direction>{direction::minimize});
    std::vector<std::size_t> idx;
    for (const auto& d : s.space.dimensions()) idx.push_back(d.n_choices - 1);
    const auto r = objective.evaluate(idx);
    REQUIRE(r.values.size() == 1);
    CHECK(r.values[0] == r.scaled.at("accuracy") + r.scaled.at("average_bitwidth"));
  }

  TEST_CASE("objective errors name the metric") {
    const tutorial_setup s;
    const auto space_idx = std::vector<std::size_t>(s.space.dimensions().size(), 0);
    mase_objective_params none;
    CHECK_THROWS_WITH_AS(make_mase_objective(s.net, s.space, config_rebuilder{}, std::tuple{}, std::tuple{}, none),
                         doctest::Contains("search.strategy.metrics: empty"), config_error);
    mase_objective_params twice;
    twice.metrics = {{"accuracy", 1.0, direction::maximize}, {"accuracy", 2.0, direction::maximize}};
    CHECK_THROWS_WITH_AS(make_mase_objective(s.net, s.space, config_rebuilder{}, std::tuple{}, std::tuple{}, twice),
                         doctest::Contains("accuracy: appears twice"), config_error);
    mase_objective_params missing;
    missing.metrics = {{"accuracy", 1.0, direction::maximize}};
    const auto o = make_mase_objective(s.net, s.space, config_rebuilder{}, std::tuple{},
                                       std::tuple{average_bitwidth_runner{}}, missing);
    CHECK_THROWS_WITH_AS((void)o.evaluate(space_idx),
                         "search.strategy.metrics.accuracy: no runner produced it (the runners gave average_bitwidth)",
                         config_error);
    CHECK_THROWS_WITH_AS((void)make_hardware_runner("latency"),
                         "search.strategy.hw_runner.latency: unknown hardware runner; valid names are average_bitwidth, bops",
                         config_error);
    CHECK_THROWS_WITH_AS((void)make_software_runner("perplexity", s.data(), {}),
                         doctest::Contains("valid names are basic_evaluation"), config_error);
  }

  TEST_CASE("two worker threads: every trial's metrics equal a serial evaluation of its config") {
    const tutorial_setup s;
    const auto objective = make_config_objective(s.net, s.space, s.cfg, s.data());
    study<random_sampler> st(random_sampler{random_params{.seed = 3}}, s.space.dimensions(), objective.directions());
    study_options o;
    o.n_trials = 12;
    o.n_jobs = 2;
    st.optimize(objective, o);
    const auto trials = st.trials();
    REQUIRE(trials.size() == 12);
    for (const auto& t : trials) {
      CAPTURE(t.number);
      REQUIRE(t.state == trial_state::complete);
      const auto r = objective.evaluate(t.params);
      CHECK(t.user_attrs.at("software_metrics") == r.software);
      CHECK(t.user_attrs.at("hardware_metrics") == r.hardware);
      CHECK(t.values == r.values);
    }
  }
}

TEST_SUITE("search/mase_outputs") {
  TEST_CASE("python_round3 prints what Python's repr(round(v, 3)) prints") {
    CHECK(python_round3(0.6680001) == "0.668");
    CHECK(python_round3(0.83) == "0.83");
    CHECK(python_round3(2.0) == "2.0");
    CHECK(python_round3(2.0377358490566038) == "2.038");
    CHECK(python_round3(0.4075471698) == "0.408");
    CHECK(python_round3(-0.0001) == "-0.0");
    CHECK(python_round3(0.0005) == "0.001");  // 0.0005 is slightly above 5e-4 in binary
    CHECK(python_round3(0.0625) == "0.062");  // an exact tie goes to even
    CHECK(python_round3(std::nan("")) == "nan");
    CHECK(python_round3(-HUGE_VAL) == "-inf");
    CHECK(python_round3(1e16) == "1e+16");
  }

  TEST_CASE("the best trials print as the tutorial's table") {
    // The tutorial's six rows (values chosen to round like its numbers).
    std::vector<trial> best{
        make_trial(0, {{"loss", 0.668}, {"accuracy", 0.668}}, {{"average_bitwidth", 2.0377}}, {{"accuracy", 0.668}, {"average_bitwidth", 0.40755}}),
        make_trial(4, {{"loss", 0.526}, {"accuracy", 0.729}}, {{"average_bitwidth", 4.151}}, {{"accuracy", 0.729}, {"average_bitwidth", 0.8302}}),
        make_trial(5, {{"loss", 0.55}, {"accuracy", 0.691}}, {{"average_bitwidth", 2.113}}, {{"accuracy", 0.691}, {"average_bitwidth", 0.4226}}),
        make_trial(10, {{"loss", 0.542}, {"accuracy", 0.691}}, {{"average_bitwidth", 2.189}}, {{"accuracy", 0.691}, {"average_bitwidth", 0.4378}}),
        make_trial(13, {{"loss", 0.556}, {"accuracy", 0.681}}, {{"average_bitwidth", 2.075}}, {{"accuracy", 0.681}, {"average_bitwidth", 0.415}}),
        make_trial(19, {{"loss", 0.563}, {"accuracy", 0.663}}, {{"average_bitwidth", 2.0}}, {{"accuracy", 0.663}, {"average_bitwidth", 0.4}})};
    const std::string expected =
        "|    |   number | software_metrics                   | hardware_metrics            | scaled_metrics                                 |\n"
        "|----+----------+------------------------------------+-----------------------------+------------------------------------------------|\n"
        "|  0 |        0 | {'loss': 0.668, 'accuracy': 0.668} | {'average_bitwidth': 2.038} | {'accuracy': 0.668, 'average_bitwidth': 0.408} |\n"
        "|  1 |        4 | {'loss': 0.526, 'accuracy': 0.729} | {'average_bitwidth': 4.151} | {'accuracy': 0.729, 'average_bitwidth': 0.83}  |\n"
        "|  2 |        5 | {'loss': 0.55, 'accuracy': 0.691}  | {'average_bitwidth': 2.113} | {'accuracy': 0.691, 'average_bitwidth': 0.423} |\n"
        "|  3 |       10 | {'loss': 0.542, 'accuracy': 0.691} | {'average_bitwidth': 2.189} | {'accuracy': 0.691, 'average_bitwidth': 0.438} |\n"
        "|  4 |       13 | {'loss': 0.556, 'accuracy': 0.681} | {'average_bitwidth': 2.075} | {'accuracy': 0.681, 'average_bitwidth': 0.415} |\n"
        "|  5 |       19 | {'loss': 0.563, 'accuracy': 0.663} | {'average_bitwidth': 2.0}   | {'accuracy': 0.663, 'average_bitwidth': 0.4}   |\n";
    CHECK(mase_best_table(best) == expected);
  }

  TEST_CASE("a best config written as TOML reads back as the same quantization config") {
    const tutorial_setup s;
    const mase_config_decoder decoder(s.space);
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < s.space.dimensions().size(); ++i) idx.push_back(i % s.space.dimensions()[i].n_choices);
    const ojson config = decoder.quant_config(idx);
    CHECK(config["by"] == "name");
    CHECK_FALSE(decoder.sampled_config(idx).contains("by"));
    const fs::path file = testing::binary_dir() / "best_config_roundtrip.toml";
    std::ofstream(file) << to_toml(config, "a comment\nover two lines");
    const ojson back = config::read_config_file(file);
    CHECK(nlohmann::json::parse(back.dump()) == nlohmann::json::parse(config.dump()));
    ojson back_without_by = back, config_without_by = config;
    back_without_by.erase("by");
    config_without_by.erase("by");
    CHECK(back_without_by.dump() == config_without_by.dump());  // key order kept too
    const auto q1 = quantize(s.net, nlohmann::json::parse(back.dump()));
    const auto q2 = quantize(s.net, s.space.decode(idx));
    CHECK(average_bitwidth(q1) == average_bitwidth(q2));
    CHECK(to_toml(ojson{{"x", 1.0}, {"t", {{"q y", "a\"b"}}}}) == "x = 1.0\n\n[t]\n\"q y\" = \"a\\\"b\"\n");
    CHECK_THROWS_WITH_AS((void)to_toml(ojson{{"k", nullptr}}), doctest::Contains("k = null"), config_error);
  }

  TEST_CASE("widths for the report: width keys only, data_in only for ops without weights") {
    const tutorial_setup s;
    const mase_config_decoder decoder(s.space);
    const auto w = decoder.widths(std::vector<std::size_t>(s.space.dimensions().size(), 0));
    REQUIRE(w.size() == 5);
    CHECK(w[0].node == "seq_blocks_0");
    CHECK(w[0].widths.size() == 3);
    CHECK(w[1].node == "seq_blocks_1");
    REQUIRE(w[1].widths.size() == 1);
    CHECK(w[1].widths[0] == std::pair<std::string, double>{"data_in_width", 4.0});
  }

  TEST_CASE("write_mase_outputs: logs, one front-point per best trial, best configs; stale configs removed") {
    const tutorial_setup s;
    const auto objective = make_config_objective(s.net, s.space, s.cfg, s.data());
    study<random_sampler> st(random_sampler{random_params{.seed = 1}}, s.space.dimensions(), objective.directions());
    study_options o;
    o.n_trials = 10;
    st.optimize(objective, o);
    const fs::path dir = testing::binary_dir() / "mase_outputs";
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::ofstream(dir / "best_config_999.toml") << "stale = true\n";
    const mase_config_decoder decoder(s.space);
    const auto trials = st.trials();
    const auto best = st.best_trials();
    write_mase_outputs(dir, trials, best, st.directions(), {"accuracy", "average_bitwidth"}, decoder);
    CHECK_FALSE(fs::exists(dir / "best_config_999.toml"));
    const ojson b = read_json(dir / "best.json");
    REQUIRE(b.size() == best.size());
    for (const auto& t : best) CHECK(fs::exists(dir / ("best_config_" + std::to_string(t.number) + ".toml")));
    std::ifstream in(dir / "report.html");
    const std::string html{std::istreambuf_iterator<char>(in), {}};
    std::size_t n = 0;
    for (auto pos = html.find("class=\"front-point\""); pos != std::string::npos;
         pos = html.find("class=\"front-point\"", pos + 1))
      ++n;
    CHECK(n == best.size());
    CHECK(read_json(dir / "log.json").size() == 10);
  }
}

TEST_SUITE("search/run_search") {
  TEST_CASE("journal per trial, outputs written; a killed run resumed equals an uninterrupted one") {
    const fs::path a = testing::binary_dir() / "run_a", b = testing::binary_dir() / "run_b";
    fs::remove_all(a);
    fs::remove_all(b);
    writes_counter wa;
    study<tpe_sampler> full(tpe_sampler{tpe_params{.seed = 7}}, toy_dims(), toy_dirs());
    const auto ra = run_search(full, toy_objective{}, run_params(a, 24), wa.writer());
    CHECK(ra.run == 24);
    CHECK(wa.calls == 1);
    CHECK(wa.trials == 24);
    CHECK(count_lines(a / "journal.jsonl") == 25);

    // The "killed" run: the first 13 trials and a torn line, as a kill mid-write leaves them.
    fs::create_directories(b);
    {
      std::ifstream in(a / "journal.jsonl");
      std::ofstream out(b / "journal.jsonl");
      std::string line;
      for (int i = 0; i < 14 && std::getline(in, line); ++i) out << line << '\n';
      std::getline(in, line);
      out << line.substr(0, line.size() / 2);
    }
    writes_counter wb;
    study<tpe_sampler> resumed(tpe_sampler{tpe_params{.seed = 7}}, toy_dims(), toy_dirs());
    auto p = run_params(b, 24);
    p.resume_from = b / "journal.jsonl";
    const auto rb = run_search(resumed, toy_objective{}, p, wb.writer());
    CHECK(rb.resumed == 13);
    CHECK(rb.run == 11);
    CHECK(keys(rb.trials) == keys(ra.trials));
    CHECK(count_lines(b / "journal.jsonl") == 25);
    CHECK(io::read_journal(b / "journal.jsonl").trials.size() == 24);
  }

  TEST_CASE("resume: a number missing from the journal is run again first; nothing finished is lost") {
    const fs::path a = testing::binary_dir() / "run_gap_a", b = testing::binary_dir() / "run_gap_b";
    fs::remove_all(a);
    fs::remove_all(b);
    writes_counter w;
    study<random_sampler> full(random_sampler{random_params{.seed = 2}}, toy_dims(), toy_dirs());
    auto pa = run_params(a, 6);
    pa.sampler_name = "random";
    const auto ra = run_search(full, toy_objective{}, pa, w.writer());
    // Trial 2 was running when the process died: its line is missing.
    fs::create_directories(b);
    {
      std::ifstream in(a / "journal.jsonl");
      std::ofstream out(b / "other.jsonl");
      std::string line;
      for (int i = 0; std::getline(in, line); ++i)
        if (i != 3) out << line << '\n';
    }
    study<random_sampler> again(random_sampler{random_params{.seed = 2}}, toy_dims(), toy_dirs());
    auto pb = run_params(b, 6);
    pb.sampler_name = "random";
    pb.resume_from = b / "other.jsonl";
    const auto rb = run_search(again, toy_objective{}, pb, w.writer());
    CHECK(rb.resumed == 5);
    CHECK(rb.run == 1);
    CHECK(keys(rb.trials) == keys(ra.trials));  // random: parameters depend on seed and number only
    CHECK(io::read_journal(b / "journal.jsonl").trials.size() == 6);
  }

  TEST_CASE("resume refuses a journal of another search; a fresh run keeps an old journal aside") {
    const fs::path a = testing::binary_dir() / "run_other";
    fs::remove_all(a);
    writes_counter w;
    study<tpe_sampler> s1(tpe_sampler{tpe_params{.seed = 7}}, toy_dims(), toy_dirs());
    run_search(s1, toy_objective{}, run_params(a, 3), w.writer());
    study<tpe_sampler> s2(tpe_sampler{tpe_params{.seed = 7}}, toy_dims(), toy_dirs());
    auto p = run_params(a, 3);
    p.seed = 8;
    p.resume_from = a / "journal.jsonl";
    CHECK_THROWS_WITH_AS(run_search(s2, toy_objective{}, p, w.writer()),
                         doctest::Contains("the journal belongs to a different search"), io_error);
    study<tpe_sampler> s3(tpe_sampler{tpe_params{.seed = 7}}, toy_dims(), toy_dirs());
    const auto r = run_search(s3, toy_objective{}, run_params(a, 2), w.writer());
    REQUIRE(r.moved_journal);
    CHECK(count_lines(*r.moved_journal) == 4);
    CHECK(count_lines(a / "journal.jsonl") == 3);
  }

  TEST_CASE("a stop request ends the run after the running trial; outputs are written") {
    const fs::path a = testing::binary_dir() / "run_stop";
    fs::remove_all(a);
    writes_counter w;
    study<tpe_sampler> st(tpe_sampler{tpe_params{.seed = 7}}, toy_dims(), toy_dirs());
    auto p = run_params(a, 50);
    std::atomic<std::size_t> seen{0};  // stop_requested is also polled from the study's watcher thread
    p.on_progress = [&](const search_progress& pr) {
      seen = pr.finished;
      CHECK(pr.target == 50);
      CHECK(pr.front_size >= 1);
    };
    p.stop_requested = [&] { return seen >= 4; };
    const auto r = run_search(st, toy_objective{}, p, w.writer());
    CHECK(r.stopped_by_request);
    CHECK(r.trials.size() == 4);
    CHECK(w.calls == 1);
    CHECK(count_lines(a / "journal.jsonl") == 5);
  }

  TEST_CASE("an objective that throws: its FAIL trial is journaled, outputs written, the exception rethrown") {
    const fs::path a = testing::binary_dir() / "run_throw";
    fs::remove_all(a);
    writes_counter w;
    study<tpe_sampler> st(tpe_sampler{tpe_params{.seed = 7}}, toy_dims(), toy_dirs());
    auto objective = [](trial_handle& t) -> std::vector<double> {
      if (t.number() == 2) throw std::runtime_error("evaluation crashed");
      return {1.0, 2.0};
    };
    CHECK_THROWS_WITH(run_search(st, objective, run_params(a, 5), w.writer()), "evaluation crashed");
    CHECK(w.calls == 1);
    CHECK(w.trials == 3);
    const auto j = io::read_journal(a / "journal.jsonl");
    REQUIRE(j.trials.size() == 3);
    CHECK(j.trials[2].state == trial_state::fail);
  }

  TEST_CASE("journal_writer with grouped syncs still writes every line at once") {
    const fs::path f = testing::binary_dir() / "grouped.jsonl";
    fs::remove(f);
    io::journal_header h;
    h.dimensions = toy_dims();
    h.directions = toy_dirs();
    io::journal_writer w(f, h, std::chrono::milliseconds(60000));
    trial t;
    t.state = trial_state::complete;
    t.params = {0, 0, 0, 0};
    t.values = {1, 2};
    w.append(t);
    CHECK(io::read_journal(f).trials.size() == 1);  // visible before any sync or close
  }

  TEST_CASE("stop_signals records SIGINT instead of ending the process") {
    stop_signals s;
    CHECK(stop_signals::received() == 0);
    std::raise(SIGINT);
    CHECK(stop_signals::received() == SIGINT);
  }
}

TEST_SUITE("io/dataset_folder") {
  TEST_CASE("x_<split>.npy and y_<split>.npy load as a dataset view; mistakes name the file") {
    const fs::path dir = testing::binary_dir() / "data_folder";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::vector<float> x{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    const std::vector<std::int64_t> y{0, 1, 2};
    io::write_npy(dir / "x_validation.npy", x.data(), {3, 1, 2, 2});
    io::write_npy(dir / "y_validation.npy", y.data(), {3});
    const auto d = io::load_split(dir, io::split_of_data_loader("val_dataloader"));
    CHECK(d.sample_shape == std::vector<std::size_t>{1, 2, 2});
    CHECK(d.view().sample_size == 4);
    CHECK(d.view().num_samples() == 3);
    CHECK_THROWS_WITH_AS((void)io::load_split(dir, "test"), doctest::Contains("x_test.npy"), io_error);
    io::write_npy(dir / "x_train.npy", x.data(), {3, 4});
    io::write_npy(dir / "y_train.npy", x.data(), {12});
    CHECK_THROWS_WITH_AS((void)io::load_split(dir, "train"), doctest::Contains("y_train.npy: dtype <f4, expected <i8"),
                         io_error);
    io::write_npy(dir / "y_train.npy", y.data(), {2});
    io::write_npy(dir / "x_train.npy", x.data(), {3, 4});
    CHECK_THROWS_WITH_AS((void)io::load_split(dir, "train"), doctest::Contains("y_train.npy: 2 labels for 3 samples"),
                         io_error);
    CHECK_THROWS_WITH_AS((void)io::split_of_data_loader("dev_dataloader"), doctest::Contains("dev_dataloader"),
                         config_error);
  }
}

TEST_SUITE("search/check_seed_choices") {
  // The tutorial's seed with `key`'s choices replaced.
  quantize_space_params tutorial_seed_with(const std::string& key, const nlohmann::ordered_json& choices) {
    config::search_config cfg = config::load_search_config(tutorial_config());
    cfg.space_seed["default"]["config"][key] = choices;
    return quantize_space_params_from_json(cfg.space_seed, cfg.by);
  }

  TEST_CASE("every choice is checked before any trial, naming the TOML path, the index and the value") {
    nlohmann::ordered_json widths = nlohmann::ordered_json::array();
    for (int w = 1; w <= 40; ++w) widths.push_back(w == 37 ? 0 : w);  // one bad width among 40
    CHECK_THROWS_WITH_AS(check_seed_choices(tutorial_seed_with("weight_width", widths)),
                         doctest::Contains("search.search_space.seed.default.config.weight_width[36] = 0: must be in [1, 64]"),
                         config_error);
    CHECK_THROWS_WITH_AS(check_seed_choices(tutorial_seed_with("name", {"integer", "integr"})),
                         doctest::Contains("search.search_space.seed.default.config.name[1] = \"integr\": "),
                         config_error);
    CHECK_THROWS_WITH_AS(check_seed_choices(tutorial_seed_with("bias_frac_width", {3, 1000})),
                         doctest::Contains("search.search_space.seed.default.config.bias_frac_width[1] = 1000: "),
                         config_error);
    CHECK_THROWS_WITH_AS(check_seed_choices(tutorial_seed_with("data_in_width", {4, "8"})),
                         doctest::Contains("search.search_space.seed.default.config.data_in_width[1] = \"8\": expected an integer"),
                         config_error);
    // A key the format does not have fails for every name choice.
    CHECK_THROWS_WITH_AS(check_seed_choices(tutorial_seed_with("weight_block_size", {16})),
                         doctest::Contains("unknown key for integer"), config_error);
    CHECK_NOTHROW(check_seed_choices(tutorial_seed_with("weight_width", {2, 4, 8})));
  }

  TEST_CASE("a choice valid only with some choices of another key passes (the pass decides per trial)") {
    quantize_space_params p;
    p.seed = {{"default",
               {{"name", {std::string("minifloat_ieee")}},
                {"data_in_width", {std::int64_t{4}, std::int64_t{8}}},
                {"data_in_exponent_width", {std::int64_t{5}, std::int64_t{3}}},
                {"data_in_exponent_bias", {std::string("None")}}}}};
    CHECK_NOTHROW(check_seed_choices(p));
  }

  TEST_CASE("make_quantize_space checks the seed of a loaded config") {
    tutorial_setup t;
    t.cfg.space_seed["default"]["config"]["bias_width"] = {2, 4, 0};
    CHECK_THROWS_WITH_AS((void)make_quantize_space(t.net, t.cfg),
                         doctest::Contains("search.search_space.seed.default.config.bias_width[2] = 0: "), config_error);
  }
}

TEST_SUITE("search/run_search lock") {
  TEST_CASE("a second run on a locked folder fails at once naming the folder and the pid; the first's files stay") {
    const fs::path a = testing::binary_dir() / "run_locked";
    fs::remove_all(a);
    writes_counter w;
    study<tpe_sampler> s1(tpe_sampler{tpe_params{.seed = 7}}, toy_dims(), toy_dirs());
    run_search(s1, toy_objective{}, run_params(a, 3), w.writer());
    const std::size_t lines = count_lines(a / "journal.jsonl");
    {
      const io::folder_lock held(a);  // as a running search holds it
      study<tpe_sampler> s2(tpe_sampler{tpe_params{.seed = 7}}, toy_dims(), toy_dirs());
      CHECK_THROWS_WITH_AS(run_search(s2, toy_objective{}, run_params(a, 3), w.writer()),
                           doctest::Contains((a.string() + ": another search is writing to this folder (pid " +
                                              std::to_string(::getpid())).c_str()),
                           io_error);
      auto p = run_params(a, 5);
      p.resume_from = a / "journal.jsonl";
      study<tpe_sampler> s3(tpe_sampler{tpe_params{.seed = 7}}, toy_dims(), toy_dirs());
      CHECK_THROWS_AS(run_search(s3, toy_objective{}, p, w.writer()), io_error);
    }
    CHECK(count_lines(a / "journal.jsonl") == lines);
    CHECK(w.calls == 1);  // the refused runs wrote nothing
    for (const auto& e : fs::directory_iterator(a))  // nor kept the journal aside
      CHECK(e.path().filename().string().rfind("journal-", 0) != 0);
    study<tpe_sampler> s4(tpe_sampler{tpe_params{.seed = 7}}, toy_dims(), toy_dirs());
    auto p = run_params(a, 5);
    p.resume_from = a / "journal.jsonl";
    CHECK(run_search(s4, toy_objective{}, p, w.writer()).resumed == 3);  // free again once released
  }

  TEST_CASE("resume with another seed or sampler names only the fields that differ") {
    const fs::path a = testing::binary_dir() / "run_header_diff";
    fs::remove_all(a);
    writes_counter w;
    study<tpe_sampler> s1(tpe_sampler{tpe_params{.seed = 7}}, toy_dims(), toy_dirs());
    run_search(s1, toy_objective{}, run_params(a, 2), w.writer());
    auto p = run_params(a, 3);
    p.seed = 8;
    p.resume_from = a / "journal.jsonl";
    study<tpe_sampler> s2(tpe_sampler{tpe_params{.seed = 8}}, toy_dims(), toy_dirs());
    try {
      run_search(s2, toy_objective{}, p, w.writer());
      FAIL("expected an io_error");
    } catch (const io_error& e) {
      const std::string m = e.what();
      CHECK(m.find("the journal belongs to a different search: seed 7 (this search: 8)") != std::string::npos);
      CHECK(m.find("p0") == std::string::npos);  // the dimensions are equal: not dumped
    }
  }
}
