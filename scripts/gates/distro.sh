#!/usr/bin/env bash
# The distro rows of make series-check: what a distribution packager
# carrying the series does (docs/packaging.md). distro.sh ROWFILE, for a row
# of configs/matrix/ with "# base: debian" (scripts/gates/matrix.sh calls
# it); the row's settings are the config changes the packager adds.
#
#   debian source  Debian's linux 7.2.13-1 source package (fetch_dsc: the
#            mirror, else Debian sid through a private apt configuration,
#            every file's sha256 pinned; cached under build/dl), unpacked
#            with dpkg-source -x (which applies Debian's own patches) under
#            build/series-check-debian-src; the series copied to
#            debian/patches/noiommu-cdev/, appended to debian/patches/series
#            and applied with quilt (fuzz 0) on top of Debian's patches. A
#            patch that does not apply fails the row, named. Later runs pop
#            the old copy of the series and push the new one.
#   debian orig   the series applies (patch -F0, in order) to the pristine
#            v7.2.13 of the orig tarball, no Debian patch: the files the
#            series touches, extracted once.
#   matrix x86_64: <row>   the kernel config from Debian's own machinery
#            (debian/rules.gen's KCONFIG list for amd64_none_amd64, merged
#            by debian/bin/kconfig.py), checked against what Debian shipped
#            (linux-config-7.2 7.2.13-1, config.amd64_none_amd64); then the
#            row's settings appended to Debian's amd64 config file and merged
#            again, olddefconfig, the row's expect: symbols checked (and
#            Debian's defaults of them shown); a W=1 build of drivers/iommu/
#            and drivers/vfio/ from Debian's patched tree in its own O= dir
#            (build/series-check-x86_64-debian), no warning the base build
#            did not have; modpost of those modules against the symbols of
#            Debian's kernel (Module.symvers of linux-headers-7.2.13+deb14-
#            amd64): exports, namespaces, licenses, section mismatches. No
#            vmlinux is built (hours here): the built-in objects of the two
#            directories stand in for what changed in vmlinux, plus the
#            built-in objects the row's options add to Debian's vmlinux
#            (found from the symbols the modules miss; named in the row).
#            Without the source package (the first row failed) the config is
#            linux-config-7.2's + the row, built from the base worktree.
# DISTRO_DSC=file.dsc takes that source package instead of Debian's (no
# checksum: for trying the gate's own failures on a small package).
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

# Debian's linux source package of the base, what a packager starts from.
SRC_PKG=linux
SRC_FILES=(
	"linux_${BASE_VERSION}.dsc cd2ac869db11a6b2395a914b0780a19a7ac312e1376322b168cde578510b90f1"
	"linux_7.2.13.orig.tar.xz 583178e65b5bf45656b9a7687b035d74f00ed80882bdb101aea87834d6dc8221"
	"linux_${BASE_VERSION}.debian.tar.xz 43ea80998510eb5bf96407ac1ddc6608924460fbfca40ef7f4f8f8b34e71ca2b"
)
DISTRO_DSC=${DISTRO_DSC:-}
DEB_DIR=$BUILD/series-check-debian-src
DEB_TREE=$DEB_DIR/linux
DEB_STAMP=$DEB_DIR/unpacked # the .dsc's sha256, then Debian's top patch
ORIG_DIR=$DEB_DIR/orig-touched
SUBDIR=noiommu-cdev # debian/patches/$SUBDIR/
FLAVOUR=amd64_none_amd64
DSC=

# quilt_in ARGS...: quilt in Debian's tree, on its debian/patches.
quilt_in() { (cd "$DEB_TREE" && QUILT_PATCHES=debian/patches QUILT_PC=.pc quilt "$@"); }

# Debian's archive lists linux 7.2.13-1's source files in sid's Sources
# index (the sha256s pinned here) but has answered 404 for each of them on
# this project's machines. The two source rows cannot run then: they are
# shown as n/a with this note (counted neither passed nor failed) until the
# files are in $MIRROR_DIR. A file that is there or downloads but does not
# match its sha256 still fails.
UNAVAILABLE="not run: Debian's archive does not serve linux_${BASE_VERSION}.dsc and its tarballs here; put them in the mirror"

# unavailable LOG: did fetching the source fail only because it is not to
# be had (not in the mirror, no download), rather than a bad checksum?
unavailable() {
	grep -qE 'could not be downloaded|cannot be reached' "$1" &&
		! grep -q 'sha256' "$1"
}

# source_dsc LOG: the verified .dsc (fetch_dsc, in a subshell: it dies
# with one line on failure, kept in LOG).
source_dsc() {
	if [ -n "$DISTRO_DSC" ]; then
		realpath "$DISTRO_DSC"
		return
	fi
	(fetch_dsc "$SRC_PKG" "$BASE_VERSION" "linux_${BASE_VERSION}.dsc" "${SRC_FILES[@]}") 2>>"$1"
}

