#include "apps/report/report_html.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "apps/report/svg_plot.h"
#include "engine/io/atomic_file.h"
#include "nas/arch_json.h"
#include "nas/cost_model.h"
#include "nas/draw_svg.h"
#include "nas/drawing.h"
#include "nas/summary.h"

namespace autospace::apps {

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string number(double v, const char* format = "%.4g") {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string percent(const nas::Json& v) { return v.is_number() ? number(100 * v.get<double>(), "%.2f%%") : "–"; }

// The epoch records of a training run's metrics.jsonl.
std::vector<nas::Json> epoch_records(const fs::path& metrics) {
  std::vector<nas::Json> out;
  std::ifstream in(metrics);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    nas::Json r = nas::Json::parse(line, nullptr, false);
    if (r.is_object() && r.value("kind", "") == "epoch") out.push_back(std::move(r));
  }
  return out;
}

std::string training_plot(const fs::path& train_dir) {
  PlotSeries val{"validation top-1", {}, {}}, train{"training top-1", {}, {}};
  for (const auto& r : epoch_records(train_dir / "metrics.jsonl")) {
    const double epoch = r["epoch"].get<double>();
    train.x.push_back(epoch);
    train.y.push_back(r.value("train_top1", 0.0));
    if (r.contains("val") && r["val"].is_object()) {
      val.x.push_back(epoch);
      val.y.push_back(r["val"]["top1"].get<double>());
    }
  }
  if (train.x.empty()) return "";
  return svg_line_plot("Phase 3: accuracy per epoch", "epoch", "top-1", {train, val});
}

// Every SVG a phase wrote, in name order, each under its file name.
std::string phase_figures(const fs::path& dir) {
  std::vector<fs::path> files;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".svg") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::string html;
  for (const auto& f : files)
    html += "<figure>" + read_text(f) + "<figcaption>" + nas::xml_escape(f.filename().string()) + "</figcaption></figure>\n";
  return html;
}

}  // namespace

nas::Json pipeline_summary(const fs::path& run_dir, const nas::Json& state) {
  nas::Json phases = nas::Json::object();
  double total = 0;
  for (const auto& [phase, record] : state.at("phases").items()) {
    phases[phase] = {{"seconds", record.value("seconds", 0.0)}, {"done", record.value("done", false)}};
    total += record.value("seconds", 0.0);
  }
  nas::Json summary = {{"format", "autospace.pipeline-summary/1"}, {"run_dir", run_dir.string()},
                       {"phases", phases}, {"total_seconds", total}};
  if (const fs::path f = run_dir / "evolve" / "evolve-summary.json"; fs::exists(f)) {
    const nas::Json e = nas::read_json_file(f);
    summary["learned_space"] = {{"file", (run_dir / "evolve" / "space.json").string()},
                                {"mean_hamming_to_reference", e.at("mean_hamming_to_reference")},
                                {"edge_op_counts", e.at("edge_op_counts")}};
  }
  if (const fs::path f = run_dir / "search" / "search-summary.json"; fs::exists(f)) {
    const nas::Json r = nas::read_json_file(f);
    nas::Json search = {{"file", (run_dir / "search" / "arch.json").string()}};
    for (const char* key : {"method", "space", "budget", "madds", "params", "inside_band", "argmax", "choice",
                            "latency", "expected_cost", "mean_entropy", "supernet_accuracy", "evaluations"})
      if (r.contains(key)) search[key] = r.at(key);
    summary["search"] = search;
  }
  if (const fs::path f = run_dir / "train" / "arch.json"; fs::exists(f)) {
    const nas::Arch arch = nas::load_arch(f);
    const nas::Cost cost = nas::arch_cost(arch).total;
    summary["architecture"] = {{"file", f.string()}, {"name", arch.name}, {"madds", cost.madds}, {"params", cost.params}};
  }
  if (const fs::path f = run_dir / "train" / "summary.json"; fs::exists(f)) {
    const nas::Json t = nas::read_json_file(f);
    summary["training"] = {{"epochs", t.at("epochs")}, {"best", t.at("best")}, {"last", t.at("last")},
                           {"wall_seconds", t.at("wall_seconds")}};
  }
  if (const fs::path f = run_dir / "train" / "eval.json"; fs::exists(f)) {
    const nas::Json e = nas::read_json_file(f);
    summary["evaluation"] = {{"top1", e.at("top1")}, {"top5", e.at("top5")},     {"loss", e.at("loss")},
                             {"madds", e.at("madds")}, {"params", e.at("params")}, {"latency", e.at("latency")}};
  }
  return summary;
}

