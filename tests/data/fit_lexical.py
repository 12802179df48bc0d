#!/usr/bin/env python3
"""Fit a rule pack's lexical layer (rules/lexical.h) to the tuning sets.

The layer is a logistic regression over the words and word pairs ("terms") of each message's
folded view, with the rules' score as a fixed offset: log-odds = (rule score - 30) / 10 + bias +
the sum of the weights of the message's distinct terms. It learns only what the rules leave out,
in units of 10 score points (score 30, review, is probability 0.5), and is written into the pack
as a `lexical:` section with weights in score points.

  - The messages are those of the tuning sets (never the unseen ones: the holdout half, the
    sixth, tenth, fourteenth and twenty-ninth to thirty-second sets), scored by `centinela scan`
    with the pack's rules alone (a copy of the pack without its lexical section), which also
    gives each message's folded view (`--explain`).
  - Every message is fitted, also those the layer is not applied to (rule score under
    MIN_SCORE): they are most of the ordinary text, and teach the layer which words are ordinary.
    A message the rules score 0 (none fired, or legitimacy rules pulled it back) is left at 0 by
    the engine: MAX_UP is under review, so the layer could not make it a review, and there would
    be nothing in it for a reviewer to see.
  - A term counts once per message. The vocabulary is every term found in at least MIN_DF
    messages of at least MIN_SETS different sets (so one writer's habits do not become weights).
  - Full-batch AdaGrad, ITERATIONS steps, with an L2 pull of strength L2 toward 0 (against the
    mean loss). Deterministic: the same pack, sets and binary give the same file.
  - Terms whose weight rounds to under MIN_POINTS points in absolute value are left out.
  - No term takes away more than TERM_MAX_DOWN points: words a scammer can add for free ("vendo
    samsung") must not undo the evidence of a scam. The cap is applied after the fit; on the
    tuning sets' leave-one-set-out it left the totals as they were at 5 points, and cost 8
    errors at 3.

Usage:
  python3 tests/data/fit_lexical.py [--pack config/rules] [--out config/rules/99-lexical.yaml]
      [--centinela BIN] [--check] [--verify]
--check prints leave-one-set-out totals (each set scored by a layer fitted on the others) next to
the rules alone, for the bounds written and a few others: the figure used to choose them.
--verify scans the tuning sets with the pack as written (rules and the new layer) and checks that
the binary gives every message the score this script predicts.
"""
import argparse
import collections
import glob
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from fit_weights import TUNING_SETS, corpus_labels, holds_lexical  # noqa: E402  (shared)

MIN_SCORE = 1  # the layer applies where the rules scored at least this
MAX_UP = 20  # the most it adds: under review, so the wording alone never makes a review
MAX_DOWN = 30  # the most it takes away: an alert from the rules stays at least a review
MIN_DF = 3
MIN_SETS = 3
L2 = 0.00001
ITERATIONS = 150
RATE = 0.3
SCALE = 10.0  # score points per unit of log-odds
REVIEW = 30
MIN_POINTS = 0.05
TERM_MAX_DOWN = 5.0  # the most one term takes away, in points

TERM_CHARS = re.compile(r"[a-z0-9$\u00f1]+")  # as rules/lexical.cc: the folded view keeps only ñ
DIGITS = re.compile(r"[0-9]+")


def terms(folded):
    """The distinct terms of a folded view, as rules/lexical.cc reads them."""
    words = [DIGITS.sub("0", w) for w in TERM_CHARS.findall(folded)]
    found = set("u:" + w for w in words)
    found.update("b:" + a + " " + b for a, b in zip(words, words[1:]))
    return found


def rules_only_copy(pack_dir, tmp):
    """A copy of the pack without the file that holds its lexical section."""
    out = os.path.join(tmp, "rules")
    os.makedirs(out)
    for path in sorted(glob.glob(os.path.join(pack_dir, "*.y*ml"))):
        if not holds_lexical(path):
            shutil.copy(path, out)
    return out


