#include "nas/genotype.h"

#include <charconv>
#include <optional>
#include <vector>

#include "kernels/common/check.h"
#include "nas/spelling.h"

namespace autospace::nas {

Op op_zero() { return {OpKind::zero, 0}; }
Op op_identity() { return {OpKind::identity, 0}; }
Op op_conv(int kernel) { return {OpKind::conv, kernel}; }
Op op_dwconv(int kernel) { return {OpKind::dwconv, kernel}; }

std::string to_string(const Op& op) {
  switch (op.kind) {
    case OpKind::zero: return "zero";
    case OpKind::identity: return "id";
    case OpKind::conv: return std::string("c") + std::to_string(op.kernel);
    case OpKind::dwconv: return std::string("dw") + std::to_string(op.kernel);
  }
  return "?";
}

namespace {

std::optional<int> parse_int(std::string_view digits) {
  if (digits.empty() || digits.size() > 6) return std::nullopt;
  int value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

std::vector<std::string> op_spellings() {
  std::vector<std::string> names = {"zero", "id"};
  for (int k = kMinOpKernel; k <= kMaxOpKernel; k += 2) {
    names.push_back(std::string("c") + std::to_string(k));
    names.push_back(std::string("dw") + std::to_string(k));
  }
  return names;
}

}  // namespace

OpParse parse_op(std::string_view token) {
  if (token.empty()) return {{}, "empty op"};
  if (token == "zero") return {op_zero(), ""};
  if (token == "id") return {op_identity(), ""};
  OpKind kind = OpKind::zero;
  std::string_view digits;
  if (token.starts_with("dw")) {
    kind = OpKind::dwconv;
    digits = token.substr(2);
  } else if (token.starts_with("c")) {
    kind = OpKind::conv;
    digits = token.substr(1);
  }
  if (kind != OpKind::zero) {
    if (const auto k = parse_int(digits)) {
      if (*k < kMinOpKernel || *k > kMaxOpKernel || *k % 2 == 0)
        return {{}, "kernel " + std::to_string(*k) + " of op \"" + std::string(token) + "\" must be odd, in " +
                        std::to_string(kMinOpKernel) + ".." + std::to_string(kMaxOpKernel)};
      return {{kind, *k}, ""};
    }
  }
  std::string error = "unknown op \"" + std::string(token) + "\" (expected zero, id, c<k> or dw<k> with odd k";
  if (const auto guess = did_you_mean(token, op_spellings())) error += "; did you mean \"" + *guess + "\"?";
  return {{}, error + ")"};
}

std::string_view to_string(Mix mix) { return mix == Mix::sum ? "sum" : "concat"; }

std::string edge_name(int edge) {
  AUTOSPACE_CHECK(edge >= 0 && edge < kEdgeCount);
  return std::string("n") + std::to_string(kEdges[edge].from) + "->n" + std::to_string(kEdges[edge].to);
}

Genotype reference_genotype() {
  Genotype g;
  g.edges = {op_dwconv(3), op_zero(), op_identity(), op_zero(), op_zero(), op_identity()};
  g.expansion = 6;
  g.mix = Mix::sum;
  return g;
}

std::array<bool, kEdgeCount> live_edges(const Genotype& g) {
  // Edges only point forward, so one pass in each direction settles reachability.
  std::array<bool, 4> from_input{true, false, false, false};
  for (int e = 0; e < kEdgeCount; ++e)
    if (g.edges[e].kind != OpKind::zero && from_input[kEdges[e].from]) from_input[kEdges[e].to] = true;
  std::array<bool, 4> to_output{false, false, false, true};
  for (int e = kEdgeCount - 1; e >= 0; --e)
    if (g.edges[e].kind != OpKind::zero && to_output[kEdges[e].to]) to_output[kEdges[e].from] = true;
  std::array<bool, kEdgeCount> live{};
  for (int e = 0; e < kEdgeCount; ++e)
    live[e] = g.edges[e].kind != OpKind::zero && from_input[kEdges[e].from] && to_output[kEdges[e].to];
  return live;
}

bool is_valid(const Genotype& g) {
  // n3 is reachable exactly when some edge into n3 is live.
  const auto live = live_edges(g);
  for (int e = 0; e < kEdgeCount; ++e)
    if (live[e] && kEdges[e].to == 3) return true;
  return false;
}

std::array<int, 4> live_input_counts(const Genotype& g) {
  const auto live = live_edges(g);
  std::array<int, 4> counts{};
  for (int e = 0; e < kEdgeCount; ++e)
    if (live[e]) ++counts[kEdges[e].to];
  return counts;
}

bool mix_matters(const Genotype& g) {
  for (int count : live_input_counts(g))
    if (count >= 2) return true;
  return false;
}

Genotype canonical(const Genotype& g) {
  Genotype c = g;
  const auto live = live_edges(g);
  for (int e = 0; e < kEdgeCount; ++e)
    if (!live[e]) c.edges[e] = op_zero();
  if (!mix_matters(c)) c.mix = Mix::sum;
  return c;
}

std::uint64_t cell_hash(const Genotype& g) {
  const Genotype c = canonical(g);
  AUTOSPACE_CHECK(c.expansion >= 1 && c.expansion <= kMaxExpansion, "expansion ", c.expansion);
  std::uint64_t packed = 0;
  for (int e = 0; e < kEdgeCount; ++e) {
    const Op& op = c.edges[e];
    AUTOSPACE_CHECK(op.kernel >= 0 && op.kernel <= kMaxOpKernel, "kernel ", op.kernel);
    packed |= static_cast<std::uint64_t>(static_cast<unsigned>(op.kind) | (op.kernel << 2)) << (6 * e);
  }
  packed |= static_cast<std::uint64_t>(c.expansion) << 36;
  packed |= static_cast<std::uint64_t>(c.mix) << 41;
  // splitmix64's finaliser: every step is invertible, so distinct packings stay distinct
  // while the bits get spread for hash tables.
  std::uint64_t z = packed + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

int hamming_distance(const Genotype& a, const Genotype& b) {
  const Genotype ca = canonical(a);
  const Genotype cb = canonical(b);
  int d = 0;
  for (int e = 0; e < kEdgeCount; ++e) d += ca.edges[e] == cb.edges[e] ? 0 : 1;
  d += ca.expansion == cb.expansion ? 0 : 1;
  d += ca.mix == cb.mix ? 0 : 1;
  return d;
}

std::string to_string(const Genotype& g) {
  std::string s = std::string("e") + std::to_string(g.expansion) + ":" + std::string(to_string(g.mix)) + ":";
  for (int e = 0; e < kEdgeCount; ++e) {
    if (e > 0) s += kEdges[e].from == 0 ? "|" : ",";
    s += to_string(g.edges[e]);
  }
  return s;
}

namespace {

// Points a caret at text[begin, begin + length) under a copy of the text.
[[noreturn]] void malformed(std::string_view text, std::size_t begin, std::size_t length, const std::string& problem) {
  const std::string caret = std::string(begin, ' ') + std::string(length == 0 ? 1 : length, '^');
  AUTOSPACE_THROW("cell \"", text, "\": ", problem, " (column ", begin + 1, ")\n  ", text, "\n  ", caret);
}

struct Piece {
  std::size_t begin;
  std::string_view text;
};

std::vector<Piece> split(std::string_view text, std::size_t offset, char separator) {
  std::vector<Piece> pieces;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == separator) {
      pieces.push_back({offset + start, text.substr(start, i - start)});
      start = i + 1;
    }
  }
  return pieces;
}

}  // namespace

Genotype parse_genotype(std::string_view text) {
  const char* form = "expected e<expansion>:<mix>:<edge into n1>|<edges into n2>|<edges into n3>";
  const auto parts = split(text, 0, ':');
  if (parts.size() < 3) malformed(text, text.size(), 1, std::string("missing part: ") + form);
  if (parts.size() > 3) malformed(text, parts[3].begin - 1, text.size() - parts[3].begin + 1, "too many ':' parts: " + std::string(form));

  Genotype g;
  const Piece& e = parts[0];
  const auto expansion = e.text.starts_with("e") ? parse_int(e.text.substr(1)) : std::nullopt;
  if (!expansion) malformed(text, e.begin, e.text.size(), "bad expansion \"" + std::string(e.text) + "\" (expected e<integer>, e.g. e6)");
  if (*expansion < 1 || *expansion > kMaxExpansion)
    malformed(text, e.begin, e.text.size(), "expansion " + std::to_string(*expansion) + " is out of range 1.." + std::to_string(kMaxExpansion));
  g.expansion = *expansion;

  const Piece& m = parts[1];
  if (m.text == "sum") {
    g.mix = Mix::sum;
  } else if (m.text == "concat") {
    g.mix = Mix::concat;
  } else {
    std::string problem = "unknown mix \"" + std::string(m.text) + "\" (expected sum or concat";
    if (const auto guess = did_you_mean(m.text, {"sum", "concat"})) problem += "; did you mean \"" + *guess + "\"?";
    malformed(text, m.begin, m.text.size(), problem + ")");
  }

  const auto groups = split(parts[2].text, parts[2].begin, '|');
  if (groups.size() < 3)
    malformed(text, text.size(), 1, "expected 3 groups of edges separated by '|' (into n1, n2, n3), got " + std::to_string(groups.size()));
  if (groups.size() > 3)
    malformed(text, groups[3].begin - 1, text.size() - groups[3].begin + 1, "expected 3 groups of edges separated by '|', got " + std::to_string(groups.size()));
  int edge = 0;
  for (int node = 1; node <= 3; ++node) {
    const Piece& group = groups[node - 1];
    const auto tokens = split(group.text, group.begin, ',');
    if (static_cast<int>(tokens.size()) != node)
      malformed(text, group.begin, group.text.size(),
                std::string("n") + std::to_string(node) + " needs " + std::to_string(node) + (node == 1 ? " op" : " ops") +
                    " (one per edge from n0" + (node > 1 ? "..n" + std::to_string(node - 1) : std::string()) + "), got " +
                    std::to_string(tokens.size()));
    for (const Piece& token : tokens) {
      const OpParse parsed = parse_op(token.text);
      if (!parsed.error.empty()) malformed(text, token.begin, token.text.size(), "edge " + edge_name(edge) + ": " + parsed.error);
      g.edges[edge++] = parsed.op;
    }
  }
  return g;
}

}  // namespace autospace::nas
