# shellcheck shell=bash
# shellcheck disable=SC2034 # variables used by the gates that source this
# What the gates of make series-check share (scripts/series-check.sh runs
# them; each gate is a script of its own, scripts/gates/<gate>.sh PHASE).
#
# The gates talk through files in $SC_LOGS only:
#   rows                   one "RESULT|SECONDS|NAME|NOTE" line per result
#                          (RESULT ok or FAIL), appended by record()
#   base.warnings          W=1 warnings of the base build (build base)
#   base-selftests.warnings, selftests.built   the same for the kselftests
#   applied                the whole series is applied in $SC_TREE (build)
#   sparse-base.log.warnings, kernel-doc-base.warnings  base references
# and through the scratch tree $SC_TREE, which "build base" leaves at the
# base and "build patches" at the series' head.
PROG=series-check
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

SC_TREE=$BUILD/series-check
SC_TOOLS=$BUILD/series-check-tools
SC_LOGS=$LOGS/series-check
SC_ROWS=$SC_LOGS/rows
SC_APPLIED=$SC_LOGS/applied
BASE_WARNINGS=$SC_LOGS/base.warnings
SELFTEST_BASE_WARNINGS=$SC_LOGS/base-selftests.warnings
SELFTESTS_BUILT=$SC_LOGS/selftests.built
MATRIX_DIR=$REPO/configs/matrix
MATRIX_FRAG=$REPO/configs/series-check.config
PATCH_FRAG=$REPO/configs/series-check-patch.config
ALWAYS_DIRS=(drivers/iommu/ drivers/vfio/)
ONLY=${SERIES_CHECK_ONLY:-}
BISECT_ARCH=x86_64
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$REPO}

# ---------------------------------------------------------------- results

# record RESULT SECONDS NAME [NOTE]: one row of the table (RESULT ok|FAIL).
record() {
	local res=$1 secs=$2 name=$3 note=${4:-}
	printf '%s|%s|%s|%s\n' "$res" "$secs" "$name" "$note" >>"$SC_ROWS"
	printf '%s: %-4s %4ss  %s%s\n' "$PROG" "$res" "$secs" "$name" "${note:+  [$note]}"
}

# detail LINES...: indented lines under the row being run (stdout).
detail() {
	local l
	for l in "$@"; do printf '%s:        %s\n' "$PROG" "$l"; done
}

# detail_file FILE [MAX]: the first MAX (20) lines of FILE as details.
detail_file() {
	local max=${2:-20} n lines
	n=$(wc -l <"$1")
	[ "$n" -gt 0 ] || return 0
	mapfile -t lines < <(head -n "$max" "$1")
	detail "${lines[@]}"
	[ "$n" -le "$max" ] || detail "... ($((n - max)) more)"
}

# detail_grep REGEX FILE [MAX]: FILE's lines matching REGEX, as details.
detail_grep() {
	grep -E "$1" "$2" | head -n "${3:-10}" | sed "s/^/$PROG:        /" || true
}

# joined ITEMS...: the items separated by "; ".
joined() {
	local res='' i
	for i in "$@"; do res+="${res:+; }$i"; done
	printf '%s' "$res"
}

wanted_row() { [ -z "$ONLY" ] || [[ $1 =~ $ONLY ]]; }

# ------------------------------------------------------------ the scratch tree

g() { git -C "$SC_TREE" "$@"; }

out_dir() { printf '%s/series-check-%s' "$BUILD" "$1"; }

cross_prefix() {
	case $1 in
	arm64) printf 'aarch64-linux-gnu-' ;;
	arm) printf 'arm-linux-gnueabi-' ;;
	*) printf '' ;;
	esac
}

