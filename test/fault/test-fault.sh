#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fault injection into a start of nspawn (strace -e inject), at every call of the syscalls that a
# start of a busybox tree makes, in nspawn and in the container's child before it runs the payload.
#
# How the points are chosen: one traced start (strace -f) counts the calls per process and syscall.
# strace counts calls for each process on its own, so "when=N" hits the Nth call of that syscall in
# nspawn and the Nth in the child alike; N runs from 1 to the larger of the two counts. Above
# FAULT_CAP points per syscall and fault, N is sampled evenly (first and last always included).
# Faults: error=EIO and error=ENOMEM at each point, and signal=KILL at each point (the KILL reaches
# whichever of nspawn and the child makes that call).
#
# What each run must show:
# - an error (EIO, ENOMEM) nspawn cannot work around: a non-zero exit below 128 (not a signal;
#   126 and 127 are the usual "cannot execute" and the loader's own failure),
#   and exactly one line on stderr, of the form "WHAT: WHY" (text, a colon, a reason) and naming no
#   raw errno number; a fault that nspawn tolerates: exit 0 and at most one line (a warning);
#   When the injected call is nspawn's own write of its error message to stderr (both processes
#   are injected at their Nth write), nothing can be printed: such a run checks the exit status only;
# - SIGKILL of the child: nspawn reports it like an error (one line, non-zero exit);
# - SIGKILL of nspawn: nothing can be printed or cleaned up by nspawn itself. The kernel kills the
#   container (PR_SET_PDEATHSIG and the end of its PID namespace), its mounts go with its mount
#   namespace. Its cgroup directory may stay; the next start of the same name must work and remove
#   it, so this is what the run checks: a plain start of the same name exits 0 afterwards;
# - after every run (and that next start): the leak check of lib.sh (no mounts, cgroups in any
#   hierarchy, processes or temporary directories of ours).
#
# Known defects that other items fix are listed in FAULT_KNOWN below. The suite runs in a few
# minutes on 2 cores; FAULT_CAP (default 6) trades coverage for time, FAULT_SYSCALLS limits the
# syscalls.
. "$(dirname "$0")/../lib.sh"
test_begin

command -v strace >/dev/null || { fail "strace is not installed (tools/deps installs it)"; test_end; }

B=$(busybox_tree "$WORK/${MP}bb")
NAME="${MP}f"
CAP=${FAULT_CAP:-6}
START=(-q --register=no -D "$B" -M "$NAME" --pipe /bin/true)

