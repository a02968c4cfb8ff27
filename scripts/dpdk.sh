#!/usr/bin/env bash
# make dpdk: DPDK's testpmd on two emulated e1000 NICs in no-IOMMU mode.
#   dpdk.sh [vm|debug]           the runs below (make dpdk)
#   dpdk.sh [vm|debug] startup   make dpdk-bench: EAL start-up time of the
#                                three paths, one boot with 2 MiB hugepages
#                                and one with 1 GiB ones (docs/dpdk.md);
#                                the table also in build/logs/dpdk-startup-<flavor>.txt
# Builds the DPDK snapshot's testpmd (scripts/dpdk-build.sh), runs the build
# steps of make check (deps, base, tree, kernel, selftests, demo, initramfs),
# then appends a second cpio archive to the initramfs
# (build/dpdk/initramfs-<flavor>.cpio; the kernel unpacks both) with
# Debian's dpdk-testpmd, the shared libraries it needs, the three PMD plugins
# it loads (PCI bus, e1000, ring mempool), the snapshot's static testpmd and
# the one built with clients/dpdk's patches, vm/dpdk.sh, its helper
# (vm/dpdk_helper.c) and a suite list with one suite a run (vm/dpdk.sh:
# dpdk_legacy, dpdk_getpa, dpdk_cdev, dpdk_nocap_snapshot; with DPDK= one
# suite, dpdk; with startup, dpdk_startup in each of two boots), boots
# scripts/vm.sh in mode dpdk (two e1000 on one QEMU
# hub) and judges the log with scripts/results.sh (TAP, guest end, no kernel
# splat; its "N passed, N failed" also in build/logs/dpdk-<flavor>.summary
# for CI).
# Ends with one line "dpdk: PASS" or "dpdk: FAIL: ..."; exit status 0 on
# PASS. Bad input is one line "dpdk.sh: error: ..." and exit status 1.
#
# Variables (make dpdk VAR=value):
#   DPDK=prefix       instead of the default runs, one run of a DPDK you
#                     built ("meson setup --prefix=..., ninja install"): its
#                     bin/dpdk-testpmd, its libraries and PMD plugins below
#                     the prefix, which is /dpdk in the guest
#                     (LD_LIBRARY_PATH, plugins loaded with -d; a static
#                     testpmd needs none).
#   DPDK_CDEV=1       with DPDK=: hide /dev/vfio/vfio in the guest (removed before
#                     testpmd starts), so that a DPDK that knows the device
#                     cdev takes /dev/vfio/devices/noiommu-vfioN + /dev/iommu
#                     instead of the legacy group /dev/vfio/noiommu-N.
#   DPDK_IO_SECS=N    seconds of io forwarding (default 5)
#   DPDK_HUGEPAGES=N  set vm.nr_hugepages to N in the guest first (default:
#                     the boot's 64 pages of 2 MiB)
#   DPDK_NICS=N       e1000 NICs on the hub (default 2; testpmd needs 2)
#   DPDK_BENCH_REPS=N startup: repetitions (default 3; the median counts)
#   DPDK_BENCH_MB=N   startup: testpmd runs with -m N and -m 2N (default
#                     1024; a multiple of 1024, for the 1 GiB pages)
#   DPDK_BENCH_WALLCLOCK=1  startup: TCG wall-clock time instead of guest
#                     instructions (QEMU -icount shift=0, as make bench)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

flavor=${1:-vm}
what=${2:-test}
flavor_check "$flavor"
case $what in test | startup) ;; *) die "unknown run '$what' (nothing, or startup)" ;; esac
S=$REPO/scripts
OUT=$BUILD/dpdk
# The PMD plugins testpmd needs for the e1000 NICs (EAL loads every plugin of
# its plugin directory; the others need libraries the guest does not have).
STDBUF_LIB=/usr/libexec/coreutils/libstdbuf.so
PLUGINS_RE='/librte_(bus_pci|net_e1000|mempool_ring)\.so[.0-9]*$'

