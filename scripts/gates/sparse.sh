#!/usr/bin/env bash
# Gate "sparse" of make series-check: C=2 on the kbuild directories of the
# touched sources adds no warning to the base's.
#
#   sparse.sh base     (the scratch tree at the base, built by "build base")
#                      build sparse if needed, run it: the reference
#   sparse.sh series   (the series applied) run it again: one row
#
# sparse comes from Debian sid's source package, through a private apt
# configuration under build/series-check-tools/apt (the machine's apt
# sources are not touched; apt-get source verifies what it downloads),
# built once; later runs reuse the binary (the stamp says which version).
# Should sid have moved on from $SPARSE_VERSION, its current sparse is used.
set -euo pipefail
# shellcheck source=scripts/gates/common.sh
. "$(dirname "$0")/common.sh"

SPARSE_VERSION=0.6.5~rc1-2
SPARSE=$SC_TOOLS/bin/sparse
SPARSE_STAMP=$SC_TOOLS/bin/sparse.version
BASE_LOG=$SC_LOGS/sparse-base.log
SERIES_LOG=$SC_LOGS/sparse-series.log
BUILD_LOG=$SC_LOGS/sparse-build.log

# fetch_source: sid's sparse source package unpacked under $SC_TOOLS/src.
fetch_source() {
	rm -rf "$SC_TOOLS/src"
	mkdir -p "$SC_TOOLS/src" "$SC_TOOLS/bin"
	chmod 755 "$SC_TOOLS/src" # apt's _apt user downloads into it
	private_apt "$SC_TOOLS/apt" "$DEBIAN_SID_SRC_LINE"
	apt-get -q "${APT_OPTS[@]}" update &&
		(
			cd "$SC_TOOLS/src" || exit 1
			apt-get -q "${APT_OPTS[@]}" source "sparse=$SPARSE_VERSION" || {
				echo "sparse $SPARSE_VERSION is not in sid any more: taking sid's current sparse"
				apt-get -q "${APT_OPTS[@]}" source sparse
			}
		)
}

get_sparse() {
	if [ -x "$SPARSE" ] && [ -s "$SPARSE_STAMP" ]; then
		return 0
	fi
	local src used
	say "building sparse $SPARSE_VERSION from Debian sid's source package (log: $BUILD_LOG)"
	fetch_source >"$BUILD_LOG" 2>&1 || {
		tail -5 "$BUILD_LOG" >&2
		warn "could not download sparse $SPARSE_VERSION from Debian sid (log: $BUILD_LOG)"
		return 1
	}
	src=$(find "$SC_TOOLS/src" -mindepth 1 -maxdepth 1 -type d -name 'sparse-*' | head -1)
	[ -n "$src" ] || {
		warn "apt-get source did not unpack sparse (log: $BUILD_LOG)"
		return 1
	}
	# Debian patches the Makefile to use gcc-16: use the default gcc.
	make -C "$src" CC=gcc -j"$NPROC" sparse >>"$BUILD_LOG" 2>&1 || {
		tail -5 "$BUILD_LOG" >&2
		warn "building sparse failed (log: $BUILD_LOG)"
		return 1
	}
	used=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version 2>/dev/null || echo unknown)
	[ "$used" = "$SPARSE_VERSION" ] || warn "built sparse $used: $SPARSE_VERSION is not in Debian sid any more"
	cp "$src/sparse" "$SPARSE"
	printf '%s\n' "$used" >"$SPARSE_STAMP"
}

# sparse_dirs FILES...: kbuild directories of the touched .c/.h files of
# the kernel proper.
sparse_dirs() {
	local f
	for f in "$@"; do
		in_kernel_proper "$f" || continue
		case $f in *.c | *.h) ;; *) continue ;; esac
		[ -d "$SC_TREE/$(dirname "$f")" ] || continue
		kbuild_dirs_of "$(dirname "$f")"
	done | sort -u
}

# sparse_run LOG DIRS...: C=2 over DIRS with the vm config (already built,
# so only sparse runs); normalized warnings in LOG.warnings.
sparse_run() {
	local log=$1
	shift
	: >"$log"
	rm -f "$log.warnings"
	if [ $# -eq 0 ]; then
		: >"$log.warnings"
		return 0
	fi
	kmake "$BISECT_ARCH" W=1 C=2 CHECK="$SPARSE" "$@" >>"$log" 2>&1 || return 1
	if grep -q 'not available or not up to date' "$log"; then
		detail "the kernel refused $SPARSE as its checker"
		return 1
	fi
	grep -q '^ *CHECK ' "$log" || {
		detail "sparse checked no file"
		return 1
	}
	normalize_warnings <"$log" >"$log.warnings"
}

phase_base() {
	local files=() dirs=()
	rm -f "$BASE_LOG.warnings"
	get_sparse || return 0 # the series phase reports it
	mapfile -t files < <(touched)
	mapfile -t dirs < <(sparse_dirs "${files[@]}")
	sparse_run "$BASE_LOG" "${dirs[@]}" || rm -f "$BASE_LOG.warnings"
}

phase_series() {
	local t0 name files=() dirs=() nb ns
	t0=$(now)
	mapfile -t files < <(touched)
	mapfile -t dirs < <(sparse_dirs "${files[@]}")
	name="sparse C=2 ${dirs[*]}"
	if [ ! -x "$SPARSE" ]; then
		record FAIL 0 "$name" "no sparse: see $BUILD_LOG"
		return
	fi
	if [ ! -f "$BASE_LOG.warnings" ]; then
		record FAIL $(($(now) - t0)) "$name" "sparse failed on the base: $BASE_LOG"
		return
	fi
	if ! sparse_run "$SERIES_LOG" "${dirs[@]}"; then
		detail_grep 'error|Error' "$SERIES_LOG"
		record FAIL $(($(now) - t0)) "$name" "sparse run failed: $SERIES_LOG"
		return
	fi
	nb=$(wc -l <"$BASE_LOG.warnings")
	ns=$(wc -l <"$SERIES_LOG.warnings")
	new_lines "$BASE_LOG.warnings" "$SERIES_LOG.warnings" >"$SERIES_LOG.new"
	if [ -s "$SERIES_LOG.new" ]; then
		detail "sparse warnings the base did not have:"
		detail_file "$SERIES_LOG.new"
		record FAIL $(($(now) - t0)) "$name" "base $nb, series $ns, $(wc -l <"$SERIES_LOG.new") new"
	else
		record ok $(($(now) - t0)) "$name" "base $nb, series $ns, 0 new; sparse $(cat "$SPARSE_STAMP")"
	fi
}

case ${1:-} in
base) phase_base ;;
series) phase_series ;;
*) die "usage: $0 base|series" ;;
esac
