#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# --resolv-conf=, --timezone=, --machine-id= (--uuid=) as systemd-nspawn(1) defines them: each mode's
# effect inside the container and in the tree after it ends; bad values refused with one line and
# nothing left behind; a hostile tree (its /etc/resolv.conf, /etc/localtime or /etc pointing at host
# paths) makes nspawn write, delete or mount nothing outside it. --link-journal= is in
# test-etc-modes-journal.sh.
. "$(dirname "$0")/../lib.sh"
test_begin

fresh() { # name: a busybox tree with a resolv.conf and a zoneinfo of its own
        local t="$WORK/$MP$1"
        rm -rf "$t"
        busybox_tree "$t" >/dev/null
        echo "nameserver 192.0.2.1" > "$t/etc/resolv.conf"
        mkdir -p "$t/usr/share/zoneinfo/$ZONE"
        rmdir "$t/usr/share/zoneinfo/$ZONE"
        echo "tree-zone" > "$t/usr/share/zoneinfo/$ZONE"
        echo "tree-localtime" > "$t/etc/localtime"
        echo "$t"
}

HOST_RESOLV=$(cat /etc/resolv.conf)
STATIC_RESOLV=$(cat /usr/lib/systemd/resolv.conf)
# The host's zone (this VM: Etc/UTC), as the symlink names it.
ZONE=$(readlink /etc/localtime | sed -n 's|.*zoneinfo/||p')
assert_true "the host's /etc/localtime is a symlink into zoneinfo (the test needs a zone name)" test -n "$ZONE"
HOST_TZ_SUM=$(sha256sum < /etc/localtime)
in_c() { run_nspawn -q -D "$T" "$@" --pipe sh -c 'cat /etc/resolv.conf 2>&1; readlink /etc/localtime; cat /etc/localtime 2>/dev/null | sha256sum'; }

