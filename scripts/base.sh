#!/usr/bin/env bash
# Fetch, verify and extract the base kernel source (Debian linux-source-7.2
# 7.2.13-1). The .deb comes from $MIRROR_DIR when it is there, otherwise from
# Debian sid through a private apt configuration under build/apt (the
# machine's apt sources are not touched). Its sha256 is checked either way.
# The pristine tree is cached in build/src/linux-source-7.2; a complete
# extraction is marked by build/src/linux-source-7.2.sha256, so a second run
# does nothing. Extraction goes to a temp dir that is renamed at the end.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

tmp=
cleanup() { [ -z "$tmp" ] || rm -rf "$tmp"; }
trap cleanup EXIT

main() {
	if [ -d "$BASE_SRC" ] && [ "$(cat "$BASE_STAMP" 2>/dev/null)" = "$BASE_SHA256" ]; then
		exit 0
	fi
	local t0 deb
	t0=$(now)
	deb=$(fetch_deb "$BASE_PKG" "$BASE_VERSION" "$BASE_DEB" "$BASE_SHA256")
	say "extracting $deb"
	mkdir -p "$BUILD/src"
	tmp=$(mktemp -d "$BUILD/src/.extract.XXXXXX")
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO "./usr/src/$BASE_PKG.tar.xz" |
		tar -xJ -C "$tmp" ||
		die "extracting $deb failed"
	[ -f "$tmp/$BASE_PKG/Makefile" ] || die "$deb did not contain $BASE_PKG/"
	# Replace an old, unverified copy (no stamp) only now that a good one exists.
	rm -f "$BASE_STAMP"
	if [ -e "$BASE_SRC" ]; then
		mv "$BASE_SRC" "$tmp/old"
	fi
	mv "$tmp/$BASE_PKG" "$BASE_SRC"
	printf '%s\n' "$BASE_SHA256" >"$BASE_STAMP"
	say "base extracted to $BASE_SRC in $(($(now) - t0))s"
}

main "$@"
