#!/usr/bin/env python3
"""Fit a rule pack's weights to the tuning sets, starting from (and pulled toward) its own.

The patterns, composites, categories, caps and thresholds stay as they are; only `weight:`
values change. Each labelled message of the tuning sets (never the unseen ones: the holdout
half, the sixth, tenth, fourteenth and twenty-ninth to thirty-second sets) becomes the set of
rules and composites that fire on it, found by
`centinela scan` over a copy of the pack in which every weight is 1 and every cap 100 (so RE2
confirms every candidate). A logistic regression over those hits is then fitted by full-batch
AdaGrad, with:

  - a fixed intercept of -3 and weights in units of 10 score points, so score 30 (review) is
    probability 0.5, 60 (alert) 0.95 and 90 (publish) 0.9975;
  - the engine's category caps in the model: where a category's hits sum past its cap, the cap
    is what counts and those weights get no gradient from that message;
  - each weight keeping its sign (scam evidence >= 0, evidence of legitimacy <= 0; helpers at 0
    may rise), and categories capped at 0 (building blocks) left out;
  - an L2 pull of strength L2 toward the pack's own weights, on every weight at every step
    (against the mean loss over all messages), so a rule the tuning sets say little about keeps
    the weight its author gave it.

Weights are rounded to integers and written into a copy of the pack; a rule never gets 0 (the
loader refuses it), so a rule fitted to 0 keeps a weight of 1 with its sign. Deterministic:
the same pack, sets and binary give the same weights.

Usage (PyYAML: apt-get install python3-yaml):
  python3 tests/data/fit_weights.py --prior PACK_DIR --out OUT_DIR [--centinela BIN] [--l2 0.003]
      [--check]
`--check` also prints the leave-one-set-out totals (each set scored by weights fitted on the
others) at thresholds 20-35, the figure used to choose L2.
"""
import argparse
import glob
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    sys.exit("fit_weights.py needs PyYAML: apt-get install python3-yaml")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TUNING_SETS = ["dev", "tune", "tune2", "tune3", "tune4", "tune5", "tune7", "tune8", "tune9",
               "tune11", "tune12", "tune13", "review12", "adversarial-frames", "tune15", "tune17",
               "tune19", "tune21", "tune22",
               # unseen until 2026.11.26 (were corpus-blindNN):
               "tune16", "tune18", "tune20", "tune23", "tune24", "tune25", "tune26", "tune27",
               "tune28"]
INTERCEPT = -3.0
SCALE = 10.0  # score points per unit of log-odds
REVIEW = 30  # -INTERCEPT * SCALE
ITERATIONS = 300
RATE = 0.5

WEIGHT_LINE = re.compile(r"^(\s+weight:\s*)(-?\d+)(.*)$")
ID_LINE = re.compile(r"^\s*- id:\s*(\S+)")


def read_pack(pack_dir):
    """Weights, categories, caps and which ids are rules (not composites)."""
    weight, category, caps, rules = {}, {}, {}, set()
    for path in sorted(glob.glob(os.path.join(pack_dir, "*.yaml"))):
        doc = yaml.safe_load(open(path, encoding="utf-8")) or {}
        caps.update(doc.get("category_caps") or {})
        review = (doc.get("thresholds") or {}).get("review", REVIEW)
        if review != REVIEW:
            sys.exit(f"{path}: review threshold {review}; the fit assumes {REVIEW}")
        for kind in ("rules", "composites"):
            for entry in doc.get(kind) or []:
                weight[entry["id"]] = entry.get("weight", 0)
                category[entry["id"]] = entry.get("category")
                if kind == "rules":
                    rules.add(entry["id"])
    return weight, category, caps, rules


