#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# NAME.nspawn settings files: one file with many keys at once, each effect seen inside the container
# (trusted with --settings=trusted); the same file untrusted next to the tree, its privileged keys
# ignored with one warning each; nspawn@.service's invocation (--keep-unit --boot -M NAME
# --settings=override) picks up /etc/systemd/nspawn/NAME.nspawn; a bad file is one line naming file,
# line and key. Everything runs in a network namespace of the test's own.
. "$(dirname "$0")/../lib.sh"
test_begin

. "$SRCDIR/test/lib-net.sh"
net_begin sf
T=$(net_tree box)
NAME=$(basename "$T")
# Host links for Interface= and MACVLAN=: veth pairs in the test's namespace, gone with it.
for l in a b; do
        "${IN[@]}" ip link add sf$l$$ type veth peer name sp$l$$
        "${IN[@]}" ip link set sf$l$$ up
done

mkdir -p "$WORK/data" "$WORK/rodata"
echo hello-data > "$WORK/data/hello"
echo hello-ro > "$WORK/rodata/hello"
# What the container sees, one KEY=VALUE a line.
cat > "$T/probe.sh" <<'EOF'
echo "env=$FOO/$BAR"
echo "host=$(hostname)"
echo "pwd=$(pwd)"
echo "pid=$$"
grep -E '^(NoNewPrivs|CapBnd|CapAmb):' /proc/self/status | tr -d '\t' | sed 's/:/=/'
echo "data=$(cat /data/hello 2>/dev/null)"
echo "ro=$(cat /ro/hello 2>/dev/null)"
touch /ro/x 2>/dev/null && echo rowrite=yes || echo rowrite=no
touch /data/x 2>/dev/null && echo datawrite=yes || echo datawrite=no
touch /newfile 2>/dev/null && echo rootwrite=yes || echo rootwrite=no
grep -q ' /scratch tmpfs ' /proc/mounts && echo scratch=tmpfs || echo scratch=none
echo "mkdir=$(mkdir /sc 2>&1 | grep -o 'Operation not permitted\|Read-only file system')"
echo "links=$(ls /sys/class/net | sort | tr '\n' ' ')"
EOF

# CAP_SYS_TIME (25) is not kept by default, CAP_SYS_BOOT (22) is; CAP_NET_BIND_SERVICE is 10.
cat > "$WORK/settings" <<EOF
# A settings file with most keys at once.
[Exec]
Parameters=/bin/sh /probe.sh
ProcessTwo=yes
Environment=FOO=foo "BAR=b a r"
WorkingDirectory=/tmp
Hostname=sfhost
NoNewPrivileges=yes
KillSignal=SIGTERM
NotifyReady=no
Capability=CAP_SYS_TIME
DropCapability=CAP_SYS_BOOT
AmbientCapability=CAP_NET_BIND_SERVICE
SystemCallFilter=~mkdir mkdirat
PrivateUsers=no

[Files]
ReadOnly=yes
Bind=$WORK/data:/data
BindReadOnly=$WORK/rodata:/ro
TemporaryFileSystem=/scratch:mode=0755

[Network]
Private=yes
VirtualEthernet=yes
VirtualEthernetExtra=vx$$:extra0
Interface=sfa$$
MACVLAN=sfb$$
# Port= (forwarding: test-network-ports) and IPVLAN= (needs a kernel with ipvlan, this VM's has
# none) are unit-tested: the same values from the command line and from a file.
EOF
FILE=$(dirname "$T")/$NAME.nspawn
cp "$WORK/settings" "$FILE"

value() { sed -n "s/^$1=//p" <<<"$OUT"; }
cap_bit() { echo $(( (0x$1 >> $2) & 1 )); }

