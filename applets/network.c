//config:config APPLET_NETWORK
//config:	bool "network: named networks (slirp-shaped; see README)"
//config:	depends on SLIRP
//config:	default y
//applet:CB_APPLET(network, network_main, CB_NOSUID)
//cmd:CB_CMD("network", "", 0, 0, "[command]", "Manage networks")
//cmd:CB_CMD("network connect", "", 2, 2, "NETWORK CONTAINER", "Refused: no shared bridge to attach to")
//cmd:CB_CMD("network create", "", 0, 1, "[NAME]", "Create a network")
//cmd:CB_CMD("network disconnect", "", 2, 2, "NETWORK CONTAINER", "Refused: no shared bridge to detach from")
//cmd:CB_CMD("network exists", "", 1, 1, "NETWORK", "Check that a network exists")
//cmd:CB_CMD("network inspect", "", 1, -1, "NETWORK [NETWORK...]", "Show networks as JSON")
//cmd:CB_CMD("network ls", "", 0, 0, "", "List networks")
//cmd:CB_CMD("network prune", "", 0, 0, "", "Remove every network no container uses")
//cmd:CB_CMD("network reload", "", 0, -1, "[CONTAINER...]", "Refused: no shared bridge to reload")
//cmd:CB_CMD("network rm", "", 1, -1, "NETWORK [NETWORK...]", "Remove networks")
//usage:Named networks, in ROOT/networks/NAME.json; "podman" (10.88.0.0/16) is built in and
//usage:--network bridge names it. Rootless cbox has no shared bridge (that needs root-owned
//usage:helpers): a container on a network gets a slirp network of its own with the network's
//usage:addressing (eth0, the subnet's .2, gateway and DNS .1); containers on one network do
//usage:not reach one another.
//usage:
//usage:  create [--subnet A.B.C.D/N] NAME   make one (no --subnet: the next free 10.89.N.0/24)
//usage:  ls [-q] [--noheading]              list them, sorted
//usage:  inspect NAME...                    their details as JSON
//usage:  rm [-f] NAME...                    remove them (-f: a missing one is no error; one
//usage:                                     a container uses stays: cbox rm that first)
//usage:  prune [-f]                         remove every network no container uses
//usage:  exists NAME                        exit 0 when it exists, else 1
//usage:  connect, disconnect, reload        refused: no shared bridge to (re)attach to
/* network.c - cbox network */
#include <stdio.h>
#include <string.h>

#include "idmap.h"
#include "json.h"
#include "network.h"
#include "state.h"

static struct cb_store s;

static void open_store(void)
{
	cb_err e;
	if (cb_userns_enter(&e) < 0 || cb_store_open(&s, cb_opt_root, &e) < 0)
		cb_die(&e);
}

static int list(int quiet, int noheading)
{
	char **names;
	int n;
	cb_err e;
	if (cb_network_names(&s, &names, &n, &e) < 0)
		cb_die(&e);
	if (!quiet && !noheading)
		printf("%-13s %-11s %s\n", "NETWORK ID", "NAME", "DRIVER");
	for (int i = 0; i < n; i++) {
		cJSON *j = quiet ? NULL : cb_network_inspect(&s, names[i], &e);
		if (quiet)
			printf("%s\n", names[i]);
		else if (j)
			printf("%-13.12s %-11s %s\n", cJSON_GetStringValue(cJSON_GetObjectItem(j, "id")) ?: "", names[i],
			       cJSON_GetStringValue(cJSON_GetObjectItem(j, "driver")) ?: "");
		cJSON_Delete(j);
		free(names[i]);
	}
	free(names);
	return 0;
}

