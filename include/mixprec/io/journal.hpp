// The search journal (decisions.md 14): one JSON line per finished trial, appended and flushed to
// disk before the next trial starts, after a header line that identifies the search. Resuming
// reads it back; a last line cut short by a kill is dropped, any other damage is an error.
#pragma once
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <mixprec/error.hpp>
#include <mixprec/search/trial.hpp>

namespace mixprec::io {

/// What identifies a search: resuming with a different space, objectives or sampler is refused.
struct journal_header {
  std::vector<dimension> dimensions;
  std::vector<direction> directions;
  std::string sampler;
  std::uint32_t seed = 0;

  [[nodiscard]] nlohmann::json to_json() const {
    nlohmann::json j;
    j["mixprec_journal"] = 1;
    j["sampler"] = sampler;
    j["seed"] = seed;
    for (const auto& d : dimensions) j["dimensions"].push_back({d.name, d.n_choices});
    for (auto d : directions) j["directions"].push_back(std::string(to_string(d)));
    return j;
  }
};

/// What differs between a journal's header `found` and the header `expected` of this search, as
/// "sampler \"tpe\" (this search: \"random\"); seed 1 (this search: 0); ...": only the fields that
/// differ, and for the dimensions the first one that differs. Empty when they are equal.
inline std::string journal_header_difference(const nlohmann::json& found, const nlohmann::json& expected) {
  std::string out;
  const auto add = [&](const std::string& s) { out += (out.empty() ? "" : "; ") + s; };
  const auto field = [](const nlohmann::json& h, const char* k) {
    return h.is_object() && h.contains(k) ? h[k] : nlohmann::json();
  };
  for (const char* k : {"mixprec_journal", "sampler", "seed", "directions"}) {
    const nlohmann::json a = field(found, k), b = field(expected, k);
    if (a != b) add(std::string(k) + " " + (a.is_null() ? "missing" : a.dump()) + " (this search: " + b.dump() + ")");
  }
  const nlohmann::json a = field(found, "dimensions"), b = field(expected, "dimensions");
  if (a != b) {
    const std::size_t na = a.is_array() ? a.size() : 0, nb = b.is_array() ? b.size() : 0;
    std::string d = "dimensions: " + std::to_string(na) + " (this search: " + std::to_string(nb) + ")";
    for (std::size_t i = 0; i < std::max(na, nb); ++i) {
      const nlohmann::json x = i < na ? a[i] : nlohmann::json(), y = i < nb ? b[i] : nlohmann::json();
      if (x == y) continue;
      d += ", first difference at dimension " + std::to_string(i) + ": " + (x.is_null() ? "none" : x.dump()) +
           " (this search: " + (y.is_null() ? "none" : y.dump()) + ")";
      break;
    }
    add(d);
  }
  std::set<std::string> other;  // fields a later version may add
  for (const auto* h : {&found, &expected})
    if (h->is_object())
      for (const auto& [k, v] : h->items()) other.insert(k);
  for (const char* k : {"mixprec_journal", "sampler", "seed", "directions", "dimensions"}) other.erase(k);
  for (const auto& k : other)
    if (field(found, k.c_str()) != field(expected, k.c_str()))
      add(k + " " + field(found, k.c_str()).dump() + " (this search: " + field(expected, k.c_str()).dump() + ")");
  if (out.empty() && found != expected) out = "the header is not an object";
  return out;
}

/// One finished trial as a journal line.
inline nlohmann::json trial_to_json(const trial& t) {
  nlohmann::json j;
  j["number"] = t.number;
  j["state"] = std::string(to_string(t.state));
  j["params"] = t.params;
  nlohmann::json values = nlohmann::json::array();
  for (double v : t.values) {
    if (std::isfinite(v)) values.push_back(v);
    else values.push_back(std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"));  // JSON has no inf
  }
  j["values"] = values;
  j["user_attrs"] = nlohmann::json::object();
  for (const auto& [group, metrics] : t.user_attrs)
    for (const auto& [k, v] : metrics) j["user_attrs"][group][k] = v;
  if (t.fixed_params) j["fixed_params"] = *t.fixed_params;
  j["datetime_start"] = t.datetime_start_ms;
  j["datetime_complete"] = t.datetime_complete_ms;
  return j;
}

inline trial trial_from_json(const nlohmann::json& j) {
  trial t;
  const auto& number = j.at("number");
  if (!number.is_number_unsigned())
    throw io_error("trial number " + number.dump() + ": expected an integer >= 0");
  t.number = number.get<std::size_t>();
  const std::string s = j.at("state").get<std::string>();
  if (s == "COMPLETE") t.state = trial_state::complete;
  else if (s == "FAIL") t.state = trial_state::fail;
  else if (s == "PRUNED") t.state = trial_state::pruned;
  else throw io_error("trial " + std::to_string(t.number) + " has state \"" + s +
                      "\"; expected COMPLETE, FAIL or PRUNED");
  t.params = j.at("params").get<std::vector<std::size_t>>();
  for (const auto& v : j.at("values")) {
    if (v.is_number()) t.values.push_back(v.get<double>());
    else {
      const std::string w = v.get<std::string>();
      t.values.push_back(w == "inf" ? HUGE_VAL : w == "-inf" ? -HUGE_VAL : std::nan(""));
    }
  }
  for (const auto& [group, metrics] : j.at("user_attrs").items())
    for (const auto& [k, v] : metrics.items()) t.user_attrs[group][k] = v.get<double>();
  if (j.contains("fixed_params")) t.fixed_params = j["fixed_params"].get<std::vector<std::size_t>>();
  t.datetime_start_ms = j.at("datetime_start").get<std::int64_t>();
  t.datetime_complete_ms = j.at("datetime_complete").get<std::int64_t>();
  return t;
}

/// What a journal holds.
struct journal_contents {
  nlohmann::json header;
  std::vector<trial> trials;  ///< in file order
  bool dropped_torn_line = false;  ///< the last line was cut short (a kill mid-write) and ignored
};

/// The largest trial number a journal with `records` trial lines may hold, plus one. Numbers
/// missing below a record are trials that were running when a run died (resume runs them
/// again); each record may account for one such gap, plus 1024 for workers lost at once. A
/// larger number is damage (it would make resume create that many phantom waiting trials).
constexpr std::size_t journal_number_bound(std::size_t records) { return 2 * records + 1024; }

/// Reads a journal. Throws io_error naming the file and line for anything but a torn last line,
/// including a trial number >= journal_number_bound(trial lines).
inline journal_contents read_journal(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw io_error(file.string() + ": cannot open journal");
  const std::string text{std::istreambuf_iterator<char>(in), {}};
  journal_contents out;
  std::vector<std::size_t> trial_lines;  // the line of each trial, for messages
  std::size_t pos = 0, line_no = 0;
  while (pos < text.size()) {
    const auto end = text.find('\n', pos);
    const bool complete_line = end != std::string::npos;
    const std::string line = text.substr(pos, complete_line ? end - pos : std::string::npos);
    pos = complete_line ? end + 1 : text.size();
    ++line_no;
    if (line.empty()) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception&) {  // parse_error, or out_of_range for a number such as 1e999
      if (!complete_line) {  // the write of the last line was interrupted
        out.dropped_torn_line = true;
        break;
      }
      throw io_error(file.string() + ":" + std::to_string(line_no) + ": corrupt journal line \"" +
                     line.substr(0, 60) + (line.size() > 60 ? "...\"" : "\"") + "; expected one JSON object");
    }
    if (line_no == 1) {
      if (!j.is_object() || !j.contains("mixprec_journal"))
        throw io_error(file.string() + ":1: not a mixprec journal (no header line)");
      out.header = std::move(j);
      continue;
    }
    try {
      out.trials.push_back(trial_from_json(j));
      trial_lines.push_back(line_no);
    } catch (const nlohmann::json::exception& e) {
      throw io_error(file.string() + ":" + std::to_string(line_no) + ": malformed journal entry: " + e.what());
    } catch (const io_error& e) {
      throw io_error(file.string() + ":" + std::to_string(line_no) + ": " + e.what());
    }
  }
  if (out.header.is_null()) throw io_error(file.string() + ": empty journal (no header line)");
  const std::size_t bound = journal_number_bound(out.trials.size());
  for (std::size_t i = 0; i < out.trials.size(); ++i)
    if (out.trials[i].number >= bound)
      throw io_error(file.string() + ":" + std::to_string(trial_lines[i]) + ": trial number " +
                     std::to_string(out.trials[i].number) + " is too large: a journal of " +
                     std::to_string(out.trials.size()) + " trial lines holds numbers < " + std::to_string(bound) +
                     " (2 x lines + 1024); the journal is damaged");
  return out;
}

/// Appends finished trials to a journal, each line flushed and synced before `append` returns.
class journal_writer {
 public:
  /// Opens `file` for appending; a new (or empty) file gets `header` as its first line, an
  /// existing one must carry the same header (else io_error: the search would not match).
  /// Every line is written to the OS at once (it survives the process being killed). With
  /// `sync_every` = 0 each line is also synced to disk before append returns; with a positive
  /// interval, syncs are grouped: at most one per interval, and one when the writer closes
  /// (a power loss may then lose the lines of the last interval).
  journal_writer(const std::filesystem::path& file, const journal_header& header,
                 std::chrono::milliseconds sync_every = std::chrono::milliseconds{0})
      : path_(file), sync_every_(sync_every) {
    const nlohmann::json h = header.to_json();
    if (std::filesystem::is_directory(file))
      throw io_error(file.string() + ": is a directory; expected a journal file");
    if (std::filesystem::exists(file) && std::filesystem::file_size(file) > 0) {
      const journal_contents existing = read_journal(file);
      if (existing.header != h)
        throw io_error(file.string() + ": the journal belongs to a different search (" +
                       journal_header_difference(existing.header, h) + "); use another output folder or remove it");
      if (existing.dropped_torn_line) truncate_torn_tail(file);
    } else if (file.has_parent_path()) {
      std::error_code ec;
      std::filesystem::create_directories(file.parent_path(), ec);
      if (ec) throw io_error(file.parent_path().string() + ": cannot create the journal's folder: " + ec.message());
    }
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) throw io_error(file.string() + ": cannot open journal for appending: " + std::strerror(errno));
    if (std::filesystem::file_size(file) == 0) write_line(h.dump());
    else if (!ends_with_newline()) write_raw("\n");  // a complete last line without its '\n'
  }
  journal_writer(const journal_writer&) = delete;
  journal_writer& operator=(const journal_writer&) = delete;
  ~journal_writer() {
    if (fd_ >= 0) {
      if (unsynced_) ::fsync(fd_);
      ::close(fd_);
    }
  }

