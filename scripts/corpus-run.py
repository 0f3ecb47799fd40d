#!/usr/bin/env python3
"""Import a folder of files someone else made (a public PDF test suite, a
pile of real scans) into an empty SQLite site and count what became of them.

    scripts/corpus-run.py DIR [--intake target/release/intake] [--keep]

It runs `intake import DIR --office vaasa --json` under GNU time (the
reading children are counted through the import's rusage), then reads the
site's database:
  - files read, quarantined (by reason, shortened), and copies;
  - pages by outcome (form, blank, other, failed);
  - pages filed `blank` whose PDF text layer (`pdftotext`) has letters on
    that page: these would be lost in silence, the number should be 0;
  - quarantines that name a crash or a timeout of the reading child;
  - the peak memory of the import and the largest reading child.
Needs: GNU time (`time` package), poppler-utils.
"""

import argparse
import collections
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir")
    parser.add_argument("--intake", default="target/release/intake")
    parser.add_argument("--keep", action="store_true", help="keep the site folder")
    args = parser.parse_args()
    intake = os.path.abspath(args.intake)
    corpus = os.path.abspath(args.dir)

    site = tempfile.mkdtemp(prefix="intake-corpus-")
    database = os.path.join(site, "intake.db")
    env = dict(os.environ, INTAKE_DATA_DIR=site, DATABASE_URL=f"sqlite://{database}",
               OMP_THREAD_LIMIT="1", RUST_LOG="warn")
    timing = os.path.join(site, "time.txt")
    run = subprocess.run(
        ["/usr/bin/time", "-v", "-o", timing, intake, "import", corpus,
         "--office", "vaasa", "--json"],
        env=env, capture_output=True, text=True, cwd=site,
    )
    summary = run.stdout.strip().splitlines()
    peak_kb = 0
    wall = ""
    with open(timing) as f:
        for line in f:
            if "Maximum resident set size" in line:
                peak_kb = int(line.rsplit(":", 1)[1])
            if "Elapsed (wall clock)" in line:
                wall = line.rsplit(": ", 1)[1].strip()
    print(f"import exit status {run.returncode}, wall {wall}, "
          f"peak memory of the largest process {peak_kb / 1024:.0f} MB")
    if run.returncode not in (0, 1):
        print(run.stderr[-2000:], file=sys.stderr)
    if summary:
        print("summary:", summary[-1])

    db = sqlite3.connect(database)
    files = db.execute("SELECT state, COUNT(*) FROM scan_files GROUP BY state").fetchall()
    print("files by state:", dict(files))
    reasons = collections.Counter()
    crashes = []
    for name, reason in db.execute(
            "SELECT name, reason FROM scan_files WHERE state = 'quarantined'"):
        short = re.sub(r"\d+", "N", (reason or "").split(":")[0])[:70]
        reasons[short] += 1
        if re.search(r"crash|timed out|killed|signal|abort", reason or "", re.I):
            crashes.append((name, reason))
    print("quarantined by reason:")
    for reason, n in reasons.most_common():
        print(f"  {n:5}  {reason}")
    print(f"reading crashed or timed out: {len(crashes)}")
    for name, reason in crashes[:20]:
        print(f"    {name}: {reason}")

    pages = db.execute(
        "SELECT outcome, COUNT(*) FROM scan_pages GROUP BY outcome").fetchall()
    print("pages by outcome:", dict(pages))

    blank_with_text = []
    for name, page in db.execute(
            "SELECT f.name, p.page FROM scan_pages p JOIN scan_files f ON f.id = p.file_id "
            "WHERE p.outcome = 'blank' ORDER BY f.name, p.page"):
        path = os.path.join(corpus, name)
        if not name.lower().endswith(".pdf") or not os.path.exists(path):
            continue
        text = subprocess.run(
            ["pdftotext", "-q", "-f", str(page), "-l", str(page), path, "-"],
            capture_output=True, text=True, errors="replace").stdout
        letters = sum(ch.isalnum() for ch in text)
        if letters >= 3:
            blank_with_text.append((name, page, letters))
    print(f"pages filed blank whose text layer has letters: {len(blank_with_text)}")
    for name, page, letters in blank_with_text[:30]:
        print(f"    {name} page {page}: {letters} letters")

    if args.keep:
        print("site kept in", site)
    else:
        shutil.rmtree(site)


if __name__ == "__main__":
    main()
