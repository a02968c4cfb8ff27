#!/usr/bin/env bash
# Build the guest initramfs for a flavor (vm | debug): Debian's static
# busybox, vm/init as /init, vm/suites, vm/run.sh, make vm's CMD, the test programs of
# build/selftests-<flavor> under /tests and build/demo/ (if any) under /demo;
# for kci-off and kci-on, the kselftest install tree as /tests/kselftest and
# a /usr/bin/timeout that kselftest's runner can call, and no demo.
# Uses the kernel's own usr/gen_init_cpio (so /dev/console exists without
# root). Rebuilt every time (it takes a second); written to a temp file and
# renamed. Output: build/initramfs-<flavor>.cpio
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

flavor=${1:-vm}
flavor_check "$flavor"
kout=$(kernel_out "$flavor")
tests=$(selftests_out "$flavor")
out=$(initramfs_out "$flavor")
BUSYBOX=${BUSYBOX:-/bin/busybox}
GEN=$kout/usr/gen_init_cpio

tmp=
cleanup() { [ -z "$tmp" ] || rm -f "$tmp" "$tmp.list" "$tmp.cmd" "$tmp.timeout"; }
trap cleanup EXIT

# add_tree HOSTDIR GUESTDIR [all]: directories and executable files below
# HOSTDIR (with "all": every file, with its mode; a kselftest install tree
# has data files and scripts that are sourced).
add_tree() {
	local src=$1 dst=$2 p mode perm=(-perm -u+x)
	[ "${3:-}" != all ] || perm=()
	printf 'dir %s 0755 0 0\n' "$dst"
	while IFS= read -r -d '' p; do
		p=${p#"$src"/}
		if [ -d "$src/$p" ]; then
			printf 'dir %s/%s 0755 0 0\n' "$dst" "$p"
		else
			mode=$(stat -c %a "$src/$p")
			printf 'file %s/%s %s/%s %s 0 0\n' "$dst" "$p" "$src" "$p" "$mode"
		fi
	done < <(find "$src" -mindepth 1 \( -type d -o \( -type f "${perm[@]}" \) \) \
		-not -path '*/libvfio*' -print0 | sort -z)
}

# kselftest's runner calls /usr/bin/timeout --foreground (coreutils), which
# busybox's timeout does not take: a wrapper that drops it.
timeout_wrapper() {
	cat <<'EOF'
#!/bin/sh
# coreutils-style timeout for kselftest/runner.sh
[ "$1" != --foreground ] || shift
exec /bin/busybox timeout "$@"
EOF
}

file_list() {
	local d a
	for d in /bin /sbin /usr /usr/bin /usr/sbin /dev /proc /sys /tmp /root /etc /etc/harness /harness /mnt; do
		printf 'dir %s 0755 0 0\n' "$d"
	done
	printf 'nod /dev/console 0600 0 0 c 5 1\n'
	printf 'nod /dev/null 0666 0 0 c 1 3\n'
	printf 'file /bin/busybox %s 0755 0 0\n' "$BUSYBOX"
	for a in $("$BUSYBOX" --list-full); do
		[ "$a" != bin/busybox ] || continue
		! is_kci "$flavor" || [ "$a" != usr/bin/timeout ] || continue
		printf 'slink /%s /bin/busybox 0777 0 0\n' "$a"
	done
	printf 'file /init %s/vm/init 0755 0 0\n' "$REPO"
	printf 'file /etc/harness/suites %s 0644 0 0\n' "$SUITES_FILE"
	printf 'file /harness/run.sh %s/vm/run.sh 0755 0 0\n' "$REPO"
	printf 'file /etc/harness/cmd %s 0644 0 0\n' "$tmp.cmd"
	if is_kci "$flavor"; then
		timeout_wrapper >"$tmp.timeout"
		printf 'file /usr/bin/timeout %s 0755 0 0\n' "$tmp.timeout"
		printf 'dir /tests 0755 0 0\n'
		add_tree "$tests/kselftest" /tests/kselftest all
		return
	fi
	add_tree "$tests" /tests
	if [ -d "$BUILD/demo" ]; then
		add_tree "$BUILD/demo" /demo
	fi
}

main() {
	[ -x "$BUSYBOX" ] || die "$BUSYBOX not found (install busybox-static: make deps)"
	"$BUSYBOX" --list-full >/dev/null 2>&1 || die "$BUSYBOX does not run"
	[ -x "$GEN" ] || die "$GEN not found: build the $flavor kernel first (make kernel)"
	[ -f "$SUITES_FILE" ] || die "no suite list $SUITES_FILE"
	[ -d "$tests" ] || die "$tests not found: build the selftests first (make selftests)"
	tmp=$(mktemp "$out.XXXXXX")
	printf '%s\n' "${CMD:-}" >"$tmp.cmd" # make vm's command
	file_list >"$tmp.list"
	"$GEN" "$tmp.list" >"$tmp" || die "gen_init_cpio failed"
	mv -f "$tmp" "$out"
	rm -f "$tmp.list" "$tmp.cmd" "$tmp.timeout"
	tmp=
	say "initramfs ready: $out ($(du -h "$out" | cut -f1))"
}

main "$@"
