#pragma once
// BN recalibration: the running statistics of every batch norm (plain BN and weight-bank
// slots) re-estimated as the average over training batches, as SPOS does before scoring
// an architecture on shared weights and autospace-eval does when asked.
#include "data/batch_stream.h"
#include "data/model_input.h"
#include "engine/nn/module.h"

namespace autospace::nas {

// Runs `batches` non-empty batches of `stream`, from its batch 0 on (continuing into the
// next epochs' orders when one epoch holds fewer), through `model` in training mode with
// dropout off and no graph, averaging them into the BN statistics; leaves the model in
// eval mode. Synchronised BN over ranks, when wanted, is the caller's scope.
void recalibrate_bn(nn::Module& model, data::BatchStream& stream, int batches, const data::Normalization& normalization,
                    Device device);

}  // namespace autospace::nas
