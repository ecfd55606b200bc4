//config:config APPLET_EXPORT
//config:	bool "export: a container's root filesystem as a tar archive"
//config:	default y
//applet:CB_APPLET(export, export_main, CB_NOSUID)
//usage:Usage: cbox export [-o FILE] CONTAINER
//usage:
//usage:Write the container's root filesystem (its image's files with its changes, not its
//usage:volumes), running or stopped, as a tar archive to FILE or standard output.
//usage:
//usage:  -o, --output FILE   write to FILE instead of standard output
/* export.c - cbox export */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "ctrfs.h"
#include "idmap.h"
#include "tarw.h"

int export_main(int argc, char **argv)
{
	static const struct cb_option opts[] = { { "output", 'o', CB_OPT_ARG, 1 }, { 0 } };
	const char *out = NULL, *ref = NULL;
	struct cb_opt_state st;
	cb_opt_init(&st, argc, argv);
	/* options before or after the container, as podman takes them */
	while (st.ind < st.argc) {
		while (cb_getopt(&st, opts))
			out = st.arg;
		if (st.ind < st.argc) {
			if (ref) {
				cb_usage_error("name one container");
				return CB_EXIT_FAIL;
			}
			ref = st.argv[st.ind];
			cb_opt_init(&st, st.argc - st.ind, st.argv + st.ind);
		}
	}
	if (!ref) {
		cb_usage_error("name one container");
		return CB_EXIT_FAIL;
	}
	if (!out && isatty(1)) {
		fprintf(stderr, "Error: refusing to export to terminal. Use -o flag or redirect\n");
		return CB_EXIT_FAIL;
	}
	struct cb_store s;
	struct cb_ctrfs c;
	cb_err e;
	if (cb_userns_enter(&e) < 0 || cb_store_open(&s, cb_opt_root, &e) < 0 ||
	    cb_ctrfs_open(&s, ref, CB_CTRFS_STORED, &c, &e) < 0)
		cb_die(&e);
	int fd = 1;
	if (out && (fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		fprintf(stderr, "Error: %s: %s\n", out, strerror(errno));
		return CB_EXIT_FAIL;
	}
	static struct cb_tarw w;
	struct cb_tartree_opts to = { .name = "", .one_fs = 1 };
	cb_tarw_init(&w, fd);
	if (cb_tartree(&w, c.rootfd, "", &to, &e) < 0 || cb_tarw_finish(&w, &e) < 0 ||
	    (fd != 1 && fsync(fd) < 0 && cb_fail_errno(&e, errno, "%s", out))) {
		cb_err_prefix(&e, "export %s", ref);
		if (out)
			unlink(out);
		cb_die(&e);
	}
	cb_ctrfs_close(&c);
	return 0;
}
