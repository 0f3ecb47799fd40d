#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks to build, run and test intake.
# Run as root (or with sudo available). Installs only what is missing.
set -euo pipefail

packages=(
  build-essential pkg-config ca-certificates curl
  # The browser tests drive Debian's Chromium through ChromeDriver.
  chromium chromium-driver
  # Reading scans: Tesseract with Swedish, Finnish and orientation data,
  # and what the tesseract crate's build needs.
  tesseract-ocr tesseract-ocr-swe tesseract-ocr-fin tesseract-ocr-osd
  libtesseract-dev libleptonica-dev clang libclang-dev
  # Rasterising the paper form (sample generator, looking at the PDF).
  poppler-utils
  # Printed and handwriting-style fonts for the generated samples: every
  # handwriting font Debian packages with Latin capitals (not femkeklaver,
  # whose letters are hollow outlines).
  fonts-dejavu-core fonts-liberation2 fonts-humor-sans fonts-dkg-handwriting
  fonts-breip fonts-comic-neue fonts-bwht fonts-sjfonts fonts-rufscript
  fonts-dancingscript fonts-kristi fonts-kaushanscript
  # systemd-analyze checks the shipped unit (tests/deploy.rs).
  systemd
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    echo "setup: cargo is in ~/.cargo/bin; add it to PATH"
  else
    # Debian's own Rust is too old for edition 2024: use rustup.
    echo "setup: installing Rust with rustup"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  fi
fi