# Trusted (--settings=trusted): every key applies.
run_nspawn -q -P --register=no -D "$T" --settings=trusted
assert_eq 0 "$RC" "the container runs with the trusted file ($ERR)"
assert_eq "" "$ERR" "a trusted file of known keys gives no warning"
assert_eq "foo/b a r" "$(value env)" "Environment= (two words, one quoted)"
assert_eq sfhost "$(value host)" "Hostname="
assert_eq /tmp "$(value pwd)" "WorkingDirectory="
assert_eq 2 "$(value pid)" "ProcessTwo=: the payload is PID 2"
assert_eq 1 "$(value NoNewPrivs)" "NoNewPrivileges="
assert_eq 1 "$(cap_bit "$(value CapBnd)" 25)" "Capability=CAP_SYS_TIME is kept"
assert_eq 0 "$(cap_bit "$(value CapBnd)" 22)" "DropCapability=CAP_SYS_BOOT is dropped"
assert_eq 1 "$(cap_bit "$(value CapAmb)" 10)" "AmbientCapability=CAP_NET_BIND_SERVICE is ambient"
assert_eq "Operation not permitted" "$(value mkdir)" "SystemCallFilter=~mkdir mkdirat"
assert_eq hello-data "$(value data)" "Bind="
assert_eq yes "$(value datawrite)" "Bind= is writable"
assert_eq hello-ro "$(value ro)" "BindReadOnly="
assert_eq no "$(value rowrite)" "BindReadOnly= is read-only"
assert_eq no "$(value rootwrite)" "ReadOnly="
assert_eq tmpfs "$(value scratch)" "TemporaryFileSystem="
LINKS=$(value links)
for l in extra0 host0 lo "sfa$$"; do
        assert_match "(^| )$l( |$)" "$LINKS" "the container has $l"
done
assert_match "(^| )mv-sfb$$" "$LINKS" "MACVLAN= gave the container mv-sfb$$"
link_back() { "${IN[@]}" ip link show "sfa$$" >/dev/null 2>&1; }
assert_true "Interface= came back to the host" wait_until 10 link_back
rm -f "$WORK/data/x"

# Untrusted (the default: a file next to the tree): the privileged keys are ignored, one warning
# each, the others still apply.
run_nspawn -q -P --register=no -D "$T"
assert_eq 0 "$RC" "the container runs with the untrusted file"
for k in Capability DropCapability AmbientCapability Bind BindReadOnly TemporaryFileSystem Private \
         VirtualEthernet VirtualEthernetExtra Interface MACVLAN PrivateUsers; do
        assert_eq 1 "$(grep -c ": $k= is ignored: the file is not trusted" <<<"$ERR")" "one warning for $k="
done
assert_eq 12 "$(wc -l <<<"$ERR")" "and no other message"
assert_match "^$(dirname "$T")/$NAME.nspawn:[0-9]+: Bind= is ignored" "$(grep Bind= <<<"$ERR")" \
        "the warning names the file and the line"
assert_eq "foo/b a r" "$(value env)" "Environment= still applies"
assert_eq sfhost "$(value host)" "Hostname= still applies"
assert_eq 2 "$(value pid)" "ProcessTwo= still applies"
assert_eq no "$(value rootwrite)" "ReadOnly= still applies"
assert_eq "Operation not permitted" "$(value mkdir)" "a deny-only SystemCallFilter= still applies"
assert_eq 0 "$(cap_bit "$(value CapBnd)" 25)" "Capability= is ignored"
assert_eq 1 "$(cap_bit "$(value CapBnd)" 22)" "DropCapability= is ignored"
assert_eq 0 "$(cap_bit "$(value CapAmb)" 10)" "AmbientCapability= is ignored"
assert_eq "" "$(value data)" "Bind= is ignored"
assert_eq "" "$(value ro)" "BindReadOnly= is ignored"
assert_eq none "$(value scratch)" "TemporaryFileSystem= is ignored"
assert_no_match "host0|extra0|mv-|iv-" "$(value links)" "the [Network] keys are ignored: the container has the host's links (the test's namespace)"

