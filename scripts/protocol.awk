# The one parser of the guest's markers (docs/protocol.md), for the awk
# programs of scripts/vm.sh, scripts/results.sh and scripts/check.sh:
#   awk -f scripts/protocol.awk -f PROGRAM LOG
# marker() looks at the current record (its trailing \r removed first) and
# returns its kind, "" for a line that is not a marker:
#   suite-begin  MS suite, MT timeout in seconds
#   suite-end    MS suite, MR exit status, MX seconds
#   kmemleak     MX the report line        kmemleak-scanned
#   bench-begin, bench-end (MR)            cmd-end (MR)
#   guest-up, edu, warning, shell, tainted (MX the value), done
# The fields are reset for every record.

function marker(    i, t) {
	sub(/\r$/, "")
	MK = ""; MS = ""; MT = 0; MR = ""; MX = ""
	if (substr($0, 1, 4) != "### ")
		return ""
	if ($2 == "suite" && $4 == "begin") {
		MK = "suite-begin"; MS = $3
		t = $5; sub(/^timeout=/, "", t); sub(/s$/, "", t); MT = t + 0
	} else if ($2 == "suite" && $4 == "end") {
		MK = "suite-end"; MS = $3
		for (i = 5; i <= NF; i++) {
			if ($i ~ /^rc=/) MR = substr($i, 4) + 0
			if ($i ~ /^secs=/) MX = substr($i, 6)
		}
	} else if ($2 == "kmemleak:") {
		MK = "kmemleak"; MX = substr($0, 15)
	} else if ($2 == "kmemleak" && $3 == "scanned") {
		MK = "kmemleak-scanned"
	} else if (($2 == "bench" || $2 == "cmd") && ($3 == "begin" || $3 == "end")) {
		MK = $2 "-" $3
		if ($4 ~ /^rc=/) MR = substr($4, 4) + 0
	} else if ($2 == "harness" && $3 == "done") {
		MK = "done"
	} else if ($2 == "harness" && $3 == "guest") {
		MK = "guest-up"
	} else if ($2 == "edu") {
		MK = "edu"
	} else if ($2 == "warning:") {
		MK = "warning"
	} else if ($2 == "shell:") {
		MK = "shell"
	} else if ($2 ~ /^tainted=/) {
		MK = "tainted"; MX = substr($2, 9)
	} else {
		MK = "unknown"
	}
	return MK
}
