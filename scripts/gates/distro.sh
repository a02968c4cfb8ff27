#!/usr/bin/env bash
# A distro row of make series-check's Kconfig matrix: what a distribution
# packager carrying the series does first. distro.sh ROWFILE, for a row of
# configs/matrix/ with "# base: debian" (scripts/gates/matrix.sh calls it):
#
#   config   Debian's own amd64 configuration of this base (linux-config-7.2
#            7.2.13-1, config.amd64_none_amd64) + the row's settings,
#            olddefconfig; the row's expect: symbols are checked.
#   build    W=1 build of drivers/iommu/ and drivers/vfio/ as Debian builds
#            them (modules where Debian has modules), in its own O= dir
#            (build/series-check-x86_64-debian); no warning the base build
#            did not have.
#   modpost  the modules of those directories against the symbols of
#            Debian's kernel (Module.symvers of linux-headers-7.2.13+deb14-
#            amd64): exports, namespaces, licenses, section mismatches. No
#            vmlinux is built (hours here): the built-in objects of the two
#            directories stand in for what changed in vmlinux, plus the
#            built-in objects the row's options add to Debian's vmlinux
#            (found from the symbols the modules miss; named in the row).
# Both packages are fetched like the base (fetch_deb: the mirror, else
# Debian sid through a private apt configuration) and checksummed.
set -euo pipefail
# shellcheck source=scripts/gates/common.sh
. "$(dirname "$0")/common.sh"

CONFIG_PKG=linux-config-7.2
CONFIG_DEB=${CONFIG_PKG}_${BASE_VERSION}_amd64.deb
CONFIG_SHA256=efd73ee3a4bd90d51a0286da81d6c9bfcd5405d9cf5b2cd0caa35a8435d171ac
CONFIG_MEMBER=./usr/src/linux-config-7.2/config.amd64_none_amd64.xz
HEADERS_PKG=linux-headers-7.2.13+deb14-amd64
HEADERS_DEB=${HEADERS_PKG}_${BASE_VERSION}_amd64.deb
HEADERS_SHA256=ca62a68d18f87235d0c32b1a3e129f9cb7859ac5e6a0c95574081f02faed8573
SYMVERS_MEMBER=./usr/src/$HEADERS_PKG/Module.symvers

KEY=x86_64-debian
OUT=$(out_dir "$KEY")
DIRS=(drivers/iommu drivers/vfio)

# member DEB MEMBER: a file of a .deb's data, on stdout.
member() { dpkg-deb --fsys-tarfile "$1" | tar -xO "$2"; }

# debian_inputs: Debian's config and Module.symvers into $OUT (once).
debian_inputs() {
	local deb
	mkdir -p "$OUT"
	if [ ! -s "$OUT/.debian.config" ]; then
		deb=$(fetch_deb "$CONFIG_PKG" "$BASE_VERSION" "$CONFIG_DEB" "$CONFIG_SHA256")
		member "$deb" "$CONFIG_MEMBER" | xz -d >"$OUT/.debian.config.tmp"
		mv "$OUT/.debian.config.tmp" "$OUT/.debian.config"
	fi
	if [ ! -s "$OUT/.debian.symvers" ]; then
		deb=$(fetch_deb "$HEADERS_PKG" "$BASE_VERSION" "$HEADERS_DEB" "$HEADERS_SHA256")
		member "$deb" "$SYMVERS_MEMBER" >"$OUT/.debian.symvers.tmp"
		mv "$OUT/.debian.symvers.tmp" "$OUT/.debian.symvers"
	fi
}

# configure_row ROW LOG: Debian's config + the row, olddefconfig.
configure_row() {
	cp "$OUT/.debian.config" "$OUT/.config"
	"$SC_TREE/scripts/kconfig/merge_config.sh" -m -O "$OUT" "$OUT/.config" "$1" >>"$2" 2>&1 ||
		return 1
	if ! kmake "$KEY" olddefconfig >"$OUT/.olddefconfig.out" 2>&1; then
		cat "$OUT/.olddefconfig.out" >>"$2"
		return 1
	fi
	cat "$OUT/.olddefconfig.out" >>"$2"
	KCONFIG_WARNINGS=$(grep -iE -A4 'warning' "$OUT/.olddefconfig.out" | grep -vE '^#|^--$' || true)
}

# The module objects of DIRS (their modules.order) and their built-in
# objects (their built-in.a), relative to $OUT.
module_objects() {
	local d
	for d in "${DIRS[@]}"; do find "$OUT/$d" -name modules.order -exec cat {} +; done | sort -u
}
builtin_objects() {
	local d
	for d in "${DIRS[@]}"; do
		[ ! -f "$OUT/$d/built-in.a" ] || (cd "$OUT" && ar t "$d/built-in.a")
	done | sort -u
}

