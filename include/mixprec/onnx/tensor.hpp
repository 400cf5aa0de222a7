// Decoding ONNX TensorProto messages (initializers, Constant values, the backend tests'
// input_*.pb / output_*.pb files) into float32 or int64 arrays. Both storages are read: the
// little-endian `raw_data` bytes and the typed repeated fields (float_data, double_data,
// int32_data, int64_data). Other element types and external data are refused with a message.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include <mixprec/error.hpp>

namespace mixprec::onnx_io {

/// A decoded tensor: its dims and its elements in C order, float32 for floating-point tensors
/// (double is rounded to float) and int64 for integer and boolean ones.
struct tensor {
  std::string name;
  std::vector<std::int64_t> dims;
  bool is_float = true;
  std::vector<float> floats;       ///< is_float
  std::vector<std::int64_t> ints;  ///< !is_float

  /// Number of elements (1 for a scalar).
  [[nodiscard]] std::size_t size() const { return is_float ? floats.size() : ints.size(); }
  /// Element k as a double, whatever the storage.
  [[nodiscard]] double at(std::size_t k) const {
    return is_float ? static_cast<double>(floats[k]) : static_cast<double>(ints[k]);
  }
};

/// ONNX's name of an element type ("FLOAT", "INT64", ...), for messages.
[[nodiscard]] inline std::string dtype_name(int t) {
  if (onnx::TensorProto_DataType_IsValid(t))
    return onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(t));
  return "unknown element type " + std::to_string(t);
}

namespace detail {

// Little-endian reads from raw_data, independent of the host's byte order.
template <class U>
[[nodiscard]] U load_le(const unsigned char* p) {
  U v = 0;
  for (std::size_t b = 0; b < sizeof(U); ++b) v |= static_cast<U>(static_cast<U>(p[b]) << (8 * b));
  return v;
}

}  // namespace detail

/// Decodes t. `where` names it in messages (e.g. "model.onnx: initializer 'fc.weight'").
/// config_error for an unsupported element type, external or segmented data; io_error when the
/// stored element count does not match the dims.
[[nodiscard]] inline tensor decode(const onnx::TensorProto& t, const std::string& where) {
  tensor r;
  r.name = t.name();
  if (t.has_segment()) throw config_error(where + ": segmented tensors are not supported");
  if (t.data_location() == onnx::TensorProto_DataLocation_EXTERNAL)
    throw config_error(where + ": data_location = EXTERNAL: external tensor data is not supported (save the model "
                       "with its tensors inside the .onnx file)");
  std::size_t n = 1;
  for (int k = 0; k < t.dims_size(); ++k) {
    const std::int64_t d = t.dims(k);
    if (d < 0) throw io_error(where + ": dims[" + std::to_string(k) + "] = " + std::to_string(d) + ": must be >= 0");
    const auto ud = static_cast<std::size_t>(d);
    if (ud != 0 && n > (std::size_t{1} << 40) / ud)
      throw io_error(where + ": dims give more than 2^40 elements");
    n *= ud;
    r.dims.push_back(d);
  }
  const int type = t.data_type();
  const std::string& raw = t.raw_data();
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  auto check_count = [&](std::size_t have, const char* field) {
    if (have != n)
      throw io_error(where + ": " + field + " holds " + std::to_string(have) + " elements, dims " +
                     [&] {
                       std::string s = "(";
                       for (std::size_t k = 0; k < r.dims.size(); ++k) s += (k ? ", " : "") + std::to_string(r.dims[k]);
                       return s + ")";
                     }() +
                     " need " + std::to_string(n));
  };
  auto raw_count = [&](std::size_t width) {
    if (raw.size() % width != 0)
      throw io_error(where + ": raw_data has " + std::to_string(raw.size()) + " bytes, not a multiple of " +
                     std::to_string(width) + " (" + dtype_name(type) + ")");
    check_count(raw.size() / width, "raw_data");
  };
  switch (type) {
    case onnx::TensorProto_DataType_FLOAT:
      if (t.has_raw_data()) {
        raw_count(4);
        r.floats.resize(n);
        for (std::size_t k = 0; k < n; ++k) {
          const std::uint32_t u = detail::load_le<std::uint32_t>(bytes + 4 * k);
          std::memcpy(&r.floats[k], &u, 4);
        }
      } else {
        check_count(static_cast<std::size_t>(t.float_data_size()), "float_data");
        r.floats.assign(t.float_data().begin(), t.float_data().end());
      }
      break;
    case onnx::TensorProto_DataType_DOUBLE:
      if (t.has_raw_data()) {
        raw_count(8);  // before allocating: the dims alone may claim any size
        r.floats.resize(n);
        for (std::size_t k = 0; k < n; ++k) {
          const std::uint64_t u = detail::load_le<std::uint64_t>(bytes + 8 * k);
          double d = 0;
          std::memcpy(&d, &u, 8);
          r.floats[k] = static_cast<float>(d);
        }
      } else {
        check_count(static_cast<std::size_t>(t.double_data_size()), "double_data");
        r.floats.resize(n);
        for (std::size_t k = 0; k < n; ++k) r.floats[k] = static_cast<float>(t.double_data(static_cast<int>(k)));
      }
      break;
    case onnx::TensorProto_DataType_INT64:
      r.is_float = false;
      if (t.has_raw_data()) {
        raw_count(8);
        r.ints.resize(n);
        for (std::size_t k = 0; k < n; ++k)
          r.ints[k] = static_cast<std::int64_t>(detail::load_le<std::uint64_t>(bytes + 8 * k));
      } else {
        check_count(static_cast<std::size_t>(t.int64_data_size()), "int64_data");
        r.ints.assign(t.int64_data().begin(), t.int64_data().end());
      }
      break;
    case onnx::TensorProto_DataType_INT32:
    case onnx::TensorProto_DataType_BOOL:
      r.is_float = false;
      if (t.has_raw_data()) {
        const std::size_t w = type == onnx::TensorProto_DataType_BOOL ? 1 : 4;
        raw_count(w);
        r.ints.resize(n);
        for (std::size_t k = 0; k < n; ++k)
          r.ints[k] = w == 1 ? bytes[k] : static_cast<std::int32_t>(detail::load_le<std::uint32_t>(bytes + 4 * k));
      } else {
        // ONNX stores BOOL in int32_data too.
        check_count(static_cast<std::size_t>(t.int32_data_size()), "int32_data");
        r.ints.assign(t.int32_data().begin(), t.int32_data().end());
      }
      break;
    default:
      throw config_error(where + ": element type " + dtype_name(type) +
                         " is not supported (expected FLOAT or DOUBLE for data, INT32, INT64 or BOOL for shapes and flags)");
  }
  return r;
}

/// Reads a file holding one serialized TensorProto (the backend tests' input_0.pb, ...).
[[nodiscard]] inline tensor read_tensor_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw io_error(file.string() + ": cannot open file");
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (data.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw io_error(file.string() + ": " + std::to_string(data.size()) + " bytes: larger than protobuf's 2 GiB limit");
  onnx::TensorProto t;
  if (!t.ParseFromString(data)) throw io_error(file.string() + ": not a serialized ONNX TensorProto (truncated or corrupt)");
  return decode(t, file.string());
}

}  // namespace mixprec::onnx_io
