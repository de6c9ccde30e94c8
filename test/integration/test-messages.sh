#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Messages give the real cause: errno survives the lazy gettext set-up, and failures name what
# failed (issue 7, items 10 and 14).
. "$(dirname "$0")/../lib.sh"
test_begin

: "${BUILDDIR:?BUILDDIR must point at the build directory}"

# Item 10: a -D path that is a symlink loop. The first translated string used to set errno to ENOENT
# (no catalogue for C.UTF-8) before -errno was read in the same argument list.
ln -s "$WORK/loop" "$WORK/loop"
for lang in C C.UTF-8 en_US.UTF-8; do
        nspawn_in "$lang" -M "${MP}messages-loop" -D "$WORK/loop" /bin/true
        assert_eq 1 "$RC" "a symlink loop as -D exits 1 (LANG=$lang)"
        assert_eq 1 "$(printf '%s\n' "$ERR" | wc -l)" "... with one line (LANG=$lang)"
        assert_match "$WORK/loop: Too many levels of symbolic links\$" "$ERR" \
                "... that gives the real cause (LANG=$lang)"
done
if locale -a 2>/dev/null | grep -qix 'de_DE\.utf-\?8'; then
        nspawn_in de_DE.UTF-8 -M "${MP}messages-loop" -D "$WORK/loop" /bin/true
        assert_match "loop.*: Zu viele Ebenen aus symbolischen Links\$" "$ERR" \
                "... also in German (LANG=de_DE.UTF-8)"
        RC=0; ERR=$(env -u LANGUAGE -u LC_ALL -u LC_MESSAGES LANG=de_DE.UTF-8 \
                NSPAWN_LOCALEDIR="$WORK/none" "$NSPAWN" -M "${MP}messages-loop" -D "$WORK/loop" /bin/true 2>&1) || RC=$?
        assert_match "loop.*: Zu viele Ebenen aus symbolischen Links\$" "$ERR" \
                "... and under LANG=de_DE.UTF-8 without a catalogue"
elif [ "${CI:-}" = true ]; then
        fail "the de_DE.UTF-8 locale is missing (tools/deps makes it)"
fi

# Item 14: failures name what failed. strace injects the errors (tools/deps installs it).
if ! command -v strace >/dev/null; then
        if [ "${CI:-}" = true ]; then fail "strace is missing (tools/deps installs it)"; fi
        echo "skipping the fault injection checks: no strace"
        test_end
fi
BB=$(busybox_tree "$WORK/${MP}bb")

# Runs nspawn under strace with one fault injected; checks exit status 1 and one line on stderr
# that matches the given text.
injected() { # description regex strace-inject nspawn-args...
        local what=$1 re=$2 inject=$3 e
        shift 3
        e=$(mktemp)
        RC=0
        timeout 60 strace -f -o /dev/null -e inject="$inject" "$NSPAWN" --register=no "$@" \
                >/dev/null 2>"$e" </dev/null || RC=$?
        ERR=$(cat "$e")
        rm -f "$e"
        assert_eq "1|1" "$RC|$(printf '%s\n' "$ERR" | wc -l)" "$what: exit status 1, one line ($ERR)"
        assert_match "$re" "$ERR" "$what: the message names the failed step"
}

# The child's set-up before the handshake ends used to exit 1 without a word.
injected "PR_SET_PDEATHSIG fails in the child" \
        '^Failed to set the parent-death signal \(PR_SET_PDEATHSIG\): Operation not permitted$' \
        prctl:error=EPERM:when=1 -q -M "${MP}messages-pdeath" -D "$BB" --pipe /bin/true
injected "the child cannot receive the parent's first handshake message" \
        "^Failed at step 'cgroup-placed' of the start-up handshake with nspawn: Input/output error\$" \
        recvfrom:error=EIO:when=1 -q -M "${MP}messages-recv" -D "$BB" --pipe /bin/true
# getcwd after chdir in the child used to be "Not a directory".
injected "getcwd fails in the child" \
        "^Failed to check the working directory '/' \\(getcwd\\): Permission denied\$" \
        getcwd:error=EACCES:when=1 -q -M "${MP}messages-getcwd" -D "$BB" --pipe /bin/true
# A relative -D is opened as it is (no realpath, no getcwd in the launcher since the root became an
# fd): the same getcwd failure is met only in the child, with the same message. Not in a subshell:
# its failures would not be counted.
pushd "$WORK" >/dev/null
injected "getcwd fails for a relative -D" \
        "^Failed to check the working directory '/' \\(getcwd\\): Permission denied\$" \
        getcwd:error=EACCES -q -M "${MP}messages-getcwd" -D "${MP}bb" --pipe /bin/true
popd >/dev/null
# Any statfs error used to be "no cgroup2 hierarchy".
injected "statfs fails on /sys/fs/cgroup" \
        '^Failed to look for the cgroup2 hierarchy under /sys/fs/cgroup \(statfs\): Input/output error$' \
        statfs:error=EIO -q -M "${MP}messages-statfs" -D "$BB" --pipe /bin/true

# A FIFO as /etc/passwd or /etc/group used to be "File descriptor in bad state"; it must not block.
F=$(busybox_tree "$WORK/${MP}fifo")
rm "$F/etc/passwd"
mkfifo "$F/etc/passwd"
run_nspawn -q -M "${MP}messages-fifo" -D "$F" --pipe /bin/true
assert_eq "1|The container's /etc/passwd is not a regular file." "$RC|$ERR" "a FIFO as /etc/passwd"
rm "$F/etc/passwd" "$F/etc/group"
echo 'root:x:0:0:root:/root:/bin/sh' > "$F/etc/passwd"
mkfifo "$F/etc/group"
run_nspawn -q -M "${MP}messages-fifo" -D "$F" --pipe /bin/true
assert_eq "1|The container's /etc/group is not a regular file." "$RC|$ERR" "a FIFO as /etc/group"
rm "$F/etc/group"
mkdir "$F/etc/group"
run_nspawn -q -M "${MP}messages-fifo" -D "$F" --pipe -u root /bin/true
assert_eq "1|The container's /etc/group is not a regular file." "$RC|$ERR" "a directory as /etc/group"

test_end
