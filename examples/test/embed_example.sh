#!/bin/sh
# examples/embed built against the installed prefix and run (decision 0045): the provider that
# refuses every CreateSnapshot must be reported NOT SUPPORTED (exit 4), its bundle must verify,
# and its GoogleTest program (the same seed) must name every requirement and fail as the
# report says.
# Usage: embed_example.sh SOURCE_DIR PREFIX WORK_DIR
set -eu
source=$1 prefix=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
cmake -S "$source/examples/embed" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" -j2 >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
rc=0
"$work/build/certify_provider" "$work/report" 1 || rc=$?
[ "$rc" -eq 4 ] || { echo "embed_example: certify_provider exited $rc, expected 4 (NOT SUPPORTED)" >&2; exit 1; }
rc=0
"$prefix/bin/hvsnap" verify --verdict "$work/report" || rc=$?
[ "$rc" -eq 4 ] || { echo "embed_example: hvsnap verify --verdict exited $rc, expected 4" >&2; exit 1; }
rc=0
"$work/build/provider_requirements" --gtest_output="xml:$work/requirements.xml" >"$work/gtest.log" 2>&1 || rc=$?
cat "$work/gtest.log"
[ "$rc" -ne 0 ] || { echo "embed_example: the GoogleTest program passed a NOT SUPPORTED provider" >&2; exit 1; }
grep -q "ExampleProvider.CS_INV_3" "$work/gtest.log" || { echo "embed_example: no test per requirement" >&2; exit 1; }
# Only Verdict and the MUSTs a refusing target leaves untested fail (junit.xml's rule); no
# requirement FAILs, and the gtest verdicts match the report's.
sed -n 's/^\[  FAILED  \] \(ExampleProvider\.[A-Za-z0-9_]*\).*/\1/p' "$work/gtest.log" | sort -u >"$work/failed.txt"
/usr/bin/python3 - "$work/report/result.json" "$work/failed.txt" <<'PY' || exit 1
import json, sys
r = json.load(open(sys.argv[1]))
failed = set(open(sys.argv[2]).read().split())
if r["verdict"]["verdict"] != "NOT SUPPORTED": sys.exit("embed_example: the report is " + r["verdict"]["verdict"])
bad = [x["id"] for x in r["requirements"] if x["verdict"] == "FAIL"]
if bad: sys.exit("embed_example: requirements FAIL: " + ", ".join(bad))
want = {"ExampleProvider.Verdict"} | {"ExampleProvider." + x["id"].replace("-", "_")
        for x in r["requirements"] if x["verdict"] == "NOT_TESTED" and x["level"] == "MUST"}
if failed != want: sys.exit(f"embed_example: gtest failed {sorted(failed)}, the report says {sorted(want)}")
print(f"embed_example: gtest fails {len(failed)} tests, as the report's NOT SUPPORTED says")
PY
echo "embed_example: NOT SUPPORTED, as it must be"
