#include <doctest/doctest.h>

#include <mixprec/io/journal.hpp>
#include <mixprec/io/trials_log.hpp>

#include <fstream>

#include "../test_data.hpp"

using namespace mixprec;
using ojson = nlohmann::ordered_json;

namespace {
trial make_trial(std::size_t number, trial_state state, std::vector<std::size_t> params,
                 std::vector<double> values = {}) {
  trial t;
  t.number = number;
  t.state = state;
  t.params = std::move(params);
  t.values = std::move(values);
  return t;
}

ojson read_json(const std::filesystem::path& p) {
  std::ifstream in(p);
  return ojson::parse(in);
}

metric_map to_metrics(const ojson& j) {
  metric_map m;
  for (const auto& [k, v] : j.items()) m[k] = v.get<double>();
  return m;
}

// Rebuilds the golden 20-trial MASE search as trials; params[0] is the row, so the decoder can
// hand back the golden sampled_config of that row.
std::vector<trial> golden_trials(const ojson& log) {
  std::vector<trial> out;
  for (const auto& [key, row] : log.items()) {
    trial t;
    t.number = row["number"].get<std::size_t>();
    t.state = trial_state::complete;
    t.params = {std::stoul(key)};
    t.values = {row["values_0"].get<double>(), row["values_1"].get<double>()};
    t.user_attrs["hardware_metrics"] = to_metrics(row["user_attrs_hardware_metrics"]);
    t.user_attrs["scaled_metrics"] = to_metrics(row["user_attrs_scaled_metrics"]);
    t.user_attrs["software_metrics"] = to_metrics(row["user_attrs_software_metrics"]);
    t.datetime_start_ms = row["datetime_start"].get<std::int64_t>();
    t.datetime_complete_ms = row["datetime_complete"].get<std::int64_t>();
    out.push_back(t);
  }
  return out;
}
}  // namespace

TEST_SUITE("io/trials_log") {
  TEST_CASE("pandas float layout: 10 decimals, trimmed, one decimal kept, null for NaN and inf") {
    CHECK(io::format_pandas_double(0.78490566037735) == "0.7849056604");
    CHECK(io::format_pandas_double(1e-12) == "0.0");
    CHECK(io::format_pandas_double(2.5e-5) == "0.000025");
    CHECK(io::format_pandas_double(4.0) == "4.0");
    CHECK(io::format_pandas_double(1e17) == "1e+17");
    CHECK(io::format_pandas_double(std::nan("")) == "null");
    CHECK(io::format_pandas_double(-HUGE_VAL) == "null");
  }

  TEST_CASE("log.json of MASE's golden 20-trial search is reproduced value for value") {
    const ojson golden = read_json(testing::golden_dir() / "search_log_tpe_seed0.json");
    const auto trials = golden_trials(golden);
    REQUIRE(trials.size() == 20);
    io::config_decoder decode = [&](std::span<const std::size_t> p) {
      return golden[std::to_string(p[0])]["user_attrs_sampled_config"];
    };
    const std::string text = io::to_pandas_json(io::trials_dataframe(trials, 2, decode));
    // Same keys, same values, same types (object key order aside: pandas keeps insertion order).
    // Optuna truncates start, complete and their difference to ms separately, so the duration
    // may be 1 ms off complete - start; every other field must be equal.
    auto ours = nlohmann::json::parse(text);
    auto theirs = nlohmann::json::parse(golden.dump());
    REQUIRE(ours.size() == theirs.size());
    for (auto& [key, row] : theirs.items()) {
      CAPTURE(key);
      const auto d_ours = ours[key]["duration"].get<std::int64_t>();
      const auto d_theirs = row["duration"].get<std::int64_t>();
      CHECK(std::abs(d_ours - d_theirs) <= 1);
      ours[key].erase("duration");
      row.erase("duration");
      CHECK(ours[key] == row);
    }
    CHECK(text.find("\n        \"values_1\":0.4150943396,\n") != std::string::npos);
    CHECK(text.rfind("{\n    \"0\":{\n        \"number\":0,\n", 0) == 0);
  }

  TEST_CASE("single objective writes `value`; failed trials write null values and keep their times") {
    trial ok = make_trial(0, trial_state::complete, {1}, {0.5});
    ok.datetime_start_ms = 1000;
    ok.datetime_complete_ms = 1012;
    trial bad = make_trial(1, trial_state::fail, {0});
    bad.datetime_start_ms = 1013;
    bad.datetime_complete_ms = 1014;
    trial running = make_trial(2, trial_state::running, {0});
    running.datetime_start_ms = 1015;
    std::vector<trial> ts{ok, bad, running};
    io::config_decoder decode = [](std::span<const std::size_t> p) { return ojson{{"x", p[0]}}; };
    const ojson j = io::trials_dataframe(ts, 1, decode);
    CHECK(j["0"]["value"] == 0.5);
    CHECK(j["0"]["duration"] == 12);
    CHECK(j["1"]["value"].is_null());
    CHECK(j["1"]["state"] == "FAIL");
    CHECK(j["2"]["state"] == "RUNNING");
    CHECK(j["2"]["datetime_complete"].is_null());
    CHECK(j["2"]["duration"].is_null());
    const ojson best = io::best_table(std::span(ts).first(1), 1, decode);
    CHECK(best["0"]["value"] == 0.5);
    CHECK(best["0"]["sampled_config"]["x"] == 1);
    const ojson best2 = io::best_table(std::span(ts).first(1), 2, decode);
    CHECK(best2["0"]["value"].is_array());
  }

  TEST_CASE("write_trials_logs replaces both files atomically") {
    const auto dir = testing::binary_dir() / "logs_out";
    std::filesystem::remove_all(dir);
    std::vector<trial> ts{make_trial(0, trial_state::complete, {0}, {1.0, 2.0})};
    io::config_decoder decode = [](std::span<const std::size_t>) { return ojson::object(); };
    io::write_trials_logs(dir, ts, ts, 2, decode);
    CHECK(read_json(dir / "log.json")["0"]["values_1"] == 2.0);
    CHECK(read_json(dir / "best.json")["0"]["value"] == ojson({1.0, 2.0}));
    CHECK_FALSE(std::filesystem::exists(dir / "log.json.tmp"));
  }
}

