/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pure parts of -x, --volatile=, --overlay=, --overlay-ro=, --template=, --inaccessible=: the
 * option parsers, the checks between them, the choice of root layers, the mount plan's entries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mount-plan-dump.h"
#include "nspawn-layer-options.h"
#include "nspawn-mount.h"
#include "nspawn-options.h"
#include "nspawn-settings.h"
#include "nspawn-volatile.h"
#include "string-util.h"
#include "strv.h"
#include "tests.h"

#define ARGV(...) ((char *[]) { (char *) "nspawn", __VA_ARGS__, NULL })
#define ARGC(...) ((int) ELEMENTSOF(((const char *[]) { "nspawn", __VA_ARGS__ })))
#define PARSE(s, ...) settings_parse_argv(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (s))

static void settings_donep(Settings *s) {
        settings_done(s);
}
static void overlay_mount_donep(OverlayMount *o) {
        overlay_mount_done(o);
}
#define _cleanup_settings_ _cleanup_(settings_donep)

static bool parse_fails(int argc, char *argv[]) {
        Settings s = {};
        int r = settings_parse_argv(argc, argv, &s);
        if (r > 0)
                settings_done(&s);
        return r < 0;
}
#define PARSE_FAILS(...) parse_fails(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

TEST(volatile_mode_strings) {
        ASSERT_EQ(volatile_mode_from_string("no"), VOLATILE_NO);
        ASSERT_EQ(volatile_mode_from_string("false"), VOLATILE_NO);
        ASSERT_EQ(volatile_mode_from_string("0"), VOLATILE_NO);
        ASSERT_EQ(volatile_mode_from_string("yes"), VOLATILE_YES);
        ASSERT_EQ(volatile_mode_from_string("on"), VOLATILE_YES);
        ASSERT_EQ(volatile_mode_from_string("state"), VOLATILE_STATE);
        ASSERT_EQ(volatile_mode_from_string("overlay"), VOLATILE_OVERLAY);
        ASSERT_EQ(volatile_mode_from_string("bogus"), _VOLATILE_MODE_INVALID);
        ASSERT_EQ(volatile_mode_from_string(""), _VOLATILE_MODE_INVALID);
        ASSERT_EQ(volatile_mode_from_string(NULL), _VOLATILE_MODE_INVALID);
        for (int m = 0; m < _VOLATILE_MODE_MAX; m++)
                ASSERT_EQ(volatile_mode_from_string(volatile_mode_to_string(m)), m);
}

TEST(root_layers) {
        ASSERT_EQ(root_layers_pick(false, VOLATILE_NO), ROOT_LAYERS_NONE);
        ASSERT_EQ(root_layers_pick(true, VOLATILE_NO), ROOT_LAYERS_OVERLAY);
        ASSERT_EQ(root_layers_pick(false, VOLATILE_OVERLAY), ROOT_LAYERS_OVERLAY);
        ASSERT_EQ(root_layers_pick(false, VOLATILE_STATE), ROOT_LAYERS_STATE);
        ASSERT_EQ(root_layers_pick(false, VOLATILE_YES), ROOT_LAYERS_USR);
        ASSERT_FALSE(root_layers_protect_tree(ROOT_LAYERS_NONE));
        ASSERT_TRUE(root_layers_protect_tree(ROOT_LAYERS_OVERLAY));
        ASSERT_TRUE(root_layers_read_only(ROOT_LAYERS_STATE));
        ASSERT_FALSE(root_layers_read_only(ROOT_LAYERS_OVERLAY));
}

TEST(overlay_spec) {
        _cleanup_(overlay_mount_donep) OverlayMount a = {}, b = {}, c = {}, d = {}, e = {};

        /* Three or more: the last is the destination, the one before the upper layer, the rest the
         * lower layers, kept top first. */
        ASSERT_OK(overlay_mount_parse("/l1:/l2:/up:/dst", false, &a));
        ASSERT_STREQ(a.destination, "/dst");
        ASSERT_STREQ(a.upper, "/up");
        ASSERT_EQ(strv_length(a.lower), 2);
        ASSERT_STREQ(a.lower[0], "/l2");
        ASSERT_STREQ(a.lower[1], "/l1");
        /* Two: the second is the upper layer and the destination. */
        ASSERT_OK(overlay_mount_parse("/l:/x//y/", false, &b));
        ASSERT_STREQ(b.upper, "/x/y");
        ASSERT_STREQ(b.destination, "/x/y");
        ASSERT_STREQ(b.lower[0], "/l");
        /* "+": inside the tree; an empty upper layer: a tmpfs; "\:" a colon. */
        ASSERT_OK(overlay_mount_parse("+/etc:/a\\:b::/etc", false, &c));
        ASSERT_STREQ(c.upper, "");
        ASSERT_STREQ(c.lower[0], "/a:b");
        ASSERT_STREQ(c.lower[1], "+/etc");
        ASSERT_STREQ(c.destination, "/etc");
        /* Read-only: every source a lower layer. */
        ASSERT_OK(overlay_mount_parse("/l1:/l2:/dst", true, &d));
        ASSERT_TRUE(d.upper == NULL);
        ASSERT_EQ(strv_length(d.lower), 2);
        ASSERT_STREQ(d.lower[0], "/l2");
        ASSERT_OK(overlay_mount_parse("/l1:+/l2", true, &e));
        ASSERT_STREQ(e.destination, "/l2");
        ASSERT_EQ(strv_length(e.lower), 2);

        OverlayMount o = {};
        ASSERT_ERROR(overlay_mount_parse("/only", false, &o), EINVAL);
        ASSERT_ERROR(overlay_mount_parse("", false, &o), EINVAL);
        ASSERT_ERROR(overlay_mount_parse("rel:/dst", false, &o), EINVAL);
        ASSERT_ERROR(overlay_mount_parse("/l:/../up:/dst", false, &o), EINVAL);
        ASSERT_ERROR(overlay_mount_parse("/l:/up:", false, &o), EINVAL);
        ASSERT_ERROR(overlay_mount_parse("::/dst", false, &o), EINVAL);
        /* An empty upper layer needs a destination of its own. */
        ASSERT_ERROR(overlay_mount_parse("/l:", false, &o), EINVAL);
        ASSERT_ERROR(overlay_mount_parse("/l::", true, &o), EINVAL);
        ASSERT_TRUE(o.lower == NULL && o.upper == NULL && o.destination == NULL);
}

