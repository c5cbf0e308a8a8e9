#include "nas/evaluation/bn_recalibration.h"

#include "engine/autograd/node.h"
#include "engine/nn/dropout.h"
#include "nas/network/weight_bank.h"

namespace autospace::nas {

void recalibrate_bn(nn::Module& model, data::BatchStream& stream, int batches, const data::Normalization& normalization,
                    Device device) {
  NoGradGuard no_grad;
  nn::train_without_dropout(model);
  begin_bn_recalibration(model);
  for (std::int64_t index = 0, done = 0; done < batches; ++index) {
    const data::Batch batch = stream.at(index);
    if (batch.size() == 0) continue;  // every file of it was unreadable
    model.forward(data::model_input(batch, normalization, device));
    ++done;
  }
  end_bn_recalibration(model);
  model.eval();
}

}  // namespace autospace::nas
