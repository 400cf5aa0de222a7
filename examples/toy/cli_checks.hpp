// Checks of command-line values with readable messages: CLI11's own range checks print their
// bounds in full (PositiveNumber's upper bound is DBL_MAX, 309 digits).
#pragma once
#include <charconv>
#include <cstdint>
#include <string>
#include <system_error>

#include <CLI/CLI.hpp>

namespace mixprec::toy {

/// An integer >= `min` (CLI11 prints "--flag: <message>").
inline CLI::Validator integer_at_least(std::int64_t min) {
  return CLI::Validator(
      [min](std::string& s) -> std::string {
        std::int64_t v = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec == std::errc{} && end == s.data() + s.size() && v >= min) return {};
        return "value " + s + " is not allowed; expected an integer in [" + std::to_string(min) + ", 2^63)";
      },
      "INT>=" + std::to_string(min));
}

}  // namespace mixprec::toy
