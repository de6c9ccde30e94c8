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

# Runs nspawn, capturing stdout in $OUT, stderr in $ERR and the exit status in $RC.
run_nspawn() {
        local o e
        o=$(mktemp) e=$(mktemp)
        RC=0
        timeout 60 "$NSPAWN" "$@" >"$o" 2>"$e" </dev/null || RC=$?
        OUT=$(cat "$o") ERR=$(cat "$e")
        rm -f "$o" "$e"
}

# Registers a cleanup command; works from command substitutions too (T=$(overlay_tree x)), since
# the list lives in a file.
on_exit() { echo "$*" >> "$WORK/.cleanups"; }

# The state of the machine that a test must leave as it found it.
snapshot() {
        {
                echo "## mounts"; awk '{print $5}' /proc/self/mountinfo | sort
                echo "## cgroups"; find /sys/fs/cgroup -name 'machine-*' 2>/dev/null | sort
                echo "## loop"; losetup -a 2>/dev/null | sort
                echo "## links"; ip -o link 2>/dev/null | awk -F': ' '{print $2}' | sort
                echo "## processes"; pgrep -x nspawn | sort
                echo "## tmp"; ls -d /tmp/nspawn-test.* 2>/dev/null | sort
        }
}

test_begin() {
        if [ "$(id -u)" != 0 ]; then
                if [ "${CI:-}" = true ]; then echo "integration tests need root" >&2; exit 1; fi
                echo "skipping: needs root"; exit 77
        fi
        # One integration test at a time on this machine: the leftover check looks at global state.
        exec 8>/tmp/nspawn-integration.lock
        flock 8
        BEFORE=$(snapshot)
        WORK=$(mktemp -d /tmp/nspawn-test.XXXXXX)
        trap test_cleanup EXIT
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
}

test_end() {
        test_cleanup
        trap - EXIT
        local after
        sleep 0.1
        after=$(snapshot)
        CHECKS=$((CHECKS + 1))
        if [ "$BEFORE" != "$after" ]; then
                fail "the test left something behind:"
                diff <(echo "$BEFORE") <(echo "$after") >&2
        else
                pass "nothing left behind"
        fi
        echo "$((CHECKS - FAILURES)) passed, $FAILURES failed"
        [ "$FAILURES" -eq 0 ]
        exit $?
}

# Removes what a SIGKILLed launcher leaves: its (empty) machine cgroup, with the sub-cgroups below.
remove_machine_cgroup() { # machine name (as in the cgroup directory)
        local d i
        for d in $(find /sys/fs/cgroup -maxdepth 3 -type d -name "machine-$1.scope"); do
                for i in $(seq 50); do
                        find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
                        [ -d "$d" ] || break
                        sleep 0.1
                done
        done
}

# The cached debootstrapped tree (built once by tools/make-tree); read-only for the tests.
debian_tree() {
        "$SRCDIR/tools/make-tree" "${1:-bookworm}"
}

# A writable view of the cached tree: an overlay whose upper layer lives in $WORK.
overlay_tree() { # name [suite]
        local lower up
        lower=$(debian_tree "${2:-bookworm}") || return 1
        up="$WORK/ovl-$1"
        mkdir -p "$up/upper" "$up/work" "$up/$1"
        mount -t overlay overlay -o "lowerdir=$lower,upperdir=$up/upper,workdir=$up/work" "$up/$1" || return 1
        on_exit "umount '$up/$1'"
        echo "$up/$1"
}

# A tiny tree made from Debian's busybox-static: enough for a shell and the usual tools.
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
