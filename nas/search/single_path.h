#pragma once
// The single-path one-shot supernet of SPOS (DESIGN 4.5): every training step runs one
// architecture drawn uniformly from those inside the budget's band (sample_choice), so
// all of them share, and train, one set of weights; afterwards any architecture of the
// space is evaluated by activating its path on those weights. Each layer holds only the
// candidate in use, built over the layer's weight bank when first needed, which keeps
// the open space (tens of thousands of cells per layer) as cheap as a small one.
#include <cstdint>
#include <memory>

#include "nas/json_check.h"
#include "nas/search/budget.h"
#include "nas/search/space_table.h"
#include "nas/search/supernet_search.h"
#include "nas/supernet/supernet.h"
#include "nas/supernet/weight_training.h"

namespace autospace::nas {

struct SinglePathSettings {
  Budget budget;  // training paths lie in its band
  float momentum = 0.9f, weight_decay = 4e-5f;
  double grad_clip = 5.0;
};

class SinglePathSupernet final : public SupernetSearch {
 public:
  // The supernet lives on `device`: its weights, optimiser state and every bank slot a
  // later path grows.
  SinglePathSupernet(const SpaceTable& table, const SinglePathSettings& settings, std::uint64_t seed,
                     Device device = Device::cpu());

  // One SGD step on a path drawn under the budget (keyed by the step number).
  StepResult weight_step(const Tensor& x, const Tensor& labels, float lr) override;
  void distribute(const DataParallel& parallel) override { parallel_ = parallel; }
  // From now on the supernet computes `choice` (evaluation; BN recalibration is the caller's).
  void activate(const ArchChoice& choice);
  const ArchChoice& active() const { return active_; }

  std::int64_t weight_steps() const override { return steps_; }
  std::int64_t skipped_steps() const override { return guard_.read().skipped; }
  Supernet& supernet() override { return *supernet_; }

  nas::Json state() const override;
  std::vector<NamedTensor> tensors() const override;
  std::vector<NamedTensor> optimizer_tensors() const override;
  void restore(const nas::Json& state, const std::vector<NamedTensor>& tensors,
               const std::vector<NamedTensor>& optimizer_tensors, const std::string& source) override;

 private:
  void build();

  const SpaceTable& table_;
  SinglePathSettings settings_;
  std::uint64_t seed_;
  Device device_;
  std::unique_ptr<Supernet> supernet_;
  std::unique_ptr<optim::SGD> weights_;
  optim::NonFiniteGuard guard_{20};
  DataParallel parallel_;
  ArchChoice active_;
  std::int64_t steps_ = 0;
};

}  // namespace autospace::nas
