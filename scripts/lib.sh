# shellcheck shell=bash
# shellcheck disable=SC2034 # variables used by the scripts that source this
# Common settings and helpers, sourced by every harness script.
#
# Paths can be overridden from the environment (or on the make command line):
#   SHARED_DIR   read-only project inputs            (default: <repo>/../shared)
#   MIRROR_DIR   verified copy of the base .deb       (default: $SHARED_DIR/mirror)
#   PATCHES_DIR  the series                           (default: <repo>/patches)
#   TREE         kernel git tree to export/build/test (default: <repo>/build/linux)
#   SUITES_FILE  the suite list the guest runs      (default: <repo>/vm/suites)

PROG=${PROG:-$(basename "$0")}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$REPO/build
LOGS=$BUILD/logs

SHARED_DIR=${SHARED_DIR:-$REPO/../shared}
MIRROR_DIR=${MIRROR_DIR:-$SHARED_DIR/mirror}
PATCHES_DIR=${PATCHES_DIR:-$REPO/patches}
SUITES_FILE=${SUITES_FILE:-$REPO/vm/suites}

# The base: Debian's linux-source-7.2 7.2.13-1 (suite sid).
BASE_PKG=linux-source-7.2
BASE_VERSION=7.2.13-1
BASE_DEB=${BASE_PKG}_${BASE_VERSION}_all.deb
BASE_SHA256=30a8c5fc63f9028a62e6d7b3f7f43bee67425dbce2a05fceba83f9b87c92083d
BASE_SRC=$BUILD/src/$BASE_PKG           # cached pristine tree
BASE_STAMP=$BUILD/src/$BASE_PKG.sha256  # written after a complete extraction

