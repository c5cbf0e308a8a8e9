#include "apps/run/data_setup.h"

#include "data/cifar_binary.h"
#include "data/image_folder.h"
#include "data/split.h"
#include "data/synthetic.h"
#include "kernels/common/check.h"

namespace autospace::apps {

namespace {

std::vector<float> float_list(const nas::ObjectReader& r, std::string_view key, std::vector<float> fallback,
                              const nas::NumberRange& range) {
  if (!r.has(key)) return fallback;
  const nas::Json& a = r.array(key);
  if (a.size() != 3) nas::json_fail(r.path_of(key), "expected 3 values (one per RGB channel), got " + std::to_string(a.size()));
  std::vector<float> out;
  for (std::size_t i = 0; i < a.size(); ++i)
    out.push_back(static_cast<float>(nas::json_number(a[i], nas::json_index(r.path_of(key), i), range)));
  return out;
}

// A generated folder is reused only for the settings it was generated with: otherwise a
// run would silently train on another dataset than its description says.
void check_synthetic_marker(const std::filesystem::path& marker, const data::SyntheticOptions& o) {
  const nas::Json made = nas::read_json_file(marker);
  const std::pair<const char*, std::int64_t> wanted[] = {{"classes", o.classes},
                                                         {"train_per_class", o.train_per_class},
                                                         {"val_per_class", o.val_per_class},
                                                         {"size", o.size},
                                                         {"seed", static_cast<std::int64_t>(o.seed)}};
  for (const auto& [key, value] : wanted) {
    const std::int64_t have = made.value(key, std::int64_t{-1});
    AUTOSPACE_CHECK(have == value, marker.parent_path().string(), " holds a synthetic set generated with ", key, " = ",
                    have, ", but this run asks for ", value,
                    " (data.synthetic; size is data.resolution): name another data.synthetic.dir or delete that folder");
  }
}

}  // namespace

DataSettings parse_data_settings(const nas::Json& section, const std::string& path) {
  const nas::ObjectReader r(section, path,
                            {"kind", "train", "val", "synthetic", "resolution", "augment", "eval_resize", "mean", "std",
                             "holdout_fraction", "threads", "prefetch", "bad_files", "max_pixels"});
  DataSettings s;
  static const std::vector<std::string> kinds = {"folder", "cifar", "synthetic"};
  s.kind = kinds[r.has("kind") ? r.choice("kind", kinds) : 2];
  if (s.kind == "folder" || s.kind == "cifar") {
    s.train = r.string("train");
    if (r.has("val") && r.at("val").is_object()) {
      const nas::ObjectReader v = r.object("val", {"from_train", "seed"});
      s.val_from_train = v.number("from_train", {0, 1, true, true});
      s.val_split_seed = static_cast<std::uint64_t>(v.integer_or("seed", 0, 0, INT64_MAX));
    } else {
      s.val = r.string("val");
    }
  } else if (r.has("train") || r.has("val")) {
    nas::json_fail(r.path_of(r.has("train") ? "train" : "val"), "only for kind \"folder\" or \"cifar\"");
  }
  if (r.has("synthetic")) {
    if (s.kind != "synthetic") nas::json_fail(r.path_of("synthetic"), "only for kind \"synthetic\"");
    const nas::ObjectReader g = r.object("synthetic", {"dir", "classes", "train_per_class", "val_per_class", "seed"});
    s.synthetic_dir = g.string_or("dir", s.synthetic_dir.string());
    s.synthetic_classes = static_cast<int>(g.integer_or("classes", s.synthetic_classes, 2, 1000));
    s.synthetic_train_per_class = static_cast<int>(g.integer_or("train_per_class", s.synthetic_train_per_class, 1, 1'000'000));
    s.synthetic_val_per_class = static_cast<int>(g.integer_or("val_per_class", s.synthetic_val_per_class, 1, 1'000'000));
    s.synthetic_seed = static_cast<std::uint64_t>(g.integer_or("seed", 0, 0, INT64_MAX));
  }
  s.resolution = static_cast<int>(r.integer_or("resolution", s.resolution, 8, 4096));
  static const std::vector<std::string> augments = {"cifar", "imagenet", "none"};
  if (r.has("augment")) s.augment = augments[r.choice("augment", augments)];
  s.eval_resize = static_cast<int>(r.integer_or("eval_resize", 0, 0, 8192));
  if (s.eval_resize != 0 && s.eval_resize < s.resolution)
    nas::json_fail(r.path_of("eval_resize"), "must be at least the resolution (" + std::to_string(s.resolution) + ")");
  s.mean = float_list(r, "mean", s.mean, {0, 1});
  s.stddev = float_list(r, "std", s.stddev, {0, 10, true, false});
  s.holdout_fraction = r.number_or("holdout_fraction", s.holdout_fraction, {0, 1, false, true});
  s.threads = static_cast<int>(r.integer_or("threads", 0, 0, 1024));
  s.prefetch = static_cast<int>(r.integer_or("prefetch", s.prefetch, 1, 64));
  static const std::vector<std::string> policies = {"skip", "fail"};
  if (r.has("bad_files")) s.bad_files = policies[r.choice("bad_files", policies)];
  s.max_pixels = r.integer_or("max_pixels", s.max_pixels, 1, INT64_MAX);
  return s;
}

nas::Json to_json(const DataSettings& s) {
  nas::Json j;
  j["kind"] = s.kind;
  if (s.kind == "synthetic") {
    j["synthetic"] = {{"dir", s.synthetic_dir.string()},
                      {"classes", s.synthetic_classes},
                      {"train_per_class", s.synthetic_train_per_class},
                      {"val_per_class", s.synthetic_val_per_class},
                      {"seed", s.synthetic_seed}};
  } else {
    j["train"] = s.train.string();
    if (s.val_from_train > 0) j["val"] = {{"from_train", s.val_from_train}, {"seed", s.val_split_seed}};
    else j["val"] = s.val.string();
  }
  j["resolution"] = s.resolution;
  j["augment"] = s.augment;
  j["eval_resize"] = s.eval_resize;
  j["mean"] = s.mean;
  j["std"] = s.stddev;
  j["holdout_fraction"] = s.holdout_fraction;
  j["threads"] = s.threads;
  j["prefetch"] = s.prefetch;
  j["bad_files"] = s.bad_files;
  j["max_pixels"] = s.max_pixels;
  return j;
}

void check_data_paths(const DataSettings& s, const std::string& path) {
  if (s.kind == "synthetic") return;  // generated
  for (const auto& [key, dir] : {std::pair{"train", &s.train}, std::pair{"val", &s.val}})
    if ((s.val_from_train == 0 || dir == &s.train) && !std::filesystem::is_directory(*dir))
      nas::json_fail(nas::json_child(path, key),
                     dir->string() + (std::filesystem::exists(*dir) ? ": not a directory" : ": no such directory"));
}

Datasets open_datasets(const DataSettings& s) {
  Datasets d;
  if (s.val_from_train > 0) {
    std::shared_ptr<const data::Dataset> whole;
    if (s.kind == "cifar") whole = data::CifarBinary::open_dir(s.train, true);
    else whole = data::open_image_folder(s.train);
    const data::Split split =
        data::split_train_val(*whole, s.val_from_train, s.val_split_seed, RngPurpose::validation_carve);
    AUTOSPACE_CHECK(!split.val.empty(), "data.val.from_train ", s.val_from_train, " leaves no validation samples in ",
                    s.train.string());
    d.train = std::make_shared<data::Subset>(whole, split.train);
    d.val = std::make_shared<data::Subset>(whole, split.val);
  } else if (s.kind == "cifar") {
    d.train = data::CifarBinary::open_dir(s.train, true);
    d.val = data::CifarBinary::open_dir(s.val, false);
  } else {
    std::filesystem::path train = s.train, val = s.val;
    if (s.kind == "synthetic") {
      data::SyntheticOptions o;
      o.classes = s.synthetic_classes;
      o.train_per_class = s.synthetic_train_per_class;
      o.val_per_class = s.synthetic_val_per_class;
      o.size = s.resolution;
      o.seed = s.synthetic_seed;
      o.validate();
      // Generated once; the marker file is written last, so a killed generation is redone.
      const auto marker = s.synthetic_dir / "synthetic.json";
      if (!std::filesystem::exists(marker)) data::write_synthetic_dataset(s.synthetic_dir, o);
      else check_synthetic_marker(marker, o);
      train = s.synthetic_dir / "train";
      val = s.synthetic_dir / "val";
    }
    d.train = data::open_image_folder(train);
    d.val = data::open_image_folder(val);
  }
  d.classes = static_cast<int>(d.train->classes().size());
  if (d.val->classes() != d.train->classes())
    AUTOSPACE_THROW("data: the training and evaluation sets have different classes (", d.train->classes().size(),
                    " vs ", d.val->classes().size(), ")");
  return d;
}

TrainHoldout split_holdout(const Datasets& sets, const DataSettings& settings, std::uint64_t seed) {
  const data::Split split = data::split_train_val(*sets.train, settings.holdout_fraction, seed);
  AUTOSPACE_CHECK(!split.val.empty(), "data.holdout_fraction ", settings.holdout_fraction,
                  " leaves no held-out samples");
  return {std::make_shared<data::Subset>(sets.train, split.train), std::make_shared<data::Subset>(sets.train, split.val)};
}

std::unique_ptr<data::Loader> make_loader(std::shared_ptr<const data::Dataset> dataset, const DataSettings& s,
                                          std::int64_t batch_size, bool training, std::uint64_t seed, int rank,
                                          int world, Device destination) {
  data::LoaderOptions o;
  // Batches bound for a GPU are written into pinned memory, so that their upload is one
  // copy at the bus's speed rather than a staging copy first.
  if (destination.is_cuda())
    o.allocator = [destination](const Shape& shape, DType dtype) {
      return Tensor::empty_pinned(shape, dtype, destination);
    };
  o.batch_size = batch_size;
  o.rank = rank;
  o.world = world;
  o.shuffle = training;
  o.drop_last = training;
  o.seed = seed;
  o.threads = s.threads;
  o.prefetch_batches = s.prefetch;
  o.bad_files = s.bad_files == "fail" ? data::BadFilePolicy::fail : data::BadFilePolicy::skip;
  o.limits.max_pixels = s.max_pixels;
  const int resize = s.eval_resize ? s.eval_resize : (s.resolution * 8 + 6) / 7;
  if (!training || s.augment == "none") {
    o.transform = s.augment == "imagenet" ? data::TransformConfig::eval(s.resolution, resize)
                                          : data::TransformConfig::eval(s.resolution, s.resolution);
  } else {
    o.transform = s.augment == "imagenet" ? data::TransformConfig::train(s.resolution)
                                          : data::TransformConfig::cifar_train(s.resolution);
  }
  return std::make_unique<data::Loader>(std::move(dataset), o);
}

}  // namespace autospace::apps