# exporters SYMBOL...: the objects (path.o) of the kernel proper outside
# DIRS whose source exports one of the symbols.
exporters() {
	local re
	re=$(IFS='|' && echo "$*")
	(cd "$SC_TREE" && git grep -lE "EXPORT_SYMBOL[A-Z_]*\(($re)\)" -- '*.c' \
		':!drivers/iommu' ':!drivers/vfio' ':!tools' ':!samples') |
		sed 's/\.c$/.o/' || true
}

# modpost_run OBJECTS_FILE LOG [-w]: modpost over the modules with a partial
# vmlinux.o linked from OBJECTS_FILE and Debian's symbols for the rest.
modpost_run() {
	local objs=$1 log=$2 flags=(-M -E) list=() exports rc=0
	[ -z "${3:-}" ] || flags+=(-w)
	mapfile -t list <"$objs"
	(cd "$OUT" && ld -m elf_x86_64 -r -o .sc-vmlinux.o "${list[@]}") >>"$log" 2>&1 || return 1
	exports=$(nm "$OUT/.sc-vmlinux.o" | sed -n 's/.* __export_symbol_//p' | sort -u)
	# Debian's symbols minus those of DIRS' modules and of the partial vmlinux.
	awk -F'\t' -v ex="$exports" 'BEGIN { n = split(ex, e, "\n"); for (i = 1; i <= n; i++) mine[e[i]] }
		$3 !~ /^drivers\/(iommu|vfio)\// && !($2 in mine)' "$OUT/.debian.symvers" >"$OUT/.sc-input.symvers"
	module_objects >"$OUT/.sc-modules.order"
	# modpost knows vmlinux by its name, relative to the O= dir.
	mv -f "$OUT/.sc-vmlinux.o" "$OUT/vmlinux.o"
	(cd "$OUT" && ./scripts/mod/modpost "${flags[@]}" -i .sc-input.symvers \
		-o .sc-modules.symvers -T .sc-modules.order vmlinux.o) >"$log.modpost" 2>&1 || rc=$?
	rm -f "$OUT/vmlinux.o"
	cat "$log.modpost" >>"$log"
	return "$rc"
}

# modpost_check LOG: sets the caller's notes; fails on modpost errors.
modpost_check() {
	local log=$1 objs=$OUT/.sc-builtin.objs missing=() added=() o round
	builtin_objects >"$objs"
	for round in 1 2 3; do
		modpost_run "$objs" "$log" -w || true
		mapfile -t missing < <(sed -nE 's/^WARNING: modpost: "([^"]+)" \[.*\] undefined!$/\1/p' "$log.modpost" | sort -u)
		[ ${#missing[@]} -gt 0 ] || break
		local new=0
		while IFS= read -r o; do
			grep -qxF "$o" "$objs" && continue
			kmake "$KEY" W=1 "$o" >>"$log" 2>&1 || continue
			printf '%s\n' "$o" >>"$objs"
			added+=("$o")
			new=1
		done < <(exporters "${missing[@]}")
		[ "$new" = 1 ] || break
		: "$round"
	done
	[ ${#added[@]} -eq 0 ] || notes+=("built-in objects this config adds to Debian's vmlinux: ${added[*]}")
	if ! modpost_run "$objs" "$log"; then
		detail "modpost:"
		detail_grep 'ERROR|WARNING' "$log.modpost" 15
		return 1
	fi
	notes+=("$(wc -l <"$OUT/.sc-modules.order") modules, modpost clean against Debian's Module.symvers")
}

distro_row() {
	local row=$1 rname expected name t0 log notes=()
	rname=$(header "$row" row)
	expected=$(header "$row" expect)
	name="matrix x86_64: ${rname:-$(basename "$row")}"
	t0=$(now)
	log=$SC_LOGS/matrix-$(basename "$row" .config).log
	: >"$log"
	debian_inputs
	row_configured "$name" "$t0" "$log" "$OUT/.config" "$expected" \
		configure_row "$row" "$log" || return 0
	if ! kmake "$KEY" W=1 "${DIRS[@]/%//}" >>"$log" 2>&1; then
		detail "build failed (W=1 ${DIRS[*]}):"
		detail_grep 'error:|ERROR:|Error [0-9]' "$log" 15
		record FAIL $(($(now) - t0)) "$name" "build failed"
		return
	fi
	if new_warnings "$log" "$BASE_WARNINGS"; then
		record FAIL $(($(now) - t0)) "$name" "$(wc -l <"$log.new") new warning(s)"
		return
	fi
	if ! modpost_check "$log"; then
		record FAIL $(($(now) - t0)) "$name" "modpost failed"
		return
	fi
	notes=("Debian config + the row as intended" "W=1 ${DIRS[*]}: no new warning" "${notes[@]}")
	record ok $(($(now) - t0)) "$name" "$(joined "${notes[@]}")"
}

distro_row "${1:?usage: distro.sh ROWFILE}"
