#!/usr/bin/env bash
# The whole pipeline: check.sh [check|run|shell|bench|cmd] [vm|debug]
#   deps -> base -> tree -> kernel -> selftests -> demo -> initramfs -> VM -> results
# With TREE=<other tree> the tree step is skipped and that tree is built and
# tested as it is (e.g. TREE=build/dev while developing the series).
# check: prints each suite's TAP, per-suite totals, step timings, and ends
# with "N passed, N failed, N skipped"; exit status nonzero on any failure.
# The kernel-CI flavors (make kci: kci-off, kci-on) run check only, with
# the suite list vm/suites.<flavor> and no demo.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

mode=${1:-check}
flavor=${2:-vm}
flavor_check "$flavor"
if is_kci "$flavor"; then
	[ "$mode" = check ] || die "the $flavor flavor only runs make kci (check), not $mode"
	SUITES_FILE=$REPO/vm/suites.$flavor
	export SUITES_FILE
fi
S=$REPO/scripts
timings=()

step() { # NAME COMMAND...
	local name=$1 t0
	shift
	t0=$(now)
	"$@"
	timings+=("$name $(($(now) - t0))s")
}

trap 'say "interrupted"; exit 130' INT TERM

# select_suites: with SUITES='GLOB...' (names of vm/suites, shell globs),
# the guest runs only the matching suites: SUITES_FILE becomes a copy of
# the suite list with only those lines (build/logs/suites-selected).
select_suites() {
	[ -n "${SUITES:-}" ] || return 0
	local sel=$LOGS/suites-selected
	awk -v globs="$SUITES" '
		function glob_re(g) { gsub(/[.+^$(){}|\\]/, "\\&", g); gsub(/\*/, ".*", g); gsub(/\?/, ".", g); return "^" g "$" }
		BEGIN { n = split(globs, gl, /[ \t]+/); for (i = 1; i <= n; i++) if (gl[i] != "") re[i] = glob_re(gl[i]) }
		/^[[:space:]]*(#|$)/ { next }
		{ for (i in re) if ($1 ~ re[i]) { print; next } }' "$SUITES_FILE" >"$sel"
	[ -s "$sel" ] || die "SUITES='$SUITES' matches no suite of $SUITES_FILE"
	say "SUITES='$SUITES': $(awk '{ printf "%s%s", sep, $1; sep = " " }' "$sel")"
	SUITES_FILE=$sel
	export SUITES_FILE
}

# guest_status VM_STATUS: in modes cmd and bench, the exit status of the
# guest's program ("### cmd end rc=N", "### bench end rc=N" in the log;
# the bench exits 2 when a target is not met), or 1 when the VM failed or
# the line is missing.
guest_status() {
	local rc
	rc=$(awk -f "$REPO/scripts/protocol.awk" \
		-f <(printf '{ if (marker() == "%s-end") rc = MR } END { print rc }\n' "$mode") \
		"$LOGS/$mode-$flavor$(tree_suffix)$(o2_suffix).log")
	if [ "$1" -ne 0 ] || [ -z "$rc" ]; then
		echo 1
	else
		echo "$rc"
	fi
}

main() {
	local t0 vmrc=0 rc=0 summary
	t0=$(now)
	mkdir -p "$LOGS"
	summary=$LOGS/$mode-$flavor$(tree_suffix)$(o2_suffix).summary
	rm -f "$summary"
	[ "$mode" != check ] || select_suites
	[ "$mode" != cmd ] || [ -n "${CMD:-}" ] || die "make vm needs CMD='a command for the guest'"
	[ -z "${BENCH_O2:-}" ] || { [ "$mode" = bench ] && [ "$flavor" = vm ]; } ||
		die "BENCH_O2=1 is for make bench (the vm flavor) only"
	[ -z "${BENCH_O2:-}" ] || say "BENCH_O2=1: the kernel is built -O2 (configs/o2.config), in $(kernel_out "$flavor")"
	step deps "$S/deps.sh"
	step base "$S/base.sh"
	if [ "$TREE" = "$MAIN_TREE" ]; then
		step tree "$S/tree.sh"
	else
		say "TREE=$TREE: building and testing that tree as it is (no 'make tree')"
	fi
	step kernel "$S/kernel.sh" "$flavor"
	step selftests "$S/selftests.sh" "$flavor"
	is_kci "$flavor" || step demo "$S/demo.sh" "$flavor"
	step initramfs "$S/initramfs.sh" "$flavor"
	step vm "$S/vm.sh" "$flavor" "$mode" || vmrc=$?
	timings+=("total $(($(now) - t0))s")
	say "timings ($flavor): ${timings[*]}"
	case $mode in
	cmd) return "$(guest_status "$vmrc")" ;;
	bench)
		rc=$(guest_status "$vmrc")
		[ "$rc" -ne 2 ] || say "a bench target is not met (the table's targets section says which)"
		return "$rc"
		;;
	check) ;;
	*) return "$vmrc" ;;
	esac

	echo
	"$S/results.sh" "$LOGS/check-$flavor$(tree_suffix).log" "$summary" || rc=1
	[ "$vmrc" -eq 0 ] || rc=1
	return "$rc"
}

main "$@"
