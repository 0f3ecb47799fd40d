#!/usr/bin/env bash
# Regenerates the fonts the letters embed (crates/paper/fonts/): Liberation
# Sans Regular and Bold, metric-compatible with Helvetica and covering Latin
# Extended-A/B, Cyrillic and Greek, so a name like Łukasz Świątek or Олена
# Коваленко prints. They come from Debian's fonts-liberation2, fetched with
# apt-get and unpacked with dpkg-deb; the package's copyright file, which
# holds the SIL Open Font License 1.1 the fonts are under, is kept beside
# them. The package is pinned and its checksum checked, so running this
# again gives the committed files byte for byte; to take a newer one, change
# the version and its checksum together. Needs apt-get and dpkg-deb.
set -euo pipefail

LIBERATION=2.1.5-1
LIBERATION_SHA256=35ffaa54f117e633e89a5da89af235a073b34dbe582726fbf6989568f7fd9bda

here="$(cd "$(dirname "$0")/.." && pwd)"
out="$here/crates/paper/fonts"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/deb" "$out"
# apt-get download writes as the _apt user where it can; a folder of mktemp's
# is the caller's alone, which apt only warns about.
(cd "$work/deb" && apt-get download -q "fonts-liberation2=$LIBERATION" >/dev/null 2>&1) || {
  echo "fetch-letter-fonts: apt-get download fonts-liberation2=$LIBERATION failed (run apt-get update?)" >&2
  exit 1
}
got="$(sha256sum "$work"/deb/fonts-liberation2_*.deb | cut -d' ' -f1)"
if [ "$got" != "$LIBERATION_SHA256" ]; then
  echo "fetch-letter-fonts: fonts-liberation2 is not the package this script was written for ($got)" >&2
  exit 1
fi
dpkg-deb -x "$work"/deb/fonts-liberation2_*.deb "$work/x"
for style in Regular Bold; do
  cp "$work/x/usr/share/fonts/truetype/liberation2/LiberationSans-$style.ttf" "$out/"
done
cp "$work/x/usr/share/doc/fonts-liberation2/copyright" "$out/LiberationSans.LICENCE"
echo "fetch-letter-fonts: wrote LiberationSans-{Regular,Bold}.ttf and their licence to $out"