int network_main(int argc, char **argv)
{
	enum { O_QUIET = 1, O_NOHEAD, O_FORCE, O_SUBNET, O_TIME, O_FORMAT };
	static const struct cb_option opts[] = {
		{ "quiet", 'q', CB_OPT_NONE, O_QUIET },
		{ "noheading", 'n', CB_OPT_NONE, O_NOHEAD },
		{ "force", 'f', CB_OPT_NONE, O_FORCE },
		{ "subnet", 0, CB_OPT_ARG, O_SUBNET },
		{ "time", 't', CB_OPT_ARG, O_TIME },
		{ "format", 0, CB_OPT_ARG, O_FORMAT },
		{ 0 },
	};
	const char *cmd = argc > 1 ? argv[1] : "", *subnet = NULL;
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		fputs(cb_applet_current->usage, stdout);
		return 0;
	}
	struct cb_opt_state st;
	int quiet = 0, noheading = 0, force = 0, c;
	cb_err e;
	cb_opt_init(&st, argc - 1, argv + 1);
	while ((c = cb_getopt(&st, opts)))
		if (c == O_QUIET)
			quiet = 1;
		else if (c == O_NOHEAD)
			noheading = 1;
		else if (c == O_FORCE)
			force = 1;
		else if (c == O_SUBNET)
			subnet = st.arg;
		else if (c == O_FORMAT && strcmp(st.arg, "json")) {
			fprintf(stderr, "Error: unsupported --format '%s' (json)\n", st.arg);
			return CB_EXIT_FAIL;
		}
	char **ops = argv + 1 + st.ind;
	int nops = argc - 1 - st.ind;
	if (!strcmp(cmd, "create") && nops == 1) {
		open_store();
		if (cb_network_create(&s, ops[0], subnet, &e) < 0)
			cb_die(&e);
		printf("%s\n", ops[0]);
		return 0;
	}
	if (!strcmp(cmd, "ls") && !nops) {
		open_store();
		return list(quiet, noheading);
	}
	if (!strcmp(cmd, "inspect") && nops) {
		open_store();
		cJSON *all = cJSON_CreateArray();
		for (int i = 0; i < nops; i++) {
			cJSON *j = cb_network_inspect(&s, ops[i], &e);
			if (!j)
				cb_die(&e);
			cJSON_AddItemToArray(all, j);
		}
		char *t = cb_json_print(all);
		printf("%s\n", t ? t : "[]");
		free(t);
		cJSON_Delete(all);
		return 0;
	}
	if (!strcmp(cmd, "rm") && nops) {
		int status = 0;
		open_store();
		for (int i = 0; i < nops; i++) {
			int r = cb_network_rm(&s, ops[i], &e);
			if (r == 0)
				printf("%s\n", ops[i]);
			else if (!(r == -ENOENT && force)) {
				fprintf(stderr, "Error: %s\n", e.msg);
				/* podman: 1 not found, 2 in use, 125 otherwise */
				status = r == -ENOENT ? 1 : r == -EBUSY ? 2 : CB_EXIT_FAIL;
			}
		}
		return status;
	}
	if (!strcmp(cmd, "prune") && !nops) { /* -f: no question (cbox asks none) */
		char **names, id[65];
		int n;
		open_store();
		if (cb_network_names(&s, &names, &n, &e) < 0)
			cb_die(&e);
		for (int i = 0; i < n; i++) {
			if (strcmp(names[i], CB_NETWORK_DEFAULT) && !cb_network_user(&s, names[i], id) &&
			    cb_network_rm(&s, names[i], &e) == 0)
				printf("%s\n", names[i]);
			free(names[i]);
		}
		free(names);
		return 0;
	}
	if (!strcmp(cmd, "exists") && nops == 1) {
		open_store();
		cJSON *j = cb_network_inspect(&s, ops[0], &e);
		cJSON_Delete(j);
		return j ? 0 : 1;
	}
	if (!strcmp(cmd, "connect") || !strcmp(cmd, "disconnect") || !strcmp(cmd, "reload")) {
		fprintf(stderr, "Error: network %s: not supported: cbox's networks are a slirp network per container "
				"(no shared bridge rootless without root-owned helpers); run the container again with "
				"--network NAME\n", cmd);
		return CB_EXIT_FAIL;
	}
	fprintf(stderr, "Error: %s%s: see 'cbox network --help'\n", cmd[0] ? "bad use of " : "name a command", cmd);
	return CB_EXIT_FAIL;
}
