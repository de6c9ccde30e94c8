#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs a command on a new pseudo-terminal, as a user at a terminal would: sets the window size, sends
# input steps, and reports the output, the exit status, and whether the terminal's mode was restored.
# Usage: pty-run.py ROWS COLS [STEP...] -- COMMAND...
#   STEP: "wait:TEXT" (wait for TEXT in the output), "send:TEXT" (\n, \x1d escapes allowed),
#   "sleep:SECONDS", "winch:ROWS:COLS" (resize the terminal: the command gets SIGWINCH).
import fcntl, os, pty, select, struct, sys, termios, time

def main():
    rows, cols = int(sys.argv[1]), int(sys.argv[2])
    steps = sys.argv[3:sys.argv.index('--')]
    cmd = sys.argv[sys.argv.index('--') + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
    before = termios.tcgetattr(fd)
    out = b''
    deadline = time.time() + 60

    def pump(timeout):
        nonlocal out
        r, _, _ = select.select([fd], [], [], timeout)
        if r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                return False
            if not data:
                return False
            out += data
        return True

    for step in steps:
        kind, _, arg = step.partition(':')
        arg = arg.encode().decode('unicode_escape')
        if kind == 'wait':
            while arg.encode() not in out and time.time() < deadline:
                if not pump(0.2):
                    break
        elif kind == 'send':
            time.sleep(0.05)
            for ch in arg.encode('latin-1'):
                os.write(fd, bytes([ch]))
                time.sleep(0.02)
        elif kind == 'winch':
            r, c = (int(x) for x in arg.split(':'))
            fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', r, c, 0, 0))
        elif kind == 'sleep':
            end = time.time() + float(arg)
            while time.time() < end:
                pump(0.05)
    status = None
    while status is None and time.time() < deadline:
        alive = pump(0.2)
        p, st = os.waitpid(pid, os.WNOHANG)
        if p:
            status = st
        elif not alive:
            time.sleep(0.05)
    if status is None:
        os.kill(pid, 9)
        _, status = os.waitpid(pid, 0)
    while pump(0.1):
        pass
    try:
        after = termios.tcgetattr(fd)
    except termios.error:
        after = None
    sys.stdout.write(out.decode('utf-8', 'replace'))
    sys.stdout.write('\n@@EXIT=%d\n' % os.waitstatus_to_exitcode(status))
    sys.stdout.write('@@RESTORED=%s\n' % ('yes' if after is None or after[3] == before[3] else 'no'))

main()
