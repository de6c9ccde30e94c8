#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bad input gets one clear line naming what is wrong, a non-zero exit and nothing left behind
# (test_end checks the last part). Also the rows D8 (-D /), D9 (the command is resolved inside the
# root), D11 (machine names) and D12 (passwd parsed inside the root, with limits) of
# ../shared/reference/reliability-checks.md, and -u/--user.
. "$(dirname "$0")/../lib.sh"
test_begin

BB=$(busybox_tree "$WORK/${MP}bb")
run_nspawn -q -D "$BB" --pipe sh -c 'echo ok'
assert_eq ok "$OUT" "the busybox tree works ($ERR)"

# The root directory.
refused "missing -D directory" "$WORK/missing" -D "$WORK/missing" /bin/true
touch "$WORK/file"
refused "a file instead of a directory" "$WORK/file" -D "$WORK/file" /bin/true
refused "-D / with -M" "root" -M host -D / /bin/true
refused "-D / without -M" "root" -D / /bin/true
refused "-D /tmp/.. with -M" "root" -M host -D /tmp/.. /bin/true
ln -s / "$WORK/rootlink"
refused "-D a symlink to /" "root" -M host -D "$WORK/rootlink" /bin/true
mkdir "$WORK/rootbind"
mount --bind / "$WORK/rootbind"
on_exit "mountpoint -q '$WORK/rootbind' && umount '$WORK/rootbind'"
refused "-D a bind mount of /" "root" -M host -D "$WORK/rootbind" /bin/true
umount "$WORK/rootbind"

# The command.
run_nspawn -D "$BB" --pipe /no/such/cmd
assert_eq 127 "$RC" "a missing command (path) exits 127"
assert_eq 1 "$(printf '%s\n' "$ERR" | wc -l)" "... with one line on stderr"
assert_match "/no/such/cmd" "$ERR" "... naming the command"
run_nspawn -D "$BB" --pipe nosuchcmd
assert_eq 127 "$RC" "a missing command (PATH lookup) exits 127"
assert_eq 1 "$(printf '%s\n' "$ERR" | wc -l)" "... with one line on stderr"
assert_match "nosuchcmd" "$ERR" "... naming the command"
refused "a missing command" "nosuchcmd" -D "$BB" --pipe nosuchcmd

# D9: the command is resolved inside the root, never on the host.
mkdir "$WORK/hostbin"
printf '#!/bin/sh\ntouch %s/EXECUTED\n' "$WORK" > "$WORK/hostbin/host-only"
chmod +x "$WORK/hostbin/host-only"
ln -s "$WORK/hostbin/host-only" "$BB/bin/host-only"
refused "D9: a command linked to a host-only file" "host-only" -D "$BB" --pipe host-only
assert_false "D9: the host file was not executed" test -e "$WORK/EXECUTED"
refused "D9: an absolute path to the host-only file" "$WORK/hostbin/host-only" -D "$BB" --pipe "$WORK/hostbin/host-only"
assert_false "D9: the host file was not executed" test -e "$WORK/EXECUTED"
ln -s ../../../../../../../../bin "$BB/relbin"
run_nspawn -q -D "$BB" --pipe /relbin/echo clamped
assert_eq "clamped" "$OUT" "D9: a relative link climbing out of the tree is clamped to the tree"
ln -s /bin/loop "$BB/bin/loop"
refused "D9: a command that is a symlink loop" "loop" -D "$BB" --pipe /bin/loop

# A tree without /etc/passwd still runs its command as root.
BB2=$(busybox_tree "$WORK/${MP}nopasswd")
rm -f "$BB2/etc/passwd" "$BB2/etc/group"
run_nspawn -q -D "$BB2" --pipe sh -c 'id -u'
assert_eq "0|0" "$RC|$OUT" "a tree without /etc/passwd runs the command as root ($ERR)"

