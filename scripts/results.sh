#!/usr/bin/env bash
# Judge a guest serial log: results.sh LOG [SUMMARY_FILE]
#
# For every suite of vm/suites (and any other suite found in the log) it
# prints the suite's top-level TAP result lines and its totals, taken from
# the kselftest "# Totals: pass:.. fail:.. xfail:.. xpass:.. skip:.. error:.."
# line(s) when present, else counted from the "ok N"/"not ok N" lines
# ("# SKIP" = skipped; the "#"-prefixed lines kselftest_harness nests are
# not counted). A suite that did not run, has no end marker (hung or the
# guest died), exited nonzero, timed out or printed no TAP counts one more
# failure. Two more checks: the guest ran to its end, and the kernel log
# has no splat (WARNING/BUG/KASAN/UBSAN/lockdep/INFO:/Call Trace/Oops/
# panic/kmemleak). Ends with "N passed, N failed, N skipped" alone on a line
# (also written to SUMMARY_FILE); exit status 1 if anything failed.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

log=${1:?usage: results.sh LOG [SUMMARY_FILE]}
summary=${2:-}
[ -f "$log" ] || die "no log $log"

expected=$(awk '!/^[[:space:]]*(#|$)/ { print $1 }' "$SUITES_FILE")
KNOWN_LEAKS=${KNOWN_LEAKS:-$REPO/vm/known-leaks}
known=$(awk '!/^[[:space:]]*(#|$)/ { print $1 }' "$KNOWN_LEAKS" 2>/dev/null || true)

# Host events (docs/protocol.md): "TIME timeout SUITE WHY..." lines.
events=${log%.log}.host
host_events=$(cat "$events" 2>/dev/null || true)

