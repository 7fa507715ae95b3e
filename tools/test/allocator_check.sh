#!/bin/sh
# Usage: allocator_check.sh HVSNAP
# Passes when the hvsnap command allocates with mimalloc (decision 0132): mimalloc's statistics at
# the exit count the segments it made, none when it was loaded but malloc stayed the C library's.
out=$(MIMALLOC_SHOW_STATS=1 "$1" --version 2>&1) || { printf '%s --version failed:\n%s\n' "$1" "$out"; exit 1; }
if printf '%s\n' "$out" | grep -Eq 'segments: +[1-9]'; then exit 0; fi
printf 'mimalloc made no segment in %s --version:\n%s\n' "$1" "$out"
exit 1
