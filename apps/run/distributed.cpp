#include "apps/run/distributed.h"

#include <cstdio>
#include <vector>

#include "kernels/common/check.h"

namespace autospace::apps {

namespace {
const std::vector<std::string> kCompressions = {"none", "bf16"};
}  // namespace

DistributedSettings parse_distributed(const nas::Json& value, const std::string& path) {
  const nas::ObjectReader r(value, path, {"sync_bn", "timeout_s", "bucket_mb", "gradient_compression"});
  DistributedSettings d;
  d.sync_bn = r.boolean_or("sync_bn", d.sync_bn);
  d.timeout_s = r.number_or("timeout_s", d.timeout_s, {0, 1e7, true, false});
  d.bucket_mb = r.number_or("bucket_mb", d.bucket_mb, {0, 1 << 16, true, false});
  d.compress_bf16 = r.optional_choice("gradient_compression", kCompressions).value_or(0) == 1;
  return d;
}

nas::Json to_json(const DistributedSettings& d) {
  nas::Json j = {{"sync_bn", d.sync_bn}, {"timeout_s", d.timeout_s}, {"bucket_mb", d.bucket_mb}};
  // Left out when off, so that the config.json of runs started before the key existed
  // still matches on resume.
  if (d.compress_bf16) j["gradient_compression"] = kCompressions[1];
  return j;
}

dist::Communicator& setup_distributed(const DistributedSettings& settings) {
  dist::Communicator& comm = dist::world_communicator();
  comm.set_timeout(settings.timeout_s);
  if (comm.world() > 1 && comm.rank() == 0) {
    std::printf("[dist] %d ranks over %s, %d on this node; batch-norm %s, collective timeout %g s\n", comm.world(),
                comm.backend(), comm.local_world(), settings.sync_bn ? "synchronised" : "per rank",
                settings.timeout_s);
    std::fflush(stdout);
  }
  return comm;
}

namespace {

// Rank 0's outcome (1 = failed) to every rank.
bool rank0_failed(dist::Communicator& comm, bool failed) {
  const Tensor flag = Tensor::from_int64({failed ? 1 : 0}, {1});
  comm.broadcast(flag, 0);
  return flag.data<std::int64_t>()[0] != 0;
}

}  // namespace

void on_rank0(dist::Communicator& comm, const std::string& what, const std::function<void()>& f) {
  if (comm.world() == 1) return f();
  if (comm.rank() == 0) {
    try {
      f();
    } catch (...) {
      rank0_failed(comm, true);
      throw;
    }
  }
  if (rank0_failed(comm, false))
    AUTOSPACE_THROW("rank 0 failed while ", what, " (its own message says why)");
}

void rank0_first(dist::Communicator& comm, const std::string& what, const std::function<void()>& f) {
  on_rank0(comm, what, f);
  if (comm.rank() != 0) f();
}

bool any_rank(dist::Communicator& comm, bool flag) {
  const Tensor t = Tensor::from_int64({flag ? 1 : 0}, {1});
  comm.all_reduce(t, dist::ReduceOp::sum);
  return t.data<std::int64_t>()[0] > 0;
}

bool checkpoint_exists_on_every_rank(dist::Communicator& comm, const std::filesystem::path& checkpoint) {
  const bool exists = std::filesystem::exists(checkpoint);
  if (comm.world() > 1 && any_rank(comm, exists) != exists)
    AUTOSPACE_THROW("rank ", comm.rank(), (exists ? " sees " : " does not see "), checkpoint.string(),
                    " but another rank does; the run directory must be on a file system every rank shares");
  return exists;
}

void save_checkpoint_on_rank0(dist::Communicator& comm, const std::filesystem::path& file, io::Checkpoint checkpoint) {
  checkpoint.state["world"] = comm.world();
  on_rank0(comm, "writing the checkpoint", [&] { io::save_checkpoint(file, checkpoint); });
}

void check_same_world(dist::Communicator& comm, const nas::Json& state, const std::string& source) {
  const int world = state.value("world", 1);
  if (world != comm.world())
    AUTOSPACE_THROW(source, ": the run was checkpointed on ", world, " rank(s) and is resumed on ", comm.world(),
                    "; resume with the same number of processes");
}

}  // namespace autospace::apps
