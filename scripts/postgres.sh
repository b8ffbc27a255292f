#!/usr/bin/env bash
# The PostgreSQL servers the extension is built for and tested on, by major (run as root):
# 15 is Debian 12's own (scripts/ensure-deps.sh installs it); 17 and 18 are built here from
# Debian's source packages (postgresql-17 of trixie, postgresql-18 of forky: their binary packages
# need a newer C library than Debian 12's), once per machine, into target/postgres/MAJOR, with the
# isolation tester, and pgTAP as Debian 12 packages it for 15 (postgresql-15-pgtap: SQL only, which
# runs on the later majors as it is). A build takes about three minutes here. PostgreSQL is under
# the PostgreSQL License, pgTAP under a PostgreSQL-style one.
#   scripts/postgres.sh pg-config MAJOR   the pg_config of that major, built first when missing
#   scripts/postgres.sh versions          the majors `make test` runs every test on: $PG_VERSIONS,
#                                         else 15, 17 and 18
#   scripts/postgres.sh suite MAJOR       the Debian release whose postgresql-MAJOR package is
#                                         Debian's own (the package test installs ours beside it)
#   scripts/postgres.sh mirror            the Debian mirror this machine's apt is set up with
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SRC=$ROOT/target/postgres-src

# MAJOR -> the Debian suite that packages it: Debian 12's own for 15, the one whose source
# package is built here for the others.
suite_of() {
  case $1 in
    15) echo bookworm ;;
    17) echo trixie ;;
    18) echo forky ;;
    *) echo "scripts/postgres.sh: no PostgreSQL $1 (15, 17 and 18 are supported)" >&2; exit 2 ;;
  esac
}

mirror() {
  local uri
  uri=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
  [ -n "$uri" ] || uri=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list)
  echo "$uri"
}

