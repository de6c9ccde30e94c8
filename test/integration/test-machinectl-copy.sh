#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# machinectl copy-to, copy-from and bind (issue 13) against our machined, with busybox guests run by
# nspawn: a file and a tree (modes, owners, times, xattrs, a symlink, a FIFO, a hard link) both ways;
# an existing destination (refused, --force replaces); guest symlinks that point at / or at host paths
# and ".." never lead out of the guest (the host's files are neither read nor written); owners shifted
# for a -U machine (and an owner the machine cannot map refused); bind of a directory and of a file,
# --read-only, --mkdir, nothing on the host's mount table, gone with the machine; the bad input in one
# line each; OpenMachineRootDirectory; the distribution's machinectl against our machined; a copy
# cancelled by its client leaves no temporary copy behind.
. "$(dirname "$0")/../lib.sh"
test_begin
. "$SRCDIR/test/lib-bus.sh"

MCTL="$BUILDDIR/machinectl"
start_bus
start_machined || { fail "machined did not start"; test_end; }

mctl() { # $OUT, $ERR, $RC
        capture 60 "$MCTL" "$@"
}
# The call failed with one line on stderr that contains text, and no escape character.
refused_mctl() { # description text machinectl-args...
        local what=$1 text=$2
        shift 2
        mctl "$@"
        CHECKS=$((CHECKS + 1))
        if [ "$RC" -eq 0 ]; then
                fail "$what: exit status 0"
        elif [ "$(printf '%s\n' "$ERR" | wc -l)" -ne 1 ] || [ -z "$ERR" ]; then
                fail "$what: expected one line on stderr, got: $(printf '%s' "$ERR" | cat -v)"
        elif [[ "$ERR" != *"$text"* ]]; then
                fail "$what: the message does not name '$text': $ERR"
        elif [[ "$ERR" == *$'\e'* ]]; then
                fail "$what: a raw escape character reached the terminal"
        else
                pass "$what ($ERR)"
        fi
}
listed() { "$MCTL" list --no-legend 2>/dev/null | grep -q "^$1 "; }
leader() { "$MCTL" show "$1" -P Leader 2>/dev/null; }
# A busybox guest that sleeps; prints nothing, sets $P (nspawn's pid) and $L (the leader).
start_guest() { # name tree nspawn-args...
        local name=$1 tree=$2
        shift 2
        "$NSPAWN" -q -D "$tree" -M "$name" "$@" --pipe sleep 1000 </dev/null >/dev/null 2>"$WORK/nspawn-$name.log" &
        P=$!
        on_exit "'$MCTL' terminate $name >/dev/null 2>&1; kill -9 $P 2>/dev/null; wait $P 2>/dev/null"
        wait_until 10 listed "$name" || return 1
        L=$(leader "$name")
        [ -n "$L" ]
}
stop_guest() { # name pid
        "$MCTL" terminate "$1" >/dev/null 2>&1
        timeout 10 tail --pid="$2" -f /dev/null
        wait "$2" 2>/dev/null
        wait_until 5 sh -c "! '$MCTL' show '$1' >/dev/null 2>&1"
}
# One line per node below dir: path, type, mode, owner, size, mtime, symlink target.
describe() { # dir
        (cd "$1" && find . -mindepth 1 -printf '%P %y %m %U:%G %s %T@ %l\n' | sort)
}
# Describes with the owners as numbers shifted by base.
no_temporaries() { # dir...
        ! find "$@" -maxdepth 3 -name '.#copy*' 2>/dev/null | grep -q .
}

# --- a guest without a user namespace ---------------------------------------------------------------
A=$(busybox_tree "$WORK/${MP}a")
mkdir -p "$A/root/in" "$A/srv"
assert_true "guest ${MP}a runs" start_guest ${MP}a "$A"
PA=$P LA=$L

