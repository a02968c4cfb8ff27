#!/usr/bin/env bash
# Boot the built kernel + initramfs of a flavor under QEMU (TCG, no vIOMMU,
# two edu devices on the root bus, three behind PCI bridges) and let vm/init
# do MODE:
#   check  run vm/suites; serial log build/logs/check-<flavor>.log
#   run    the demo transcript (vm/run.sh); log build/logs/run-<flavor>.log
#   shell  interactive shell on the serial console
#   cmd    make vm: CMD in the guest; log build/logs/cmd-<flavor>.log
#   dpdk   the suites of SUITES_FILE (scripts/dpdk.sh: testpmd) with DPDK_NICS
#          (default 2) e1000 NICs on one QEMU hub; log build/logs/dpdk-<flavor>.log
#          (make dpdk-bench: VM_LOG, VM_MEM and VM_HUGEPAGES, below)
# QEMU runs as a child of this script; on exit, Ctrl-C or a timeout it is
# killed, so no QEMU is left behind. Two host-side watchdogs name the suite
# that hung: one for the whole run (VM_TIMEOUT, default: the sum of the
# suite timeouts plus boot time) and one per suite (its own timeout plus
# SUITE_GRACE seconds, for when the guest's timeout cannot fire).
# The guest may ask the host to hot-unplug and plug back the hotpluggable edu
# device (HOTPLUG_*) through QEMU's QMP socket: the protocol is in docs/protocol.md
# (docs/protocol.md, "Host requests"); what the host did is in the events file
# build/logs/<mode>-<flavor>.host, not in the serial log.
# VM_LOG (the serial log's path), VM_MEM (guest memory, default 3G) and
# VM_HUGEPAGES (the kernel's hugepage options, default
# "hugepagesz=2M hugepages=64"; not in mode bench) override the defaults;
# VM_ICOUNT=1 counts guest instructions as time, as mode bench does.
# Exit status: 0 when the guest powered off by itself, 2 on a host timeout,
# 1 on other errors. Judging the log is scripts/results.sh's job.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/host-requests.sh
. "$(dirname "$0")/host-requests.sh"

flavor=${1:-vm}
mode=${2:-check}
flavor_check "$flavor"
case $mode in check | run | shell | bench | cmd | dpdk) ;; *) die "unknown mode '$mode' (check, run, shell, bench, cmd or dpdk)" ;; esac

kernel=$(kernel_out "$flavor")/arch/x86/boot/bzImage
initrd=${VM_INITRD:-$(initramfs_out "$flavor")}
log=${VM_LOG:-$LOGS/$mode-$flavor$(tree_suffix)$(o2_suffix).log}
events=${log%.log}.host # host events (docs/protocol.md), never in the guest's log
# Debug kernels (KASAN, lockdep, kmemleak) are several times slower.
scale=1
[ "$flavor" != debug ] || scale=$DEBUG_TIMEOUT_SCALE
BOOT_ALLOWANCE=120
SUITE_GRACE=60

APPEND="console=ttyS0 loglevel=5 vfio.enable_unsafe_noiommu_mode=1 panic=-1"
# The benchmark (bench/README.md) needs 1 GiB of 2 MiB hugepages and one
# 1 GiB hugepage, so a CPU model with pdpe1gb and more memory.
# make dpdk: DPDK needs SSE4.2 and more, which QEMU's default CPU model lacks.
MEM=${VM_MEM:-3G}
CPU=()
[ "$mode" != dpdk ] || CPU=(-cpu max)
if [ "$mode" = bench ]; then
	APPEND+=" hugepagesz=2M hugepages=512 hugepagesz=1G hugepages=1"
	MEM=6G
	CPU=(-cpu max)
else
	APPEND+=" ${VM_HUGEPAGES:-hugepagesz=2M hugepages=64}"
