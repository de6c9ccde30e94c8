#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# machinectl's output next to systemd's (issue 7, items 21, 26, 27): "list" and "list -o json" as the
# distribution's machinectl prints them for the same machines ("-" and null for empty values, null
# for no addresses), one locale for a whole "status A B", plural forms, and bidi overrides and
# zero-width characters from a guest's os-release escaped.
. "$(dirname "$0")/../lib.sh"
BUILDDIR=${BUILDDIR:-$SRCDIR/build}
. "$SRCDIR/test/lib-bus.sh"
MACHINECTL=${MACHINECTL:-$BUILDDIR/machinectl}
test_begin

# RegisterMachine takes the leader's unit as the machine's: run the leaders from the root cgroup.
grep -q '^0::/$' /proc/self/cgroup || echo $$ > "$CGROOT/cgroup.procs" || true

mctl() { # runs our machinectl: $OUT, $ERR, $RC
        capture 30 "$MACHINECTL" --no-pager "$@"
}
# The distribution's machinectl refuses to run unless /run/systemd/system exists: a private /run/systemd.
DM() { unshare -m sh -c 'mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/system && exec /usr/bin/machinectl --no-pager "$@"' sh "$@" 2>&1; }
register() { # name service leader
        busctl --system --timeout=5 call org.freedesktop.machine1 /org/freedesktop/machine1 \
                org.freedesktop.machine1.Manager RegisterMachine sayssus "$1" 0 "$2" container "$3" / >/dev/null
}

# A tree whose os-release reorders the line: "evil" + U+202E RIGHT-TO-LEFT OVERRIDE makes "txt.exe"
# read "exe.txt"; zero-width space, isolates and a BOM hide in the version.
RLO=$'\xe2\x80\xae' PDF=$'\xe2\x80\xac' ZWSP=$'\xe2\x80\x8b' LRI=$'\xe2\x81\xa6' PDI=$'\xe2\x81\xa9' BOM=$'\xef\xbb\xbf'
TREE=$WORK/tree
mkdir -p "$TREE/bin" "$TREE/etc"
cp /bin/busybox "$TREE/bin/busybox"
ln -s busybox "$TREE/bin/sleep"
printf '%s\n' "ID=debian" "VERSION_ID=\"12${ZWSP}${BOM}\"" \
        "PRETTY_NAME=\"Debian ${RLO}txt.exe${PDF} ${LRI}x${PDI} $(printf '\xe2\x80\xa8')end\"" > "$TREE/etc/os-release"
TREE2=$WORK/tree2
mkdir -p "$TREE2/bin" "$TREE2/etc"
cp /bin/busybox "$TREE2/bin/busybox"
ln -s busybox "$TREE2/bin/sleep"
printf '%s\n' "ID=plain" "VERSION_ID=1" "PRETTY_NAME=\"Plain OS\"" > "$TREE2/etc/os-release"

leader_in() { # tree [netns setup]: a sleep chrooted into the tree
        if [ -n "${2:-}" ]; then
                unshare -n sh -c "$2 && exec chroot '$1' /bin/sleep 300" &
        else
                chroot "$1" /bin/sleep 300 &
        fi
        LEADER=$!
        on_exit "kill -9 $LEADER 2>/dev/null; wait $LEADER 2>/dev/null"
        for i in $(seq 100); do
                [ "$(readlink /proc/$LEADER/root)" = "$1" ] && [ "$(cat /proc/$LEADER/comm)" = sleep ] && return 0
                sleep 0.02
        done
        return 1
}

start_bus
start_machined
on_exit "'$MACHINECTL' terminate ${MP}mw-a ${MP}mw-b ${MP}mw-c >/dev/null 2>&1"

leader_in "$TREE2" "ip link set lo up && ip addr add 10.98.0.1/24 dev lo && ip addr add fd00::7/64 dev lo nodad" && LB=$LEADER
leader_in "$TREE2" && LC=$LEADER
assert_true "${MP}mw-b registered" register ${MP}mw-b mwtest "$LB"
assert_true "${MP}mw-c registered (no service)" register ${MP}mw-c "" "$LC"

# --- item 27: list and list -o json as systemd's machinectl prints them -----------------------------
mctl list -o json
assert_eq 0 "$RC" "list -o json succeeds"
assert_eq "null null" "$(printf '%s' "$OUT" | jq -j '.[1].service, " ", .[1].addresses')" \
        "list -o json: an empty service and no addresses are null"
