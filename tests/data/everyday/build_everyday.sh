#!/usr/bin/env bash
# Builds a large body of real, everyday Spanish and English text that nobody wrote for this
# project, for measuring the rule pack's false-alarm rate. Every message is labelled legit.
#
# Usage: tests/data/everyday/build_everyday.sh OUT.jsonl
#
# Sources (Debian packages, installed by deploy/install-deps.sh):
#   fortunes-en  fortunes, fortunes-min     /usr/share/games/fortunes/*      (split on "%")
#   fortunes-es  fortunes-es(-off)          /usr/share/games/fortunes/es/**  (split on "%")
#   manpages-es  manpages-es (+groff-base)  /usr/share/man/es/man*/*.gz      (rendered, paragraphs)
#   mo-en/mo-es  gettext catalogs (.mo) of a fixed list of domains from packages the project
#                installs anyway: msgid -> en, msgstr -> es
# Output lines: {"id":"ev-<src>-<n>","text":...,"lang":"es|en","label":"legit",
#                "category":"everyday_real","source":"post"}
# Cleaning: control characters and overstrikes removed, whitespace tidied, texts over 1000
# bytes cut into paragraph chunks of at most 1000 bytes, exact duplicates dropped (first wins).
# Paragraphs of the Spanish man pages that were left untranslated are labelled "en" by a
# stop-word vote. Deterministic: files are read in sorted order. Counts go to stderr.
set -euo pipefail