MAIN_TREE=$BUILD/linux
# TREE may be given relative to the repo root (make export TREE=build/dev).
TREE=${TREE:-$MAIN_TREE}
case $TREE in /*) ;; *) TREE=$REPO/$TREE ;; esac
TREE=${TREE%/}
case $SUITES_FILE in /*) ;; *) SUITES_FILE=$REPO/$SUITES_FILE ;; esac

GIT_IDENT_NAME="Noiommu Dev"
GIT_IDENT_EMAIL="dev@noiommu.invalid"

NPROC=$(nproc 2>/dev/null || echo 2)

say() { printf '%s: %s\n' "$PROG" "$*"; }
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }
die() {
	printf '%s: error: %s\n' "$PROG" "$*" >&2
	exit 1
}

# The debug kernel (KASAN, lockdep, kmemleak) runs this much slower: suite
# timeouts (scripts/vm.sh) and the iommu selftests' per-test default timeout
# (scripts/selftests.sh) are multiplied by it.
DEBUG_TIMEOUT_SCALE=4

# flavor_check NAME: the flavors are
#   vm       the harness's kernel: the tree's kselftest fragments + configs/vm.config
#   debug    vm + configs/debug.config (KASAN, lockdep, kmemleak, ...)
#   kci-off  what kernel CI builds: the kselftest fragments alone on a minimal
#            bootable base (configs/kci-off.config); no-IOMMU VFIO is off
#   kci-on   kernel CI's way of running the selftests (an installed kselftest
#            tree, run_kselftest.sh) on the vm kernel, where it is on
flavor_check() {
	case $1 in
	vm | debug | kci-off | kci-on) ;;
	*) die "unknown kernel flavor '$1' (use vm, debug, kci-off or kci-on)" ;;
	esac
}

# kernel_flavor FLAVOR: the flavor whose kernel FLAVOR boots (kci-on: vm's).
kernel_flavor() {
	case $1 in
	kci-on) printf 'vm' ;;
	*) printf '%s' "$1" ;;
	esac
}

# is_kci FLAVOR: is it one of the kernel-CI flavors (an installed kselftest
# tree instead of the harness's suites)?
is_kci() { case $1 in kci-*) return 0 ;; *) return 1 ;; esac; }

# Suffix that keeps output of a TREE= override apart from build/linux's.
tree_suffix() {
	if [ "$TREE" = "$MAIN_TREE" ]; then
		printf ''
	else
		printf -- '-%s' "$(basename "$TREE")"
	fi
}

# make bench BENCH_O2=1: the same kernel built -O2 (configs/o2.config), as
# distributions build, instead of tinyconfig's -Os, in its own directory.
o2_suffix() { [ -z "${BENCH_O2:-}" ] || printf -- '-o2'; }

# Output locations for a flavor (vm or debug).
kernel_out() { printf '%s/kernel-%s%s%s' "$BUILD" "$(kernel_flavor "$1")" "$(tree_suffix)" "$(o2_suffix)"; }
# The kernel-CI flavors share one kselftest tree (uapi headers do not
# depend on the config), so make kci builds it once.
selftests_out() {
	local f=$1
	! is_kci "$f" || f=kci
	printf '%s/selftests-%s%s' "$BUILD" "$f" "$(tree_suffix)"
}
initramfs_out() { printf '%s/initramfs-%s%s.cpio' "$BUILD" "$1" "$(tree_suffix)"; }

# now: seconds since the epoch, for step timings.
now() { date +%s; }

require_tree() {
	[ -d "$TREE" ] || die "kernel tree $TREE does not exist (run 'make tree')"
	[ -f "$TREE/Makefile" ] || die "$TREE does not look like a kernel tree"
}

# ------------------------------------------------------------- the series

# series_files: the patches of $PATCHES_DIR in the order scripts/tree.sh
# applies them, one path a line, the cover letter skipped: the names in
# $PATCHES_DIR/series if there is one (# comments), else the *.patch files.
series_files() {
	[ -d "$PATCHES_DIR" ] || return 0
	local line f
	if [ -f "$PATCHES_DIR/series" ]; then
		while IFS= read -r line || [ -n "$line" ]; do
			line=${line%%#*}
			line=$(printf '%s' "$line" | tr -d '[:space:]')
			if [ -z "$line" ] || [ "$line" = 0000-cover-letter.patch ]; then continue; fi
			[ -f "$PATCHES_DIR/$line" ] ||
				die "$PATCHES_DIR/series names $line, which does not exist"
			printf '%s\n' "$PATCHES_DIR/$line"
		done <"$PATCHES_DIR/series"
	else
		for f in "$PATCHES_DIR"/*.patch; do
			if [ ! -f "$f" ] || [ "$(basename "$f")" = 0000-cover-letter.patch ]; then continue; fi
			printf '%s\n' "$f"
		done
	fi
}

# series_in_step: $PATCHES_DIR/series (when there is one) names exactly
# the patch files, as scripts/export.sh writes it: those of prerequisites/
# (as prerequisites/NAME), then the others but the cover letter, each in
# file-name order. Else one line per difference on stdout and status 1.
# series_files trusts the file; tree.sh and series-check call this first.
series_in_step() {
	[ -f "$PATCHES_DIR/series" ] || return 0
	local listed files
	listed=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$PATCHES_DIR/series" | grep -v '^$' || true)
	files=$(cd "$PATCHES_DIR" && for f in prerequisites/*.patch *.patch; do
		[ ! -f "$f" ] || [ "$f" = 0000-cover-letter.patch ] || printf '%s\n' "$f"
	done)
	[ "$listed" != "$files" ] || return 0
	comm -23 <(sort <<<"$files") <(sort <<<"$listed") | sed 's/$/ is not in series/'
	comm -13 <(sort <<<"$files") <(sort <<<"$listed") |
		sed 's/.*/series names &, not a patch file of the series/'
	[ "$(sort <<<"$listed")" != "$(sort <<<"$files")" ] ||
		echo "series does not list the patches in order (prerequisites/ first, then file-name order)"
	return 1
}