TEST(options) {
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(PARSE(&s, "-D", "/t", "-x", "--overlay=/a:/b:/c", "--overlay-ro=/d:/e",
                        "--inaccessible=/etc/x", "--inaccessible=/var//y/", "/bin/true"), 1);
        ASSERT_TRUE(s.ephemeral);
        ASSERT_EQ(s.n_overlays, 2);
        ASSERT_STREQ(s.overlays[1].destination, "/e");
        ASSERT_EQ(strv_length(s.inaccessible), 2);
        ASSERT_STREQ(s.inaccessible[1], "/var/y");

        _cleanup_settings_ Settings t = {};
        ASSERT_EQ(PARSE(&t, "-D", "/t", "--volatile", "--template=/tmpl"), 1);
        ASSERT_EQ(t.volatile_mode, VOLATILE_YES);
        ASSERT_STREQ(t.template, "/tmpl");
        _cleanup_settings_ Settings u = {};
        ASSERT_EQ(PARSE(&u, "-D", "/t", "--volatile=state", "--ephemeral"), -EINVAL);

        ASSERT_TRUE(PARSE_FAILS("-D", "/t", "--volatile=bogus"));
        ASSERT_TRUE(PARSE_FAILS("-D", "/t", "-x", "--template=/tmpl"));
        ASSERT_TRUE(PARSE_FAILS("-D", "/t", "-x", "--volatile=overlay"));
        ASSERT_TRUE(PARSE_FAILS("-D", "/t", "--read-only", "--volatile=overlay"));
        ASSERT_TRUE(PARSE_FAILS("-i", "/img", "--template=/tmpl"));
        ASSERT_TRUE(PARSE_FAILS("-D", "/t", "--template=rel"));
        ASSERT_TRUE(PARSE_FAILS("-D", "/t", "--inaccessible=rel"));
        ASSERT_TRUE(PARSE_FAILS("-D", "/t", "--inaccessible=/"));
        ASSERT_TRUE(PARSE_FAILS("-D", "/t", "--overlay=/a"));
        ASSERT_TRUE(PARSE_FAILS("-D", "/t", "-x", "-U", "--private-users-ownership=chown"));
}

TEST(ephemeral_name) {
        Id128 id = { .bytes = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xff } };
        _cleanup_free_ char *a = NULL, *b = NULL;
        char long_name[80];

        ASSERT_OK(ephemeral_machine_name("tree", &id, &a));
        ASSERT_STREQ(a, "tree-0123456789abcdef");
        memset(long_name, 'x', sizeof(long_name) - 1);
        long_name[sizeof(long_name) - 1] = 0;
        ASSERT_OK(ephemeral_machine_name(long_name, &id, &b));
        ASSERT_EQ(strlen(b), 64);
        ASSERT_TRUE(endswith(b, "-0123456789abcdef"));
}

TEST(plan_entries) {
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(PARSE(&s, "-D", "/t", "--overlay=/l:/u:/mnt", "--overlay-ro=/a:+/b:/srv",
                        "--tmpfs=/mnt", "--inaccessible=/mnt/x", "--bind=/h:/mnt/x"), 1);
        MountPlan p = {};
        ASSERT_OK(mount_plan_build(&s, &p));
        _cleanup_free_ char *d = dump_to_string(&p);
        ASSERT_TRUE(d != NULL);
        /* Parents before children; at one path the bind before the mask. */
        const char *tmpfs = strstr(d, "fs /mnt tmpfs"), *ovl = strstr(d, "overlay /mnt overlay lowerdir=/l,upperdir=/u"),
                   *bind = strstr(d, "bind /mnt/x /h"), *mask = strstr(d, "mask /mnt/x\n");
        ASSERT_TRUE(tmpfs && ovl && bind && mask);
        ASSERT_TRUE(tmpfs < ovl && ovl < bind && bind < mask);
        ASSERT_TRUE(strstr(d, "overlay /srv overlay lowerdir=+/b:/a ro\n") != NULL);
        mount_plan_done(&p);
}

DEFINE_TEST_MAIN
