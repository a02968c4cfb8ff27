#!/usr/bin/env bash
# Regenerate $PATCHES_DIR from the commits base..<branch> of $TREE
# (default build/linux, branch master; 'make export TREE=build/dev' exports
# the branch checked out there).
#
# Prerequisites: when the tree has a tag prerequisites/<branch> between
# base and the branch (scripts/tree.sh sets prerequisites/master), the
# commits up to it are patches sent on their own, which the series depends
# on. They go to $PATCHES_DIR/prerequisites/ ("[PATCH]", no cover letter),
# the series is the rest of the branch, and its cover letter
# names each one with a "prerequisite-patch-id:" line (git patch-id
# --stable, as b4 writes it) after its "change-id:" line.
#
# $PATCHES_DIR/series lists the prerequisites, then the series, in the
# order they apply (quilt reads it; the cover letter is not in it).
#
# Output is stable: --zero-commit, no signature, no threading, no base-commit
# line, fixed abbrev. The cover letter keeps the subject, blurb, From and
# Date of the existing 0000-cover-letter.patch; its shortlog and diffstat are
# regenerated. Exporting an unchanged tree therefore changes nothing.
# The new series is written to a temp dir and swapped in at the end.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

COVER=0000-cover-letter.patch
pretag=
tmp=
cleanup() { [ -z "$tmp" ] || rm -rf "$tmp"; }
trap cleanup EXIT

# Header value of the first header NAME in FILE (folded lines joined).
header() { # FILE NAME
	awk -v name="$2" '
		/^$/ { exit }
		found && /^[ \t]/ { sub(/^[ \t]+/, " "); val = val $0; next }
		found { exit }
		index($0, name ": ") == 1 { found = 1; val = substr($0, length(name) + 3) }
		END { print val }' "$1"
}

# The blurb of a cover letter: the body up to the shortlog ("Name (N):"
# followed by an indented subject), or up to the diffstat/signature.
blurb() { # FILE
	awk '
		!body { if ($0 == "") body = 1; next }
		n == 0 && $0 == "" { next } # leading blank lines
		{ line[++n] = $0 }
		END {
			end = n
			for (i = 1; i < n; i++) {
				if (line[i] ~ /^[^ ].* \([0-9]+\):$/ && line[i+1] ~ /^  /) { end = i - 1; break }
				if (line[i] == "-- " || line[i] ~ /^ [0-9]+ files? changed/) { end = i - 1; break }
			}
			while (end > 0 && line[end] == "") end--
			for (i = 1; i <= end; i++) print line[i]
		}' "$1"
}

# format_patch OUTDIR ARGS...: git format-patch of $TREE into OUTDIR, in
# the series' stable form.
format_patch() {
	local out=$1
	shift
	env "${env[@]}" git -C "$TREE" \
		-c core.abbrev=12 -c diff.noprefix=false -c diff.mnemonicPrefix=false \
		-c diff.relative=false \
		format-patch -q -o "$out" --zero-commit \
		--no-signature --no-thread --no-to --no-cc --no-base -O/dev/null \
		"$@" >/dev/null ||
		die "git format-patch failed in $TREE"
}

# prerequisite_ids: a "prerequisite-patch-id: ID" line per commit of
# base..$pretag, in order.
prerequisite_ids() {
	local c id
	for c in $(git -C "$TREE" rev-list --reverse "base..$pretag"); do
		id=$(git -C "$TREE" show "$c" | git patch-id --stable | cut -d' ' -f1)
		[ -n "$id" ] || die "no patch id for $c (an empty commit?)"
		printf 'prerequisite-patch-id: %s\n' "$id"
	done
}

# with_prerequisites IDFILE: a blurb (stdin) with its prerequisite-patch-id
# lines replaced by those of IDFILE, after the "change-id:" line (else at
# its end).
with_prerequisites() {
	awk -v idfile="$1" '
		function ids() { while ((getline l < idfile) > 0) print l; done = 1 }
		/^prerequisite-patch-id: / { next }
		{ print }
		/^change-id: / && !done { ids() }
		END { if (!done) ids() }'
}

