#pragma once
// One layer of a standalone network (phase 3) from its arch.json block.
#include <memory>
#include <string>

#include "nas/arch.h"
#include "nas/network/cell.h"

namespace autospace::nas {

// An MBConv k, e is the cell of the same shape, e<e>:sum:dw<k>|zero,id|zero,zero,id:
// I = expand, n1 = depthwise (with the stride), n3 = n1, O = project. Building it as that
// cell gives it the same modules, parameters and cost, and lets a manual-space supernet
// share its weights through a bank like any cell.
CellBlock mbconv_cell(const MbConvBlock& block);

// The module of `block` at `position`: a cell (an MBConv as above) over a weight bank sized
// to it, which it owns as its child "bank" (`path` is the layer's dotted name, e.g.
// "layers.3", and keys the bank's initialisation from `seed`), or the identity for a zero
// block. `settings` gives batch norm, residual and drop path; the activation is the block's
// own when it has one, else settings.activation; squeeze-excite comes from the block.
// Throws for a zero block where the layer cannot be skipped or an invalid cell.
std::shared_ptr<nn::Module> make_layer(const Block& block, const LayerPosition& position, CellSettings settings,
                                       const std::string& path, std::uint64_t seed);

}  // namespace autospace::nas
