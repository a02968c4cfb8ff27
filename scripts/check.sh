#!/usr/bin/env bash
# The whole pipeline: check.sh [check|run|shell] [vm|debug]
#   deps -> base -> tree -> kernel -> selftests -> demo -> initramfs -> VM -> results
# With TREE=<other tree> the tree step is skipped and that tree is built and
# tested as it is (e.g. TREE=build/dev while developing the series).
# check: prints each suite's TAP, per-suite totals, step timings, and ends
# with "N passed, N failed, N skipped"; exit status nonzero on any failure.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

mode=${1:-check}
flavor=${2:-vm}
flavor_check "$flavor"
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

main() {
	local t0 vmrc=0 rc=0 summary
	t0=$(now)
	mkdir -p "$LOGS"
	summary=$LOGS/$mode-$flavor$(tree_suffix).summary
	rm -f "$summary"
	step deps "$S/deps.sh"
	step base "$S/base.sh"
	if [ "$TREE" = "$MAIN_TREE" ]; then
		step tree "$S/tree.sh"
	else
		say "TREE=$TREE: building and testing that tree as it is (no 'make tree')"
	fi
	step kernel "$S/kernel.sh" "$flavor"
	step selftests "$S/selftests.sh" "$flavor"
	step demo "$S/demo.sh" "$flavor"
	step initramfs "$S/initramfs.sh" "$flavor"
	step vm "$S/vm.sh" "$flavor" "$mode" || vmrc=$?
	timings+=("total $(($(now) - t0))s")
	say "timings ($flavor): ${timings[*]}"
	[ "$mode" = check ] || return "$vmrc"

	echo
	"$S/results.sh" "$LOGS/check-$flavor$(tree_suffix).log" "$summary" || rc=1
	[ "$vmrc" -eq 0 ] || rc=1
	return "$rc"
}

main "$@"
