#include "apps/phases/train/run_settings.h"

#include <limits>

#include "apps/run/command_line.h"
#include "kernels/common/check.h"
#include "nas/arch_json.h"

namespace autospace::apps {

namespace {

constexpr std::int64_t kMaxBatch = 1 << 20;
constexpr std::int64_t kMaxSteps = std::numeric_limits<std::int32_t>::max();

// An optional section: absent reads as an empty object, so every key takes its default.
const nas::Json& section(const nas::ObjectReader& r, std::string_view key) {
  static const nas::Json empty = nas::Json::object();
  return r.has(key) ? r.at(key) : empty;
}

TrainSettings parse_train(const nas::Json& value, const std::string& path) {
  const nas::ObjectReader r(value, path,
                            {"epochs", "batch_size", "lr", "warmup_epochs", "final_lr", "momentum", "nesterov",
                             "weight_decay", "label_smoothing", "dropout", "grad_clip", "ema_decay", "max_nonfinite",
                             "checkpoint_every_steps", "eval_every_epochs", "log_every_steps", "init_weights"});
  TrainSettings t;
  t.epochs = static_cast<int>(r.integer_or("epochs", t.epochs, 1, 100000));
  t.batch_size = r.integer_or("batch_size", t.batch_size, 1, kMaxBatch);
  t.lr = r.number_or("lr", t.lr, {0, 100, true, false});
  t.warmup_epochs = r.number_or("warmup_epochs", t.warmup_epochs, {0, static_cast<double>(t.epochs)});
  t.final_lr = r.number_or("final_lr", t.final_lr, {0, t.lr});
  t.momentum = r.number_or("momentum", t.momentum, {0, 1, false, true});
  t.nesterov = r.boolean_or("nesterov", t.nesterov);
  if (t.nesterov && t.momentum == 0) nas::json_fail(r.path_of("nesterov"), "Nesterov momentum needs momentum > 0");
  t.weight_decay = r.number_or("weight_decay", t.weight_decay, {0, 1});
  t.label_smoothing = r.number_or("label_smoothing", t.label_smoothing, {0, 1, false, true});
  if (r.has("dropout")) t.dropout = r.number("dropout", {0, 1, false, true});
  t.grad_clip = r.number_or("grad_clip", t.grad_clip, {0, 1e9});
  t.ema_decay = r.number_or("ema_decay", t.ema_decay, {0, 1, false, true});
  t.max_nonfinite = static_cast<int>(r.integer_or("max_nonfinite", t.max_nonfinite, 0, 1000000));
  t.checkpoint_every_steps = r.integer_or("checkpoint_every_steps", t.checkpoint_every_steps, 0, kMaxSteps);
  t.eval_every_epochs = static_cast<int>(r.integer_or("eval_every_epochs", t.eval_every_epochs, 1, 100000));
  t.log_every_steps = r.integer_or("log_every_steps", t.log_every_steps, 1, kMaxSteps);
  t.init_weights = r.string_or("init_weights", "");
  if (!t.init_weights.empty() && !std::filesystem::is_regular_file(t.init_weights))
    nas::json_fail(r.path_of("init_weights"), t.init_weights.string() + ": no such file");
  return t;
}

nas::Json train_to_json(const TrainSettings& t) {
  nas::Json j;
  j["epochs"] = t.epochs;
  j["batch_size"] = t.batch_size;
  j["lr"] = t.lr;
  j["warmup_epochs"] = t.warmup_epochs;
  j["final_lr"] = t.final_lr;
  j["momentum"] = t.momentum;
  j["nesterov"] = t.nesterov;
  j["weight_decay"] = t.weight_decay;
  j["label_smoothing"] = t.label_smoothing;
  if (t.dropout) j["dropout"] = *t.dropout;
  j["grad_clip"] = t.grad_clip;
  j["ema_decay"] = t.ema_decay;
  j["max_nonfinite"] = t.max_nonfinite;
  j["checkpoint_every_steps"] = t.checkpoint_every_steps;
  j["eval_every_epochs"] = t.eval_every_epochs;
  j["log_every_steps"] = t.log_every_steps;
  if (!t.init_weights.empty()) j["init_weights"] = t.init_weights.string();
  return j;
}

nn::LatencyOptions parse_latency(const nas::Json& value, const std::string& path) {
  const nas::ObjectReader r(value, path, {"batch_sizes", "warmup", "runs"});
  nn::LatencyOptions l;
  if (r.has("batch_sizes")) {
    const nas::Json& a = r.array("batch_sizes");
    l.batch_sizes.clear();
    for (std::size_t i = 0; i < a.size(); ++i)
      l.batch_sizes.push_back(nas::json_integer(a[i], nas::json_index(r.path_of("batch_sizes"), i), 1, kMaxBatch));
  }
  l.warmup = static_cast<int>(r.integer_or("warmup", l.warmup, 0, 10000));
  l.runs = static_cast<int>(r.integer_or("runs", l.runs, 0, 100000));
  return l;
}

EvalSettings parse_eval(const nas::Json& value, const std::string& path) {
  const nas::ObjectReader r(
      value, path,
      {"weights", "batch_size", "bn_recalibration_batches", "latency", "latency_table", "dump_batch_size", "output"});
  EvalSettings e;
  e.weights = r.string_or("weights", "");
  e.batch_size = r.integer_or("batch_size", e.batch_size, 1, kMaxBatch);
  e.bn_recalibration_batches =
      static_cast<int>(r.integer_or("bn_recalibration_batches", e.bn_recalibration_batches, 0, 1000000));
  e.latency = parse_latency(section(r, "latency"), r.path_of("latency"));
  e.latency_table = r.string_or("latency_table", "");
  e.dump_batch_size = r.integer_or("dump_batch_size", e.dump_batch_size, 1, kMaxBatch);
  e.output = r.string_or("output", "");
  return e;
}

nas::Json eval_to_json(const EvalSettings& e) {
  nas::Json j;
  if (!e.weights.empty()) j["weights"] = e.weights.string();
  j["batch_size"] = e.batch_size;
  j["bn_recalibration_batches"] = e.bn_recalibration_batches;
  j["latency"] = {{"batch_sizes", e.latency.batch_sizes}, {"warmup", e.latency.warmup}, {"runs", e.latency.runs}};
  if (!e.latency_table.empty()) j["latency_table"] = e.latency_table.string();
  j["dump_batch_size"] = e.dump_batch_size;
  if (!e.output.empty()) j["output"] = e.output.string();
  return j;
}

}  // namespace

std::string RunSettings::arch_origin() const { return arch_file.empty() ? "the inline arch" : arch_file.string(); }

std::filesystem::path RunSettings::weights_path() const {
  return eval.weights.empty() ? run_dir / "best.safetensors" : eval.weights;
}

std::filesystem::path RunSettings::eval_output() const {
  return eval.output.empty() ? run_dir / "eval.json" : eval.output;
}

RunSettings parse_run_settings(const nas::Json& description, InputFile arch) {
  const nas::ObjectReader r(description, "", with_run_basics_keys({"arch", "train", "eval", "distributed"}));
  RunSettings s;
  parse_run_basics(r, std::nullopt, s);
  if (r.has("arch") && r.at("arch").is_object()) {
    s.arch = nas::parse_nested(r.path_of("arch"), [&] { return nas::arch_from_json(r.at("arch")); });
  } else {
    s.arch_file = r.string("arch");
    if (arch == InputFile::read) s.arch = nas::load_arch(s.arch_file);
  }
  if ((arch == InputFile::read || s.arch_file.empty()) && s.data.resolution != s.arch.net.resolution)
    nas::json_fail("data.resolution", std::to_string(s.data.resolution) + " differs from the resolution of " +
                                          s.arch_origin() + " (" + std::to_string(s.arch.net.resolution) + ")");
  s.train = parse_train(section(r, "train"), r.path_of("train"));
  s.eval = parse_eval(section(r, "eval"), r.path_of("eval"));
  s.distributed = parse_distributed(section(r, "distributed"), r.path_of("distributed"));
  return s;
}

nas::Json to_json(const RunSettings& s) {
  nas::Json j;
  write_run_basics(s, j);
  j["arch"] = s.arch_file.empty() ? nas::arch_to_json(s.arch) : nas::Json(s.arch_file.string());
  j["train"] = train_to_json(s.train);
  j["eval"] = eval_to_json(s.eval);
  j["distributed"] = to_json(s.distributed);
  return j;
}

RunSettings load_run_settings(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  nas::Json description = nas::read_json_file(file);
  for (const std::string& o : overrides) apply_override(description, o);
  try {
    return parse_run_settings(description);
  } catch (const Error& e) {
    AUTOSPACE_THROW(file.string(), ": ", e.what());
  }
}

}  // namespace autospace::apps
