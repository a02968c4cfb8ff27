#!/usr/bin/env bash
# Gate "checkpatch" of make series-check: scripts/checkpatch.pl --strict on
# every patch (the series applied in the scratch tree), one row each: no
# ERROR, no WARNING, no CHECK. The one accepted warning is "does MAINTAINERS
# need updating?" when get_maintainer.pl shows that every added file is
# covered by an existing MAINTAINERS section.
set -euo pipefail
# shellcheck source=scripts/gates/common.sh
. "$(dirname "$0")/common.sh"

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

# sections_of FILE: the MAINTAINERS sections of FILE other than THE REST.
sections_of() {
	(
		cd "$SC_TREE" || exit 1
		scripts/get_maintainer.pl --no-git --no-git-fallback --sections -f "$1" 2>/dev/null |
			grep -vE '^[A-Z]:|^$' | grep -vx 'THE REST' | paste -sd/ -
	) || true
}

# maintainers_cover PATCH: 0 if every file the patch adds is in a
# MAINTAINERS section other than THE REST (final tree) and no file it
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
		sections=$(sections_of "$f")
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

# messages KIND... LOG: the messages of those kinds with their location lines.
messages() {
	local log=${!#} kinds
	kinds=$(IFS='|' && echo "${*:1:$#-1}")
	awk -v want="^($kinds): " '/^(ERROR|WARNING|CHECK): / { p = ($0 ~ want) } /^$/ { p = 0 } p' "$log"
}

checkpatch_row() {
	local p=$1 t0 log name errors warnings checks counted accepted='' cover lines
	t0=$(now)
	log=$SC_LOGS/checkpatch-$(basename "$p" .patch).log
	name="checkpatch --strict $(basename "$p")"
	wanted_row "$name" || return 0
	(cd "$SC_TREE" && scripts/checkpatch.pl --strict --color=never "$p") >"$log" 2>&1 || true
	if ! grep -q '^total: ' "$log"; then
		detail "checkpatch did not finish:"
		detail_file "$log" 10
		record FAIL $(($(now) - t0)) "$name" "checkpatch failed"
		return
	fi
	read -r errors warnings checks < <(sed -nE 's/^total: ([0-9]+) errors, ([0-9]+) warnings, ([0-9]+) checks.*/\1 \2 \3/p' "$log")
	counted=$warnings
	if grep -qxF "WARNING: $MAINTAINERS_WARNING" "$log"; then
		if cover=$(maintainers_cover "$p"); then
			mapfile -t lines <<<"$cover"
			accepted="MAINTAINERS warning accepted, covered: $(joined "${lines[@]}")"
			counted=$((counted - 1))
		else
			mapfile -t lines <<<"$cover"
			detail "the MAINTAINERS warning is not covered:" "${lines[@]}"
		fi
	fi
	if [ "$errors" -gt 0 ] || [ "$counted" -gt 0 ] || [ "$checks" -gt 0 ]; then
		messages ERROR WARNING CHECK "$log" >"$log.problems"
		detail_file "$log.problems" 30
	fi
	local note="$errors error(s), $warnings warning(s), $checks check(s)${accepted:+; $accepted}"
	if [ "$errors" -eq 0 ] && [ "$counted" -eq 0 ] && [ "$checks" -eq 0 ]; then
		record ok $(($(now) - t0)) "$name" "$note"
	else
		record FAIL $(($(now) - t0)) "$name" "$note"
	fi
}

# series_row: patches/series is quilt's list of exactly these patches.
series_row() {
	local name="series file lists the patches in order" problems lines
	wanted_row "$name" || return 0
	if problems=$(series_in_step); then
		if [ -f "$PATCHES_DIR/series" ]; then
			record ok 0 "$name" "$(series_files | wc -l) patches"
		else
			record FAIL 0 "$name" "no $PATCHES_DIR/series: 'make export' writes it"
		fi
		return
	fi
	mapfile -t lines <<<"$problems"
	detail "${lines[@]}"
	record FAIL 0 "$name" "not in step with the *.patch files: 'make export' rewrites it"
}

series_row
while IFS= read -r patch; do checkpatch_row "$patch"; done < <(series_files)