# A file: contents, mode, owner, times.
echo hello > "$WORK/file"
chown 123:456 "$WORK/file"
chmod 0640 "$WORK/file"
touch -d '2001-02-03 04:05:06' "$WORK/file"
mctl copy-to ${MP}a "$WORK/file" /root/in/file
assert_eq "0:" "$RC:$ERR" "copy-to of a file succeeds, silently"
assert_eq "hello" "$(cat "$A/root/in/file")" "copy-to: the contents"
assert_eq "640 123:456 $(stat -c %Y "$WORK/file")" "$(stat -c '%a %u:%g %Y' "$A/root/in/file")" \
        "copy-to: mode, owner and mtime kept"
mctl copy-from ${MP}a /root/in/file "$WORK/file-back"
assert_eq "0:" "$RC:$ERR" "copy-from of a file succeeds"
assert_eq "hello 640 123:456" "$(cat "$WORK/file-back") $(stat -c '%a %u:%g' "$WORK/file-back")" "copy-from: contents, mode, owner"

# The host path is relative to machinectl's cwd, and a missing destination is the same path.
mkdir -p "$WORK/rel"
echo relative > "$WORK/rel/r"
(cd "$WORK/rel" && "$MCTL" copy-to ${MP}a r /root/in/r) 2>/dev/null
assert_eq "relative" "$(cat "$A/root/in/r" 2>/dev/null)" "copy-to: a relative host path is the cwd's"
# (The guest's /tmp, where $WORK is, is a tmpfs of its own: reached through the leader's root.)
mkdir -p "/proc/$LA/root$WORK"
echo same > "/proc/$LA/root$WORK/same"
mctl copy-from ${MP}a "$WORK/same"
assert_eq "0:same" "$RC:$(cat "$WORK/same" 2>/dev/null)" "copy-from without a host path: the same path on the host"

# A tree: several owners and modes, a setuid file, a sticky directory, a symlink (to / as well), a
# FIFO, a hard link, an xattr, directory times.
S=$WORK/tree
mkdir -p "$S/sub/deep" "$S/sticky"
echo a > "$S/a"; echo b > "$S/sub/b"; echo d > "$S/sub/deep/d"
printf 'x%.0s' $(seq 100000) > "$S/big"
chown 1000:1000 "$S/a"; chown 2000:3000 "$S/sub/b"; chown -h 4:5 "$S/sub"
chmod 4755 "$S/a"; chmod 1777 "$S/sticky"; chmod 0700 "$S/sub/deep"; chmod 0604 "$S/sub/b"
ln -s ../a "$S/sub/rel-link"
ln -s / "$S/root-link"
chown -h 7:8 "$S/root-link"
mkfifo "$S/fifo"
ln "$S/sub/b" "$S/hard"
python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.test", b"value")' "$S/a"
touch -d '2002-03-04 05:06:07' "$S/sub/deep" "$S/sub" "$S"
mctl copy-to ${MP}a "$S" /srv/tree
assert_eq "0:" "$RC:$ERR" "copy-to of a tree succeeds"
assert_eq "$(describe "$S")" "$(describe "$A/srv/tree")" "copy-to: every node with its type, mode, owner, size, mtime, link"
assert_eq "$(stat -c '%a %u:%g %Y' "$S")" "$(stat -c '%a %u:%g %Y' "$A/srv/tree")" "copy-to: the top directory's mode, owner, mtime"
assert_eq "$(stat -c %i "$A/srv/tree/sub/b")" "$(stat -c %i "$A/srv/tree/hard")" "copy-to: a hard link stays a hard link"
getxattr() { python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "user.test").decode())' "$1" 2>/dev/null; }
assert_eq "value" "$(getxattr "$A/srv/tree/a")" "copy-to: user xattr kept"
assert_eq "/" "$(readlink "$A/srv/tree/root-link")" "copy-to: a symlink to / is copied as a symlink"
mctl copy-from ${MP}a /srv/tree "$WORK/tree-back"
assert_eq "0:" "$RC:$ERR" "copy-from of a tree succeeds"
assert_eq "$(describe "$S")" "$(describe "$WORK/tree-back")" "copy-from: the same tree back"
assert_eq "value" "$(getxattr "$WORK/tree-back/a")" "copy-from: user xattr kept"
assert_true "no temporary copies left" no_temporaries "$A/srv" "$WORK"

