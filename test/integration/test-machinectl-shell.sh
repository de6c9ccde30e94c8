#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# machinectl shell and login into busybox guests (no systemd, no D-Bus inside) through our machined
# on a private bus: the command runs in the machine's namespaces and cgroup, with the leader's bounding
# set, seccomp filters and no_new_privs, as the guest's user, with only the pty as fds; its exit status
# is machinectl's; pipes work; a -U machine too; the joining helper is non-dumpable, invisible in the
# guest and holds no fd once the command runs (reliability checks A1, A2, A6); bad input is one line and
# leaves nothing; login runs the guest's /bin/login on a pty.
. "$(dirname "$0")/../lib.sh"
BUILDDIR=${BUILDDIR:-$SRCDIR/build}
. "$SRCDIR/test/lib-bus.sh"
MCTL=${MACHINECTL:-$BUILDDIR/machinectl}

test_begin

# machinectl with stdin from /dev/null (or $STDIN_FILE): $OUT, $ERR, $RC.
mctl() {
        capture 30 "$MCTL" "$@"
}
listed() { "$MCTL" list --no-legend 2>/dev/null | grep -q "^$1 "; }
leader_of() { "$MCTL" show "$1" -P Leader 2>/dev/null; }
status_field() { grep "^$2:" "/proc/$1/status" | cut -f2; }

start_bus || { fail "no private bus"; test_end; }
start_machined || { fail "machined did not start"; test_end; }

T=$(busybox_tree "$WORK/tree")
echo 'user:x:1000:1000:A User:/home/user:/bin/sh' >> "$T/etc/passwd"
printf 'user:x:1000:\nwheel:x:10:user\n' >> "$T/etc/group"
mkdir -p "$T/home/user" && chown 1000:1000 "$T/home/user"

# A registered busybox machine whose PID 1 is a shell that waits (args: name, nspawn options).
start_machine() {
        local name=$1
        shift
        "$NSPAWN" -q -D "$T" -M "$name" "$@" --pipe sh -c 'while :; do sleep 1; done' </dev/null >/dev/null 2>&1 &
        on_exit "kill -9 $! 2>/dev/null"
        wait_until 10 listed "$name"
}

assert_true "a busybox machine runs" start_machine ${MP}a
L=$(leader_of ${MP}a)
assert_match "^[0-9]+$" "$L" "the machine has a leader"

# --- the command, its output and exit status ------------------------------------------------------
mctl shell ${MP}a /bin/id
assert_eq 0 "$RC" "shell id succeeds"
assert_match "^uid=0\(root\) gid=0\(root\)" "$OUT" "shell id: root of the guest"
mctl shell ${MP}a /bin/hostname
assert_eq "0:${MP}a" "$RC:$OUT" "shell hostname: the machine's"
mctl shell ${MP}a /bin/cat /proc/1/comm
assert_eq "$(cat /proc/$L/comm)" "$OUT" "shell cat /proc/1/comm: the leader, seen from inside"
mctl shell ${MP}a /bin/sh -c 'exit 7'
assert_eq 7 "$RC" "shell sh -c 'exit 7' exits 7"
mctl shell ${MP}a /bin/sh -c 'kill -TERM $$'
assert_eq 143 "$RC" "a command killed by SIGTERM: 128+15"
mctl shell ${MP}a /bin/sh -c 'echo out; echo err >&2; exit 0'
assert_eq "0:out"$'\n'"err" "$RC:$OUT" "stdout and stderr of the command both come through the pty, no \\r"
mctl shell user@${MP}a /bin/sh -c 'id; pwd; echo "$HOME $USER $LOGNAME $SHELL"'
assert_eq "uid=1000(user) gid=1000(user) groups=10(wheel),1000(user)"$'\n'"/home/user"$'\n'"/home/user user user /bin/sh" \
        "$OUT" "USER@NAME: the guest's user, groups, home and environment"
