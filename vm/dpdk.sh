#!/bin/sh
# make dpdk, guest side (busybox sh; scripts/dpdk.sh puts it in the
# initramfs as /harness/dpdk.sh with its settings in /harness/dpdk.conf).
#
#   dpdk.sh RUN   one run of testpmd; RUN (a suite of scripts/dpdk.sh):
#     legacy          Debian's testpmd, legacy group /dev/vfio/noiommu-N
#     cdev            the DPDK snapshot's testpmd with /dev/vfio/vfio removed:
#                     /dev/vfio/devices/noiommu-vfioN + /dev/iommu, IOVA from
#                     /proc/self/pagemap
#     nocap_snapshot  the same without CAP_SYS_ADMIN: expected to fail (no
#                     PFNs in pagemap, so no IOVA as PA); checks the message
#     getpa           the snapshot with clients/dpdk's patches, without
#                     CAP_SYS_ADMIN: IOVA from IOMMU_IOAS_NOIOMMU_GET_PA;
#                     /dev/vfio/vfio stays, EAL is told --vfio-mode=cdev
#                     (run it before the runs that remove /dev/vfio/vfio)
#     custom          make dpdk DPDK=prefix [DPDK_CDEV=1]: that testpmd
#     startup         make dpdk-bench: EAL start-up time of the legacy, cdev
#                     and getpa testpmds on the boot's default hugepage size
#                     (see startup() below); prints a table, no forwarding
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
# Between the two, while testpmd runs, it records the descriptors testpmd
# holds, its VmPin and CapEff, the hugepages in use, and the physical address
# of each of its hugepages (dpdk_helper pa, from its pagemap); testpmd's
# dump_physmem gives every memseg's IOVA. The cdev runs also check the path:
# EAL's "cdev mode, IOVA as PA" line, /dev/iommu and the noiommu cdevs held
# (no group, no container), VmPin equal to the hugepages in use, every
# memseg IOVA equal to its physical address, no VFIO/iommufd call refused.
# Prints TAP, testpmd's output, then "dpdk: PASS" or "dpdk: FAIL: ...".
# Bad input (no hugepages, no NIC bound, testpmd missing) is one line
# "dpdk: error: ..." and exit 1.
RUN=${1:-custom}
TESTPMD=/usr/bin/dpdk-testpmd DPDK_LIBPATH='' DPDK_PLUGIN_DIRS='' DPDK_CDEV='' DPDK_IO_SECS=5 DPDK_HUGEPAGES=''
SNAPSHOT_TESTPMD='' GETPA_TESTPMD='' DPDK_BENCH_REPS=3 DPDK_BENCH_MB=1024 DPDK_BENCH_CLOCK=''
# shellcheck disable=SC1091 # written by scripts/dpdk.sh
[ ! -r /harness/dpdk.conf ] || . /harness/dpdk.conf
HELPER=/harness/dpdk_helper
STDBUF_LIB=/usr/libexec/coreutils/libstdbuf.so
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
SNAP=/tmp/testpmd.proc    # what commands() saw of the running testpmd
HP=/sys/kernel/mm/hugepages/hugepages-2048kB
HP_KB=2048
# The message of EAL that the snapshot without CAP_SYS_ADMIN must print.
NOPA_MSG="Cannot use IOVA as 'PA' since physical addresses are not available"

error() {
	echo "dpdk: error: $*"
	exit 1
}