out=$(awk -v expected="$expected" -v knownfuncs="$known" -v host_events="$host_events" \
	-f "$REPO/scripts/protocol.awk" -f /dev/stdin "$log" <<'AWK'
function flush_counts(s) {
	if (tot_seen[s]) { P[s] = tp[s]; F[s] = tf[s]; S[s] = ts[s] }
	else { P[s] = cp[s]; F[s] = cf[s]; S[s] = cs[s] }
}
BEGIN {
	n = split(expected, e, "\n")
	for (i = 1; i <= n; i++) if (e[i] != "") { order[++ns] = e[i]; known[e[i]] = 1 }
	splat_re = "\\] (WARNING:|BUG:|UBSAN:|KASAN:|INFO: |Call Trace:|Kernel panic|Oops|general protection fault|kernel BUG|------------\\[ cut here \\])"
	nk = split(knownfuncs, kf, "\n")
	nh = split(host_events, he, "\n")
	for (i = 1; i <= nh; i++) {
		if (split(he[i], ev, " ") < 3 || ev[2] != "timeout") continue
		hung_in = ev[3]
		host_timeout = he[i]
		sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", host_timeout)
	}
}
# A kmemleak report (printed by vm/init) is judged when it is complete.
function leak_done() {
	if (leak == "") return
	if (leak_known) known_leaks[++nknown] = leak " (known: " leak_known ")"
	else {
		splats[++nsplat] = leak
		for (j = 1; j <= nbody; j++) splats[++nsplat] = body[j]
	}
	leak = ""; nbody = 0
}
{ mk = marker() }
mk == "suite-begin" {
	cur = MS
	if (!known[cur]) { order[++ns] = cur; known[cur] = 1 }
	began[cur] = 1
	next
}
mk == "suite-end" {
	s = MS
	ended[s] = 1
	if (MR != "") rc[s] = MR
	if (MX != "") secs[s] = MX
	cur = ""
	next
}
mk == "done" { done = 1 }
mk == "kmemleak" {
	if ($0 ~ /^### kmemleak: unreferenced object/) { leak_done(); leak = $0; leak_known = "" }
	else if (leak != "") {
		if (nbody < 16) body[++nbody] = $0
		for (i = 1; i <= nk; i++) if (kf[i] != "" && index($0, " " kf[i] "+0x")) leak_known = kf[i]
	}
	next
}
{ leak_done() }
$0 ~ splat_re { splats[++nsplat] = $0 }
{ tail[NR % 60] = $0 }
cur != "" {
	raw[cur] = raw[cur] "   | " $0 "\n"
	if ($0 ~ /^# Totals: pass:/) {
		tot_seen[cur] = 1
		split($0, kv, /[ :]+/)
		# kv: "#" "Totals" "pass" P "fail" F "xfail" XF "xpass" XP "skip" S "error" E
		for (i = 3; i < length(kv); i += 2) t[kv[i]] = kv[i + 1] + 0
		tp[cur] += t["pass"] + t["xfail"]
		tf[cur] += t["fail"] + t["xpass"] + t["error"]
		ts[cur] += t["skip"]
	} else if ($0 ~ /^(not )?ok [0-9]+/) {
		lines[cur] = lines[cur] $0 "\n"
		if ($0 ~ /# *[Ss][Kk][Ii][Pp]/) cs[cur]++
		else if ($0 ~ /^not ok/) cf[cur]++
		else cp[cur]++
	} else if ($0 ~ /^1\.\.0 *# *[Ss][Kk][Ii][Pp]/) {
		# ksft_exit_skip() of kselftest: the whole program skips, rc 4
		skipall[cur] = $0
	} else if ($0 ~ /^1\.\.[0-9]+/) {
		plan[cur] += substr($0, 4) + 0
	}
}
END {
	for (i = 1; i <= ns; i++) {
		s = order[i]
		flush_counts(s)
		note = ""
		if (!began[s]) { F[s]++; note = "did not run" }
		else if (!ended[s] && s == hung_in) { F[s]++; note = "hung: killed by the host timeout" }
		else if (!ended[s]) { F[s]++; note = "no end marker: the guest died in it" }
		else if (rc[s] == 124 || rc[s] == 137 || rc[s] == 143) { F[s]++; note = "timed out (rc=" rc[s] ")" }
		else if (rc[s] == 4 && skipall[s] != "" && P[s] + F[s] == 0) { S[s]++; note = "skipped: " substr(skipall[s], index(skipall[s], "#") + 1) }
		else if (rc[s] != 0 && F[s] == 0) { F[s]++; note = "exited with rc=" rc[s] }
		else if (P[s] + F[s] + S[s] == 0) { F[s]++; note = "printed no TAP results" }
		else if (rc[s] != 0) note = "rc=" rc[s]
		ran = cp[s] + cf[s] + cs[s]
		if (plan[s] && ran != plan[s]) note = note (note ? ", " : "") "planned " plan[s] ", reported " ran
		printf "== suite %s%s\n", s, (secs[s] != "" ? " (" secs[s] "s)" : "")
		printf "%s", lines[s]
		if (F[s] && raw[s] != "") {
			# The whole output of a failed suite (last 200 lines), for diagnosis.
			k = split(raw[s], rl, "\n") - 1
			printf "   (output of %s%s)\n", s, (k > 200 ? ", last 200 of " k " lines" : "")
			for (j = (k > 200 ? k - 199 : 1); j <= k; j++) print rl[j]
		}
		printf "-- %s: %d passed, %d failed, %d skipped%s\n\n", s, P[s], F[s], S[s], (note ? " [" note "]" : "")
		tpass += P[s]; tfail += F[s]; tskip += S[s]
	}
	leak_done()
	printf "== kernel log and guest\n"
	for (i = 1; i <= nknown; i++) print "   known leak, tolerated (vm/known-leaks): " known_leaks[i]
	if (done) { print "ok - the guest ran its script to the end"; tpass++ }
	else {
		print "not ok - the guest did not reach the end of its script (crash, panic or timeout)" (host_timeout ? ": " host_timeout : "")
		print "   (last lines of the serial log)"
		for (j = NR - 59; j <= NR; j++) if (j > 0) print "   | " tail[j % 60]
		tfail++
	}
	if (nsplat == 0) { print "ok - no kernel splat in the log"; tpass++ }
	else {
		print "not ok - kernel splat in the log:"
		for (i = 1; i <= nsplat && i <= 40; i++) print "   " splats[i]
		if (nsplat > 40) print "   ... (" nsplat - 40 " more lines)"
		tfail++
	}
	printf "\n%d passed, %d failed, %d skipped\n", tpass, tfail, tskip
}
AWK
)

printf '%s\n' "$out"
last=$(tail -n 1 <<<"$out")
[ -z "$summary" ] || printf '%s\n' "$last" >"$summary"
failed=$(awk '{ print $3 }' <<<"$last")
[ "$failed" = 0 ]
