#!/usr/bin/env bash
# Gate "kernel-doc" of make series-check: kernel-doc -none -Wall on the
# touched .c/.h files of the kernel proper adds no warning to the base's.
#
#   kernel-doc.sh base     (the scratch tree at the base) the reference
#   kernel-doc.sh series   (the series applied) one row
#
# The one accepted kind of new warning: a new function named through a
# namespace macro (generic_pt's NS(), DOMAIN_NS()), which kernel-doc cannot
# parse, in a file whose base has the same limitation.
set -euo pipefail
# shellcheck source=scripts/gates/common.sh
. "$(dirname "$0")/common.sh"

BASE_OUT=$SC_LOGS/kernel-doc-base.warnings
OUT=$SC_LOGS/kernel-doc-series.warnings

# kdoc_files FILES...: the touched .c/.h files of the kernel proper that
# exist in the tree now.
kdoc_files() {
	local f
	for f in "$@"; do
		case $f in tools/* | scripts/* | Documentation/*) continue ;; esac
		case $f in *.c | *.h) ;; *) continue ;; esac
		[ -f "$SC_TREE/$f" ] && printf '%s\n' "$f"
	done
	return 0
}

# kdoc_run OUT: kernel-doc's warnings on the touched files, one a line,
# without line numbers, sorted.
kdoc_run() {
	local out=$1 touched=() files=()
	mapfile -t touched < <(touched)
	mapfile -t files < <(kdoc_files "${touched[@]}")
	if [ ${#files[@]} -eq 0 ]; then
		: >"$out"
		return 0
	fi
	(cd "$SC_TREE" && PYTHONDONTWRITEBYTECODE=1 scripts/kernel-doc -none -Wall "${files[@]}" 2>&1) |
		awk '/^Warning: / { if (l != "") print l; l = $0; next }
			{ l = (l == "" ? $0 : l " " $0) }
			END { if (l != "") print l }' |
		sed -E 's#^(Warning: [^ :]+):[0-9]+ #\1: #' | sort >"$out" || true
	printf '%s\n' "${#files[@]}" >"$out.files"
}

# kdoc_macro_file WARNING: for a "Prototype was for FOO_NS() instead" /
# "not described in 'FOO_NS'" warning, the FILE it is in.
kdoc_macro_file() {
	sed -nE \
		-e "s/^Warning: ([^ :]+): expecting prototype for [A-Za-z0-9_]+\(\)\. Prototype was for [A-Z_]*NS\(\) instead$/\1/p" \
		-e "s/^Warning: ([^ :]+): function parameter '[A-Za-z0-9_]+' not described in '[A-Z_]*NS'$/\1/p" <<<"$1"
}

phase_series() {
	local t0 nb ns w f accepted=0 name note
	t0=$(now)
	kdoc_run "$OUT"
	name="kernel-doc -none -Wall ($(cat "$OUT.files" 2>/dev/null || echo 0) files)"
	nb=$(wc -l <"$BASE_OUT")
	ns=$(wc -l <"$OUT")
	new_lines "$BASE_OUT" "$OUT" >"$OUT.all-new"
	: >"$OUT.new"
	: >"$OUT.accepted"
	while IFS= read -r w; do kdoc_macro_file "$w"; done <"$BASE_OUT" | sort -u >"$OUT.base-macro-files"
	while IFS= read -r w; do
		f=$(kdoc_macro_file "$w")
		if [ -n "$f" ] && grep -qxF "$f" "$OUT.base-macro-files"; then
			printf '%s\n' "$w" >>"$OUT.accepted"
			accepted=$((accepted + 1))
		else
			printf '%s\n' "$w" >>"$OUT.new"
		fi
	done <"$OUT.all-new"
	note="base $nb, series $ns, $(wc -l <"$OUT.new") new"
	if [ "$accepted" -gt 0 ]; then
		note+="; $accepted accepted: functions named by a NS() macro, a kernel-doc limitation the base file has too"
		detail "accepted (kernel-doc cannot parse macro-named functions; the base file has the same):"
		detail_file "$OUT.accepted"
	fi
	if [ -s "$OUT.new" ]; then
		detail "kernel-doc warnings the base did not have:"
		detail_file "$OUT.new"
		record FAIL $(($(now) - t0)) "$name" "$note"
	else
		record ok $(($(now) - t0)) "$name" "$note"
	fi
}

case ${1:-} in
base) kdoc_run "$BASE_OUT" ;;
series) phase_series ;;
*) die "usage: $0 base|series" ;;
esac
