//config:config APPLET_IMPORT
//config:	bool "import: a rootfs tarball becomes an image"
//config:	default y
//applet:CB_APPLET(import, import_main, CB_NOSUID)
//cmd:CB_CMD("import", "image", 1, 2, "PATH [REFERENCE]", "Make an image of a tarball")
//usage:Make a one-layer image from a root filesystem tarball (plain, gzip or zstd; '-'
//usage:reads standard input), for this host's platform, and print its ID. A short NAME
//usage:becomes localhost/NAME, as with tag.
//usage:
//usage:  -c, --change INSTR   apply a Dockerfile instruction to the image's config: CMD,
//usage:                       ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME,
//usage:                       WORKDIR ("CMD [\"/bin/sh\"]", "ENV=K=V", "CMD=/bin/sh")
//usage:  -m, --message TEXT   the history comment
//usage:  -q, --quiet          print only the image ID (all it prints anyway)
/* import.c - cbox import */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "commit.h"
#include "decompress.h"
#include "idmap.h"

int import_main(int argc, char **argv)
{
	static const struct cb_option opts[] = { CB_COMMIT_OPTIONS, { 0 } };
	struct cb_commit_opts o = { 0 };
	struct cb_opt_state st;
	char name[700], id[CB_DIGEST_LEN + 1];
	cb_err e;
	int c;
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts)))
		if (cb_commit_option(&o, c, st.arg, &e) < 0)
			cb_die(&e);
	const char *file = cb_commit_operands(argc, argv, st.ind, &o, name, sizeof(name), &e);
	if (!file)
		cb_die(&e);
	int fd = 0;
	if (strcmp(file, "-") && (fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "Error: %s: %s\n", file, strerror(errno));
		return CB_EXIT_FAIL;
	}
	char by[300];
	snprintf(by, sizeof(by), "/bin/sh -c #(nop) ADD file:%s in /", file);
	o.created_by = by;
	struct cb_store s;
	struct cb_decompressor *dz = NULL;
	struct cb_reader in = cb_fd_reader(&fd), tar;
	if (cb_userns_enter(&e) < 0 || cb_store_open(&s, cb_opt_root, &e) < 0 ||
	    cb_decompress_open(&in, CB_COMP_AUTO, &tar, &dz, &e) < 0)
		cb_die(&e);
	if (cb_commit_tar(&s, &tar, &o, id, &e) < 0) {
		cb_err_prefix(&e, "import %s", file);
		cb_die(&e);
	}
	cb_decompress_free(dz);
	printf("%s\n", id + 7);
	return 0;
}
