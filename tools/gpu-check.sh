#!/usr/bin/env bash
# One-call validation of the CUDA backend on a GPU machine (issue 7).
#
#   tools/gpu-check.sh --prepare   # here, on the development machine, before the call
#   tools/gpu-check.sh OUTDIR      # there, on the GPU machine (carry .gpu-deps)
#
# It builds for sm_90, runs the [cuda] parity tests (ops, then the supernet steps of
# evolve and every searcher), the quickstart pipeline with device cuda, a spos search on
# the GPU three times (plain, then through the gradient reducer and NCCL at a world of one,
# then scoring candidates by CUDA-graph replays; each compared with the plain one number by
# number, tools/compare_runs.py), the quickstart again on bf16
# activations, the engine's MobileNetV2 and supernet steps (bench_cuda_kernels), PyTorch's
# steps on the same card (bench/cuda_train_step_pytorch.py), the kernel benchmarks (each
# kernel against its cuBLAS/cuDNN version, the card's copy bandwidth) and NCCL's
# all-reduce on the one GPU (bench_allreduce), and writes into OUTDIR: summary.md (the table,
# also printed last), summary.json (its figures), build.log, tests.log, bench.log,
# bench.json, pytorch.log, pytorch.json: eight files, the device tool's limit. Each stage has a
# time limit inside an overall budget (AUTOSPACE_GPU_CHECK_SECONDS, default 470 s), so
# that the summary is written within 8 minutes whatever fails or hangs; a failing
# stage is recorded and the next one still runs where it can.
#
# Dependencies. The GPU machine is a bare image with CUDA 13, CMake, ninja, a C++
# compiler and PyTorch, no internet and no Debian development packages: oneDNN,
# nlohmann-json, Catch2, Google Benchmark, libjpeg-turbo (and the OpenCL loader oneDNN
# links) are likely missing there, and cuBLAS/cuDNN may exist only inside PyTorch's pip
# packages. Rather than make the CPU backend optional for this one build (the parity
# tests need it: it is their reference) or vendor sources, --prepare packs the very
# Debian 12 files this project builds against on this machine (dpkg -L of each package)
# into .gpu-deps/ (git-ignored, about 15 MB compressed); the call carries that folder,
# and the script points CMake at it with explicit package paths, without pkg-config.
# Those libraries need glibc 2.34 and GCC 11's libstdc++ at most. cuBLAS and cuDNN are
# taken from the CUDA toolkit, else from the nvidia/* Python packages
# (AUTOSPACE_CUDA_LIBRARY_ROOTS); without cuDNN the build leaves its backend out.
# Without the bundle the script tries the machine's own packages.
#
# Only the targets the check runs are built (test_engine, test_nas, test_data, autospace,
# autospace-search, bench_cuda_kernels, bench_allreduce and what they link). AUTOSPACE_GPU_CHECK_SANITIZE=1 adds a compute-sanitizer memcheck pass over
# the op parity cases (minutes; the benchmarks then get less time).
# AUTOSPACE_GPU_CHECK_IGNORE_SYSTEM=1 hides /usr from CMake's package searches, to prove
# here that the bundle alone suffices.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bundle_dir="$root/.gpu-deps"
bundle="$bundle_dir/debian12-deps.tar.gz"