prefix='' testpmd='' tmp='' snapshot='' getpa=''
declare -A seen=()
dirs=() links=() files=()
cleanup() { [ -z "$tmp" ] || rm -f "$tmp"; }
trap cleanup EXIT

# The testpmd binary and the directories to search for its libraries.
find_testpmd() {
	if [ -z "${DPDK:-}" ]; then
		testpmd=/usr/bin/dpdk-testpmd
		[ -x "$testpmd" ] || die "$testpmd not found (Debian package dpdk-dev: make deps)"
		[ -z "${DPDK_CDEV:-}" ] || die "DPDK_CDEV=$DPDK_CDEV needs DPDK=prefix (without DPDK=, make dpdk runs both paths)"
		return
	fi
	[ -d "$DPDK" ] || die "DPDK=$DPDK: no such directory (give the --prefix of a DPDK install)"
	prefix=$(cd "$DPDK" && pwd -P)
	testpmd=$prefix/bin/dpdk-testpmd
	[ -x "$testpmd" ] || die "DPDK=$DPDK: no executable bin/dpdk-testpmd below it (meson install it there)"
}

# Directories below the prefix that hold DPDK libraries (for LD_LIBRARY_PATH).
prefix_libdirs() {
	[ -n "$prefix" ] || return 0
	find "$prefix" \( -name 'librte_eal.so*' -o -name 'librte_*.so*' -path '*/pmds-*' \) \
		-printf '%h\n' | sort -u | paste -sd:
}

# Does testpmd load DPDK's libraries (and so its PMD plugins) at run time?
dynamic_dpdk() {
	# (grep reads all of ldd's output: with -q, ldd could die of SIGPIPE)
	LD_LIBRARY_PATH=$(prefix_libdirs) ldd "$testpmd" 2>/dev/null | grep 'librte_eal\.so' >/dev/null
}

# The PMD plugins of this DPDK that testpmd loads (none for a testpmd that
# has DPDK linked in statically).
plugins() {
	local root=/usr/lib
	[ -z "$prefix" ] || root=$prefix
	dynamic_dpdk || return 0
	find "$root" -path '*/dpdk/pmds-*' \( -type f -o -type l \) | { grep -E "$PLUGINS_RE" || true; } | sort
}