# The run's testpmd and path: CDEV=1 hides /dev/vfio/vfio, NOCAP=1 drops
# CAP_SYS_ADMIN, EXPECT=fail: testpmd must fail with NOPA_MSG.
select_run() {
	CDEV='' NOCAP='' EXPECT=pass
	case $RUN in
	legacy) TESTPMD=/usr/bin/dpdk-testpmd DPDK_LIBPATH='' DPDK_PLUGIN_DIRS='' ;;
	cdev) TESTPMD=$SNAPSHOT_TESTPMD CDEV=1 ;;
	nocap_snapshot) TESTPMD=$SNAPSHOT_TESTPMD CDEV=1 NOCAP=1 EXPECT=fail ;;
	getpa) TESTPMD=$GETPA_TESTPMD NOCAP=1 ;;
	custom) CDEV=$DPDK_CDEV ;;
	startup) ;;
	*) error "unknown run '$RUN' (legacy, cdev, nocap_snapshot, getpa, custom, startup)" ;;
	esac
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
	if [ -z "$TESTPMD" ] || [ ! -x "$TESTPMD" ]; then
		error "testpmd missing: '$TESTPMD' is not in the initramfs (run $RUN)"
	fi
	if [ -n "$DPDK_LIBPATH" ]; then
		LD_LIBRARY_PATH=$DPDK_LIBPATH
		export LD_LIBRARY_PATH
	fi
	if [ "$CDEV" = 1 ]; then
		rm -f /dev/vfio/vfio
		echo "# /dev/vfio/vfio removed: DPDK must take /dev/vfio/devices/noiommu-vfioN and /dev/iommu"
	fi
}

# count PATTERN: lines of testpmd's output matching the extended regex.
count() { grep -cE "$1" $OUT; }

# packets: testpmd's packet dump lines, without the "testpmd> " prompts that
# cmdline may print before one of them (same stdout, no newline).
packets() { sed -E 's/^(testpmd> )+//' $OUT | grep -E '^  src='; }

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

