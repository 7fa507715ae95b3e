#!/bin/sh
# The Debian packages (decision 0042): `cpack -G DEB` makes hvsnap_<version>_amd64.deb (the
# command, its man page and bash completion, the catalogue and fixtures) and
# libhvsnap-dev_<version>_amd64.deb; hvsnap's is unpacked into a scratch root (dpkg -x) and
# run from there: --version, the man page, the completion and a certify of the fake.
# Usage: deb_package.sh BUILD_DIR VERSION WORK_DIR
set -eu
build=$1 version=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
(cd "$build" && cpack -G DEB -B "$work/pkg" >"$work/cpack.log" 2>&1) || {
  cat "$work/cpack.log"; echo "deb_package: cpack failed" >&2; exit 1; }
deb="$work/pkg/hvsnap_${version}_amd64.deb"
dev="$work/pkg/libhvsnap-dev_${version}_amd64.deb"
[ -f "$deb" ] || { ls "$work/pkg"; echo "deb_package: no $deb" >&2; exit 1; }
[ -f "$dev" ] || { ls "$work/pkg"; echo "deb_package: no $dev" >&2; exit 1; }
dpkg-deb -I "$deb"
dpkg-deb -f "$deb" Depends | grep -q "libc6" || { echo "deb_package: no shared-library Depends" >&2; exit 1; }
dpkg-deb -f "$dev" Depends | grep -q "hvsnap (= $version)" || { echo "deb_package: libhvsnap-dev does not depend on hvsnap" >&2; exit 1; }
dpkg -x "$deb" "$work/root"
dpkg -x "$dev" "$work/root-dev"
for f in usr/bin/hvsnap usr/share/man/man1/hvsnap.1.gz usr/share/bash-completion/completions/hvsnap \
         usr/share/hvsnap/requirements.yaml usr/share/hvsnap/fixtures/hosts/minimal.yaml; do
  [ -e "$work/root/$f" ] || { echo "deb_package: $f is not in $deb" >&2; exit 1; }
done
for f in usr/lib/cmake/hvsnap/hvsnapConfig.cmake usr/include/hvsnap/conformance/certify.h \
         usr/lib/libhvsnap_conformance.a; do
  [ -e "$work/root-dev/$f" ] || { echo "deb_package: $f is not in $dev" >&2; exit 1; }
done
hvsnap="$work/root/usr/bin/hvsnap"
"$hvsnap" --version | grep -q "^hvsnap $version " || { echo "deb_package: --version" >&2; exit 1; }
# The man page names every command the CLI has, with its options.
zcat "$work/root/usr/share/man/man1/hvsnap.1.gz" >"$work/hvsnap.1"
for cmd in certify serve replay verify merge judge targets mutants; do
  grep -q "^\.SS $cmd\$" "$work/hvsnap.1" || { echo "deb_package: the man page lacks $cmd" >&2; exit 1; }
done
grep -q 'shard' "$work/hvsnap.1" || { echo "deb_package: the man page lacks --shard" >&2; exit 1; }
if command -v man >/dev/null 2>&1; then
  man -l "$work/hvsnap.1" >/dev/null 2>"$work/man.err" || { cat "$work/man.err"; exit 1; }
fi
# The completion completes commands and a command's options.
bash -c ". '$work/root/usr/share/bash-completion/completions/hvsnap'
  COMP_WORDS=(hvsnap cer); COMP_CWORD=1; _hvsnap; [ \"\${COMPREPLY[*]}\" = certify ] || exit 1
  COMP_WORDS=(hvsnap certify --sh); COMP_CWORD=2; _hvsnap; [ \"\${COMPREPLY[*]}\" = --shard ] || exit 2" || {
  echo "deb_package: bash completion does not complete (status $?)" >&2; exit 1; }
# A certify from the unpacked package, checked by the unpacked package.
"$hvsnap" certify --target sim: --seed 1 --coverage pairwise --sequences 30 --parallel-rounds 2 \
  --quiet --out "$work/report" >"$work/certify.log" || { cat "$work/certify.log"; exit 1; }
"$hvsnap" verify --verdict "$work/report"
rc=0
"$hvsnap" certify --target "sim:$work/root/usr/share/hvsnap/fixtures/hosts/guest-cluster.yaml" \
  --seed 1 --profile core --coverage pairwise --quiet --out "$work/report-fixture" >/dev/null || rc=$?
[ "$rc" -eq 1 ] || { echo "deb_package: a core run of an installed fixture exited $rc, not 1 (core never certifies)" >&2; exit 1; }
"$hvsnap" verify "$work/report-fixture" >/dev/null
echo "deb_package: $(basename "$deb") and $(basename "$dev") install and run"