# has_series KERNEL_OUT: does the kernel built in KERNEL_OUT carry the
# series? (its installed uapi headers have IOMMU_IOAS_NOIOMMU_GET_PA)
has_series() {
	grep -q IOMMU_IOAS_NOIOMMU_GET_PA "$1/usr/include/linux/iommufd.h" 2>/dev/null
}

# --------------------------------------------------------- Debian packages

# pkg_install PACKAGE...: install those that are missing (apt-get update
# first); a fast no-op when all are there. Never touches the apt sources.
pkg_install() {
	local p status missing=() sudo=()
	for p in "$@"; do
		status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		[ "$status" = installed ] || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	say "installing missing packages: ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null || die "need root (or sudo) to install: ${missing[*]}"
		sudo=(sudo)
	fi
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -q || die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends \
		"${missing[@]}" || die "apt-get install failed for: ${missing[*]}"
}

# private_apt DIR SOURCES_LINE: an apt configuration of its own under DIR
# (lists, cache, one sources line signed by Debian's archive keyring), so
# that downloads from Debian never touch the machine's apt sources. Sets
# APT_OPTS, the options to give apt-get; the caller runs "update" with them.
DEBIAN_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
APT_OPTS=()
private_apt() {
	local dir=$1 line=$2
	[ -r "$DEBIAN_KEYRING" ] || die "no Debian archive keyring ($DEBIAN_KEYRING) to verify downloads"
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/etc"
	line=$(printf '%s' "$line" | sed -E "s#^(deb(-src)?) #\\1 [signed-by=$DEBIAN_KEYRING] #")
	printf '%s\n' "$line" >"$dir/etc/sources.list"
	APT_OPTS=(
		-o "Dir::Etc::sourcelist=$dir/etc/sources.list"
		-o "Dir::Etc::sourceparts=-"
		-o "Dir::State::Lists=$dir/lists"
		-o "Dir::Cache=$dir/cache"
		-o "Dir::State::status=/dev/null"
		-o "APT::Get::List-Cleanup=0"
		-o "Debug::NoLocking=1"
	)
}

# sha256_ok FILE SHA256: the file has that sha256 (else says so, status 1).
sha256_ok() {
	local got
	got=$(sha256sum "$1" | awk '{print $1}')
	[ "$got" = "$2" ] && return 0
	printf '%s: error: %s has sha256 %s, expected %s: refusing to use it\n' \
		"$PROG" "$1" "$got" "$2" >&2
	return 1
}

# apt_download_dir APTDIR LINE DLDIR FILES WHAT: set up the private apt
# configuration APTDIR with the sources LINE (private_apt: sets APT_OPTS in
# this shell, so never call it in a subshell), update its index and make an
# empty temporary download directory under DLDIR, in DL_TMP. FILES and
# WHAT (e.g. "source linux=7.2.13-1") are for the messages. On failure:
# one clear line, exit 1, nothing left behind.
DL_TMP=
apt_download_dir() {
	local aptdir=$1 line=$2 dl=$3 files=$4 what=$5
	private_apt "$aptdir" "$line"
	DL_TMP=$(mktemp -d "$dl/.download.XXXXXX")
	chmod 755 "$DL_TMP" # apt's _apt user writes the download here
	say "no $files in $MIRROR_DIR: downloading $what from Debian sid" >&2
	if ! apt-get -q "${APT_OPTS[@]}" update >&2; then
		rm -rf "$DL_TMP"
		die "$what is not in $MIRROR_DIR and the Debian archive cannot be reached"
	fi
}