# What the running testpmd holds: its descriptors, VmPin, CapEff, the
# hugepages in use and the physical address of each of its hugepages.
snapshot_proc() {
	{
		for fd in /proc/"$pid"/fd/*; do echo "fd $(readlink "$fd")"; done
		grep -E '^(VmPin|CapEff):' /proc/"$pid"/status
		echo "HugeUsed: $((($(cat $HP/nr_hugepages) - $(cat $HP/free_hugepages)) * HP_KB)) kB"
		$HELPER pa "$pid" $((HP_KB * 1024)) | sed 's/^/page /'
	} >$SNAP 2>&1
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
	snapshot_proc
	# every memseg: DPDK 22.11 has "dump_physmem", 26.11 "dump physmem"
	echo "dump_physmem"
	echo "dump physmem"
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
	: >$SNAP
	rm -f $FIFO
	mkfifo $FIFO
	wrap='' capeff=''
	if [ "$NOCAP" = 1 ]; then
		wrap="$HELPER nocap"
		capeff=$($HELPER nocap grep CapEff /proc/self/status | awk '{ print $2 }')
		echo "# without CAP_SYS_ADMIN: CapEff of a command run so: $capeff"
	fi
	echo "# run $RUN: $TESTPMD on $BDF0 $BDF1, --iova-mode=pa, io forwarding for ${DPDK_IO_SECS}s"
	opts=''
	for d in $DPDK_PLUGIN_DIRS; do opts="$opts -d $d"; done
	# getpa: cdev mode though /dev/vfio/vfio is there (our EAL option), and
	# EAL's debug lines show each IOMMU_IOAS_NOIOMMU_GET_PA call
	[ "$RUN" != getpa ] || opts="--vfio-mode=cdev --log-level=lib.eal:debug"
	# testpmd's stdout line buffered (coreutils' stdbuf library): the verbose
	# packet dumps of the forwarding lcore, block buffered, were cut by the
	# echo of the next commands, which cmdline writes directly.
	# shellcheck disable=SC2086 # -d DIR options, the nocap wrapper
	LD_PRELOAD=$STDBUF_LIB _STDBUF_O=L timeout 240 $wrap "$TESTPMD" -l 0,1 -n 1 --iova-mode=pa --no-shconf --no-telemetry $opts \
		-a "$BDF0" -a "$BDF1" -- -i --total-num-mbufs=4096 --nb-cores=1 \
		--no-lsc-interrupt <$FIFO >$OUT 2>&1 &
	pid=$!
	(commands) >$FIFO
	wait $pid
	rc=$?
	sed 's/^/  | /' $OUT
	echo "# testpmd exited with status $rc"
	sed 's/^/  # /' $SNAP
}

# stats PORT FIELD: FIELD (RX-packets, TX-packets) of "Forward statistics for
# port PORT", the first time (phase 1, io forwarding).
stats() {
	awk -v port="$1" -v field="$2:" '
		/Forward statistics for port/ { cur = $6; n[cur]++ }
		cur == port && n[cur] == 1 { for (i = 1; i < NF; i++) if ($i == field) { print $(i + 1); exit } }' $OUT
}

# burst DST: received packets of the integrity burst sent to DST.
burst() { packets | grep -cE "^  src=.* - dst=$1 "; }

N=0
# tap STATUS TEXT: one TAP line, ok if STATUS (of the check just run) is 0;
# a failure makes the run fail.
tap() {
	N=$((N + 1))
	if [ "$1" = 0 ]; then echo "ok $N $2"; else echo "not ok $N $2"; ok=0; fi
}

check_forwarding() {
	rx0=$(stats 0 RX-packets) tx0=$(stats 0 TX-packets)
	rx1=$(stats 1 RX-packets) tx1=$(stats 1 TX-packets)
	[ "${rx0:-0}" -gt 0 ] && [ "${tx0:-0}" -gt 0 ] && [ "${rx1:-0}" -gt 0 ] && [ "${tx1:-0}" -gt 0 ]
	tap $? "io forwarding: port 0 RX ${rx0:-?} TX ${tx0:-?}, port 1 RX ${rx1:-?} TX ${tx1:-?}"
	# port 1 receives what port 0 sent (src MAC0, dst MAC1), and back.
	for p in 0 1; do
		if [ $p = 0 ]; then src=$MAC1 dst=$PEER0; else src=$MAC0 dst=$PEER1; fi
		got=$(burst $dst)
		good=$(packets | grep -E "^  src=$src - dst=$dst - pool=[^ ]+ - type=0x0800 - length=$LEN - nb_segs=1 " |
			grep -cE 'sw ptype: L2_ETHER L3_IPV4 L4_UDP ')
		[ "$got" -eq $BURST ] && [ "$good" -eq $BURST ]
		tap $? "integrity: port $p received $got packets for $dst, $good intact (src $src, IPv4/UDP, $LEN bytes), of the $BURST port $((1 - p)) sent"
	done
}

# held PATTERN: descriptors of testpmd whose target matches PATTERN.
held() { grep -cE "^fd $1" $SNAP; }
snapval() { awk -v k="$1:" '$1 == k { print $2 }' $SNAP; }

# Every memseg's IOVA (dump_physmem) is the physical address of its page.
check_memsegs() {
	segs=$(grep -c '^Segment .*IOVA:0x' $OUT)
	bad=$(awk '
		$1 == "page" { pa[$2] = $3; next }
		/^Segment .*IOVA:0x/ {
			iova = $0; sub(/.*IOVA:/, "", iova); sub(/,.*/, "", iova)
			va = $0; sub(/.*virt:/, "", va); sub(/,.*/, "", va)
			if (pa[va] != iova) { n++; if (n == 1) first = va " IOVA " iova " PA " pa[va] }
		}
		END { print n + 0, first }' $SNAP $OUT)
	# shellcheck disable=SC2086 # split into its fields
	set -- $bad
	[ "$segs" -gt 0 ] && [ "$1" = 0 ]
	tap $? "memsegs: each of the $segs has as IOVA the physical address of its page (testpmd's pagemap read as root)${2:+; $1 wrong, the first: $2 $3 $4 $5 $6}"
}

# no_sys_admin CAPEFF: the capability set (hex) lacks CAP_SYS_ADMIN (21) and
# has CAP_SYS_RAWIO (17) and CAP_IPC_LOCK (14).
no_sys_admin() {
	[ -n "$1" ] && [ $((0x$1 & 0x200000)) -eq 0 ] && [ $((0x$1 & 0x24000)) -eq $((0x24000)) ]
}