  /// Appends one finished trial; thread-safe.
  void append(const trial& t) {
    std::lock_guard lock(mutex_);
    write_line(trial_to_json(t).dump());
  }

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  void write_raw(std::string_view text) {
    std::size_t done = 0;
    while (done < text.size()) {
      const auto n = ::write(fd_, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw io_error(path_.string() + ": journal write failed: " + std::strerror(errno));
      done += static_cast<std::size_t>(n);
    }
  }

  [[nodiscard]] bool ends_with_newline() const {
    char last = 0;
    const auto size = ::lseek(fd_, 0, SEEK_END);
    if (size <= 0) return true;
    if (::pread(fd_, &last, 1, size - 1) != 1)
      throw io_error(path_.string() + ": cannot read the journal's last byte: " + std::strerror(errno));
    return last == '\n';
  }

  void write_line(std::string line) {
    line.push_back('\n');
    write_raw(line);
    const auto now = std::chrono::steady_clock::now();
    if (sync_every_.count() > 0 && now - last_sync_ < sync_every_) {
      unsynced_ = true;
      return;
    }
    if (::fsync(fd_) != 0) throw io_error(path_.string() + ": journal sync failed: " + std::strerror(errno));
    last_sync_ = now;
    unsynced_ = false;
  }

  // Cuts a torn last line so that new lines start on a line of their own.
  static void truncate_torn_tail(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), {}};
    const auto last_newline = text.rfind('\n');
    std::filesystem::resize_file(file, last_newline == std::string::npos ? 0 : last_newline + 1);
  }

  std::filesystem::path path_;
  std::chrono::milliseconds sync_every_{0};
  std::chrono::steady_clock::time_point last_sync_{};
  bool unsynced_ = false;
  int fd_ = -1;
  std::mutex mutex_;
};

}  // namespace mixprec::io
