//config:config APPLET_VOLUME
//config:	bool "volume: named volumes"
//config:	default y
//applet:CB_APPLET(volume, volume_main, CB_NOSUID)
//cmd:CB_CMD("volume", "", 0, 0, "[command]", "Manage volumes")
//cmd:CB_CMD("volume create", "", 0, 1, "[NAME]", "Create a volume")
//cmd:CB_CMD("volume exists", "", 1, 1, "VOLUME", "Check that a volume exists")
//cmd:CB_CMD("volume inspect", "", 1, -1, "VOLUME [VOLUME...]", "Show volumes as JSON")
//cmd:CB_CMD("volume ls", "", 0, 0, "", "List volumes")
//cmd:CB_CMD("volume prune", "", 0, 0, "", "Remove every volume no container uses")
//cmd:CB_CMD("volume rm", "", 0, -1, "VOLUME [VOLUME...]", "Remove volumes")
//usage:Volumes live in ROOT/volumes/NAME/_data (made in the storage's user namespace).
//usage:
//usage:  create [NAME]            make a volume (no NAME: a random one); prints its name
//usage:  ls [-q] [--format json]  list them
//usage:  inspect NAME...          their details as JSON
//usage:  rm [-f] NAME...|--all    remove them (-f: a missing one is no error); one a
//usage:                           container uses stays (exit 2); --all: every one
//usage:  prune [-f]               remove every volume no container uses
//usage:  exists NAME              exit 0 when it exists, else 1
/* volume.c - cbox volume */
#include <stdio.h>
#include <string.h>

#include "idmap.h"
#include "json.h"
#include "volume.h"

static struct cb_store s;

static void open_store(void)
{
	cb_err e;
	if (cb_userns_enter(&e) < 0 || cb_store_open(&s, cb_opt_root, &e) < 0)
		cb_die(&e);
}

static int print_json(cJSON *j)
{
	char *t = cb_json_print(j);
	printf("%s\n", t ? t : "[]");
	free(t);
	cJSON_Delete(j);
	return 0;
}

static int list(int quiet, int json)
{
	char **names;
	int n;
	cb_err e;
	if (cb_volume_names(&s, &names, &n, &e) < 0)
		cb_die(&e);
	cJSON *all = cJSON_CreateArray();
	if (!quiet && !json)
		printf("DRIVER      VOLUME NAME\n");
	for (int i = 0; i < n; i++) {
		cJSON *j = json ? cb_volume_inspect(&s, names[i], &e) : NULL;
		if (j)
			cJSON_AddItemToArray(all, j);
		else if (!json)
			printf(quiet ? "%s\n" : "local       %s\n", names[i]);
		free(names[i]);
	}
	free(names);
	return json ? print_json(all) : (cJSON_Delete(all), 0);
}

static int remove_all(char **names, int n, int force)
{
	int status = 0;
	cb_err e;
	for (int i = 0; i < n; i++) {
		int r = cb_volume_rm(&s, names[i], &e);
		if (r == 0)
			printf("%s\n", names[i]);
		else if (!(r == -ENOENT && force)) {
			fprintf(stderr, "Error: %s\n", e.msg);
			status = r == -EBUSY ? 2 : status ? status : 1;
		}
	}
	return status;
}

int volume_main(int argc, char **argv)
{
	enum { O_QUIET = 1, O_FORMAT, O_FORCE, O_ALL };
	static const struct cb_option opts[] = {
		{ "quiet", 'q', CB_OPT_NONE, O_QUIET },
		{ "format", 0, CB_OPT_ARG, O_FORMAT },
		{ "force", 'f', CB_OPT_NONE, O_FORCE },
		{ "all", 'a', CB_OPT_NONE, O_ALL },
		{ 0 },
	};
	const char *cmd = argc > 1 ? argv[1] : "";
	struct cb_opt_state st;
	int quiet = 0, json = 0, force = 0, all = 0, c;
	cb_err e;
	cb_opt_init(&st, argc - 1, argv + 1);
	while ((c = cb_getopt(&st, opts)))
		if (c == O_QUIET)
			quiet = 1;
		else if (c == O_FORCE)
			force = 1;
		else if (c == O_ALL)
			all = 1;
		else if (!strcmp(st.arg, "json"))
			json = 1;
		else {
			fprintf(stderr, "Error: unsupported --format '%s' (json)\n", st.arg);
			return CB_EXIT_FAIL;
		}
	char **ops = argv + 1 + st.ind;
	int nops = argc - 1 - st.ind;
	if (!strcmp(cmd, "create") && nops <= 1) {
		char name[65];
		open_store();
		if (cb_volume_create(&s, nops ? ops[0] : NULL, name, &e) < 0)
			cb_die(&e);
		printf("%s\n", name);
		return 0;
	}
	if (!strcmp(cmd, "ls") && !nops) {
		open_store();
		return list(quiet, json);
	}
	if (!strcmp(cmd, "inspect") && nops) {
		open_store();
		cJSON *all = cJSON_CreateArray();
		for (int i = 0; i < nops; i++) {
			cJSON *j = cb_volume_inspect(&s, ops[i], &e);
			if (!j)
				cb_die(&e);
			cJSON_AddItemToArray(all, j);
		}
		return print_json(all);
	}
	if (!strcmp(cmd, "rm") && (nops ? !all : all)) {
		char **names = ops;
		int n = nops;
		open_store();
		if (all && cb_volume_names(&s, &names, &n, &e) < 0)
			cb_die(&e);
		return remove_all(names, n, force);
	}
	if (!strcmp(cmd, "prune") && !nops) {
		char **names, id[65];
		int n, k = 0;
		open_store();
		if (cb_volume_names(&s, &names, &n, &e) < 0)
			cb_die(&e);
		for (int i = 0; i < n; i++)
			if (!cb_volume_user(&s, names[i], id))
				names[k++] = names[i];
		return remove_all(names, k, 1);
	}
	if (!strcmp(cmd, "exists") && nops == 1) {
		open_store();
		return cb_volume_exists(&s, ops[0]) ? 0 : 1;
	}
	if (!strcmp(cmd, "rm")) /* podman's words for neither or both */
		fprintf(stderr, "Error: choose either one or more volumes or all\n");
	else
		fprintf(stderr, "Error: bad use of %s: see '%s volume --help'\n", cmd, cb_prog);
	return CB_EXIT_FAIL;
}
