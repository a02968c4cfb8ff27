#!/usr/bin/env bash
# make dpdk: build dpdk-testpmd from the DPDK snapshot (../shared/dpdk).
#   dpdk-build.sh snapshot   the snapshot as shipped
#   dpdk-build.sh getpa      the snapshot with clients/dpdk/*.patch applied
# Prints the prefix of the build on stdout (PREFIX/bin/dpdk-testpmd, a
# static build of just what testpmd on e1000 needs, as the snapshot's
# README says).
#
# - The tarball's sha256 must be $DPDK_SNAPSHOT_SHA256 (scripts/lib.sh).
# - Cached: build/dpdk-build/VARIANT-KEY, KEY = sha256 of the snapshot's
#   sha256, the meson options and the patches; a cached build is reused.
# - Built in a temporary directory that is renamed on success, with ccache
#   (base_dir = that directory, so both variants and any rebuild share the
#   objects); older builds of the variant are removed then.
# - Bad input (snapshot missing or tampered, a patch that does not apply, a
#   build failure) is one line "dpdk-build.sh: error: ..." and exit status 1,
#   with nothing left behind; meson's and ninja's output is in
#   build/logs/dpdk-build-VARIANT.log.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

variant=${1:-}
OUT=$BUILD/dpdk-build
MESON_OPTS=(
	-Ddefault_library=static -Dplatform=generic
	-Denable_apps=test-pmd -Ddisable_libs='*'
	-Denable_drivers='bus/pci,bus/vdev,mempool/ring,net/intel/e1000,net/virtio'
	-Dtests=false -Dexamples= -Denable_docs=false
	-Dmax_lcores=8 -Dmax_numa_nodes=1
)
tmp=''
cleanup() { [ -z "$tmp" ] || rm -rf "$tmp"; }
trap cleanup EXIT

# The patches of a variant, one path a line, in the order they apply.
patches() {
	[ "$variant" = getpa ] || return 0
	find "$DPDK_PATCHES_DIR" -maxdepth 1 -name '[0-9]*.patch' | LC_ALL=C sort
}

# The cache key: what the build depends on.
build_key() {
	local p
	{
		printf '%s\n' "$DPDK_SNAPSHOT_SHA256" "${MESON_OPTS[@]}"
		for p in $(patches); do sha256sum <"$p"; done
	} | sha256sum | cut -c1-16
}

check_snapshot() {
	local tarball=$DPDK_SNAPSHOT_DIR/$DPDK_SNAPSHOT
	[ -f "$tarball" ] || die "no DPDK snapshot $tarball (see ../shared/dpdk/README.md)"
	sha256_ok "$tarball" "$DPDK_SNAPSHOT_SHA256" || exit 1
}

# unpack_and_patch DIR: the snapshot in DIR/src, our patches applied.
unpack_and_patch() {
	local dir=$1 p
	mkdir -p "$dir/src"
	tar -C "$dir/src" --strip-components=1 -xJf "$DPDK_SNAPSHOT_DIR/$DPDK_SNAPSHOT" ||
		die "cannot unpack $DPDK_SNAPSHOT_DIR/$DPDK_SNAPSHOT"
	for p in $(patches); do
		patch -d "$dir/src" -p1 -N --batch --fuzz=0 --no-backup-if-mismatch -s <"$p" >>"$log" 2>&1 ||
			die "$(basename "$p") does not apply to $DPDK_SNAPSHOT (patch output: $log)"
	done
}

build() {
	local dir=$1
	(
		cd "$dir"
		export CCACHE_BASEDIR=$dir CCACHE_NOHASHDIR=1
		# Debian's python3 (python3-pyelftools), not another one in PATH
		export PATH=/usr/bin:$PATH
		meson setup obj src --prefix="$dir/prefix" "${MESON_OPTS[@]}" &&
			ninja -C obj app/dpdk-testpmd
	) >>"$log" 2>&1 || {
		# the temporary directory goes: keep meson's own log in ours
		cat "$dir/obj/meson-logs/meson-log.txt" >>"$log" 2>/dev/null || true
		die "DPDK ($variant) failed to build: see $log"
	}
	mkdir -p "$dir/prefix/bin"
	cp "$dir/obj/app/dpdk-testpmd" "$dir/prefix/bin/"
}

main() {
	local key dest t0
	case $variant in snapshot | getpa) ;; *) die "usage: dpdk-build.sh snapshot|getpa" ;; esac
	check_snapshot
	[ "$variant" != getpa ] || [ -n "$(patches)" ] ||
		die "no patches $DPDK_PATCHES_DIR/[0-9]*.patch for the getpa build"
	key=$(build_key)
	dest=$OUT/$variant-$key
	if [ -x "$dest/bin/dpdk-testpmd" ]; then
		say "DPDK ($variant) cached: $dest" >&2
		printf '%s\n' "$dest"
		return
	fi
	t0=$(now)
	mkdir -p "$OUT" "$LOGS"
	log=$LOGS/dpdk-build-$variant.log
	: >"$log"
	tmp=$(mktemp -d "$OUT/.tmp-$variant.XXXXXX")
	say "building DPDK ($variant, key $key) with ccache; log $log" >&2
	unpack_and_patch "$tmp"
	build "$tmp"
	mkdir -p "$tmp/result/bin"
	mv "$tmp/prefix/bin/dpdk-testpmd" "$tmp/result/bin/"
	rm -rf "$OUT/$variant"-*
	mv "$tmp/result" "$dest"
	rm -rf "$tmp"
	tmp=''
	say "DPDK ($variant) built in $(($(now) - t0))s: $dest/bin/dpdk-testpmd" >&2
	printf '%s\n' "$dest"
}

main