assert_eq '["10.98.0.1","fd00::7"]' "$(printf '%s' "$OUT" | jq -c '.[0].addresses')" "list -o json: addresses"
mctl list
assert_match $'\n'"${MP}mw-c +container +- +plain " "$OUT" "list: an empty service is '-'"
assert_true "the distribution's machinectl is installed (tools/deps: systemd-container)" test -x /usr/bin/machinectl
if [ -x /usr/bin/machinectl ]; then
        for args in "list" "list --no-legend"; do
                mctl $args
                # shellcheck disable=SC2086
                assert_eq "$(DM $args)" "$OUT" "'machinectl $args' prints what the distribution's machinectl prints"
        done
        # systemd 252 joins the addresses with newlines into one string; later versions (and we) give
        # an array. Everything else is the same.
        mctl list -o json
        assert_eq "$(DM list -o json | jq -c 'map(.addresses |= (if type == "string" then split("\n") else . end))')" \
                "$(printf '%s' "$OUT" | jq -c .)" "'machinectl list -o json' as the distribution's machinectl has it"
fi
leader_in "$TREE" && LA=$LEADER
assert_true "${MP}mw-a registered (hostile os-release)" register ${MP}mw-a "" "$LA"

# --- item 21: bidi overrides and zero-width characters are escaped ---------------------------------
mctl status ${MP}mw-a
assert_eq 0 "$RC" "status succeeds"
assert_match 'OS: Debian \\xe2\\x80\\xaetxt\.exe\\xe2\\x80\\xac \\xe2\\x81\\xa6x\\xe2\\x81\\xa9 \\xe2\\x80\\xa8end' "$OUT" \
        "status: the override, the isolates and the line separator are escaped"
for c in "$RLO" "$PDF" "$LRI" "$PDI" $'\xe2\x80\xa8'; do
        assert_no_match "$c" "$OUT" "status: no raw $(printf '%s' "$c" | od -An -tx1 | tr -d ' ')"
done
mctl list
assert_match $'\n'"${MP}mw-a +container +- +debian +12\\\\xe2\\\\x80\\\\x8b\\\\xef\\\\xbb\\\\xbf " "$OUT" \
        "list: zero-width space and BOM in the version are escaped"
assert_no_match "$ZWSP|$BOM" "$OUT" "list: no raw zero-width characters"
mctl list -o json
assert_match '"version":"12\\u200b\\ufeff"' "$OUT" "list -o json: escaped as \\uXXXX"
assert_eq "12${ZWSP}${BOM}" "$(printf '%s' "$OUT" | jq -r '.[0].version')" "... and still the same string for a JSON reader"

# --- item 26: one locale for all of the output, plural forms ---------------------------------------
if ! locale -a 2>/dev/null | grep -qix 'de_DE\.utf-\?8'; then
        if [ "${CI:-}" = true ]; then fail "the de_DE.UTF-8 locale is missing (tools/deps makes it)"; fi
        echo "skipping the German checks: the de_DE.UTF-8 locale is not installed"
else
        de() { env -u LANGUAGE -u LC_ALL -u LC_MESSAGES -u LC_TIME LANG=de_DE.UTF-8 NSPAWN_LOCALEDIR="$BUILDDIR/po" "$@"; }
        OUT=$(de "$MACHINECTL" --no-pager status ${MP}mw-b ${MP}mw-c 2>&1)
        SINCE=$(printf '%s\n' "$OUT" | sed -n 's/^ *[^ ]*: \([A-Z][a-z]*\)\.\? [0-9]\{4\}-[0-9-]* [0-9:]* [A-Z]*; .*/\1/p')
        assert_eq 2 "$(printf '%s\n' "$SINCE" | grep -c .)" "status A B: two timestamps ($(printf '%s' "$SINCE" | tr '\n' ' '))"
        assert_eq 1 "$(printf '%s\n' "$SINCE" | sort -u | grep -c .)" "status A B: both in the same format"
        assert_match "^(Mo|Di|Mi|Do|Fr|Sa|So)$" "$(printf '%s\n' "$SINCE" | head -1)" "... German day names, the first one too"
        assert_match "; vor [0-9]+(ms|s|min)" "$OUT" "... 'ago' in German"
        OUT=$(de "$MACHINECTL" --no-pager list 2>&1)
        assert_match $'\n\n'"3 Maschinen aufgelistet.$" "$OUT" "list: German plural"
fi
mctl list
assert_match $'\n\n'"3 machines listed.$" "$OUT" "list: three machines"
"$MACHINECTL" terminate ${MP}mw-a ${MP}mw-c
gone() { ! "$MACHINECTL" show ${MP}mw-a >/dev/null 2>&1 && ! "$MACHINECTL" show ${MP}mw-c >/dev/null 2>&1; }
for i in $(seq 100); do gone && break; sleep 0.05; done
mctl list
assert_match $'\n\n'"1 machine listed.$" "$OUT" "list: one machine (singular)"
if locale -a 2>/dev/null | grep -qix 'de_DE\.utf-\?8'; then
        OUT=$(de "$MACHINECTL" --no-pager list 2>&1)
        assert_match $'\n\n'"1 Maschine aufgelistet.$" "$OUT" "list: German singular"
fi

test_end
