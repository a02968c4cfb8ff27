#!/usr/bin/env bash
# Build the userspace examples (examples/, e.g. edu_dma) for a flavor
# (vm | debug) into build/demo/, statically, against the uapi headers that
# headers_install put into the kernel's O= dir. The initramfs packs
# build/demo/ as /demo: make run runs every program there, make check runs
# the suites of vm/suites that use them.
# Rebuilt every time (a second), since the headers depend on TREE=.
# A tree without the series (no IOMMU_IOAS_NOIOMMU_GET_PA in its headers)
# gets a warning and no demo; any other build failure is an error.
# Log: build/logs/demo-<flavor>.log
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

flavor=${1:-vm}
flavor_check "$flavor"
kout=$(kernel_out "$flavor")
uapi=$kout/usr/include
out=$BUILD/demo
log=$LOGS/demo-$flavor$(tree_suffix).log

main() {
	[ -f "$uapi/linux/iommufd.h" ] ||
		die "no uapi headers in $uapi: build the $flavor kernel first (make kernel)"
	mkdir -p "$out" "$LOGS"
	if ! has_series "$kout"; then
		rm -f "$out/edu_dma"
		warn "$TREE has no IOMMU_IOAS_NOIOMMU_GET_PA (not the series?): examples/ not built, no demo in the guest"
		return 0
	fi
	make -B -C "$REPO/examples" UAPI="$uapi" OUT="$out" CFLAGS="-O2 -g -Werror" \
		>"$log" 2>&1 || {
		tail -30 "$log" >&2
		die "building examples/ failed (log: $log)"
	}
	say "examples ready in $out: $(cd "$out" && find . -maxdepth 1 -type f -perm -u+x -printf '%f ')"
}

main "$@"
