# SPDX-License-Identifier: LGPL-2.1-or-later
# The security suite's harness: test/lib.sh, plus the two modes every escape row of
# ../shared/reference/reliability-checks.md section (a) runs in. In the user-namespace mode (-U,
# --private-users=pick) every row must hold. In the default mode container root is host root: the masks,
# read-only mounts, bounding set, system call filter and device policy must hold, and what only a user
# namespace can close is a documented limitation (nspawn(1), SECURITY), checked with limitation() so
# that a change in either direction is noticed.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

MODES=(default userns)
MAN_SECURITY=$SRCDIR/man/nspawn.1.scd

# The nspawn arguments of a mode.
mode_args() { # mode
        case $1 in
        default) ;;
        userns) echo -U ;;
        *) echo "lib-security: unknown mode '$1'" >&2; return 1 ;;
        esac
}

# A writable view of the cached Debian tree, like overlay_tree, but with metacopy=on: -U shifts the
# tree with chown, and on a plain overlay each chown copies the whole file up (8 s for the tree);
# with metacopy only the metadata is copied (under 1 s).
sec_tree() { # name
        local lower up
        lower=$(debian_tree bookworm) || return 1
        up="$WORK/ovl-$1"
        mkdir -p "$up/upper" "$up/work" "$up/$MP$1"
        mount -t overlay overlay -o "lowerdir=$lower,upperdir=$up/upper,workdir=$up/work,metacopy=on" "$up/$MP$1" || return 1
        on_exit "umount '$up/$MP$1'"
        echo "$up/$MP$1"
}

# A static helper from test/helpers, built into $WORK (the container gets it with --bind-ro).
build_helper() { # name [gcc flags...]
        local name=$1
        shift
        gcc -static -O1 -Wall -o "$WORK/$name" "$SRCDIR/test/helpers/$name.c" "$@" || fail "cannot build test/helpers/$name.c"
        echo "$WORK/$name"
}

# The SECURITY section of nspawn(1), as plain text.
man_security() {
        awk '/^# SECURITY/ { on = 1; next } /^# / { on = 0 } on' "$MAN_SECURITY" | tr -s ' \t\n' ' '
}

# A documented limitation of the default mode (no user namespace): not a passing check, but a check
# that the behaviour is still the one nspawn(1) SECURITY describes (PHRASE must appear there), so that
# a change (a fix, or a new hole) makes this test fail until the man page is updated.
limitation() { # row phrase expected actual description [mode]
        local row=$1 phrase=$2 expected=$3 actual=$4 what=$5 mode=${6:-default}
        CHECKS=$((CHECKS + 1))
        if [[ "$(man_security)" != *"$phrase"* ]]; then
                fail "$row: nspawn(1) SECURITY does not document '$phrase'"
        elif [ "$expected" != "$actual" ]; then
                fail "$row: the documented limitation changed ($what): expected '$expected', got '$actual'; update nspawn(1) SECURITY"
        else
                echo "LIMITATION ($row, $mode mode, documented in nspawn(1) SECURITY): $what"
        fi
}