TEST_SUITE("io/journal") {
  io::journal_header header() {
    io::journal_header h;
    h.dimensions = {{"a", 3}, {"b", 2}};
    h.directions = {direction::maximize};
    h.sampler = "tpe";
    return h;
  }

  TEST_CASE("appends finished trials and reads them back, infinities included") {
    const auto file = testing::binary_dir() / "journal_rt.jsonl";
    std::filesystem::remove(file);
    {
      io::journal_writer w(file, header());
      trial t = make_trial(0, trial_state::complete, {2, 1}, {HUGE_VAL});
      t.user_attrs["software_metrics"]["accuracy"] = 0.75;
      t.datetime_start_ms = 5;
      t.datetime_complete_ms = 9;
      w.append(t);
      w.append(make_trial(1, trial_state::fail, {0, 0}));
    }
    const auto j = io::read_journal(file);
    REQUIRE(j.trials.size() == 2);
    CHECK(j.trials[0].values[0] == HUGE_VAL);
    CHECK(j.trials[0].user_attrs.at("software_metrics").at("accuracy") == 0.75);
    CHECK(j.trials[0].datetime_complete_ms == 9);
    CHECK(j.trials[1].state == trial_state::fail);
    CHECK_FALSE(j.dropped_torn_line);
  }

  TEST_CASE("a torn last line is dropped and cut; damage elsewhere names the line") {
    const auto file = testing::binary_dir() / "journal_torn.jsonl";
    std::filesystem::remove(file);
    {
      io::journal_writer w(file, header());
      w.append(make_trial(0, trial_state::complete, {1, 1}, {0.5}));
    }
    { std::ofstream(file, std::ios::app) << "{\"number\":1,\"sta"; }
    auto j = io::read_journal(file);
    CHECK(j.trials.size() == 1);
    CHECK(j.dropped_torn_line);
    {
      io::journal_writer w(file, header());  // resumes: cuts the torn tail, appends after it
      w.append(make_trial(1, trial_state::complete, {0, 1}, {0.25}));
    }
    j = io::read_journal(file);
    CHECK(j.trials.size() == 2);
    CHECK_FALSE(j.dropped_torn_line);

    const auto broken = testing::binary_dir() / "journal_broken.jsonl";
    std::filesystem::copy_file(file, broken, std::filesystem::copy_options::overwrite_existing);
    { std::ofstream(broken, std::ios::app) << "garbage\n{\"number\":3}\n"; }
    CHECK_THROWS_WITH_AS(io::read_journal(broken), doctest::Contains("journal_broken.jsonl:4: corrupt journal line \"garbage\""),
                         io_error);
  }

  TEST_CASE("refuses to continue a journal of a different search") {
    const auto file = testing::binary_dir() / "journal_other.jsonl";
    std::filesystem::remove(file);
    { io::journal_writer w(file, header()); }
    auto other = header();
    other.seed = 1;
    CHECK_THROWS_WITH_AS(io::journal_writer(file, other), doctest::Contains("belongs to a different search"),
                         io_error);
  }
}