# fetch PACKAGE SUITE: the upstream tarball of Debian's source package PACKAGE in SUITE, downloaded
# into $SRC/PACKAGE by apt-get (through the Debian mirror this machine is set up with, the signed
# index checking the files), its path printed. Where the mirror serves none of the files of the
# version its index names, the newest earlier release of the same package it still serves is taken
# instead (fetch_earlier).
fetch() {
  local package=$1 suite=$2 dir=$SRC/$1
  mkdir -p "$SRC/apt/lists/partial" "$SRC/apt/cache/archives/partial" "$dir"
  printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$(mirror)" "$suite" >"$SRC/apt/$suite.sources"
  APT=(-o "Dir::Etc::sourcelist=$SRC/apt/$suite.sources" -o Dir::Etc::sourceparts=/dev/null
       -o "Dir::State::Lists=$SRC/apt/lists" -o "Dir::Cache=$SRC/apt/cache")
  apt-get "${APT[@]}" -q update >&2
  if ! (cd "$dir" && apt-get "${APT[@]}" -q source --download-only "$package" >&2); then
    echo "== scripts/postgres.sh: apt-get could not download the source package $package of $suite" >&2
    fetch_earlier "$package" "$dir"
  fi
  ls "$dir"/*.orig.tar.* | sort -V | tail -1
}

# fetch_earlier PACKAGE DIR: the index names one version of a source package (17.12-0+deb13u1,
# say) and the mirror may serve none of its files while it still serves the releases before it
# under the same Debian revision (17.11-0+deb13u1). Takes the newest of the four before, checked as
# dpkg-source checks a source package: the .dsc's signature by a Debian developer (debian-keyring),
# then the tarball against the SHA-256 that the signed part of the .dsc gives.
fetch_earlier() {
  local package=$1 dir=$2 record version directory upstream revision major minor m candidate signed tarball sha256
  "$(dirname "$0")/install-packages.sh" debian-keyring >&2
  record=$(apt-cache "${APT[@]}" showsrc --only-source "$package")
  version=$(awk '/^Version:/ { print $2; exit }' <<<"$record")
  directory=$(awk '/^Directory:/ { print $2; exit }' <<<"$record")
  upstream=${version%%-*} revision=${version#*-}
  major=${upstream%.*} minor=${upstream##*.}
  for ((m = minor - 1; m >= 0 && m >= minor - 4; m--)); do
    candidate=$package\_$major.$m-$revision
    /usr/lib/apt/apt-helper download-file "$(mirror)/$directory/$candidate.dsc" "$dir/$candidate.dsc" \
      >/dev/null 2>&1 || continue
    signed=$(gpgv --keyring /usr/share/keyrings/debian-keyring.gpg --output - "$dir/$candidate.dsc" 2>/dev/null) || {
      echo "scripts/postgres.sh: $candidate.dsc is not signed by a key of debian-keyring" >&2
      exit 1
    }
    read -r sha256 tarball < <(awk '/^Checksums-Sha256:/ { on = 1; next } /^[^ ]/ { on = 0 }
                                   on && $3 ~ /\.orig\.tar\./ { print $1, $3 }' <<<"$signed")
    /usr/lib/apt/apt-helper download-file "$(mirror)/$directory/$tarball" "$dir/$tarball" "SHA256:$sha256" >&2
    echo "== the mirror serves no files of $package $version: building $major.$m from $candidate (its" \
      ".dsc signed by a Debian developer, the tarball matching it)" >&2
    return 0
  done
  echo "scripts/postgres.sh: the mirror serves neither $package $version nor any of the four releases before it" >&2
  exit 1
}

build() {
  local major=$1 prefix=$ROOT/target/postgres/$1 tarball tree
  scripts_dir=$(dirname "$0")
  "$scripts_dir/install-packages.sh" bison flex libreadline-dev zlib1g-dev libssl-dev libicu-dev pkg-config \
    liblz4-dev libzstd-dev uuid-dev >&2
  tarball=$(fetch "postgresql-$major" "$(suite_of "$major")")
  rm -rf "$SRC/build-$major" "$prefix"
  mkdir -p "$SRC/build-$major"
  tar -xf "$tarball" -C "$SRC/build-$major"
  tree=$(ls -d "$SRC/build-$major"/postgresql-*)
  echo "== building PostgreSQL $major from $(basename "$tarball") into $prefix (about three minutes)" >&2
  # Built as from a shell, not as a sub-make of `make test`: PostgreSQL's build makes its generated
  # headers only at the top level (MAKELEVEL 0).
  unset MAKELEVEL MAKEFLAGS MFLAGS
  (cd "$tree" &&
     ./configure -q --prefix="$prefix" --with-openssl --with-icu --with-lz4 --with-zstd --with-uuid=e2fs >&2 &&
     make -s -j"$(nproc)" >&2 && make -s install >&2 &&
     make -s -C contrib -j"$(nproc)" install >&2 &&
     make -s -C src/test/isolation install >&2)
  "$scripts_dir/install-packages.sh" postgresql-15-pgtap >&2
  cp /usr/share/postgresql/15/extension/pgtap* "$("$prefix/bin/pg_config" --sharedir)/extension/"
  # Built last: its presence says the build is whole.
  touch "$prefix/.built"
}

case "${1:-}" in
  versions)
    echo "${PG_VERSIONS:-15 17 18}"
    ;;
  pg-config)
    major=${2:?scripts/postgres.sh pg-config MAJOR}
    if [ "$major" = 15 ]; then
      echo /usr/lib/postgresql/15/bin/pg_config
      exit 0
    fi
    [ -f "$ROOT/target/postgres/$major/.built" ] || build "$major"
    echo "$ROOT/target/postgres/$major/bin/pg_config"
    ;;
  suite) suite_of "${2:?scripts/postgres.sh suite MAJOR}" ;;
  mirror) mirror ;;
  *) echo "usage: scripts/postgres.sh pg-config MAJOR | versions | suite MAJOR | mirror" >&2; exit 2 ;;
esac
