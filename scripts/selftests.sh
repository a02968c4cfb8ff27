#!/usr/bin/env bash
# Build the guest test programs for a flavor (vm | debug), statically, with
# the uapi headers that headers_install put into the kernel's O= dir:
#   - tools/testing/selftests/iommu and .../vfio of the tree under test, with
#     the kernel's own kselftest Makefiles (OUTPUT= under build/);
#   - the project's own tests (tests/*.c, one program each, built against
#     the tree's kselftest.h).
# For the kernel-CI flavors (kci-off, kci-on) instead: what kernel CI runs,
# `make -C tools/testing/selftests TARGETS="iommu vfio" install`, into
# build/selftests-<flavor>/kselftest/ (run_kselftest.sh and the programs).
# Output: build/selftests-<flavor>/{iommu,vfio,project}/ or .../kselftest/
# Log: build/logs/selftests-<flavor>.log
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

flavor=${1:-vm}
flavor_check "$flavor"
kout=$(kernel_out "$flavor")
out=$(selftests_out "$flavor")
log=$LOGS/selftests-$flavor$(tree_suffix).log
SELFTESTS=$TREE/tools/testing/selftests

# Directories of tools/testing/selftests to build. A failure in TARGETS
# fails the build; one in OPTIONAL_TARGETS is only reported. (The base's
# vfio selftests do not compile, lib/vfio_pci_device.c calls an undefined
# calloc_assert(); the series fixes that, and the suites need vfio.)
# On a tree without the series (the plain base) a failure in TARGETS is
# only reported too, so that the base can still be checked: the suites
# that need the missing programs then fail on their own.
TARGETS=(iommu vfio)
OPTIONAL_TARGETS=()

build_kselftest() { # TARGET
	local t=$1 ldflags=-static incs="-isystem $kout/usr/include"
	# vfio's Makefile adds -pthread to LDFLAGS, which a command-line
	# LDFLAGS would override.
	[ "$t" != vfio ] || ldflags="-static -pthread"
	# On the debug kernel the iommu selftests get a longer default per-test
	# timeout (scripts/kselftest-debug/kselftest_harness.h), scaled like
	# the suite timeouts: DEBUG_TIMEOUT_SCALE must match scripts/vm.sh.
	if [ "$flavor" = debug ] && [ "$t" = iommu ]; then
		incs="-I $REPO/scripts/kselftest-debug -DKSFT_TIMEOUT_SCALE=$DEBUG_TIMEOUT_SCALE $incs"
	fi
	mkdir -p "$out/$t"
	make -C "$SELFTESTS/$t" OUTPUT="$out/$t" \
		KHDR_INCLUDES="$incs" \
		LDFLAGS="$ldflags" -j"$NPROC" >>"$log" 2>&1
}

# The tests/ programs; on a tree without the series only those that do not
# need its uapi (the ones not using tests/noiommu_util.h: the legacy group
# path), with a warning naming the others (their suites will fail).
build_project_tests() {
	local c skipped=()
	mkdir -p "$out/project"
	for c in "$REPO"/tests/*.c; do
		[ -f "$c" ] || continue
		if ! has_series "$kout" && grep -q '^#include "noiommu_util.h"' "$c"; then
			skipped+=("$(basename "$c" .c)")
			continue
		fi
		gcc -static -O2 -Wall -Wextra -Werror -isystem "$kout/usr/include" \
			-I "$SELFTESTS" -o "$out/project/$(basename "$c" .c)" "$c" >>"$log" 2>&1 ||
			return 1
	done
	[ "${#skipped[@]}" -eq 0 ] ||
		warn "$TREE has no series: tests/ ${skipped[*]} not built (not fatal; their suites will fail)"
}

# The GET_PA benchmark (bench/), run by make bench as /tests/bench/.
build_bench() {
	mkdir -p "$out/bench"
	has_series "$kout" || {
		warn "$TREE has no IOMMU_IOAS_NOIOMMU_GET_PA (not the series?): bench/ not built"
		return 0
	}
	gcc -static -O2 -Wall -Wextra -Werror -Wno-missing-field-initializers \
		-isystem "$kout/usr/include" -o "$out/bench/noiommu_bench" \
		"$REPO/bench/noiommu_bench.c" >>"$log" 2>&1
}

# The kselftest install tree of TARGETS, as kernel CI makes it (its build
# objects in a directory of their own, not in the kernel tree, where make
# keeps them up to date), installed into a temporary directory that then
# replaces the old tree.
build_kselftest_install() {
	local tmp=$out/kselftest.tmp
	rm -rf "$tmp"
	make -C "$SELFTESTS" O="$out/kselftest.build" TARGETS="${TARGETS[*]}" \
		KHDR_INCLUDES="-isystem $kout/usr/include" LDFLAGS="-static -pthread" \
		INSTALL_PATH="$tmp" -j"$NPROC" install >>"$log" 2>&1 || return 1
	[ -x "$tmp/run_kselftest.sh" ] || return 1
	rm -rf "$out/kselftest"
	mv "$tmp" "$out/kselftest"
}

main() {
	require_tree
	[ -d "$kout/usr/include/linux" ] ||
		die "no uapi headers in $kout/usr/include: build the kernel first (make kernel)"
	local t0 t
	t0=$(now)
	mkdir -p "$out" "$LOGS"
	: >"$log"
	if is_kci "$flavor"; then
		say "installing kselftests (${TARGETS[*]}) for $flavor into $out/kselftest (log: $log)"
		build_kselftest_install || {
			tail -30 "$log" >&2
			die "make -C tools/testing/selftests install failed for ${TARGETS[*]} (log: $log)"
		}
		say "kselftest tree ready ($(($(now) - t0))s)"
		return
	fi
	say "building selftests (${TARGETS[*]} ${OPTIONAL_TARGETS[*]-}) and tests/ for $flavor into $out (log: $log)"
	for t in "${TARGETS[@]}"; do
		build_kselftest "$t" && continue
		if ! has_series "$kout"; then
			warn "selftests/$t does not build on $TREE, which has no series (not fatal; its suites will fail):"
			grep -m3 -E 'error:' "$log" | sed "s/^/$PROG:   /" >&2 || true
			continue
		fi
		tail -30 "$log" >&2
		die "building selftests/$t failed (log: $log)"
	done
	for t in "${OPTIONAL_TARGETS[@]+"${OPTIONAL_TARGETS[@]}"}"; do
		build_kselftest "$t" || {
			warn "selftests/$t does not build (not fatal: no suite uses it yet):"
			grep -m3 -E 'error:' "$log" | sed "s/^/$PROG:   /" >&2 || true
		}
	done
	build_project_tests || {
		tail -30 "$log" >&2
		die "building tests/ failed (log: $log)"
	}
	build_bench || {
		tail -30 "$log" >&2
		die "building bench/ failed (log: $log)"
	}
	say "selftests ready ($(($(now) - t0))s)"
}

main "$@"
