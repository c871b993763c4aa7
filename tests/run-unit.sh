#!/bin/sh
# Runs each unit test binary in its own process; prints a summary; fails if any failed.
fail=0; n=0
for t in "$@"; do
    n=$((n+1))
    if out=$(timeout 120 "$t" 2>&1); then
        printf 'ok    %s\n' "$(basename "$t")"
    else
        fail=$((fail+1)); printf 'FAIL  %s\n%s\n' "$(basename "$t")" "$out"
    fi
done
printf '%d unit test programs, %d failed\n' "$n" "$fail"
[ "$fail" -eq 0 ]
