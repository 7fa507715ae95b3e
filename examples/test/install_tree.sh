#!/bin/sh
# Installs the build tree into a fresh temporary prefix (the setup of the `install` tests).
# Usage: install_tree.sh BUILD_DIR PREFIX
set -eu
build=$1 prefix=$2
rm -rf "$prefix"
cmake --install "$build" --prefix "$prefix" >"$prefix.log" 2>&1 || {
  cat "$prefix.log"; echo "install_tree: cmake --install failed" >&2; exit 1; }
for f in bin/hvsnap lib/cmake/hvsnap/hvsnapConfig.cmake lib/cmake/hvsnap/hvsnapConfigVersion.cmake \
         share/hvsnap/requirements.yaml include/hvsnap/conformance/certify.h lib/libhvsnap_conformance.a; do
  [ -e "$prefix/$f" ] || { echo "install_tree: $prefix/$f is missing" >&2; exit 1; }
done
"$prefix/bin/hvsnap" --version
echo "install_tree: installed into $prefix"
