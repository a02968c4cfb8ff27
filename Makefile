# Front door of the noiommu-cdev test harness. `make help` lists the targets.
#
# Variables (make VAR=value or environment):
#   DEBUG=1       use the debug kernel (KASAN, lockdep, kmemleak, UBSAN, ...)
#   TREE=dir      kernel tree for export/kernel/check (default build/linux)
#   PATCHES_DIR   the series (default patches/)
#   SHARED_DIR    shared inputs (default ../shared); MIRROR_DIR its mirror/
#   SUITES_FILE   the suite list (default vm/suites)
#   SUITES='GLOB...'  make check runs only the suites of SUITES_FILE named so
#   CMD='...'     make vm: the command the guest runs (sh -c, in /tests)
#   VM_TIMEOUT    host-side guest timeout in seconds; VERBOSE=1 shows the
#                 whole serial console; VM_APPEND extra kernel parameters
#   DPDK=prefix   make dpdk: one run of a DPDK built and installed there (default:
#                 Debian's and the DPDK snapshot's, built, on both paths: docs/dpdk.md);
#                 DPDK_CDEV=1 (with DPDK=) hides /dev/vfio/vfio in the guest (the cdev path);
#                 DPDK_IO_SECS, DPDK_HUGEPAGES, DPDK_NICS: see scripts/dpdk.sh
#   DPDK_BENCH_REPS, DPDK_BENCH_MB, DPDK_BENCH_WALLCLOCK  make dpdk-bench: see scripts/dpdk.sh

SHELL := /bin/bash
FLAVOR := $(if $(filter 1 y yes true,$(DEBUG)),debug,vm)
S := scripts

export TREE PATCHES_DIR SHARED_DIR MIRROR_DIR SUITES_FILE SUITES CMD VM_TIMEOUT VM_APPEND VERBOSE
export DPDK DPDK_CDEV DPDK_IO_SECS DPDK_HUGEPAGES DPDK_NICS DPDK_BENCH_REPS DPDK_BENCH_MB DPDK_BENCH_WALLCLOCK

.PHONY: help deps base tree export kernel selftests demo initramfs check run shell vm bench dpdk dpdk-bench kci lint series-check clean

help:
	@echo 'make check [DEBUG=1]  build everything, boot the VM, run the suites, print TAP'
	@echo '                      and "N passed, N failed, N skipped" (exit status 0 = all passed)'
	@echo 'make run [DEBUG=1]    boot the kernel, show the edu devices in noiommu mode, run examples/edu_dma'
	@echo 'make shell [DEBUG=1]  boot the kernel with a shell on the serial console'
	@echo "make vm CMD='...'     boot the kernel, run one command in the guest (in /tests), exit with its status"
	@echo "make check SUITES='noiommu_cdev vfio_*'  only the suites of vm/suites that match"
	@echo 'make bench            boot the kernel and print the GET_PA benchmark table (bench/)'
	@echo 'make bench BENCH_O2=1 the same with the kernel built -O2, as distributions do (configs/o2.config)'
	@echo 'make dpdk [DPDK=prefix] [DPDK_CDEV=1]'
	@echo '                      build the DPDK snapshot (../shared/dpdk, + clients/dpdk), boot the'
	@echo '                      kernel with two e1000 NICs wired to each other, run dpdk-testpmd'
	@echo '                      on them through vfio-pci no-IOMMU (IOVA as PA): legacy group path,'
	@echo '                      cdev path, GET_PA without CAP_SYS_ADMIN; io forwarding, then an'
	@echo '                      integrity burst; ends "dpdk: PASS|FAIL"'
	@echo 'make dpdk-bench       EAL start-up time of the three DPDK paths, 2 MiB and 1 GiB hugepages'
	@echo '                      (two boots; table with ratios; not in CI: docs/dpdk.md)'
	@echo 'make kci              kernel CI'"'"'s way: run_kselftest.sh of an installed kselftest tree'
	@echo '                      (iommu, vfio) on a kernel from the fragments alone, then on the'
	@echo '                      vm kernel (build/logs/check-kci-{off,on}.log)'
	@echo 'make deps             install the Debian packages the harness needs'
	@echo 'make base             fetch, verify and extract the base kernel source'
	@echo 'make tree             build/linux master = base + patches/'
	@echo 'make export [TREE=..] regenerate patches/ from base..master (or TREE=build/dev)'
	@echo 'make kernel           configure and build the kernel (O=build/kernel-vm|debug)'
	@echo 'make selftests        build the selftests and tests/ (needs make kernel)'
	@echo 'make demo             build examples/ into build/demo (needs make kernel)'
	@echo 'make initramfs        build the guest initramfs (needs make selftests)'
	@echo 'make lint             shellcheck every script'
	@echo 'make series-check     series quality gates: per-patch builds, Kconfig matrix, checkpatch,'
	@echo '                      sparse, kernel-doc; a table and "N passed, N failed"'
	@echo 'make clean            remove build output (keeps build/linux, build/src, worktrees)'

deps:
	@$(S)/deps.sh

base: deps
	@$(S)/base.sh

tree: base
	@$(S)/tree.sh

export:
	@$(S)/export.sh

kernel:
	@$(S)/kernel.sh $(FLAVOR)

selftests:
	@$(S)/selftests.sh $(FLAVOR)

demo:
	@$(S)/demo.sh $(FLAVOR)

initramfs:
	@$(S)/initramfs.sh $(FLAVOR)

check:
	@$(S)/check.sh check $(FLAVOR)

run:
	@$(S)/check.sh run $(FLAVOR)

shell:
	@$(S)/check.sh shell $(FLAVOR)

vm:
	@$(S)/check.sh cmd $(FLAVOR)

bench:
	@$(S)/check.sh bench $(FLAVOR)

dpdk:
	@$(S)/dpdk.sh $(FLAVOR)

# EAL start-up of the three DPDK paths, two boots (docs/dpdk.md); not in CI.
dpdk-bench:
	@$(S)/dpdk.sh $(FLAVOR) startup

# Kernel CI's way (docs/harness.md): run_kselftest.sh of an installed
# kselftest tree (iommu, vfio) on a kernel from the fragments alone, then on
# the vm kernel; both must pass.
kci:
	@$(S)/check.sh check kci-off; a=$$?; $(S)/check.sh check kci-on; b=$$?; [ $$a -eq 0 ] && [ $$b -eq 0 ]

lint: deps
	@shellcheck -x $(S)/*.sh $(S)/gates/*.sh .ci/run && shellcheck -s sh vm/init vm/run.sh vm/dpdk.sh && echo 'lint: shellcheck clean'

series-check:
	@$(S)/series-check.sh

clean:
	rm -rf build/kernel-* build/selftests-* build/demo build/dpdk build/initramfs-* build/logs build/apt build/series-check-* build/.export.* build/.linux.*