mctl shell --uid=user ${MP}a /bin/id -u
assert_eq 1000 "$OUT" "--uid=user"
mctl -E FOO=bar --setenv=BAZ=qux shell ${MP}a /bin/sh -c 'echo $FOO $BAZ; env | cut -d= -f1 | sort | tr "\n" " "'
assert_eq "bar qux"$'\n'"BAZ FOO HOME LOGNAME PATH PWD SHELL SHLVL TERM USER " "$OUT" "-E/--setenv, and a clean environment"
# Options after the machine name are the command's.
mctl shell ${MP}a /bin/ls -d /proc
assert_eq "0:/proc" "$RC:$OUT" "options after NAME belong to the command"
printf 'x\ny' > "$WORK/in"
STDIN_FILE=$WORK/in mctl shell ${MP}a /bin/cat
assert_eq "0:x"$'\n'"y" "$RC:$OUT" "stdin from a file, through cat, ends with the file"
OUT=$(echo hello | timeout 30 "$MCTL" shell ${MP}a /bin/cat)
assert_eq hello "$OUT" "echo x | machinectl shell NAME /bin/cat"
mctl shell ${MP}a
assert_eq 0 "$RC" "no command: the user's login shell, ended by the EOF of stdin"

# Shells at once: each gets its own exit status (their helpers take turns at the leader's filter).
PAR=()
for i in $(seq 12); do
        ( RC=0; timeout 30 "$MCTL" shell ${MP}a /bin/sh -c "exit $i" </dev/null >/dev/null 2>&1 || RC=$?; echo "$i:$RC" ) >> "$WORK/parallel" &
        PAR+=($!)
done
wait "${PAR[@]}"
assert_eq "$(seq 12 | sed 's/.*/&:&/')" "$(sort -n "$WORK/parallel")" "12 shells at once, each with its own exit status"

# --- the process: namespaces, cgroup, capabilities, seccomp, fds -----------------------------------
mctl shell ${MP}a /bin/sh -c 'for n in cgroup ipc mnt net pid uts user; do readlink /proc/self/ns/$n; done'
HOSTNS=$(for n in cgroup ipc mnt net pid uts user; do readlink /proc/$L/ns/$n; done)
assert_eq "$HOSTNS" "$OUT" "the shell is in all of the leader's namespaces"
mctl shell ${MP}a /bin/sh -c 'grep -E "^(CapInh|CapBnd|CapAmb|NoNewPrivs|Seccomp|Seccomp_filters):" /proc/self/status'
WANT=$(grep -E "^(CapInh|CapBnd|CapAmb|NoNewPrivs|Seccomp|Seccomp_filters):" /proc/$L/status)
assert_eq "$WANT" "$OUT" "the leader's bounding set, seccomp mode and filters, no_new_privs; no inheritable or ambient caps"
assert_eq 2 "$(status_field $L Seccomp)" "(the leader has a seccomp filter to copy)"
mctl shell ${MP}a /bin/ls -l /proc/self/fd
FDS=$(printf '%s\n' "$OUT" | grep -- '->' | sed 's/.* \([0-9]*\) -> \(.*\)/\1 \2/')
assert_match "^0 /dev/pts/[0-9]+"$'\n'"1 /dev/pts/[0-9]+"$'\n'"2 /dev/pts/[0-9]+("$'\n'"3 /proc/[0-9]+/fd)?$" "$FDS" "only the pty (and ls's own directory) as fds"

