#include "nas/cell_choices.h"

#include <algorithm>

#include "kernels/common/check.h"

namespace autospace::nas {

namespace {

template <class T>
bool has(const std::vector<T>& list, const T& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

std::uint64_t CellChoices::genotype_count() const {
  std::uint64_t n = expansions.size() * mixes.size();
  for (int e = 0; e < kEdgeCount; ++e) n *= ops.size();
  return n;
}

bool CellChoices::contains(const Genotype& g) const {
  const Genotype c = canonical(g);
  for (const Op& op : c.edges)
    if (!has(ops, op)) return false;
  return has(expansions, c.expansion) && (!mix_matters(c) || has(mixes, c.mix));
}

void CellChoices::validate() const {
  if (ops.empty()) AUTOSPACE_THROW("cell choices: the op list is empty");
  if (expansions.empty()) AUTOSPACE_THROW("cell choices: the expansion list is empty");
  if (mixes.empty()) AUTOSPACE_THROW("cell choices: the mix list is empty");
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    const bool conv = op.kind == OpKind::conv || op.kind == OpKind::dwconv;
    if (conv ? (op.kernel < kMinOpKernel || op.kernel > kMaxOpKernel || op.kernel % 2 == 0) : op.kernel != 0)
      AUTOSPACE_THROW("cell choices: op ", i, " has an invalid kernel ", op.kernel);
    if (std::count(ops.begin(), ops.end(), op) > 1) AUTOSPACE_THROW("cell choices: op ", to_string(op), " is listed twice");
  }
  for (int e : expansions) {
    if (e < 1 || e > kMaxExpansion) AUTOSPACE_THROW("cell choices: expansion ", e, " is out of range 1..", kMaxExpansion);
    if (std::count(expansions.begin(), expansions.end(), e) > 1)
      AUTOSPACE_THROW("cell choices: expansion ", e, " is listed twice");
  }
  for (Mix m : mixes)
    if (std::count(mixes.begin(), mixes.end(), m) > 1) AUTOSPACE_THROW("cell choices: mix ", to_string(m), " is listed twice");
}

}  // namespace autospace::nas