for U in "" "-U"; do
        L="[${U:-root}]"
        # --resolv-conf=: copy-/replace-/bind-host, static; delete; off; auto.
        T=$(fresh rc)
        run_nspawn -q -D "$T" $U --resolv-conf=off --pipe cat /etc/resolv.conf
        assert_eq "nameserver 192.0.2.1" "$OUT" "$L off: the tree's resolv.conf"
        run_nspawn -q -D "$T" $U --resolv-conf=copy-host --pipe cat /etc/resolv.conf
        assert_eq "$HOST_RESOLV" "$OUT" "$L copy-host: the host's resolv.conf in the container"
        assert_eq "$HOST_RESOLV" "$(cat "$T/etc/resolv.conf")" "$L copy-host: ... copied into the tree"
        T=$(fresh rc)
        run_nspawn -q -D "$T" $U --resolv-conf=copy-static --pipe cat /etc/resolv.conf
        assert_eq "$STATIC_RESOLV" "$OUT" "$L copy-static: /usr/lib/systemd/resolv.conf in the container"
        T=$(fresh rc)
        run_nspawn -q -D "$T" $U --resolv-conf=bind-host --pipe sh -c 'cat /etc/resolv.conf; echo x >> /etc/resolv.conf && echo writable'
        assert_eq "$HOST_RESOLV" "$OUT" "$L bind-host: the host's file, read-only"
        assert_eq "nameserver 192.0.2.1" "$(cat "$T/etc/resolv.conf")" "$L bind-host: the tree's file is untouched"
        assert_eq "$HOST_RESOLV" "$(cat /etc/resolv.conf)" "$L bind-host: the host's file is untouched"
        T=$(fresh rc)
        rm "$T/etc/resolv.conf"
        run_nspawn -q -D "$T" $U --resolv-conf=bind-static --pipe cat /etc/resolv.conf
        assert_eq "$STATIC_RESOLV" "$OUT" "$L bind-static: bound over an empty file made where the tree had none"
        T=$(fresh rc)
        run_nspawn -q -D "$T" $U --resolv-conf=delete --pipe sh -c 'test -e /etc/resolv.conf || echo gone'
        assert_eq "gone" "$OUT" "$L delete: no resolv.conf in the container"
        assert_false "$L delete: ... nor in the tree" test -e "$T/etc/resolv.conf"
        # copy leaves a symlink of the guest's alone, replace replaces it.
        T=$(fresh rc)
        echo "nameserver 192.0.2.7" > "$T/etc/resolv-own"
        ln -sf resolv-own "$T/etc/resolv.conf"
        run_nspawn -q -D "$T" $U --resolv-conf=copy-host --pipe cat /etc/resolv.conf
        assert_eq "nameserver 192.0.2.7" "$OUT" "$L copy-host: a symlink in the tree is left alone"
        run_nspawn -q -D "$T" $U --resolv-conf=replace-host --pipe cat /etc/resolv.conf
        assert_eq "$HOST_RESOLV" "$OUT" "$L replace-host: the symlink is replaced"
        assert_true "$L replace-host: ... by a regular file" test -f "$T/etc/resolv.conf" -a ! -L "$T/etc/resolv.conf"
        assert_eq "nameserver 192.0.2.7" "$(cat "$T/etc/resolv-own")" "$L replace-host: ... and its target is untouched"
        # stub and uplink: systemd-resolved's files, where it runs; else a warning and the tree's file.
        for m in copy-stub bind-uplink; do
                T=$(fresh rc)
                f=/run/systemd/resolve/stub-resolv.conf
                [ "$m" = bind-uplink ] && f=/run/systemd/resolve/resolv.conf
                run_nspawn -q -D "$T" $U --resolv-conf=$m --pipe cat /etc/resolv.conf
                assert_eq 0 "$RC" "$L $m: the container runs ($ERR)"
                if [ -e "$f" ]; then
                        assert_eq "$(cat "$f")" "$OUT" "$L $m: resolved's file in the container"
                else
                        assert_eq "nameserver 192.0.2.1" "$OUT" "$L $m: no $f on this host: the tree's file"
                        assert_match "resolv-conf=$m: $f does not exist" "$ERR" "$L $m: ... and one warning names the file"
                fi
        done
        # auto (the default): copied into a writable tree, bound over a read-only one, left alone with
        # a private network.
        T=$(fresh rc)
        run_nspawn -q -D "$T" $U --read-only --pipe cat /etc/resolv.conf
        assert_eq "$HOST_RESOLV" "$OUT" "$L auto, --read-only: bound"
        assert_eq "nameserver 192.0.2.1" "$(cat "$T/etc/resolv.conf")" "$L auto, --read-only: the tree is not written"
        run_nspawn -q -D "$T" $U --private-network --pipe cat /etc/resolv.conf
        assert_eq "nameserver 192.0.2.1" "$OUT" "$L auto, --private-network: the tree's file"
        run_nspawn -q -D "$T" $U --pipe cat /etc/resolv.conf
        assert_eq "$HOST_RESOLV" "$(cat "$T/etc/resolv.conf")" "$L auto: copied into the tree"
        # An explicit mode applies with a private network too.
        T=$(fresh rc)
        run_nspawn -q -D "$T" $U --private-network --resolv-conf=bind-host --pipe cat /etc/resolv.conf
        assert_eq "$HOST_RESOLV" "$OUT" "$L bind-host with --private-network: bound"

        # --timezone=.
        T=$(fresh tz)
        run_nspawn -q -D "$T" $U --timezone=off --pipe cat /etc/localtime
        assert_eq "tree-localtime" "$OUT" "$L timezone off: the tree's file"
        run_nspawn -q -D "$T" $U --timezone=symlink --pipe sh -c 'readlink /etc/localtime; cat /etc/localtime'
        assert_eq "../usr/share/zoneinfo/$ZONE"$'\n'"tree-zone" "$OUT" "$L timezone symlink: a link to the tree's zone file"
        assert_eq "../usr/share/zoneinfo/$ZONE" "$(readlink "$T/etc/localtime")" "$L timezone symlink: ... made in the tree"
        run_nspawn -q -D "$T" $U --timezone=copy --pipe sh -c 'readlink /etc/localtime; sha256sum < /etc/localtime'
        assert_eq "$HOST_TZ_SUM" "$OUT" "$L timezone copy: the host's zone data replaces the symlink"
        assert_eq "$HOST_TZ_SUM" "$(sha256sum < "$T/etc/localtime")" "$L timezone copy: ... in the tree"
        assert_eq "tree-zone" "$(cat "$T/usr/share/zoneinfo/$ZONE")" "$L timezone copy: not written through the symlink"
        T=$(fresh tz)
        run_nspawn -q -D "$T" $U --timezone=bind --pipe sh -c 'sha256sum < /etc/localtime'
        assert_eq "$HOST_TZ_SUM" "$OUT" "$L timezone bind: the host's zone data"
        assert_eq "tree-localtime" "$(cat "$T/etc/localtime")" "$L timezone bind: the tree's file is untouched"
        run_nspawn -q -D "$T" $U --timezone=delete --pipe sh -c 'test -e /etc/localtime || echo gone'
        assert_eq "gone" "$OUT" "$L timezone delete: no localtime"
        assert_false "$L timezone delete: ... in the tree either" test -e "$T/etc/localtime"
        # auto: the host has a zone symlink: a symlink where the tree has the zone; the host's file
        # bound where it has not (as systemd-nspawn falls back); bound over a read-only tree.
        T=$(fresh tz)
        run_nspawn -q -D "$T" $U --pipe readlink /etc/localtime
        assert_eq "../usr/share/zoneinfo/$ZONE" "$OUT" "$L timezone auto: a symlink"
        T=$(fresh tz)
        rm -r "$T/usr/share/zoneinfo"
        run_nspawn -q -D "$T" $U --pipe sh -c 'sha256sum < /etc/localtime'
        assert_eq "$HOST_TZ_SUM" "$OUT" "$L timezone auto, zone missing in the tree: the host's file bound"
        assert_eq "tree-localtime" "$(cat "$T/etc/localtime")" "$L timezone auto, zone missing: the tree's file untouched"
        T=$(fresh tz)
        run_nspawn -q -D "$T" $U --read-only --pipe sh -c 'sha256sum < /etc/localtime'
        assert_eq "$HOST_TZ_SUM" "$OUT" "$L timezone auto, --read-only: bound"
        assert_eq "tree-localtime" "$(cat "$T/etc/localtime")" "$L timezone auto, --read-only: the tree is not written"

        # A hostile tree: its files point at host paths. Nothing outside the tree is written,
        # deleted or mounted on, in any mode.
        CANARY="$WORK/canary"
        echo canary > "$CANARY"
        mkdir -p "$WORK/host-etc"
        for m in copy-host replace-host bind-host delete auto; do
                for ro in "" --read-only; do
                        T=$(fresh evil)
                        ln -sf "$CANARY" "$T/etc/resolv.conf"
                        ln -sf "$CANARY" "$T/etc/localtime"
                        tz=auto
                        case $m in copy-host) tz=copy ;; replace-host) tz=symlink ;; bind-host) tz=bind ;; delete) tz=delete ;; esac
                        run_nspawn -q -D "$T" $U $ro --resolv-conf=$m --timezone=$tz --pipe sh -c 'grep -c canary /proc/self/mountinfo'
                        assert_eq "canary" "$(cat "$CANARY")" "$L hostile links, $m/$tz $ro: the host file is unchanged ($ERR)"
                        assert_eq "0" "$OUT" "$L hostile links, $m/$tz $ro: nothing mounted from or onto it"
                done
        done
        T=$(fresh evil)
        ln -sf ../../../../../../../../"$CANARY" "$T/etc/resolv.conf"
        run_nspawn -q -D "$T" $U --resolv-conf=bind-host --pipe true
        assert_eq "canary" "$(cat "$CANARY")" "$L a relative escaping link: the host file is unchanged"
        T=$(fresh evil)
        rm -rf "$T/etc"
        ln -s "$WORK/host-etc" "$T/etc"
        for m in copy-host replace-host bind-host delete; do
                run_nspawn -q -D "$T" $U --resolv-conf=$m --timezone=copy --pipe true
                assert_eq "" "$(ls -A "$WORK/host-etc")" "$L /etc -> a host directory, $m: nothing made there"
        done
        assert_false "$L no mount on the host's paths" grep -q " $WORK/\(canary\|host-etc\)" /proc/self/mountinfo

        # --machine-id= (--uuid=): the container's ID where the tree has none; the tree's wins.
        T=$(fresh mid)
        run_nspawn -q -D "$T" $U --machine-id=0123456789abcdef0123456789abcdef --pipe sh -c 'echo $container_uuid'
        assert_eq "01234567-89ab-cdef-0123-456789abcdef" "$OUT" "$L --machine-id: \$container_uuid"
        echo "uninitialized" > "$T/etc/machine-id"
        run_nspawn -q -D "$T" $U --machine-id=0123456789abcdef0123456789abcdef --pipe sh -c 'echo $container_uuid'
        assert_eq "01234567-89ab-cdef-0123-456789abcdef" "$OUT" "$L --machine-id: over an uninitialized /etc/machine-id"
        echo "fedcba9876543210fedcba9876543210" > "$T/etc/machine-id"
        run_nspawn -q -D "$T" $U --machine-id=0123456789abcdef0123456789abcdef --pipe sh -c 'echo $container_uuid'
        assert_eq "fedcba98-7654-3210-fedc-ba9876543210" "$OUT" "$L the tree's /etc/machine-id wins, as in systemd-nspawn"
        assert_match "fedcba9876543210fedcba9876543210 is the machine ID, not 0123456789abcdef0123456789abcdef" "$ERR" \
                "$L ... and a warning says so"
        assert_eq "fedcba9876543210fedcba9876543210" "$(cat "$T/etc/machine-id")" "$L the tree's machine-id is not written"