# D11: machine names, from -M and from the directory name.
refused "-M a/b" "a/b" -M a/b -D "$BB" /bin/true
refused "-M .." ": .." -M .. -D "$BB" /bin/true
refused "-M ''" "machine name" -M "" -D "$BB" /bin/true
long=$(printf 'a%.0s' {1..65})
refused "-M with 65 characters" "$long" -M "$long" -D "$BB" /bin/true
refused "-M with a space" "a b" -M "a b" -D "$BB" /bin/true
refused "-M .host" ".host" -M .host -D "$BB" /bin/true
refused "-M with a leading -" "-foo" --machine=-foo -D "$BB" /bin/true
refused "-M with a control character" "machine name" -M $'a\tb' -D "$BB" /bin/true
# A directory name that is not a machine name is cleaned up as systemd-nspawn does; one with
# nothing usable left is refused. (Each carries the prefix, so that the containers are ours to the
# leak check; the prefix itself is clean.)
x70=$(printf 'x%.0s' {1..70})
L=${MP}$x70
for pair in "${MP}foo bar|${MP}foobar" "${MP}a..b|${MP}a.b" "$L|${L:0:64}" "-${MP}lead|${MP}lead" \
        "${MP}my_tree!|${MP}mytree"; do
        d=${pair%%|*} want=${pair#*|}
        cp -a "$BB" "$WORK/$d"
        run_nspawn -q -D "$WORK/$d" --pipe hostname
        assert_eq "$want" "$OUT" "directory name '$d' becomes the machine name '$want'"
done
mkdir "$WORK/---"
refused "directory name '---' without -M" "---" -D "$WORK/---" /bin/true
run_nspawn -q -D "$WORK/---" -M "${MP}dashes" --pipe /bin/true
assert_no_match "machine name" "$ERR" "... with -M the same directory gets past the name check"

# --bind, --bind-ro, --tmpfs, --chdir, -E.
refused "--bind with a relative source" "foo:/mnt" -D "$BB" --bind=foo:/mnt /bin/true
refused "--bind with a relative destination" "/tmp:mnt" -D "$BB" --bind=/tmp:mnt /bin/true
refused "--bind with .. in the source" "/tmp/../etc" -D "$BB" --bind=/tmp/../etc:/mnt /bin/true
refused "--bind with .. in the destination" "/mnt/../x" -D "$BB" --bind=/tmp:/mnt/../x /bin/true
refused "--bind with an unknown option" "/tmp:/mnt:foo" -D "$BB" --bind=/tmp:/mnt:foo /bin/true
refused "--bind with four fields" "/tmp:/mnt:rbind:x" -D "$BB" --bind=/tmp:/mnt:rbind:x /bin/true
refused "--bind-ro with a relative source" "foo" -D "$BB" --bind-ro=foo /bin/true
refused "--bind of a missing host path" "$WORK/nonexistent" -D "$BB" --bind="$WORK/nonexistent:/mnt" /bin/true
refused "--bind-ro of a missing host path" "$WORK/nonexistent" -D "$BB" --bind-ro="$WORK/nonexistent" /bin/true
refused "--tmpfs with a relative path" "relative" -D "$BB" --tmpfs=relative /bin/true
refused "--chdir with a relative path" "relative" -D "$BB" --chdir=relative /bin/true
refused "--chdir to a missing directory" "/nonexistent" -D "$BB" --pipe --chdir=/nonexistent /bin/true
refused "-E without =" "FOO" -D "$BB" -E FOO /bin/true

# Options.
refused "an unknown long option" "--frobnicate" -D "$BB" --frobnicate /bin/true
refused "an unknown short option" "-Z" -D "$BB" -Z /bin/true
refused "-D without its argument" "-D" -D
refused "--hostname without its argument" "--hostname" -D "$BB" --hostname
run_nspawn -D "$BB" --machine
assert_match "(-M|--machine)" "$ERR" "--machine without its argument names the option"
refused "--console=interactive with --pipe" "interactive" -D "$BB" --console=interactive --pipe /bin/true
refused "--pipe with --console=read-only" "read-only" -D "$BB" --pipe --console=read-only /bin/true
refused "an unknown console mode" "fancy" -D "$BB" --console=fancy /bin/true
refused "--console=interactive without a terminal" "terminal" -D "$BB" --console=interactive /bin/true
refused "a malformed --uuid" "xyz" -D "$BB" --uuid=xyz /bin/true
refused "the null --uuid" "00000000000000000000000000000000" -D "$BB" --uuid=00000000000000000000000000000000 /bin/true
refused "an unknown --kill-signal" "SIGFOO" -D "$BB" --kill-signal=SIGFOO /bin/true
refused "an unknown --capability" "CAP_FOO" -D "$BB" --capability=CAP_FOO /bin/true
refused "an unknown --drop-capability" "CAP_BAR" -D "$BB" --drop-capability=CAP_BAR /bin/true
refused "a capability both kept and dropped" "SYS_TIME" -D "$BB" --capability=CAP_SYS_TIME --drop-capability=CAP_SYS_TIME /bin/true
refused "a bad --no-new-privileges value" "maybe" -D "$BB" --no-new-privileges=maybe /bin/true

# -u/--user: looked up in the container's own passwd.
U=$(overlay_tree users)
echo 'alice:x:1000:1000:Alice:/home/alice:/bin/sh' >> "$U/etc/passwd"
echo 'alice:x:1000:' >> "$U/etc/group"
sed -i 's/^users:x:100:.*/users:x:100:alice/' "$U/etc/group"
mkdir -p "$U/home/alice"
chown 1000:1000 "$U/home/alice"
refused "-u with an unknown user" "nosuchuser" -D "$U" -u nosuchuser /bin/true
cat > "$WORK/who.sh" <<'EOF'
echo "$(id -u) $(id -g) $(id -G)"; echo "$HOME"; pwd; echo "$USER"; grep CapEff /proc/self/status
EOF
run_nspawn -q -D "$U" --pipe -u alice --bind-ro="$WORK/who.sh:/who.sh" sh /who.sh
assert_eq $'1000 1000 1000 100\n/home/alice\n/home/alice\nalice\nCapEff:\t0000000000000000' "$OUT" \
        "-u alice: uid, gid, groups, HOME, working directory, USER, no effective capabilities ($ERR)"
run_nspawn -q -D "$U" --pipe --user=1000 --bind-ro="$WORK/who.sh:/who.sh" sh /who.sh
assert_eq $'1000 1000 1000 100\n/home/alice\n/home/alice\nalice\nCapEff:\t0000000000000000' "$OUT" \
        "--user=1000 finds alice by her uid"
run_nspawn -q -D "$U" --pipe --user=4321 --bind-ro="$WORK/who.sh:/who.sh" sh /who.sh
assert_eq $'4321 4321 4321\n/\n/' "$(head -n3 <<<"$OUT")" "--user=4321 without an entry runs as uid 4321"
assert_eq $'CapEff:\t0000000000000000' "$(tail -n1 <<<"$OUT")" "... with no effective capabilities"
run_nspawn -q -D "$U" --pipe -u root sh -c 'id -u; echo $HOME'
assert_eq $'0\n/root' "$OUT" "-u root"

# D12: the user database is read inside the root and with limits.
echo "evil:x:4242:4242::/:/bin/sh" > "$WORK/host-passwd"
D=$(overlay_tree d12)
ln -sf "$WORK/host-passwd" "$D/etc/passwd"
refused "D12: passwd linked to a host file: the user is not found" "evil" -D "$D" --pipe -u evil /bin/true
D=$(overlay_tree d12big)
{ printf 'big:x:1234:1234::/:/bin/sh%*s\n' 10485760 ''; echo 'carol:x:1500:1500::/:/bin/sh'; } >> "$D/etc/passwd"
refused "D12: a 10 MiB line in passwd is refused" "over-long line" -D "$D" --pipe -u carol /bin/true

test_end
