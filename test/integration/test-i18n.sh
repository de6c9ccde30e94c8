#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Translations: nspawn speaks German under a German locale (help text, errors of the launcher and
# of the container's set-up), English under LANG=C, and po/ covers every message of the sources.
. "$(dirname "$0")/../lib.sh"
test_begin

: "${BUILDDIR:?BUILDDIR must point at the build directory}"
LOCALEDIR="$BUILDDIR/po"

if ! locale -a 2>/dev/null | grep -qix 'de_DE\.utf-\?8'; then
        if [ "${CI:-}" = true ]; then echo "the de_DE.UTF-8 locale is missing (tools/deps makes it)" >&2; exit 1; fi
        echo "skipping: the de_DE.UTF-8 locale is not installed (tools/deps makes it)"; exit 77
fi

assert_true "the German catalogue is built at po/de/LC_MESSAGES/nspawn.mo" \
        test -s "$LOCALEDIR/de/LC_MESSAGES/nspawn.mo"


# --help
nspawn_in de_DE.UTF-8 --help
assert_eq 0 "$RC" "--help exits 0 under LANG=de_DE.UTF-8"
assert_match $'\nFührt einen Befehl in einem leichtgewichtigen Container aus\\.\n' "$OUT" \
        "--help is German under LANG=de_DE.UTF-8"
assert_match '  -h --help +Diese Hilfe anzeigen' "$OUT" "German help keeps the option names"
assert_match '     --bind-ro=SRC\[:DST\[:OPTS\]\]' "$OUT" "German help keeps the option arguments"
assert_no_match 'Run a command in a light-weight container' "$OUT" "no English left in the German help"
# The options each help line starts with, in order: a translation has the same ones, each once (a
# merged catalogue had one twice).
help_options() { grep -oE '^ +(-[a-zA-Z] )?--[a-z-]+|^  -[a-zA-Z]' <<<"$1" | tr -d ' '; }
HELP_DE=$(help_options "$OUT")

nspawn_in C --help
assert_eq 0 "$RC" "--help exits 0 under LANG=C"
assert_eq "$(help_options "$OUT")" "$HELP_DE" "the German help lists the same options as the English one"
assert_match $'\nRun a command in a light-weight container\\.\n' "$OUT" "--help is English under LANG=C"
assert_no_match 'Führt' "$OUT" "no German under LANG=C"

# Without a catalogue for the language, the messages stay English instead of failing.
RC=0; OUT=$(env -u LANGUAGE -u LC_ALL -u LC_MESSAGES LANG=de_DE.UTF-8 NSPAWN_LOCALEDIR="$WORK/none" \
        "$NSPAWN" --help 2>&1) || RC=$?
assert_eq 0 "$RC" "--help works without a catalogue"
assert_match 'Run a command in a light-weight container' "$OUT" "and falls back to English"

# Errors of the launcher itself: before and during option parsing.
nspawn_in de_DE.UTF-8 -D /nonexistent /bin/true
assert_eq 1 "$RC" "a missing directory exits 1"
assert_eq "Das Verzeichnis /nonexistent existiert nicht." "$ERR" "the error is German"
nspawn_in C -D /nonexistent /bin/true
assert_eq "Directory /nonexistent does not exist." "$ERR" "and English under LANG=C"

nspawn_in de_DE.UTF-8 -D /nonexistent --kill-signal=NOPE /bin/true
assert_eq 1 "$RC" "a bad option value exits 1"
assert_eq "Ungültiges Signal: NOPE" "$ERR" "an option error is German"

nspawn_in de_DE.UTF-8 --no-such-option
assert_eq "Unbekannte Option --no-such-option. Siehe --help." "$ERR" \
        "an unknown option is reported in German"

# A failure reported by the container's set-up is translated by the launcher.
T=$(busybox_tree "$WORK/${MP}bb")
nspawn_in de_DE.UTF-8 -q -D "$T" --pipe /no/such/command
assert_eq 127 "$RC" "a missing command exits 127"
assert_eq "Befehl „/no/such/command“ wurde im Container nicht gefunden." "$ERR" \
        "the set-up error is German"

# po/ covers the sources: POTFILES names every file with _() strings, and de.po translates every
# message that xgettext finds there (none untranslated, none fuzzy).
expected=$(cd "$SRCDIR" && grep -rl --include='*.c' '_("' src | sort)
assert_eq "$expected" "$(grep -v '^#' "$SRCDIR/po/POTFILES" | sed '/^$/d' | sort)" \
        "po/POTFILES lists every source file with translatable strings"
if command -v xgettext >/dev/null && command -v msgcmp >/dev/null; then
        (cd "$SRCDIR" && xgettext --keyword=_ --keyword=N_ --keyword=NG_:1,2 --from-code=UTF-8 -o "$WORK/current.pot" \
                -f po/POTFILES 2>/dev/null)
        assert_true "po/de.po translates every message of the sources" \
                msgcmp "$SRCDIR/po/de.po" "$WORK/current.pot"
        assert_true "po/nspawn.pot has every message of the sources (meson compile nspawn-pot)" \
                msgcmp --use-untranslated "$SRCDIR/po/nspawn.pot" "$WORK/current.pot"
        stats=$(LC_ALL=C msgfmt -c --statistics -o /dev/null "$SRCDIR/po/de.po" 2>&1)
        assert_no_match 'untranslated|fuzzy' "$stats" "po/de.po has no untranslated or fuzzy messages"
fi

test_end