# A command that stays: its host side is examined while it runs.
"$MCTL" shell nobody@${MP}a /bin/sleep 1000 </dev/null >/dev/null 2>&1 &
SHELLCLIENT=$!
on_exit "kill $SHELLCLIENT 2>/dev/null"
find_sleep() { SLEEP=$(pgrep -x -f '/bin/sleep 1000' | head -1); [ -n "$SLEEP" ]; }
assert_true "the shell's command runs" wait_until 10 find_sleep
assert_eq "$(cat /proc/$L/cgroup)" "$(cat /proc/$SLEEP/cgroup)" "the command is in the leader's cgroups, in every hierarchy"
HELPER=$(ps -o ppid= -p "$SLEEP" | tr -d ' ')
assert_eq "$(readlink /proc/$HELPER/exe)" "$(readlink /proc/$MACHINED_PID/exe)" "(the command's parent is machined's helper)"
assert_eq "$MACHINED_PID" "$(ps -o ppid= -p "$HELPER" | tr -d ' ')" "machined is the helper's parent (it reaps it)"
assert_eq "65534 0" "$(status_field $HELPER Uid | cut -f1) $(stat -c %u /proc/$HELPER/environ)" \
        "the helper runs as the user, non-dumpable (its /proc entries stay root's)"
assert_eq "" "$(ls /proc/$HELPER/fd)" "the helper holds no fd (no host directory, no machined socket)"
assert_eq "$(readlink /proc/$L/ns/pid)" "$(readlink /proc/$HELPER/ns/pid_for_children)" "(the helper forks into the guest's pid namespace)"
assert_false "the helper is not in the guest's pid namespace" test "$(readlink /proc/$HELPER/ns/pid)" = "$(readlink /proc/$L/ns/pid)"
mctl shell ${MP}a /bin/sh -c 'for p in /proc/[0-9]*; do readlink $p/exe; done; echo done'
assert_no_match "machined" "$OUT" "no process in the guest shows machined's binary (A1)"
assert_match "done$" "$OUT" "(the guest's processes were listed)"
kill "$SHELLCLIENT"
RC=0; wait "$SHELLCLIENT" || RC=$?
assert_eq 143 "$RC" "machinectl ended by SIGTERM exits 128+15"
assert_true "the command goes with the client (the pty's hangup)" wait_until 10 sh -c "! kill -0 $SLEEP 2>/dev/null"
assert_true "machined reaped the helper" wait_until 10 sh -c "! kill -0 $HELPER 2>/dev/null"

# A6: TIOCSTI from the guest lands in the guest's own pty, never in the client's terminal.
mctl shell ${MP}a /bin/sh -c 'test -t 0 && echo tty; ps -o pid,sid,comm 2>/dev/null | head -0; echo sid=$(cut -d" " -f6 /proc/self/stat) pid=$$'
assert_match "^tty"$'\n'"sid=([0-9]+) pid=\\1$" "$OUT" "the command leads a session of its own on the pty (A6)"

# --- a user-namespaced machine ---------------------------------------------------------------------
assert_true "a -U machine runs" start_machine ${MP}u -U
LU=$(leader_of ${MP}u)
mctl shell ${MP}u /bin/sh -c 'id -u; cat /proc/self/uid_map | tr -s " "; for n in ipc mnt net pid user uts; do readlink /proc/self/ns/$n; done; ls -ln /proc/self/fd/0'
assert_eq 0 "$RC" "shell into a -U machine succeeds"
assert_eq "0"$'\n'"$(tr -s ' ' < /proc/$LU/uid_map)" "$(printf '%s\n' "$OUT" | sed -n 1,2p)" "root of the -U guest, with its uid map"
assert_eq "$(for n in ipc mnt net pid user uts; do readlink /proc/$LU/ns/$n; done)" "$(printf '%s\n' "$OUT" | sed -n 3,8p)" \
        "the -U shell is in the machine's user namespace and the others"
assert_match " 0 +0 .*/dev/pts/" "$(printf '%s\n' "$OUT" | sed -n 9p)" "the pty belongs to the guest's root (mapped), not to nobody"
mctl shell user@${MP}u /bin/id -u
assert_eq "0:1000" "$RC:$OUT" "a -U guest's user"
mctl shell ${MP}u /bin/sh -c 'exit 3'
assert_eq 3 "$RC" "exit status from a -U machine"

# --- a terminal: raw mode, window size, ^]^]^], restored ---------------------------------------------
PTY="python3 $SRCDIR/test/pty-run.py"
OUT=$($PTY 30 100 'wait:# ' 'send:stty size; tty\n' 'wait:30 100' 'winch:40:120' 'send:stty size\n' 'wait:40 120' \
        'send:exit 5\n' -- "$MCTL" shell ${MP}a)
