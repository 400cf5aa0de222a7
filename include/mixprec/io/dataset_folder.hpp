// A labelled data set stored as a folder of .npy files, one pair per split:
// `x_<split>.npy` (float32, N x sample shape...) and `y_<split>.npy` (int64, N), with split
// train, validation, test or pred (MASE's data loaders train/val/test/pred_dataloader).
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include <mixprec/error.hpp>
#include <mixprec/io/npy.hpp>
#include <mixprec/runners/evaluate.hpp>

namespace mixprec::io {

/// One split held in memory.
struct labelled_data {
  std::vector<std::size_t> sample_shape;  ///< per sample, e.g. {8} or {1, 6, 6}
  std::vector<float> features;            ///< N x prod(sample_shape), row-major
  std::vector<std::int64_t> labels;       ///< N

  [[nodiscard]] std::size_t sample_size() const {
    return std::accumulate(sample_shape.begin(), sample_shape.end(), std::size_t{1}, std::multiplies<>{});
  }
  /// The spans basic_evaluation reads (valid while this object lives).
  [[nodiscard]] dataset_view view() const { return {features, labels, sample_size()}; }
};

/// The split a MASE data loader name reads: train_dataloader -> "train", val_dataloader ->
/// "validation", test_dataloader -> "test", pred_dataloader -> "pred"; config_error otherwise.
[[nodiscard]] inline std::string split_of_data_loader(std::string_view loader) {
  if (loader == "train_dataloader") return "train";
  if (loader == "val_dataloader") return "validation";
  if (loader == "test_dataloader") return "test";
  if (loader == "pred_dataloader") return "pred";
  throw config_error("data_loader = \"" + std::string(loader) +
                     "\": expected train_dataloader, val_dataloader, test_dataloader or pred_dataloader");
}

/// Reads `dir/x_<split>.npy` and `dir/y_<split>.npy`. io_error naming the file for a missing
/// file, a wrong dtype (x must be float32, y int64), y not 1-D, or N differing between them.
[[nodiscard]] inline labelled_data load_split(const std::filesystem::path& dir, const std::string& split) {
  const auto xf = dir / ("x_" + split + ".npy");
  const auto yf = dir / ("y_" + split + ".npy");
  std::error_code ec;
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec))
    throw io_error(dir.string() + ": is a file, expected a data folder");
  if (!std::filesystem::is_directory(dir, ec)) throw io_error(dir.string() + ": data folder does not exist");
  const npy_array x = read_npy(xf, npy_dtype::f4);
  const npy_array y = read_npy(yf, npy_dtype::i8);
  if (x.shape.size() < 2)
    throw io_error(xf.string() + ": " + std::to_string(x.shape.size()) + "-D array, expected N x sample shape (>= 2-D)");
  if (y.shape.size() != 1) throw io_error(yf.string() + ": expected a 1-D array of N labels");
  if (y.shape[0] != x.shape[0])
    throw io_error(yf.string() + ": " + std::to_string(y.shape[0]) + " labels for " + std::to_string(x.shape[0]) +
                   " samples in " + xf.filename().string());
  for (std::size_t k = 1; k < x.shape.size(); ++k)
    if (x.shape[k] == 0) {
      std::string dims;
      for (std::size_t j = 0; j < x.shape.size(); ++j) dims += (j ? ", " : "") + std::to_string(x.shape[j]);
      throw io_error(xf.string() + ": shape (" + dims + "): sample extents must be >= 1");
    }
  labelled_data d;
  d.sample_shape.assign(x.shape.begin() + 1, x.shape.end());
  d.features = x.as<float>();
  d.labels = y.as<std::int64_t>();
  return d;
}

}  // namespace mixprec::io
