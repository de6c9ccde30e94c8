#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A2 (CVE-2024-21626): the payload, the stub init of --as-pid2 and a payload with a private network get
# fds 0-2 and nothing else; --chdir=/proc/self/fd/N never leads to the host. Both modes.
. "$(dirname "$0")/lib-security.sh"
test_begin

mkdir "$WORK/hostdir"
echo secret > "$WORK/hostdir/HOST-ONLY-MARKER"
exec 7</etc/passwd 9<"$WORK/hostdir" 12<"$WORK/hostdir"

for mode in "${MODES[@]}"; do
        T=$(sec_tree "a2$mode")
        N=(-q -D "$T" --pipe $(mode_args "$mode"))
        # ls, exec'd in the payload's place, lists /proc/self/fd, where 3 is ls's own directory fd (the
        # lowest free one: a leaked fd would push it up). Not through a shell that keeps running: it
        # holds fds of its own while it sets up pipes and redirections.
        run_nspawn "${N[@]}" sh -c 'exec ls /proc/self/fd'
        assert_eq "0 1 2 3" "$(echo $OUT)" "[$mode] A2: the payload has only fds 0-2 (caller had 7, 9, 12 open; $ERR)"
        run_nspawn "${N[@]}" -a sh -c 'exec ls /proc/self/fd'
        assert_eq "0 1 2 3" "$(echo $OUT)" "[$mode] A2: with --as-pid2, the payload has only fds 0-2"
        # The stub's fds, seen from the host (with -U it is not dumpable: its /proc files are the host
        # root's, and container root cannot list them).
        "$NSPAWN" "${N[@]}" -a sleep 600 </dev/null >/dev/null 2>&1 & NS=$!
        on_exit "kill $NS 2>/dev/null"
        wait_payload $NS "sleep 600"
        stub=$(ps -o ppid= -p "${PAYLOAD:-0}" | tr -d ' ')
        assert_eq "0 1 2" "$(ls /proc/"${stub:-0}"/fd 2>&1 | sort -n | tr '\n' ' ' | sed 's/ $//')" \
                "[$mode] A2: with --as-pid2, the stub has only fds 0-2"
        kill $NS; wait $NS 2>/dev/null
        run_nspawn "${N[@]}" --private-network sh -c 'exec ls /proc/self/fd'
        assert_eq "0 1 2 3" "$(echo $OUT)" "[$mode] A2: with --private-network, only fds 0-2 ($ERR)"

        bad=""
        for n in $(seq 3 12); do
                run_nspawn "${N[@]}" --chdir=/proc/self/fd/$n sh -c 'pwd; ls -a'
                if [ "$RC" -eq 0 ]; then
                        p=$(head -n1 <<<"$OUT")
                        # pwd must print an absolute path that exists in the tree, and the listing
                        # must not be the host directory.
                        if [[ "$p" != /* ]] || [[ "$OUT" == *HOST-ONLY-MARKER* ]] || [ ! -d "$T$p" ]; then
                                bad+=" $n:$p"
                        fi
                fi
                [[ "$OUT" == *HOST-ONLY-MARKER* ]] && bad+=" $n:leak"
        done
        assert_eq "" "$bad" "[$mode] A2: --chdir=/proc/self/fd/3..12 fails or stays inside the container"
done
exec 7<&- 9<&- 12<&-

test_end
