// Reading and writing NumPy .npy files (format 1.0/2.0/3.0, little-endian, C order):
// golden data, checkpoints and user data sets all travel as .npy.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <string>
#include <type_traits>
#include <vector>

#include <mixprec/error.hpp>

namespace mixprec::io {

/// The dtype of an .npy array, as its descriptor says ('<f4', '<f8', '<i4', '<i8', '|u1', '|b1').
enum class npy_dtype { f4, f8, i4, i8, u1, b1 };

/// An .npy array: shape, dtype and its raw little-endian bytes in C order.
struct npy_array {
  std::vector<std::size_t> shape;
  npy_dtype dtype = npy_dtype::f4;
  std::vector<char> bytes;

  [[nodiscard]] std::size_t size() const {
    return std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>{});
  }
  /// The elements converted to T (exact for same-kind types; int64 -> double is the user's call).
  template <class T>
  [[nodiscard]] std::vector<T> as() const;
};

namespace detail {

inline std::size_t npy_item_size(npy_dtype d) {
  switch (d) {
    case npy_dtype::f4: case npy_dtype::i4: return 4;
    case npy_dtype::f8: case npy_dtype::i8: return 8;
    case npy_dtype::u1: case npy_dtype::b1: return 1;
  }
  return 0;
}

inline const char* npy_descr(npy_dtype d) {
  switch (d) {
    case npy_dtype::f4: return "<f4";
    case npy_dtype::f8: return "<f8";
    case npy_dtype::i4: return "<i4";
    case npy_dtype::i8: return "<i8";
    case npy_dtype::u1: return "|u1";
    case npy_dtype::b1: return "|b1";
  }
  return "?";
}

template <class T>
constexpr npy_dtype npy_dtype_of() {
  if constexpr (std::is_same_v<T, float>) return npy_dtype::f4;
  else if constexpr (std::is_same_v<T, double>) return npy_dtype::f8;
  else if constexpr (std::is_same_v<T, std::int32_t>) return npy_dtype::i4;
  else if constexpr (std::is_same_v<T, std::int64_t>) return npy_dtype::i8;
  else if constexpr (std::is_same_v<T, std::uint8_t>) return npy_dtype::u1;
  else static_assert(sizeof(T) == 0, "npy: unsupported element type");
}

// acc = acc * m + add, or false on size_t overflow (acc unchanged then). With `out`, the result
// goes there instead.
inline bool npy_mul_add(std::size_t& acc, std::size_t m, std::size_t add, std::size_t* out = nullptr) {
  const std::size_t max = std::numeric_limits<std::size_t>::max();
  if (m != 0 && acc > max / m) return false;
  if (acc * m > max - add) return false;
  (out ? *out : acc) = acc * m + add;
  return true;
}

// The value of `key` in the header's Python dict literal, e.g. 'descr': '<f4'.
inline std::string npy_header_field(const std::string& header, const std::string& key,
                                    const std::string& path) {
  const auto k = header.find("'" + key + "'");
  if (k == std::string::npos) throw io_error(path + ": npy header has no '" + key + "' field");
  auto colon = header.find(':', k);
  if (colon == std::string::npos) throw io_error(path + ": npy header field '" + key + "' is malformed");
  auto start = header.find_first_not_of(' ', colon + 1);
  if (start == std::string::npos) throw io_error(path + ": npy header field '" + key + "' is empty");
  std::size_t end;
  if (header[start] == '(') end = header.find(')', start) + 1;
  else if (header[start] == '\'') end = header.find('\'', start + 1) + 1;
  else end = header.find_first_of(",}", start);
  if (end == std::string::npos || end == 0) throw io_error(path + ": npy header field '" + key + "' is malformed");
  return header.substr(start, end - start);
}

}  // namespace detail

