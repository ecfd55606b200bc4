//config:config APPLET_DIFF
//config:	bool "diff: a container's changes to its image"
//config:	default y
//applet:CB_APPLET(diff, diff_main, CB_NOSUID)
//usage:Usage: cbox diff [--format json] CONTAINER
//usage:
//usage:List what the container changed in its image's files, one "A PATH" (added),
//usage:"C PATH" (changed) or "D PATH" (deleted) a line, sorted by path.
//usage:
//usage:      --format json   {"changed": [...], "added": [...], "deleted": [...]}
/* diff.c - cbox diff */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "changes.h"
#include "idmap.h"

int diff_main(int argc, char **argv)
{
	static const struct cb_option opts[] = { { "format", 0, CB_OPT_ARG, 1 }, { 0 } };
	const char *format = NULL;
	struct cb_opt_state st;
	cb_opt_init(&st, argc, argv);
	while (cb_getopt(&st, opts))
		format = st.arg;
	if (argc - st.ind != 1) {
		cb_usage_error("name one container");
		return CB_EXIT_FAIL;
	}
	if (format && strcmp(format, "json")) {
		fprintf(stderr, "Error: --format %s: only json is known\n", format);
		return CB_EXIT_FAIL;
	}
	struct cb_store s;
	struct cb_ctrfs c;
	struct cb_change *ch;
	size_t n;
	cb_err e;
	if (cb_userns_enter(&e) < 0 || cb_store_open(&s, cb_opt_root, &e) < 0 ||
	    cb_ctrfs_open(&s, argv[st.ind], CB_CTRFS_CHANGES, &c, &e) < 0)
		cb_die(&e);
	if (cb_changes(&s, &c, &ch, &n, &e) < 0) {
		cb_err_prefix(&e, "diff %s", argv[st.ind]);
		cb_die(&e);
	}
	if (format) {
		cJSON *j = cJSON_CreateObject();
		static const char *const keys[] = { "changed", "added", "deleted" };
		for (int k = 0; k < 3; k++) {
			cJSON *a = cJSON_CreateArray();
			for (size_t i = 0; i < n; i++)
				if (ch[i].kind == "CAD"[k]) {
					char p[4200];
					snprintf(p, sizeof(p), "/%s", ch[i].path);
					cJSON_AddItemToArray(a, cJSON_CreateString(p));
				}
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
		for (size_t i = 0; i < n; i++)
			printf("%c /%s\n", ch[i].kind, ch[i].path);
	}
	return 0;
}
