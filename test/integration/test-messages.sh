#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Messages give the real cause: errno survives the lazy gettext set-up, and failures name what
# failed (issue 7, items 10 and 14).
. "$(dirname "$0")/../lib.sh"
test_begin

: "${BUILDDIR:?BUILDDIR must point at the build directory}"
LOCALEDIR="$BUILDDIR/po"

# Runs nspawn under the given locale with the build's catalogues; LANGUAGE and LC_* would win over
# LANG, so they are cleared.
nspawn_in() { # lang args...
        local lang=$1; shift
        local o e
        o=$(mktemp) e=$(mktemp)
        RC=0
        env -u LANGUAGE -u LC_ALL -u LC_MESSAGES LANG="$lang" NSPAWN_LOCALEDIR="$LOCALEDIR" \
                timeout 60 "$NSPAWN" "$@" >"$o" 2>"$e" </dev/null || RC=$?
        OUT=$(cat "$o") ERR=$(cat "$e")
        rm -f "$o" "$e"
}

# Item 10: a -D path that is a symlink loop. The first translated string used to set errno to ENOENT
# (no catalogue for C.UTF-8) before -errno was read in the same argument list.
ln -s "$WORK/loop" "$WORK/loop"
for lang in C C.UTF-8 en_US.UTF-8; do
        nspawn_in "$lang" -M messages-loop -D "$WORK/loop" /bin/true
        assert_eq 1 "$RC" "a symlink loop as -D exits 1 (LANG=$lang)"
        assert_eq 1 "$(printf '%s\n' "$ERR" | wc -l)" "... with one line (LANG=$lang)"
        assert_match "$WORK/loop: Too many levels of symbolic links\$" "$ERR" \
                "... that gives the real cause (LANG=$lang)"
done
if locale -a 2>/dev/null | grep -qix 'de_DE\.utf-\?8'; then
        nspawn_in de_DE.UTF-8 -M messages-loop -D "$WORK/loop" /bin/true
        assert_match "loop.*: Zu viele Ebenen aus symbolischen Links\$" "$ERR" \
                "... also in German (LANG=de_DE.UTF-8)"
        RC=0; ERR=$(env -u LANGUAGE -u LC_ALL -u LC_MESSAGES LANG=de_DE.UTF-8 \
                NSPAWN_LOCALEDIR="$WORK/none" "$NSPAWN" -M messages-loop -D "$WORK/loop" /bin/true 2>&1) || RC=$?
        assert_match "loop.*: Zu viele Ebenen aus symbolischen Links\$" "$ERR" \
                "... and under LANG=de_DE.UTF-8 without a catalogue"
elif [ "${CI:-}" = true ]; then
        fail "the de_DE.UTF-8 locale is missing (tools/deps makes it)"
fi

test_end