# The path checks of the cdev runs.
check_cdev_path() {
	[ "$(count 'VFIO support initialized: cdev mode, IOVA as PA')" -ge 1 ]
	tap $? "EAL: VFIO support initialized: cdev mode, IOVA as PA"
	iommu=$(held /dev/iommu) cdevs=$(held '/dev/vfio/devices/noiommu-vfio[0-9]+$')
	groups=$(held '/dev/vfio/noiommu-[0-9]+$') cont=$(held '/dev/vfio/vfio$')
	[ "$iommu" -eq 1 ] && [ "$cdevs" -eq 2 ] && [ "$groups" -eq 0 ] && [ "$cont" -eq 0 ]
	tap $? "testpmd holds /dev/iommu ($iommu) and the noiommu cdevs ($cdevs), no group ($groups), no container ($cont)"
	pin=$(snapval VmPin) used=$(snapval HugeUsed)
	[ -n "$pin" ] && [ "$pin" -gt 0 ] && [ "$pin" = "$used" ]
	tap $? "VmPin ${pin:-?} kB = the hugepages in use ${used:-?} kB"
	refused=$(grep -cE 'EAL: .*(error [0-9]+|[Cc]annot|[Ff]ailed)' $OUT)
	[ "$refused" -eq 0 ]
	tap $? "no VFIO or iommufd call refused ($refused EAL error lines)"
	check_memsegs
	[ "$RUN" = getpa ] || return 0
	eff=$(snapval CapEff)
	no_sys_admin "$eff"
	tap $? "testpmd ran without CAP_SYS_ADMIN (CapEff $eff)"
	[ "$(count 'No-IOMMU cdev mode: physical addresses from IOMMU_IOAS_NOIOMMU_GET_PA')" -ge 1 ]
	tap $? "EAL: No-IOMMU cdev mode: physical addresses from IOMMU_IOAS_NOIOMMU_GET_PA"
	check_get_pa
}

# Every memseg's IOVA is what IOMMU_IOAS_NOIOMMU_GET_PA returned for it (the
# patched EAL maps a memseg at iova = its virtual address and logs each call
# "IOMMU_IOAS_NOIOMMU_GET_PA: iova VA -> phys PA, LEN bytes").
check_get_pa() {
	calls=$(count 'IOMMU_IOAS_NOIOMMU_GET_PA: iova ')
	bad=$(awk '
		/IOMMU_IOAS_NOIOMMU_GET_PA: iova / {
			for (i = 1; i < NF; i++) if ($i == "iova") va = $(i + 1)
			for (i = 1; i < NF; i++) if ($i == "phys") pa = $(i + 1)
			sub(/,$/, "", pa); phys[va] = pa; next
		}
		/^Segment .*IOVA:0x/ {
			iova = $0; sub(/.*IOVA:/, "", iova); sub(/,.*/, "", iova)
			v = $0; sub(/.*virt:/, "", v); sub(/,.*/, "", v)
			segs++
			if (phys[v] != iova) { n++; if (n == 1) first = v " IOVA " iova " GET_PA " phys[v] }
		}
		END { print n + 0, segs + 0, first }' $OUT)
	# shellcheck disable=SC2086 # split into its fields
	set -- $bad
	[ "$calls" -gt 0 ] && [ "$2" -gt 0 ] && [ "$1" = 0 ]
	tap $? "memsegs: each of the $2 has the IOVA IOMMU_IOAS_NOIOMMU_GET_PA returned for it ($calls calls)${3:+, first wrong: $3 $4 $5 $6 $7}"
}

# The group path of Debian's DPDK: the container and the groups.
check_legacy_path() {
	groups=$(held '/dev/vfio/noiommu-[0-9]+$') cont=$(held '/dev/vfio/vfio$')
	[ "$groups" -eq 2 ] && [ "$cont" -eq 1 ]
	tap $? "testpmd holds the container /dev/vfio/vfio ($cont) and the noiommu groups ($groups)"
}

result() {
	ok=1
	if [ "$EXPECT" = fail ]; then
		echo "1..2"
		no_sys_admin "$capeff"
		tap $? "ran without CAP_SYS_ADMIN (CapEff $capeff)"
		got=$(count "$NOPA_MSG")
		[ "$rc" -ne 0 ] && [ "$got" -ge 1 ]
		tap $? "expected failure: testpmd exited with status $rc, EAL: \"$NOPA_MSG\" ($got)"
		if [ $ok = 1 ]; then
			echo "dpdk: PASS (run $RUN: failed as expected without CAP_SYS_ADMIN)"
			return 0
		fi
		echo "dpdk: FAIL (run $RUN)"
		return 1
	fi
	case $RUN in
	legacy) echo "1..4" ;;
	custom) echo "1..3" ;;
	getpa) echo "1..11" ;;
	*) echo "1..8" ;;
	esac
	check_forwarding
	case $RUN in
	legacy) check_legacy_path ;;
	custom) ;;
	*) check_cdev_path ;;
	esac
	if [ "$rc" -ne 0 ]; then
		echo "# testpmd exited with status $rc"
		ok=0
	fi
	if [ $ok = 1 ]; then
		echo "dpdk: PASS (run $RUN: io forwarding and a $BURST-packet burst each way intact, on the $(group_path) path)"
		return 0
	fi
	echo "dpdk: FAIL (run $RUN)"
	return 1
}