# fetch_deb PACKAGE VERSION DEBFILE SHA256: print the path of a verified
# copy of Debian's DEBFILE (PACKAGE=VERSION): from $MIRROR_DIR when it is
# there, else from build/dl (an earlier download), else downloaded from
# Debian sid through a private apt configuration (build/apt). The sha256
# is checked in every case; on any failure: one clear line, exit 1.
DEBIAN_SID_LINE=${DEBIAN_SID_LINE:-"deb http://deb.debian.org/debian sid main"}
fetch_deb() {
	local pkg=$1 version=$2 file=$3 sha=$4 dl=$BUILD/dl d
	if [ -f "$MIRROR_DIR/$file" ]; then
		sha256_ok "$MIRROR_DIR/$file" "$sha" || exit 1
		printf '%s\n' "$MIRROR_DIR/$file"
		return
	fi
	if [ -f "$dl/$file" ] && sha256_ok "$dl/$file" "$sha" 2>/dev/null; then
		printf '%s\n' "$dl/$file"
		return
	fi
	mkdir -p "$dl"
	apt_download_dir "$BUILD/apt" "$DEBIAN_SID_LINE" "$dl" "$file" "$pkg=$version"
	d=$DL_TMP
	if ! (cd "$d" && apt-get -q "${APT_OPTS[@]}" download "$pkg=$version") >&2 ||
		[ ! -f "$d/$file" ]; then
		rm -rf "$d"
		die "$pkg=$version is not in $MIRROR_DIR and could not be downloaded from Debian sid"
	fi
	if ! sha256_ok "$d/$file" "$sha"; then
		rm -rf "$d"
		exit 1
	fi
	mv -f "$d/$file" "$dl/$file"
	rm -rf "$d"
	printf '%s\n' "$dl/$file"
}

