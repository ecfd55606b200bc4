//config:config APPLET_PORT
//config:	bool "port: a container's published ports"
//config:	default y
//applet:CB_APPLET(port, port_main, CB_NOSUID)
//usage:Usage: cbox port CONTAINER [PORT[/PROTO]]
//usage:       cbox port --all
//usage:
//usage:The ports published with -p, as podman prints them: "80/tcp -> 0.0.0.0:8080";
//usage:with PORT only where it goes ("0.0.0.0:8080"); --all: every container's, each
//usage:line after its short ID.
//usage:
//usage:  -a, --all        every container
/* port.c - cbox port */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

/* Print cfg's published ports (only the container port want/proto when want > 0). */
static int print_ports(const cJSON *cfg, const char *prefix, int want, const char *proto)
{
	const cJSON *p;
	int n = 0;
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(cfg, "ports")) {
		const char *ip = cJSON_GetStringValue(cJSON_GetObjectItem(p, "host_ip")) ?: "";
		const char *pr = cJSON_GetStringValue(cJSON_GetObjectItem(p, "protocol")) ?: "tcp";
		int cport = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(p, "container_port"));
		int hport = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(p, "host_port"));
		if (want > 0 && (cport != want || strcmp(pr, proto)))
			continue;
		n++;
		if (want > 0)
			printf("%s:%d\n", *ip ? ip : "0.0.0.0", hport);
		else
			printf("%s%d/%s -> %s:%d\n", prefix, cport, pr, *ip ? ip : "0.0.0.0", hport);
	}
	return n;
}

int port_main(int argc, char **argv)
{
	static const struct cb_option opts[] = { { "all", 'a', CB_OPT_NONE, 1 }, { "latest", 'l', CB_OPT_NONE, 2 }, { 0 } };
	struct cb_opt_state st;
	int all = 0, c;
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts)))
		if (c == 2) {
			fprintf(stderr, "Error: --latest: cbox keeps no latest container; name one\n");
			return CB_EXIT_FAIL;
		} else {
			all = 1;
		}
	int n = argc - st.ind;
	if (all ? n != 0 : n < 1 || n > 2) {
		if (all)
			fprintf(stderr, "Error: no arguments are needed with --all\n");
		return all ? CB_EXIT_FAIL : cb_usage_error("name a container (and a port)");
	}
	int want = 0;
	char proto[8] = "tcp";
	if (n == 2) {
		char *end;
		long v = strtol(argv[st.ind + 1], &end, 10);
		if (v < 1 || v > 65535 || (*end && (*end != '/' || (strcmp(end + 1, "tcp") && strcmp(end + 1, "udp"))))) {
			fprintf(stderr, "Error: invalid port %s: want PORT[/tcp|/udp]\n", argv[st.ind + 1]);
			return CB_EXIT_FAIL;
		}
		want = (int)v;
		if (*end)
			snprintf(proto, sizeof(proto), "%s", end + 1);
	}
	struct cb_store s;
	cb_err e;
	char (*ids)[65] = NULL, one[65];
	int k = 1;
	if (cb_store_open(&s, cb_opt_root, &e) < 0 || (all ? cb_container_ids(&s, &ids, &k, &e) :
				cb_container_resolve(&s, argv[st.ind], one, sizeof(one), &e)) < 0) {
		fprintf(stderr, "Error: %s\n", e.msg);
		return CB_EXIT_FAIL;
	}
	for (int i = 0; i < k; i++) {
		int fd;
		cJSON *cfg;
		char prefix[16] = "";
		const char *id = all ? ids[i] : one;
		if (cb_container_open(&s, id, &fd, &cfg, &e) < 0)
			continue;
		close(fd);
		if (all)
			snprintf(prefix, sizeof(prefix), "%.12s\t", id);
		int found = print_ports(cfg, prefix, want, proto);
		cJSON_Delete(cfg);
		if (want && !found) { /* podman's words */
			fprintf(stderr, "Error: failed to find published port \"%d/%s\"\n", want, proto);
			return CB_EXIT_FAIL;
		}
	}
	free(ids);
	return 0;
}
