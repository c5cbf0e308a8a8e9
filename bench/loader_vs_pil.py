#!/usr/bin/python3
"""Runs bench_loader and the PIL + torchvision pipeline on the same files with the same
thread counts, in one command, and prints both throughputs and the ratio.

Cases (the image lists are built the same way on both sides):
  train224/imagenet-samples  RandomResizedCrop(224) + RandomHorizontalFlip + ToTensor
  train32/cifar10-small      RandomResizedCrop(32)  + RandomHorizontalFlip + ToTensor
PIL side: Image.open(path).convert("RGB") (torchvision's ImageFolder loader), then the
transforms. T threads = T worker processes, each with torch.set_num_threads(1), each
transforming its share of the files in a loop and discarding the result: PIL's best
case, without DataLoader collation or inter-process transfer. Ours: the Loader with T
decode threads producing uint8 NHWC batches. Every file is read from the page cache.
Each side reports its best of several timing windows: the machine may be shared.

usage: bench/loader_vs_pil.py [path/to/bench_loader] [--data ../shared/data] [--threads 1 2]
                              [--min-time 3] [--repeats 3]
"""
import argparse
import json
import multiprocessing as mp
import os
import pathlib
import subprocess
import time

import torch
import torchvision
from PIL import Image
from torchvision import transforms

REPO = pathlib.Path(__file__).resolve().parent.parent
CASES = {
    "train224/imagenet-samples": ("imagenet-samples", 224),
    "train32/cifar10-small": ("cifar10-small/train", 32),
}
EXTENSIONS = {".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"}


def image_files(folder):
    return sorted(str(p) for p in pathlib.Path(folder).rglob("*") if p.suffix.lower() in EXTENSIONS)


def run_ours(binary, data, case, threads, min_time, repeats):
    """images/s of one case: the best repetition."""
    out = subprocess.run([binary, f"--data={data}", f"--threads={threads}",
                          f"--benchmark_filter=^loader/{case}/threads:{threads}/", f"--benchmark_min_time={min_time}",
                          f"--benchmark_repetitions={repeats}", "--benchmark_format=json"],
                         check=True, capture_output=True, text=True).stdout
    runs = [b for b in json.loads(out)["benchmarks"] if b.get("run_type", "iteration") == "iteration"]
    return max(b["items_per_second"] for b in runs)


def pil_worker(args):
    files, size, seconds, start_at = args
    torch.set_num_threads(1)
    pipeline = transforms.Compose([transforms.RandomResizedCrop(size), transforms.RandomHorizontalFlip(),
                                   transforms.ToTensor()])
    while time.time() < start_at:  # all workers start together
        time.sleep(0.001)
    n, begin = 0, time.perf_counter()
    while time.perf_counter() - begin < seconds:
        for f in files:
            with open(f, "rb") as fh:
                img = Image.open(fh).convert("RGB")
            pipeline(img)
            n += 1
    return n, time.perf_counter() - begin


def run_pil(files, size, threads, min_time, repeats):
    """images/s: the best of `repeats` windows of T processes working for min_time."""
    torch.set_num_threads(threads)
    shares = [files[i::threads] for i in range(threads)]
    best = 0.0
    with mp.get_context("fork").Pool(threads) as pool:
        for _ in range(repeats):
            start_at = time.time() + 0.2
            results = pool.map(pil_worker, [(s, size, min_time, start_at) for s in shares])
            best = max(best, sum(n for n, _ in results) / max(t for _, t in results))
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary", nargs="?", default=str(REPO / "build" / "bench" / "bench_loader"))
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--min-time", type=float, default=3.0)
    parser.add_argument("--repeats", type=int, default=3)
    a = parser.parse_args()

    print(f"machine: {os.cpu_count()} logical CPUs; torch {torch.__version__}, torchvision {torchvision.__version__}, "
          f"PIL {Image.__version__}")
    print("| case | threads | autospace img/s | PIL+torchvision img/s | ratio | autospace img/s/thread | PIL img/s/thread |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for case, (folder, size) in CASES.items():
        files = image_files(os.path.join(a.data, folder))
        for f in files:  # page cache, as the C++ side does
            with open(f, "rb") as fh:
                fh.read()
        for t in a.threads:
            # Back to back, so that both sides see the same load on a shared machine.
            mine = run_ours(a.binary, a.data, case, t, a.min_time, a.repeats)
            pil = run_pil(files, size, t, a.min_time, a.repeats)
            print(f"| {case} | {t} | {mine:.0f} | {pil:.0f} | {mine / pil:.2f}x | {mine / t:.0f} | {pil / t:.0f} |",
                  flush=True)


if __name__ == "__main__":
    main()
