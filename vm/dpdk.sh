#!/bin/sh
# make dpdk, guest side (busybox sh; scripts/dpdk.sh puts it in the
# initramfs as /harness/dpdk.sh with its settings in /harness/dpdk.conf).
#
# Binds the e1000 NICs (8086:100e) to vfio-pci in no-IOMMU mode and runs
# dpdk-testpmd on the first two with IOVA as PA:
#   1. io forwarding, started with tx_first (one burst of 32 packets from
#      each port), for DPDK_IO_SECS seconds: the bursts go round port 0 ->
#      hub -> port 1 -> testpmd -> port 1 tx ... ; the counters of both ports
#      must be above zero.
#   2. integrity: rxonly with verbose output, started with tx_first: each
#      port transmits one burst of 32 UDP packets of LEN bytes from its own
#      MAC to the other port's MAC (the NIC reads them by DMA at their
#      physical addresses); the other port must receive exactly those 32,
#      each intact: source and destination MAC, ether type 0x0800, length,
#      and headers that parse as Ethernet/IPv4/UDP (testpmd's software
#      packet type).
# Prints TAP, testpmd's output, then "dpdk: PASS" or "dpdk: FAIL: ...".
# Bad input (no hugepages, no NIC bound, testpmd missing) is one line
# "dpdk: error: ..." and exit 1.
TESTPMD=/usr/bin/dpdk-testpmd DPDK_LIBPATH='' DPDK_PLUGIN_DIRS='' DPDK_CDEV='' DPDK_IO_SECS=5 DPDK_HUGEPAGES=''
# shellcheck disable=SC1091 # written by scripts/dpdk.sh
[ ! -r /harness/dpdk.conf ] || . /harness/dpdk.conf
NIC_VENDOR=0x8086 NIC_DEVICE=0x100e
MAC0=52:54:00:00:00:01 MAC1=52:54:00:00:00:02
# The integrity burst goes to these destination MACs (the ports are
# promiscuous), so that no packet of phase 1 counts: the 32 a port still had
# in its RX ring at "stop" are dumped too when "start" flushes the ring (the
# verbose dump is an RX callback), though the forward statistics skip them.
PEER0=02:00:00:00:01:01 PEER1=02:00:00:00:01:02
LEN=64       # txonly's packet length
BURST=32     # testpmd's default burst: packets tx_first sends a port
OUT=/tmp/testpmd.out
FIFO=/tmp/testpmd.in
HP=/sys/kernel/mm/hugepages/hugepages-2048kB

error() {
	echo "dpdk: error: $*"
	exit 1
}

check_hugepages() {
	if [ -n "$DPDK_HUGEPAGES" ]; then
		echo "$DPDK_HUGEPAGES" >/proc/sys/vm/nr_hugepages
	fi
	free=$(cat "$HP/free_hugepages" 2>/dev/null || echo 0)
	[ "$free" -ge 16 ] ||
		error "no hugepages: $free free 2 MiB pages, make dpdk wants 16 (32 MiB; vm.nr_hugepages=$(cat /proc/sys/vm/nr_hugepages))"
	echo "# hugepages: $free of 2 MiB free, hugetlbfs on /dev/hugepages"
}

