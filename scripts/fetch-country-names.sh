#!/usr/bin/env bash
# Regenerates the country list of the citizenship field
# (crates/core/data/countries.tsv: ISO 3166-1 alpha-2 code and the country's
# name in Swedish, Finnish and English) and its licence from the npm package
# i18n-iso-countries. The version is pinned and its checksum checked, so
# running this again gives the committed files byte for byte; to take a
# newer list, change VERSION and INTEGRITY together. Needs npm and node.
set -euo pipefail

PACKAGE=i18n-iso-countries
VERSION=7.14.0
INTEGRITY=sha512-nXHJZYtNrfsi1UQbyRqm3Gou431elgLjKl//CYlnBGt5aTWdRPH1PiS2T/p/n8Q8LnqYqzQJik3Q7mkwvLokeg==

here="$(cd "$(dirname "$0")/.." && pwd)"
out="$here/crates/core/data"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "$PACKAGE@$VERSION" >/dev/null)
tarball="$work/$PACKAGE-$VERSION.tgz"
got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$got" != "$INTEGRITY" ]; then
  echo "fetch-country-names: $PACKAGE@$VERSION is not the package this script was written for ($got)" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work"

mkdir -p "$out"
PACKAGE="$PACKAGE" VERSION="$VERSION" node - "$work/package" "$out" <<'JS'
const fs = require('fs');
const path = require('path');
const [dir, out] = process.argv.slice(2);
const names = (lang) =>
  JSON.parse(fs.readFileSync(path.join(dir, 'langs', `${lang}.json`), 'utf8')).countries;
const [sv, fi, en] = ['sv', 'fi', 'en'].map(names);
// A country may have several names; the first is the official short one.
const first = (n) => (Array.isArray(n) ? n[0] : n).replace(/[\t\r\n]/g, ' ').trim();
const codes = Object.keys(en).sort();
let tsv = `# Countries: ISO 3166-1 alpha-2 code, name in Swedish, Finnish, English.\n`;
tsv += `# From ${process.env.PACKAGE}@${process.env.VERSION}; regenerate with scripts/fetch-country-names.sh.\n`;
for (const code of codes) {
  if (!/^[A-Z]{2}$/.test(code)) throw new Error(`not an alpha-2 code: ${code}`);
  for (const [lang, table] of [['sv', sv], ['fi', fi]]) {
    if (!table[code]) throw new Error(`${code} has no ${lang} name`);
  }
  tsv += `${code}\t${first(sv[code])}\t${first(fi[code])}\t${first(en[code])}\n`;
}
fs.writeFileSync(path.join(out, 'countries.tsv'), tsv);

const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
let licence = `# Licence of countries.tsv\n\n`;
licence += `The country names are those of the npm package ${pkg.name}@${pkg.version} `;
licence += `(${(pkg.repository && pkg.repository.url) || pkg.homepage}), licence "${pkg.license}". Its LICENSE file:\n\n`;
licence += fs.readFileSync(path.join(dir, 'LICENSE'), 'utf8').trim() + '\n';
fs.writeFileSync(path.join(out, 'countries.LICENCE.md'), licence);
JS
echo "fetch-country-names: wrote $out/countries.tsv and countries.LICENCE.md"