# fetch_dsc PACKAGE VERSION DSCFILE "FILE SHA256"...: print the path of a
# verified copy of Debian's source package PACKAGE=VERSION (its DSCFILE and,
# next to it, the other FILEs it names, every one with its pinned sha256),
# ready for dpkg-source -x. Each FILE is taken from $MIRROR_DIR (linked into
# build/dl) when it is there, else from build/dl (an earlier download); if
# any is still missing, the package is downloaded from Debian sid through a
# private apt configuration with a deb-src line (build/apt-src; apt-get
# source checks the files against the signed Sources index too). On any
# failure: one clear line, exit 1, nothing half-downloaded left in build/dl.
DEBIAN_SID_SRC_LINE=${DEBIAN_SID_SRC_LINE:-"deb-src http://deb.debian.org/debian sid main"}
fetch_dsc() {
	local pkg=$1 version=$2 dsc=$3 dl=$BUILD/dl d spec file sha missing=()
	shift 3
	mkdir -p "$dl"
	for spec in "$@"; do
		read -r file sha <<<"$spec"
		if [ -f "$MIRROR_DIR/$file" ]; then
			sha256_ok "$MIRROR_DIR/$file" "$sha" || exit 1
			ln -sf "$(realpath "$MIRROR_DIR/$file")" "$dl/$file"
		elif ! { [ -f "$dl/$file" ] && sha256_ok "$dl/$file" "$sha" 2>/dev/null; }; then
			missing+=("$file")
		fi
	done
	if [ ${#missing[@]} -gt 0 ]; then
		apt_download_dir "$BUILD/apt-src" "$DEBIAN_SID_SRC_LINE" "$dl" \
			"${missing[*]}" "source $pkg=$version"
		d=$DL_TMP
		if ! (cd "$d" && apt-get -q "${APT_OPTS[@]}" source --download-only "$pkg=$version") >&2; then
			rm -rf "$d"
			die "source $pkg=$version is not in $MIRROR_DIR and could not be downloaded from Debian sid"
		fi
		for spec in "$@"; do
			read -r file sha <<<"$spec"
			[[ " ${missing[*]} " == *" $file "* ]] || continue
			if [ ! -f "$d/$file" ] || ! sha256_ok "$d/$file" "$sha"; then
				rm -rf "$d"
				die "the download of source $pkg=$version has no verified $file"
			fi
			rm -f "$dl/$file"
			mv -f "$d/$file" "$dl/$file"
		done
		rm -rf "$d"
	fi
	[ -f "$dl/$dsc" ] || die "fetch_dsc: $dsc is not one of the files given"
	printf '%s\n' "$dl/$dsc"
}

# ------------------------------------------------------- DPDK (make dpdk)

# The snapshot of DPDK's 26.11 development line that takes the no-IOMMU
# device cdev (../shared/dpdk/README.md): a test dependency, built by
# scripts/dpdk-build.sh; its sha256 is pinned here.
DPDK_SNAPSHOT_DIR=${DPDK_SNAPSHOT_DIR:-$SHARED_DIR/dpdk}
DPDK_SNAPSHOT=dpdk-26.11-dev-noiommu-cdev.tar.xz
DPDK_SNAPSHOT_SHA256=bbedd37e10a6d82cfeec71c04a709d38170649971dfd55618849e070122443e6
# Our patches against it (applied in file name order), with their README.
DPDK_PATCHES_DIR=${DPDK_PATCHES_DIR:-$REPO/clients/dpdk}

# ------------------------------------------------------- kernel configs

# vm_fragments TREE [FLAVOR]: the config fragments of the guest kernel, in
# merge order: the kernel tree's own kselftest fragments of the selftests
# the guest runs (tools/testing/selftests/{iommu,vfio}/config, where they
# exist), then configs/vm.config, then configs/FLAVOR.config (debug). For
# kci-off: the fragments, then configs/kci-off.config (what kernel CI's base
# config gives, nothing of the series). With BENCH_O2=1, configs/o2.config
# last.
vm_fragments() {
	local t flavor
	flavor=$(kernel_flavor "${2:-vm}")
	for t in iommu vfio; do
		[ ! -f "$1/tools/testing/selftests/$t/config" ] ||
			printf '%s\n' "$1/tools/testing/selftests/$t/config"
	done
	[ "$flavor" = kci-off ] || printf '%s\n' "$REPO/configs/vm.config"
	[ "$flavor" = vm ] || printf '%s\n' "$REPO/configs/$flavor.config"
	[ -z "${BENCH_O2:-}" ] || printf '%s\n' "$REPO/configs/o2.config"
}

# fragment_settings FRAGMENT...: "SYM=VALUE" for every setting of the
# config fragments (no CONFIG_ prefix; VALUE n for "# CONFIG_SYM is not
# set"), the last one winning, sorted.
fragment_settings() {
	awk '
		/^CONFIG_[A-Za-z0-9_]+=/ { s = $0; sub(/=.*/, "", s); v = $0; sub(/^[^=]*=/, "", v); want[substr(s, 8)] = v; next }
		/^# CONFIG_[A-Za-z0-9_]+ is not set/ { want[substr($2, 8)] = "n" }
		END { for (s in want) print s "=" want[s] }' "$@" | sort
}

# kconfig_symbols TREE: every symbol (no CONFIG_ prefix) that a Kconfig
# file of the kernel tree TREE defines.
kconfig_symbols() {
	find "$1" -name 'Kconfig*' -not -path '*/.git/*' -print0 |
		xargs -0 grep -hE '^[[:space:]]*(menu)?config[[:space:]]+[A-Za-z0-9_]+' |
		awk '{ print $2 }' | sort -u
}

# config_value CONFIG SYM: y, m, the value, or n when SYM is not set.
config_value() {
	local v
	v=$(grep -E "^CONFIG_$2=" "$1" | head -1 | cut -d= -f2- || true)
	printf '%s' "${v:-n}"
}

# config_mismatches CONFIG SYM=VALUE...: a "SYM: wanted V, got W" line for
# each setting CONFIG does not have (VALUE "on" accepts y or m).
config_mismatches() {
	local cfg=$1 s sym val have
	shift
	for s in "$@"; do
		sym=${s%%=*} val=${s#*=}
		have=$(config_value "$cfg" "$sym")
		case $val:$have in on:y | on:m | "$have:$have") ;;
		*) printf '%s: wanted %s, got %s\n' "$sym" "$val" "$have" ;;
		esac
	done
}