def scan_sets(binary, pack, sets):
    """Per message: set, label, rule score (with `pack`), folded view, and its terms."""
    messages = []
    for name in sets:
        path, labels = corpus_labels(name)
        scores = {}
        out = subprocess.run([binary, "scan", "--rules", pack, path], capture_output=True,
                             text=True, check=True).stdout
        for line in out.splitlines():
            rec = json.loads(line)
            scores[rec["id"]] = rec["score"]
        folded, current = {}, None
        out = subprocess.run([binary, "scan", "--rules", pack, "--explain", path],
                             capture_output=True, text=True, check=True).stderr  # the account
        for line in out.splitlines():
            if line.startswith("explain ") and line.endswith(":"):
                current = line[len("explain "):-1]
            elif line.startswith("  view folded  ") and current is not None:
                folded[current] = line[len("  view folded  "):]
        for mid, scam in labels.items():
            messages.append({"set": name, "id": mid, "scam": scam, "score": scores[mid],
                             "terms": terms(folded[mid])})
    return messages


def vocabulary(messages):
    df, sets = collections.Counter(), collections.defaultdict(set)
    for m in messages:
        for t in m["terms"]:
            df[t] += 1
            sets[t].add(m["set"])
    return sorted(t for t in df if df[t] >= MIN_DF and len(sets[t]) >= MIN_SETS)


def fit(messages):
    """Weights (log-odds units) per term, and the bias, over every message."""
    vocab = vocabulary(messages)
    index = {t: i for i, t in enumerate(vocab)}
    rows = [sorted(index[t] for t in m["terms"] if t in index) for m in messages]  # fixed order
    ys = [1.0 if m["scam"] else 0.0 for m in messages]
    offsets = [(m["score"] - REVIEW) / SCALE for m in messages]
    w = [0.0] * len(vocab)
    acc = [1e-8] * len(vocab)
    bias, bias_acc = 0.0, 1e-8
    n = len(messages)
    for _ in range(ITERATIONS):
        grad = [0.0] * len(vocab)
        grad_bias = 0.0
        for row, y, offset in zip(rows, ys, offsets):
            z = max(-30.0, min(30.0, offset + bias + sum(w[j] for j in row)))
            e = 1.0 / (1.0 + math.exp(-z)) - y
            grad_bias += e
            for j in row:
                grad[j] += e
        for j in range(len(w)):
            g = grad[j] / n + L2 * w[j]
            acc[j] += g * g
            w[j] -= RATE * g / math.sqrt(acc[j])
        g = grad_bias / n
        bias_acc += g * g
        bias -= RATE * g / math.sqrt(bias_acc)
    points = {t: max(-TERM_MAX_DOWN, round(SCALE * x, 2)) for t, x in zip(vocab, w)}
    return {t: p for t, p in points.items() if abs(p) >= MIN_POINTS}, round(SCALE * bias, 2)


def hundredths(points):
    return int(math.floor(abs(points) * 100 + 0.5)) * (1 if points >= 0 else -1)


def final_score(m, weights, bias, max_up=MAX_UP, max_down=MAX_DOWN, min_score=MIN_SCORE):
    """As rules/lexical.cc: the sum in whole hundredths, rounded half away from zero, bounded."""
    if m["score"] < min_score:
        return m["score"]
    total = hundredths(bias) + sum(hundredths(weights.get(t, 0.0)) for t in m["terms"])
    whole = (abs(total) + 50) // 100 * (1 if total >= 0 else -1)
    return max(0, min(100, m["score"] + max(-max_down, min(max_up, whole))))