# Damaged files next to the tree (reliability check D2): refused or warned about at once, in one
# line, never showing what a link points at.
ln -sf /dev/zero "$FILE"
refused "a link to /dev/zero next to the tree" "is a symbolic link" -D "$T" /bin/true
ln -sf /etc/shadow "$FILE"
refused "a link to /etc/shadow next to the tree" "is a symbolic link" -D "$T" /bin/true
assert_no_match 'root:' "$ERR" "nothing of /etc/shadow is shown"
rm -f "$FILE"
mkfifo "$FILE"
refused "a FIFO next to the tree" "is not a regular file" -D "$T" /bin/true
rm -f "$FILE"
head -c 1048576 /dev/zero | tr '\0' x > "$FILE"
refused "a 1 MiB line" "larger than" -D "$T" /bin/true
printf '[Exec]\nEnvironment=NOEQUALS\n' > "$FILE"
refused "Environment=NOEQUALS" "$FILE:2: Environment: Environment assignment must be NAME=VALUE" -D "$T" /bin/true
printf '[Exec]\nBoot=yes\nProcessTwo=yes\n' > "$FILE"
refused "Boot=yes with ProcessTwo=yes" "$FILE: --boot and --as-pid2 cannot be combined" -D "$T"
cp "$WORK/settings" "$FILE"

# --settings=no: no file at all.
run_nspawn -q -P --register=no -D "$T" --settings=no /bin/sh -c 'hostname; echo $FOO'
assert_eq 0 "$RC" "--settings=no runs"
assert_eq "$NAME" "$OUT" "--settings=no ignores the file"
assert_eq "" "$ERR" "and warns about nothing"

# The command line wins over the file, group by group.
run_nspawn -q -P --register=no -D "$T" --hostname=fromargv -E FOO=argv /bin/sh -c 'hostname; echo "$FOO-$BAR"; echo $$'
assert_eq $'fromargv\nargv-\n1' "$OUT" "the command line wins Hostname=, Environment= and the start mode"
rm -f "$FILE"

# nspawn@.service: --keep-unit --boot -M NAME --settings=override, the file in /etc/systemd/nspawn.
# Override: the file's start mode (a command, not --boot) wins.
M=${MP}svc
mkdir -p /var/lib/machines
cp -a "$T" "/var/lib/machines/$M"
on_exit "rm -rf '/var/lib/machines/$M'"
if [ ! -d /etc/systemd/nspawn ]; then
        mkdir -p /etc/systemd/nspawn
        on_exit "rmdir /etc/systemd/nspawn"
fi
printf '[Exec]\nBoot=no\nParameters=/bin/sh -c "echo $$; hostname; echo $FOO"\nHostname=frometc\nEnvironment=FOO=etc\n' \
        > "/etc/systemd/nspawn/$M.nspawn"
on_exit "rm -f '/etc/systemd/nspawn/$M.nspawn'"
U=$(find /sys/fs/cgroup -maxdepth 1 -type d -name unified)
U=${U:-/sys/fs/cgroup}
SVC="$U/${MP}svc.service"
mkdir "$SVC"
on_exit "find '$SVC' -depth -type d -exec rmdir {} \\; 2>/dev/null"
RC=0
OUT=$(sh -c "echo \$\$ > '$SVC/cgroup.procs'; exec '$NSPAWN' -q -P --register=no --keep-unit --boot -M '$M' --settings=override" \
      2>"$WORK/svc.err" </dev/null) || RC=$?
assert_eq 0 "$RC" "the nspawn@.service invocation runs ($(cat "$WORK/svc.err"))"
assert_eq $'1\nfrometc\netc' "$OUT" "it picked up /etc/systemd/nspawn/$M.nspawn, whose start mode won over --boot"

# A bad value: one line naming the file, the line and the key; nothing runs.
printf '[Exec]\nHostname=ok\n\n[Network]\nPort=99999\n' > "/etc/systemd/nspawn/$M.nspawn"
refused "a bad value in a settings file" "/etc/systemd/nspawn/$M.nspawn:5: Port: Invalid --port=99999" \
        --register=no -M "$M" /bin/true
# A FIFO as the file: refused at once, not waited on.
rm -f "/etc/systemd/nspawn/$M.nspawn"
mkfifo "/etc/systemd/nspawn/$M.nspawn"
refused "a FIFO as the settings file" "is not a regular file" --register=no -M "$M" /bin/true
rm -f "/etc/systemd/nspawn/$M.nspawn"

test_end