/// Reads an .npy file. Throws io_error naming the path and what was found for a missing file or
/// a folder, a bad magic string or version, a truncated or malformed header, an unsupported dtype,
/// Fortran order, a shape whose size overflows, or a payload shorter than the shape says. The
/// header is checked against the file size before anything is allocated.
inline npy_array read_npy(const std::filesystem::path& file) {
  const std::string path = file.string();
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  if (status.type() == std::filesystem::file_type::not_found)
    throw io_error(path + ": cannot open file (it does not exist)");
  if (status.type() == std::filesystem::file_type::directory)
    throw io_error(path + ": is a folder, expected an .npy file");
  const std::uintmax_t file_size = std::filesystem::file_size(file, ec);
  if (ec) throw io_error(path + ": cannot open file (" + ec.message() + ")");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw io_error(path + ": cannot open file");
  if (file_size < 10)
    throw io_error(path + ": " + std::to_string(file_size) + " bytes, too short for an .npy file (header needs >= 10)");
  char magic[8];
  if (!in.read(magic, 8)) throw io_error(path + ": cannot read the npy magic string");
  if (std::memcmp(magic, "\x93NUMPY", 6) != 0) {
    std::string found;  // printable bytes as they are, others as \xNN
    for (int i = 0; i < 6; ++i) {
      const auto c = static_cast<unsigned char>(magic[i]);
      static const char* hex = "0123456789abcdef";
      if (c >= 0x20 && c < 0x7f) found += static_cast<char>(c);
      else found += std::string("\\x") + hex[c >> 4] + hex[c & 15];
    }
    throw io_error(path + ": not an .npy file (bad magic string \"" + found + "\", expected \"\\x93NUMPY\")");
  }
  const int major = static_cast<unsigned char>(magic[6]);
  std::uint32_t header_len = 0;
  std::uintmax_t prefix = 0;  // magic + version + header length field
  if (major == 1) {
    unsigned char b[2];
    if (!in.read(reinterpret_cast<char*>(b), 2)) throw io_error(path + ": truncated npy header (no header length)");
    header_len = static_cast<std::uint32_t>(b[0] | (b[1] << 8));
    prefix = 10;
  } else if (major == 2 || major == 3) {
    unsigned char b[4];
    if (file_size < 12 || !in.read(reinterpret_cast<char*>(b), 4))
      throw io_error(path + ": truncated npy header (no header length)");
    header_len = static_cast<std::uint32_t>(b[0] | (b[1] << 8) | (b[2] << 16)) |
                 (static_cast<std::uint32_t>(b[3]) << 24);
    prefix = 12;
  } else {
    throw io_error(path + ": unsupported npy format version " + std::to_string(major) + " (expected 1, 2 or 3)");
  }
  if (header_len > (1u << 20)) throw io_error(path + ": npy header length " + std::to_string(header_len) + " is implausible (expected at most 1048576)");
  if (header_len > file_size - prefix)
    throw io_error(path + ": truncated npy header (header length " + std::to_string(header_len) + " runs past the end of the " +
                   std::to_string(file_size) + "-byte file)");
  std::string header(header_len, '\0');
  if (!in.read(header.data(), header_len)) throw io_error(path + ": truncated npy header");
  const auto brace = header.find_first_not_of(' ');
  if (brace == std::string::npos || header[brace] != '{')
    throw io_error(path + ": npy header is not a dict (found \"" + header.substr(0, 40) + "\")");

  npy_array a;
  const std::string descr = detail::npy_header_field(header, "descr", path);
  if (descr == "'<f4'") a.dtype = npy_dtype::f4;
  else if (descr == "'<f8'") a.dtype = npy_dtype::f8;
  else if (descr == "'<i4'") a.dtype = npy_dtype::i4;
  else if (descr == "'<i8'") a.dtype = npy_dtype::i8;
  else if (descr == "'|u1'") a.dtype = npy_dtype::u1;
  else if (descr == "'|b1'") a.dtype = npy_dtype::b1;
  else throw io_error(path + ": npy dtype " + descr + " is not supported (expected <f4, <f8, <i4, <i8, |u1 or |b1)");
  const std::string order = detail::npy_header_field(header, "fortran_order", path);
  if (order == "True") throw io_error(path + ": npy fortran_order = True is not supported (expected C order)");
  if (order != "False") throw io_error(path + ": npy fortran_order = " + order + ": expected False");
  const std::string shape = detail::npy_header_field(header, "shape", path);
  const std::string shown = shape.size() > 60 ? shape.substr(0, 57) + "..." : shape;
  auto bad_shape = [&](const std::string& why) {
    throw io_error(path + ": npy shape " + shown + " is malformed (" + why + ")");
  };
  if (shape.size() < 2 || shape.front() != '(' || shape.back() != ')') bad_shape("expected a tuple of integers");
  // Dimensions separated by commas; a trailing comma is allowed, as Python writes (3,).
  std::vector<std::string> toks;
  const std::string inner = shape.substr(1, shape.size() - 2);
  for (std::size_t pos = 0;;) {
    const std::size_t next = std::min(inner.find(',', pos), inner.size());
    const std::string tok = inner.substr(pos, next - pos);
    const auto b0 = tok.find_first_not_of(' ');
    toks.push_back(b0 == std::string::npos ? "" : tok.substr(b0, tok.find_last_not_of(' ') - b0 + 1));
    if (next == inner.size()) break;
    pos = next + 1;
  }
  if (toks.size() > 1 && toks.back().empty()) toks.pop_back();  // (3,) or (2, 3, )
  if (toks.size() == 1 && toks[0].empty()) toks.clear();         // () is a scalar
  std::size_t count = 1;
  for (const std::string& digits : toks) {
    if (digits.empty()) bad_shape("empty dimension");
    if (digits.find_first_not_of("0123456789") != std::string::npos) bad_shape("\"" + digits.substr(0, 30) + "\" is not a size");
    std::size_t d = 0;
    for (char c : digits)
      if (!detail::npy_mul_add(d, 10, static_cast<std::size_t>(c - '0'))) bad_shape("dimension " + digits.substr(0, 30) + (digits.size() > 30 ? "..." : "") + " is too large");
    a.shape.push_back(d);
    if (!detail::npy_mul_add(count, d, 0)) bad_shape("the element count overflows");
  }
  std::size_t nbytes = 0;
  if (!detail::npy_mul_add(count, detail::npy_item_size(a.dtype), 0, &nbytes)) bad_shape("the byte count overflows");
  const std::uintmax_t available = file_size - prefix - header_len;
  if (nbytes > available)
    throw io_error(path + ": npy payload is truncated (shape " + shown + " of " + detail::npy_descr(a.dtype) + " needs " +
                   std::to_string(nbytes) + " bytes, the file has " + std::to_string(available) + " after the header)");
  a.bytes.resize(nbytes);
  if (nbytes > 0 && !in.read(a.bytes.data(), static_cast<std::streamsize>(nbytes)))
    throw io_error(path + ": npy payload is truncated (expected " + std::to_string(nbytes) + " bytes)");
  return a;
}