assert_match "30 100" "$OUT" "the window size is passed on"
assert_match "40 120" "$OUT" "a new window size is passed on (SIGWINCH)"
assert_match "/dev/pts/[0-9]+" "$OUT" "the login shell has the pty as its terminal"
assert_match "@@EXIT=5" "$OUT" "an interactive shell's exit status is machinectl's"
assert_match "@@RESTORED=yes" "$OUT" "the terminal is restored after the shell exits"
OUT=$($PTY 30 100 'wait:# ' 'send:\x1d\x1d\x1d' -- "$MCTL" shell ${MP}a /bin/sh -c 'echo "# "; exec sleep 1000')
assert_match "Connection to machine ${MP//./\\.}a terminated" "$OUT" "^]^]^] leaves"
assert_match "@@EXIT=0" "$OUT" "^]^]^]: exit 0"
assert_match "@@RESTORED=yes" "$OUT" "the terminal is restored after ^]^]^]"
assert_true "the command left behind goes with the pty's hangup" wait_until 10 sh -c "! pgrep -x -f 'sleep 1000' >/dev/null"

# --- login: the guest's /bin/login (the guest runs no systemd) -------------------------------------
mctl shell ${MP}a /bin/sh -c 'echo "root:$(mkpasswd -m sha512 nspawn-test):19000:0:99999:7:::" > /etc/shadow'
assert_eq 0 "$RC" "(a root password for the guest)"
OUT=$($PTY 30 100 'wait:login: ' 'send:root\n' 'wait:Password: ' 'send:nspawn-test\n' 'wait:# ' \
        'send:echo LOGGED-IN-$((6*7))\n' 'wait:LOGGED-IN-42' 'send:exit\n' -- "$MCTL" login ${MP}a)
assert_match "${MP//./\\.}a login: " "$OUT" "login shows the guest's login prompt"
assert_match "LOGGED-IN-42" "$OUT" "root logs in and gets a shell"
assert_match "@@EXIT=0" "$OUT" "login ends when the guest's login session does"
assert_match "@@RESTORED=yes" "$OUT" "the terminal is restored after login"

# --- the distribution's machinectl (systemd-container 252) against our machined -----------------------
# It refuses to run unless /run/systemd/system exists: a private /run/systemd gives it one.
assert_true "the distribution's machinectl is installed (tools/deps: systemd-container)" test -x /usr/bin/machinectl
DM="unshare -m sh -c 'mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/system && exec /usr/bin/machinectl \"\$@\"' sh"
RC=0; OUT=$(eval "$DM shell ${MP}a /bin/sh -c 'echo DISTRO-\$(hostname); exit 3'" </dev/null 2>&1) || RC=$?
assert_match "DISTRO-${MP//./\\.}a" "$OUT" "the distribution's machinectl shell works in a guest without systemd or D-Bus"
assert_eq 0 "$RC" "... and exits 0 whatever the command's status (systemd's issue #4215)"
OUT=$($PTY 30 100 'wait:login: ' 'send:root\n' 'wait:Password: ' 'send:nspawn-test\n' 'wait:# ' \
        'send:echo DISTRO-LOGIN-$((6*7))\n' 'wait:DISTRO-LOGIN-42' 'send:exit\n' 'wait:login: ' 'send:\x1d\x1d\x1d' -- \
        unshare -m sh -c 'mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/system && exec /usr/bin/machinectl login "$0"' ${MP}a)
assert_match "DISTRO-LOGIN-42" "$OUT" "the distribution's machinectl login logs in to a busybox guest"

