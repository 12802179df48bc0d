#!/usr/bin/env python3
"""Assemble tests/data/corpus.jsonl from the hand-written messages in corpus_src/.

Deterministic: the messages are shuffled with a fixed seed before ids are assigned, so the
file does not list one category after another, and re-running gives the same bytes.

Each line: {"id","text","lang","label","category","source"} plus, only on messages written
with deliberate filter evasion, "obfuscation": [tags] (leet, spaced, dotted, cyrillic, zwsp,
stretch, caps, swap, wasap, split_digits, noaccent).  Extra keys are ignored by the scanner.

Usage: python3 tests/data/build_corpus.py [OUT]   (default: tests/data/corpus.jsonl)
"""
import json
import os
import random
import sys

sys.dont_write_bytecode = True

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "corpus_src"))

from scam import SCAM  # noqa: E402
from legit import LEGIT  # noqa: E402
from extra import EXTRA_SCAM, EXTRA_LEGIT  # noqa: E402

SEED = 20141120  # the day the executive action was announced

SCAM_CATS = ["notario", "guaranteed_outcome", "line_fee", "gov_impersonation",
             "deportation_threat", "fake_website", "job_visa", "dv_lottery", "asylum_10yr",
             "appointment_resale", "payment_method", "fake_profile"]
LEGIT_CATS = ["official_warning", "news", "legal_aid", "attorney_update", "consular_service",
              "mexican_notary", "everyday"]
LANGS = {"es", "en", "mix"}
SOURCES = {"tip", "post"}

# Cyrillic look-alikes for Latin letters (lower and upper case).
CYR = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441",
       "x": "\u0445", "y": "\u0443", "i": "\u0456",
       "A": "\u0410", "E": "\u0415", "O": "\u041e", "P": "\u0420", "C": "\u0421",
       "T": "\u0422", "H": "\u041d", "K": "\u041a", "M": "\u041c", "B": "\u0412",
       "X": "\u0425", "I": "\u0406"}
ZWSP = "\u200b"


def _cyr(s):
    return "".join(CYR.get(ch, ch) for ch in s)


def _zw(s):
    # a zero-width space after every second character inside each word
    out = []
    for word in s.split(" "):
        w = []
        for i, ch in enumerate(word):
            w.append(ch)
            if i % 2 == 1 and i != len(word) - 1:
                w.append(ZWSP)
        out.append("".join(w))
    return " ".join(out)


def expand(text):
    out, i = [], 0
    while True:
        j = text.find("{", i)
        if j < 0:
            out.append(text[i:])
            break
        k = text.find("}", j)
        tag = text[j + 1:j + 4]
        if k < 0 or tag not in ("cy:", "zw:"):
            out.append(text[i:j + 1])
            i = j + 1
            continue
        out.append(text[i:j])
        body = text[j + 4:k]
        out.append(_cyr(body) if tag == "cy:" else _zw(body))
        i = k + 1
    return "".join(out)


def entries():
    for label, groups in (("scam", [SCAM, EXTRA_SCAM]), ("legit", [LEGIT, EXTRA_LEGIT])):
        for g in groups:
            for cat, items in g.items():
                for it in items:
                    lang, source, text = it[0], it[1], it[2]
                    tags = list(it[3]) if len(it) > 3 else []
                    yield label, cat, lang, source, text, tags


def build():
    rows = []
    seen = set()
    for label, cat, lang, source, text, tags in entries():
        assert cat in (SCAM_CATS if label == "scam" else LEGIT_CATS), cat
        assert lang in LANGS and source in SOURCES, (lang, source)
        t = expand(text)
        assert t not in seen, "duplicate text: " + t
        seen.add(t)
        row = {"text": t, "lang": lang, "label": label, "category": cat, "source": source}
        if tags:
            row["obfuscation"] = tags
        rows.append(row)
    random.Random(SEED).shuffle(rows)
    out = []
    for n, r in enumerate(rows, 1):
        o = {"id": "c-%04d" % n}
        o.update(r)
        out.append(o)
    return out


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus.jsonl")
    rows = build()
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print("wrote %d messages to %s" % (len(rows), path))


if __name__ == "__main__":
    main()
