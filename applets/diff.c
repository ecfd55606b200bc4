//config:config APPLET_DIFF
//config:	bool "diff: a container's changes to its image"
//config:	default y
//applet:CB_APPLET(diff, diff_main, CB_NOSUID)
//usage:Usage: cbox diff [--format json] CONTAINER
//usage:
//usage:List what the container changed in its image's files, one "A PATH" (added),
//usage:"C PATH" (changed) or "D PATH" (deleted) a line, sorted by path (overlay driver).
//usage:
//usage:      --format json   {"changed": [...], "added": [...], "deleted": [...]}
/* diff.c - cbox diff */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>

#include <cjson/cJSON.h>

#include "ctrfs.h"
#include "idmap.h"
#include "mount.h"

struct changes {
	int lowerfd;
	char **lines; /* "K /path" */
	size_t n, cap;
};

static int change_fn(void *ctx, const struct cb_walk_ent *w, int post)
{
	struct changes *c = ctx;
	if (post)
		return 0;
	char kind = 'A';
	if (S_ISCHR(w->st->st_mode) && w->st->st_rdev == makedev(0, 0)) {
		kind = 'D';
	} else {
		int fd = cb_open_in(c->lowerfd, w->path, O_PATH | O_NOFOLLOW);
		if (fd >= 0) {
			kind = 'C';
			close(fd);
		}
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		char **p = realloc(c->lines, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		c->lines = p;
		c->cap = cap;
	}
	char *line = malloc(strlen(w->path) + 4);
	if (!line)
		return -ENOMEM;
	sprintf(line, "%c /%s", kind, w->path);
	c->lines[c->n++] = line;
	return 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a + 2, *(char *const *)b + 2);
}

int diff_main(int argc, char **argv)
{
	static const struct cb_option opts[] = { { "format", 0, CB_OPT_ARG, 1 }, { 0 } };
	const char *format = NULL;
	struct cb_opt_state st;
	cb_opt_init(&st, argc, argv);
	while (cb_getopt(&st, opts))
		format = st.arg;
	if (argc - st.ind != 1) {
		fprintf(stderr, "cbox: diff: name one container\nSee 'cbox diff --help'.\n");
		return CB_EXIT_FAIL;
	}
	if (format && strcmp(format, "json")) {
		fprintf(stderr, "cbox: diff: --format %s: only json is known\n", format);
		return CB_EXIT_FAIL;
	}
	struct cb_store s;
	struct cb_ctrfs c;
	struct changes ch = { .lowerfd = -1 };
	char where[512] = "";
	cb_err e;
	if (cb_userns_enter(&e) < 0 || cb_store_open(&s, cb_opt_root, &e) < 0 ||
	    cb_ctrfs_open(&s, argv[st.ind], CB_CTRFS_CHANGES, &c, &e) < 0)
		cb_die(&e);
	if (c.upperfd < 0) {
		fprintf(stderr, "cbox: diff %s: not on the overlay driver: not supported yet\n", argv[st.ind]);
		return CB_EXIT_FAIL;
	}
	if ((ch.lowerfd = cb_ctrfs_image_root(&s, &c, &e)) < 0)
		cb_die(&e);
	int upper = openat(c.upperfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = upper < 0 ? -errno : cb_walk(upper, -1, change_fn, &ch, where, sizeof(where));
	if (r < 0) {
		fprintf(stderr, "cbox: diff %s: %s: %s\n", argv[st.ind], where, cb_walk_strerror(r));
		return CB_EXIT_FAIL;
	}
	qsort(ch.lines, ch.n, sizeof(*ch.lines), by_path);
	if (format) {
		cJSON *j = cJSON_CreateObject();
		static const char *const keys[] = { "changed", "added", "deleted" };
		for (int k = 0; k < 3; k++) {
			cJSON *a = cJSON_CreateArray();
			for (size_t i = 0; i < ch.n; i++)
				if (ch.lines[i][0] == "CAD"[k])
					cJSON_AddItemToArray(a, cJSON_CreateString(ch.lines[i] + 2));
			if (cJSON_GetArraySize(a))
				cJSON_AddItemToObject(j, keys[k], a);
			else
				cJSON_Delete(a);
		}
		char *t = cJSON_Print(j);
		printf("%s\n", t ? t : "{}");
		free(t);
		cJSON_Delete(j);
	} else {
		for (size_t i = 0; i < ch.n; i++)
			printf("%s\n", ch.lines[i]);
	}
	return 0;
}