# The syscalls a start makes that can fail for a reason outside nspawn. Left out: the loader's and
# libc's own (brk, mmap, mprotect, munmap, arch_prctl, set_tid_address, set_robust_list, rseq,
# prlimit64, rt_sigprocmask, rt_sigaction, getuid, geteuid, getrandom: a failure there is the
# runtime's, before or below nspawn's code), execve (the first is strace starting nspawn; the
# child's exec of a missing payload is test-bad-input's), and close (its errors are ignored by
# design: the descriptor is gone either way).
# Also left out: the calls only the dynamic loader makes or that cannot fail for an outside reason
# (read, pread64, newfstatat, readlink, access, umask, capget: the loader's failure is one line of
# its own, exit 127).
SYSCALLS=${FAULT_SYSCALLS:-"mount umount2 mkdirat openat openat2 open_tree move_mount mount_setattr
        pivot_root clone3 unshare write sendto recvmsg recvfrom socketpair ioctl bpf seccomp capset
        prctl setresuid setresgid setgroups sethostname mknodat symlinkat renameat unlinkat rmdir
        flock statfs getdents64 chdir fchdir dup3 fcntl close_range epoll_create1 epoll_ctl
        epoll_wait signalfd4 waitid setsid getcwd"}

# Known defects that other helpers of issue 7 fix: a run whose injected call (as strace -y prints
# it) matches one of these is reported as known, not failed. They are matched by the call, not by
# its index, so that they keep naming the same place when the code around them changes; remove an
# entry once its fix is merged.
#   "SYSCALL REGEX|what goes wrong"
FAULT_KNOWN=(
)

# The known defect that the run's injected call shows, if any.
known() { # syscall
        local k sys re
        for k in "${FAULT_KNOWN[@]}"; do
                sys=${k%% *} re=${k#* }; re=${re%%|*}
                [ "$sys" = "$1" ] || continue
                grep '(INJECTED)' "$WORK/trace" | grep -qE -- "$re" && { echo "${k#*|}"; return 0; }
        done
        return 1
}

# Count the calls per process (nspawn, then the child) and syscall.
strace -f -qq -o "$WORK/count.log" "$NSPAWN" "${START[@]}" </dev/null
RC=$?
assert_eq 0 "$RC" "the traced start works"
declare -A COUNT
while read -r sys n; do COUNT[$sys]=$n; done < <(
        awk '{ sub(/\(.*/, "", $2); c[$1 " " $2]++ } END { for (k in c) { split(k, a, " "); if (c[k] > m[a[2]]) m[a[2]] = c[k] } for (s in m) print s, m[s] }' \
                "$WORK/count.log")

# The points to inject for a syscall with COUNT calls: all up to CAP, else CAP of them, evenly.
points() { # count
        local n=$1 i
        if [ "$n" -le "$CAP" ]; then seq "$n"; return; fi
        for i in $(seq 0 $((CAP - 1))); do echo $(( 1 + i * (n - 1) / (CAP - 1) )); done | uniq
}

# One line, "WHAT: WHY", no bare errno number.
one_clear_line() { # stderr
        [ "$(printf '%s\n' "$1" | grep -c .)" = 1 ] && [[ "$1" =~ ^[^:]*[A-Za-z][^:]*:\ .*[A-Za-z] ]] &&
                [[ ! "$1" =~ (errno|error)\ ?[-0-9]+ ]]
}

RUNS=0 BAD=0 KNOWN=0 T0=$SECONDS
declare -A KNOWN_SEEN
report() { BAD=$((BAD + 1)); fail "$*"; }

inject() { # syscall fault n
        local sys=$1 fault=$2 n=$3 spec err rc next k
        case $fault in
        KILL) spec="$sys:signal=KILL:when=$n" ;;
        *) spec="$sys:error=$fault:when=$n" ;;
        esac
        RUNS=$((RUNS + 1))
        # (The braces keep bash's own "Killed" notice off the output.)
        { timeout 30 strace -f -qq -y -o "$WORK/trace" -e trace="$sys" -e inject="$spec" \
                "$NSPAWN" "${START[@]}" </dev/null >/dev/null 2>"$WORK/err"; } 2>/dev/null
        rc=$?
        err=$(cat "$WORK/err")
        if [ "$fault" != KILL ] && k=$(known "$sys"); then
                KNOWN=$((KNOWN + 1)) KNOWN_SEEN[$k]=1
                echo "known: $spec: $k"
                remove_machine_cgroup "$NAME"
                wait_until 5 leak_check 2>/dev/null || { report "$spec: left something behind:"; leak_check; }
                return
        fi
        if [ "$rc" = 124 ]; then
                report "$spec: nspawn hangs"
        elif [ "$rc" = 137 ] && [ "$fault" = KILL ]; then
                : # nspawn itself was killed: see the next start below
        elif [ "$rc" = 0 ]; then
                [ "$(printf '%s' "$err" | grep -c .)" -le 1 ] || report "$spec: tolerated, but with several lines: $err"
        elif [ "$rc" -gt 127 ]; then
                report "$spec: nspawn exits with $rc (a signal): $err"
        elif grep -qE '^[0-9]+ +write\(2(<[^>]*>)?, .*\(INJECTED\)' "$WORK/trace"; then
                : # the error message itself was the call that failed: the exit status must do
        elif ! one_clear_line "$err"; then
                report "$spec: exit $rc without one clear line: '$err'"
        fi
        if [ "$fault" = KILL ]; then
                next=$(timeout 30 "$NSPAWN" "${START[@]}" </dev/null 2>&1) ||
                        report "$spec: the next start of the same name fails: $next"
        fi
        wait_until 5 leak_check 2>/dev/null || { report "$spec: left something behind:"; leak_check; }
}

for sys in $SYSCALLS; do
        n=${COUNT[$sys]:-0}
        [ "$n" -gt 0 ] || continue
        bad0=$BAD
        for fault in EIO ENOMEM KILL; do
                for i in $(points "$n"); do
                        inject "$sys" "$fault" "$i"
                done
        done
        CHECKS=$((CHECKS + 1))
        [ "$BAD" = "$bad0" ] && pass "$sys: $n calls, faults at $(points "$n" | wc -l) points each"
done
echo "$RUNS runs in $((SECONDS - T0)) s, $KNOWN of them hit known defects of other items:"
for k in "${!KNOWN_SEEN[@]}"; do echo "  $k"; done

test_end
