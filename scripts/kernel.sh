#!/usr/bin/env bash
# Configure and build the guest kernel for a flavor (vm | debug | kci-off;
# kci-on boots vm's) out of tree:
#   O=build/kernel-<flavor>: tinyconfig + the tree's kselftest fragments
#   (iommu, vfio) + configs/vm.config [+ debug.config], or for kci-off the
#   fragments + configs/kci-off.config (vm_fragments)
#   merged with scripts/kconfig/merge_config.sh, then olddefconfig; every
#   setting of the fragments is checked afterwards (a symbol the tree's
#   Kconfig does not define, e.g. VFIO_CDEV_NOIOMMU on the base, is skipped).
# Builds bzImage with ccache and -j$(nproc), then headers_install into O=.
# Log: build/logs/kernel-<flavor>.log
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

flavor=${1:-vm}
flavor_check "$flavor"
flavor=$(kernel_flavor "$flavor")
out=$(kernel_out "$flavor")
log=$LOGS/kernel-$flavor$(tree_suffix)$(o2_suffix).log
mapfile -t frags < <(vm_fragments "$TREE" "$flavor")

export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$REPO}
KMAKE=(make -C "$TREE" O="$out" CC="ccache gcc" -j"$NPROC")

# The fragments' settings that the tree's Kconfig defines must come out of
# olddefconfig as asked (a symbol the tree does not define, e.g.
# VFIO_CDEV_NOIOMMU on the base, is skipped).
check_config() {
	local settings=() bad defs line real=()
	mapfile -t settings < <(fragment_settings "${frags[@]}")
	bad=$(config_mismatches "$out/.config" "${settings[@]}")
	[ -n "$bad" ] || return 0
	defs=$(kconfig_symbols "$TREE")
	while IFS= read -r line; do
		if grep -qx "${line%%:*}" <<<"$defs"; then real+=("$line"); fi
	done <<<"$bad"
	[ ${#real[@]} -gt 0 ] || return 0
	printf '%s: error: %s\n' "$PROG" "the $flavor config does not have what the fragments ask for:" >&2
	for line in "${real[@]}"; do printf '%s:   %s\n' "$PROG" "$line" >&2; done
	die "fix configs/*.config (a missing dependency?) and rerun"
}

configure() {
	local prev=$out/.config.harness-prev
	rm -f "$prev"
	[ ! -f "$out/.config" ] || cp -p "$out/.config" "$prev"
	{
		"${KMAKE[@]}" tinyconfig &&
			"$TREE/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${frags[@]}" &&
			"${KMAKE[@]}" olddefconfig
	} >>"$log" 2>&1 || {
		tail -30 "$log" >&2
		die "configuring the $flavor kernel failed (log: $log)"
	}
	check_config
	# Unchanged config: keep the old file (and its mtime) to stay incremental.
	if [ -f "$prev" ] && cmp -s "$prev" "$out/.config"; then
		mv -f "$prev" "$out/.config"
	else
		rm -f "$prev"
	fi
}

main() {
	require_tree
	local t0
	t0=$(now)
	mkdir -p "$out" "$LOGS"
	: >"$log"
	say "building the $flavor kernel from $TREE in $out (log: $log)"
	[ -f "$out/vmlinux" ] ||
		say "first build in $out: it takes a while (5-10 minutes on 2 cores; later builds are incremental); to follow it: tail -f $log"
	configure
	if ! "${KMAKE[@]}" bzImage >>"$log" 2>&1; then
		grep -E 'error|Error' "$log" | head -30 >&2 || true
		die "the $flavor kernel build failed (log: $log)"
	fi
	"${KMAKE[@]}" headers_install >>"$log" 2>&1 ||
		die "headers_install failed (log: $log)"
	local warnings
	warnings=$(grep -E ': warning: ' "$log" | sort -u || true)
	if [ -n "$warnings" ]; then
		warn "the $flavor kernel build printed warnings:"
		printf '%s\n' "$warnings" >&2
	fi
	say "$flavor kernel ready: $out/arch/x86/boot/bzImage ($(($(now) - t0))s)"
}

main "$@"
