#!/usr/bin/env bash
# make series-check: the quality gates of the series in $PATCHES_DIR, in one
# command (CI runs it too). One row per gate or configuration, then a table
# and "N passed, N failed"; the exit status is nonzero if any row failed.
#
#   base      build/series-check, a scratch worktree of build/linux (detached
#             at tag base; build/linux's branches are never touched), is
#             reset to base; configs/vm.config (+ series-check-patch.config)
#             on tinyconfig (x86_64) is built with W=1 in the directories
#             the series touches
#             (drivers/iommu/, drivers/vfio/, plus any other kbuild
#             directory of a touched source file): its warnings are the
#             reference. sparse (C=2) and kernel-doc run on the base too.
#   patch N   each patch applied in order (git am), olddefconfig, the same
#             W=1 directory builds (+ the kselftest directories it touches):
#             it must apply, build, and add no warning.
#   checkpatch  --strict on every patch: no ERROR, no WARNING. The one
#             accepted warning is "does MAINTAINERS need updating?" when
#             get_maintainer.pl shows that every added file is covered by an
#             existing MAINTAINERS section. CHECKs are shown, not counted.
#   sparse    C=2 on the kbuild directories of the touched sources: no
#             warning the base did not have (counts printed).
#   kernel-doc  -none -Wall on the touched .c/.h files: no new warning.
#   matrix    Kconfig combinations on x86_64, arm64, 32-bit arm (ARMv5, which
#             has GENERIC_ATOMIC64) and i386: configs/series-check.config +
#             the row's settings on tinyconfig, olddefconfig, the symbols
#             must come out as the row expects (and Kconfig must not warn),
#             then a W=1 build of drivers/iommu/ and drivers/vfio/ (and the
#             modules for IOMMUFD=m/VFIO=m) with no new warning.
#
# Builds: ccache, nice -n 10, one O= dir per architecture
# (build/series-check-<arch>), so later rows only rebuild what changed.
# sparse: Debian sid's source package, built once into build/series-check-tools.
# Logs: build/logs/series-check/. Environment: PATCHES_DIR (the series),
# SERIES_CHECK_ONLY=regex (run only the rows whose name matches; for debugging).
set -euo pipefail
PROG=series-check
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

SC_TREE=$BUILD/series-check
SC_TOOLS=$BUILD/series-check-tools
SC_LOGS=$LOGS/series-check
SPARSE_VERSION=0.6.5~rc1-2
SPARSE=$SC_TOOLS/bin/sparse
SPARSE_STAMP=$SC_TOOLS/bin/sparse.version
DEBIAN_SRC_LINE=${DEBIAN_SRC_LINE:-"deb-src http://deb.debian.org/debian sid main"}
DEBIAN_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
MATRIX_FRAG=$REPO/configs/series-check.config
VM_FRAG=$REPO/configs/vm.config
PATCH_FRAG=$REPO/configs/series-check-patch.config
ALWAYS_DIRS=(drivers/iommu/ drivers/vfio/)
ONLY=${SERIES_CHECK_ONLY:-}

# Packages beyond scripts/deps.sh: cross compilers, checkpatch's spdxcheck,
# dpkg-source for the sparse source package.
EXTRA_PACKAGES=(gcc-aarch64-linux-gnu gcc-arm-linux-gnueabi python3-ply
	python3-git dpkg-dev)

# The Kconfig matrix: "arch|name|settings|expected", settings merged on
# configs/series-check.config, expected checked after olddefconfig (n = not
# set, on = y or m). Ordered so that consecutive rows of an architecture
# differ little. A row with MODULES=y builds vmlinux and the modules, so that
# modpost checks exports and symbol namespaces.
MATRIX=(
	"x86_64|group + cdev, both noiommu|64BIT=y|VFIO_GROUP=y VFIO_CONTAINER=y VFIO_DEVICE_CDEV=y VFIO_NOIOMMU=y VFIO_CDEV_NOIOMMU=y IOMMUFD_NOIOMMU=y GENERIC_PT=y IOMMU_PT=y IOMMU_PT_AMDV1=y"
	"x86_64|VFIO_NOIOMMU=n, cdev noiommu|64BIT=y VFIO_NOIOMMU=n|VFIO_GROUP=y VFIO_DEVICE_CDEV=y VFIO_NOIOMMU=n VFIO_CDEV_NOIOMMU=y IOMMUFD_NOIOMMU=y IOMMU_PT_AMDV1=y"
	"x86_64|IOMMUFD_VFIO_CONTAINER=y, VFIO_CONTAINER=n|64BIT=y VFIO_CONTAINER=n IOMMUFD_VFIO_CONTAINER=y|VFIO_GROUP=y VFIO_CONTAINER=n IOMMUFD_VFIO_CONTAINER=y VFIO_NOIOMMU=y VFIO_DEVICE_CDEV=y VFIO_CDEV_NOIOMMU=y IOMMUFD_NOIOMMU=y"
	"x86_64|cdev only (VFIO_GROUP=n), cdev noiommu|64BIT=y VFIO_GROUP=n|VFIO_GROUP=n VFIO_CONTAINER=n VFIO_NOIOMMU=n VFIO_DEVICE_CDEV=y VFIO_CDEV_NOIOMMU=y IOMMUFD_NOIOMMU=y IOMMU_PT_AMDV1=y"
	"x86_64|group only (VFIO_DEVICE_CDEV=n)|64BIT=y VFIO_DEVICE_CDEV=n|VFIO_GROUP=y VFIO_CONTAINER=y VFIO_NOIOMMU=y VFIO_DEVICE_CDEV=n VFIO_CDEV_NOIOMMU=n IOMMUFD_NOIOMMU=n GENERIC_PT=n"
	"x86_64|every noiommu off|64BIT=y VFIO_NOIOMMU=n VFIO_CDEV_NOIOMMU=n|VFIO_GROUP=y VFIO_DEVICE_CDEV=y VFIO_NOIOMMU=n VFIO_CDEV_NOIOMMU=n IOMMUFD_NOIOMMU=n GENERIC_PT=n"
	"x86_64|IOMMUFD=n (group, container, VFIO_NOIOMMU)|64BIT=y IOMMUFD=n|IOMMUFD=n VFIO_GROUP=y VFIO_CONTAINER=y VFIO_NOIOMMU=y VFIO_DEVICE_CDEV=n VFIO_CDEV_NOIOMMU=n IOMMUFD_NOIOMMU=n"
	"x86_64|IOMMUFD=m VFIO=m (modules), both noiommu|64BIT=y MODULES=y IOMMUFD=m VFIO=m VFIO_PCI=m|IOMMUFD=m VFIO=m VFIO_PCI=m VFIO_GROUP=y VFIO_DEVICE_CDEV=y VFIO_NOIOMMU=y VFIO_CDEV_NOIOMMU=y IOMMUFD_NOIOMMU=y IOMMU_PT_AMDV1=on"
	"arm64|cdev noiommu||VFIO_GROUP=y VFIO_DEVICE_CDEV=y VFIO_NOIOMMU=y VFIO_CDEV_NOIOMMU=y IOMMUFD_NOIOMMU=y IOMMU_PT_AMDV1=y"
	"arm|ARMv5, GENERIC_ATOMIC64: no cdev noiommu|MMU=y ARCH_MULTI_V7=n ARCH_MULTI_V5=y|GENERIC_ATOMIC64=y MMU=y PCI=y IOMMUFD=y VFIO_GROUP=y VFIO_DEVICE_CDEV=y VFIO_NOIOMMU=y VFIO_CDEV_NOIOMMU=n IOMMUFD_NOIOMMU=n IOMMU_PT_AMDV1=n"
	"i386|cdev noiommu||X86_32=y VFIO_GROUP=y VFIO_DEVICE_CDEV=y VFIO_NOIOMMU=y VFIO_CDEV_NOIOMMU=y IOMMUFD_NOIOMMU=y IOMMU_PT_AMDV1=y"
)