# drop_series: pop our patches off Debian's tree and take them out of
# debian/patches; false if the tree is not as dpkg-source left it.
drop_series() {
	local top
	top=$(sed -n 2p "$DEB_STAMP")
	# (grep reads all of quilt's output: -q would make quilt die of SIGPIPE)
	if quilt_in applied 2>/dev/null | grep "^$SUBDIR/\|^debian/patches/$SUBDIR/" >/dev/null; then
		if [ -n "$top" ]; then quilt_in pop -q "$top"; else quilt_in pop -q -a; fi || return 1
	fi
	sed -i "\#^$SUBDIR/#d" "$DEB_TREE/debian/patches/series"
	rm -rf "${DEB_TREE:?}/debian/patches/$SUBDIR"
	[ "$(quilt_in top 2>/dev/null || true)" = "$top" ]
}

# carried: Debian's kept tree already carries exactly this series, all
# of it pushed (a later run of an unchanged series: nothing to redo).
carried() {
	local p names=()
	while IFS= read -r p; do
		cmp -s "$p" "$DEB_TREE/debian/patches/$SUBDIR/${p#"$PATCHES_DIR"/}" || return 1
		names+=("$SUBDIR/${p#"$PATCHES_DIR"/}")
	done < <(series_files)
	[ "$(grep "^$SUBDIR/" "$DEB_TREE/debian/patches/series")" = "$(printf '%s\n' "${names[@]}")" ] &&
		[ "$(quilt_in applied 2>/dev/null | sed 's#^debian/patches/##' | grep "^$SUBDIR/")" = \
			"$(printf '%s\n' "${names[@]}")" ]
}

# unpack_source DSC LOG: Debian's tree, as dpkg-source -x leaves it (kept
# between runs: only our patches are popped and pushed again).
unpack_source() {
	local dsc=$1 log=$2 id
	id=$(sha256sum "$dsc" | cut -d' ' -f1)
	if [ "$(head -1 "$DEB_STAMP" 2>/dev/null)" = "$id" ] && [ -d "$DEB_TREE" ] &&
		drop_series >>"$log" 2>&1; then
		return 0
	fi
	rm -rf "$DEB_DIR"
	mkdir -p "$DEB_DIR"
	(cd "$DEB_DIR" && dpkg-source -x "$dsc" "$(basename "$DEB_TREE")") >>"$log" 2>&1 || return 1
	{
		printf '%s\n' "$id"
		quilt_in top 2>/dev/null || true
	} >"$DEB_STAMP"
}

