#!/usr/bin/python3
"""The search-only pipeline description the budget tables of docs/experiments.md run:
configs/quickstart.json's search phase with METHOD, the recipe of those tables (proxyless:
add#linear with lambda 0.3 for -g, architecture steps after 4 epochs; spos/random:
population 16 for 4 generations, BN recalibrated on 5 batches), the space SPACE, and the
budget BUDGET, a JSON object of search keys (e.g. '{"target_madds": 2000000}').

usage: quickstart_search.py METHOD RUN_DIR SPACE BUDGET   (the description on stdout)
"""
import json
import sys

method, run, space, budget = sys.argv[1:]
d = json.load(open("configs/quickstart.json"))
s = d["search"]["search"]
for key in ("target_madds", "arch_warmup_epochs", "arch_batch_size", "arch_lr", "madds_loss", "lambda"):
    s.pop(key)
s["method"] = method
s.update(json.loads(budget))
if method.startswith("proxyless"):
    s.update({"arch_warmup_epochs": 4, "arch_batch_size": 32, "arch_lr": 0.05})
    if method == "proxyless-g":
        s.update({"madds_loss": "add#linear", "lambda": 0.3})
else:
    s.update({"population": 16, "generations": 4, "recalibration_batches": 5})
    if method == "spos":
        s.update({"parents": 4, "mutations": 8, "crossovers": 8})
d["search"]["space"] = space
d["run_dir"] = run
d["phases"] = ["search"]
print(json.dumps(d, indent=1))