# The guest path of a host path: a DPDK= prefix is /dpdk in the guest (the
# guest's /tmp is a tmpfs, and the prefix may be anywhere); the rest stays.
GUEST_PREFIX=/dpdk
gpath() {
	case $1 in
	"$prefix" | "$prefix"/*) [ -z "$prefix" ] || { printf '%s%s' "$GUEST_PREFIX" "${1#"$prefix"}"; return; } ;;
	esac
	printf '%s' "$1"
}

# gtarget LINK: the symlink's target, for the guest.
gtarget() {
	local t
	t=$(readlink "$1")
	case $t in /*) gpath "$t" ;; *) printf '%s' "$t" ;; esac
}

# add_dir DIR: DIR and its parents, as directories or the host's symlinks.
add_dir() {
	local d=$1 parent
	[ "$d" != / ] && [ -z "${seen[$d]:-}" ] || return 0
	seen[$d]=1
	parent=$(dirname "$d")
	add_dir "$parent"
	if [ -L "$d" ]; then
		links+=("slink $(gpath "$d") $(gtarget "$d") 0777 0 0")
		add_dir "$(readlink -f "$d")"
	elif [ "$(readlink -f "$d")" != "$d" ]; then # below a symlink
		add_dir "$(readlink -f "$d")"
	else
		dirs+=("dir $(gpath "$d") 0755 0 0")
	fi
}

# add_path PATH: a file at its host path, with the symlinks leading to it.
add_path() {
	local p=$1 dir
	[ -z "${seen[$p]:-}" ] || return 0
	seen[$p]=1
	dir=$(dirname "$p")
	add_dir "$dir"
	dir=$(readlink -f "$dir")
	if [ -L "$p" ]; then
		links+=("slink $(gpath "$p") $(gtarget "$p") 0777 0 0")
		add_path "$(readlink -f "$p")"
	elif [ "$dir" != "$(dirname "$p")" ]; then
		add_path "$dir/$(basename "$p")"
	else
		files+=("file $(gpath "$p") $p 0755 0 0")
	fi
}

# add_elf FILE LIBPATH: FILE and every library it needs (ldd), or die.
add_elf() {
	local f=$1 libpath=$2 deps missing
	if ! deps=$(LD_LIBRARY_PATH=$libpath ldd "$f" 2>&1); then
		# a statically linked DPDK needs nothing more
		[ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = 177ELF ] ||
			die "${DPDK:+DPDK=$DPDK: }$f is not an ELF executable or library"
		deps=''
	fi
	missing=$(awk '/not found/ { print $1 }' <<<"$deps" | paste -sd' ')
	[ -z "$missing" ] || die "${DPDK:+DPDK=$DPDK: }$f needs libraries not found: $missing"
	add_path "$f"
	while read -r lib; do
		add_path "$lib"
	done < <(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$deps")
}

# Everything of the DPDK cpio: testpmd, libraries, plugins, the guest script.
dpdk_list() {
	local libpath plugs p
	libpath=$(prefix_libdirs)
	plugs=$(plugins)
	[ -n "$plugs" ] || ! dynamic_dpdk ||
		die "${DPDK:+DPDK=$DPDK: }no PMD plugins bus_pci, net_e1000, mempool_ring found (dpdk/pmds-*; Debian: librte-net-e1000-23)"
	add_elf "$testpmd" "$libpath"
	for p in $plugs; do
		add_elf "$p" "$libpath"
	done
	[ -z "$snapshot" ] || add_elf "$snapshot/bin/dpdk-testpmd" ''
	[ -z "$getpa" ] || add_elf "$getpa/bin/dpdk-testpmd" ''
	# vm/dpdk.sh makes testpmd's stdout line buffered with it
	add_elf "$STDBUF_LIB" ''
	write_conf "$libpath" "$plugs" >"$OUT/dpdk.conf"
	write_suites >"$OUT/suites"
	printf '%s\n' "${dirs[@]}" | LC_ALL=C sort -u
	printf '%s\n' "${links[@]}" "${files[@]}"
	printf 'file /harness/dpdk.sh %s/vm/dpdk.sh 0755 0 0\n' "$REPO"
	printf 'file /harness/dpdk_helper %s/dpdk_helper 0755 0 0\n' "$OUT"
	printf 'file /harness/dpdk.conf %s/dpdk.conf 0644 0 0\n' "$OUT"
	printf 'file /etc/harness/suites %s/suites 0644 0 0\n' "$OUT"
}

# The suites of the guest: one a run of vm/dpdk.sh, in this order (the cdev
# runs remove /dev/vfio/vfio).
write_suites() {
	if [ -n "${DPDK:-}" ]; then
		printf 'dpdk 300 sh /harness/dpdk.sh custom\n'
		return
	fi
	if [ "$what" = startup ]; then
		printf 'dpdk_startup 3000 sh /harness/dpdk.sh startup\n'
		return
	fi
	printf 'dpdk_legacy 300 sh /harness/dpdk.sh legacy\n'
	printf 'dpdk_getpa 300 sh /harness/dpdk.sh getpa\n'
	printf 'dpdk_cdev 300 sh /harness/dpdk.sh cdev\n'
	printf 'dpdk_nocap_snapshot 120 sh /harness/dpdk.sh nocap_snapshot\n'
}

# The guest's helper (vm/dpdk_helper.c), static.
build_helper() {
	gcc -static -O2 -Wall -Werror -o "$OUT/dpdk_helper" "$REPO/vm/dpdk_helper.c" ||
		die "cannot build vm/dpdk_helper.c"
}

# The guest script's settings (sourced by vm/dpdk.sh).
write_conf() {
	local libpath=$1 plugs=$2 pdirs=''
	# A DPDK= build's plugins are named with -d: its EAL's default plugin
	# directory may be elsewhere (it was built for another prefix).
	local d
	if [ -n "$prefix" ]; then
		for d in $(printf '%s\n' "$plugs" | xargs -n1 dirname | sort -u); do
			pdirs+=" $(gpath "$d")"
		done
	fi
	printf 'TESTPMD=%s\n' "$(gpath "$testpmd")"
	printf 'SNAPSHOT_TESTPMD=%s\n' "${snapshot:+$snapshot/bin/dpdk-testpmd}"
	printf 'GETPA_TESTPMD=%s\n' "${getpa:+$getpa/bin/dpdk-testpmd}"
	printf 'DPDK_LIBPATH=%s\n' "$(tr ':' '\n' <<<"$libpath" | while read -r d; do gpath "$d"; echo; done | paste -sd:)"
	printf "DPDK_PLUGIN_DIRS='%s'\n" "${pdirs# }"
	printf 'DPDK_CDEV=%s\n' "${DPDK_CDEV:-}"
	printf 'DPDK_IO_SECS=%s\n' "${DPDK_IO_SECS:-5}"
	printf 'DPDK_HUGEPAGES=%s\n' "${DPDK_HUGEPAGES:-}"
	printf 'DPDK_NICS=%s\n' "${DPDK_NICS:-2}"
	printf 'DPDK_BENCH_REPS=%s\n' "${DPDK_BENCH_REPS:-3}"
	printf 'DPDK_BENCH_MB=%s\n' "${DPDK_BENCH_MB:-1024}"
	# what the guest's clock measures (the table's title)
	if [ -n "${DPDK_BENCH_WALLCLOCK:-}" ]; then
		printf "DPDK_BENCH_CLOCK=', TCG wall clock'\n"
	else
		printf "DPDK_BENCH_CLOCK=' = million guest instructions'\n"
	fi
}

check_numbers() {
	local v
	for v in DPDK_IO_SECS DPDK_HUGEPAGES DPDK_NICS DPDK_BENCH_REPS DPDK_BENCH_MB; do
		case ${!v:-} in
		'' | *[!0-9]*) [ -z "${!v:-}" ] || die "$v=${!v}: not a number" ;;
		esac
	done
	case ${DPDK_CDEV:-} in '' | 0 | 1) ;; *) die "DPDK_CDEV=$DPDK_CDEV: use 1 (or nothing)" ;; esac
	[ "$what" != startup ] || [ -z "${DPDK:-}" ] || die "DPDK=$DPDK: make dpdk-bench measures the three DPDKs of make dpdk, not another"
	if [ $((${DPDK_BENCH_MB:-1024} % 1024)) -ne 0 ] || [ "${DPDK_BENCH_MB:-1024}" -eq 0 ]; then
		die "DPDK_BENCH_MB=$DPDK_BENCH_MB: not a positive multiple of 1024 (the 1 GiB hugepages)"
	fi
	[ "${DPDK_BENCH_REPS:-3}" -gt 0 ] || die "DPDK_BENCH_REPS=$DPDK_BENCH_REPS: at least 1"
}

# startup_boot PAGE: one boot for make dpdk-bench with hugepages of PAGE (2M
# or 1G) only, enough for testpmd's -m 2N; the table is printed at its end.
startup_boot() {
	local page=$1 mb=${DPDK_BENCH_MB:-1024} log hp err mem
	log=$LOGS/dpdk-startup-$page-$flavor$(tree_suffix).log
	if [ "$page" = 2M ]; then
		hp="hugepagesz=2M hugepages=$((mb + 64))" mem=$((mb * 2 / 1024 + 2))
	else
		# 1 GiB pages are reserved at boot from 1 GiB-aligned free
		# ranges: with 4 GiB the kernel found none (initrd, PCI hole)
		hp="default_hugepagesz=1G hugepagesz=1G hugepages=$((mb * 2 / 1024 + 1))" mem=$((mb * 2 / 1024 + 4))
	fi
	VM_ICOUNT=$([ -n "${DPDK_BENCH_WALLCLOCK:-}" ] || echo 1) VM_LOG=$log VM_MEM=${mem}G VM_HUGEPAGES=$hp \
		VM_INITRD=$OUT/initramfs-$flavor$(tree_suffix).cpio "$S/vm.sh" "$flavor" dpdk || return 1
	err=$(guest_error "$log")
	[ -z "$err" ] || die "$err"
	"$S/results.sh" "$log" "${log%.log}.summary" || return 1
	# the guest's table: from its title to the getpa row
	sed -n 's/\r$//; /^start-up, /,/^getpa /p' "$log" >>"$table"
	echo >>"$table"
}

# make dpdk-bench: the two boots, then both tables.
startup_main() {
	local rc=0 page
	table=$LOGS/dpdk-startup-$flavor$(tree_suffix).txt
	: >"$table"
	for page in 2M 1G; do
		startup_boot "$page" || rc=1
	done
	echo
	cat "$table"
	if [ "$rc" -eq 0 ] && [ "$(grep -c '^getpa ' "$table")" -eq 2 ]; then
		echo "dpdk-bench: PASS (table: $table)"
	else
		echo "dpdk-bench: FAIL: see the output above and $LOGS/dpdk-startup-*-$flavor$(tree_suffix).log"
		return 1
	fi
}

# The initramfs of make check with the DPDK cpio appended.
build_initramfs() {
	local gen out base
	gen=$(kernel_out "$flavor")/usr/gen_init_cpio
	base=$(initramfs_out "$flavor")
	out=$OUT/initramfs-$flavor$(tree_suffix).cpio
	tmp=$(mktemp "$out.XXXXXX")
	cp "$base" "$tmp"
	"$gen" "$OUT/list" >>"$tmp" || die "gen_init_cpio failed"
	mv -f "$tmp" "$out"
	tmp=
	say "initramfs with $(basename "$testpmd") ready: $out ($(du -h "$out" | cut -f1))"
}

# The guest's one-line error for bad input, if it printed one.
guest_error() {
	sed -n 's/\r$//; s/^dpdk: error: //p' "$1" | head -n 1
}

main() {
	local log summary rc=0 err t0
	t0=$(now)
	log=$LOGS/dpdk-$flavor$(tree_suffix).log
	summary=$LOGS/dpdk-$flavor$(tree_suffix).summary
	mkdir -p "$LOGS"
	rm -f "$summary"
	check_numbers
	"$S/deps.sh"
	find_testpmd
	# Before any build: a bad DPDK= prefix fails at once.
	mkdir -p "$OUT"
	if [ -z "${DPDK:-}" ]; then
		snapshot=$("$S/dpdk-build.sh" snapshot)
		getpa=$("$S/dpdk-build.sh" getpa)
	fi
	build_helper
	dpdk_list >"$OUT/list"
	"$S/base.sh"
	if [ "$TREE" = "$MAIN_TREE" ]; then
		"$S/tree.sh"
	fi
	"$S/kernel.sh" "$flavor"
	"$S/selftests.sh" "$flavor"
	"$S/demo.sh" "$flavor"
	"$S/initramfs.sh" "$flavor"
	build_initramfs
	export SUITES_FILE=$OUT/suites DPDK_NICS=${DPDK_NICS:-2}
	if [ "$what" = startup ]; then
		startup_main
		return
	fi
	VM_INITRD=$OUT/initramfs-$flavor$(tree_suffix).cpio "$S/vm.sh" "$flavor" dpdk || rc=$?
	err=$(guest_error "$log")
	[ -z "$err" ] || die "$err"
	echo
	"$S/results.sh" "$log" "$summary" || rc=1
	say "total $(($(now) - t0))s"
	if [ "$rc" -eq 0 ] && grep -q '^dpdk: PASS' "$log"; then
		echo "dpdk: PASS"
	else
		echo "dpdk: FAIL: see the output above and $log"
		return 1
	fi
}

main "$@"