# ---------------------------------------------------------------- results

ROWS=()
PASSED=0
FAILED=0
T0=$(now)

# record RESULT SECONDS NAME [NOTE]: one row of the table (RESULT ok|FAIL).
record() {
	local res=$1 secs=$2 name=$3 note=${4:-}
	ROWS+=("$res|$secs|$name|$note")
	if [ "$res" = ok ]; then PASSED=$((PASSED + 1)); else FAILED=$((FAILED + 1)); fi
	printf '%s: %-4s %4ss  %s%s\n' "$PROG" "$res" "$secs" "$name" "${note:+  [$note]}"
}

# detail LINES...: indented lines under the row being run (stdout).
detail() {
	local l
	for l in "$@"; do printf '%s:        %s\n' "$PROG" "$l"; done
}

# detail_file FILE [MAX]: the first MAX (20) lines of FILE as details.
detail_file() {
	local max=${2:-20} n
	n=$(wc -l <"$1")
	[ "$n" -gt 0 ] || return 0
	mapfile -t _lines < <(head -n "$max" "$1")
	detail "${_lines[@]}"
	[ "$n" -le "$max" ] || detail "... ($((n - max)) more)"
}

# joined ITEMS...: the items separated by "; ".
joined() {
	local res='' i
	for i in "$@"; do res+="${res:+; }$i"; done
	printf '%s' "$res"
}

wanted_row() { [ -z "$ONLY" ] || [[ $1 =~ $ONLY ]]; }

print_table() {
	local r res secs name note
	echo
	echo "== series-check: ${#PATCHES[@]} patch(es) from $PATCHES_DIR, $(($(now) - T0))s (logs: $SC_LOGS)"
	printf '%-4s %6s  %s\n' '' time gate
	for r in "${ROWS[@]}"; do
		IFS='|' read -r res secs name note <<<"$r"
		printf '%-4s %5ss  %s%s\n' "$res" "$secs" "$name" "${note:+  [$note]}"
	done
	echo
	echo "$PASSED passed, $FAILED failed"
	# For .ci/run's total.
	printf '%d passed, %d failed, 0 skipped\n' "$PASSED" "$FAILED" >"$LOGS/series-check.summary"
}

# ---------------------------------------------------------------- setup

lock() {
	mkdir -p "$BUILD"
	exec 9>"$BUILD/.series-check.lock"
	flock -n 9 || die "another series-check is running (lock $BUILD/.series-check.lock)"
}

install_deps() {
	"$REPO/scripts/deps.sh"
	local p status missing=()
	for p in "${EXTRA_PACKAGES[@]}"; do
		status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		[ "$status" = installed ] || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	say "installing missing packages: ${missing[*]}"
	local sudo=()
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null || die "need root (or sudo) to install: ${missing[*]}"
		sudo=(sudo)
	fi
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends \
		"${missing[@]}" >/dev/null 2>&1 || {
		DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -q >/dev/null 2>&1 ||
			die "apt-get update failed"
		DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends \
			"${missing[@]}" || die "apt-get install failed for: ${missing[*]}"
	}
}