# An existing destination: refused, untouched; --force replaces it (a tree by a file as well).
echo old > "$A/root/in/exists"
refused_mctl "copy-to onto an existing file" "'/root/in/exists' exists already" copy-to ${MP}a "$WORK/file" /root/in/exists
assert_eq "old" "$(cat "$A/root/in/exists")" "the existing file is untouched"
mctl copy-to --force ${MP}a "$WORK/file" /root/in/exists
assert_eq "0:hello" "$RC:$(cat "$A/root/in/exists")" "copy-to --force replaces it"
refused_mctl "copy-from onto an existing tree" "exists already on the host" copy-from ${MP}a /root/in/file "$WORK/tree-back"
assert_eq "$(describe "$S")" "$(describe "$WORK/tree-back")" "the existing host tree is untouched"
mctl copy-from --force ${MP}a /root/in/file "$WORK/tree-back"
assert_eq "0:hello" "$RC:$(cat "$WORK/tree-back" 2>/dev/null)" "copy-from --force replaces a tree by a file"
assert_true "no temporary copies left after the refusals" no_temporaries "$A/root/in" "$WORK"

# --mkdir: the destination's parents are made.
refused_mctl "copy-to below a missing directory" "'/root/new/dir/file' in the machine" copy-to ${MP}a "$WORK/file" /root/new/dir/file
mctl copy-to --mkdir ${MP}a "$WORK/file" /root/new/dir/file
assert_eq "0:hello" "$RC:$(cat "$A/root/new/dir/file" 2>/dev/null)" "copy-to --mkdir makes the parents"

# --- escapes: guest symlinks and ".." -------------------------------------------------------------
# Files that exist on the host only, at absolute paths the guest names.
mkdir -p "$WORK/host-only"
echo host-secret > "$WORK/host-only/secret"
echo host-victim > "$WORK/host-only/victim"
HOST_SUM=$(cd "$WORK/host-only" && sha256sum secret victim)
ln -s / "$A/root/up"
ln -s "$WORK/host-only" "$A/root/hostdir"
ln -s "$WORK/host-only/victim" "$A/root/victim"
refused_mctl "copy-from through a guest symlink to / does not read the host" "No such file or directory" \
        copy-from ${MP}a "/root/up$WORK/host-only/secret" "$WORK/stolen"
assert_false "nothing was read from the host" test -e "$WORK/stolen"
refused_mctl "copy-from through a guest symlink to a host directory" "No such file or directory" \
        copy-from ${MP}a /root/hostdir/secret "$WORK/stolen"
refused_mctl "copy-to through a guest symlink to a host directory does not write the host" "No such file or directory" \
        copy-to ${MP}a "$WORK/file" /root/hostdir/planted
mctl copy-to --mkdir ${MP}a "$WORK/file" "/root/up$WORK/host-only/planted"
assert_eq 0 "$RC" "copy-to --mkdir through a guest symlink to / (stderr: $ERR)"
assert_true "... lands inside the guest" test -f "/proc/$LA/root$WORK/host-only/planted"
mctl copy-to --force ${MP}a "$WORK/file" /root/victim
assert_eq 0 "$RC" "copy-to --force onto a guest symlink to a host file"
assert_eq "hello" "$(cat "$A/root/victim" 2>/dev/null)" "... replaces the symlink inside the guest"
assert_eq "$HOST_SUM" "$(cd "$WORK/host-only" && sha256sum secret victim)" "the host's files are unchanged"
assert_eq "secret victim" "$(ls "$WORK/host-only" | xargs)" "nothing was planted on the host"
# A symlink inside a copied tree is copied, never followed.
mkdir -p "$A/root/t2"
ln -s "$WORK/host-only" "$A/root/t2/link"
mctl copy-from ${MP}a /root/t2 "$WORK/t2"
assert_eq "0:$WORK/host-only" "$RC:$(readlink "$WORK/t2/link")" "copy-from: a guest symlink in a tree stays a symlink"
refused_mctl "'..' in the guest path is refused by machinectl" "must be absolute and normalized" \
        copy-from ${MP}a /root/../../etc/passwd "$WORK/x"
