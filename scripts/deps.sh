#!/usr/bin/env bash
# Install the Debian packages the harness needs. Idempotent: a fast no-op
# when everything is present; otherwise 'apt-get update' once, then install
# only what is missing. Never touches the machine's apt sources.
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
)

missing=()
for p in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

say "installing missing packages: ${missing[*]}"
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || die "need root (or sudo) to install: ${missing[*]}"
	SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q || die "apt-get update failed"
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" ||
	die "apt-get install failed for: ${missing[*]}"
