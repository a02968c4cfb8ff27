#!/usr/bin/env bash
# Make build/linux (branch master) = base + the series in $PATCHES_DIR.
#
# - Creates build/linux from the cached pristine tree when it is missing:
#   one commit tagged 'base' (Debian's top-level .gitignore block that
#   ignores everything is dropped in that commit).
# - Does nothing when base..master already equals the series (compared with
#   'git patch-id --stable').
# - Refuses when build/linux has uncommitted changes to tracked files, is not
#   on master, or is in the middle of an am/rebase.
# - Saves master commits that are not in the series on backup/master-<date>.
# - A patch that does not apply: named, 'git am --abort', master restored.
# Only the master branch is ever touched (other worktrees, e.g. build/dev,
# and their branches are left alone).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

BASE_MESSAGE="Linux 7.2.13 (Debian $BASE_PKG $BASE_VERSION)"
BASE_DATE="2026-10-28 15:01:00 +0000" # the date of Debian's tarball
export GIT_COMMITTER_NAME=$GIT_IDENT_NAME GIT_COMMITTER_EMAIL=$GIT_IDENT_EMAIL

g() { git -C "$MAIN_TREE" "$@"; }

# Drop Debian's packaging block ("#\n# Debian packaging ...\n/*\n!/debian/")
# and the blank lines before it from the end of a .gitignore.
drop_debian_gitignore() { # FILE
	awk '
		{ line[NR] = $0 }
		/^# Debian packaging/ && cut == 0 { cut = NR; if (NR > 1 && line[NR-1] == "#") cut = NR - 1 }
		END {
			if (cut == 0) { n = NR } else { n = cut - 1; while (n > 0 && line[n] == "") n-- }
			for (i = 1; i <= n; i++) print line[i]
		}' "$1" >"$1.new"
	mv "$1.new" "$1"
	! grep -qx '/\*' "$1" || die "could not drop the Debian block from $1"
}

create_tree() {
	local t0 tmp
	t0=$(now)
	"$REPO/scripts/base.sh"
	say "creating $MAIN_TREE from $BASE_SRC (one commit, tagged base)"
	mkdir -p "$BUILD"
	tmp=$(mktemp -d "$BUILD/.linux.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	cp -a "$BASE_SRC/." "$tmp/"
	drop_debian_gitignore "$tmp/.gitignore"
	git -C "$tmp" init -q -b master
	git -C "$tmp" config user.name "$GIT_IDENT_NAME"
	git -C "$tmp" config user.email "$GIT_IDENT_EMAIL"
	git -C "$tmp" add -A
	GIT_AUTHOR_DATE=$BASE_DATE GIT_COMMITTER_DATE=$BASE_DATE \
		git -C "$tmp" commit -q -m "$BASE_MESSAGE"
	git -C "$tmp" tag base
	mv "$tmp" "$MAIN_TREE"
	trap - EXIT
	say "base committed in $(($(now) - t0))s: $(g log -1 --format='%h %s' base)"
}

check_tree_state() {
	g rev-parse -q --verify 'base^{commit}' >/dev/null ||
		die "$MAIN_TREE exists but has no 'base' tag; move it away and rerun"
	local head gitdir
	head=$(g symbolic-ref -q --short HEAD || true)
	[ "$head" = master ] ||
		die "$MAIN_TREE has '${head:-a detached HEAD}' checked out, not master; 'git -C $MAIN_TREE switch master' first"
	gitdir=$(g rev-parse --absolute-git-dir)
	if [ -d "$gitdir/rebase-apply" ] || [ -d "$gitdir/rebase-merge" ]; then
		die "$MAIN_TREE is in the middle of a git am/rebase; finish or abort it first"
	fi
	if [ -n "$(g status --porcelain --untracked-files=no)" ]; then
		g status --short --untracked-files=no | head -20 >&2
		die "$MAIN_TREE has uncommitted changes to tracked files: commit them (and 'make export') or stash them first"
	fi
}

tree_ids() {
	g log -p --reverse --format='commit %H' base..master | git patch-id --stable | awk '{print $1}'
}

file_ids() { # FILES...
	local f
	for f in "$@"; do
		git patch-id --stable <"$f" | awk '{print $1}'
	done
}

# tag_prerequisites FILES...: tag prerequisites/master at the last patch
# of $PATCHES_DIR/prerequisites/ on master (scripts/export.sh exports
# those on their own), or drop the tag when there is none.
tag_prerequisites() {
	local n=0 f
	for f in "$@"; do
		case $f in */prerequisites/*) n=$((n + 1)) ;; esac
	done
	if [ "$n" -eq 0 ]; then
		g tag -d prerequisites/master >/dev/null 2>&1 || true
		return 0
	fi
	g tag -f prerequisites/master "$(g rev-list --reverse base..master | sed -n "${n}p")" >/dev/null
}

main() {
	[ "$TREE" = "$MAIN_TREE" ] ||
		die "make tree manages $MAIN_TREE only; TREE=$TREE is for 'make export' and 'make check'"
	if [ ! -e "$MAIN_TREE" ]; then
		create_tree
	fi
	check_tree_state

	local files=() want have problems
	if ! problems=$(series_in_step); then
		printf '%s\n' "$problems" >&2
		die "$PATCHES_DIR/series is not in step with its patches: 'make export' rewrites it"
	fi
	mapfile -t files < <(series_files)
	want=$(file_ids "${files[@]}")
	have=$(tree_ids)
	if [ "$want" = "$have" ]; then
		tag_prerequisites "${files[@]}"
		say "$MAIN_TREE master already is base + ${#files[@]} patch(es) from $PATCHES_DIR: nothing to do"
		return 0
	fi

	local orig backup='' id
	orig=$(g rev-parse master)
	# Commits on master that the series does not have: keep them on a branch.
	for id in $have; do
		if ! grep -qx "$id" <<<"$want"; then
			backup=backup/master-$(date +%Y%m%d-%H%M%S)
			g branch "$backup" "$orig"
			say "master has commits that are not in $PATCHES_DIR: saved them on branch $backup"
			break
		fi
	done

	restore() {
		if [ -d "$(g rev-parse --absolute-git-dir)/rebase-apply" ]; then
			g am --abort || true
		fi
		g reset -q --hard "$orig"
		say "master restored to $(g log -1 --format='%h %s' "$orig")"
	}
	trap 'restore; exit 130' INT TERM

	say "applying ${#files[@]} patch(es) from $PATCHES_DIR onto base"
	g reset -q --hard base
	local p
	for p in "${files[@]}"; do
		if ! g am -q --committer-date-is-author-date "$p" >"$BUILD/.am.log" 2>&1; then
			grep -E '^(error|fatal):' "$BUILD/.am.log" >&2 || cat "$BUILD/.am.log" >&2
			printf '%s: error: patch %s does not apply\n' "$PROG" "$(basename "$p")" >&2
			restore
			if [ -n "$backup" ]; then
				g branch -q -D "$backup"
				say "(removed $backup again: master still has those commits)"
			fi
			exit 1
		fi
	done
	rm -f "$BUILD/.am.log"
	trap - INT TERM
	tag_prerequisites "${files[@]}"
	g log --oneline --reverse base..master | sed "s/^/$PROG:   /"
	say "master is now base + ${#files[@]} patch(es)"
}

main "$@"