def rewrite_weights(pack_dir, out_dir, new_weight):
    """Copies the pack and replaces the number on each entry's `weight:` line; returns how many."""
    shutil.rmtree(out_dir, ignore_errors=True)
    shutil.copytree(pack_dir, out_dir)
    written = 0
    for path in sorted(glob.glob(os.path.join(out_dir, "*.yaml"))):
        lines = open(path, encoding="utf-8").read().split("\n")
        current = None
        for i, line in enumerate(lines):
            m = ID_LINE.match(line)
            if m:
                current = m.group(1)
                continue
            m = WEIGHT_LINE.match(line)
            if m and current is not None and current in new_weight:
                lines[i] = m.group(1) + str(new_weight[current]) + m.group(3)
                written += 1
                current = None
        open(path, "w", encoding="utf-8").write("\n".join(lines))
    return written


LEXICAL_KEY = re.compile(r"^lexical:", re.M)


def holds_lexical(path):
    """Whether a pack file holds the lexical section (fit_lexical.py fits it, after the weights)."""
    return LEXICAL_KEY.search(open(path, encoding="utf-8").read()) is not None


def probe_pack(pack_dir, tmp):
    """The pack with every weight 1, every cap 100 and thresholds 1/2/3: every hit is reported."""
    out = os.path.join(tmp, "probe")
    os.makedirs(out)
    for path in sorted(glob.glob(os.path.join(pack_dir, "*.yaml"))):
        if holds_lexical(path):
            continue  # the lexical layer is fitted after the weights, without it
        doc = yaml.safe_load(open(path, encoding="utf-8")) or {}
        if "thresholds" in doc:
            doc["thresholds"] = {"review": 1, "alert": 2, "publish": 3}
        if "category_caps" in doc:
            doc["category_caps"] = {c: 100 for c in doc["category_caps"]}
        for kind in ("rules", "composites"):
            for entry in doc.get(kind) or []:
                entry["weight"] = 1
        with open(os.path.join(out, os.path.basename(path)), "w", encoding="utf-8") as f:
            yaml.safe_dump(doc, f, allow_unicode=True, sort_keys=False)
    return out


def corpus_labels(name):
    """The path of tests/data/corpus-NAME.jsonl and {message id: is a scam} for it."""
    path = os.path.join(HERE, f"corpus-{name}.jsonl")
    labels = {}
    for line in open(path, encoding="utf-8"):
        if line.strip():
            d = json.loads(line)
            labels[d["id"]] = d["label"] == "scam"
    return path, labels


