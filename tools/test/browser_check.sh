#!/bin/sh
# The report as a person sees it (ctest label `browser`): writes a certified report
# and a failing one (a mutant), opens each report.html in headless Chromium, and fails on any
# console message or a missing verdict element; saves screenshot.png next to each report.
# Usage: browser_check.sh HVSNAP OUTDIR
set -eu
hvsnap=$1
out=$2
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "browser_check: chromium is not installed (tools/install-deps installs it)" >&2
  exit 1
fi
rm -rf "$out"
mkdir -p "$out"
fail=0
check() {
  name=$1
  want=$2
  shift 2
  set +e
  "$hvsnap" certify --quiet --seed 3 --coverage pairwise --out "$out/$name" "$@" > "$out/$name.certify.log" 2>&1
  code=$?
  set -e
  if [ "$code" != "$want" ]; then
    echo "browser_check: $name: hvsnap certify exited $code, expected $want" >&2
    cat "$out/$name.certify.log" >&2
    fail=1
    return
  fi
  page="file://$out/$name/report.html"
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 \
    --dump-dom "$page" > "$out/$name.dom.html" 2> "$out/$name.browser.log"
  if grep -q ':CONSOLE' "$out/$name.browser.log"; then
    echo "browser_check: $name: the page wrote to the console:" >&2
    grep ':CONSOLE' "$out/$name.browser.log" >&2
    fail=1
  fi
  for needle in 'id="verdict"' 'data-rendered="yes"' 'id="coverage-grid"' 'id="requirements"'; do
    if ! grep -q "$needle" "$out/$name.dom.html"; then
      echo "browser_check: $name: the rendered page lacks $needle" >&2
      fail=1
    fi
  done
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1800 \
    --screenshot="$out/$name/screenshot.png" "$page" > /dev/null 2>&1
  if [ ! -s "$out/$name/screenshot.png" ]; then
    echo "browser_check: $name: no screenshot was saved" >&2
    fail=1
  fi
  echo "browser_check: $name: ok ($out/$name/screenshot.png)"
}
check certified 0
check failing 1 --target sim+mutant:partial-after-failed-job --stop-at-first-failure
exit $fail
