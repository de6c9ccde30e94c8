#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Regressions for defects found in review: the guest's cgroup root is below the scope that holds the
# device policy; the --as-pid2 stub holds none of the caller's fds; a name whose guest runs in
# sub-cgroups is busy; /etc files are not written through hard links; SIGPIPE does not kill nspawn;
# a paste into a console that nobody reads neither spins nor hangs nspawn.
. "$(dirname "$0")/../lib.sh"
test_begin

T=$(overlay_tree rr)

run_nspawn -q -D "$T" --pipe sh -c 'cat /proc/self/cgroup | grep "^0::"; ls /sys/fs/cgroup/cgroup.procs'
assert_eq $'0::/\n/sys/fs/cgroup/cgroup.procs' "$OUT" "the guest's cgroup namespace root is its own cgroup"
"$NSPAWN" -q -D "$T" --pipe sleep 1004 </dev/null & P=$!
assert_true "the payload starts" wait_payload $P 'sleep 1004'
assert_match "machine\.slice/machine-${MP//./\\.}rr\.scope/payload\$" "$(sed -n 's/^0:://p' /proc/$PAYLOAD/cgroup)" \
        "the payload runs in the scope's payload child; the device policy sits on the scope above it"
kill $P; wait $P 2>/dev/null

# --as-pid2: PID 1 holds /dev/null on 0-2 and nothing else, not the caller's terminal or files.
exec 7</etc/hostname
run_nspawn -q -D "$T" -a --pipe sh -c 'for f in /proc/1/fd/*; do readlink $f; done'
exec 7<&-
assert_eq $'/dev/null\n/dev/null\n/dev/null' "$OUT" "the stub init holds only /dev/null"

# A running guest that lives in a sub-cgroup keeps its name busy; the second start fails and
# leaves the first alone.
# The first guest says when it has moved, then runs until the host creates /go in its tree.
"$NSPAWN" -q -D "$T" -M "${MP}dup" --pipe sh -c 'mkdir /sys/fs/cgroup/sub; echo $$ > /sys/fs/cgroup/sub/cgroup.procs; echo moved
        while [ ! -e /go ]; do sleep 0.05; done; echo first-done' \
        </dev/null > "$WORK/first.out" 2>&1 & P=$!
assert_true "the first guest moved into its sub-cgroup" wait_line "$WORK/first.out" '^moved$'
run_nspawn -q -D "$T" -M "${MP}dup" --pipe /bin/true
touch "$T/go"
assert_true "a second start with the same name fails" test "$RC" -ne 0
assert_match 'already running' "$ERR" "and says the machine is running"
wait $P; RC=$?
assert_eq 0 "$RC" "the first container was not touched"
assert_eq $'moved\nfirst-done' "$(cat "$WORK/first.out")" "the first container ran to its end"
rm -f "$T/go"

# A hard link at /etc/resolv.conf: the linked file keeps its content.
B=$(busybox_tree "$WORK/${MP}bb")
echo "original" > "$WORK/bb-outside"
ln "$WORK/bb-outside" "$B/etc/resolv.conf"
run_nspawn -q -D "$B" --pipe cat /etc/resolv.conf
assert_eq original "$(cat "$WORK/bb-outside")" "a hard-linked /etc/resolv.conf is replaced, not written through"
assert_eq "$(cat /etc/resolv.conf)" "$OUT" "the container still gets the host's resolv.conf"

# SIGPIPE: a reader that goes away does not kill nspawn; it exits with the payload's status.
OUT=$(bash -c "'$NSPAWN' -q -D '$T' --pipe sh -c 'yes | head -c 1000000; exit 5' | head -c 10 >/dev/null; echo \${PIPESTATUS[0]}")
assert_eq 5 "$OUT" "nspawn survives a closed pipe and exits with the payload's status"

# A paste of 64 KiB into an interactive console whose payload does not read: no spinning, and
# everything arrives once the payload reads.
python3 - "$NSPAWN" "$T" > "$WORK/paste.out" <<'PY'
import os, pty, resource, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], '-q', '-D', sys.argv[2], '--console=interactive', 'sh', '-c',
                           'stty raw -echo; echo ready; sleep 3; head -c 65536 | wc -c'])
# The paste starts once the terminal is raw (the payload says so); then the payload does not read
# for 3 s.
os.set_blocking(fd, False)
out, t0 = b'', time.time()
while b'ready' not in out and time.time() - t0 < 20:
    try:
        out += os.read(fd, 4096)
    except (BlockingIOError, OSError):
        time.sleep(0.01)
data = b'x' * 65536
sent, out, t0 = 0, b'', time.time()
while time.time() - t0 < 20:
    if sent < len(data):
        try:
            sent += os.write(fd, data[sent:sent + 4096])
        except BlockingIOError:
            pass
    try:
        out += os.read(fd, 4096)
    except (BlockingIOError, OSError):
        pass
    p, st = os.waitpid(pid, os.WNOHANG)
    if p:
        break
    time.sleep(0.01)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print('cpu=%.2f' % (ru.ru_utime + ru.ru_stime))
print(out.decode(errors='replace').strip().split()[-1] if out.strip() else 'none')
PY
assert_match $'\n65536$' "$(cat "$WORK/paste.out")" "a 64 KiB paste arrives whole"
cpu=$(sed -n 's/^cpu=//p' "$WORK/paste.out")
assert_true "nspawn did not spin while the payload did not read (cpu ${cpu}s)" awk "BEGIN { exit !($cpu < 1.0) }"

test_end
