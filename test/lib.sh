# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared helpers for the integration tests (bash). Each test sources this file, calls test_begin,
# runs its checks with the assert_* helpers and ends with test_end, which fails the test when a check
# failed or when anything was left behind (mounts, cgroups, processes, temporary directories).
set -u
set -o pipefail

: "${NSPAWN:?NSPAWN must point at the nspawn binary}"
SRCDIR=${SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
TEST_NAME=$(basename "$0" .sh)
FAILURES=0
CHECKS=0

fail() { echo "FAIL: $*" >&2; FAILURES=$((FAILURES + 1)); }
pass() { echo "ok: $*"; }

assert_eq() { # expected actual message
        CHECKS=$((CHECKS + 1))
        if [ "$1" == "$2" ]; then pass "$3"; else fail "$3: expected '$1', got '$2'"; fi
}
assert_match() { # regex actual message
        CHECKS=$((CHECKS + 1))
        if [[ "$2" =~ $1 ]]; then pass "$3"; else fail "$3: '$2' does not match '$1'"; fi
}
assert_no_match() {
        CHECKS=$((CHECKS + 1))
        if [[ "$2" =~ $1 ]]; then fail "$3: '$2' matches '$1'"; else pass "$3"; fi
}
assert_true() { # message command...
        local m=$1; shift
        CHECKS=$((CHECKS + 1))
        if "$@"; then pass "$m"; else fail "$m (command: $*)"; fi
}
assert_false() {
        local m=$1; shift
        CHECKS=$((CHECKS + 1))
        if "$@"; then fail "$m (command succeeded: $*)"; else pass "$m"; fi
}

# Runs a command for at most SECONDS with stdin from ${STDIN_FILE:-/dev/null}: its stdout in $OUT, its stderr
# in $ERR, its exit status in $RC.
capture() { # seconds command...
        local o e t=$1
        shift
        o=$(mktemp) e=$(mktemp)
        RC=0
        timeout "$t" "$@" >"$o" 2>"$e" <"${STDIN_FILE:-/dev/null}" || RC=$?
        OUT=$(cat "$o") ERR=$(cat "$e")
        rm -f "$o" "$e"
}
# Runs nspawn, capturing stdout in $OUT, stderr in $ERR and the exit status in $RC.
run_nspawn() { capture 60 "$NSPAWN" "$@"; }

# True when PID runs below ANCESTOR (its parent chain reaches it).
is_descendant() { # pid ancestor
        local p=$1 i
        for i in $(seq 64); do
                [ "$p" = "$2" ] && return 0
                [ -n "$p" ] && [ "$p" -gt 1 ] || return 1
                p=$(ps -o ppid= -p "$p" 2>/dev/null | tr -d ' ')
        done
        return 1
}

# Waits (up to 10 s) for a process below PID whose command line is exactly CMD, and stores its pid
# in $PAYLOAD: the payload of the container that nspawn PID runs is up. Processes of other
# containers with the same command line are not ours.
wait_payload() { # pid cmd
        PAYLOAD=
        wait_until 10 _find_payload "$1" "$2"
}
_find_payload() {
        local p
        kill -0 "$1" 2>/dev/null || return 1
        for p in $(pgrep -fx -- "$2"); do
                if is_descendant "$p" "$1"; then PAYLOAD=$p; return 0; fi
        done
        return 1
}

# True while PID runs with the command line CMD (false once it is gone or was reused).
pid_runs() { # pid cmd
        [ -n "$1" ] && [ "$(tr '\0' ' ' 2>/dev/null < "/proc/$1/cmdline")" = "$2 " ]
}

pid_gone() { ! pid_runs "$@"; }

# The pids of the processes in machine NAME's cgroup (or below it), in any hierarchy.
machine_pids() { # name
        grep -lF "/machine-$(unit_escape "$1").scope" /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3 | sort -n
}
no_machine_pids() { [ -z "$(machine_pids "$1")" ]; }

# Waits (up to 10 s) until FILE exists and contains a line matching REGEX: a payload that says it is
# ready (after installing its signal handlers, say) by writing to stdout redirected to FILE.
wait_line() { # file regex
        wait_until 10 grep -qE -- "$2" "$1" 2>/dev/null
}

# Registers a cleanup command; works from command substitutions too (T=$(overlay_tree x)), since
# the list lives in a file.
on_exit() { echo "$*" >> "$WORK/.cleanups"; }

# A service manager's notify socket for nspawn (NOTIFY_SOCKET): a datagram socket bound at SOCKET that
# logs every datagram on one line of LOG, until the test ends. Waits until it is bound.
notify_listener() { # socket log
        python3 - "$1" "$2" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], 'w') as f:
    while True:
        m = s.recv(65536).decode()
        f.write(m.replace('\n', ' ') + '\n')
        f.flush()
