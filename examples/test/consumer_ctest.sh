#!/bin/sh
# As a new user would (decision 0041): examples/certify-in-ctest copied into a fresh directory,
# configured against the installed prefix, built, and its ctest run. ctest must list one test
# per requirement of the installed catalogue, by name, and pass.
# Usage: consumer_ctest.sh SOURCE_DIR PREFIX WORK_DIR
set -eu
source=$1 prefix=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
cp "$source/examples/certify-in-ctest/CMakeLists.txt" "$work/"
cmake -S "$work" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >"$work/configure.log" 2>&1 || {
  cat "$work/configure.log"; exit 1; }
listed=$(ctest --test-dir "$work/build" -N)
echo "$listed"
ids=$(sed -n 's/^  - id: *\([A-Z0-9-]*\) *$/\1/p' "$prefix/share/hvsnap/requirements.yaml")
n=0
for id in $ids; do
  n=$((n + 1))
  echo "$listed" | grep -q "fake\.$id\$" || { echo "consumer_ctest: ctest does not list fake.$id" >&2; exit 1; }
done
[ "$n" -gt 30 ] || { echo "consumer_ctest: only $n requirements in the catalogue" >&2; exit 1; }
echo "$listed" | grep -q "Total Tests: $((n + 2))\$" || {
  echo "consumer_ctest: expected $n requirement tests + certify + verdict" >&2; exit 1; }
ctest --test-dir "$work/build" -j2 --output-on-failure >"$work/ctest.log" 2>&1 || {
  cat "$work/ctest.log"; echo "consumer_ctest: the vendor's ctest failed" >&2; exit 1; }
cat "$work/ctest.log"
grep -q "100% tests passed" "$work/ctest.log" || { echo "consumer_ctest: not every test passed" >&2; exit 1; }
echo "consumer_ctest: $n requirements listed and passed by name"

# The same function on a broken provider: its broken requirement fails, the rest pass or are
# skipped, the verdict fails, and the setup (a report was written) passes.
mkdir -p "$work/broken"
cat >"$work/broken/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(certify_a_mutant LANGUAGES CXX)
enable_testing()
find_package(hvsnap 0.1 CONFIG REQUIRED)
hvsnap_add_certification(broken sim+mutant:accepts-type-zero SEED 3 COVERAGE pairwise
                         SEQUENCES 30 PARALLEL_ROUNDS 2)
CMAKE
cmake -S "$work/broken" -B "$work/broken/build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null 2>&1
ctest --test-dir "$work/broken/build" -j2 >"$work/broken.log" 2>&1 || true
status() { sed -n "s/^ *[0-9]*\/[0-9]* Test *#[0-9]*: $1 \.*[* ]*\([A-Za-z]*\).*/\1/p" "$work/broken.log"; }
for want in "broken.certify Passed" "broken.CS-OUT-4 Failed" "broken.CS-INV-1 Passed" \
            "broken.CS-OUT-8 Skipped" "broken.verdict Failed"; do
  set -- $want
  got=$(status "$1")
  [ "$got" = "$2" ] || { cat "$work/broken.log"; echo "consumer_ctest: $1 is '$got', expected $2" >&2; exit 1; }
done
echo "consumer_ctest: a broken provider fails its requirement (CS-OUT-4) and its verdict by name"
