#!/bin/sh
# Guest side of `make run`: a readable transcript of the edu devices in
# no-IOMMU mode (bound to vfio-pci by /init, which exports EDU_BDFS), then
# every executable in /demo, in name order, with the first edu device's PCI
# address as its argument (the hook for the userspace demos of examples/,
# which scripts/demo.sh builds into build/demo/ on the host).

section() { printf '\n=== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; sh -c "$*" 2>&1 | sed 's/^/  /'; }

section "kernel"
show 'uname -r'
show 'cat /proc/cmdline'
show 'cat /sys/module/vfio/parameters/enable_unsafe_noiommu_mode'

for bdf in $EDU_BDFS; do
	d=/sys/bus/pci/devices/$bdf
	group=$(basename "$(readlink "$d/iommu_group" 2>/dev/null)" 2>/dev/null)
	section "edu device $bdf"
	show "cat $d/vendor $d/device"
	show "readlink $d/driver"
	show "readlink $d/iommu_group"
	if [ -n "$group" ]; then
		show "cat /sys/kernel/iommu_groups/$group/name"
		show "ls -l /dev/vfio/noiommu-$group"
	fi
	if [ -d "$d/vfio-dev" ]; then
		show "ls $d/vfio-dev"
		for c in "$d"/vfio-dev/*; do
			[ -e "$c" ] || continue
			if [ -e "$c/dev" ]; then
				show "cat $c/dev"
				show "ls -l /dev/vfio/devices/${c##*/}"
			else
				echo "  (${c##*/} has no char device: this kernel gives the noiommu device no cdev)"
			fi
		done
	else
		echo "  (no vfio-dev entry for $bdf)"
	fi
done

section "/dev/vfio"
show 'ls -l /dev/vfio /dev/vfio/devices'
show 'cat /proc/sys/kernel/tainted'

# Each demo gets the PCI address of the first edu device.
if [ -d /demo ]; then
	for demo in /demo/*; do
		if [ ! -f "$demo" ] || [ ! -x "$demo" ]; then continue; fi
		section "demo ${demo##*/}"
		printf '$ %s %s\n' "$demo" "$EDU_BDF"
		"$demo" "$EDU_BDF"
		echo "(exit status $?)"
	done
fi