refused_mctl "a relative guest path is refused" "'root/in/file' in the machine must be absolute" \
        copy-from ${MP}a root/in/file "$WORK/x"
RC=0; E=$(busctl call $DEST $OBJ $MGR CopyFromMachine sss ${MP}a /root/../etc/passwd "$WORK/x" 2>&1) || RC=$?
assert_match "must be absolute and normalized" "$E" "machined refuses '..' itself (rc $RC)"
assert_false "nothing was copied for '..'" test -e "$WORK/x"
refused_mctl "copy-to into the guest's /proc is refused" "/proc/sys/kernel/x" copy-to ${MP}a "$WORK/file" /proc/sys/kernel/x

# --- bad input ------------------------------------------------------------------------------------
refused_mctl "unknown machine" "No machine '${MP}nope' known" copy-to ${MP}nope "$WORK/file" /x
refused_mctl "a host path that does not exist" "'$WORK/no-such' on the host" copy-to ${MP}a "$WORK/no-such" /root/x
refused_mctl "a guest path that does not exist" "'/root/no-such' in the machine" copy-from ${MP}a /root/no-such "$WORK/x"
assert_false "nothing left on the host" test -e "$WORK/x"
refused_mctl "too few arguments" "Too few arguments" copy-to ${MP}a
refused_mctl "bind of a missing host path" "'$WORK/no-such' on the host" bind ${MP}a "$WORK/no-such" /mnt
RC=0; E=$(busctl call $DEST $OBJ $MGR CopyToMachineWithFlags ssst ${MP}a "$WORK/file" /root/f 4 2>&1) || RC=$?
assert_match "Invalid copy flags 0x4" "$E" "unknown copy flags are refused"
# Root only.
RC=0; E=$(setpriv --reuid=65534 --regid=65534 --clear-groups busctl call $DEST $OBJ $MGR CopyToMachine sss ${MP}a "$WORK/file" /root/unpriv 2>&1) || RC=$?
assert_match "Access denied" "$E" "copy-to needs root"
assert_false "nothing copied for an unprivileged caller" test -e "$A/root/unpriv"

