#!/bin/sh
# Usage: allocator_check.sh HVSNAP
# Passes when the hvsnap command allocates with tcmalloc (decision 0132): with MALLOCSTATS=1,
# tcmalloc's statistics at the exit count the bytes the program had in use, none when it was
# loaded but malloc stayed the C library's (and no statistics without tcmalloc at all).
out=$(MALLOCSTATS=1 "$1" --version 2>&1) || { printf '%s --version failed:\n%s\n' "$1" "$out"; exit 1; }
if printf '%s\n' "$out" | grep -Eq '^MALLOC: +[1-9][0-9]* .*Bytes in use by application'; then exit 0; fi
printf 'tcmalloc had no byte in use in %s --version:\n%s\n' "$1" "$out"
exit 1
