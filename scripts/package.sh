#!/usr/bin/env bash
# `make package`: Debian packages, into target/packages/ (run as root):
#   postgresql-NN-pgflow_VERSION_ARCH.deb  the extension for PostgreSQL NN (its library and SQL
#                                          scripts where Debian's postgresql-NN looks for them), one
#                                          per major given, else per major of scripts/postgres.sh
#   pgflow_VERSION_ARCH.deb                the `pgflow` command (CLI and dashboard)
# VERSION is Cargo.toml's (the control file's default_version is made from it); each package's
# description comes from Cargo.toml or the command's --help, its licence from Cargo.toml's, and its library
# dependencies from dpkg-shlibdeps. Installed with `apt-get install ./FILE.deb`, which brings in
# postgresql-NN. tests/package/installs_on_a_fresh_debian.sh installs them where nothing was built.
#   scripts/package.sh [MAJOR...]
#   scripts/package.sh path NAME   where the package NAME is written (what the tests read)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=$ROOT/target/packages
WORK=$OUT/build

cargo_field() { sed -n "s/^$2 = \"\(.*\)\"\$/\1/p" "$1" | head -1; }
version=$(cargo_field Cargo.toml version)
licence=$(cargo_field Cargo.toml license)
arch=$(dpkg --print-architecture)
deb_path() { echo "$OUT/${1}_${version}_${arch}.deb"; }
if [ "${1:-}" = path ]; then
  deb_path "${2:?scripts/package.sh path NAME}"
  exit 0
fi
scripts/install-packages.sh dpkg-dev >&2

# deb NAME ROOT DESCRIPTION DEPENDS: ROOT (the files as installed) with a control file and the
# copyright note, built into deb_path NAME; DEPENDS gets the shared libraries' packages.
deb() {
  local name=$1 root=$2 description=$3 depends=$4 libs shlibs
  mkdir -p "$root/DEBIAN" "$root/usr/share/doc/$name"
  printf 'Files: *\nCopyright: the pgflow developers\nLicense: %s\n On Debian systems the full text is in /usr/share/common-licenses/%s.\n' \
    "$licence" "$licence" >"$root/usr/share/doc/$name/copyright"
  mapfile -t libs < <(find "$root" -type f \( -name '*.so' -o -perm -u+x \) ! -path '*/DEBIAN/*')
  strip --strip-unneeded "${libs[@]}"
  # dpkg-shlibdeps reads debian/control of the folder it runs in; the server's own symbols, which
  # the extension's library leaves to PostgreSQL, are no dependency.
  mkdir -p "$WORK/shlibdeps-$name/debian"
  printf 'Source: pgflow\n\nPackage: %s\nArchitecture: any\n' "$name" >"$WORK/shlibdeps-$name/debian/control"
  shlibs=$(cd "$WORK/shlibdeps-$name" && dpkg-shlibdeps -O --warnings=0 "${libs[@]}" | sed -n 's/^shlibs:Depends=//p')
  cat >"$root/DEBIAN/control" <<EOF
Package: $name
Version: $version
Architecture: $arch
Maintainer: The pgflow developers <pgflow@localhost>
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: ${depends:+$depends, }$shlibs
Section: database
Priority: optional
Description: $description
EOF
  dpkg-deb --root-owner-group -Zxz --build "$root" "$(deb_path "$name")" >&2
  deb_path "$name"
}

rm -rf "$WORK"
mkdir -p "$WORK" "$OUT"

for major in ${*:-$("$ROOT/scripts/postgres.sh" versions)}; do
  pg_config=$("$ROOT/scripts/postgres.sh" pg-config "$major")
  stage=$WORK/pgrx-pg$major
  cargo pgrx package --pg-config "$pg_config" --out-dir "$stage" >&2
  # pgrx lays the files out at this server's paths; a package puts them at Debian's.
  root=$WORK/postgresql-$major-pgflow
  install -D -m 0644 "$stage$("$pg_config" --pkglibdir)/pgflow.so" "$root/usr/lib/postgresql/$major/lib/pgflow.so"
  install -d "$root/usr/share/postgresql/$major/extension"
  install -m 0644 "$stage$("$pg_config" --sharedir)"/extension/pgflow* "$root/usr/share/postgresql/$major/extension/"
  deb "postgresql-$major-pgflow" "$root" \
    "$(cargo_field Cargo.toml description), for PostgreSQL $major" "postgresql-$major"
done

cargo build --release --locked --manifest-path client/Cargo.toml --bin pgflow >&2
root=$WORK/pgflow
install -D -m 0755 client/target/release/pgflow "$root/usr/bin/pgflow"
# The description is the command's own (its --help).
deb pgflow "$root" "The pgflow command: $(client/target/release/pgflow --help | head -1 | sed 's/^./\L&/'), and its dashboard" ""