# The patches in order, one path a line (as scripts/tree.sh applies them:
# patches/series if present, else the file names; the cover letter skipped).
series_files() {
	[ -d "$PATCHES_DIR" ] || return 0
	local line f
	if [ -f "$PATCHES_DIR/series" ]; then
		while IFS= read -r line || [ -n "$line" ]; do
			line=${line%%#*}
			line=$(printf '%s' "$line" | tr -d '[:space:]')
			if [ -z "$line" ] || [ "$line" = 0000-cover-letter.patch ]; then continue; fi
			[ -f "$PATCHES_DIR/$line" ] || die "$PATCHES_DIR/series names $line, which does not exist"
			printf '%s\n' "$PATCHES_DIR/$line"
		done <"$PATCHES_DIR/series"
	else
		for f in "$PATCHES_DIR"/*.patch; do
			if [ ! -f "$f" ] || [ "$(basename "$f")" = 0000-cover-letter.patch ]; then continue; fi
			printf '%s\n' "$f"
		done
	fi
}

# sparse from Debian sid's source package, through a private apt
# configuration under build/series-check-tools/apt (the machine's apt
# sources are not touched); apt-get source verifies what it downloads.
# Built once; later runs reuse the binary (the stamp says which version).
# Should sid have moved on from $SPARSE_VERSION, its current sparse is used.
get_sparse() {
	if [ -x "$SPARSE" ] && [ -s "$SPARSE_STAMP" ]; then
		return 0
	fi
	local apt=$SC_TOOLS/apt log=$SC_LOGS/sparse-build.log src
	[ -r "$DEBIAN_KEYRING" ] || die "no Debian archive keyring ($DEBIAN_KEYRING) to verify sparse's source"
	say "building sparse $SPARSE_VERSION from Debian sid's source package (log: $log)"
	rm -rf "$SC_TOOLS/src"
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/etc" "$SC_TOOLS/src" "$SC_TOOLS/bin"
	chmod 755 "$SC_TOOLS/src" # apt's _apt user downloads into it
	printf '%s\n' "${DEBIAN_SRC_LINE/deb-src /deb-src [signed-by=$DEBIAN_KEYRING] }" >"$apt/etc/sources.list"
	local opts=(
		-o "Dir::Etc::sourcelist=$apt/etc/sources.list"
		-o "Dir::Etc::sourceparts=-"
		-o "Dir::State::Lists=$apt/lists"
		-o "Dir::Cache=$apt/cache"
		-o "Dir::State::status=/dev/null"
		-o "APT::Get::List-Cleanup=0"
		-o "Debug::NoLocking=1"
	)
	{
		apt-get -q "${opts[@]}" update &&
			(
				cd "$SC_TOOLS/src" || exit 1
				apt-get -q "${opts[@]}" source "sparse=$SPARSE_VERSION" || {
					echo "sparse $SPARSE_VERSION is not in sid any more: taking sid's current sparse"
					apt-get -q "${opts[@]}" source sparse
				}
			)
	} >"$log" 2>&1 || {
		tail -5 "$log" >&2
		warn "could not download sparse $SPARSE_VERSION from Debian sid (log: $log)"
		return 1
	}
	src=$(find "$SC_TOOLS/src" -mindepth 1 -maxdepth 1 -type d -name 'sparse-*' | head -1)
	[ -n "$src" ] || {
		warn "apt-get source did not unpack sparse (log: $log)"
		return 1
	}
	# Debian patches the Makefile to use gcc-16: use the default gcc.
	make -C "$src" CC=gcc -j"$NPROC" sparse >>"$log" 2>&1 || {
		tail -5 "$log" >&2
		warn "building sparse failed (log: $log)"
		return 1
	}
	local used
	used=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version 2>/dev/null || echo unknown)
	[ "$used" = "$SPARSE_VERSION" ] || warn "built sparse $used: $SPARSE_VERSION is not in Debian sid any more"
	cp "$src/sparse" "$SPARSE"
	printf '%s\n' "$used" >"$SPARSE_STAMP"
}

g() { git -C "$SC_TREE" "$@"; }

# build/series-check: a detached worktree of build/linux at base.
prepare_worktree() {
	if [ ! -d "$MAIN_TREE/.git" ]; then
		say "no $MAIN_TREE yet: creating it (make tree)"
		"$REPO/scripts/tree.sh"
	fi
	git -C "$MAIN_TREE" rev-parse -q --verify 'base^{commit}' >/dev/null ||
		die "$MAIN_TREE has no 'base' tag"
	if [ -e "$SC_TREE" ] && ! g rev-parse --git-dir >/dev/null 2>&1; then
		say "$SC_TREE is not a usable worktree any more: recreating it"
		rm -rf "$SC_TREE"
		git -C "$MAIN_TREE" worktree prune
	fi
	if [ ! -e "$SC_TREE" ]; then
		git -C "$MAIN_TREE" worktree prune
		git -C "$MAIN_TREE" worktree add -q --detach "$SC_TREE" base ||
			die "could not add the worktree $SC_TREE"
	fi
	local gitdir
	gitdir=$(g rev-parse --absolute-git-dir)
	if [ -d "$gitdir/rebase-apply" ]; then g am --abort >/dev/null 2>&1 || true; fi
	g checkout -q -f --detach base
	g clean -q -ffdx
}

out_dir() { printf '%s/series-check-%s' "$BUILD" "$1"; }

cross_prefix() {
	case $1 in
	arm64) printf 'aarch64-linux-gnu-' ;;
	arm) printf 'arm-linux-gnueabi-' ;;
	*) printf '' ;;
	esac
}

# kmake ARCH ARGS...: make in the scratch tree for ARCH, out of tree, ccache.
kmake() {
	local arch=$1 cross
	shift
	cross=$(cross_prefix "$arch")
	nice -n 10 make -C "$SC_TREE" O="$(out_dir "$arch")" ARCH="$arch" \
		CROSS_COMPILE="$cross" CC="ccache ${cross}gcc" -j"$NPROC" "$@"
}

# ---------------------------------------------------------------- helpers

# settings_fragment "SYM=v ..." FILE: a config fragment (v=n: not set).
settings_fragment() {
	local s
	: >"$2"
	for s in $1; do
		case ${s#*=} in
		n) printf '# CONFIG_%s is not set\n' "${s%%=*}" ;;
		*) printf 'CONFIG_%s\n' "$s" ;;
		esac
	done >"$2"
}

# config_value CONFIG SYM: y, m, a value, or n when not set.
config_value() {
	local v
	v=$(grep -E "^CONFIG_$2=" "$1" | head -1 | cut -d= -f2- || true)
	printf '%s' "${v:-n}"
}

# configure ARCH LOG FRAGMENTS...: tinyconfig (cached per commit of the
# tree), the fragments merged, olddefconfig. Kconfig's own warnings (unmet
# dependencies, syntax) are left in $KCONFIG_WARNINGS.
KCONFIG_WARNINGS=
configure() {
	local arch=$1 log=$2 out id
	shift 2
	out=$(out_dir "$arch")
	mkdir -p "$out"
	id=$(g rev-parse HEAD)
	if [ "$(cat "$out/.tiny.id" 2>/dev/null)" != "$id" ]; then
		kmake "$arch" tinyconfig >>"$log" 2>&1 || return 1
		cp "$out/.config" "$out/.tiny.config"
		printf '%s\n' "$id" >"$out/.tiny.id"
	fi
	cp "$out/.tiny.config" "$out/.config"
	"$SC_TREE/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$@" >>"$log" 2>&1 ||
		return 1
	kmake "$arch" olddefconfig >"$out/.olddefconfig.out" 2>&1 || {
		cat "$out/.olddefconfig.out" >>"$log"
		return 1
	}
	cat "$out/.olddefconfig.out" >>"$log"
	KCONFIG_WARNINGS=$(grep -iE -A4 'warning' "$out/.olddefconfig.out" | grep -vE '^#|^--$' || true)
}

# Every symbol some Kconfig file of the scratch tree defines.
defined_symbols() {
	(cd "$SC_TREE" && git ls-files -z -- 'Kconfig*' '*/Kconfig*') |
		(cd "$SC_TREE" && xargs -0 grep -hE '^[[:space:]]*(menu)?config[[:space:]]+[A-Za-z0-9_]+') |
		awk '{print $2}' | sort -u
}

# fragment_settings FRAGMENT...: "SYM=v" for every setting (last one wins).
fragment_settings() {
	awk '
		/^CONFIG_[A-Za-z0-9_]+=/ { s = $0; sub(/=.*/, "", s); v = $0; sub(/^[^=]*=/, "", v); want[substr(s, 8)] = v; next }
		/^# CONFIG_[A-Za-z0-9_]+ is not set/ { want[substr($2, 8)] = "n" }
		END { for (s in want) print s "=" want[s] }' "$@" | sort
}

# config_mismatches CONFIG "SYM=v"...: print "SYM: wanted v, got w" lines.
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

# normalize_warnings [ARCH]: compiler/kbuild/kernel-doc/modpost warnings of a
# log on stdin, with the tree and O= prefixes and line numbers removed.
normalize_warnings() {
	grep -E ': warning: |: error: |^Warning: |^WARNING: ' |
		sed -E -e "s#$SC_TREE/##g" -e "s#$BUILD/series-check-[A-Za-z0-9_]+/##g" \
			-e 's#(\.\./)+series-check/##g' \
			-e 's#^([^ :]+):[0-9]+(:[0-9]+)?: #\1: #' \
			-e 's#^(Warning: [^ :]+):[0-9]+ #\1: #' |
		sort || true
}

# new_lines BASE NEW: the lines of NEW beyond their count in BASE (BASE
# may be empty, so tell the files apart by name, not by NR == FNR).
new_lines() {
	awk -v base="$1" 'FILENAME == base { n[$0]++; next } n[$0]-- > 0 { next } { print }' "$1" "$2"
}

# new_warnings LOG BASE_WARNINGS: write LOG's warnings beyond the base's to
# LOG.new and show them; true if there are any.
new_warnings() {
	normalize_warnings <"$1" >"$1.warnings"
	new_lines "$2" "$1.warnings" >"$1.new"
	[ -s "$1.new" ] || return 1
	detail "new warnings${3:+ in $3}:"
	detail_file "$1.new"
}

# The files the series touches (old and new names), from the patch files.
series_touched() {
	grep -h '^diff --git ' "${PATCHES[@]}" |
		awk '{ sub(/^a\//, "", $3); sub(/^b\//, "", $4); print $3; print $4 }' | sort -u
}

# kbuild_dir DIR: DIR if it has a Makefile; else its subdirectories that
# have one (a header-only directory such as drivers/iommu/generic_pt);
# else the nearest parent that has one.
kbuild_dirs_of() {
	local d=$1 sub found=0
	if [ -f "$SC_TREE/$d/Makefile" ]; then
		printf '%s/\n' "$d"
		return
	fi
	for sub in "$SC_TREE/$d"/*/; do
		[ -f "$sub/Makefile" ] || continue
		sub=${sub%/}
		printf '%s/\n' "${sub#"$SC_TREE"/}"
		found=1
	done
	[ "$found" = 0 ] || return 0
	while [ "$d" != . ] && [ ! -f "$SC_TREE/$d/Makefile" ]; do d=$(dirname "$d"); done
	[ "$d" = . ] || printf '%s/\n' "$d"
}

# build_dirs FILES...: the W=1 build targets for a set of touched files:
# ALWAYS_DIRS plus the kbuild directory of any touched kernel source
# elsewhere (headers are compiled through the files that include them).
build_dirs() {
	local f d res=("${ALWAYS_DIRS[@]}")
	for f in "$@"; do
		case $f in
		Documentation/* | tools/* | scripts/* | include/* | usr/* | samples/*) continue ;;
		*.c | */Makefile | */Kbuild | */Kconfig) ;;
		*) continue ;;
		esac
		[ -e "$SC_TREE/$f" ] || continue
		d=$(dirname "$f")
		case $d/ in drivers/iommu/* | drivers/vfio/*) continue ;; esac
		while IFS= read -r d; do res+=("$d"); done < <(kbuild_dirs_of "$d")
	done
	printf '%s\n' "${res[@]}" | sort -u
}

# sparse_dirs FILES...: kbuild directories of the touched .c/.h files under
# drivers/ (and anywhere else in the kernel proper), for C=2.
sparse_dirs() {
	local f
	for f in "$@"; do
		case $f in
		Documentation/* | tools/* | scripts/* | include/* | usr/* | samples/*) continue ;;
		*.c | *.h) ;;
		*) continue ;;
		esac
		[ -d "$SC_TREE/$(dirname "$f")" ] || continue
		kbuild_dirs_of "$(dirname "$f")"
	done | sort -u
}

# kdoc_files FILES...: the touched .c/.h files of the kernel proper that
# exist in the tree now.
kdoc_files() {
	local f
	for f in "$@"; do
		case $f in
		tools/* | scripts/* | Documentation/*) continue ;;
		*.c | *.h) ;;
		*) continue ;;
		esac
		[ -f "$SC_TREE/$f" ] && printf '%s\n' "$f"
	done
	return 0
}

# selftest_targets FILES...: tools/testing/selftests/<target> directories.
selftest_targets() {
	local f t
	for f in "$@"; do
		case $f in tools/testing/selftests/*/*) ;; *) continue ;; esac
		t=${f#tools/testing/selftests/}
		t=${t%%/*}
		[ -f "$SC_TREE/tools/testing/selftests/$t/Makefile" ] && printf '%s\n' "$t"
	done | sort -u
}

# ------------------------------------------------------------ base + patches

BISECT_ARCH=x86_64
BISECT_OUT=$(out_dir $BISECT_ARCH)

# configure_vm LOG: configs/vm.config + series-check-patch.config on
# tinyconfig; prints mismatches of the symbols the current tree defines and
# Kconfig warnings; nonzero if any.
configure_vm() {
	local log=$1 defs sym vm_settings=() s
	configure "$BISECT_ARCH" "$log" "$VM_FRAG" "$PATCH_FRAG" || {
		detail "configuring failed:"
		tail -5 "$log" | sed "s/^/$PROG:        /"
		return 1
	}
	defs=$(defined_symbols)
	while IFS= read -r s; do
		sym=${s%%=*}
		if grep -qx "$sym" <<<"$defs"; then vm_settings+=("$s"); fi
	done < <(fragment_settings "$VM_FRAG" "$PATCH_FRAG")
	local bad
	bad=$(config_mismatches "$BISECT_OUT/.config" "${vm_settings[@]}")
	[ -z "$KCONFIG_WARNINGS" ] || bad+="${bad:+$'\n'}Kconfig: $KCONFIG_WARNINGS"
	if [ -n "$bad" ]; then
		mapfile -t _l <<<"$bad"
		detail "configs/vm.config + series-check-patch.config do not come out as asked:" "${_l[@]}"
		return 1
	fi
}

# build_selftest TARGET LOG: the kselftest directory against the O= dir's
# uapi headers (headers_install first).
build_selftest() {
	local t=$1 log=$2 out=$BISECT_OUT/kselftest/$1
	kmake "$BISECT_ARCH" headers_install >>"$log" 2>&1 || return 1
	rm -rf "$out"
	mkdir -p "$out"
	nice -n 10 make -C "$SC_TREE/tools/testing/selftests/$t" OUTPUT="$out" \
		KHDR_INCLUDES="-isystem $BISECT_OUT/usr/include" -j"$NPROC" >>"$log" 2>&1
}

declare -A SELFTEST_BUILT=() # target -> 1 once it built (at base or a patch)
BASE_WARNINGS=$SC_LOGS/base.warnings
SELFTEST_BASE_WARNINGS=$SC_LOGS/base-selftests.warnings

stage_base() {
	local t0 log=$SC_LOGS/base.log dirs t note
	t0=$(now)
	: >"$log"
	say "base: configs/vm.config, W=1 build of the series' directories"
	if ! configure_vm "$log"; then
		record FAIL $(($(now) - t0)) "base: configure ($BISECT_ARCH, configs/vm.config)"
		return 1
	fi
	mapfile -t dirs < <(build_dirs "${TOUCHED[@]}")
	if ! kmake "$BISECT_ARCH" W=1 "${dirs[@]}" >>"$log" 2>&1; then
		detail "the base does not build:"
		grep -E 'error|Error' "$log" | head -10 | sed "s/^/$PROG:        /"
		record FAIL $(($(now) - t0)) "base: build $BISECT_ARCH W=1 ${dirs[*]}"
		return 1
	fi
	normalize_warnings <"$log" >"$BASE_WARNINGS"
	note="$(wc -l <"$BASE_WARNINGS") warning(s), the reference"
	: >"$SELFTEST_BASE_WARNINGS"
	for t in "${SELFTESTS[@]}"; do
		local slog=$SC_LOGS/base-selftests-$t.log
		: >"$slog"
		if build_selftest "$t" "$slog"; then
			SELFTEST_BUILT[$t]=1
			normalize_warnings <"$slog" >>"$SELFTEST_BASE_WARNINGS"
			note+="; selftests/$t builds"
		else
			note+="; selftests/$t does not build on the base"
		fi
	done
	record ok $(($(now) - t0)) "base: build $BISECT_ARCH W=1 ${dirs[*]}" "$note"
}

# patch_row N PATCH: apply, configure, build; one row.
patch_row() {
	local n=$1 p=$2 t0 log name subject files=() dirs=() t bad=0 notes=()
	t0=$(now)
	log=$SC_LOGS/patch-$n.log
	: >"$log"
	subject=$(sed -n 's/^Subject: *//p' "$p" | head -1 | sed -E 's/^\[[^]]*\] *//')
	name="patch $n: ${subject:0:64}"
	if ! GIT_COMMITTER_NAME=$GIT_IDENT_NAME GIT_COMMITTER_EMAIL=$GIT_IDENT_EMAIL \
		g am -q "$p" >>"$log" 2>&1; then
		g am --abort >/dev/null 2>&1 || true
		detail "$(basename "$p") does not apply:"
		grep -E '^(error|fatal|Patch failed)' "$log" | head -5 | sed "s/^/$PROG:        /"
		record FAIL $(($(now) - t0)) "$name" "does not apply"
		return 2
	fi
	mapfile -t files < <(g diff-tree --no-commit-id --name-only -r HEAD)
	if ! configure_vm "$log"; then
		record FAIL $(($(now) - t0)) "$name" "config"
		return 1
	fi
	mapfile -t dirs < <(build_dirs "${files[@]}")
	if ! kmake "$BISECT_ARCH" W=1 "${dirs[@]}" >>"$log" 2>&1; then
		detail "build failed (W=1 ${dirs[*]}):"
		grep -E 'error:|Error [0-9]' "$log" | head -15 | sed "s/^/$PROG:        /"
		record FAIL $(($(now) - t0)) "$name" "build failed"
		return 1
	fi
	if new_warnings "$log" "$BASE_WARNINGS"; then
		bad=1
		notes+=("$(wc -l <"$log.new") new warning(s)")
	fi
	# Touched C files that this config does not compile (informational).
	local f unbuilt=()
	for f in "${files[@]}"; do
		case $f in *.c) ;; *) continue ;; esac
		case $f in drivers/iommu/* | drivers/vfio/*) ;; *) continue ;; esac
		# An object older than its source (git am just wrote it) was not
		# part of this build, even if an earlier run left one behind.
		[ -f "$SC_TREE/$f" ] && [ ! "$BISECT_OUT/${f%.c}.o" -nt "$SC_TREE/$f" ] &&
			unbuilt+=("$(basename "$f")")
	done
	[ ${#unbuilt[@]} -eq 0 ] || notes+=("not compiled in this config: ${unbuilt[*]}")
	for t in $(selftest_targets "${files[@]}"); do
		local slog=$SC_LOGS/patch-$n-selftests-$t.log
		: >"$slog"
		if build_selftest "$t" "$slog"; then
			SELFTEST_BUILT[$t]=1
			if new_warnings "$slog" "$SELFTEST_BASE_WARNINGS" "selftests/$t"; then
				bad=1
				notes+=("selftests/$t: $(wc -l <"$slog.new") new warning(s)")
			else
				notes+=("selftests/$t builds")
			fi
		elif [ -n "${SELFTEST_BUILT[$t]:-}" ]; then
			detail "selftests/$t no longer builds:"
			grep -E 'error' "$slog" | head -10 | sed "s/^/$PROG:        /"
			bad=1
			notes+=("selftests/$t no longer builds")
		else
			notes+=("selftests/$t does not build yet, as on the base")
		fi
	done
	if [ "$bad" = 0 ]; then
		record ok $(($(now) - t0)) "$name" "$(joined "${notes[@]}")"
	else
		record FAIL $(($(now) - t0)) "$name" "$(joined "${notes[@]}")"
	fi
}

# sparse_run LOG DIRS...: C=2 over DIRS with the vm config (already built,
# so only sparse runs); normalized warnings in LOG.warnings.
sparse_run() {
	local log=$1
	shift
	: >"$log"
	[ $# -gt 0 ] || { : >"$log.warnings"; return 0; }
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

kdoc_run() { # OUT FILES...
	local out=$1
	shift
	if [ $# -eq 0 ]; then
		: >"$out"
		return 0
	fi
	(cd "$SC_TREE" && PYTHONDONTWRITEBYTECODE=1 scripts/kernel-doc -none -Wall "$@" 2>&1) |
		awk '/^Warning: / { if (l != "") print l; l = $0; next }
			{ l = (l == "" ? $0 : l " " $0) }
			END { if (l != "") print l }' |
		sed -E 's#^(Warning: [^ :]+):[0-9]+ #\1: #' | sort >"$out" || true
}

SPARSE_OK=0
BASE_SPARSE_OK=0

stage_base_checks() {
	mapfile -t SPARSE_DIRS_BASE < <(sparse_dirs "${TOUCHED[@]}")
	if [ "$SPARSE_OK" = 1 ] && sparse_run "$SC_LOGS/sparse-base.log" "${SPARSE_DIRS_BASE[@]}"; then
		BASE_SPARSE_OK=1
	fi
	mapfile -t KDOC_BASE_FILES < <(kdoc_files "${TOUCHED[@]}")
	kdoc_run "$SC_LOGS/kernel-doc-base.warnings" "${KDOC_BASE_FILES[@]}"
}

stage_sparse() {
	local t0 name dirs=() nb ns
	t0=$(now)
	mapfile -t dirs < <(sparse_dirs "${TOUCHED[@]}")
	name="sparse C=2 ${dirs[*]}"
	if [ "$SPARSE_OK" != 1 ]; then
		record FAIL 0 "$name" "no sparse: see $SC_LOGS/sparse-build.log"
		return
	fi
	if [ "$BASE_SPARSE_OK" != 1 ]; then
		record FAIL $(($(now) - t0)) "$name" "sparse failed on the base: $SC_LOGS/sparse-base.log"
		return
	fi
	local log=$SC_LOGS/sparse-series.log
	if ! sparse_run "$log" "${dirs[@]}"; then
		grep -E 'error|Error' "$log" | head -10 | sed "s/^/$PROG:        /"
		record FAIL $(($(now) - t0)) "$name" "sparse run failed: $log"
		return
	fi
	nb=$(wc -l <"$SC_LOGS/sparse-base.log.warnings")
	ns=$(wc -l <"$log.warnings")
	new_lines "$SC_LOGS/sparse-base.log.warnings" "$log.warnings" >"$log.new"
	if [ -s "$log.new" ]; then
		detail "sparse warnings the base did not have:"
		detail_file "$log.new"
		record FAIL $(($(now) - t0)) "$name" "base $nb, series $ns, $(wc -l <"$log.new") new"
	else
		record ok $(($(now) - t0)) "$name" "base $nb, series $ns, 0 new; sparse $(cat "$SPARSE_STAMP")"
	fi
}

# kdoc_macro_file WARNING: for a "Prototype was for FOO_NS()
# instead" / "not described in 'FOO_NS'" warning: kernel-doc cannot parse a
# function whose name a namespace macro builds (generic_pt's NS(),
# DOMAIN_NS()). Prints the FILE of WARNING when it is one.
kdoc_macro_file() {
	sed -nE \
		-e "s/^Warning: ([^ :]+): expecting prototype for [A-Za-z0-9_]+\(\)\. Prototype was for [A-Z_]*NS\(\) instead$/\1/p" \
		-e "s/^Warning: ([^ :]+): function parameter '[A-Za-z0-9_]+' not described in '[A-Z_]*NS'$/\1/p" <<<"$1"
}

stage_kdoc() {
	local t0 files=() nb ns out=$SC_LOGS/kernel-doc-series.warnings w f accepted=0 name
	t0=$(now)
	mapfile -t files < <(kdoc_files "${TOUCHED[@]}")
	name="kernel-doc -none -Wall (${#files[@]} files)"
	kdoc_run "$out" "${files[@]}"
	nb=$(wc -l <"$SC_LOGS/kernel-doc-base.warnings")
	ns=$(wc -l <"$out")
	new_lines "$SC_LOGS/kernel-doc-base.warnings" "$out" >"$out.all-new"
	# The one accepted kind: a new function named through a namespace macro
	# in a file whose base has the same kernel-doc limitation.
	: >"$out.new"
	: >"$out.accepted"
	while IFS= read -r w; do kdoc_macro_file "$w"; done <"$SC_LOGS/kernel-doc-base.warnings" |
		sort -u >"$out.base-macro-files"
	while IFS= read -r w; do
		f=$(kdoc_macro_file "$w")
		if [ -n "$f" ] && grep -qxF "$f" "$out.base-macro-files"; then
			printf '%s\n' "$w" >>"$out.accepted"
			accepted=$((accepted + 1))
		else
			printf '%s\n' "$w" >>"$out.new"
		fi
	done <"$out.all-new"
	local note
	note="base $nb, series $ns, $(wc -l <"$out.new") new"
	if [ "$accepted" -gt 0 ]; then
		note+="; $accepted accepted: functions named by a NS() macro, a kernel-doc limitation the base file has too"
		detail "accepted (kernel-doc cannot parse macro-named functions; the base file has the same):"
		detail_file "$out.accepted"
	fi
	if [ -s "$out.new" ]; then
		detail "kernel-doc warnings the base did not have:"
		detail_file "$out.new"
		record FAIL $(($(now) - t0)) "$name" "$note"
	else
		record ok $(($(now) - t0)) "$name" "$note"
	fi
}

# ---------------------------------------------------------------- checkpatch

MAINTAINERS_WARNING='added, moved or deleted file(s), does MAINTAINERS need updating?'

# added_files PATCH / deleted_files PATCH: paths the patch creates (new or
# renamed to) / deletes (or renames away).
added_files() {
	awk '/^diff --git / { b = $4; sub(/^b\//, "", b) }
		/^new file mode/ { print b } /^rename to / { print $3 }' "$1"
}
deleted_files() {
	awk '/^diff --git / { a = $3; sub(/^a\//, "", a) }
		/^deleted file mode/ { print a } /^rename from / { print $3 }' "$1"
}

# maintainers_cover PATCH: 0 if every file the patch adds is in a MAINTAINERS
# section other than THE REST (get_maintainer.pl, final tree) and no file it
# deletes is named by an F: line; prints what it found.
maintainers_cover() {
	local p=$1 f sections ok=0
	while IFS= read -r f; do
		[ -n "$f" ] || continue
		if [ ! -f "$SC_TREE/$f" ]; then
			echo "cannot verify $f: not in the tree"
			ok=1
			continue
		fi
		sections=$(
			cd "$SC_TREE" || exit 1
			scripts/get_maintainer.pl --no-git --no-git-fallback --sections -f "$f" 2>/dev/null |
				grep -vE '^[A-Z]:|^$' | grep -vx 'THE REST' | paste -sd/ -
		) || sections=
		if [ -n "$sections" ]; then
			echo "$f in $sections"
		else
			echo "$f is in no MAINTAINERS section"
			ok=1
		fi
	done < <(added_files "$p")
	while IFS= read -r f; do
		[ -n "$f" ] || continue
		if grep -qE "^F:[[:space:]]+$f\$" "$SC_TREE/MAINTAINERS"; then
			echo "$f is deleted but MAINTAINERS still names it"
			ok=1
		fi
	done < <(deleted_files "$p")
	return "$ok"
}

checkpatch_row() {
	local p=$1 t0 log name errors=0 warnings=0 checks=0 counted=0 accepted='' bad=0 msg
	t0=$(now)
	log=$SC_LOGS/checkpatch-$(basename "$p" .patch).log
	name="checkpatch --strict $(basename "$p")"
	(cd "$SC_TREE" && scripts/checkpatch.pl --strict --color=never "$p") >"$log" 2>&1 || true
	if ! grep -q '^total: ' "$log"; then
		detail "checkpatch did not finish:"
		detail_file "$log" 10
		record FAIL $(($(now) - t0)) "$name" "checkpatch failed"
		return
	fi
	read -r errors warnings checks < <(sed -nE 's/^total: ([0-9]+) errors, ([0-9]+) warnings, ([0-9]+) checks.*/\1 \2 \3/p' "$log")
	counted=$warnings
	while IFS= read -r msg; do
		case $msg in
		"WARNING: $MAINTAINERS_WARNING")
			local cover _cover
			if cover=$(maintainers_cover "$p"); then
				mapfile -t _cover <<<"$cover"
				accepted="MAINTAINERS warning accepted, covered: $(joined "${_cover[@]}")"
				counted=$((counted - 1))
			else
				mapfile -t _l <<<"$cover"
				detail "the MAINTAINERS warning is not covered:" "${_l[@]}"
			fi
			;;
		esac
	done < <(grep -E '^WARNING: ' "$log")
	if [ "$errors" -gt 0 ] || [ "$counted" -gt 0 ]; then
		bad=1
		# The messages with their location lines.
		awk '/^(ERROR|WARNING): / { p = 1 } /^CHECK: / { p = 0 } /^$/ { p = 0 } p' "$log" >"$log.problems"
		detail_file "$log.problems" 30
	fi
	if [ "$checks" -gt 0 ]; then
		awk '/^CHECK: / { p = 1 } /^(ERROR|WARNING): / { p = 0 } /^$/ { p = 0 } p' "$log" >"$log.checks"
		detail "informational CHECKs:"
		detail_file "$log.checks" 30
	fi
	local note="$errors error(s), $warnings warning(s), $checks check(s)${accepted:+; $accepted}"
	if [ "$bad" = 0 ]; then
		record ok $(($(now) - t0)) "$name" "$note"
	else
		record FAIL $(($(now) - t0)) "$name" "$note"
	fi
}