fi
# PCI interrupt routing through ACPI makes every pci_enable_device(), so every
# open and close of a vfio-pci device, run AML in the emulator: about 370 ms
# each here, many seconds on the debug kernel. The guest needs MSI only.
APPEND+=" acpi=noirq"
# Only the generic_pt KUnit case the series adds runs at boot; its results
# are read back by the kunit_iommu_pt suite. All the cases take minutes under
# TCG (see README.md, "The VM").
APPEND+=" kunit.filter_glob=*_iommu_test.test_iova_to_phys_contig"
APPEND+=" harness.mode=$mode harness.timeout_scale=$scale ${VM_APPEND:-}"
EDU=(-device "edu,dma_mask=0xffffffffffffffff")
# Two edu devices on the root bus (00:02.0, 00:03.0: EDU_BDF, EDU_BDF2), which
# no bus reset can reach. Then two PCI-to-PCI bridges, so that
# VFIO_DEVICE_PCI_HOT_RESET has a secondary bus to reset: br1 with one edu
# device alone behind it (a reset affects only that device: EDU_RESET_BDF),
# br2 with two (a reset affects both: EDU_RESET_PAIR_BDFS). vm/init finds
# them by topology. shpc=off: no hotplug controller, so no hotplug slot, and
# vfio-pci groups the devices behind a bridge by bus, as for a plain bridge.
BRIDGE=(-device "pci-bridge,id=br1,chassis_nr=1,shpc=off"
	-device "edu,dma_mask=0xffffffffffffffff,bus=br1,addr=0"
	-device "pci-bridge,id=br2,chassis_nr=2,shpc=off"
	-device "edu,dma_mask=0xffffffffffffffff,bus=br2,addr=0"
	-device "edu,dma_mask=0xffffffffffffffff,bus=br2,addr=1")
# The hotpluggable edu device: on the root bus, where QEMU's pc machine has
# ACPI PCI hotplug (the guest has CONFIG_HOTPLUG_PCI_ACPI; its SCI works with
# acpi=noirq). It comes after EDU_BDF and EDU_BDF2 in sysfs order, so they do
# not change. The guest learns its id and address from harness.hotplug=.
HOTPLUG_ID=eduhp
HOTPLUG_BDF=0000:00:10.0
HOTPLUG_DEV="edu,dma_mask=0xffffffffffffffff,bus=pci.0,addr=0x10,id=$HOTPLUG_ID"
APPEND+=" harness.hotplug=$HOTPLUG_ID@$HOTPLUG_BDF"
# QMP socket and the guest's request port (its second serial port, ttyS1,
# written to a host file), in a private directory (a socket path must be
# short); removed on exit.
qdir=$(mktemp -d /tmp/noiommu-vm.XXXXXX)
qmp_sock=$qdir/qmp.sock
requests=$qdir/requests
QEMU=(qemu-system-x86_64 -accel tcg -machine pc "${CPU[@]}" -smp 2 -m "$MEM"
	-nodefaults -display none -no-reboot
	-kernel "$kernel" -initrd "$initrd" -append "$APPEND"
	"${EDU[@]}" "${EDU[@]}" "${BRIDGE[@]}" -device "$HOTPLUG_DEV"
	-qmp "unix:$qmp_sock,server=on,wait=off")
# The benchmark counts guest instructions as time (-icount shift=0: one
# instruction is one ns of guest time), so its figures do not move with the
# load on the host; BENCH_WALLCLOCK=1 measures TCG wall-clock time instead.
# make dpdk-bench asks for the same with VM_ICOUNT=1.
if { [ "$mode" = bench ] && [ -z "${BENCH_WALLCLOCK:-}" ]; } || [ -n "${VM_ICOUNT:-}" ]; then
	QEMU+=(-icount "shift=0,sleep=off")
fi
# make dpdk: e1000 NICs (8086:100e) on one hub, so what one sends the other
# receives; MACs 52:54:00:00:00:0N (vm/dpdk.sh expects them).
if [ "$mode" = dpdk ]; then
	for ((i = 1; i <= ${DPDK_NICS:-2}; i++)); do
		QEMU+=(-netdev "hubport,id=nic$i,hubid=0"
			-device "e1000,netdev=nic$i,mac=52:54:00:00:00:0$i")
	done
fi

qpid=
tpid=
cleanup() {
	if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
		kill -TERM "$qpid" 2>/dev/null || true
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$qpid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
	fi
	if [ -n "$tpid" ]; then
		kill "$tpid" 2>/dev/null || true
		wait "$tpid" 2>/dev/null || true
	fi
	qpid='' tpid=''
	rm -rf "$qdir"
}
trap cleanup EXIT
# Die of the signal itself, so that the callers (check.sh, make) stop too.
interrupted() {
	cleanup
	say "interrupted: QEMU stopped"
	trap - "$1"
	kill -"$1" $$
}
trap 'interrupted INT' INT
trap 'interrupted TERM' TERM

# Host-side budget: every suite's timeout (scaled) plus boot and shutdown.
default_timeout() {
	local sum=0
	if [ "$mode" = check ] || [ "$mode" = dpdk ]; then
		sum=$(awk '!/^[[:space:]]*(#|$)/ { s += $2 } END { print s + 0 }' "$SUITES_FILE")
	elif [ "$mode" = bench ]; then
		sum=900
	else
		sum=180
	fi
	echo $(((sum + BOOT_ALLOWANCE) * scale))
}