# --- bind -----------------------------------------------------------------------------------------
mkdir -p "$WORK/share"
echo shared > "$WORK/share/s"
echo single > "$WORK/single"
refused_mctl "bind onto a missing mount point" "'/mnt/share' in the machine" bind ${MP}a "$WORK/share" /mnt/share
mctl bind --mkdir ${MP}a "$WORK/share" /mnt/share
assert_eq "0:" "$RC:$ERR" "bind --mkdir of a directory"
assert_eq "shared" "$(cat /proc/$LA/root/mnt/share/s 2>/dev/null)" "the host directory appears inside"
echo later > "$WORK/share/later"
assert_eq "later" "$(cat /proc/$LA/root/mnt/share/later 2>/dev/null)" "a live bind: the guest sees new host files"
touch /proc/$LA/root/mnt/share/from-guest
assert_true "writable without --read-only" test -e "$WORK/share/from-guest"
mctl bind --read-only --mkdir ${MP}a "$WORK/share" /mnt/ro
assert_eq "0:" "$RC:$ERR" "bind --read-only"
E=$(touch /proc/$LA/root/mnt/ro/x 2>&1)
assert_match "Read-only file system" "$E" "--read-only: a write through the mount fails"
mctl bind --mkdir ${MP}a "$WORK/single" /etc/single
assert_eq "0:single" "$RC:$(cat /proc/$LA/root/etc/single 2>/dev/null)" "bind --mkdir of a file"
mctl bind --mkdir ${MP}a "$WORK/share"
assert_eq "0:shared" "$RC:$(cat "/proc/$LA/root$WORK/share/s" 2>/dev/null)" "bind without a guest path: the same path inside"
mkdir -p "$A/opt/mp"
mctl bind ${MP}a "$WORK/single" /opt/mp
assert_match "does not match" "$ERR" "bind of a file onto a directory is refused"
ln -s "$WORK/host-only" "$A/opt/hostlink"
mctl bind ${MP}a "$WORK/share" /opt/hostlink
assert_eq 0 "$RC" "bind onto a guest symlink to a host directory (resolved inside: to the guest's $WORK/host-only)"
assert_eq "secret victim" "$(ls "$WORK/host-only" | xargs)" "the host's directory was not mounted over"
assert_eq "shared" "$(cat "/proc/$LA/root$WORK/host-only/s" 2>/dev/null)" "the mount is inside the guest"
GM=$(grep -c " - " /proc/$LA/mountinfo)
assert_match "/mnt/share " "$(cat /proc/$LA/mountinfo)" "the guest's mount table has the bind"
assert_no_match " /mnt/(share|ro) | /etc/single " "$(cat /proc/self/mountinfo)" "the host's mount table has none of them"
assert_false "no mount of the host's share on the host" grep -q "$WORK/host-only " /proc/self/mountinfo

# --- OpenMachineRootDirectory: an fd of the guest's root ------------------------------------------
RC=0; OUT=$("$OPEN_ROOT_PROBE" ${MP}a /root/in/file 2>&1) || RC=$?
assert_eq "0:hello" "$RC:$OUT" "OpenMachineRootDirectory gives the guest's root (a file below it read)"
RC=0; OUT=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$OPEN_ROOT_PROBE" ${MP}a /root/in/file 2>&1) || RC=$?
assert_match "AccessDenied" "$OUT" "OpenMachineRootDirectory needs root (rc $RC)"
RC=0; OUT=$("$OPEN_ROOT_PROBE" ${MP}nope /etc/passwd 2>&1) || RC=$?
assert_match "NoSuchMachine" "$OUT" "OpenMachineRootDirectory of an unknown machine (rc $RC)"

# --- the distribution's machinectl against our machined --------------------------------------------
DM() { unshare -m sh -c 'mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/system && exec /usr/bin/machinectl --no-pager "$@"' sh "$@" 2>&1; }
if [ -x /usr/bin/machinectl ]; then
        E=$(DM copy-to ${MP}a "$WORK/file" /root/in/dm-file)
        assert_eq "hello" "$(cat "$A/root/in/dm-file" 2>/dev/null)" "the distribution's machinectl copy-to ($E)"
        E=$(DM copy-from ${MP}a /root/in/dm-file "$WORK/dm-back")
        assert_eq "hello" "$(cat "$WORK/dm-back" 2>/dev/null)" "the distribution's machinectl copy-from ($E)"
        E=$(DM copy-to --force ${MP}a "$WORK/single" /root/in/dm-file)
        assert_eq "single" "$(cat "$A/root/in/dm-file" 2>/dev/null)" "the distribution's machinectl copy-to --force ($E)"
        E=$(DM bind --mkdir ${MP}a "$WORK/share" /mnt/dm)
        assert_eq "shared" "$(cat /proc/$LA/root/mnt/dm/s 2>/dev/null)" "the distribution's machinectl bind --mkdir ($E)"
else
        fail "the distribution's machinectl is not installed (tools/deps: systemd-container)"
fi

