#!/usr/bin/env bash
# Gate "build" of make series-check: the series builds patch by patch.
#
#   build.sh base      $SC_TREE reset to the base; configs/vm.config (+
#                      series-check-patch.config) on tinyconfig (x86_64) is
#                      built with W=1 in the directories the series touches
#                      (drivers/iommu/, drivers/vfio/, plus the kbuild
#                      directory of any other touched source file): its
#                      warnings are the reference (base.warnings), and so
#                      are those of the kselftest directories it touches.
#   build.sh patches   each patch applied in order (git am), olddefconfig,
#                      the same W=1 directory builds (+ the kselftest
#                      directories it touches): it must apply, build, and add
#                      no warning. Writes $SC_APPLIED when all applied.
# One row per step (scripts/gates/common.sh).
set -euo pipefail
# shellcheck source=scripts/gates/common.sh
. "$(dirname "$0")/common.sh"

BISECT_OUT=$(out_dir "$BISECT_ARCH")

# configure_vm LOG: the vm config (vm_fragments) on tinyconfig; the settings
# of the symbols the current tree defines must come out as asked, and
# Kconfig must not warn.
configure_vm() {
	local log=$1 defs s settings=() frags=()
	mapfile -t frags < <(vm_fragments "$SC_TREE")
	frags+=("$PATCH_FRAG")
	if ! configure "$BISECT_ARCH" "$log" "${frags[@]}"; then
		configure_failed "$log"
		return 1
	fi
	defs=$(kconfig_symbols "$SC_TREE")
	while IFS= read -r s; do
		if grep -qx "${s%%=*}" <<<"$defs"; then settings+=("$s"); fi
	done < <(fragment_settings "${frags[@]}")
	config_as_expected "$BISECT_OUT/.config" "${settings[*]}"
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

selftest_built() { grep -qx "$1" "$SELFTESTS_BUILT" 2>/dev/null; }

phase_base() {
	local t0 log=$SC_LOGS/base.log dirs=() touched=() t note slog
	t0=$(now)
	: >"$log"
	: >"$BASE_WARNINGS"
	: >"$SELFTEST_BASE_WARNINGS"
	: >"$SELFTESTS_BUILT"
	say "base: configs/vm.config, W=1 build of the series' directories"
	if ! configure_vm "$log"; then
		record FAIL $(($(now) - t0)) "base: configure ($BISECT_ARCH, configs/vm.config)"
		return 1
	fi
	mapfile -t touched < <(touched)
	mapfile -t dirs < <(build_dirs "${touched[@]}")
	if ! kmake "$BISECT_ARCH" W=1 "${dirs[@]}" >>"$log" 2>&1; then
		detail "the base does not build:"
		detail_grep 'error|Error' "$log"
		record FAIL $(($(now) - t0)) "base: build $BISECT_ARCH W=1 ${dirs[*]}"
		return 1
	fi
	normalize_warnings <"$log" >"$BASE_WARNINGS"
	note="$(wc -l <"$BASE_WARNINGS") warning(s), the reference"
	for t in $(selftest_targets "${touched[@]}"); do
		slog=$SC_LOGS/base-selftests-$t.log
		: >"$slog"
		if build_selftest "$t" "$slog"; then
			printf '%s\n' "$t" >>"$SELFTESTS_BUILT"
			normalize_warnings <"$slog" >>"$SELFTEST_BASE_WARNINGS"
			note+="; selftests/$t builds"
		else
			note+="; selftests/$t does not build on the base"
		fi
	done
	record ok $(($(now) - t0)) "base: build $BISECT_ARCH W=1 ${dirs[*]}" "$note"
}

# unbuilt FILES...: the touched C files of drivers/iommu and drivers/vfio
# that this config did not compile (an object older than its source, which
# git am just wrote, was not part of this build).
unbuilt() {
	local f
	for f in "$@"; do
		case $f in drivers/iommu/*.c | drivers/vfio/*.c) ;; *) continue ;; esac
		[ -f "$SC_TREE/$f" ] && [ ! "$BISECT_OUT/${f%.c}.o" -nt "$SC_TREE/$f" ] &&
			basename "$f"
	done
	return 0
}

# selftest_rows N FILES...: build the kselftest directories the patch
# touches; adds to the caller's notes, sets its bad=1 on a failure.
selftest_rows() {
	local n=$1 t slog
	shift
	for t in $(selftest_targets "$@"); do
		slog=$SC_LOGS/patch-$n-selftests-$t.log
		: >"$slog"
		if build_selftest "$t" "$slog"; then
			printf '%s\n' "$t" >>"$SELFTESTS_BUILT"
			if new_warnings "$slog" "$SELFTEST_BASE_WARNINGS" "selftests/$t"; then
				bad=1
				notes+=("selftests/$t: $(wc -l <"$slog.new") new warning(s)")
			else
				notes+=("selftests/$t builds")
			fi
		elif selftest_built "$t"; then
			detail "selftests/$t no longer builds:"
			detail_grep 'error' "$slog"
			bad=1
			notes+=("selftests/$t no longer builds")
		else
			notes+=("selftests/$t does not build yet, as on the base")
		fi
	done
}

# config_touched FILES...: does any file change what configure_vm makes (a
# Kconfig file, or a kselftest config fragment that vm_fragments merges)?
config_touched() {
	local f
	for f in "$@"; do
		case $f in
		*Kconfig* | tools/testing/selftests/iommu/config | tools/testing/selftests/vfio/config) return 0 ;;
		esac
	done
	return 1
}

# kernel_touched FILES...: does any file take part in a kernel build (not
# Documentation/, tools/, MAINTAINERS or a dotfile such as .mailmap, unless
# it is a config input)?
kernel_touched() {
	local f
	config_touched "$@" && return 0
	for f in "$@"; do
		case $f in Documentation/* | tools/* | MAINTAINERS | .*) ;; *) return 0 ;; esac
	done
	return 1
}

# patch_row N PATCH: apply, configure (if it changes a config input), build
# (if it changes a kernel file); one row. Status 2: the patch
# does not apply.
patch_row() {
	local n=$1 p=$2 t0 log name subject files=() dirs=() bad=0 notes=() skipped
	t0=$(now)
	log=$SC_LOGS/patch-$n.log
	: >"$log"
	subject=$(sed -n 's/^Subject: *//p' "$p" | head -1 | sed -E 's/^\[[^]]*\] *//')
	name="patch $n: ${subject:0:64}"
	if ! GIT_COMMITTER_NAME=$GIT_IDENT_NAME GIT_COMMITTER_EMAIL=$GIT_IDENT_EMAIL \
		g am -q "$p" >>"$log" 2>&1; then
		g am --abort >/dev/null 2>&1 || true
		detail "$(basename "$p") does not apply:"
		detail_grep '^(error|fatal|Patch failed)' "$log" 5
		record FAIL $(($(now) - t0)) "$name" "does not apply"
		return 2
	fi
	mapfile -t files < <(g diff-tree --no-commit-id --name-only -r HEAD)
	if ! kernel_touched "${files[@]}"; then
		# The kernel is the previous patch's, which its row judged.
		notes+=("no kernel file changed, kernel build not repeated")
	elif { config_touched "${files[@]}" || [ "$RECONFIGURE" = 1 ]; } &&
		! configure_vm "$log"; then
		RECONFIGURE=1
		record FAIL $(($(now) - t0)) "$name" "config"
		return 0
	else
		# Without a config input changed, the .config of the row before
		# (configured on the base, and again by every patch that changes
		# an input or follows a failed configure) stands.
		RECONFIGURE=0
		mapfile -t dirs < <(build_dirs "${files[@]}")
		if ! kmake "$BISECT_ARCH" W=1 "${dirs[@]}" >>"$log" 2>&1; then
			detail "build failed (W=1 ${dirs[*]}):"
			detail_grep 'error:|Error [0-9]' "$log" 15
			record FAIL $(($(now) - t0)) "$name" "build failed"
			return 0
		fi
		if new_warnings "$log" "$BASE_WARNINGS"; then
			bad=1
			notes+=("$(wc -l <"$log.new") new warning(s)")
		fi
		skipped=$(unbuilt "${files[@]}" | paste -sd' ' -)
		[ -z "$skipped" ] || notes+=("not compiled in this config: $skipped")
	fi
	selftest_rows "$n" "${files[@]}"
	if [ "$bad" = 0 ]; then
		record ok $(($(now) - t0)) "$name" "$(joined "${notes[@]}")"
	else
		record FAIL $(($(now) - t0)) "$name" "$(joined "${notes[@]}")"
	fi
}

# apply_all: SERIES_CHECK_ONLY without the base row: just apply the series.
apply_all() {
	local p
	while IFS= read -r p; do
		GIT_COMMITTER_NAME=$GIT_IDENT_NAME GIT_COMMITTER_EMAIL=$GIT_IDENT_EMAIL \
			g am -q "$p" || die "$(basename "$p") does not apply"
	done < <(series_files)
	: >"$SC_APPLIED"
}

# RECONFIGURE: 1 after a patch row's configure failed, so that the next
# patch that builds configures again (its .config may be half made).
RECONFIGURE=0

phase_patches() {
	local n=0 p rc
	rm -f "$SC_APPLIED"
	if ! wanted_row base; then
		apply_all
		return 0
	fi
	while IFS= read -r p; do
		n=$((n + 1))
		rc=0
		patch_row "$(printf '%04d' "$n")" "$p" || rc=$?
		[ "$rc" != 2 ] || return 0
	done < <(series_files)
	: >"$SC_APPLIED"
}

case ${1:-} in
base) phase_base ;;
patches) phase_patches ;;
*) die "usage: $0 base|patches" ;;
esac
