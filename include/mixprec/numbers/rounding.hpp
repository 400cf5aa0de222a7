// Rounding and overflow policies of the compile-time fixed-point type, in the vocabulary FPGA users
// know from HLS `ac_fixed` (its Q and O template arguments), as scoped enums.
#pragma once

namespace mixprec {

/// How a value between two representable fixed-point values is rounded (ac_fixed's quantization mode).
enum class rounding {
  floor,        ///< toward -inf                                  (ac_fixed TRN)
  toward_zero,  ///< toward 0                                     (ac_fixed TRN_ZERO)
  half_up,      ///< nearest, ties toward +inf                    (ac_fixed RND)
  half_zero,    ///< nearest, ties toward 0                       (ac_fixed RND_ZERO)
  half_away,    ///< nearest, ties away from 0                    (ac_fixed RND_INF)
  half_down,    ///< nearest, ties toward -inf                    (ac_fixed RND_MIN_INF)
  half_even,    ///< nearest, ties to even (torch.round, MASE)    (ac_fixed RND_CONV)
  half_odd,     ///< nearest, ties to odd                         (ac_fixed RND_CONV_ODD)
};

/// What a value outside the representable range becomes (ac_fixed's overflow mode).
enum class overflow {
  wrap,                ///< keep the low Width bits, two's complement  (ac_fixed WRAP)
  saturate,            ///< clamp to [min, max]                        (ac_fixed SAT)
  saturate_zero,       ///< out-of-range values become 0               (ac_fixed SAT_ZERO)
  saturate_symmetric,  ///< clamp to [-max, max]; for signed types the most negative code is
                       ///< never produced                             (ac_fixed SAT_SYM)
};

}  // namespace mixprec