def write_pack_file(path, weights, bias, sets):
    def table(prefix):
        rows = sorted((t[2:], p) for t, p in weights.items() if t.startswith(prefix))
        return "".join(f"    {json.dumps(t, ensure_ascii=False)}: {p}\n" for t, p in rows)
    with open(path, "w", encoding="utf-8") as f:
        f.write("# The lexical layer (rules/lexical.h): learned points for the words and word pairs\n"
                "# of the folded view, added to the rule score within bounds. Written by\n"
                "#   python3 tests/data/fit_lexical.py --pack config/rules\n"
                "# from the rules of this pack and the tuning sets (" + ", ".join(sets) + ").\n"
                "# Refit after changing rules; do not edit the weights by hand.\n"
                "lexical:\n"
                "  description: Wording learned from the tuning sets, on top of the rule score.\n"
                f"  min_score: {MIN_SCORE}\n  max_up: {MAX_UP}\n  max_down: {MAX_DOWN}\n"
                f"  bias: {bias}\n  unigrams:\n" + table("u:") + "  bigrams:\n" + table("b:"))


def errors(messages, scores):
    fp = sum(1 for m in messages if scores[m["id"]] >= REVIEW and not m["scam"])
    fn = sum(1 for m in messages if scores[m["id"]] < REVIEW and m["scam"])
    return fp, fn


def check(messages):
    """Leave-one-set-out: each set scored by a layer fitted on the others."""
    bounds = [(MAX_UP, MAX_DOWN), (10, 10), (20, 20), (20, 40), (30, 30)]
    by_bounds = {b: {} for b in bounds}
    for name in sorted(set(m["set"] for m in messages)):
        weights, bias = fit([m for m in messages if m["set"] != name])
        for m in messages:
            if m["set"] == name:
                for b in bounds:
                    by_bounds[b][m["id"] + "\0" + name] = final_score(m, weights, bias, *b)
    keyed = [dict(m, id=m["id"] + "\0" + m["set"]) for m in messages]
    fp, fn = errors(keyed, {m["id"]: m["score"] for m in keyed})
    print(f"leave-one-set-out over {len(messages)} messages at review {REVIEW}:")
    print(f"  rules alone: {fp} false alarms, {fn} misses")
    for b in bounds:
        fp, fn = errors(keyed, by_bounds[b])
        mark = " (written)" if b == (MAX_UP, MAX_DOWN) else ""
        print(f"  lexical bounded to -{b[1]}..+{b[0]}: {fp} false alarms, {fn} misses{mark}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pack", default=os.path.join(ROOT, "config", "rules"))
    ap.add_argument("--out", help="default: the pack's 99-lexical.yaml")
    ap.add_argument("--centinela", default=os.path.join(ROOT, "build", "app", "centinela"))
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--verify", action="store_true")
    args = ap.parse_args()
    out = args.out or os.path.join(args.pack, "99-lexical.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        rules_pack = rules_only_copy(args.pack, tmp)
        messages = scan_sets(args.centinela, rules_pack, TUNING_SETS)
    if args.check:
        check(messages)
    weights, bias = fit(messages)
    write_pack_file(out, weights, bias, TUNING_SETS)
    print(f"wrote {out}: {len(weights)} terms, bias {bias}")
    if args.verify:
        predicted = {(m["set"], m["id"]): final_score(m, weights, bias) for m in messages}
        pack_dir = os.path.dirname(os.path.abspath(out))
        if os.path.abspath(pack_dir) != os.path.abspath(args.pack):
            sys.exit("--verify needs --out inside --pack")
        wrong = 0
        for name in TUNING_SETS:
            path, _ = corpus_labels(name)
            res = subprocess.run([args.centinela, "scan", "--rules", args.pack, path],
                                 capture_output=True, text=True, check=True).stdout
            for line in res.splitlines():
                rec = json.loads(line)
                if rec["score"] != predicted[(name, rec["id"])]:
                    wrong += 1
                    print(f"  {name} {rec['id']}: binary {rec['score']}, "
                          f"predicted {predicted[(name, rec['id'])]}")
        print(f"verify: {len(predicted) - wrong} of {len(predicted)} scores as predicted")
        if wrong:
            sys.exit(1)


if __name__ == "__main__":
    main()