# ---------------------------------------------------------------- matrix

matrix_row() {
	local arch=$1 rname=$2 settings=$3 expected=$4 t0 log out frag name
	local targets=("${ALWAYS_DIRS[@]}") bad='' notes=() s sym
	name="matrix $arch: $rname"
	wanted_row "$name" || return 0
	t0=$(now)
	out=$(out_dir "$arch")
	log=$SC_LOGS/matrix-$arch-$(printf '%s' "$rname" | tr -c 'A-Za-z0-9' '_' | tr -s _).log
	: >"$log"
	mkdir -p "$out"
	frag=$out/.series-check-row.config
	settings_fragment "$settings" "$frag"
	if ! configure "$arch" "$log" "$MATRIX_FRAG" "$frag"; then
		detail "configuring failed:"
		tail -5 "$log" | sed "s/^/$PROG:        /"
		record FAIL $(($(now) - t0)) "$name" "configure failed"
		return
	fi
	# shellcheck disable=SC2086 # word splitting of the expectations is wanted
	bad=$(config_mismatches "$out/.config" $expected)
	[ -z "$KCONFIG_WARNINGS" ] || bad+="${bad:+$'\n'}Kconfig: $KCONFIG_WARNINGS"
	if [ -n "$bad" ]; then
		mapfile -t _l <<<"$bad"
		detail "the config is not as intended:" "${_l[@]}"
		record FAIL $(($(now) - t0)) "$name" "config not as intended"
		return
	fi
	# What olddefconfig dropped on purpose (asked for, expected off).
	local dropped=()
	for s in $(fragment_settings "$MATRIX_FRAG" "$frag"); do
		sym=${s%%=*}
		case ${s#*=} in y | m) ;; *) continue ;; esac
		[[ " $expected " == *" $sym=n "* ]] && dropped+=("$sym")
	done
	[ ${#dropped[@]} -eq 0 ] || notes+=("olddefconfig dropped ${dropped[*]} as expected")
	# Modules: modpost needs vmlinux.o to check exports and namespaces.
	local full=0
	if [ "$(config_value "$out/.config" MODULES)" = y ]; then
		targets=(vmlinux modules)
		full=1
	fi
	if ! kmake "$arch" W=1 "${targets[@]}" >>"$log" 2>&1; then
		detail "build failed (W=1 ${targets[*]}):"
		grep -E 'error:|ERROR:|Error [0-9]' "$log" | head -15 | sed "s/^/$PROG:        /"
		record FAIL $(($(now) - t0)) "$name" "build failed"
		return
	fi
	normalize_warnings <"$log" >"$log.all"
	if [ "$full" = 1 ]; then
		# The whole vmlinux was built: count the warnings of the series'
		# directories, touched headers and modpost only.
		grep -E "$SCOPE_RE" "$log.all" >"$log.warnings" || true
		local other
		other=$(($(wc -l <"$log.all") - $(wc -l <"$log.warnings")))
		[ "$other" = 0 ] || notes+=("$other warning(s) elsewhere in vmlinux not counted")
		notes+=("vmlinux + modules, modpost clean")
	else
		cp "$log.all" "$log.warnings"
	fi
	new_lines "$BASE_WARNINGS" "$log.warnings" >"$log.new"
	if [ -s "$log.new" ]; then
		detail "new warnings:"
		detail_file "$log.new"
		notes+=("$(wc -l <"$log.new") new warning(s)")
		record FAIL $(($(now) - t0)) "$name" "$(joined "${notes[@]}")"
		return
	fi
	notes=("config as intended" "${notes[@]}")
	record ok $(($(now) - t0)) "$name" "$(joined "${notes[@]}")"
}

# SCOPE_RE: the warnings that count in a whole-kernel build: those of the
# series' build directories, of the headers it touches, and modpost's.
SCOPE_RE='^WARNING: modpost: '
scope_re() {
	local d f
	while IFS= read -r d; do SCOPE_RE+="|^${d//./\\.}"; done < <(build_dirs "${TOUCHED[@]}")
	for f in "${TOUCHED[@]}"; do
		case $f in include/*.h) SCOPE_RE+="|^${f//./\\.}:" ;; esac
	done
}

stage_matrix() {
	local row arch rname settings expected
	for row in "${MATRIX[@]}"; do
		IFS='|' read -r arch rname settings expected <<<"$row"
		matrix_row "$arch" "$rname" "$settings" "$expected"
	done
}

# ---------------------------------------------------------------- main

main() {
	lock
	mkdir -p "$SC_LOGS"
	rm -f "$LOGS/series-check.summary" "$SC_LOGS"/*.log "$SC_LOGS"/*.warnings "$SC_LOGS"/*.new "$SC_LOGS"/*.problems "$SC_LOGS"/*.checks
	: >"$BASE_WARNINGS"
	: >"$SELFTEST_BASE_WARNINGS"
	mapfile -t PATCHES < <(series_files)
	[ ${#PATCHES[@]} -gt 0 ] || die "no patches in $PATCHES_DIR"
	install_deps
	export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$REPO}
	if get_sparse; then SPARSE_OK=1; fi
	prepare_worktree
	mapfile -t TOUCHED < <(series_touched)
	mapfile -t SELFTESTS < <(selftest_targets "${TOUCHED[@]}")
	say "${#PATCHES[@]} patch(es) from $PATCHES_DIR, in $SC_TREE (logs: $SC_LOGS)"

	local applied=0 n=0 p rc
	if wanted_row "base" && stage_base; then
		stage_base_checks
		applied=1
		for p in "${PATCHES[@]}"; do
			n=$((n + 1))
			rc=0
			patch_row "$(printf '%04d' "$n")" "$p" || rc=$?
			if [ "$rc" = 2 ]; then
				applied=0
				break
			fi
		done
	elif [ -n "$ONLY" ]; then
		# Debugging a subset: just apply the series.
		for p in "${PATCHES[@]}"; do
			GIT_COMMITTER_NAME=$GIT_IDENT_NAME GIT_COMMITTER_EMAIL=$GIT_IDENT_EMAIL \
				g am -q "$p" || die "$(basename "$p") does not apply"
		done
		applied=1
	fi
	if [ "$applied" = 1 ]; then
		mapfile -t TOUCHED < <({
			g diff --name-only base HEAD
			series_touched
		} | sort -u)
		scope_re
		if wanted_row "base"; then
			stage_sparse
			stage_kdoc
		fi
		for p in "${PATCHES[@]}"; do
			if wanted_row "checkpatch $(basename "$p")"; then checkpatch_row "$p"; fi
		done
		stage_matrix
	else
		record FAIL 0 "checkpatch, sparse, kernel-doc, Kconfig matrix" "not run: the series does not apply"
	fi
	print_table
	[ "$FAILED" -eq 0 ]
}

main "$@"
