#!/usr/bin/env python3
"""Split the labelled corpus into a dev half (rule writing) and a holdout half (reports only).

Deterministic and seeded: messages are grouped by (label, category, lang); each group is
sorted by id, shuffled with a seed derived from SEED and the group key, and dealt out
alternately.  A group with an odd count gives its extra message to dev or holdout in turn
(groups visited in sorted order), so both halves stay close to 50/50 overall.

Also validates every input line (valid UTF-8, valid JSON object, required string fields with
allowed values, unique ids) and exits non-zero on any problem.

Usage: python3 tests/data/split_corpus.py [CORPUS [DEV HOLDOUT]]
"""
import collections
import hashlib
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = "centinela-corpus-split-v1"

REQUIRED = ("id", "text", "lang", "label", "category", "source")
LANGS = {"es", "en", "mix"}
LABELS = {"scam", "legit"}
SOURCES = {"tip", "post"}
CATS = {
    "scam": {"notario", "guaranteed_outcome", "line_fee", "gov_impersonation",
             "deportation_threat", "fake_website", "job_visa", "dv_lottery", "asylum_10yr",
             "appointment_resale", "payment_method", "fake_profile"},
    "legit": {"official_warning", "news", "legal_aid", "attorney_update", "consular_service",
              "mexican_notary", "everyday"},
}


def load(path):
    rows, errors, ids = [], [], set()
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                errors.append("line %d: invalid UTF-8: %s" % (n, e))
                continue
            try:
                o = json.loads(line)
            except ValueError as e:
                errors.append("line %d: invalid JSON: %s" % (n, e))
                continue
            if not isinstance(o, dict):
                errors.append("line %d: not an object" % n)
                continue
            bad = [k for k in REQUIRED if not isinstance(o.get(k), str) or not o.get(k)]
            if bad:
                errors.append("line %d: missing/non-string fields %s" % (n, bad))
                continue
            if o["label"] not in LABELS or o["lang"] not in LANGS or o["source"] not in SOURCES:
                errors.append("line %d: bad label/lang/source" % n)
                continue
            if o["category"] not in CATS[o["label"]]:
                errors.append("line %d: category %r not valid for %s" % (n, o["category"], o["label"]))
                continue
            if o["id"] in ids:
                errors.append("line %d: duplicate id %s" % (n, o["id"]))
                continue
            ids.add(o["id"])
            rows.append((o, line if line.endswith("\n") else line + "\n"))
    return rows, errors


def split(rows):
    groups = collections.defaultdict(list)
    for o, line in rows:
        groups[(o["label"], o["category"], o["lang"])].append((o["id"], line))
    dev, hold = [], []
    odd_to_dev = True
    for key in sorted(groups):
        items = sorted(groups[key])
        h = hashlib.sha256(("%s|%s|%s|%s" % ((SEED,) + key)).encode()).hexdigest()
        random.Random(int(h[:16], 16)).shuffle(items)
        half = len(items) // 2
        if len(items) % 2:
            half += 1 if odd_to_dev else 0
            odd_to_dev = not odd_to_dev
        dev.extend(items[:half])
        hold.extend(items[half:])
    return sorted(dev), sorted(hold)


def main():
    args = sys.argv[1:]
    corpus = args[0] if args else os.path.join(HERE, "corpus.jsonl")
    dev_path = args[1] if len(args) > 2 else os.path.join(HERE, "corpus-dev.jsonl")
    hold_path = args[2] if len(args) > 2 else os.path.join(HERE, "corpus-holdout.jsonl")
    rows, errors = load(corpus)
    if errors:
        for e in errors:
            print(e, file=sys.stderr)
        sys.exit(1)
    dev, hold = split(rows)
    for path, part in ((dev_path, dev), (hold_path, hold)):
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            for _, line in part:
                f.write(line)
    print("%d messages: %d dev -> %s, %d holdout -> %s"
          % (len(rows), len(dev), dev_path, len(hold), hold_path))


if __name__ == "__main__":
    main()
