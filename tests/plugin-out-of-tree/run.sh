#!/bin/sh
# tests/plugin-out-of-tree/run.sh - can a third party build a hub plugin with
# only the installed headers and pkg-config, and does the hub load it?
#
#   1. make install PREFIX=<tmp>/prefix     (headers + lib/pkgconfig/hub-plugin.pc)
#   2. copy hello.c to <tmp>/work and build it there with
#      cc $(pkg-config --cflags hub-plugin) -shared -fPIC   (no -I into the repo)
#   3. check its dynamic symbols: exports hub_plugin_entry, needs no core symbol
#   4. load it with build/tests/test_loader_oot (plugin_load + one push)
#
# Environment: HUB_SRC_DIR (default: this repo), HUB_SAN=1 (use build-san),
# CC, HUB_OOT_CHECKER (a prebuilt checker binary instead of making one),
# HUB_OOT_STRICT=1 (fail if `make install` fails instead of installing the
# headers and .pc the way the install target does), HUB_OOT_KEEP=1 (keep tmp).
# Exit status 0 = pass.  Every step says what it does.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=${HUB_SRC_DIR:-$(cd "$here/../.." && pwd)}
san=${HUB_SAN:-0}
cc=${CC:-cc}
build=$src/build
[ "$san" = 1 ] && build=$src/build-san

say() { printf 'plugin-out-of-tree: %s\n' "$*"; }
die() { printf 'plugin-out-of-tree: FAIL: %s\n' "$*" >&2; exit 1; }

command -v pkg-config >/dev/null || die "pkg-config is not installed (apt-get install pkg-config)"

tmp=$(mktemp -d /tmp/hub-oot-XXXXXX)
if [ "${HUB_OOT_KEEP:-0}" = 1 ]; then say "keeping $tmp"; else trap 'rm -rf "$tmp"' EXIT; fi
prefix=$tmp/prefix

# A plain install, whatever make (if any) called us with.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES 2>/dev/null || true

# ------------------------------------------------------------------ 1. install
say "make install PREFIX=$prefix"
if make -C "$src" --no-print-directory install PREFIX="$prefix" >"$tmp/install.log" 2>&1; then
    :
elif [ "${HUB_OOT_STRICT:-0}" = 1 ]; then
    cat "$tmp/install.log" >&2
    die "make install failed"
else
    say "make install failed (last lines below); installing headers and hub-plugin.pc as it does"
    tail -n 5 "$tmp/install.log" | sed 's/^/    /'
    install -d "$prefix/include/hub" "$prefix/lib/pkgconfig"
    install -m 644 "$src"/core/include/hub/*.h "$prefix/include/hub/"
    sed -e "s|@PREFIX@|$prefix|g" "$src/tools/hub-plugin.pc.in" >"$prefix/lib/pkgconfig/hub-plugin.pc"
fi
[ -f "$prefix/include/hub/plugin.h" ] || die "no $prefix/include/hub/plugin.h after install"
[ -f "$prefix/lib/pkgconfig/hub-plugin.pc" ] || die "no hub-plugin.pc after install"

# ------------------------------------------------------------------ 2. build out of tree
cflags=$(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags hub-plugin) ||
    die "pkg-config does not know hub-plugin"
plugindir=$(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --variable=plugindir hub-plugin)
say "pkg-config --cflags hub-plugin: $cflags (plugindir=$plugindir)"
case " $cflags " in *"$src"*) die "the cflags point into the source tree" ;; esac
[ "$plugindir" = "$prefix/lib/hub/plugins" ] || die "plugindir is $plugindir"

mkdir -p "$tmp/work" "$tmp/plugins/hello"
cp "$here/hello.c" "$tmp/work/hello.c"
say "cc \$(pkg-config --cflags hub-plugin) -shared -fPIC hello.c (in $tmp/work)"
# shellcheck disable=SC2086  # cflags is a word list
(cd "$tmp/work" && "$cc" -std=c11 -Wall -Wextra -Werror -Wmissing-prototypes -O2 $cflags \
    -shared -fPIC -fvisibility=hidden -o "$tmp/plugins/hello/hello.so" hello.c) ||
    die "hello.c does not build against the installed headers"

# ------------------------------------------------------------------ 3. symbols
if command -v nm >/dev/null; then
    exported=$(nm -D --defined-only "$tmp/plugins/hello/hello.so" | awk '$2 ~ /^[TDBR]$/ {print $3}')
    [ "$exported" = "hub_plugin_entry" ] || die "exports [$exported], expected only hub_plugin_entry"
    core=$(nm -D --undefined-only "$tmp/plugins/hello/hello.so" |
        awk '{print $NF}' | grep -E '^(hub_|plugin_|store_|engine_|config_|log_|mapping_)' || true)
    [ -z "$core" ] || die "needs core symbols: $core"
    say "exports only hub_plugin_entry; needs no core symbol"
fi

# ------------------------------------------------------------------ 4. load it
checker=${HUB_OOT_CHECKER:-}
if [ -z "$checker" ]; then
    checker=$build/tests/test_loader_oot
    mk_san=""
    [ "$san" = 1 ] && mk_san="SAN=1"
    say "make $mk_san $checker"
    # shellcheck disable=SC2086
    make -C "$src" --no-print-directory $mk_san "$checker" >"$tmp/checker.log" 2>&1 || {
        cat "$tmp/checker.log" >&2
        die "cannot build the loader check"
    }
fi
say "loading $tmp/plugins/hello/hello.so with $(basename "$checker")"
out=$(HUB_OOT_PLUGIN_DIR="$tmp/plugins" HUB_OOT_PLUGIN=hello "$checker" 2>&1) || {
    printf '%s\n' "$out" >&2
    die "the hub refused or mis-drove the out-of-tree plugin"
}
case "$out" in *SKIPPED*|*skipped*) printf '%s\n' "$out" >&2; die "the check was skipped" ;; esac
say "ok: built out of tree with pkg-config hub-plugin and loaded by the hub"