# source_row LOG: the first row (sets DSC, the verified .dsc); true when Debian's tree carries the series.
source_row() {
	local log=$1 t0 name dsc p ndeb failing
	t0=$(now)
	name="debian source: linux $BASE_VERSION + the series in debian/patches/$SUBDIR (quilt)"
	if ! dsc=$(source_dsc "$log"); then
		detail_grep 'error' "$log" 3
		if unavailable "$log"; then
			record n/a $(($(now) - t0)) "$name" "$UNAVAILABLE"
		else
			record FAIL $(($(now) - t0)) "$name" "no verified source package"
		fi
		return 1
	fi
	DSC=$dsc
	if [ "$(head -1 "$DEB_STAMP" 2>/dev/null)" = "$(sha256sum "$dsc" | cut -d' ' -f1)" ] &&
		[ -d "$DEB_TREE" ] && carried; then
		record ok $(($(now) - t0)) "$name" "carried already (an earlier run pushed this series)"
		return 0
	fi
	if ! unpack_source "$dsc" "$log"; then
		detail_grep 'error|dpkg-source' "$log" 5
		record FAIL $(($(now) - t0)) "$name" "dpkg-source -x failed"
		return 1
	fi
	ndeb=$(quilt_in applied 2>/dev/null | wc -l)
	mkdir -p "$DEB_TREE/debian/patches/$SUBDIR"
	# The series' own layout (prerequisites/ too), in its order.
	while IFS= read -r p; do
		install -D -m 644 "$p" "$DEB_TREE/debian/patches/$SUBDIR/${p#"$PATCHES_DIR"/}"
		printf '%s/%s\n' "$SUBDIR" "${p#"$PATCHES_DIR"/}" >>"$DEB_TREE/debian/patches/series"
	done < <(series_files)
	if ! quilt_in push -a --fuzz=0 >"$log.quilt" 2>&1; then
		cat "$log.quilt" >>"$log"
		failing=$(quilt_in next 2>/dev/null || true)
		failing=${failing#debian/patches/}
		detail "quilt push -a --fuzz=0 stopped at ${failing:-?}:"
		# quilt's output from the patch that failed on.
		awk '/^Applying patch / { n = 0 } { l[++n] = $0 } END { for (i = 1; i <= n; i++) print l[i] }' \
			"$log.quilt" >"$log.quilt.last"
		detail_file "$log.quilt.last" 15
		record FAIL $(($(now) - t0)) "$name" "${failing#"$SUBDIR"/} does not apply on Debian's patches"
		return 1
	fi
	cat "$log.quilt" >>"$log"
	record ok $(($(now) - t0)) "$name" \
		"$ndeb Debian patches, then $(series_files | wc -l) of ours with quilt, fuzz 0"
}

# orig_row LOG: the series on the pristine orig tarball.
orig_row() {
	local log=$1 t0 name dsc orig top key files=() work p rc=0
	t0=$(now)
	name="debian orig: the series applies to the pristine v7.2.13 (orig tarball)"
	dsc=$DSC
	if [ -z "$dsc" ]; then
		if unavailable "$log"; then
			record n/a $(($(now) - t0)) "$name" "$UNAVAILABLE"
		else
			record FAIL $(($(now) - t0)) "$name" "no verified source package"
		fi
		return
	fi
	orig=$(awk '/^Checksums-Sha256:/ { on = 1; next } /^[^ ]/ { on = 0 } on && $3 ~ /\.orig\.tar\./ { print $3 }' "$dsc")
	orig=$(dirname "$dsc")/$orig
	mapfile -t files < <(series_touched)
	key=$(printf '%s\n' "$orig" "${files[@]}" | sha256sum | cut -d' ' -f1)
	if [ "$(cat "$ORIG_DIR.key" 2>/dev/null)" != "$key" ]; then
		rm -rf "$ORIG_DIR" "$ORIG_DIR.key"
		mkdir -p "$ORIG_DIR"
		top=$(tar -tf "$orig" 2>/dev/null | head -1 | cut -d/ -f1 || true)
		# Files the series creates are not in it: tar's status 2.
		tar -xf "$orig" -C "$ORIG_DIR" --strip-components=1 "${files[@]/#/$top/}" >>"$log" 2>&1 || rc=$?
		if [ "$rc" -gt 2 ] || [ -z "$top" ]; then
			record FAIL $(($(now) - t0)) "$name" "could not extract $(basename "$orig")"
			return
		fi
		printf '%s\n' "$key" >"$ORIG_DIR.key"
	fi
	work=$(mktemp -d "$DEB_DIR/.orig.XXXXXX")
	cp -a "$ORIG_DIR/." "$work/"
	while IFS= read -r p; do
		if ! (cd "$work" && patch -p1 -F0 -N --batch --no-backup-if-mismatch -i "$p") >"$log.orig" 2>&1; then
			cat "$log.orig" >>"$log"
			detail "patch -p1 -F0 $(basename "$p") on the orig tree:"
			detail_grep 'FAILED|failed|malformed|No file|not found|Reversed' "$log.orig" 10
			rm -rf "$work"
			record FAIL $(($(now) - t0)) "$name" "$(basename "$p") does not apply to $(basename "$orig")"
			return
		fi
		cat "$log.orig" >>"$log"
	done < <(series_files)
	rm -rf "$work"
	record ok $(($(now) - t0)) "$name" "$(series_files | wc -l) patches, patch -F0, on $(basename "$orig")"
}

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

# rules_value VAR: the value VAR='...' has in the flavour's setup rule of
# debian/rules.gen (the KCONFIG list, KCONFIG_OPTIONS).
rules_value() {
	awk -v target="setup_$FLAVOUR:" -v var="$1" '
		$1 == target { on = 1; next }
		on && /^[^\t]/ { on = 0 }
		on && (i = index($0, var "=\047")) {
			v = substr($0, i + length(var) + 2); sub(/\047.*/, "", v); print v; exit
		}' "$DEB_TREE/debian/rules.gen"
}

# kconfig_list LOG: KCONFIG_LIST, the config files debian/rules.gen merges
# for the flavour; PACKAGER_FILE, the amd64 one of them (where a packager
# adds settings for amd64), restored to Debian's text if an earlier run
# appended to it.
KCONFIG_LIST=()
PACKAGER_FILE=
kconfig_list() {
	local f
	read -r -a KCONFIG_LIST <<<"$(rules_value KCONFIG)"
	if [ ${#KCONFIG_LIST[@]} -eq 0 ]; then
		printf 'no KCONFIG list for setup_%s in debian/rules.gen\n' "$FLAVOUR" >>"$1"
		return 1
	fi
	PACKAGER_FILE=${KCONFIG_LIST[-1]}
	for f in "${KCONFIG_LIST[@]}"; do case $f in */amd64/*) PACKAGER_FILE=$f ;; esac; done
	if [ -f "$DEB_DIR/packager-file.orig" ]; then
		cp "$DEB_DIR/packager-file.orig" "$DEB_TREE/$PACKAGER_FILE"
	else
		cp "$DEB_TREE/$PACKAGER_FILE" "$DEB_DIR/packager-file.orig"
	fi
}

# machinery_config OUTFILE LOG: the flavour's config as Debian's packaging
# merges it (debian/bin/kconfig.py over KCONFIG_LIST, with the options).
machinery_config() {
	local opts=()
	eval "opts=($(rules_value KCONFIG_OPTIONS))"
	(cd "$DEB_TREE" && PYTHONPATH=debian/lib/python python3 debian/bin/kconfig.py \
		"$1" "${KCONFIG_LIST[@]}" "${opts[@]}") >>"$2" 2>&1
}

# machinery_matches_shipped FILE: every setting Debian's machinery made is
# the one linux-config-7.2 shipped; else the differences, false.
machinery_matches_shipped() {
	local bad
	bad=$(LC_ALL=C join -t= -j1 <(fragment_settings "$1" | LC_ALL=C sort -t= -k1,1) \
		<(fragment_settings "$OUT/.debian.config" | LC_ALL=C sort -t= -k1,1) |
		awk -F= '$2 != $3 { print $1 ": merged " $2 ", shipped " $3 }' | head -10)
	[ -z "$bad" ] && return 0
	mapfile -t bad <<<"$bad"
	detail "Debian's machinery, as run here, did not give what linux-config-7.2 ships:" "${bad[@]}"
	return 1
}

# packager_config ROW LOG: Debian's merge checked against what it shipped,
# then the row's settings in PACKAGER_FILE, merged again.
packager_config() {
	local row=$1 log=$2
	kconfig_list "$log" || return 1
	machinery_config "$OUT/.machinery.config" "$log" || return 1
	machinery_matches_shipped "$OUT/.machinery.config" || return 1
	{
		printf '\n## noiommu-cdev series (its docs/packaging.md)\n'
		grep -E '^(CONFIG_|# CONFIG_[A-Za-z0-9_]+ is not set)' "$row"
	} >>"$DEB_TREE/$PACKAGER_FILE"
	machinery_config "$OUT/.config" "$log"
}

# configure_row ROW LOG: the config (Debian's machinery + the row when
# Debian's tree is there, else linux-config-7.2's config + the row),
# olddefconfig.
configure_row() {
	if [ -n "$KSRC" ]; then
		packager_config "$1" "$2" || return 1
	else
		cp "$OUT/.debian.config" "$OUT/.config"
		"$SC_TREE/scripts/kconfig/merge_config.sh" -m -O "$OUT" "$OUT/.config" "$1" >>"$2" 2>&1 ||
			return 1
	fi
	if ! kmake "$KEY" olddefconfig >"$OUT/.olddefconfig.out" 2>&1; then
		cat "$OUT/.olddefconfig.out" >>"$2"
		return 1
	fi
	cat "$OUT/.olddefconfig.out" >>"$2"
	KCONFIG_WARNINGS=$(grep -iE -A4 'warning' "$OUT/.olddefconfig.out" | grep -vE '^#|^--$' || true)
}

# debian_defaults ROW: what Debian's own config has for the row's symbols.
debian_defaults() {
	local s res=()
	for s in $(fragment_settings "$1"); do
		res+=("${s%%=*}=$(config_value "$OUT/.debian.config" "${s%%=*}")")
	done
	printf 'Debian 7.2 has %s' "${res[*]}"
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
	local row=$1 rname expected name t0 log where notes=()
	rname=$(header "$row" row)
	expected=$(header "$row" expect)
	name="matrix x86_64: ${rname:-$(basename "$row")}"
	t0=$(now)
	log=$SC_LOGS/matrix-$(basename "$row" .config).log
	: >"$log"
	# The source rows log apart: the build's warnings are judged on $log.
	: >"$log.source"
	debian_inputs
	if source_row "$log.source" && [ -z "$DISTRO_DSC" ]; then
		KSRC=$DEB_TREE
	else
		where="base worktree, linux-config-7.2's config + the row (no Debian tree)"
	fi
	orig_row "$log.source"
	[ -z "$DISTRO_DSC" ] || return 0
	t0=$(now)
	row_configured "$name" "$t0" "$log" "$OUT/.config" "$expected" \
		configure_row "$row" "$log" || return 0
	[ -z "$KSRC" ] || where="Debian's tree, config from its machinery + the row in $PACKAGER_FILE"
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
	notes=("$where: as intended" "$(debian_defaults "$row")" "W=1 ${DIRS[*]}: no new warning" "${notes[@]}")
	record ok $(($(now) - t0)) "$name" "$(joined "${notes[@]}")"
}

distro_row "${1:?usage: distro.sh ROWFILE}"
