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

# flavor_check NAME: only "vm" (default) and "debug" exist.
flavor_check() {
	case $1 in
	vm | debug) ;;
	*) die "unknown kernel flavor '$1' (use vm or debug)" ;;
	esac
}

# Suffix that keeps output of a TREE= override apart from build/linux's.
tree_suffix() {
	if [ "$TREE" = "$MAIN_TREE" ]; then
		printf ''
	else
		printf -- '-%s' "$(basename "$TREE")"
	fi
}

# Output locations for a flavor (vm or debug).
kernel_out() { printf '%s/kernel-%s%s' "$BUILD" "$1" "$(tree_suffix)"; }
selftests_out() { printf '%s/selftests-%s%s' "$BUILD" "$1" "$(tree_suffix)"; }
initramfs_out() { printf '%s/initramfs-%s%s.cpio' "$BUILD" "$1" "$(tree_suffix)"; }

# now: seconds since the epoch, for step timings.
now() { date +%s; }

require_tree() {
	[ -d "$TREE" ] || die "kernel tree $TREE does not exist (run 'make tree')"
	[ -f "$TREE/Makefile" ] || die "$TREE does not look like a kernel tree"
}
