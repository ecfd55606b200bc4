//config:config APPLET_SAVE
//config:	bool "save: images to docker-archive or oci-archive tarballs"
//config:	default y
//applet:CB_APPLET(save, save_main, CB_NOSUID)
//usage:Usage: cbox save [-o FILE] [--format docker-archive|oci-archive] IMAGE [IMAGE...]
//usage:
//usage:Write images to one tar archive, to FILE or standard output (not a terminal).
//usage:Layers are rebuilt exactly as they were pulled or loaded, so image IDs and layer
//usage:digests stay the same through save and load.
//usage:
//usage:  -o, --output FILE   write FILE instead of standard output
//usage:      --format FMT    docker-archive (default) or oci-archive
//usage:  -m, --multi-image-archive, --uncompressed   accepted: several images always go
//usage:                      into one archive, and layers always uncompressed
/* save.c - cbox save */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "idmap.h"
#include "image.h"
#include "save.h"

int save_main(int argc, char **argv)
{
	enum { O_OUTPUT = 1, O_FORMAT, O_AS_IS };
	static const struct cb_option opts[] = {
		{ "output", 'o', CB_OPT_ARG, O_OUTPUT },
		{ "format", 0, CB_OPT_ARG, O_FORMAT },
		{ "multi-image-archive", 'm', CB_OPT_NONE, O_AS_IS },
		{ "uncompressed", 0, CB_OPT_NONE, O_AS_IS },
		{ 0 },
	};
	const char *output = NULL;
	enum cb_save_format fmt = CB_SAVE_DOCKER;
	int c;
	struct cb_opt_state st;
	cb_err e;
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts))) {
		if (c == O_OUTPUT) {
			output = st.arg;
		} else if (c == O_AS_IS) {
			continue; /* what save does anyway */
		} else if (!strcmp(st.arg, "docker-archive")) {
			fmt = CB_SAVE_DOCKER;
		} else if (!strcmp(st.arg, "oci-archive")) {
			fmt = CB_SAVE_OCI;
		} else {
			fprintf(stderr, "Error: unsupported format '%s' (docker-archive or oci-archive)\n", st.arg);
			return CB_EXIT_FAIL;
		}
	}
	if (st.ind >= argc) {
		cb_usage_error("name at least one image");
		return CB_EXIT_FAIL;
	}
	if (!output && isatty(1)) {
		fprintf(stderr, "Error: refusing to write an archive to a terminal: use -o FILE or redirect\n");
		return CB_EXIT_FAIL;
	}
	struct cb_store s;
	struct cb_regconf rc;
	cJSON *index;
	if (cb_store_open(&s, cb_opt_root, &e) < 0 || cb_regconf_load(&rc, &e) < 0 || cb_store_index_load(&s, &index, &e) < 0)
		cb_die(&e);
	int n = argc - st.ind;
	struct cb_save_image *imgs = calloc((size_t)n, sizeof(*imgs));
	char (*names)[700] = calloc((size_t)n, sizeof(*names));
	const char **name_ptrs = calloc((size_t)n, sizeof(*name_ptrs));
	if (!imgs || !names || !name_ptrs) {
		cb_fail(&e, ENOMEM, "save: out of memory");
		cb_die(&e);
	}
	for (int i = 0; i < n; i++) {
		if (!(imgs[i].img = cb_image_lookup(index, argv[st.ind + i], &rc, names[i], sizeof(names[i]), &e))) {
			cb_err_prefix(&e, "save");
			cb_die(&e);
		}
		/* By name: that name goes in the archive; by ID: none, as podman does. */
		name_ptrs[i] = names[i];
		imgs[i].names = &name_ptrs[i];
		imgs[i].nnames = names[i][0] ? 1 : 0;
	}
	/* The output is opened with the caller's own ids, before the user namespace. */
	int fd = 1;
	if (output && (fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		cb_fail_errno(&e, errno, "save: %s", output);
		cb_die(&e);
	}
	/* Rootless: as 0 in our namespace, every file of our layers is readable. */
	int r = cb_userns_enter(&e);
	if (r == 0)
		r = cb_save(&s, imgs, n, fmt, fd, &e);
	if (r == 0 && output && close(fd) < 0)
		r = cb_fail_errno(&e, errno, "save: %s", output);
	if (r < 0) {
		struct stat sb;
		/* No half archive left behind under the name asked for. */
		if (output && stat(output, &sb) == 0 && S_ISREG(sb.st_mode))
			unlink(output);
		cb_err_prefix(&e, "save");
		cb_die(&e);
	}
	free(imgs);
	free(names);
	free(name_ptrs);
	cJSON_Delete(index);
	return 0;
}