# --- the bus API itself -------------------------------------------------------------------------------
OUT=$(busctl call $DEST $OBJ $MGR OpenMachinePTY s ${MP}a 2>&1)
assert_match "^hs [0-9]+ \"/dev/pts/[0-9]+\"$" "$OUT" "OpenMachinePTY: a pty master and its path in the guest"
MPATH=$(busctl call $DEST $OBJ $MGR GetMachine s ${MP}a | cut -d'"' -f2)
OUT=$(busctl call $DEST "$MPATH" $MI OpenPTY 2>&1)
assert_match "^hs [0-9]+ \"/dev/pts/[0-9]+\"$" "$OUT" "the machine's OpenPTY"
OUT=$(busctl call $DEST "$MPATH" $MI OpenShell ssasas "" /bin/true 0 0 2>&1)
assert_match "^hs [0-9]+ \"/dev/pts/[0-9]+\"$" "$OUT" "the machine's OpenShell"
OUT=$(busctl introspect $DEST $OBJ $MGR 2>&1)
assert_match "\.OpenMachineShell +method +sssasas +hs " "$OUT" "OpenMachineShell is introspected on the Manager interface, systemd's signature"
assert_match "\.ListMachines +method" "$OUT" "... beside the other methods (the vtables are merged)"
OUT=$(busctl introspect $DEST $OBJ io.nspawn.machine1.Manager 2>&1)
assert_match "\.OpenMachineShellWithStatus +method +sssasast +hsh " "$OUT" "the extension interface has OpenMachineShellWithStatus"
"$MCTL" freeze ${MP}a
mctl shell ${MP}a /bin/true
assert_eq 1 "$RC" "a frozen machine is refused"
assert_match "frozen" "$ERR" "a frozen machine: says so"
"$MCTL" thaw ${MP}a
mctl shell ${MP}a /bin/true
assert_eq 0 "$RC" "the thawed machine takes shells again"

# --- bad input --------------------------------------------------------------------------------------
one_line() { [ "$(printf '%s\n' "$ERR" | wc -l)" = 1 ]; }
mctl shell ${MP}nosuch /bin/true
assert_eq 1 "$RC" "unknown machine fails"
assert_eq "No machine '${MP}nosuch' known" "$ERR" "unknown machine: one line"
mctl shell nosuchuser@${MP}a /bin/true
assert_eq 1 "$RC" "unknown user fails"
assert_match "^Failed to open a shell in machine '${MP}a': No user 'nosuchuser' in machine '${MP}a'$" "$ERR" "unknown user: one line"
mctl shell ${MP}a /no/such/program
assert_eq 1 "$RC" "a program that does not exist fails"
assert_true "a program that does not exist: one line" one_line
assert_match "No such file or directory" "$ERR" "a program that does not exist: says why"
mctl shell ${MP}a relative/path
assert_eq 1 "$RC" "a relative program fails"
assert_match "absolute path" "$ERR" "a relative program: says why"
mctl shell
assert_eq 1 "$RC" "shell without a machine fails"
mctl shell .host
assert_eq 1 "$RC" "shell .host fails"
assert_match "\.host" "$ERR" "shell .host: says why"
mctl shell "evil$(printf '\e')[31m@${MP}a" /bin/true
assert_eq 1 "$RC" "a user name with an escape fails"
assert_no_match $'\e' "$ERR" "the bad user name is escaped"
mctl terminate ${MP}u
assert_true "the -U machine is gone" wait_until 10 sh -c "! '$MCTL' list --no-legend | grep -q '^${MP}u '"
mctl shell ${MP}u /bin/true
assert_eq 1 "$RC" "a stopped machine fails"
assert_eq "No machine '${MP}u' known" "$ERR" "a stopped machine: one line"
AS_NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
RC=0; ERR=$($AS_NOBODY "$MCTL" shell ${MP}a /bin/true 2>&1 </dev/null) || RC=$?
assert_eq 1 "$RC" "a caller that is not root is refused"
assert_match "[Aa]ccess denied|AccessDenied" "$ERR" "not root: access denied"
assert_eq "" "$(pgrep -P "$MACHINED_PID")" "no helper of machined's is left"

mctl terminate ${MP}a
test_end