# Bind every e1000 to vfio-pci; BDFS: the bound ones, in sysfs order.
bind_nics() {
	BDFS=''
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor"):$(cat "$d/device")" = $NIC_VENDOR:$NIC_DEVICE ] || continue
		bdf=${d##*/}
		echo vfio-pci >"$d/driver_override"
		[ ! -e "$d/driver" ] || echo "$bdf" >"$d/driver/unbind"
		echo "$bdf" >/sys/bus/pci/drivers_probe
		drv=$(basename "$(readlink "$d/driver" 2>/dev/null)" 2>/dev/null)
		group=$(basename "$(readlink "$d/iommu_group" 2>/dev/null)" 2>/dev/null)
		cdev=$(ls "$d/vfio-dev" 2>/dev/null)
		echo "# nic $bdf driver=${drv:-none} group /dev/vfio/noiommu-${group:-none} cdev /dev/vfio/devices/${cdev:-none}"
		if [ "$drv" = vfio-pci ] && [ -c "/dev/vfio/noiommu-$group" ]; then
			BDFS="$BDFS $bdf"
		fi
	done
	# shellcheck disable=SC2086 # split into BDFs
	set -- $BDFS
	[ $# -ge 2 ] || error "no NIC bound: $# e1000 NIC(s) ($NIC_VENDOR:$NIC_DEVICE) bound to vfio-pci in no-IOMMU mode, testpmd needs 2"
	BDF0=$1 BDF1=$2
}

check_testpmd() {
	mkdir -p /var/run # EAL's runtime directory, /var/run/dpdk
	# EAL refuses plugins below a world-writable directory; the
	# initramfs root is 0777.
	chmod 755 /
	[ -x "$TESTPMD" ] || error "testpmd missing: $TESTPMD is not in the initramfs"
	if [ -n "$DPDK_LIBPATH" ]; then
		LD_LIBRARY_PATH=$DPDK_LIBPATH
		export LD_LIBRARY_PATH
	fi
	if [ "$DPDK_CDEV" = 1 ]; then
		rm -f /dev/vfio/vfio
		echo "# DPDK_CDEV=1: /dev/vfio/vfio removed: DPDK must take /dev/vfio/devices/noiommu-vfioN and /dev/iommu"
	fi
}

# count PATTERN: lines of testpmd's output matching the extended regex.
count() { grep -cE "$1" $OUT; }

# wait_for PATTERN N SECONDS: until PATTERN is in testpmd's output N times
# (fails at once if testpmd has exited).
wait_for() {
	i=0
	while [ "$(count "$1")" -lt "$2" ]; do
		i=$((i + 1))
		[ $i -le $(($3 * 5)) ] && kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.2
	done
}

# The commands, fed to testpmd's prompt as it gets to each phase.
commands() {
	wait_for 'testpmd> ' 1 90 || return 0
	echo "set eth-peer 0 $MAC1"
	echo "set eth-peer 1 $MAC0"
	echo "set fwd io"
	echo "start tx_first"
	sleep "$DPDK_IO_SECS"
	echo "stop"
	echo "show port stats all"
	echo "set fwd rxonly"
	echo "set eth-peer 0 $PEER1"
	echo "set eth-peer 1 $PEER0"
	echo "set verbose 1"
	echo "start tx_first"
	# The bursts take microseconds; testpmd's stdout is a file, so block
	# buffered: nothing to poll on.
	sleep 3
	echo "stop"
	echo "set verbose 0"
	echo "quit"
}

# --no-shconf --no-telemetry: the kernel has no AF_UNIX for EAL's multi-process
# channel and telemetry sockets.
run_testpmd() {
	: >$OUT
	rm -f $FIFO
	mkfifo $FIFO
	echo "# $TESTPMD on $BDF0 $BDF1, --iova-mode=pa, io forwarding for ${DPDK_IO_SECS}s"
	plugins=''
	for d in $DPDK_PLUGIN_DIRS; do plugins="$plugins -d $d"; done
	# shellcheck disable=SC2086 # -d DIR options
	timeout 240 "$TESTPMD" -l 0,1 -n 1 --iova-mode=pa --no-shconf --no-telemetry $plugins \
		-a "$BDF0" -a "$BDF1" -- -i --total-num-mbufs=4096 --nb-cores=1 \
		--no-lsc-interrupt <$FIFO >$OUT 2>&1 &
	pid=$!
	(commands) >$FIFO
	wait $pid
	rc=$?
	sed 's/^/  | /' $OUT
	echo "# testpmd exited with status $rc"
}

# stats PORT FIELD: FIELD (RX-packets, TX-packets) of "Forward statistics for
# port PORT", the first time (phase 1, io forwarding).
stats() {
	awk -v port="$1" -v field="$2:" '
		/Forward statistics for port/ { cur = $6; n[cur]++ }
		cur == port && n[cur] == 1 { for (i = 1; i < NF; i++) if ($i == field) { print $(i + 1); exit } }' $OUT
}

# burst DST: received packets of the integrity burst sent to DST.
burst() { count "^  src=.* - dst=$1 "; }

result() {
	ok=1
	echo "1..3"
	rx0=$(stats 0 RX-packets) tx0=$(stats 0 TX-packets)
	rx1=$(stats 1 RX-packets) tx1=$(stats 1 TX-packets)
	if [ "${rx0:-0}" -gt 0 ] && [ "${tx0:-0}" -gt 0 ] && [ "${rx1:-0}" -gt 0 ] && [ "${tx1:-0}" -gt 0 ]; then
		echo "ok 1 io forwarding: port 0 RX $rx0 TX $tx0, port 1 RX $rx1 TX $tx1"
	else
		echo "not ok 1 io forwarding: port 0 RX ${rx0:-?} TX ${tx0:-?}, port 1 RX ${rx1:-?} TX ${tx1:-?}"
		ok=0
	fi
	# port 1 receives what port 0 sent (src MAC0, dst MAC1), and back.
	for p in 0 1; do
		if [ $p = 0 ]; then src=$MAC1 dst=$PEER0; else src=$MAC0 dst=$PEER1; fi
		got=$(burst $dst)
		good=$(grep -E "^  src=$src - dst=$dst - pool=[^ ]+ - type=0x0800 - length=$LEN - nb_segs=1 " $OUT |
			grep -cE 'sw ptype: L2_ETHER L3_IPV4 L4_UDP ')
		if [ "$got" -eq $BURST ] && [ "$good" -eq $BURST ]; then
			echo "ok $((p + 2)) integrity: port $p received the $BURST packets port $((1 - p)) sent to $dst, intact (src $src, IPv4/UDP, $LEN bytes)"
		else
			echo "not ok $((p + 2)) integrity: port $p received $got packets for $dst, $good intact, of $BURST sent"
			ok=0
		fi
	done
	if [ "$rc" -ne 0 ]; then
		echo "# testpmd exited with status $rc"
		ok=0
	fi
	if [ $ok = 1 ]; then
		echo "dpdk: PASS (io forwarding and a $BURST-packet burst each way intact, on the $(group_path) path)"
		return 0
	fi
	echo "dpdk: FAIL"
	return 1
}

# The path testpmd's EAL took, from its log.
group_path() {
	if [ -e /dev/vfio/vfio ]; then echo "legacy group /dev/vfio/noiommu-N"; else echo "cdev"; fi
}

check_hugepages
bind_nics
check_testpmd
run_testpmd
result
