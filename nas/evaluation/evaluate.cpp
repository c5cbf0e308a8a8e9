#include "nas/evaluation/evaluate.h"

#include <cmath>
#include <limits>
#include <memory>

#include "data/uploading_batch.h"
#include "engine/autograd/node.h"
#include "engine/nn/accuracy.h"
#include "engine/nn/graphed_forward.h"
#include "engine/ops/count_nonfinite.h"
#include "engine/ops/cross_entropy.h"
#include "kernels/common/check.h"

namespace autospace::nas {

bool Evaluation::finite() const { return nonfinite == 0 && std::isfinite(loss); }

namespace {

// A network whose parameters or buffers hold a NaN or an infinity has diverged, and its
// outputs mean nothing even where they are finite: oneDNN's ReLU and ReLU6 convolution
// epilogues turn a NaN into 0, and BN folded into a convolution can scale an overflow
// back into range. So it scores nothing, whatever its logits are. One count on the
// model's device, read once per evaluation.
bool state_finite(const nn::Module& model) {
  std::vector<Tensor> state = model.parameters();
  for (const nn::BufferSlot& slot : model.buffer_slots())
    if (slot.tensor.dtype() == DType::f32) state.push_back(slot.tensor);
  return ops::count_nonfinite(state).to(Device::cpu()).data<std::int64_t>()[0] == 0;
}

}  // namespace

Evaluation evaluate(nn::Module& model, data::Loader& loader, const data::Normalization& normalization, Device device,
                    dist::Communicator* comm) {
  const bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  Evaluation e;
  // Summed on the device: no batch waits for the host to read its loss or logits.
  nn::ClassificationTotals totals(device, 5);
  // The pass's path and weights stay as they are: on a GPU its batches may replay one graph.
  nn::GraphedForward forward(model, device.is_cuda() && nn::forward_graphs());
  const auto run = [&](const data::Batch& batch) {
    const Tensor logits = forward(data::model_input(batch, normalization, device));
    const Tensor labels = batch.labels.to(device);
    totals.add(logits, labels, ops::softmax_cross_entropy(logits, labels));
    e.images += batch.size();
  };
  // On a GPU each batch's upload starts before the previous batch's forward is queued, so
  // the copy runs beside it.
  std::unique_ptr<data::UploadingBatch> ahead;
  loader.start_epoch(0);
  while (auto batch = loader.next()) {
    e.skipped += static_cast<std::int64_t>(batch->bad_files.size());
    if (batch->size() == 0) continue;
    if (device.is_cpu()) {
      run(*batch);
      continue;
    }
    auto next = std::make_unique<data::UploadingBatch>(std::move(*batch), device);
    if (ahead) run(ahead->take());
    ahead = std::move(next);
  }
  if (ahead) run(ahead->take());
  model.train(was_training);
  const nn::ClassificationTotals::Sums sums = totals.sums();
  double loss_sum = sums.loss;
  std::int64_t top1 = sums.top1, top5 = sums.topk;
  e.nonfinite = sums.nonfinite;
  if (!state_finite(model)) {
    top1 = top5 = 0;
    e.nonfinite = e.images;
    loss_sum = std::numeric_limits<double>::quiet_NaN();
  }
  if (comm && comm->world() > 1) {
    const Tensor counts = Tensor::from_int64({top1, top5, e.images, e.nonfinite, e.skipped}, {5});
    comm->all_reduce(counts, dist::ReduceOp::sum);
    const std::int64_t* c = counts.data<std::int64_t>();
    top1 = c[0], top5 = c[1], e.images = c[2], e.nonfinite = c[3], e.skipped = c[4];
    // The loss sum travels as a float and its rounding error (the trick of sync BN), so
    // it keeps the local double sums' precision.
    const Tensor loss = Tensor::from_vector({static_cast<float>(loss_sum), 0.f}, {2});
    loss.data<float>()[1] = static_cast<float>(loss_sum - static_cast<double>(loss.data<float>()[0]));
    comm->all_reduce(loss, dist::ReduceOp::sum);
    loss_sum = static_cast<double>(loss.data<float>()[0]) + loss.data<float>()[1];
  }
  if (e.images > 0) {
    e.top1 = static_cast<double>(top1) / e.images;
    e.top5 = static_cast<double>(top5) / e.images;
    e.loss = loss_sum / e.images;
  }
  return e;
}

}  // namespace autospace::nas
