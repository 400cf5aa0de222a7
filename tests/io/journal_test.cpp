#include <doctest/doctest.h>

#include <mixprec/io/atomic_file.hpp>
#include <mixprec/io/folder_lock.hpp>
#include <mixprec/io/journal.hpp>

#include <fstream>
#include <string>

#include <unistd.h>

#include "../test_data.hpp"

using namespace mixprec;
namespace fs = std::filesystem;

namespace {
io::journal_header small_header() {
  io::journal_header h;
  h.dimensions = {{"a", 3}, {"b", 2}};
  h.directions = {direction::maximize};
  h.sampler = "tpe";
  return h;
}

trial finished(std::size_t number) {
  trial t;
  t.number = number;
  t.state = trial_state::complete;
  t.params = {1, 0};
  t.values = {0.5};
  return t;
}

// A journal with the small header and one trial line per number, written by hand.
fs::path journal_with(const std::string& name, const std::vector<std::string>& numbers) {
  const fs::path file = testing::binary_dir() / name;
  std::ofstream out(file, std::ios::trunc);
  out << small_header().to_json().dump() << "\n";
  for (const auto& n : numbers)
    out << R"({"number":)" << n
        << R"(,"state":"COMPLETE","params":[1,0],"values":[0.5],"user_attrs":{},"datetime_start":0,"datetime_complete":0})"
        << "\n";
  return file;
}
}  // namespace

TEST_SUITE("io/journal") {
  TEST_CASE("a complete last line without its newline gets one before the next record") {
    const auto file = testing::binary_dir() / "journal_no_newline.jsonl";
    fs::remove(file);
    {
      io::journal_writer w(file, small_header());
      w.append(finished(0));
    }
    fs::resize_file(file, fs::file_size(file) - 1);  // drop the final '\n' (an editor, a copy tool)
    REQUIRE(io::read_journal(file).trials.size() == 1);
    {
      io::journal_writer w(file, small_header());
      w.append(finished(1));
    }
    const auto j = io::read_journal(file);
    REQUIRE(j.trials.size() == 2);
    CHECK(j.trials[1].number == 1);
  }

  TEST_CASE("trial numbers beyond 2 x records + 1024 are refused, naming the file, the line and the value") {
    CHECK_THROWS_WITH_AS(io::read_journal(journal_with("journal_huge.jsonl", {"0", "1000000000000"})),
                         doctest::Contains("journal_huge.jsonl:3: trial number 1000000000000 is too large: a journal "
                                           "of 2 trial lines holds numbers < 1028"),
                         io_error);
    CHECK_THROWS_WITH_AS(io::read_journal(journal_with("journal_5000.jsonl", {"5000"})),
                         doctest::Contains("journal_5000.jsonl:2: trial number 5000 is too large"), io_error);
    CHECK_THROWS_WITH_AS(io::read_journal(journal_with("journal_negative.jsonl", {"0", "-1"})),
                         doctest::Contains("journal_negative.jsonl:3: trial number -1: expected an integer >= 0"),
                         io_error);
    // Gaps left by trials that were running when a run died are fine.
    const auto j = io::read_journal(journal_with("journal_gaps.jsonl", {"3", "1025"}));
    CHECK(j.trials.size() == 2);
    CHECK(io::journal_number_bound(2) == 1028);
  }

  TEST_CASE("a number too large for a double (1e999) is a corrupt line naming the file and line, not an escape") {
    CHECK_THROWS_WITH_AS(io::read_journal(journal_with("journal_1e999.jsonl", {"0", "1e999"})),
                         doctest::Contains("journal_1e999.jsonl:3: corrupt journal line"), io_error);
  }

  TEST_CASE("a different search's header is reported by the fields that differ") {
    auto other = small_header();
    other.seed = 3;
    other.dimensions[1] = {"c", 2};
    const std::string d = io::journal_header_difference(small_header().to_json(), other.to_json());
    CHECK(d == R"(seed 0 (this search: 3); dimensions: 2 (this search: 2), first difference at dimension 1: ["b",2] (this search: ["c",2]))");
    CHECK(io::journal_header_difference(small_header().to_json(), small_header().to_json()).empty());

    const auto file = testing::binary_dir() / "journal_other_seed.jsonl";
    fs::remove(file);
    { io::journal_writer w(file, small_header()); }
    auto reseeded = small_header();
    reseeded.seed = 1;
    reseeded.sampler = "random";
    CHECK_THROWS_WITH_AS(io::journal_writer(file, reseeded),
                         doctest::Contains(R"(different search (sampler "tpe" (this search: "random"); seed 0 (this search: 1)); use)"),
                         io_error);
  }

  TEST_CASE("journal and atomic writes name the path and the system's reason") {
    const fs::path dir = testing::binary_dir() / "write_errors";
    fs::remove_all(dir);
    fs::create_directories(dir / "target.json.tmp");  // the temporary file's name is taken by a folder
    CHECK_THROWS_WITH_AS(io::write_file_atomically(dir / "target.json", "{}"),
                         doctest::Contains("target.json.tmp: cannot open for writing: Is a directory"), io_error);
    { std::ofstream(dir / "plain_file") << "x"; }
    CHECK_THROWS_WITH_AS(io::journal_writer(dir / "plain_file" / "journal.jsonl", small_header()),
                         doctest::Contains("plain_file: cannot create the journal's folder: Not a directory"), io_error);
    CHECK_THROWS_WITH_AS(io::journal_writer(dir / "target.json.tmp", small_header()),
                         doctest::Contains("target.json.tmp: is a directory; expected a journal file"), io_error);
  }
}

TEST_SUITE("io/folder_lock") {
  TEST_CASE("a second lock on a folder fails at once, naming the folder and the holder's pid") {
    const fs::path dir = testing::binary_dir() / "locked_folder";
    fs::create_directories(dir);
    {
      const io::folder_lock first(dir);
      CHECK_THROWS_WITH_AS(io::folder_lock{dir},
                           doctest::Contains((dir.string() + ": another search is writing to this folder (pid " +
                                              std::to_string(::getpid()) + " holds").c_str()),
                           io_error);
    }
    const io::folder_lock again(dir);  // released with its holder
    CHECK(fs::exists(again.path()));
  }
}
