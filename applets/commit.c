//config:config APPLET_COMMIT
//config:	bool "commit: a container's changes become a new image"
//config:	default y
//applet:CB_APPLET(commit, commit_main, CB_NOSUID)
//cmd:CB_CMD("commit", "container", 1, 2, "CONTAINER [IMAGE]", "Create a new image from a container's changes")
//usage:Make a new image from the container's image with its changes as one more layer
//usage:(deleted files as OCI whiteouts), running or stopped, and print its ID. A short
//usage:IMAGE becomes localhost/IMAGE.
//usage:
//usage:  -c, --change INSTR   apply a Dockerfile instruction to the config (CMD,
//usage:                       ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME,
//usage:                       WORKDIR), as import takes them
//usage:  -m, --message TEXT   the history comment
//usage:  -a, --author TEXT    the image's author
//usage:  -p, --pause          accepted and ignored (the container is not paused)
//usage:  -q, --quiet          print only the image ID (all it prints anyway)
/* commit.c - cbox commit */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "commit.h"
#include "changes.h"
#include "idmap.h"
#include "tarw.h"

struct vfs_changes {
	int rootfd;
	struct cb_change *ch;
	size_t n;
};

static int fill_changes(struct cb_tarw *w, void *ctx, cb_err *e)
{
	struct vfs_changes *v = ctx;
	return cb_changes_tar(w, v->rootfd, v->ch, v->n, e);
}

int commit_main(int argc, char **argv)
{
	enum { O_AUTHOR = 1, O_PAUSE, O_FORMAT };
	static const struct cb_option opts[] = {
		CB_COMMIT_OPTIONS,
		{ "author", 'a', CB_OPT_ARG, O_AUTHOR },
		{ "pause", 'p', CB_OPT_BOOL, O_PAUSE },
		{ "format", 'f', CB_OPT_ARG, O_FORMAT },
		{ 0 },
	};
	struct cb_commit_opts o = { 0 };
	struct cb_opt_state st;
	char name[700], id[CB_DIGEST_LEN + 1];
	cb_err e;
	int c;
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts)))
		if (cb_commit_option(&o, c, st.arg, &e) < 0) {
			cb_die(&e);
		} else if (c == O_AUTHOR) {
			o.author = st.arg;
		} else if (c == O_FORMAT && strcmp(st.arg, "oci") && strcmp(st.arg, "docker")) {
			fprintf(stderr, "Error: --format %s: oci or docker\n", st.arg);
			return CB_EXIT_FAIL;
		}
	const char *ref = cb_commit_operands(argc, argv, st.ind, &o, name, sizeof(name), &e);
	if (!ref)
		cb_die(&e);
	struct cb_store s;
	struct cb_ctrfs ctr;
	cJSON *index;
	if (cb_userns_enter(&e) < 0 || cb_store_open(&s, cb_opt_root, &e) < 0 ||
	    cb_ctrfs_open(&s, ref, CB_CTRFS_CHANGES, &ctr, &e) < 0 || cb_store_index_load(&s, &index, &e) < 0)
		cb_die(&e);
	if (!ctr.image_id[0]) {
		fprintf(stderr, "Error: %s: a --rootfs container has no image\n", ref);
		return CB_EXIT_FAIL;
	}
	if (!(o.base = cb_index_find(index, ctr.image_id))) {
		fprintf(stderr, "Error: %s: its image %s is gone\n", ref, ctr.image_id + 7);
		return CB_EXIT_FAIL;
	}
	o.args = cJSON_GetObjectItem(cJSON_GetObjectItem(ctr.cfg, "process"), "args");
	char by[160];
	snprintf(by, sizeof(by), "cbox commit %.12s", ctr.id);
	o.created_by = by;
	/* overlay: the upper dir is the layer; vfs: what differs from the image */
	struct cb_tartree_opts to = { .name = "", .whiteouts = 1 };
	struct vfs_changes vc = { ctr.rootfd, NULL, 0 };
	pid_t child;
	int fd = ctr.upperfd >= 0 ? cb_tartree_pipe(ctr.upperfd, "", &to, &child, &e)
		 : cb_changes(&s, &ctr, &vc.ch, &vc.n, &e) < 0 ? -1
							       : cb_tarw_pipe(fill_changes, &vc, &child, &e);
	int status = 0;
	struct cb_reader in = cb_fd_reader(&fd);
	int r = fd < 0 ? fd : cb_commit_tar(&s, &in, &o, id, &e);
	if (fd >= 0) {
		close(fd);
		waitpid(child, &status, 0);
	}
	if (r < 0 || status) {
		if (r == 0)
			cb_fail(&e, EIO, "reading its changes failed");
		cb_err_prefix(&e, "commit %s", ref);
		cb_die(&e);
	}
	printf("%s\n", id + 7);
	cJSON_Delete(index);
	cb_ctrfs_close(&ctr);
	return 0;
}