prepare() {
  local packages=(libdnnl2 libdnnl-dev nlohmann-json3-dev catch2 libbenchmark1debian libbenchmark-dev
                  libturbojpeg0 libturbojpeg0-dev libjpeg62-turbo libjpeg62-turbo-dev libjpeg-dev
                  ocl-icd-libopencl1 ocl-icd-opencl-dev opencl-c-headers opencl-clhpp-headers)
  local stage
  stage=$(mktemp -d)
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      { echo "gpu-check --prepare: package $p is not installed here (tools/install-deps.sh)"; exit 1; }
    # Files and symbolic links only; documentation is not needed.
    dpkg -L "$p" | while IFS= read -r f; do
      if { [ -f "$f" ] || [ -L "$f" ]; } && [[ "$f" != /usr/share/doc/* && "$f" != /usr/share/man/* ]]; then
        mkdir -p "$stage$(dirname "$f")"
        cp -a "$f" "$stage$f"
      fi
    done
  done
  # jpeglib.h includes jconfig.h, which Debian keeps in the multiarch include folder that
  # only the system compiler searches by itself.
  cp "$stage/usr/include/x86_64-linux-gnu/jconfig.h" "$stage/usr/include/"
  mkdir -p "$bundle_dir"
  tar -C "$stage" -czf "$bundle" usr
  rm -rf "$stage"
  echo "gpu-check --prepare: wrote $bundle ($(du -h "$bundle" | cut -f1)); carry .gpu-deps in the device call"
}

if [ "${1:-}" = "--prepare" ]; then
  prepare
  exit 0
fi
if [ $# -ne 1 ]; then
  echo "usage: tools/gpu-check.sh OUTDIR | --prepare"
  exit 2
fi

out=$(mkdir -p "$1" && cd "$1" && pwd)
work=$(mktemp -d)
build="$root/build-gpu"
start=$(date +%s)
budget=${AUTOSPACE_GPU_CHECK_SECONDS:-470}
deadline=$((start + budget))
jobs=$(nproc)
status_file="$work/status"
: >"$status_file"

log() { echo "[gpu-check $(($(date +%s) - start))s] $*"; }
# Seconds a stage may take: its own cap (sized for the default budget, scaled with a larger
# one), but never more than leaves `reserve` seconds for the stages after it.
limit() {
  local cap=$(($1 * budget / 470)) reserve=$2 left
  left=$((deadline - $(date +%s) - reserve))
  [ "$left" -lt "$cap" ] && cap=$left
  [ "$cap" -lt 5 ] && cap=5
  echo "$cap"
}
# run_stage NAME CAP RESERVE LOG COMMAND...: runs COMMAND under its time limit, appending
# its output to LOG, and records "NAME<tab>result<tab>seconds" for the summary.
run_stage() {
  local name=$1 cap=$2 reserve=$3 logfile=$4
  shift 4
  local t0 rc seconds
  t0=$(date +%s)
  seconds=$(limit "$cap" "$reserve")
  log "$name (limit ${seconds}s)"
  echo "### $name: $*" >>"$logfile"
  timeout --kill-after=10 "$seconds" "$@" >>"$logfile" 2>&1
  rc=$?
  local verdict=ok
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    verdict="timeout after ${seconds}s"
  elif [ $rc -ne 0 ]; then
    verdict="failed (exit $rc)"
  fi
  printf '%s\t%s\t%s\n' "$name" "$verdict" "$(($(date +%s) - t0))" >>"$status_file"
  log "$name: $verdict"
  return $rc
}

# --- Environment -----------------------------------------------------------------------
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: ${AUTOSPACE_COMMIT:-$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)}"
  echo "host: $(uname -a)"
  grep PRETTY_NAME /etc/os-release 2>/dev/null
  ldd --version 2>&1 | head -1
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv 2>&1
  for tool in nvcc cmake ninja g++ python3 pkg-config; do
    echo "$tool: $(command -v "$tool" || echo missing)"
  done
  /usr/local/cuda/bin/nvcc --version 2>&1 | tail -2
  cmake --version 2>&1 | head -1
  g++ --version 2>&1 | head -1
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda,
                                  "cudnn", torch.backends.cudnn.version())' 2>&1
} >"$out/build.log" 2>&1
log "environment recorded in build.log"

# --- Dependencies ----------------------------------------------------------------------
cmake_args=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DAUTOSPACE_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90
            -DAUTOSPACE_BUILD_TESTS=ON -DAUTOSPACE_BUILD_BENCH=ON -DCMAKE_POLICY_VERSION_MINIMUM=3.5)
if [ -f "$bundle" ]; then
  deps="$work/deps"
  mkdir -p "$deps"
  tar -C "$deps" -xzf "$bundle"
  prefix="$deps/usr"
  lib="$prefix/lib/x86_64-linux-gnu"
  cmake_args+=(-DCMAKE_PREFIX_PATH="$prefix" -Ddnnl_DIR="$lib/cmake/dnnl"
               -Dnlohmann_json_DIR="$prefix/share/cmake/nlohmann_json" -DCatch2_DIR="$prefix/lib/cmake/Catch2"
               -Dbenchmark_DIR="$lib/cmake/benchmark" -DOpenCL_INCLUDE_DIR="$prefix/include"
               -DOpenCL_LIBRARY="$lib/libOpenCL.so" -DJPEG_INCLUDE_DIR="$prefix/include"
               -DJPEG_LIBRARY="$lib/libjpeg.so" -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON
               -DAUTOSPACE_TURBOJPEG_INCLUDE_DIR="$prefix/include" -DAUTOSPACE_TURBOJPEG_LIBRARY="$lib/libturbojpeg.so")
  # oneDNN's own dependencies (the OpenCL loader) are found at run time, not through the
  # executables' RPATH.
  export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "dependencies: bundle $bundle" >>"$out/build.log"
else
  echo "dependencies: no bundle (.gpu-deps); using the machine's packages" >>"$out/build.log"
fi
[ "${AUTOSPACE_GPU_CHECK_IGNORE_SYSTEM:-0}" = 1 ] && cmake_args+=(-DCMAKE_IGNORE_PREFIX_PATH="/usr;/")

# cuBLAS, cuDNN and NCCL from PyTorch's nvidia/* packages where the toolkit lacks them.
cuda_home=$(dirname "$(dirname "$(readlink -f "$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)")")")
roots=()
for header in cublas_v2.h cudnn.h nccl.h; do
  [ -e "$cuda_home/include/$header" ] && continue
  while IFS= read -r found; do
    r=$(dirname "$(dirname "$found")")
    [[ " ${roots[*]-} " == *" $r "* ]] || roots+=("$r")
    break
  done < <(python3 -c 'import nvidia; print("\n".join(nvidia.__path__))' 2>/dev/null |
           xargs -r -I{} find {} -name "$header" -path '*/include/*' 2>/dev/null)
done
if [ ${#roots[@]} -gt 0 ]; then
  joined=$(IFS=';'; echo "${roots[*]}")
  cmake_args+=(-DAUTOSPACE_CUDA_LIBRARY_ROOTS="$joined")
  for r in "${roots[@]}"; do export LD_LIBRARY_PATH="$r/lib:${LD_LIBRARY_PATH:-}"; done
  echo "cuBLAS/cuDNN/NCCL roots outside the toolkit: ${roots[*]}" >>"$out/build.log"
fi

# --- Configure and build ---------------------------------------------------------------
# Reserves: the later stages' minimum useful times (tests 60 s, benchmarks 60 s, PyTorch
# 60 s, summary 10 s).
built=0
if run_stage configure 90 250 "$out/build.log" cmake -S "$root" -B "$build" "${cmake_args[@]}" &&
   run_stage build 330 190 "$out/build.log" \
     cmake --build "$build" -j "$jobs" --target test_engine test_nas test_data autospace autospace-search bench_cuda_kernels bench_allreduce; then
  built=1
fi

# --- Tests -----------------------------------------------------------------------------
if [ $built = 1 ]; then
  run_stage "parity tests [cuda]" 120 130 "$out/tests.log" "$build/tests/test_engine" "[cuda]" --durations yes
  # The supernet steps of phases 1 and 2 (DEA, proxyless-g/-rl, spos) against the CPU.
  run_stage "supernet parity [cuda]" 60 130 "$out/tests.log" "$build/tests/test_nas" "[cuda]" --durations yes
  # Batches uploaded a step ahead on the copy stream: the CPU's bytes, errors in place.
  run_stage "batch uploads [cuda]" 20 120 "$out/tests.log" "$build/tests/test_data" "[cuda]" --durations yes
  # Every phase end to end on the card: evolve, search (proxyless-g), train, eval.
  run_stage "quickstart on the GPU" 150 125 "$out/tests.log" "$build/apps/autospace" run "$root/configs/quickstart.json" \
    --set device=cuda --set run_dir="$work/quickstart" --set data.synthetic.dir="$work/synthetic"
  # spos (supernet training, BN recalibration, evolution) end to end, which the quickstart's
  # proxyless-g does not cover.
  run_stage "spos search on the GPU" 60 125 "$out/tests.log" "$build/apps/autospace-search" \
    "$root/configs/search/quick-synthetic-spos.json" --set device=cuda --set run_dir="$work/spos" \
    --set data.synthetic.dir="$work/synthetic"
  # The data-parallel path (gradient reducer, NCCL collectives) at a world of one: the same
  # search again with AUTOSPACE_COMMUNICATOR=nccl must end exactly where the plain one did.
  run_stage "spos search over NCCL, world of one" 60 120 "$out/tests.log" env AUTOSPACE_COMMUNICATOR=nccl \
    "$build/apps/autospace-search" "$root/configs/search/quick-synthetic-spos.json" --set device=cuda \
    --set run_dir="$work/spos-nccl" --set data.synthetic.dir="$work/synthetic"
  run_stage "NCCL world of one = plain run" 10 115 "$out/tests.log" python3 "$root/tools/compare_runs.py" \
    "$work/spos" "$work/spos-nccl"
  # And with cuda_graphs (spos scores each candidate by replaying one graph of its forward):
  # a replay runs the eager kernels, so this too must end exactly where the plain run did.
  run_stage "spos search with CUDA graphs" 60 115 "$out/tests.log" "$build/apps/autospace-search" \
    "$root/configs/search/quick-synthetic-spos.json" --set device=cuda --set cuda_graphs=true \
    --set run_dir="$work/spos-graphs" --set data.synthetic.dir="$work/synthetic"
  run_stage "CUDA graphs = plain run" 10 115 "$out/tests.log" python3 "$root/tools/compare_runs.py" \
    "$work/spos" "$work/spos-graphs"
  # The pipeline again on bf16 activations (precision bf16): every phase's bf16 kernels.
  run_stage "quickstart on the GPU, bf16" 90 120 "$out/tests.log" "$build/apps/autospace" run \
    "$root/configs/quickstart.json" --set device=cuda --set precision=bf16 --set run_dir="$work/quickstart-bf16" \
    --set data.synthetic.dir="$work/synthetic"
  # Opt-in (slow): the op-level parity cases under compute-sanitizer's memcheck, which
  # reports out-of-bounds and misaligned device accesses the comparisons cannot see.
  if [ "${AUTOSPACE_GPU_CHECK_SANITIZE:-0}" = 1 ]; then
    run_stage "memcheck" 150 120 "$out/tests.log" compute-sanitizer --tool memcheck --error-exitcode 3 \
      "$build/tests/test_engine" \
      '[cuda]~"CUDA parity: MobileNetV2 training steps"~"CUDA parity: tf32 and bf16 GEMM precision"'
  fi
fi

# --- Benchmarks and PyTorch ------------------------------------------------------------
# The issue's priority order: the step comparisons (the engine's MobileNetV2 and supernet
# steps, then PyTorch's on the same card), then the kernel table that explains them, then
# NCCL. In groups, each writing its own JSON (the summary recovers a file cut off by a
# time limit up to its last finished benchmark). supernet_step/sampled writes the network
# it trains there, for PyTorch's side.
export AUTOSPACE_SAMPLED_ARCH="$work/sampled.json"
bench_group() {  # GROUP CAP RESERVE
  run_stage "bench ${1//|/, }" "$2" "$3" "$out/bench.log" "$build/bench/bench_cuda_kernels" \
    --benchmark_filter="^($1)/" --benchmark_out="$work/bench-${1%%|*}.json" --benchmark_out_format=json \
    --benchmark_counters_tabular=false
}
if [ $built = 1 ]; then
  for group in "train_step" "supernet_step"; do bench_group "$group" 150 130; done
  # Four short ones (about 1 s each after warm-up): a group of their own, so that a train_step
  # group cut off by its limit does not take them along.
  bench_group "eval_forward" 30 130
fi

# 150 s: the first run on 2026-11-28 timed out at 90 s (import, CUDA start-up and cuDNN
# autotuning of six configurations); the JSON is rewritten after each configuration.
arch_args=()
[ -f "$AUTOSPACE_SAMPLED_ARCH" ] && arch_args=(--arch "$AUTOSPACE_SAMPLED_ARCH")
run_stage "pytorch" 150 40 "$out/pytorch.log" env PYTHONUNBUFFERED=1 python3 "$root/bench/cuda_train_step_pytorch.py" \
  --seconds 2 --json "$out/pytorch.json" "${arch_args[@]}"

if [ $built = 1 ]; then
  for group in "copy|elementwise|batch_norm" "depthwise" "conv1x1|conv3x3|conv_bn_eval" \
               "linear|cross_entropy|pool|optimizer"; do
    bench_group "$group" 150 20
  done
  # NCCL on this one GPU: the latency of an all-reduce from 4 KiB to 64 MiB (a world of
  # one moves no data between ranks, so its bus bandwidth is 0 by definition).
  run_stage "nccl all-reduce" 40 10 "$out/bench.log" env AUTOSPACE_COMMUNICATOR=nccl \
    "$build/bench/bench_allreduce" --device=cuda --max-mib=64 --seconds=0.1
fi

# --- Summary ---------------------------------------------------------------------------
# Sections in the order that keeps the most important last: the device tool returns the
# end of the output, and the kernel table is the longest part.
if python3 - "$out" "$work" "$status_file" <<'PY'
import glob, json, os, re, sys

out, work, status_file = sys.argv[1:4]
env = open(os.path.join(out, "build.log"), errors="replace").read().splitlines()
pick = lambda key: next((l.split(":", 1)[1].strip() for l in env if l.startswith(key + ":")), "unknown")
gpu = next((l for l in env if "," in l and "name" not in l and "NVIDIA" in l), "no GPU found by nvidia-smi")
header = ["# AutoSpace GPU check", "", f"- card: {gpu}", f"- date: {pick('date')}", f"- commit: {pick('commit')}"]

# A benchmark's name without Google Benchmark's suffixes ("/min_time:2.000", "/real_time").
short = lambda name: re.sub(r"/(min_time:[0-9.]+|real_time|manual_time)", "", name)


def load_json(path, empty):
    """The file's JSON; a file cut off mid-write (a stage killed by its time limit) up to
    its last complete entry: Google Benchmark's objects in "benchmarks" and PyTorch's
    list both close each entry with a line of "}" at their indentation."""
    if not os.path.exists(path):
        return empty
    text = open(path, errors="replace").read()
    try:
        return json.loads(text)
    except ValueError:
        pass
    # Google Benchmark indents its entries by four, PyTorch's script (json indent=1) by one.
    for end, tail in (("\n    }", "\n  ]\n}"), ("\n }", "\n]")):
        cut = text.rfind(end)
        if cut < 0:
            continue
        try:
            return json.loads(text[:cut + len(end)] + tail)
        except ValueError:
            continue
    return empty


bench = []
for path in sorted(glob.glob(os.path.join(work, "bench-*.json"))):
    data = load_json(path, {})
    bench += [b for b in data.get("benchmarks", []) if b.get("run_type", "iteration") == "iteration"]
def finite(v):
    """Strict JSON: a benchmark's NaN or infinity (Python writes them bare) becomes null."""
    if isinstance(v, float):
        return v if v == v and abs(v) != float("inf") else None
    if isinstance(v, dict):
        return {k: finite(x) for k, x in v.items()}
    if isinstance(v, list):
        return [finite(x) for x in v]
    return v


with open(os.path.join(out, "bench.json"), "w") as f:
    json.dump(finite(bench), f, indent=1, allow_nan=False)
kernels = []
if bench:
    copy = next((b["GB/s"] for b in bench if b["name"].startswith("copy/device_to_device")), None)
    kernels += ["## Kernels", "",
                f"Measured device-to-device copy: {copy:.0f} GB/s (read + write)" if copy else "No copy measurement.",
                "", "| benchmark | time | GB/s | % of copy | TFLOP/s | images/s |", "|---|---|---|---|---|---|"]
    for b in bench:
        name = short(b["name"])
        gbs, tf, ips = b.get("GB/s"), b.get("TFLOP/s"), b.get("items_per_second")
        frac = f"{100 * gbs / copy:.0f}%" if gbs and copy else ""
        kernels.append(f"| {name} | {b['real_time']:.1f} {b['time_unit']} | {f'{gbs:.0f}' if gbs else ''} | {frac} | "
                       f"{f'{tf:.1f}' if tf else ''} | {f'{ips:.0f}' if ips else ''} |")
    for b in bench:
        if b.get("error_occurred"):
            kernels.append(f"- {b['name']}: {b.get('error_message')}")

step = []
py = os.path.join(out, "pytorch.json")
runs = load_json(py, [])
if runs:
    ours = {short(b["name"]): b.get("items_per_second") for b in bench}
    step += ["## MobileNetV2 training step: AutoSpace vs PyTorch (images/s)", "",
             "Native convolutions, and autotuned (`conv_backend: autotune`: per shape and pass the fastest",
             "of native, tiled depthwise and cuDNN that matches native's result); the ratio takes the faster.", "",
             "| input | batch | precision | AutoSpace | AutoSpace autotuned | PyTorch | ratio |",
             "|---|---|---|---|---|---|---|"]
    for r in runs:
        if r.get("model") == "sampled":
            continue
        name = f"train_step/mobilenet_v2/{r['resolution']}/batch{r['batch']}/{r['precision']}"
        mine, tuned = ours.get(name), ours.get(name + "/autotune")
        best = max([v for v in (mine, tuned) if v] or [0])
        ratio = f"{best / r['images_per_second']:.2f}" if best else ""
        step.append(f"| {r['resolution']}x{r['resolution']} | {r['batch']} | {r['precision']} | "
                    f"{f'{mine:.0f}' if mine else '-'} | {f'{tuned:.0f}' if tuned else '-'} | "
                    f"{r['images_per_second']:.0f} | {ratio} |")
    step.append(f"\n{runs[0]['framework']} on {runs[0]['device']}")

# The supernet's overhead on the card: each supernet step against the sampled network alone
# (goal: the DEA step <= 1.5x), and that network against PyTorch's.
supernet = []
times = {short(b["name"]): b["real_time"] for b in bench if b["name"].startswith("supernet_step/")}
sampled = times.get("supernet_step/sampled/mobile224/batch64")
if sampled:
    supernet += ["## Supernet steps, ImageNet mobile backbone, 224x224, batch 64, fp32", "",
                 "| step | ms | / sampled network |", "|---|---|---|"]
    for name, ms in times.items():
        supernet.append(f"| {name.split('/')[1]} | {ms:.2f} | {ms / sampled:.2f} |")
    torch_sampled = next((r for r in runs if r.get("model") == "sampled"), None)
    if torch_sampled:
        supernet.append(f"| sampled network in PyTorch | {torch_sampled['ms_per_step']:.2f} | "
                        f"{torch_sampled['ms_per_step'] / sampled:.2f} |")

# The evaluation forward replayed from a CUDA graph against the same forward launched
# kernel by kernel (nn::GraphedForward; what "cuda_graphs": true changes).
graphs = []
forward_ms = {short(b["name"]): b["real_time"] for b in bench if b["name"].startswith("eval_forward/")}
for eager_name, eager_ms in forward_ms.items():
    if not eager_name.endswith("/eager"):
        continue
    graph_ms = forward_ms.get(eager_name[: -len("eager")] + "graph")
    if not graphs:
        graphs += ["## Evaluation forward, MobileNetV2 224, fp32: CUDA graph vs kernel by kernel (ms)", "",
                   "| batch | kernel by kernel | graph | speed-up |", "|---|---|---|---|"]
    batch = eager_name.split("/")[3].removeprefix("batch")
    graphs.append(f"| {batch} | {eager_ms:.3f} | {f'{graph_ms:.3f}' if graph_ms else '-'} | "
                  f"{f'{eager_ms / graph_ms:.2f}' if graph_ms else ''} |")

stages = ["## Stages", "", "| stage | result | seconds |", "|---|---|---|"]
for row in open(status_file).read().splitlines():
    stage, verdict, seconds = row.split("\t")
    stages.append(f"| {stage} | {verdict} | {seconds} |")

parity = []
tests = os.path.join(out, "tests.log")
if os.path.exists(tests):
    text = open(tests, errors="replace").read()
    # "parity: <what> <error> [words] (bound <bound>[; note])"; an unreadable number counts as over.
    number = lambda v: float(v) if re.fullmatch(r"[-+]?((\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|nan|inf)", v) else float("nan")
    checks = [(w.rstrip(":"), number(e), number(b)) for w, e, b in
              re.findall(r"^parity: (.+?)\s+([-+]?(?:[0-9][0-9.eE+-]*|nan|inf))(?: [a-zA-Z ]+)? \(bound ([^;)\s]+)[^)]*\)$", text, re.M)]
    failed = [(w, e, b) for w, e, b in checks if not (e <= b)]
    groups = {}
    for what, err, bound in checks:
        words = what.split(" ")
        key = " ".join(words[:2]) if words[0] in ("tf32", "bf16", "cudnn") else words[0]
        g = groups.setdefault(key, [0, 0.0, bound])
        g[0] += 1
        g[1] = err if err != err or err > g[1] else g[1]  # a NaN error stays visible
    catch = "; ".join(re.findall(r"^(All tests passed.*|test cases:.*)$", text, re.M))
    parity += ["## Parity (relative L2, GPU vs CPU)", "",
               f"{len(checks)} comparisons, {len(failed)} over their bound. Catch2: {catch}", "",
               "| op | comparisons | max error | bound |", "|---|---|---|---|"]
    parity += [f"| {k} | {n} | {worst:.2e} | {bound:.0e} |" for k, (n, worst, bound) in groups.items()]
    parity += [f"- FAILED {what}: {err} > {bound}" for what, err, bound in failed[:40]]
    # Errors, less the autotune cache's own warnings (the CPU tests plant corrupt caches).
    parity += [f"- {line}" for line in re.findall(r"^(?!autospace: ignoring the autotune cache).*(?:FAILED|error|Error).*$",
                                                   text, re.M)[:20]]
    skipped = re.findall(r"^AUTOSPACE_SKIP: (.*)$", text, re.M)
    if skipped:
        parity.append(f"- skipped: {len(skipped)} cases ({skipped[0]})")

    phases = re.findall(r"^(?:\[(?:evolve|search|train|pipeline)\] done:.*|  top-1 .*|  latency batch .*|"
                        r"(?:same|different): \d+ (?:of \d+ )?values.*)$", text, re.M)
    if phases:
        parity += ["", "## Phases on the GPU (quickstart, spos search, the same over NCCL and with CUDA graphs, "
                   "quickstart in bf16)", ""] + [f"- {line}" for line in phases[-20:]]

# Each phase's training throughput on the card (its metrics.jsonl log records, the first
# left out as warm-up): small networks at batch 32, where launch overhead and host waits
# show most.
throughput = {}
for run, phase in [("quickstart", "evolve"), ("quickstart", "search"), ("quickstart", "train"), ("spos", ""),
                   ("quickstart-bf16", "train")]:
    path = os.path.join(work, run, phase, "metrics.jsonl")
    if not os.path.exists(path):
        continue
    rates = []
    for line in open(path, errors="replace"):
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if r.get("images_per_second"):
            rates.append(r["images_per_second"])
    if len(rates) > 1:
        rates = sorted(rates[1:])
        throughput[f"{run}/{phase}".rstrip("/")] = rates[len(rates) // 2]
if throughput:
    parity += ["", "Median training images/s per phase: " +
               ", ".join(f"{k} {v:.0f}" for k, v in throughput.items())]

nccl = []
bench_log = os.path.join(out, "bench.log")
if os.path.exists(bench_log):
    text = open(bench_log, errors="replace").read()
    part = text.split("### nccl all-reduce", 1)
    if len(part) == 2:
        rows = [l for l in part[1].splitlines() if l.startswith(("|", "all-reduce", "bench_allreduce"))]
        nccl = ["## NCCL all-reduce on one GPU", ""] + rows

sections = [header, kernels, step, supernet, graphs, nccl, stages, parity]
summary = "\n\n".join("\n".join(s) for s in sections if s) + "\n"
open(os.path.join(out, "summary.md"), "w").write(summary)
# The same figures for machines: what a later session compares against.
figures = {
    "card": gpu, "date": pick("date"), "commit": pick("commit"),
    "stages": [dict(zip(("stage", "result", "seconds"), row.split("\t"))) for row in open(status_file).read().splitlines()],
    "kernels": {short(b["name"]): {k: b.get(k) for k in ("real_time", "time_unit", "GB/s", "TFLOP/s", "items_per_second")}
                for b in bench},
    "pytorch": runs,
    "supernet_ms": times,
    "eval_forward_ms": forward_ms,
    "phase_images_per_second": throughput,
    "parity": {"comparisons": len(checks), "over_bound": len(failed)} if os.path.exists(tests) else None,
}
with open(os.path.join(out, "summary.json"), "w") as f:
    json.dump(finite(figures), f, indent=1, allow_nan=False)
print(summary)
PY
then
  :
else
  # The summary must exist whatever failed, the summary script included.
  printf '# AutoSpace GPU check\n\nThe summary script failed; the stages and logs are in this folder.\n\n' >"$out/summary.md"
  cat "$status_file" >>"$out/summary.md"
  printf '{"summary_error": true}\n' >"$out/summary.json"
  cat "$out/summary.md"
fi
log "done; files in $out: $(cd "$out" && ls | tr '\n' ' ')"
rm -rf "$work"
