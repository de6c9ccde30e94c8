#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A reader of nspawn's output that stalls (item 8 of issue 7): with stdout a pipe nobody reads, or a
# terminal nobody reads, and a guest that prints forever, SIGTERM still stops the container at once,
# and for -b the 15 s stop timer still fires. Nothing is left behind. Before the fix, the supervisor
# blocked in write() and never saw the signal: the driver below gives up after a deadline, so that
# the failure is a failure and not a hung suite.
. "$(dirname "$0")/../lib.sh"
test_begin

B=$(busybox_tree "$WORK/${MP}bb")
mkdir -p "$B/usr/lib"
echo 'ID=busybox' > "$B/usr/lib/os-release"
# For -b: an init that prints forever and, as PID 1 without a handler, ignores SIGRTMIN+3.
printf '#!/bin/sh\nexec yes stalled-boot\n' > "$B/sbin/init"
chmod +x "$B/sbin/init"

# stall.py pipe|pty DEADLINE COMMAND...: runs COMMAND with its output on a pipe (stderr to a file)
# or on a terminal (stdin, stdout and stderr) that is never read; waits until everything is full
# (the reader's side holds what it can and the guest's PID 1 sleeps in its write); sends SIGTERM;
# prints "stalled=yes|no", the time from SIGTERM to exit and the exit status, or "hung" (then
# kills it) when it has not exited DEADLINE seconds after SIGTERM.
cat > "$WORK/stall.py" <<'PY'
import fcntl, os, pty, signal, struct, subprocess, sys, termios, time
mode, deadline, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
if mode == 'pipe':
    reader, w = os.pipe()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=w, stderr=open(os.environ['ERRFILE'], 'w'))
    os.close(w)
    full = 16 * 1024     # pages of a pipe are not all filled to the brim
else:
    reader, s = pty.openpty()
    p = subprocess.Popen(cmd, stdin=s, stdout=s, stderr=s, start_new_session=True)
    os.close(s)
    full = 4095

def queued():
    return struct.unpack('i', fcntl.ioctl(reader, termios.FIONREAD, b'\0' * 4))[0]

def leader_sleeps_in_write():
    try:
        kids = open(f'/proc/{p.pid}/task/{p.pid}/children').read().split()
        return len(kids) == 1 and open(f'/proc/{kids[0]}/wchan').read() == 'wait_woken'
    except OSError:
        return False

# Stalled: the reader's side holds much and takes no more, and the guest sleeps in its write.
stalled, seen, last, end = False, 0, -1, time.time() + 30
while time.time() < end and p.poll() is None:
    q = queued()
    seen = seen + 1 if q >= full and q == last and leader_sleeps_in_write() else 0
    last = q
    if seen >= 3:
        stalled = True
        break
    time.sleep(0.1)
print(f'stalled={"yes" if stalled else "no"}', flush=True)
start = time.time()
p.send_signal(signal.SIGTERM)
try:
    rc = p.wait(timeout=deadline)
    print(f'secs={time.time() - start:.1f} exit={rc}')
except subprocess.TimeoutExpired:
    p.kill()
    p.wait()
    print('hung')
PY

export ERRFILE="$WORK/err"

# stdout a pipe that nobody reads; the read-only console (the default without a terminal).
R=$(python3 "$WORK/stall.py" pipe 10 "$NSPAWN" -q -D "$B" -M "${MP}pipe" yes stalled-pipe)
on_exit "remove_machine_cgroup ${MP}pipe"
assert_match 'stalled=yes' "$R" "pipe: the output stalled (pipe full, the guest blocked in write)"
assert_match 'exit=137' "$R" "pipe: SIGTERM kills the container although nobody reads stdout"
assert_match 'secs=[0-4]\.' "$R" "pipe: within 5 s"
assert_no_match 'hung' "$R" "pipe: nspawn does not hang"

# An interactive console on a terminal that nobody reads (the terminal stops, like ^S); no -q, so
# that the "is being stopped" line goes to the stalled terminal too.
R=$(python3 "$WORK/stall.py" pty 10 "$NSPAWN" -D "$B" -M "${MP}pty" yes stalled-pty)
on_exit "remove_machine_cgroup ${MP}pty"
assert_match 'stalled=yes' "$R" "pty: the output stalled"
assert_match 'exit=137' "$R" "pty: SIGTERM kills the container although nobody reads the terminal"
assert_match 'secs=[0-4]\.' "$R" "pty: within 5 s"

# -b: the guest's init ignores the shutdown signal and prints forever; the 15 s stop timer kills it.
R=$(python3 "$WORK/stall.py" pipe 30 "$NSPAWN" -q -b -D "$B" -M "${MP}boot")
on_exit "remove_machine_cgroup ${MP}boot"
assert_match 'stalled=yes' "$R" "boot: the output stalled"
assert_match 'exit=137' "$R" "boot: the stop timer kills the guest although nobody reads stdout"
assert_match 'secs=(1[4-9]|2[0-4])\.' "$R" "boot: after the 15 s stop timer ($R)"

assert_eq "" "$(pgrep -f 'yes stalled-')" "no guest process survives"

test_end
