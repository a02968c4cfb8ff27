#!/usr/bin/env bash
# Gate "matrix" of make series-check: Kconfig combinations, one row per file
# of configs/matrix/ (format: configs/matrix/README.md), the series applied
# in the scratch tree: tinyconfig of the row's architecture +
# configs/series-check.config + the row, olddefconfig; the symbols must come
# out as the row expects (and Kconfig must not warn); then a W=1 build of
# drivers/iommu/ and drivers/vfio/ (vmlinux and the modules when the row has
# MODULES=y) with no warning the base build did not have. A row with
# "# base: debian" starts from Debian's own config instead: distro.sh.
set -euo pipefail
# shellcheck source=scripts/gates/common.sh
. "$(dirname "$0")/common.sh"

# SCOPE_RE: the warnings that count in a whole-kernel build: those of the
# series' build directories, of the headers it touches, and modpost's.
scope_re() {
	local re='^WARNING: modpost: ' d f files=()
	mapfile -t files < <(touched)
	while IFS= read -r d; do re+="|^${d//./\\.}"; done < <(build_dirs "${files[@]}")
	for f in "${files[@]}"; do
		case $f in include/*.h) re+="|^${f//./\\.}:" ;; esac
	done
	printf '%s' "$re"
}

# dropped ROWFILE EXPECTED: what the row asks for (y or m) and expects off:
# olddefconfig drops it on purpose.
dropped() {
	local s res=()
	for s in $(fragment_settings "$MATRIX_FRAG" "$1"); do
		case ${s#*=} in y | m) ;; *) continue ;; esac
		[[ " $2 " == *" ${s%%=*}=n "* ]] && res+=("${s%%=*}")
	done
	printf '%s' "${res[*]}"
}

# build_row ARCH OUT LOG: the W=1 build; sets notes of the caller for a full
# build, and leaves the counted warnings in LOG.warnings.
build_row() {
	local arch=$1 out=$2 log=$3 targets=("${ALWAYS_DIRS[@]}") other
	[ "$(config_value "$out/.config" MODULES)" != y ] || targets=(vmlinux modules)
	if ! kmake "$arch" W=1 "${targets[@]}" >>"$log" 2>&1; then
		detail "build failed (W=1 ${targets[*]}):"
		detail_grep 'error:|ERROR:|Error [0-9]' "$log" 15
		return 1
	fi
	normalize_warnings <"$log" >"$log.all"
	if [ "${targets[0]}" != vmlinux ]; then
		cp "$log.all" "$log.warnings"
		return 0
	fi
	# The whole vmlinux was built: count the warnings of the series'
	# directories, touched headers and modpost only.
	grep -E "$SCOPE_RE" "$log.all" >"$log.warnings" || true
	other=$(($(wc -l <"$log.all") - $(wc -l <"$log.warnings")))
	[ "$other" = 0 ] || notes+=("$other warning(s) elsewhere in vmlinux not counted")
	notes+=("vmlinux + modules, modpost clean")
}

matrix_row() {
	local row=$1 arch rname expected name t0 out log drop notes=()
	arch=$(header "$row" arch)
	rname=$(header "$row" row)
	expected=$(header "$row" expect)
	name="matrix ${arch:-?}: ${rname:-$(basename "$row")}"
	wanted_row "$name" || return 0
	t0=$(now)
	if [ -z "$arch" ] || [ -z "$rname" ] || [ -z "$expected" ]; then
		record FAIL 0 "matrix $(basename "$row")" "no '# arch:', '# row:' or '# expect:' header"
		return
	fi
	out=$(out_dir "$arch")
	log=$SC_LOGS/matrix-$(basename "$row" .config).log
	: >"$log"
	row_configured "$name" "$t0" "$log" "$out/.config" "$expected" \
		configure "$arch" "$log" "$MATRIX_FRAG" "$row" || return 0
	drop=$(dropped "$row" "$expected")
	[ -z "$drop" ] || notes+=("olddefconfig dropped $drop as expected")
	if ! build_row "$arch" "$out" "$log"; then
		record FAIL $(($(now) - t0)) "$name" "build failed"
		return
	fi
	new_lines "$BASE_WARNINGS" "$log.warnings" >"$log.new"
	if [ -s "$log.new" ]; then
		detail "new warnings:"
		detail_file "$log.new"
		notes+=("$(wc -l <"$log.new") new warning(s)")
		record FAIL $(($(now) - t0)) "$name" "$(joined "${notes[@]}")"
		return
	fi
	notes=("config as intended" "${notes[@]}")
	record ok $(($(now) - t0)) "$name" "$(joined "${notes[@]}")"
}

SCOPE_RE=$(scope_re)
for row in "$MATRIX_DIR"/*.config; do
	[ -f "$row" ] || die "no matrix rows in $MATRIX_DIR"
	case $(header "$row" base) in
	'') matrix_row "$row" ;;
	debian)
		if wanted_row "matrix x86_64: $(header "$row" row)" || wanted_row "debian source" ||
			wanted_row "debian orig"; then
			"$(dirname "$0")/distro.sh" "$row"
		fi
		;;
	*) record FAIL 0 "matrix $(basename "$row")" "unknown '# base: $(header "$row" base)'" ;;
	esac
done
