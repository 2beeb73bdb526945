#!/usr/bin/python3
"""Renders the ablation's eval JSON files as one markdown table for docs/benchmarks.md.

  bench/ablation_table.py OUT_DIR NAME [NAME...]

For each NAME it reads OUT_DIR/NAME.json (the kept model) and, when present,
OUT_DIR/NAME.seeds.jsonl (every seed) and OUT_DIR/NAME.db.seconds (training wall time).
Columns: per-task test error of the kept model; then rows for the mean, failed tasks (> 5%),
the mean and failed count of the per-task medians over seeds, the mean support hit, and time.
"""
import json
import os
import statistics
import sys
from collections import defaultdict

out, names = sys.argv[1], sys.argv[2:]
cols = []
for name in names:
    ev = json.load(open(os.path.join(out, name + ".json")))
    errs = {t["task"]: 100 * t["error"] for t in ev["tasks"]}
    hits = [t["support_hit"] for t in ev["tasks"]]
    med = {}
    seeds_path = os.path.join(out, name + ".seeds.jsonl")
    if os.path.exists(seeds_path):
        by_task = defaultdict(list)
        for line in open(seeds_path):
            if line.strip():
                for t in json.loads(line)["tasks"]:
                    by_task[t["task"]].append(100 * t["error"])
        med = {t: statistics.median(v) for t, v in by_task.items()}
    secs_path = os.path.join(out, name + ".db.seconds")
    secs = float(open(secs_path).read()) if os.path.exists(secs_path) else None
    cols.append((name, errs, med, sum(hits) / len(hits), secs))

tasks = sorted(set().union(*[c[1].keys() for c in cols]))
print("| task | " + " | ".join(c[0] for c in cols) + " |")
print("|---" * (len(cols) + 1) + "|")
for t in tasks:
    print(f"| {t} | " + " | ".join(f"{c[1][t]:.1f}" if t in c[1] else "" for c in cols) + " |")
def row(label, f):
    print(f"| {label} | " + " | ".join(f(c) for c in cols) + " |")
row("**mean**", lambda c: f"**{sum(c[1].values()) / len(c[1]):.2f}**")
row("**failed**", lambda c: f"**{sum(1 for e in c[1].values() if e > 5)}**")
row("median over seeds: mean", lambda c: f"{sum(c[2].values()) / len(c[2]):.2f}" if c[2] else "")
row("median over seeds: failed", lambda c: f"{sum(1 for e in c[2].values() if e > 5)}" if c[2] else "")
row("support hit (mean)", lambda c: f"{100 * c[3]:.0f}%")
row("training wall time", lambda c: f"{c[4]:.0f} s" if c[4] is not None else "")