# --- a copy cancelled by its client: no temporary copy left ----------------------------------------
# 20000 files: long enough (most of a second) to see the temporary copy appear and kill the client.
mkdir -p "$WORK/many"
(cd "$WORK/many" && seq -f f%.0f 20000 | xargs touch)
"$MCTL" copy-to ${MP}a "$WORK/many" /root/many >/dev/null 2>&1 &
MC=$!
assert_true "the copy of 20000 files is under way" wait_until 10 sh -c "ls -a '$A/root' | grep -q '^\.#copy'"
kill -9 $MC
wait $MC 2>/dev/null
assert_true "a cancelled copy leaves no temporary copy in the guest" wait_until 10 no_temporaries "$A/root"
assert_false "... and no destination" test -e "$A/root/many"

# --- the machine goes: its binds go with it --------------------------------------------------------
stop_guest ${MP}a "$PA"
assert_false "no trace of the binds on the host after the machine is gone" grep -q "$WORK/share\|$WORK/single" /proc/self/mountinfo
refused_mctl "copy-to a machine that is gone" "No machine '${MP}a' known" copy-to ${MP}a "$WORK/file" /root/x

# --- a guest with a user namespace ----------------------------------------------------------------
U=$(busybox_tree "$WORK/${MP}u")
mkdir -p "$U/root/in"
assert_true "guest ${MP}u runs with -U" start_guest ${MP}u "$U" -U
PU=$P LU=$L
BASE=$(awk '$1 == 0 { print $2 }' /proc/$LU/uid_map)
assert_true "the guest has a shifted range ($BASE)" test "${BASE:-0}" -gt 0
mctl copy-to ${MP}u "$S" /root/in/tree
assert_eq "0:" "$RC:$ERR" "copy-to a -U machine"
assert_eq "$((BASE + 1000)):$((BASE + 1000)) $((BASE + 2000)):$((BASE + 3000)) $((BASE + 4)):$((BASE + 5)) $((BASE + 7)):$((BASE + 8)) $BASE:$BASE" \
        "$(stat -c %u:%g "/proc/$LU/root/root/in/tree/a" "/proc/$LU/root/root/in/tree/sub/b" "/proc/$LU/root/root/in/tree/sub" "/proc/$LU/root/root/in/tree/root-link" "/proc/$LU/root/root/in/tree/fifo" | xargs)" \
        "owners shifted into the machine's range (seen from the host)"
assert_eq "1000:1000 2000:3000" "$(nsenter -t "$LU" -U -m --preserve-credentials stat -c %u:%g /root/in/tree/a /root/in/tree/sub/b 2>/dev/null | xargs)" \
        "... and the guest sees the host's numbers"
assert_eq "4755" "$(stat -c %a "/proc/$LU/root/root/in/tree/a")" "the setuid bit survives the chown"
mctl copy-from ${MP}u /root/in/tree "$WORK/tree-u"
assert_eq "0:" "$RC:$ERR" "copy-from a -U machine"
assert_eq "$(describe "$S")" "$(describe "$WORK/tree-u")" "copy-from shifts the owners back"
echo far > "$WORK/far"
chown 200000:200000 "$WORK/far"
refused_mctl "an owner the machine cannot map" "owner 200000 has no counterpart" copy-to ${MP}u "$WORK/far" /root/in/far
assert_false "nothing left in the guest" test -e "/proc/$LU/root/root/in/far"
assert_true "no temporary copy either" no_temporaries "/proc/$LU/root/root/in"
mctl bind --mkdir ${MP}u "$WORK/share" /mnt/share
assert_eq "0:" "$RC:$ERR" "bind into a -U machine"
assert_eq "shared" "$(nsenter -t "$LU" -U -m --preserve-credentials cat /mnt/share/s 2>/dev/null)" "the host directory appears inside the -U machine"
assert_eq "65534" "$(nsenter -t "$LU" -U -m --preserve-credentials stat -c %u /mnt/share/s 2>/dev/null)" \
        "not id-mapped: host root's files are nobody's inside"
stop_guest ${MP}u "$PU"
assert_false "the -U machine's bind is gone with it" grep -q "$WORK/share" /proc/self/mountinfo

test_end
