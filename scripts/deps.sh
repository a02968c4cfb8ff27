#!/usr/bin/env bash
# Install the Debian packages the harness needs (pkg_install, scripts/lib.sh:
# a fast no-op when everything is present; otherwise 'apt-get update' once,
# then only what is missing). Never touches the machine's apt sources.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

PACKAGES=(
	# kernel build
	gcc make libc6-dev bc bison flex libelf-dev libssl-dev dwarves kmod
	perl python3 ccache rsync cpio xz-utils git
	# selftests (static) and the project's tests
	libcap-dev uuid-dev
	# the VM
	qemu-system-x86 busybox-static
	# (python3, above, is also the QMP client of scripts/vm.sh)
	# fetching the base without the mirror
	apt debian-archive-keyring
	# lint
	shellcheck
	# make dpdk: dpdk-testpmd (in dpdk-dev on Debian 12) and its PMD plugins
	# for the e1000 NICs and the ring mempool (recommended, not depended on)
	dpdk-dev librte-net-e1000-23 librte-mempool-ring23
	# make dpdk: building the DPDK snapshot (../shared/dpdk/README.md) and
	# our patches on it (scripts/dpdk-build.sh)
	meson ninja-build python3-pyelftools pkg-config libnuma-dev patch
)

pkg_install "${PACKAGES[@]}"
