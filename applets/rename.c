//config:config APPLET_RENAME
//config:	bool "rename: give a container another name"
//config:	default y
//applet:CB_APPLET(rename, rename_main, CB_NOSUID)
//usage:Usage: cbox rename CONTAINER NAME
//usage:
//usage:Give the container a new name (podman's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]*, unused).
//usage:A running container keeps running; its hostname stays.
/* rename.c - cbox rename */
#include <stdio.h>
#include <string.h>

#include "container.h"
#include "idmap.h"
#include "json.h"
#include "state.h"

int rename_main(int argc, char **argv)
{
	static const struct cb_option opts[] = { { 0 } };
	struct cb_opt_state st;
	cb_opt_init(&st, argc, argv);
	while (cb_getopt(&st, opts))
		;
	if (argc - st.ind != 2) {
		cb_usage_error("requires exactly 2 arg(s), received %d", argc - st.ind);
		return CB_EXIT_FAIL;
	}
	const char *name = argv[st.ind + 1];
	if (!cb_container_name_ok(name)) {
		fprintf(stderr, "Error: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument\n");
		return CB_EXIT_FAIL;
	}
	struct cb_store s;
	cb_err e;
	char id[65], other[65];
	int dfd CB_AUTOCLOSE = -1, lock CB_AUTOCLOSE = -1;
	cJSON *cfg = NULL;
	if (cb_userns_enter(&e) < 0 || cb_store_open(&s, cb_opt_root, &e) < 0 ||
	    cb_container_resolve(&s, argv[st.ind], id, sizeof(id), &e) < 0 ||
	    cb_container_open(&s, id, &dfd, &cfg, &e) < 0 || (lock = cb_state_lock(dfd, &e)) < 0)
		goto fail;
	if (cb_container_find(&s, "name", name, other, sizeof(other)) && strcmp(other, id)) {
		cb_fail(&e, EEXIST, "the container name \"%s\" is already in use by %s", name, other);
		goto fail;
	}
	cJSON_ReplaceItemInObject(cfg, "name", cJSON_CreateString(name));
	char *text = cb_json_print(cfg);
	int r = text ? cb_write_replace(dfd, "config.json", text, strlen(text), 0600, 1, &e) : cb_fail(&e, ENOMEM, "out of memory");
	free(text);
	cJSON_Delete(cfg);
	if (r == 0)
		return 0;
fail:
	fprintf(stderr, "Error: %s\n", e.msg);
	return CB_EXIT_FAIL;
}
