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

DEBIAN_SID_LINE=${DEBIAN_SID_LINE:-"deb http://deb.debian.org/debian sid main"}

tmp=
cleanup() { [ -z "$tmp" ] || rm -rf "$tmp"; }
trap cleanup EXIT

sha_ok() { # FILE
	local got
	got=$(sha256sum "$1" | awk '{print $1}')
	if [ "$got" != "$BASE_SHA256" ]; then
		printf '%s: error: %s has sha256 %s, expected %s: refusing to use it\n' \
			"$PROG" "$1" "$got" "$BASE_SHA256" >&2
		return 1
	fi
}

# Download the .deb from Debian sid with a private apt configuration.
apt_download() { # DESTDIR
	local dest=$1
	[ -r "$DEBIAN_KEYRING" ] ||
		die "no mirror at $MIRROR_DIR and no Debian keyring ($DEBIAN_KEYRING) to verify a download"
	private_apt "$BUILD/apt" "$DEBIAN_SID_LINE"
	say "no mirror at $MIRROR_DIR: downloading $BASE_PKG=$BASE_VERSION from Debian sid"
	apt-get -q "${APT_OPTS[@]}" update ||
		die "no mirror at $MIRROR_DIR and the Debian archive cannot be reached: cannot get the base"
	(cd "$dest" && apt-get -q "${APT_OPTS[@]}" download "$BASE_PKG=$BASE_VERSION") ||
		die "no mirror at $MIRROR_DIR and $BASE_PKG=$BASE_VERSION could not be downloaded from Debian sid (no registry reachable?): cannot get the base"
	[ -f "$dest/$BASE_DEB" ] || die "apt download did not produce $BASE_DEB"
}

# Print the path of a verified .deb.
get_deb() {
	local deb=$MIRROR_DIR/$BASE_DEB dl=$BUILD/dl
	if [ -f "$deb" ]; then
		sha_ok "$deb" || exit 1
		printf '%s\n' "$deb"
		return
	fi
	deb=$dl/$BASE_DEB
	if [ -f "$deb" ] && sha_ok "$deb" 2>/dev/null; then
		printf '%s\n' "$deb"
		return
	fi
	mkdir -p "$dl"
	local d
	d=$(mktemp -d "$dl/.download.XXXXXX")
	tmp=$d
	chmod 755 "$d" # apt's _apt user writes the download here
	apt_download "$d" >&2
	sha_ok "$d/$BASE_DEB" || exit 1
	mv -f "$d/$BASE_DEB" "$deb"
	rm -rf "$d"
	tmp=
	printf '%s\n' "$deb"
}

main() {
	if [ -d "$BASE_SRC" ] && [ "$(cat "$BASE_STAMP" 2>/dev/null)" = "$BASE_SHA256" ]; then
		exit 0
	fi
	local t0 deb
	t0=$(now)
	deb=$(get_deb)
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
