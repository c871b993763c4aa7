#!/bin/sh
# Runs each benchmark program and prints one table of their result lines.
# HUB_BIN_DIR, HUB_PLUGIN_DIR, HUB_SRC_DIR come from the root Makefile.
cd "$(dirname "$0")" || exit 1
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for p in "$@"; do
    name=$(basename "$p")
    printf 'running %s ...\n' "$name" >&2
    if ! "$p" >>"$tmp"; then
        printf '%s\tFAILED\t-\t-\t-\n' "$name" >>"$tmp"
    fi
done
for s in ./bench_*.py; do
    [ -f "$s" ] || continue
    printf 'running %s ...\n' "$(basename "$s")" >&2
    /usr/bin/python3 "$s" >>"$tmp" || printf '%s\tFAILED\t-\t-\t-\n' "$(basename "$s")" >>"$tmp"
done
printf '\n%-52s %14s  %-10s %12s %7s  %s\n' metric median unit aim ratio verdict
printf '%s\n' "------------------------------------------------------------------------------------------------------------"
awk -F'\t' '{ v = ($5 == "-" || $5 == "") ? "" : ($5 + 0 >= 1.0 ? "met" : "MISSED");
              printf "%-52s %14s  %-10s %12s %7s  %s\n", $1, $2, $3, $4, $5, v }' "$tmp"