if [[ $# -ne 1 || "$1" == -* ]]; then
  echo "usage: $0 OUT.jsonl" >&2
  exit 2
fi
out=$1

FORTUNES_DIR=${FORTUNES_DIR:-/usr/share/games/fortunes}
MAN_ES_DIR=${MAN_ES_DIR:-/usr/share/man/es}
LOCALE_ES_DIR=${LOCALE_ES_DIR:-/usr/share/locale/es/LC_MESSAGES}

for d in "$FORTUNES_DIR" "$FORTUNES_DIR/es" "$MAN_ES_DIR" "$LOCALE_ES_DIR"; do
  [[ -d $d ]] || { echo "missing $d: run deploy/install-deps.sh first" >&2; exit 1; }
done
command -v groff >/dev/null || { echo "groff not found (package groff-base)" >&2; exit 1; }

tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT

FORTUNES_DIR=$FORTUNES_DIR MAN_ES_DIR=$MAN_ES_DIR LOCALE_ES_DIR=$LOCALE_ES_DIR \
  python3 - "$tmp" <<'PY'
import gettext
import gzip
import json
import os
import re
import subprocess
import sys
from collections import Counter

out_path = sys.argv[1]
FORT = os.environ["FORTUNES_DIR"]
MAN = os.environ["MAN_ES_DIR"]
LOC = os.environ["LOCALE_ES_DIR"]
MAX_BYTES = 1000

# gettext domains shipped by packages the project installs anyway (toolchain, apt, base
# system, libc-l10n, gettext); a fixed list keeps the output the same on every machine.
MO_DOMAINS = ["apt", "bash", "bfd", "binutils", "coreutils", "diffutils", "dpkg", "dpkg-dev",
              "findutils", "gas", "gettext-runtime", "gettext-tools", "git", "gold", "grep",
              "ld", "libapt-pkg6.0", "libc", "make", "opcodes", "sed", "shadow", "tar", "xz"]

CTRL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
OVERSTRIKE = re.compile(".\x08")
SPACES = re.compile("[ \t\u00a0]+")
WORD = re.compile(r"[^\W\d_]{2,}")
ES_WORDS = set("de la que el en los se del las por un una para con no es su al lo como más "
               "pero sus le ya o este si porque esta entre cuando muy sin sobre también me "
               "hasta hay donde quien desde todo nos durante todos uno les ni contra otros ese "
               "eso ante ellos e esto mí antes algunos qué unos yo otro otras otra él tanto "
               "esa estos mucho quienes nada muchos cual poco ella estar estas algunas algo "
               "nosotros mi mis tú te ti tu tus ellas nosotras vosotros fichero archivo "
               "opción orden puede debe son está será".split())
EN_WORDS = set("the of and to in is that it for was on are as with his they at be this "
               "from have or by one had not but what all were when we there can an your "
               "which their said if do will each about how up out them then she many some "
               "so these would other into has more her two like him see time could no "
               "make than been its who now my over only file option command default may "
               "must should used use".split())


def clean(text):
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = OVERSTRIKE.sub("", text)
    text = text.replace("\t", " ")
    text = CTRL.sub("", text)
    lines = [SPACES.sub(" ", l).rstrip() for l in text.split("\n")]
    text = "\n".join(lines).strip("\n")
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def cut(text):
    """Split text into chunks of at most MAX_BYTES UTF-8 bytes, on paragraph, then
    sentence, then word boundaries."""
    if len(text.encode()) <= MAX_BYTES:
        return [text]
    pieces = []
    for para in re.split(r"\n\s*\n", text):
        if len(para.encode()) <= MAX_BYTES:
            pieces.append(para)
            continue
        for sent in re.split(r"(?<=[.!?;:])\s+", para):
            if len(sent.encode()) <= MAX_BYTES:
                pieces.append(sent)
                continue
            cur = ""
            for w in sent.split(" "):
                cand = (cur + " " + w) if cur else w
                if len(cand.encode()) > MAX_BYTES and cur:
                    pieces.append(cur)
                    cur = w
                else:
                    cur = cand
                while len(cur.encode()) > MAX_BYTES:  # one huge "word"
                    b = cur.encode()[:MAX_BYTES].decode("utf-8", "ignore")
                    pieces.append(b)
                    cur = cur[len(b):]
            if cur:
                pieces.append(cur)
    chunks, cur = [], ""
    for p in pieces:
        p = p.strip()
        if not p:
            continue
        cand = (cur + "\n\n" + p) if cur else p
        if len(cand.encode()) > MAX_BYTES and cur:
            chunks.append(cur)
            cur = p
        else:
            cur = cand
    if cur:
        chunks.append(cur)
    return chunks


def vote_lang(text, default):
    words = [w.lower() for w in WORD.findall(text)]
    es = sum(w in ES_WORDS for w in words)
    en = sum(w in EN_WORDS for w in words)
    if es == en:
        return default
    return "es" if es > en else "en"


def read_text(path):
    raw = open(path, "rb").read()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def fortune_files(root, recursive):
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        if not recursive and dirpath != root:
            continue
        for f in sorted(filenames):
            p = os.path.join(dirpath, f)
            if f.endswith((".dat", ".u8")) or os.path.islink(p):
                continue
            if f in ("ascii-art", "art") and not recursive:
                continue  # drawings, not prose
            found.append(p)
        if not recursive:
            break
    return sorted(found)


def fortunes(root, recursive):
    for path in fortune_files(root, recursive):
        for entry in re.split(r"(?m)^%[ \t]*$", read_text(path)):
            yield entry


def man_paragraphs():
    pages = []
    for sec in sorted(os.listdir(MAN)):
        d = os.path.join(MAN, sec)
        if not (sec.startswith("man") and os.path.isdir(d)):
            continue
        for f in sorted(os.listdir(d)):
            p = os.path.join(d, f)
            if os.path.islink(p):
                continue
            pages.append(p)
    for p in pages:
        src = gzip.open(p, "rb").read() if p.endswith(".gz") else open(p, "rb").read()
        if src.lstrip().startswith(b".so "):
            continue  # alias of another page
        r = subprocess.run(["groff", "-k", "-Kutf8", "-Tutf8", "-mandoc", "-P-cbou",
                            "-rLL=5000n", "-rcR=1"],
                           input=src, cwd=MAN, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
        lines = r.stdout.decode("utf-8", "replace").split("\n")
        body = [l for l in lines if l.strip()]
        if len(body) < 3:
            continue
        drop = {body[0], body[-1]}  # running header and footer
        para = []
        for l in lines + [""]:
            if l.strip() and l not in drop:
                para.append(l.strip())
                continue
            if para:
                yield "\n".join(para)
                para = []


def mo_strings():
    for dom in MO_DOMAINS:
        path = os.path.join(LOC, dom + ".mo")
        if not os.path.exists(path):
            print("warning: %s not installed, skipped" % path, file=sys.stderr)
            continue
        with open(path, "rb") as f:
            cat = gettext.GNUTranslations(f)._catalog
        pairs = []
        for k, v in cat.items():
            if isinstance(k, tuple):  # plural forms: (msgid, n)
                k = k[0]
            if not k:
                continue  # header
            k = k.split("\x04", 1)[-1]  # drop msgctxt
            pairs.append((k, v))
        for k, v in sorted(set(pairs)):
            yield k, v


seen = set()
rows = []
counts = Counter()
next_n = Counter()


def add(src, lang, text, min_chars, min_words, vote=False):
    text = clean(text)
    if not text:
        return
    for chunk in cut(text):
        chunk = chunk.strip()
        if len(chunk) < min_chars or len(WORD.findall(chunk)) < min_words:
            continue
        if chunk in seen:
            continue
        seen.add(chunk)
        l = vote_lang(chunk, lang) if vote else lang
        next_n[src] += 1
        rows.append({"id": "ev-%s-%d" % (src, next_n[src]), "text": chunk, "lang": l,
                     "label": "legit", "category": "everyday_real", "source": "post"})
        counts[(src, l)] += 1


for t in fortunes(FORT, recursive=False):
    add("fortunes-en", "en", t, 10, 2)
for t in fortunes(os.path.join(FORT, "es"), recursive=True):
    add("fortunes-es", "es", t, 10, 2)
for t in man_paragraphs():
    add("manpages-es", "es", t, 20, 3, vote=True)
mo_pairs = list(mo_strings())
for en_text, _ in mo_pairs:
    add("mo-en", "en", en_text, 20, 3)
for en_text, es_text in mo_pairs:
    if es_text != en_text:
        add("mo-es", "es", es_text, 20, 3)

with open(out_path, "w", encoding="utf-8", newline="\n") as f:
    for r in rows:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")

for (src, l), n in sorted(counts.items()):
    print("%-12s %s %6d" % (src, l, n), file=sys.stderr)
by_lang = Counter()
for (src, l), n in counts.items():
    by_lang[l] += n
print("total %d (es %d, en %d)" % (len(rows), by_lang["es"], by_lang["en"]), file=sys.stderr)
PY

mv "$tmp" "$out"
trap - EXIT