def hits(binary, probe, sets):
    rows = []
    for name in sets:
        path, labels = corpus_labels(name)
        out = subprocess.run([binary, "scan", "--rules", probe, "--format", "jsonl", path],
                             capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            r = json.loads(line)
            if r.get("id") in labels:
                rows.append((name, labels[r["id"]], sorted({h["id"] for h in r.get("rules", [])})))
    return rows


def fit(rows, prior, category, caps, l2):
    """Full-batch AdaGrad on the mean log-loss of the capped score, plus l2 * |w - prior|^2 / 2."""
    ids = sorted(prior)
    index = {k: i for i, k in enumerate(ids)}
    w0 = [prior[k] / SCALE for k in ids]
    lo, hi = [], []
    for k in ids:
        if caps.get(category.get(k), 1) == 0:
            lo.append(0.0); hi.append(0.0)  # a building block: its category adds nothing
        elif prior[k] < 0:
            lo.append(-math.inf); hi.append(0.0)
        else:
            lo.append(0.0); hi.append(math.inf)
    w = [min(hi[i], max(lo[i], w0[i])) for i in range(len(ids))]
    # Each message: its uncapped hits, and its hits grouped by capped category with the cap.
    groups = []
    for _, scam, hit_ids in rows:
        free, capped = [], {}
        for h in hit_ids:
            if h not in index:
                continue
            c = category.get(h)
            if c in caps:
                capped.setdefault(c, []).append(index[h])
            else:
                free.append(index[h])
        groups.append((1.0 if scam else 0.0, free,
                       [(caps[c] / SCALE, members) for c, members in capped.items()]))
    n = float(len(rows))
    g2 = [1e-8] * len(ids)
    for _ in range(ITERATIONS):
        grad = [l2 * (w[i] - w0[i]) for i in range(len(ids))]
        for y, free, capped in groups:
            z = INTERCEPT
            live = list(free)
            for cap, members in capped:
                total = sum(w[i] for i in members)
                if total > cap:
                    z += cap  # the cap holds: these weights do not move the score here
                else:
                    z += total
                    live.extend(members)
            for i in free:
                z += w[i]
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            g = (p - y) / n
            for i in live:
                grad[i] += g
        for i in range(len(ids)):
            if lo[i] == hi[i]:
                continue
            g2[i] += grad[i] * grad[i]
            w[i] = min(hi[i], max(lo[i], w[i] - RATE / math.sqrt(g2[i]) * grad[i]))
    return {k: int(round(SCALE * w[index[k]])) for k in ids}


def nonzero_rules(fitted, prior, rules):
    """The loader refuses a rule of weight 0: such a rule keeps 1 with its sign."""
    out = dict(fitted)
    for k in rules:
        if out[k] == 0:
            out[k] = 1 if prior[k] > 0 else -1
    return out


def score(weights, category, caps, hit_ids):
    """The engine's score: sums per category, positive totals capped, clamped to 0..100."""
    total, per_category = 0, {}
    for h in hit_ids:
        c = category.get(h)
        if c is None:
            total += weights.get(h, 0)
        else:
            per_category[c] = per_category.get(c, 0) + weights.get(h, 0)
    for c, v in per_category.items():
        total += min(v, caps[c]) if v > 0 and c in caps else v
    return max(0, min(100, total))


def errors(weights, category, caps, rows, threshold):
    fp = fn = 0
    for _, scam, hit_ids in rows:
        flagged = score(weights, category, caps, hit_ids) >= threshold
        fp += flagged and not scam
        fn += scam and not flagged
    return fp, fn


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--prior", required=True, help="the pack whose weights are the start")
    ap.add_argument("--out", required=True, help="where the fitted pack is written")
    ap.add_argument("--centinela", default=os.path.join(ROOT, "build/app/centinela"))
    ap.add_argument("--l2", type=float, default=0.003)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()

    prior, category, caps, rules = read_pack(args.prior)
    with tempfile.TemporaryDirectory() as tmp:
        rows = hits(args.centinela, probe_pack(args.prior, tmp), TUNING_SETS)
    print(f"{len(rows)} messages, {sum(s for _, s, _ in rows)} scams, {len(prior)} weights",
          file=sys.stderr)

    if args.check:
        totals = {}
        for name in TUNING_SETS:
            train = [r for r in rows if r[0] != name]
            test = [r for r in rows if r[0] == name]
            fitted = nonzero_rules(fit(train, prior, category, caps, args.l2), prior, rules)
            for t in (20, 25, 30, 35):
                fp, fn = errors(fitted, category, caps, test, t)
                a = totals.setdefault(t, [0, 0])
                a[0] += fp
                a[1] += fn
        for t, (fp, fn) in sorted(totals.items()):
            print(f"leave-one-set-out, threshold {t}: {fp} false alarms, {fn} misses",
                  file=sys.stderr)

    fitted = nonzero_rules(fit(rows, prior, category, caps, args.l2), prior, rules)
    for label, w in (("prior", prior), ("fitted", fitted)):
        fp, fn = errors(w, category, caps, rows, 30)
        print(f"{label} weights on the tuning sets: {fp} false alarms, {fn} misses",
              file=sys.stderr)
    written = rewrite_weights(args.prior, args.out, fitted)
    changed = sum(fitted[k] != prior[k] for k in prior)
    print(f"wrote {written} weights ({changed} changed) to {args.out}", file=sys.stderr)
    if written != len(prior):
        sys.exit(f"expected {len(prior)} weight lines, wrote {written}")


if __name__ == "__main__":
    main()