# The path testpmd's EAL took.
group_path() {
	case $RUN in
	legacy) echo "legacy group /dev/vfio/noiommu-N" ;;
	custom) if [ -e /dev/vfio/vfio ]; then echo "legacy group /dev/vfio/noiommu-N"; else echo "cdev"; fi ;;
	*) echo "cdev" ;;
	esac
}

# --- make dpdk-bench: EAL start-up, measured --------------------------------
#
# Each of the three testpmds (PATH legacy: Debian's on the group path; cdev:
# the snapshot with /dev/vfio/vfio hidden, IOVA from pagemap; getpa: the
# patched snapshot without CAP_SYS_ADMIN, --vfio-mode=cdev, IOVA from
# IOMMU_IOAS_NOIOMMU_GET_PA) is started with -m MB (that much hugepage memory
# allocated, mapped for DMA and given its IOVA during rte_eal_init()) and
# timed by dpdk_helper stamp from just before its fork to testpmd's first
# line after rte_eal_init() returns ("Interactive-mode selected"), then
# killed. That is EAL's initialisation (for legacy, with the dynamic
# loading of DPDK's libraries and plugins), the probe of one e1000 (the
# first device gets the IOAS or container set up, a second adds nothing but
# the e1000 PMD's own 18 s of busy waits under TCG) included. Each
# repetition runs every PATH with MB and 2 x MB, interleaved; the memory
# part is the difference: what DPDK_BENCH_MB more of hugepages cost
# (hugepage faults and zeroing, pagemap or GET_PA, the IOAS maps).

# The hugepage directory of the boot's default size (hugetlbfs's mount).
startup_hugepages() {
	PG_KB=$(awk '$1 == "Hugepagesize:" { print $2 }' /proc/meminfo)
	hpdir=/sys/kernel/mm/hugepages/hugepages-${PG_KB}kB
	free=$(cat "$hpdir/free_hugepages" 2>/dev/null || echo 0)
	need=$((DPDK_BENCH_MB * 2 * 1024 / PG_KB))
	[ "$free" -ge "$need" ] ||
		error "no hugepages: $free free $((PG_KB / 1024)) MiB pages, make dpdk-bench wants $need ($((DPDK_BENCH_MB * 2)) MiB)"
	echo "# hugepages: $free of $((PG_KB / 1024)) MiB free, hugetlbfs on /dev/hugepages"
}

# startup_one PATH MB: one timed start of PATH's testpmd with -m MB; prints
# the milliseconds, testpmd's lines go to $OUT.
startup_one() {
	wrap='' opts='' bin=$GETPA_TESTPMD
	case $1 in
	legacy) bin=/usr/bin/dpdk-testpmd ;;
	cdev) bin=$SNAPSHOT_TESTPMD ;;
	getpa) wrap="$HELPER nocap" opts=--vfio-mode=cdev ;;
	esac
	if [ "$1" = cdev ]; then mv /dev/vfio/vfio /dev/vfio/.vfio-hidden; fi
	# shellcheck disable=SC2086 # the nocap wrapper, the option
	$HELPER stamp 'Interactive-mode selected' timeout 600 $wrap "$bin" -l 0,1 -n 1 \
		--iova-mode=pa --no-shconf --no-telemetry --huge-unlink -m "$2" $opts \
		-a "$BDF0" -- -i >$OUT 2>&1
	st=$?
	if [ "$1" = cdev ]; then mv /dev/vfio/.vfio-hidden /dev/vfio/vfio; fi
	[ $st = 0 ] || { sed 's/^/  | /' $OUT; error "run startup: $1 testpmd with -m $2 did not start (status $st)"; }
	sed -n 's/^stamp: //p' $OUT
}

