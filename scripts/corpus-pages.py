#!/usr/bin/env python3
"""How every page of a folder of PDFs is judged before recognition, and
which pages judged blank have text on them per `pdftotext` (these would be
filed blank and never looked at: the number should be 0).

    scripts/corpus-pages.py DIR [--kinds target/release/examples/page_kinds]

Build the tool first: `cargo build --release --workspace --example page_kinds`.
Each file runs in its own process with 3 GB of address space and 120 s.
Quicker than `scripts/corpus-run.py`, which imports and reads everything.
Needs poppler-utils.
"""

import argparse
import collections
import os
import re
import subprocess


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir")
    parser.add_argument("--kinds", default="target/release/examples/page_kinds")
    args = parser.parse_args()
    tool = os.path.abspath(args.kinds)
    kinds = collections.Counter()
    reasons = collections.Counter()
    blank = []
    files = sorted(f for f in os.listdir(args.dir) if f.lower().endswith(".pdf"))
    for name in files:
        path = os.path.join(args.dir, name)
        run = subprocess.run(
            ["bash", "-c", 'ulimit -v 3000000; exec timeout 120 "$0" "$1"', tool, path],
            capture_output=True, text=True, env=dict(os.environ, OMP_THREAD_LIMIT="1"))
        if run.returncode != 0:
            kinds["file crashed or timed out"] += 1
            continue
        for line in run.stdout.splitlines():
            _, page, kind, *reason = line.split("\t")
            kinds[("file " if page == "FILE" else "page ") + kind] += 1
            if reason:
                reasons[re.sub(r"\d+", "N", reason[0])[:70]] += 1
            if kind.endswith("-blank"):
                blank.append((path, int(page)))
    print(f"{len(files)} files")
    for kind, n in sorted(kinds.items()):
        print(f"  {n:6}  {kind}")
    print("errors by reason:")
    for reason, n in reasons.most_common():
        print(f"  {n:6}  {reason}")
    with_text = []
    for path, page in blank:
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), path, "-"],
                              capture_output=True).stdout.decode("utf-8", "replace")
        if re.search(r"[^\W\d_]{2,}", text):
            with_text.append((os.path.basename(path), page, " ".join(text.split())[:50]))
    print(f"blank pages: {len(blank)}, of which with text per pdftotext: {len(with_text)}")
    for found in with_text:
        print("  ", *found)


if __name__ == "__main__":
    main()