void write_report_html(const fs::path& run_dir, const nas::Json& summary) {
  std::string h;
  h += "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>AutoSpace run " + nas::xml_escape(run_dir.string()) +
       "</title>\n<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;color:#222}"
       "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:left}"
       "figure{margin:1em 0;overflow-x:auto}figcaption{color:#666;font-size:90%}svg{max-width:100%;height:auto}"
       "pre{background:#f6f6f6;padding:1em;overflow-x:auto}</style></head><body>\n";
  h += "<h1>AutoSpace pipeline: " + nas::xml_escape(run_dir.string()) + "</h1>\n";

  h += "<table><tr><th>phase</th><th>finished</th><th>wall time</th></tr>\n";
  for (const auto& [phase, p] : summary["phases"].items())
    h += "<tr><td>" + nas::xml_escape(phase) + "</td><td>" + (p["done"].get<bool>() ? "yes" : "no") + "</td><td>" +
         number(p["seconds"].get<double>(), "%.1f s") + "</td></tr>\n";
  h += "<tr><th>total</th><td></td><th>" + number(summary["total_seconds"].get<double>(), "%.1f s") + "</th></tr></table>\n";

  if (summary.contains("learned_space")) {
    const auto& s = summary["learned_space"];
    h += "<h2>Phase 1: the learned space</h2>\n<p>Mean Hamming distance of the top cells to the reference MBConv DAG: " +
         number(s["mean_hamming_to_reference"].get<double>(), "%.2f") + ". Edge operations over all top cells: ";
    std::string ops;
    for (const auto& [op, n] : s["edge_op_counts"].items()) ops += (ops.empty() ? "" : ", ") + op + " " + n.dump();
    h += nas::xml_escape(ops) + ".</p>\n" + phase_figures(run_dir / "evolve");
  }
  if (summary.contains("search")) {
    const auto& r = summary["search"];
    // Summaries before latency budgets have no "unit": their costs are counts.
    const bool ms = r["budget"].value("unit", "") == "ms";
    const auto amount = [&](const nas::Json& v) {
      return ms ? number(v.get<double>(), "%.3f") + " ms" : number(v.get<double>() / 1e6, "%.2f") + " M";
    };
    h += "<h2>Phase 2: search</h2>\n<p>" + nas::xml_escape(r["method"].get<std::string>()) + " in the " +
         nas::xml_escape(r["space"]["kind"].get<std::string>()) + " space (" +
         nas::xml_escape(r["space"]["origin"].get<std::string>()) + ") at a budget of " +
         amount(r["budget"]["target"]) + " " + nas::xml_escape(r["budget"]["kind"].get<std::string>()) + " (band " +
         amount(r["budget"]["band"][0]) + " to " + amount(r["budget"]["band"][1]) + "): found " +
         number(r["madds"].get<double>() / 1e6, "%.2f") + " M MAdds, " +
         number(r["params"].get<double>() / 1e6, "%.3f") + " M parameters, ";
    if (r.contains("latency")) {
      const auto& l = r["latency"];
      h += "predicted latency " + number(l["predicted_ms"].get<double>(), "%.3f") + " ms";
      if (l["measured_ms"].is_number()) h += " (measured " + number(l["measured_ms"].get<double>(), "%.3f") + " ms)";
      h += " on " + nas::xml_escape(l["device"].get<std::string>()) + ", ";
    }
    h += std::string(r["inside_band"].get<bool>() ? "inside" : "outside") + " the band";
    if (r.contains("argmax"))
      h += " (the plain argmax of the probabilities: " + number(r["argmax"]["madds"].get<double>() / 1e6, "%.2f") +
           " M MAdds, " + (r["argmax"]["inside_band"].get<bool>() ? "inside" : "outside") + ")";
    if (r.contains("supernet_accuracy"))
      h += ", held-out top-1 on the shared weights " + percent(r["supernet_accuracy"]) + " after " +
           r["evaluations"].dump() + " evaluated architectures";
    if (r.contains("expected_cost"))
      h += "; final E[" + nas::xml_escape(r["budget"]["kind"].get<std::string>()) + "] " +
           amount(ms ? nas::Json(r["expected_cost"].get<double>() / 1e6) : r["expected_cost"]) + ", mean entropy " +
           number(r["mean_entropy"].get<double>(), "%.3f") + " nats";
    h += ".</p>\n" + phase_figures(run_dir / "search");
  }
  if (summary.contains("architecture")) {
    const auto& a = summary["architecture"];
    const nas::Arch arch = nas::load_arch(a["file"].get<std::string>());
    h += "<h2>The architecture trained</h2>\n<p>" + nas::xml_escape(a["name"].get<std::string>()) + ": " +
         number(a["madds"].get<double>() / 1e6, "%.2f") + " M MAdds, " + number(a["params"].get<double>() / 1e6, "%.3f") +
         " M parameters.</p>\n<figure>" + nas::draw_svg(nas::arch_figure(arch)) +
         "<figcaption>the cell of every layer</figcaption></figure>\n<pre>" + nas::xml_escape(nas::arch_table(arch)) + "</pre>\n";
  }
  if (summary.contains("training")) {
    const auto& t = summary["training"];
    h += "<h2>Phase 3: training from scratch</h2>\n<p>" + t["epochs"].dump() + " epochs in " +
         number(t["wall_seconds"].get<double>(), "%.0f s") + "; best validation top-1 " + percent(t["best"]["top1"]) +
         ", last " + percent(t["last"]["top1"]) + ".</p>\n";
    if (const std::string plot = training_plot(run_dir / "train"); !plot.empty()) h += "<figure>" + plot + "</figure>\n";
  }
  if (summary.contains("evaluation")) {
    const auto& e = summary["evaluation"];
    h += "<h2>Phase 4: evaluation</h2>\n<table><tr><th>top-1</th><th>top-5</th><th>loss</th><th>MAdds</th><th>params</th></tr>"
         "<tr><td>" + percent(e["top1"]) + "</td><td>" + percent(e["top5"]) + "</td><td>" +
         number(e["loss"].get<double>()) + "</td><td>" + e["madds"].dump() + "</td><td>" + e["params"].dump() +
         "</td></tr></table>\n<table><tr><th>batch</th><th>median latency</th><th>images/s</th></tr>\n";
    for (const auto& l : e["latency"])
      h += "<tr><td>" + l["batch_size"].dump() + "</td><td>" + number(l["median_ms"].get<double>(), "%.2f ms") + "</td><td>" +
           number(l["images_per_second"].get<double>(), "%.1f") + "</td></tr>\n";
    h += "</table>\n";
  }
  h += "</body></html>\n";
  io::write_file_atomically(run_dir / "report.html", h);
}

}  // namespace autospace::apps