main() {
	require_tree
	local branch
	if [ "$TREE" = "$MAIN_TREE" ]; then
		branch=master
	else
		branch=$(git -C "$TREE" symbolic-ref -q --short HEAD) ||
			die "$TREE has a detached HEAD; check out the series branch first"
	fi
	git -C "$TREE" rev-parse -q --verify 'base^{commit}' >/dev/null ||
		die "$TREE has no 'base' tag"
	if [ -n "$(git -C "$TREE" status --porcelain --untracked-files=no)" ]; then
		warn "$TREE has uncommitted changes; only commits are exported"
	fi
	local count first=base nprereq=0
	pretag=prerequisites/$branch
	if git -C "$TREE" rev-parse -q --verify "refs/tags/$pretag^{commit}" >/dev/null; then
		if ! git -C "$TREE" merge-base --is-ancestor base "$pretag" ||
			! git -C "$TREE" merge-base --is-ancestor "$pretag" "$branch"; then
			die "$TREE's tag $pretag is not between base and $branch"
		fi
		first=$pretag
		nprereq=$(git -C "$TREE" rev-list --count "base..$pretag")
	fi
	count=$(git -C "$TREE" rev-list --count "$first..$branch")
	[ "$count" -gt 0 ] || die "$TREE has no commits in $first..$branch: nothing to export"

	# What to keep from the existing cover letter.
	local old=$PATCHES_DIR/$COVER subject='' prefix=PATCH from='' date='' rest
	if [ -f "$old" ]; then
		subject=$(header "$old" Subject)
		if [[ $subject =~ ^\[([^]]*)\][[:space:]]*(.*)$ ]]; then
			rest=${BASH_REMATCH[2]}
			prefix=$(sed -E 's# *[0-9]+/[0-9]+ *$##' <<<"${BASH_REMATCH[1]}")
			subject=$rest
		fi
		from=$(header "$old" From)
		date=$(header "$old" Date)
	fi
	[ -n "$prefix" ] || prefix=PATCH

	mkdir -p "$BUILD"
	tmp=$(mktemp -d "$BUILD/.export.XXXXXX")
	local env=()
	if [[ $from =~ ^(.*)\ \<(.*)\>$ ]]; then
		env+=(GIT_COMMITTER_NAME="${BASH_REMATCH[1]}" GIT_COMMITTER_EMAIL="${BASH_REMATCH[2]}")
	fi
	[ -z "$date" ] || env+=(GIT_COMMITTER_DATE="$date")
	format_patch "$tmp/new" --numbered --cover-letter --subject-prefix="$prefix" \
		"$first..$branch"
	if [ "$nprereq" -gt 0 ]; then
		format_patch "$tmp/new/prerequisites" --subject-prefix=PATCH \
			"base..$pretag"
		prerequisite_ids >"$tmp/prereq-ids"
	else
		: >"$tmp/prereq-ids"
	fi

	# Put the kept subject and blurb into the new cover letter.
	local cover=$tmp/new/$COVER
	[ -f "$cover" ] || die "git format-patch wrote no cover letter"
	if [ -f "$old" ]; then
		blurb "$old" | with_prerequisites "$tmp/prereq-ids" >"$tmp/blurb"
		awk -v subj="$subject" -v bfile="$tmp/blurb" '
			!done_subj && (i = index($0, "*** SUBJECT HERE ***")) {
				$0 = substr($0, 1, i - 1) subj substr($0, i + 20); done_subj = 1
			}
			$0 == "*** BLURB HERE ***" { while ((getline l < bfile) > 0) print l; next }
			{ print }' "$cover" >"$cover.new"
		mv "$cover.new" "$cover"
	else
		warn "no $COVER existed: edit the subject and blurb in the new one"
	fi

	# Carry over other files (notes); write the series file.
	local f
	if [ -d "$PATCHES_DIR" ]; then
		for f in "$PATCHES_DIR"/* "$PATCHES_DIR"/.[!.]*; do
			[ -e "$f" ] || continue
			case $(basename "$f") in
			[0-9][0-9][0-9][0-9]-*.patch | series | prerequisites) ;;
			*) cp -a "$f" "$tmp/new/" ;;
			esac
		done
	fi
	{
		for f in "$tmp/new"/prerequisites/[0-9][0-9][0-9][0-9]-*.patch \
			"$tmp/new"/[0-9][0-9][0-9][0-9]-*.patch; do
			if [ ! -f "$f" ] || [ "$(basename "$f")" = "$COVER" ]; then continue; fi
			printf '%s\n' "${f#"$tmp/new/"}"
		done
	} >"$tmp/new/series"

	if [ -d "$PATCHES_DIR" ]; then
		mv "$PATCHES_DIR" "$tmp/old"
	fi
	mv "$tmp/new" "$PATCHES_DIR"
	say "exported $count patch(es) + cover letter from $TREE ($first..$branch) to $PATCHES_DIR"
	[ "$nprereq" -eq 0 ] || say "and $nprereq prerequisite(s) (base..$pretag) to $PATCHES_DIR/prerequisites"
	case $PATCHES_DIR in
	"$REPO"/*) git -C "$REPO" status --short -- "$PATCHES_DIR" 2>/dev/null | sed "s/^/$PROG:   /" || true ;;
	esac
}

main "$@"
