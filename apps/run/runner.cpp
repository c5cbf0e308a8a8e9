#include "apps/run/runner.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "apps/run/progress.h"
#include "apps/run/stop_signal.h"
#include "engine/core/precision.h"
#include "engine/nn/graphed_forward.h"
#include "kernels/common/check.h"

namespace autospace::apps {

namespace {

// The checkpoint state's record of how many lines metrics.jsonl had when it was written.
constexpr const char* kMetricsRecords = "metrics_records";

Device select_device(const PhaseSetup& setup, const dist::Communicator& comm) {
  const RunBasics& b = *setup.basics;
  if (b.threads > 0) set_num_threads(b.threads);
  Device device;
  try {
    device = parse_device(b.device);
  } catch (const Error& e) {
    nas::json_fail("device", e.what());
  }
  if (b.precision == MatmulPrecision::tf32 && !device.is_cuda())
    nas::json_fail("precision", "\"tf32\": " + setup.name + " runs on " + device.str() +
                                    ", which has no tf32 arithmetic; tf32 applies to CUDA devices (bf16 runs on both)");
  set_matmul_precision(b.precision);  // on every start: the pipeline runs its phases in one process
  try {
    ops::set_conv_backend_setting(device.is_cuda() ? b.conv_backend : ops::ConvBackendSetting::native);
  } catch (const Error& e) {
    nas::json_fail("conv_backend", e.what());
  }
  nn::set_forward_graphs(device.is_cuda() && b.cuda_graphs);
  // One GPU per process on a node: "cuda" and "auto" mean this rank's GPU (an explicit
  // "cuda:N" is taken as written).
  if (device.is_cuda() && comm.local_world() > 1 && (b.device == "cuda" || b.device == "auto"))
    device = parse_device("cuda:" + std::to_string(comm.local_rank()));
  return device;
}

std::unique_ptr<RunDirectory> open_directory(const PhaseSetup& setup, dist::Communicator& comm) {
  std::unique_ptr<RunDirectory> directory;
  if (!setup.resolved) return directory;
  nas::Json resolved = *setup.resolved;
  // The collectives' timing knobs do not change the run, so they may differ on resume.
  if (resolved.contains("distributed")) {
    resolved["distributed"].erase("timeout_s");
    resolved["distributed"].erase("bucket_mb");
  }
  on_rank0(comm, "preparing the run directory",
           [&] {
             directory = std::make_unique<RunDirectory>(setup.basics->run_dir, resolved);
             directory->check_inputs(setup.inputs);
           });
  return directory;
}

Datasets open_checked_datasets(const PhaseSetup& setup, dist::Communicator& comm) {
  Datasets data;
  if (!setup.uses_data) return data;
  rank0_first(comm, "opening the data sets", [&] { data = open_datasets(setup.basics->data); });
  if (setup.classes > 0 && data.classes != setup.classes)
    AUTOSPACE_THROW("data: the dataset has ", data.classes, " classes but ", setup.classes_owner, " classifies ",
                    setup.classes);
  return data;
}

}  // namespace

bool run_phase(Phase& phase, const RunControl& control) {
  const PhaseSetup setup = phase.setup();
  AUTOSPACE_CHECK(setup.basics, "phase ", setup.name, " has no run basics");
  dist::Communicator& comm = setup_distributed(setup.distributed);
  if (!setup.multi_rank && comm.world() > 1)
    AUTOSPACE_THROW(setup.name, " runs in a single process, but it was started on ", comm.world(), " ranks");
  const Device device = select_device(setup, comm);
  std::unique_ptr<RunDirectory> directory = open_directory(setup, comm);
  PhaseContext context{comm,
                       dist::data_parallel(comm) ? nas::DataParallel(comm, setup.distributed.sync_bn,
                                                            static_cast<std::int64_t>(setup.distributed.bucket_mb * (1 << 20)),
                                                            setup.distributed.compress_bf16)
                                        : nas::DataParallel{},
                       device,
                       *setup.basics,
                       open_checked_datasets(setup, comm),
                       directory.get(),
                       RunDirectory::checkpoint_in(setup.basics->run_dir),
                       control.print && comm.rank() == 0};

  std::optional<io::Checkpoint> resume;
  if (setup.checkpointed && checkpoint_exists_on_every_rank(comm, context.checkpoint_file)) {
    resume = io::load_checkpoint(context.checkpoint_file);
    check_same_world(comm, resume->state, context.checkpoint_file.string());
  }
  // What a killed run logged after its last checkpoint, the resumed run logs again.
  if (resume && directory && resume->state.contains(kMetricsRecords))
    directory->truncate_metrics(
        nas::state_integer(resume->state.at(kMetricsRecords), kMetricsRecords, context.checkpoint_file.string()));
  // A checkpoint whose state a phase cannot read (a key missing or of another type: the
  // JSON library's exceptions; an index out of range) must name the file, not only the
  // library's complaint. The phases' own errors name their file or setting already.
  const auto unreadable = [&](const std::exception& e) {
    if (!resume) throw;
    AUTOSPACE_THROW(context.checkpoint_file.string(), ": cannot resume from this checkpoint's state (", e.what(),
                    "); it was not written by this version for this description");
  };
  try {
    phase.build(context, resume);
  } catch (const nlohmann::json::exception& e) {
    unreadable(e);
  } catch (const std::out_of_range& e) {
    unreadable(e);
  }
  const char* name = setup.name.c_str();
  if (resume && context.print) {
    if (phase.done()) std::printf("[%s] %s finished before (%s)\n", name, setup.basics->run_dir.c_str(), phase.position().c_str());
    else std::printf("[%s] resuming %s at %s\n", name, setup.basics->run_dir.c_str(), phase.position().c_str());
    std::fflush(stdout);
  }

  install_stop_handlers();
  Progress progress(setup.name, phase.total_steps(), phase.counters().steps, context.print);
  context.progress = &progress;
  bool saved = resume.has_value();  // the checkpoint on disk holds the state as it is now
  const auto save = [&] {
    io::Checkpoint checkpoint = phase.checkpoint();
    if (directory) checkpoint.state[kMetricsRecords] = directory->metrics_records();
    save_checkpoint_on_rank0(comm, context.checkpoint_file, std::move(checkpoint));
    saved = true;
  };
  while (!phase.done()) {
    const bool wanted = stop_requested() || (control.stop && control.stop(phase.counters()));
    // A signal reaches the ranks at different units: all stop at the first one any saw it.
    if (comm.world() > 1 ? any_rank(comm, wanted) : wanted) {
      if (setup.checkpointed && !saved) save();
      if (context.print) {
        std::printf("[%s] stopped at %s; %s\n", name, phase.position().c_str(),
                    setup.checkpointed ? ("checkpoint written to " + context.checkpoint_file.string() +
                                          " (run again to resume)").c_str()
                                       : "run again to resume");
        std::fflush(stdout);
      }
      return false;
    }
    const std::string where = comm.rank() == 0 ? phase.position() : std::string();
    const UnitReport report = phase.next(context);
    saved = false;
    if (!report.nonfinite.empty() && comm.rank() == 0) {
      if (report.nonfinite_steps == 0)
        std::fprintf(stderr, "[%s] %s: non-finite %s, step skipped\n", name, where.c_str(), report.nonfinite.c_str());
      else
        std::fprintf(stderr, "[%s] up to %s: non-finite %s, %lld step(s) skipped since the last report\n", name,
                     where.c_str(), report.nonfinite.c_str(), static_cast<long long>(report.nonfinite_steps));
    }
    if (report.step) progress.step(phase.counters().steps - 1, report.items * comm.world(), report.details);
    if (report.checkpoint && setup.checkpointed) save();
  }
  // A finished run is recorded as finished, so that running it again only rewrites outputs.
  if (setup.checkpointed && !saved) save();
  phase.finish(context);
  return true;
}

}  // namespace autospace::apps