# kmake KEY ARGS...: make in the scratch tree (or in $KSRC, another
# source tree: Debian's unpacked source package, gates/distro.sh), out of
# tree (out_dir KEY), ccache; KEY is an architecture, or ARCH-NAME for an
# O= dir of its own (x86_64-debian: ARCH=x86_64).
KSRC=
kmake() {
	local key=$1 arch=${1%%-*} cross
	shift
	cross=$(cross_prefix "$arch")
	nice -n 10 make -C "${KSRC:-$SC_TREE}" O="$(out_dir "$key")" ARCH="$arch" \
		CROSS_COMPILE="$cross" CC="ccache ${cross}gcc" -j"$NPROC" "$@"
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

# configure_failed LOG: show the end of the log of a failed configure.
configure_failed() {
	detail "configuring failed:"
	tail -5 "$1" | sed "s/^/$PROG:        /"
}

# row_configured NAME T0 LOG CONFIG EXPECTED COMMAND...: run the configure
# COMMAND, then check CONFIG against EXPECTED ("SYM=VALUE ..."). On either
# failure, say why, record the row NAME (started at T0) as FAIL, return 1.
row_configured() {
	local name=$1 t0=$2 log=$3 config=$4 expected=$5
	shift 5
	if ! "$@"; then
		configure_failed "$log"
		record FAIL $(($(now) - t0)) "$name" "configure failed"
		return 1
	fi
	config_as_expected "$config" "$expected" && return 0
	record FAIL $(($(now) - t0)) "$name" "config not as intended"
	return 1
}

# header FILE KEY: the values of the "# KEY: ..." lines of a matrix row
# file, joined by spaces.
header() {
	sed -nE "s/^# $2: *//p" "$1" | paste -sd' ' -
}

# config_as_expected CONFIG "SYM=VALUE ...": CONFIG has every expected
# setting and Kconfig did not warn ($KCONFIG_WARNINGS); else says why, false.
config_as_expected() {
	local bad lines
	# shellcheck disable=SC2086 # word splitting of the expectations is wanted
	bad=$(config_mismatches "$1" $2)
	[ -z "$KCONFIG_WARNINGS" ] || bad+="${bad:+$'\n'}Kconfig: $KCONFIG_WARNINGS"
	[ -n "$bad" ] || return 0
	mapfile -t lines <<<"$bad"
	detail "the config is not as intended:" "${lines[@]}"
	return 1
}

# ---------------------------------------------------------------- warnings

# normalize_warnings: compiler/kbuild/kernel-doc/modpost warnings of a log
# on stdin, with the tree and O= prefixes and line numbers removed.
normalize_warnings() {
	grep -E ': warning: |: error: |^Warning: |^WARNING: ' |
		sed -E -e "s#${KSRC:-$SC_TREE}/##g" -e "s#$SC_TREE/##g" \
			-e "s#$BUILD/series-check-[A-Za-z0-9_-]+/##g" \
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

# new_warnings LOG BASE_WARNINGS [WHERE]: write LOG's warnings beyond the
# base's to LOG.new and show them; true if there are any.
new_warnings() {
	normalize_warnings <"$1" >"$1.warnings"
	new_lines "$2" "$1.warnings" >"$1.new"
	[ -s "$1.new" ] || return 1
	detail "new warnings${3:+ in $3}:"
	detail_file "$1.new"
}

# ------------------------------------------------------ what the series touches

# series_touched: the files the patches touch (old and new names).
series_touched() {
	local patches=()
	mapfile -t patches < <(series_files)
	grep -h '^diff --git ' "${patches[@]}" |
		awk '{ sub(/^a\//, "", $3); sub(/^b\//, "", $4); print $3; print $4 }' | sort -u
}

# touched: series_touched, plus what the applied series changed in $SC_TREE.
touched() {
	{
		[ ! -f "$SC_APPLIED" ] || g diff --name-only base HEAD
		series_touched
	} | sort -u
}

# kbuild_dirs_of DIR: DIR if it has a Makefile; else its subdirectories
# that have one (a header-only directory such as drivers/iommu/generic_pt);
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

# in_kernel_proper FILE: not Documentation/, tools/, scripts/ ...
in_kernel_proper() {
	case $1 in
	Documentation/* | tools/* | scripts/* | include/* | usr/* | samples/*) return 1 ;;
	esac
}

# build_dirs FILES...: the W=1 build targets for a set of touched files:
# ALWAYS_DIRS plus the kbuild directory of any touched kernel source
# elsewhere (headers are compiled through the files that include them).
build_dirs() {
	local f d res=("${ALWAYS_DIRS[@]}")
	for f in "$@"; do
		in_kernel_proper "$f" || continue
		case $f in *.c | */Makefile | */Kbuild | */Kconfig) ;; *) continue ;; esac
		[ -e "$SC_TREE/$f" ] || continue
		d=$(dirname "$f")
		case $d/ in drivers/iommu/* | drivers/vfio/*) continue ;; esac
		while IFS= read -r d; do res+=("$d"); done < <(kbuild_dirs_of "$d")
	done
	printf '%s\n' "${res[@]}" | sort -u
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
