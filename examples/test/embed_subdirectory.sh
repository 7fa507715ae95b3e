#!/bin/sh
# hvsnap embedded in a vendor's build (decision 0040): a parent project that brings hvsnap in
# with FetchContent, and one with add_subdirectory, each configured from scratch. hvsnap's
# tests, benchmarks and install rules must stay out (not the top-level project), its targets
# and hvsnap_add_certification() must be there, and ctest must list one test per requirement.
# Configure only: building hvsnap a third time would double CI's time.
# Usage: embed_subdirectory.sh SOURCE_DIR WORK_DIR
set -eu
source=$1 work=$2
rm -rf "$work"
n=$(grep -c '^  - id: ' "$source/conformance/requirements.yaml")
for how in fetchcontent subdirectory; do
  dir="$work/$how"
  mkdir -p "$dir"
  if [ "$how" = fetchcontent ]; then
    bring="include(FetchContent)
FetchContent_Declare(hvsnap SOURCE_DIR \"$source\")
FetchContent_MakeAvailable(hvsnap)"
  else
    bring="add_subdirectory(\"$source\" hvsnap)"
  fi
  cat >"$dir/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.25)
project(vendor LANGUAGES CXX)
enable_testing()
$bring
foreach(t hvsnap::cim hvsnap::result hvsnap::conformance hvsnap::reports hvsnap::targets hvsnap::hvsnap)
  if(NOT TARGET \${t})
    message(FATAL_ERROR "\${t} is not defined by the embedded hvsnap")
  endif()
endforeach()
add_executable(vendor_check main.cpp)
target_link_libraries(vendor_check PRIVATE hvsnap::conformance)
hvsnap_add_certification(fake sim: SEED 1)
CMAKE
  printf '#include "hvsnap/conformance/certify.h"\nint main() { return 0; }\n' >"$dir/main.cpp"
  cmake -S "$dir" -B "$dir/build" -G Ninja >"$dir/configure.log" 2>&1 || {
    cat "$dir/configure.log"; echo "embed_subdirectory: $how: configure failed" >&2; exit 1; }
  grep -q '^HVSNAP_BUILD_TESTS:BOOL=OFF' "$dir/build/CMakeCache.txt" || {
    echo "embed_subdirectory: $how: hvsnap's tests are on in an embedding build" >&2; exit 1; }
  grep -q '^HVSNAP_INSTALL:BOOL=OFF' "$dir/build/CMakeCache.txt" || {
    echo "embed_subdirectory: $how: hvsnap's install rules are on in an embedding build" >&2; exit 1; }
  listed=$(ctest --test-dir "$dir/build" -N)
  echo "$listed" | grep -q "fake\.CS-INV-3\$" || { echo "$listed"; echo "embed_subdirectory: $how: no fake.CS-INV-3" >&2; exit 1; }
  echo "$listed" | grep -q "Total Tests: $((n + 2))\$" || {
    echo "$listed"; echo "embed_subdirectory: $how: expected exactly $n requirement tests + 2 (hvsnap's own tests leaked?)" >&2; exit 1; }
  if cmake --build "$dir/build" --target help | grep -q 'cim_tests\|sim_bench'; then
    echo "embed_subdirectory: $how: hvsnap's test or bench targets exist" >&2; exit 1
  fi
  echo "embed_subdirectory: $how: $n requirement tests, no hvsnap test or bench target"
done