template <class T>
std::vector<T> npy_array::as() const {
  std::vector<T> out(size());
  auto convert = [&](auto tag) {
    using S = decltype(tag);
    for (std::size_t i = 0; i < out.size(); ++i) {
      S v;
      std::memcpy(&v, bytes.data() + i * sizeof(S), sizeof(S));
      out[i] = static_cast<T>(v);
    }
  };
  switch (dtype) {
    case npy_dtype::f4: convert(float{}); break;
    case npy_dtype::f8: convert(double{}); break;
    case npy_dtype::i4: convert(std::int32_t{}); break;
    case npy_dtype::i8: convert(std::int64_t{}); break;
    case npy_dtype::u1: case npy_dtype::b1: convert(std::uint8_t{}); break;
  }
  return out;
}

/// Reads an .npy file that must hold dtype `expected` (and, if given, the shape `shape`);
/// anything else is an io_error naming the path, the dtype or shape found and the one expected.
inline npy_array read_npy(const std::filesystem::path& file, npy_dtype expected,
                          const std::vector<std::size_t>& shape = {}) {
  npy_array a = read_npy(file);
  if (a.dtype != expected)
    throw io_error(file.string() + ": dtype " + detail::npy_descr(a.dtype) + ", expected " +
                   detail::npy_descr(expected));
  if (!shape.empty() && a.shape != shape) {
    auto fmt_shape = [](const std::vector<std::size_t>& s) {
      std::string r = "(";
      for (std::size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
      return r + ")";
    };
    throw io_error(file.string() + ": shape " + fmt_shape(a.shape) + ", expected " + fmt_shape(shape));
  }
  return a;
}

/// Writes `data` with `shape` as an .npy file (format 1.0). The element count must match the shape.
template <class T>
void write_npy(const std::filesystem::path& file, const T* data, const std::vector<std::size_t>& shape) {
  std::string dims;
  for (auto s : shape) dims += std::to_string(s) + ", ";
  if (shape.size() > 1) dims.resize(dims.size() - 2);
  std::string header = std::string("{'descr': '") + detail::npy_descr(detail::npy_dtype_of<T>()) +
                       "', 'fortran_order': False, 'shape': (" + dims + "), }";
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::ofstream out(file, std::ios::binary);
  if (!out) throw io_error(file.string() + ": cannot open file for writing");
  out.write("\x93NUMPY\x01\x00", 8);
  const auto len = static_cast<std::uint16_t>(header.size());
  const char lb[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
  out.write(lb, 2);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  const std::size_t n = std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>{});
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n * sizeof(T)));
  if (!out) throw io_error(file.string() + ": write failed");
}

}  // namespace mixprec::io
