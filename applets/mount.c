//config:config APPLET_MOUNT
//config:	bool "mount, unmount: a container's root on the host"
//config:	default y
//applet:CB_APPLET(mount, mount_main, CB_NOSUID)
//applet:CB_APPLET(unmount, unmount_main, CB_NOSUID)
//cmd:CB_CMD("mount", "container", 0, -1, "[CONTAINER...]", "Mount a container's root filesystem")
//cmd:CB_CMD("unmount", "container", 0, -1, "CONTAINER [CONTAINER...]", "Unmount a container's root filesystem")
//usage:mount prints the directory where a container's root is (its overlay mounted at
//usage:ROOT/containers/ID/merged, in this mount namespace; a vfs container's own tree);
//usage:with no container, the ones mounted and where. unmount takes it away again.
//usage:Rootless, both work only inside `cbox unshare` (as podman's), whose mount
//usage:namespace the mount lives in.
//usage:
//usage:  -a, --all        unmount every container
//usage:  -f, --force      accepted
//usage:      --notruncate accepted (ids are printed whole)
/* mount.c - cbox mount, cbox unmount */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctrfs.h"
#include "idmap.h"
#include "state.h"

/* Rootless outside `cbox unshare`: podman's refusal. */
static void need_unshare(const char *applet)
{
	if (getuid() != 0 && !cb_in_userns()) {
		fprintf(stderr, "Error: cannot run command \"%s %s\" in rootless mode, must execute `%s unshare` first\n",
			cb_prog, applet, cb_prog);
		exit(CB_EXIT_FAIL);
	}
}

static int run(int argc, char **argv, int mount_it)
{
	static const struct cb_option opts[] = {
		{ "all", 'a', CB_OPT_NONE, 1 },
		{ "force", 'f', CB_OPT_NONE, 2 },
		{ "notruncate", 0, CB_OPT_NONE, 3 },
		{ 0 },
	};
	struct cb_opt_state st;
	struct cb_store s;
	cb_err e;
	int all = 0, c, n = 0, status = 0;
	char (*ids)[65] = NULL;
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts)))
		all |= c == 1 && !mount_it;
	need_unshare(mount_it ? "mount" : "unmount");
	if (!mount_it && st.ind >= argc && !all) {
		cb_usage_error("you must provide at least one name or id"); /* podman's */
		return CB_EXIT_FAIL;
	}
	if (cb_userns_enter(&e) < 0 || cb_store_open(&s, cb_opt_root, &e) < 0)
		cb_die(&e);
	int list = st.ind >= argc; /* mount alone: the mounted ones; unmount --all */
	if (list && cb_container_ids(&s, &ids, &n, &e) < 0)
		cb_die(&e);
	if (!list)
		n = argc - st.ind;
	for (int i = 0; i < n; i++) {
		char id[65], path[4300];
		int dfd, r;
		cJSON *cfg;
		const char *ref = list ? ids[i] : argv[st.ind + i];
		r = cb_container_resolve(&s, ref, id, sizeof(id), &e);
		if (r == 0 && (r = cb_container_open(&s, id, &dfd, &cfg, &e)) == 0) {
			close(dfd);
			r = mount_it ? cb_ctrfs_mount(&s, id, cfg, !list, path, sizeof(path), &e)
				     : cb_ctrfs_unmount(&s, id, &e);
			cJSON_Delete(cfg);
		}
		if (r < 0) {
			fprintf(stderr, "Error: %s\n", e.msg);
			status = CB_EXIT_FAIL;
		} else if (mount_it && list && r) {
			printf("%s  %s\n", id, path);
		} else if (mount_it && !list) {
			printf("%s\n", path);
		} else if (!mount_it && (!list || r)) {
			printf("%s\n", ref);
		}
	}
	free(ids);
	return status;
}

int mount_main(int argc, char **argv) { return run(argc, argv, 1); }
int unmount_main(int argc, char **argv) { return run(argc, argv, 0); }