PY
        on_exit "kill $!"
        wait_until 10 test -S "$1"
}

# Machine names of this test start with $MP: "t", the test shell's pid, the test's name (letters and
# digits only, 12 at most), then a dot. Every test picks its names as "${MP}something". The dot keeps
# the prefix free of the characters that unit-name escaping changes, so it appears as it is in cgroup
# and state file names; the pid comes early so that names the kernel truncates (a veth's "ve-" and
# 12 characters) still tell the test apart.
MP=t$$$(echo "${TEST_NAME#test-}" | tr -cd 'a-z0-9' | cut -c1-12).
export MP

# A machine name as it appears in unit and cgroup names (our names: letters, digits, '.' and '-').
unit_escape() { echo "${1//-/\\x2d}"; }
# The prefix as it appears in machined's object paths (/org/freedesktop/machine1/machine/NAME):
# every character but letters and digits is escaped as _XX, here the dot.
MPO=${MP//./_2e}

# Paths besides $WORK under which this test's mounts are watched (track_path adds to them).
track_path() { echo "$1" >> "$SNAP/paths"; }

# The leak check. snapshot_raw records the machine's state unfiltered, at the start and at the end;
# snapshot_scope keeps only what belongs to this test, judged by what the test knows at its end:
# - mounts whose mount point lies under $WORK or a tracked path, or whose line names $WORK
#   (an overlay with an upper layer in $WORK, a bind mount of a file of ours);
# - cgroups named machine-$MP* or $MP* in any hierarchy;
# - loop devices backed by a file under $WORK;
# - links named after our machines (a veth's host side is ve-NAME, cut to 15 characters);
# - processes descended from the test's shell, or whose command line, root or cgroup names $WORK
#   or one of our machines (a container that escaped its launcher is no descendant any more);
# - machined state files of our machines;
# - temporary directories of ours: nspawn-test.* under /tmp made by this shell ($WORK is removed by
#   the cleanup; the check sees it if the cleanup failed).
# Containers that someone else runs on the same host (other names, other paths) are not ours.
snapshot_raw() { # dir
        local d=$1
        mkdir -p "$d"
        cat /proc/self/mountinfo > "$d/mounts"
        find /sys/fs/cgroup \( -name 'machine-*' -o -name "$MP*" \) 2>/dev/null | sort > "$d/cgroups"
        losetup -a 2>/dev/null | sort > "$d/loop"
        ip -o link 2>/dev/null | awk -F': ' '{sub(/@.*/, "", $2); print $2}' | sort > "$d/links"
        ls -A /run/systemd/machines 2>/dev/null | sort > "$d/state"
        ls -d /tmp/nspawn-test.* 2>/dev/null | sort > "$d/tmp"
        # pid, parent, root, cgroups, command line of every process but kernel threads; the
        # snapshot's own processes (this subshell and below) are left out by snapshot_scope.
        echo "$BASHPID" > "$d/self"
        python3 -c '
import os
for p in os.listdir("/proc"):
    if not p.isdigit():
        continue
    try:
        stat = open(f"/proc/{p}/stat").read()
        cmd = open(f"/proc/{p}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
        cg = open(f"/proc/{p}/cgroup").read().replace("\n", " ")
        root = os.readlink(f"/proc/{p}/root")
    except OSError:
        continue
    if cmd:
        print(p, stat.rsplit(") ", 1)[1].split()[1], root, cg, cmd.replace("\t", " "), sep="\t")
' > "$d/procs"
}

snapshot_scope() { # dir
        local d=$1 paths mpre=${MP//./\\.}
        paths=$(cat "$SNAP/paths" 2>/dev/null; echo "$WORK")
        echo "## mounts"
        awk -v paths="$paths" -v work="$WORK" '
                BEGIN { n = split(paths, P, "\n") }
                {
                        mine = index($0, work "/") > 0 || $5 == work
                        for (i = 1; i <= n; i++)
                                if (P[i] != "" && ($5 == P[i] || index($5, P[i] "/") == 1)) mine = 1
                        if (!mine) next
                        fs = ""
                        for (i = 7; i <= NF; i++) if ($i == "-") { fs = $(i + 1); break }
                        print $5, fs
                }' "$d/mounts" | sort
        echo "## cgroups"; grep -F -e "/machine-$MP" -e "/$MP" "$d/cgroups"
        echo "## loop"; grep -F "$WORK/" "$d/loop"
        echo "## links"
        local l
        while read -r l; do
                l=${l#v[eb]-}
                [[ "$l" == "$MP"* ]] || { [ ${#l} -ge 12 ] && [[ "$MP" == "$l"* ]]; } && echo "$l"
        done < <(grep -E '^v[eb]-' "$d/links")
        echo "## state"; grep -E "^($mpre|unit:machine-$mpre)" "$d/state"
        # $WORK itself counts once the cleanup has removed it (or failed to).
        echo "## tmp"; [ -z "${CLEANED:-}" ] || grep -Fx "$WORK" "$d/tmp"
        echo "## processes"
        awk -F'\t' -v top="$TEST_SHELL_PID" -v self="$(cat "$d/self")" -v work="$WORK" -v mp="$MP" '
                { pid[NR] = $1; parent[$1] = $2; root[$1] = $3; cg[$1] = $4; cmd[$1] = $5 }
                function under(p, a,   i) {
                        for (i = 0; i < 100 && p > 1; i++) { if (p == a) return 1; p = parent[p] }
                        return 0
                }
                END {
                        for (i = 1; i <= NR; i++) {
                                p = pid[i]
                                if (p == top || under(p, self)) continue
                                if (under(p, top) || index(cmd[p], work) || index(root[p], work) == 1 ||
                                    index(cg[p], "/machine-" mp)) print p, cmd[p]
                        }
                }' "$d/procs" | sort
}

# Runs COMMAND every 0.05 s until it succeeds (true) or TIMEOUT seconds (a decimal) have passed
# (false): readiness polls instead of fixed sleeps.
wait_until() { # timeout command...
        local deadline
        # %.0f, not %d: mawk (Debian's awk) clamps %d to 2^31-1, which cut every timeout to 2.1 s.
        deadline=$(( $(date +%s%N) + $(awk -v t="$1" 'BEGIN { printf "%.0f", t * 1e9 }') ))
        shift
        until "$@"; do
                [ "$(date +%s%N)" -lt "$deadline" ] || return 1
                sleep 0.05
        done
}

# True when nothing of ours is left; the differences go to stderr.
leak_check() {
        local before after
        ( snapshot_raw "$SNAP/after" )
        before=$(snapshot_scope "$SNAP/before")
        after=$(snapshot_scope "$SNAP/after")
        if [ "$before" != "$after" ]; then
                diff <(echo "$before") <(echo "$after") >&2
                return 1
        fi
}

test_begin() {
        if [ "$(id -u)" != 0 ]; then
                if [ "${CI:-}" = true ]; then echo "integration tests need root" >&2; exit 1; fi
                echo "skipping: needs root"; exit 77
        fi
        # One integration test at a time on this machine (several tests time things); the leak
        # check itself looks only at what is ours (snapshot_scope), so other containers may run.
        # A test that runs a lib.sh script itself (test-lib-cleanup) holds the lock for it.
        if [ "${NSPAWN_TEST_LOCK_HELD_BY:-}" != "$PPID" ]; then
                exec 8>/tmp/nspawn-integration.lock
                flock 8
        fi
        TEST_SHELL_PID=$$
        sweep_dead_tests
        SNAP=$(mktemp -d /tmp/nspawn-snap.XXXXXX)
        ( snapshot_raw "$SNAP/before" )
        WORK=$(mktemp -d /tmp/nspawn-test.XXXXXX)
        echo $$ > "$WORK/.owner"
        echo "$SNAP" > "$WORK/.snap"
        trap 'test_cleanup; rm -rf "$SNAP"' EXIT
}

# A test shell that was SIGKILLed (a timeout -s KILL, an OOM kill) ran no EXIT trap: its overlays stay
# mounted, its work and snapshot directories stay. The next test unmounts and removes them (under the
# lock; only directories whose owner is gone). Only the umount cleanups run: a stale "kill PID" could
# hit a process that reused the pid.
sweep_dead_tests() {
        local d owner c
        for d in /tmp/nspawn-test.*; do
                [ -f "$d/.owner" ] || continue
                owner=$(cat "$d/.owner")
                [ -n "$owner" ] && ! kill -0 "$owner" 2>/dev/null || continue
                if [ -f "$d/.cleanups" ]; then
                        while IFS= read -r c; do
                                case "$c" in
                                umount\ *) eval "$c" >/dev/null 2>&1 || true ;;
                                esac
                        done < <(tac "$d/.cleanups")
                fi
                [ -f "$d/.snap" ] && rm -rf "$(cat "$d/.snap")"
                grep -q " $d" /proc/self/mountinfo || rm -rf "$d"
        done
}

test_cleanup() {
        local c
        if [ -f "$WORK/.cleanups" ]; then
                while IFS= read -r c; do
                        eval "$c" || true
                done < <(tac "$WORK/.cleanups")
                rm -f "$WORK/.cleanups"
        fi
        # Never follow a mount that a failed cleanup left: -xdev keeps rm on $WORK's file system.
        if grep -q " $WORK" /proc/self/mountinfo; then
                echo "FAIL: mounts left under $WORK" >&2
                FAILURES=$((FAILURES + 1))
        else
                rm -rf "$WORK"
        fi
        CLEANED=1
}

test_end() {
        test_cleanup
        trap - EXIT
        CHECKS=$((CHECKS + 1))
        # What a test kills is gone a moment later (the kernel reaps and removes asynchronously).
        if wait_until 5 leak_check 2>/dev/null; then
                pass "nothing left behind"
        else
                fail "the test left something behind:"
                leak_check
        fi
        rm -rf "$SNAP"
        echo "$((CHECKS - FAILURES)) passed, $FAILURES failed"
        [ "$FAILURES" -eq 0 ]
        exit $?
}

# Removes what a SIGKILLed launcher leaves: its (empty) machine cgroup, with the sub-cgroups below.
remove_machine_cgroup() { # machine name (as in the cgroup directory)
        local d i pattern
        # find -name reads a backslash as an escape: a name with "\x2d" (an escaped '-') needs it doubled.
        pattern="machine-${1//\\/\\\\}.scope"
        while IFS= read -r d; do
                [ -n "$d" ] || continue
                for i in $(seq 50); do
                        find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
                        [ -d "$d" ] || break
                        sleep 0.1
                done
        done < <(find /sys/fs/cgroup -maxdepth 3 -type d -name "$pattern")
}

# The cached debootstrapped tree (built once by tools/make-tree); read-only for the tests.
debian_tree() {
        "$SRCDIR/tools/make-tree" "${1:-bookworm}"
}

# A writable view of the cached tree: an overlay whose upper layer lives in $WORK. Its directory is
# named ${MP}NAME, so that the machine name nspawn derives from it carries the test's prefix.
overlay_tree() { # name [suite]
        local lower up
        lower=$(debian_tree "${2:-bookworm}") || return 1
        up="$WORK/ovl-$1"
        mkdir -p "$up/upper" "$up/work" "$up/$MP$1"
        mount -t overlay overlay -o "lowerdir=$lower,upperdir=$up/upper,workdir=$up/work" "$up/$MP$1" || return 1
        on_exit "umount '$up/$MP$1'"
        echo "$up/$MP$1"
}

# A tiny tree made from Debian's busybox-static: enough for a shell and the usual tools. Name the
# directory ${MP}something (or pass -M) so that the machine carries the test's prefix.
busybox_tree() { # dir
        local d=$1 b
        mkdir -p "$d"/{bin,sbin,etc,proc,sys,dev,run,tmp,root,usr/bin,usr/sbin}
        cp /bin/busybox "$d/bin/busybox"
        for b in $("$d/bin/busybox" --list); do
                [ -e "$d/bin/$b" ] || ln -s busybox "$d/bin/$b"
        done
        echo 'root:x:0:0:root:/root:/bin/sh' > "$d/etc/passwd"
        echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >> "$d/etc/passwd"
        printf 'root:x:0:\nnogroup:x:65534:\n' > "$d/etc/group"
        echo "$d"
}

# Runs nspawn (without -q in the arguments, this is what users see) and checks: non-zero exit, exactly
# one line on stderr containing the given text (case does not matter), and no raw escape character in it.
refused() { # description text-that-must-appear nspawn-args...
        local what=$1 text=$2 e
        shift 2
        e=$(mktemp)
        RC=0
        timeout 60 "$NSPAWN" "$@" >/dev/null 2>"$e" </dev/null || RC=$?
        ERR=$(cat "$e")
        CHECKS=$((CHECKS + 1))
        if [ "$RC" -eq 0 ]; then
                fail "$what: exit status 0"
        elif [ "$(wc -l < "$e")" -ne 1 ]; then
                fail "$what: expected one line on stderr, got $(wc -l < "$e"): $(cat -v "$e")"
        elif [[ "${ERR,,}" != *"${text,,}"* ]]; then
                fail "$what: the message does not name '$text': $(cat -v "$e")"
        elif [[ "$ERR" == *$'\e'* ]]; then
                fail "$what: a raw escape character reached the terminal: $(cat -v "$e")"
        else
                pass "$what (exit $RC: $ERR)"
        fi
        rm -f "$e"
}

# Runs nspawn under the given locale with the build's catalogues ($BUILDDIR/po); LANGUAGE and LC_*
# would win over LANG, so they are cleared.
nspawn_in() { # lang args...
        local lang=$1; shift
        local o e
        o=$(mktemp) e=$(mktemp)
        RC=0
        env -u LANGUAGE -u LC_ALL -u LC_MESSAGES LANG="$lang" NSPAWN_LOCALEDIR="$BUILDDIR/po" \
                timeout 60 "$NSPAWN" "$@" >"$o" 2>"$e" </dev/null || RC=$?
        OUT=$(cat "$o") ERR=$(cat "$e")
        rm -f "$o" "$e"
}
