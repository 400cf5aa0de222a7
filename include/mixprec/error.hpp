// Exception types for user mistakes. Every message names the field (or file and key),
// the value received and what was expected, e.g. "tpe_params.gamma = 1.5: must be in (0, 1)".
#pragma once
#include <stdexcept>
#include <string>

namespace mixprec {

/// A bad parameter or configuration value: unknown name, out-of-range width, malformed config.
struct config_error : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// Mismatched spans, tensor shapes or dimension counts.
struct shape_error : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// A missing, unreadable or corrupt file.
struct io_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace mixprec
