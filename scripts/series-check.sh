#!/usr/bin/env bash
# make series-check: the quality gates of the series in $PATCHES_DIR, in one
# command (CI runs it too). Each gate is a script of scripts/gates/ that
# writes result rows; this driver prepares the scratch tree, runs the gates
# in order, prints the table and "N passed, N failed"; the exit status is
# nonzero if any row failed.
#
#   gates/build.sh base        W=1 build of the base: the warning reference
#   gates/sparse.sh base       sparse C=2 on the base: its reference
#   gates/kernel-doc.sh base   kernel-doc -Wall on the base: its reference
#   gates/build.sh patches     each patch applies, builds, adds no warning
#   gates/sparse.sh series     no sparse warning the base did not have
#   gates/kernel-doc.sh series no kernel-doc warning the base did not have
#   gates/checkpatch.sh        --strict on every patch
#   gates/matrix.sh            one row per file of configs/matrix/
#
# The scratch tree build/series-check is a detached worktree of build/linux
# (its branches are never touched). Builds: ccache, nice -n 10, one O= dir
# per architecture (build/series-check-<arch>). Logs and the files the gates
# share: build/logs/series-check/ (scripts/gates/common.sh).
# Environment: PATCHES_DIR (the series), SERIES_CHECK_ONLY=regex (run only
# the rows whose name matches; for debugging).
set -euo pipefail
# shellcheck source=scripts/gates/common.sh
. "$(dirname "$0")/gates/common.sh"

GATES=$REPO/scripts/gates
T0=$(now)

# Packages beyond scripts/deps.sh: cross compilers, checkpatch's spdxcheck,
# dpkg-source for the sparse and linux source packages, quilt and the
# Python modules of Debian's kernel packaging (gates/distro.sh).
EXTRA_PACKAGES=(gcc-aarch64-linux-gnu gcc-arm-linux-gnueabi python3-ply
	python3-git dpkg-dev quilt python3-dacite python3-jinja2)

lock() {
	mkdir -p "$BUILD"
	exec 9>"$BUILD/.series-check.lock"
	flock -n 9 || die "another series-check is running (lock $BUILD/.series-check.lock)"
}

# build/series-check: a detached worktree of build/linux at base, clean.
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
	fi
	git -C "$MAIN_TREE" worktree prune
	if [ ! -e "$SC_TREE" ]; then
		git -C "$MAIN_TREE" worktree add -q --detach "$SC_TREE" base ||
			die "could not add the worktree $SC_TREE"
	fi
	local gitdir
	gitdir=$(g rev-parse --absolute-git-dir)
	if [ -d "$gitdir/rebase-apply" ]; then g am --abort >/dev/null 2>&1 || true; fi
	g checkout -q -f --detach base
	g clean -q -ffdx
}

# gate NAME [PHASE]: run scripts/gates/NAME.sh; a gate that dies (rather
# than writing FAIL rows) is a failed row of its own.
gate() {
	"$GATES/$1.sh" "${@:2}" && return 0
	record FAIL 0 "$1${2:+ $2}" "the gate script failed: see its output above"
	return 1
}

print_table() {
	local res secs name note passed failed notrun npatches
	npatches=$(series_files | wc -l)
	passed=$(grep -c '^ok|' "$SC_ROWS" || true)
	failed=$(grep -c '^FAIL|' "$SC_ROWS" || true)
	notrun=$(grep -c '^n/a|' "$SC_ROWS" || true)
	echo
	echo "== series-check: $npatches patch(es) from $PATCHES_DIR, $(($(now) - T0))s (logs: $SC_LOGS)"
	printf '%-4s %6s  %s\n' '' time gate
	while IFS='|' read -r res secs name note; do
		printf '%-4s %5ss  %s%s\n' "$res" "$secs" "$name" "${note:+  [$note]}"
	done <"$SC_ROWS"
	echo
	if [ "$notrun" -gt 0 ]; then
		echo "$passed passed, $failed failed ($notrun row(s) n/a: could not run here, see the row)"
	else
		echo "$passed passed, $failed failed"
	fi
	# For .ci/run's total: a row that could not run counts as skipped.
	printf '%d passed, %d failed, %d skipped\n' "$passed" "$failed" "$notrun" >"$LOGS/series-check.summary"
	[ "$failed" -eq 0 ]
}

main() {
	lock
	mkdir -p "$SC_LOGS"
	rm -f "$LOGS/series-check.summary"
	find "$SC_LOGS" -maxdepth 1 -type f -delete
	: >"$SC_ROWS"
	: >"$BASE_WARNINGS"
	: >"$SELFTEST_BASE_WARNINGS"
	[ "$(series_files | wc -l)" -gt 0 ] || die "no patches in $PATCHES_DIR"
	"$REPO/scripts/deps.sh"
	pkg_install "${EXTRA_PACKAGES[@]}"
	prepare_worktree
	say "$(series_files | wc -l) patch(es) from $PATCHES_DIR, in $SC_TREE (logs: $SC_LOGS)"

	if wanted_row base; then
		# A base that does not build has written its FAIL row: stop there.
		if "$GATES/build.sh" base; then
			gate sparse base || true
			gate kernel-doc base || true
			gate build patches || true
		fi
	else
		gate build patches || true
	fi
	if [ -f "$SC_APPLIED" ]; then
		if wanted_row base; then
			gate sparse series || true
			gate kernel-doc series || true
		fi
		gate checkpatch || true
		gate matrix || true
	else
		record FAIL 0 "checkpatch, sparse, kernel-doc, Kconfig matrix" "not run: the series does not apply"
	fi
	print_table
}

main "$@"
