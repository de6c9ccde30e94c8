#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nspawn -i SIGKILLed at points of the image set-up, and while the payload runs: nothing is left
# behind (the loop devices clear themselves, the mounts go with nspawn's mount namespace), and the
# next start of the same image works.
#
# The points: one traced start (strace -f) counts, per syscall, the calls that set an image up
# (ioctl: LOOP_CONFIGURE, BLKPG, BLKGETSIZE64...; mount and the new mount API; openat of the image,
# the loop device and the staging directory; mkdirat; flock); then signal=KILL is injected at every
# call of the syscalls that only image set-up makes in such numbers (ioctl, unshare, flock and the
# new mount API: each BLKPG, each partition's mount), at each openat of the image, its loop device
# and partitions and the staging directory, and at the first, the middle and the last call of the
# others (strace counts per process, so the Nth call of nspawn and the Nth of its child alike).
# IMAGE_KILL_ALL=1 takes every call of every syscall.
. "$(dirname "$0")/../lib.sh"
test_begin
. "$SRCDIR/test/lib-image.sh"

command -v strace >/dev/null || { fail "strace is not installed (tools/deps installs it)"; test_end; }

I="$WORK/${MP}kill.raw"
img_fs ext4 "" "$WORK/home.ext4" 8
T=$(img_tree "$WORK/tree")
img_fs ext4 "$T" "$WORK/root.ext4"
img_gpt "$I" "root $WORK/root.ext4" "home $WORK/home.ext4"
NAME="${MP}k"
START=(-q --register=no -i "$I" -M "$NAME" --pipe /bin/true)

# A start after a kill must work (and remove the cgroup a SIGKILLed nspawn leaves), then nothing of
# ours may remain.
after_kill() { # what
        remove_machine_cgroup "$NAME"
        assert_img_clean "$1"
        run_nspawn "${START[@]}"
        assert_eq 0 "$RC" "$1: the next start works ($ERR)"
        assert_img_clean "$1, and the next start"
}

SYSCALLS="ioctl unshare mount umount2 fsopen fsconfig fsmount move_mount open_tree mount_setattr openat mkdirat flock"
strace -f -qq -e trace="${SYSCALLS// /,}" -o "$WORK/count.log" "$NSPAWN" "${START[@]}" </dev/null
assert_eq 0 "$?" "the traced start works"
assert_img_clean "the traced start"
# Calls per syscall in the process that makes the most of them (nspawn or its child).
declare -A COUNT
while read -r sys n; do COUNT[$sys]=$n; done < <(
        awk '{ s = $2; sub(/\(.*/, "", s); n[$1 " " s]++ }
             END { for (k in n) { split(k, a, " "); if (n[k] > m[a[2]]) m[a[2]] = n[k] }
                   for (s in m) print s, m[s] }' "$WORK/count.log")
assert_true "the start sets up a loop device (ioctl calls seen)" test "${COUNT[ioctl]:-0}" -gt 0

# The openat calls of nspawn itself that reach the image, its loop device and partitions, and the
# staging directory: their indices among nspawn's openat calls.
MAIN=$(head -1 "$WORK/count.log" | cut -d' ' -f1)
IMAGE_OPENS=$(awk -v main="$MAIN" -v img="$I" '
        $1 == main && $2 ~ /^openat\(/ { n++; if (index($0, img) || $0 ~ /"\/dev\/loop|"\/run\/nspawn/) print n }' "$WORK/count.log")
assert_true "the image, its loop device and the staging directory are opened (openat #$(echo $IMAGE_OPENS))" test -n "$IMAGE_OPENS"

EVERY=" ioctl unshare flock fsopen fsconfig fsmount move_mount "
points() { # syscall n: the call indices to hit
        local n=$2
        if [ "${IMAGE_KILL_ALL:-0}" = 1 ] || [[ "$EVERY" == *" $1 "* ]]; then
                seq "$n"
        elif [ "$1" = openat ]; then
                printf '%s\n' 1 $(( (n + 1) / 2 )) "$n" $IMAGE_OPENS | sort -un
        else
                printf '%s\n' 1 $(( (n + 1) / 2 )) "$n" | sort -un
        fi
}
KILLS=0
for sys in $SYSCALLS; do
        n=${COUNT[$sys]:-0}
        [ "$n" -gt 0 ] || continue
        for when in $(points "$sys" "$n"); do
                # strace dies of the signal its tracee died of: the subshell keeps bash's "Killed"
                # notice off the test's output.
                ( strace -f -qq -o /dev/null -e trace="$sys" -e inject="$sys:signal=KILL:when=$when" \
                        "$NSPAWN" "${START[@]}" </dev/null >/dev/null 2>&1; echo $? > "$WORK/rc" ) 2>/dev/null
                RC=$(cat "$WORK/rc")
                KILLS=$((KILLS + 1))
                after_kill "SIGKILL at $sys #$when (exit $RC)"
        done
done
echo "SIGKILL injected at $KILLS points"
assert_true "SIGKILL was injected at several points ($KILLS)" test "$KILLS" -ge 6

# SIGKILL while the payload runs, with the image's partitions mounted.
"$NSPAWN" -q --register=no -i "$I" -M "$NAME" --pipe sleep 1006 </dev/null & P=$!
assert_true "the payload runs" wait_payload $P 'sleep 1006'
assert_true "a loop device of the image is attached meanwhile" sh -c "losetup -a | grep -qF '$I'"
kill -KILL $P; wait $P 2>/dev/null
assert_true "the container goes with its SIGKILLed nspawn" wait_until 10 pid_gone "$PAYLOAD" 'sleep 1006'
after_kill "SIGKILL while the payload runs"

# SIGKILL of the payload: nspawn tears down as after any end.
"$NSPAWN" -q --register=no -i "$I" -M "$NAME" --pipe sleep 1007 </dev/null & P=$!
assert_true "the payload runs" wait_payload $P 'sleep 1007'
kill -KILL "$PAYLOAD"; wait $P; RC=$?
assert_eq 137 "$RC" "a SIGKILLed payload gives 137"
assert_img_clean "SIGKILL of the payload"

test_end