done

# The same settings from a NAME.nspawn file next to the tree (untrusted: none of these keys is
# privileged), and the command line wins over the file.
T=$(fresh sf)
printf '[Exec]\nResolvConf=bind-static\nTimezone=delete\nMachineID=0123456789abcdef0123456789abcdef\n[Files]\nLinkJournal=no\n' \
        > "$WORK/${MP}sf.nspawn"
run_nspawn -q -D "$T" --pipe sh -c 'cat /etc/resolv.conf; test -e /etc/localtime || echo no-localtime; echo $container_uuid'
assert_eq "$STATIC_RESOLV"$'\nno-localtime\n01234567-89ab-cdef-0123-456789abcdef' "$OUT" \
        "ResolvConf=, Timezone=, MachineID= from a settings file ($ERR)"
T=$(fresh sf)
run_nspawn -q -D "$T" --resolv-conf=off --timezone=off --pipe sh -c 'cat /etc/resolv.conf /etc/localtime'
assert_eq "nameserver 192.0.2.1"$'\n'"tree-localtime" "$OUT" "the command line wins over the settings file"
rm -f "$WORK/${MP}sf.nspawn"

# Bad values: one line naming the value, non-zero exit, the tree untouched.
T=$(fresh bad)
before=$(cd "$T" && find . -printf '%p %y %s %T@\n' | sort)
refused "--resolv-conf=copy" "copy" -D "$T" --resolv-conf=copy /bin/true
refused "--resolv-conf=" "--resolv-conf" -D "$T" --resolv-conf= /bin/true
refused "--timezone=link" "link" -D "$T" --timezone=link /bin/true
refused "--link-journal=yes" "yes" -D "$T" --link-journal=yes /bin/true
refused "--machine-id=xyz" "xyz" -D "$T" --machine-id=xyz /bin/true
refused "--machine-id= all zero" "00000000000000000000000000000000" -D "$T" --machine-id=00000000000000000000000000000000 /bin/true
refused "--resolv-conf with an escape" '[31m' -D "$T" $'--resolv-conf=\e[31m' /bin/true
assert_eq "$before" "$(cd "$T" && find . -printf '%p %y %s %T@\n' | sort)" "bad values leave the tree untouched"

test_end