# The paths each testpmd must have taken (its EAL's line), the first time.
startup_path_ok() {
	case $1 in
	legacy) grep -q 'Using IOMMU type 8 (No-IOMMU)' $OUT ;;
	cdev) grep -q 'cdev mode, IOVA as PA' $OUT ;;
	getpa) grep -q 'physical addresses from IOMMU_IOAS_NOIOMMU_GET_PA' $OUT ;;
	esac || { sed 's/^/  | /' $OUT; error "run startup: $1 testpmd did not take its path"; }
}

# The table: median of the repetitions (lines "run PATH MB REP MS" on stdin).
startup_table() {
	awk -v mb="$DPDK_BENCH_MB" -v pg="$((PG_KB / 1024))" -v clock="$DPDK_BENCH_CLOCK" '
	function median(k,   n, i, j, t, v) {
		n = split(runs[k], v, " ")
		for (i = 1; i <= n; i++)
			for (j = i + 1; j <= n; j++)
				if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
		return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	}
	$1 == "run" { runs[$2 " " $3] = runs[$2 " " $3] " " $5; reps = $4 }
	END {
		printf "start-up, %d MiB hugepages, median of %d (ms%s; ratio against legacy)\n", pg, reps, clock
		printf "%-8s %12s %7s %12s %7s %14s %7s\n", "path", "EAL -m " mb, "ratio", "EAL -m " 2 * mb, "ratio", "memory/" mb "M", "ratio"
		np = split("legacy cdev getpa", p, " ")
		for (i = 1; i <= np; i++) {
			a[i] = median(p[i] " " mb); b[i] = median(p[i] " " 2 * mb); m[i] = b[i] - a[i]
		}
		for (i = 1; i <= np; i++)
			printf "%-8s %12.1f %6.2fx %12.1f %6.2fx %14.1f %6.2fx\n", p[i], a[i], a[i] / a[1], b[i], b[i] / b[1], m[i], (m[1] > 0 ? m[i] / m[1] : 0)
	}'
}

startup() {
	echo "1..1"
	ok=1
	startup_hugepages
	bind_nics
	mkdir -p /var/run /dev/pts
	chmod 755 /
	# dpdk_helper stamp's pseudo terminal
	grep -q ' /dev/pts devpts ' /proc/mounts || mount -t devpts devpts /dev/pts ||
		error "cannot mount devpts on /dev/pts (dpdk_helper stamp needs a pseudo terminal)"
	for bin in /usr/bin/dpdk-testpmd "$SNAPSHOT_TESTPMD" "$GETPA_TESTPMD"; do
		if [ -z "$bin" ] || [ ! -x "$bin" ]; then error "testpmd missing: '$bin' is not in the initramfs (run startup)"; fi
	done
	rows=/tmp/startup.rows
	: >$rows
	rep=1
	while [ $rep -le "$DPDK_BENCH_REPS" ]; do
		for mb in "$DPDK_BENCH_MB" $((DPDK_BENCH_MB * 2)); do
			for path in legacy cdev getpa; do
				ms=$(startup_one $path "$mb") || { echo "$ms"; exit 1; }
				if [ $rep = 1 ]; then
					startup_path_ok $path
					# where the time goes: testpmd's lines, stamped
					sed "s/^/  | $path -m $mb: /" $OUT
				fi
				echo "run $path $mb $rep $ms" | tee -a $rows
			done
		done
		rep=$((rep + 1))
	done
	startup_table <$rows | tee /tmp/startup.table
	[ "$(grep -c '^[lcg]' /tmp/startup.table)" -eq 3 ]
	tap $? "start-up measured: $DPDK_BENCH_REPS repetitions of 3 paths, -m $DPDK_BENCH_MB and $((DPDK_BENCH_MB * 2))"
	if [ $ok = 1 ]; then
		echo "dpdk: PASS (run startup)"
		return 0
	fi
	echo "dpdk: FAIL (run startup)"
	return 1
}

if [ "$RUN" = startup ]; then
	select_run
	startup
	exit
fi

select_run
check_hugepages
bind_nics
check_testpmd
run_testpmd
result
