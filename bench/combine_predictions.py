#!/usr/bin/env python3
"""Offline check of an ensemble of unlike models, from their test predictions.

    bench/combine_predictions.py A.jsonl B.jsonl [C.jsonl ...]

Each file is `memnet eval --predictions` of one model over the same bAbI test files. For
every subset of the models, each question takes the answer of the model most confident in
its own answer, and the subset's mean test error over the tasks and failed count (error
> 5%) are printed, with the tasks that differ most. It approximates an ensemble's mean of
answer distributions (eval writes only each model's top answer and its probability), and
needs no training: docs/benchmarks.md ("Gated and ungated joint models together") used it
to see whether gated and ungated joint models fail on different tasks.
"""
import collections
import itertools
import json
import sys


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def errors(models):
    wrong = collections.Counter()
    total = collections.Counter()
    for rows in zip(*models):
        keys = {(r["task"], r["story"], r["question_line"]) for r in rows}
        if len(keys) != 1:
            sys.exit("combine_predictions: the files do not list the same questions in order")
        pick = max(rows, key=lambda r: r["probability"])
        total[rows[0]["task"]] += 1
        wrong[rows[0]["task"]] += 0 if pick["correct"] else 1
    return {t: 100.0 * wrong[t] / total[t] for t in total}


def main(paths):
    if len(paths) < 2:
        sys.exit(__doc__)
    models = {p: load(p) for p in paths}
    if len({len(m) for m in models.values()}) != 1:
        sys.exit("combine_predictions: the files hold different numbers of questions")
    singles = {p: errors([models[p]]) for p in paths}
    tasks = sorted(next(iter(singles.values())))
    # the tasks on which the single models differ most
    spread = sorted(tasks, key=lambda t: -(max(s[t] for s in singles.values()) -
                                           min(s[t] for s in singles.values())))[:4]
    print(f"{'models':60s} {'mean':>6s} {'failed':>6s}  " +
          "  ".join(f"task {t:>2d}" for t in spread))
    for k in range(1, len(paths) + 1):
        for combo in itertools.combinations(paths, k):
            e = errors([models[p] for p in combo])
            mean = sum(e.values()) / len(e)
            failed = sum(v > 5 for v in e.values())
            print(f"{' + '.join(combo)[:60]:60s} {mean:6.2f} {failed:6d}  " +
                  "  ".join(f"{e[t]:7.1f}" for t in spread))


if __name__ == "__main__":
    main(sys.argv[1:])
