# shellcheck shell=bash
# shellcheck disable=SC2154 # qmp_sock, requests, events: globals of scripts/vm.sh
# The host side of the guest's requests (docs/protocol.md, "Guest to host:
# requests on the second serial port"), sourced by scripts/vm.sh, whose
# globals it uses: qmp_sock (QEMU's QMP socket), requests (the host file
# QEMU writes the guest's ttyS1 to), events (the host events file),
# HOTPLUG_ID and HOTPLUG_DEV (the hotpluggable device's QEMU id and
# -device string). vm.sh's watchdog loop calls host_requests about once a
# second.

# Send one QMP command (JSON) to QEMU and print its reply; nonzero on an
# error reply. A device_add is retried while QEMU still has the id (the guest
# removes the device before QEMU completes the unplug).
qmp_command() { # JSON
	python3 - "$qmp_sock" "$1" <<'PY'
import json, socket, sys, time
sock = socket.socket(socket.AF_UNIX)
sock.settimeout(30)
sock.connect(sys.argv[1])
f = sock.makefile("rw")
def reply():
    while True:
        msg = json.loads(f.readline())
        if "return" in msg or "error" in msg:
            return msg
def send(cmd):
    f.write(json.dumps(cmd) + "\n")
    f.flush()
    return reply()
json.loads(f.readline())
send({"execute": "qmp_capabilities"})
cmd = json.loads(sys.argv[2])
for _ in range(60):
    msg = send(cmd)
    ret = msg.get("return")
    if isinstance(ret, str) and ret:  # human-monitor-command: error text
        msg = {"error": {"desc": ret.strip()}}
    if "error" not in msg or "uplicate" not in msg["error"].get("desc", ""):
        break
    time.sleep(0.5)
print(json.dumps(msg))
sys.exit("error" in msg)
PY
}

# Carry out one guest request line (docs/protocol.md); note it and
# the outcome in the events file.
host_request() { # LINE
	local op=${1%% *} id=${1#* } cmd out result=carried-out
	case "$op $id" in
	"device_del $HOTPLUG_ID")
		cmd='{"execute": "device_del", "arguments": {"id": "'$HOTPLUG_ID'"}}' ;;
	"device_add $HOTPLUG_ID")
		# HMP takes the same syntax as -device (dma_mask does not fit a
		# JSON integer of QMP's device_add)
		cmd='{"execute": "human-monitor-command", "arguments": {"command-line": "device_add '$HOTPLUG_DEV'"}}' ;;
	*)
		printf '%s request "%s": rejected: not a request of docs/protocol.md\n' "$(now)" "$1" >>"$events"
		return
		;;
	esac
	out=$(qmp_command "$cmd" 2>&1) || result=failed
	printf '%s request "%s": %s: %s\n' "$(now)" "$1" "$result" "$out" >>"$events"
}

# The guest's complete request lines not carried out yet (req_done of them
# were).
req_done=0
host_requests() {
	local n line
	[ -s "$requests" ] || return 0
	n=$(wc -l <"$requests")
	[ "$n" -gt "$req_done" ] || return 0
	while IFS= read -r line; do
		host_request "${line%$'\r'}"
	done < <(sed -n "$((req_done + 1)),${n}p" "$requests")
	req_done=$n
}