# The suite that began in the log but has no end marker, and its (scaled)
# guest-side timeout: "NAME SECONDS", or nothing.
hung_suite() {
	awk -f "$REPO/scripts/protocol.awk" -f /dev/stdin "$log" <<'AWK'
{ mk = marker() }
mk == "suite-begin" { cur = MS; t = MT }
mk == "suite-end" { cur = "" }
END { if (cur != "") print cur, t + 0 }
AWK
}

# Kill QEMU for a hang: say so, and write the event for results.sh.
hang() { # WHY SUITE
	printf '%s: error: %s; QEMU killed\n' "$PROG" "$1" >&2
	cleanup
	printf '%s timeout %s %s\n' "$(now)" "${2:-none}" "$1" >>"$events"
}

# What to show on the terminal while the guest runs.
live_filter() {
	local prog
	if [ "$mode" = run ] || [ "$mode" = cmd ] || [ -n "${VERBOSE:-}" ]; then
		cat
		return
	elif [ "$mode" = dpdk ]; then
		# shellcheck disable=SC2016 # an awk program
		prog='{ mk = marker() }
			mk == "suite-begin" && MS ~ /^dpdk/ { on = 1 }
			on || /\] (WARNING|BUG|KASAN|UBSAN|Kernel panic|Oops|INFO: )/ { print "  guest: " $0; fflush() }
			mk == "suite-end" && MS ~ /^dpdk/ { on = 0 }'
	elif [ "$mode" = bench ]; then
		# shellcheck disable=SC2016 # an awk program
		prog='{ mk = marker() }
			mk == "bench-begin" || mk == "bench-end" { on = mk == "bench-begin"; next }
			on { print; fflush() }'
	else
		# shellcheck disable=SC2016 # an awk program
		prog='{ mk = marker() }
			mk ~ /^(suite-|edu|guest-up|done|warning)/ || /\] (WARNING|BUG|KASAN|UBSAN|Kernel panic|Oops|INFO: |kmemleak)/ {
				print "  guest: " $0; fflush() }'
	fi
	# The program comes from a file: the serial log is on stdin.
	awk -f "$REPO/scripts/protocol.awk" -f <(printf '%s\n' "$prog")
}

main() {
	[ -f "$kernel" ] || die "$kernel not found (make kernel)"
	[ -f "$initrd" ] || die "$initrd not found (make initramfs)"
	command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not installed (make deps)"
	mkdir -p "$LOGS"

	if [ "$mode" = shell ]; then
		say "interactive guest; Ctrl-A X quits QEMU"
		"${QEMU[@]}" -serial mon:stdio -serial null
		return
	fi

	local limit t0 rc=0
	limit=${VM_TIMEOUT:-$(default_timeout)}
	t0=$(now)
	say "booting the $flavor kernel under QEMU/TCG (mode $mode, timeout ${limit}s, log $log)"
	: >"$log"
	: >"$events"
	: >"$requests"
	"${QEMU[@]}" -serial stdio -serial "file:$requests" </dev/null >"$log" 2>&1 &
	qpid=$!
	tail -n +1 -F --pid="$qpid" "$log" 2>/dev/null | live_filter &
	tpid=$!
	# Two watchdogs: the whole run (limit), and each suite, which must end
	# SUITE_GRACE seconds after its own timeout at the latest (the guest's
	# busybox timeout did not fire: the kernel hangs).
	local cur='' cur_t0=0 hung name secs
	while kill -0 "$qpid" 2>/dev/null; do
		hung=$(hung_suite)
		name=${hung% *} secs=${hung##* }
		if [ "$name" != "$cur" ]; then
			cur=$name cur_t0=$(now)
		fi
		if [ $(($(now) - t0)) -ge "$limit" ]; then
			hang "the guest timed out after ${limit}s${cur:+ in suite $cur (no end marker)}" "$cur"
			return 2
		fi
		if [ -n "$cur" ] && [ $(($(now) - cur_t0)) -ge $((secs + SUITE_GRACE)) ]; then
			hang "suite $cur did not end ${SUITE_GRACE}s after its ${secs}s timeout (the guest hangs)" "$cur"
			return 2
		fi
		host_requests
		sleep 1
	done
	wait "$qpid" || rc=$?
	qpid=
	sleep 0.3 # let tail print the last lines
	cleanup
	[ "$rc" -eq 0 ] || die "QEMU exited with status $rc (log: $log)"
	say "guest finished in $(($(now) - t0))s"
}

main "$@"
