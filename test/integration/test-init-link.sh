#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# --boot with an init that is a symbolic link (D9): resolved inside the container, as chroot would.
# A link to a file that exists only on the host, or a ".." escape to a path missing in the tree, is
# refused with one line naming it, rather than booting /bin/sh in its place; a loop is an error; a
# ".." escape that lands on a file of the tree (clamped at its root) runs that file.
. "$(dirname "$0")/../lib.sh"
test_begin

B=$(busybox_tree "$WORK/${MP}bb")
echo 'ID=busybox' > "$B/etc/os-release"
printf '#!/bin/sh\necho host-only-ran > %s/host-ran\n' "$WORK" > "$WORK/host-only"
chmod +x "$WORK/host-only"
printf '#!/bin/sh\necho tree-init-ran\n' > "$B/bin/tree-init"
chmod +x "$B/bin/tree-init"

check_refused() { # link-target description
        ln -sfn "$1" "$B/sbin/init"
        run_nspawn -q -D "$B" --pipe -b
        assert_true "$2: refused (exit $RC)" test "$RC" -ne 0
        assert_match "'/sbin/init' is a symbolic link to a path that does not exist in the container" "$ERR" "$2: the error names /sbin/init"
        assert_eq 1 "$(echo "$ERR" | wc -l)" "$2: one line"
        assert_eq "" "$OUT" "$2: nothing ran in its place"
        assert_false "$2: the host's file did not run" test -e "$WORK/host-ran"
}
check_refused "$WORK/host-only" "an absolute link to a host file"
check_refused "../../../../../../../../nonexistent/init" "a .. escape to a missing path"

ln -sfn /sbin/init "$B/sbin/init"
run_nspawn -q -D "$B" --pipe -b
assert_true "a link loop: refused (exit $RC)" test "$RC" -ne 0
assert_match "'/sbin/init'.*(Too many levels of symbolic links|symbolic link)" "$ERR" "a link loop: the error names /sbin/init"
assert_eq "" "$OUT" "a link loop: nothing ran in its place"

ln -sfn ../../../../../../../bin/tree-init "$B/sbin/init"
run_nspawn -q -D "$B" --pipe -b
assert_eq 0 "$RC" "a .. escape clamped at the tree's root runs"
assert_eq "tree-init-ran" "$OUT" "it runs the tree's file, as chroot would"

test_end
