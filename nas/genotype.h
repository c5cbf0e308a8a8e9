#pragma once
// The cell genotype of the open space (DESIGN 4.1): six nodes n0..n3 between an input node
// I (n0 = I(x)) and an output node O, six edges (0,1) (0,2) (1,2) (0,3) (1,3) (2,3) each
// carrying one op, an expansion ratio e and one mix for nodes with two or more live
// inputs. Canonical text form: `e6:sum:dw3|zero,id|zero,zero,id` (edge into n1 | edges
// into n2 | edges into n3).
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace autospace::nas {

enum class OpKind : std::uint8_t { zero, identity, conv, dwconv };

// One edge op. Convolutions carry an odd kernel size; zero and identity carry 0.
struct Op {
  OpKind kind = OpKind::zero;
  int kernel = 0;
  bool operator==(const Op&) const = default;
};

inline constexpr int kMinOpKernel = 1;
inline constexpr int kMaxOpKernel = 9;
inline constexpr int kMaxExpansion = 16;

Op op_zero();
Op op_identity();
Op op_conv(int kernel);
Op op_dwconv(int kernel);

// Text tokens: zero, id, c<k>, dw<k>.
std::string to_string(const Op& op);
// The op named by `token`, or an error message (empty token, unknown name, bad kernel).
struct OpParse {
  Op op;
  std::string error;
};
OpParse parse_op(std::string_view token);

enum class Mix : std::uint8_t { sum, concat };
std::string_view to_string(Mix mix);

struct Edge {
  int from;
  int to;
};
inline constexpr int kEdgeCount = 6;
// The order of edges everywhere: the text form lists them in this order.
inline constexpr std::array<Edge, kEdgeCount> kEdges{{{0, 1}, {0, 2}, {1, 2}, {0, 3}, {1, 3}, {2, 3}}};
// "n0->n1" etc.
std::string edge_name(int edge);

struct Genotype {
  std::array<Op, kEdgeCount> edges{};
  int expansion = 1;
  Mix mix = Mix::sum;
  bool operator==(const Genotype&) const = default;
};

// The inverted residual block MBConv e6 k3: e6:sum:dw3|zero,id|zero,zero,id.
Genotype reference_genotype();

// Edges that lie on some n0 -> n3 path of non-zero edges.
std::array<bool, kEdgeCount> live_edges(const Genotype& g);
// n3 is reachable from n0 through non-zero edges.
bool is_valid(const Genotype& g);
// Dead edges become zero, and the mix becomes sum when no node has two live inputs (it
// then changes nothing). Idempotent; an invalid cell canonicalises to its empty cell.
Genotype canonical(const Genotype& g);
// Whether some node has two or more live inputs, i.e. whether the mix matters.
bool mix_matters(const Genotype& g);
// Number of live inputs of node n1..n3 (index 1..3); index 0 is always 0.
std::array<int, 4> live_input_counts(const Genotype& g);

// Stable across runs and platforms; equal exactly when the canonical forms are equal
// (an injective packing of the canonical form through a bijective mixer).
std::uint64_t cell_hash(const Genotype& g);

// DESIGN Eq. 2 on canonical forms: differing edge ops + [e differs] + [mix differs].
int hamming_distance(const Genotype& a, const Genotype& b);

// Prints the genotype as given (not canonicalised).
std::string to_string(const Genotype& g);
// Parses the text form; a malformed string is an autospace::Error quoting the string with
// a caret under the offending part. Validity (reachability) is not checked here.
Genotype parse_genotype(std::string_view text);

}  // namespace autospace::nas
