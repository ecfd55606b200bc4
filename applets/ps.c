//config:config APPLET_PS
//config:	bool "ps: list containers"
//config:	default y
//applet:CB_APPLET(ps, ps_main, CB_NOSUID)
//usage:Usage: cbox ps [OPTIONS]
//usage:
//usage:List the running containers.
//usage:
//usage:  -a, --all          all containers, also created and exited ones
//usage:  -q, --quiet        only container IDs
//usage:      --no-trunc     full IDs and commands
//usage:      --format json  JSON array, with podman's keys
/* ps.c - cbox ps */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "image.h"
#include "json.h"
#include "state.h"

struct row {
	cJSON *cfg;
	struct cb_state st;
	char id[65];
	char col[7][512]; /* CONTAINER ID, IMAGE, COMMAND, CREATED, STATUS, PORTS, NAMES */
};

static const char *get(const cJSON *j, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(j, k)) ?: "";
}

static long long unix_time(const char *ts)
{
	struct tm tm = { 0 };
	return ts && *ts && strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm) ? (long long)timegm(&tm) : 0;
}

/* "3 seconds" (an age without " ago") */
static void duration(const char *since, char *out, size_t n)
{
	cb_human_age(since, out, n);
	char *ago = strstr(out, " ago");
	if (ago)
		*ago = '\0';
}

static void ports(const cJSON *cfg, char *out, size_t n)
{
	const cJSON *p;
	size_t o = 0;
	out[0] = '\0';
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(cfg, "ports")) {
		const char *ip = get(p, "host_ip");
		o += snprintf(out + o, o < n ? n - o : 0, "%s%s:%d->%d/%s", o ? ", " : "", *ip ? ip : "0.0.0.0",
			      (int)cJSON_GetNumberValue(cJSON_GetObjectItem(p, "host_port")),
			      (int)cJSON_GetNumberValue(cJSON_GetObjectItem(p, "container_port")), get(p, "protocol"));
	}
}

static void status(const struct cb_state *st, char *out, size_t n)
{
	char d[64];
	if (st->state == CB_STATE_RUNNING) {
		duration(st->started, d, sizeof(d));
		snprintf(out, n, "Up %s", d);
	} else if (st->state == CB_STATE_EXITED) {
		cb_human_age(st->finished[0] ? st->finished : NULL, d, sizeof(d));
		snprintf(out, n, "Exited (%d) %s", st->exit_code, d);
	} else {
		snprintf(out, n, "Created");
	}
}

static void fill(struct row *r, int no_trunc)
{
	const cJSON *it;
	char cmd[512] = "";
	size_t o = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(r->cfg, "command"))
		if (cJSON_IsString(it))
			o += snprintf(cmd + o, o < sizeof(cmd) ? sizeof(cmd) - o : 0, "%s%s", o ? " " : "", it->valuestring);
	if (!no_trunc && strlen(cmd) > 17)
		strcpy(cmd + 17, "...");
	snprintf(r->col[0], sizeof(r->col[0]), "%.*s", no_trunc ? 64 : 12, r->id);
	snprintf(r->col[1], sizeof(r->col[1]), "%s", get(r->cfg, "image_name"));
	snprintf(r->col[2], sizeof(r->col[2]), "%s", cmd);
	cb_human_age(get(r->cfg, "created"), r->col[3], sizeof(r->col[3]));
	status(&r->st, r->col[4], sizeof(r->col[4]));
	ports(r->cfg, r->col[5], sizeof(r->col[5]));
	snprintf(r->col[6], sizeof(r->col[6]), "%s", get(r->cfg, "name"));
}

static cJSON *json_row(const struct row *r)
{
	cJSON *o = cJSON_CreateObject(), *p;
	const char *image = get(r->cfg, "image");
	cJSON_AddBoolToObject(o, "AutoRemove", 0);
	cJSON_AddItemToObject(o, "Command", cJSON_Duplicate(cJSON_GetObjectItem(r->cfg, "command"), 1));
	cJSON_AddNumberToObject(o, "Created", (double)unix_time(get(r->cfg, "created")));
	cJSON_AddStringToObject(o, "CreatedAt", r->col[3]);
	cJSON_AddNumberToObject(o, "ExitCode", r->st.exit_code);
	cJSON_AddBoolToObject(o, "Exited", r->st.state == CB_STATE_EXITED);
	cJSON_AddNumberToObject(o, "ExitedAt", (double)unix_time(r->st.finished));
	cJSON_AddStringToObject(o, "Id", r->id);
	cJSON_AddStringToObject(o, "Image", get(r->cfg, "image_name"));
	cJSON_AddStringToObject(o, "ImageID", strncmp(image, "sha256:", 7) ? image : image + 7);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "Names"), cJSON_CreateString(get(r->cfg, "name")));
	cJSON_AddNumberToObject(o, "Pid", r->st.state == CB_STATE_RUNNING ? r->st.pid : 0);
	cJSON *ps = cJSON_AddArrayToObject(o, "Ports");
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(r->cfg, "ports")) {
		cJSON *q = cJSON_CreateObject();
		cJSON_AddStringToObject(q, "host_ip", get(p, "host_ip"));
		cJSON_AddNumberToObject(q, "container_port", cJSON_GetNumberValue(cJSON_GetObjectItem(p, "container_port")));
		cJSON_AddNumberToObject(q, "host_port", cJSON_GetNumberValue(cJSON_GetObjectItem(p, "host_port")));
		cJSON_AddNumberToObject(q, "range", 1);
		cJSON_AddStringToObject(q, "protocol", get(p, "protocol"));
		cJSON_AddItemToArray(ps, q);
	}
	cJSON_AddNumberToObject(o, "StartedAt", (double)unix_time(r->st.started));
	cJSON_AddStringToObject(o, "State", cb_state_name(r->st.state));
	cJSON_AddStringToObject(o, "Status", r->col[4]);
	return o;
}

/* Newest first, as podman lists them. */
static int by_created(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	return strcmp(get(y->cfg, "created"), get(x->cfg, "created"));
}

int ps_main(int argc, char **argv)
{
	enum { O_ALL = 1, O_QUIET, O_NOTRUNC, O_FORMAT };
	static const struct cb_option opts[] = {
		{ "all", 'a', CB_OPT_NONE, O_ALL },
		{ "quiet", 'q', CB_OPT_NONE, O_QUIET },
		{ "no-trunc", 0, CB_OPT_NONE, O_NOTRUNC },
		{ "format", 0, CB_OPT_ARG, O_FORMAT },
		{ 0 },
	};
	int all = 0, quiet = 0, no_trunc = 0, json = 0, c, n, k = 0;
	struct cb_opt_state st;
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts))) {
		all |= c == O_ALL;
		quiet |= c == O_QUIET;
		no_trunc |= c == O_NOTRUNC;
		if (c == O_FORMAT && strcmp(st.arg, "json")) {
			fprintf(stderr, "Error: unsupported --format '%s' (json)\n", st.arg);
			return CB_EXIT_FAIL;
		}
		json |= c == O_FORMAT;
	}
	if (st.ind < argc) {
		fprintf(stderr, "Error: unexpected argument '%s'\n", argv[st.ind]);
		return CB_EXIT_FAIL;
	}
	struct cb_store s;
	cb_err e;
	char (*ids)[65];
	if (cb_store_open(&s, cb_opt_root, &e) < 0 || cb_container_ids(&s, &ids, &n, &e) < 0)
		cb_die(&e);
	struct row *rows = calloc((size_t)n + 1, sizeof(*rows));
	for (int i = 0; rows && i < n; i++) {
		struct row *r = &rows[k];
		int fd;
		if (cb_container_open(&s, ids[i], &fd, &r->cfg, &e) < 0)
			continue; /* being made or removed */
		cb_state_read(fd, &r->st);
		close(fd);
		if (!all && r->st.state != CB_STATE_RUNNING) {
			cJSON_Delete(r->cfg);
			continue;
		}
		snprintf(r->id, sizeof(r->id), "%s", ids[i]);
		fill(r, no_trunc);
		k++;
	}
	qsort(rows, (size_t)k, sizeof(*rows), by_created);
	if (json) {
		cJSON *out = cJSON_CreateArray();
		for (int i = 0; i < k; i++)
			cJSON_AddItemToArray(out, json_row(&rows[i]));
		char *text = cb_json_print(out);
		printf("%s\n", text);
		return 0;
	}
	if (quiet) {
		for (int i = 0; i < k; i++)
			printf("%s\n", rows[i].col[0]);
		return 0;
	}
	static const char *const head[7] = { "CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES" };
	int w[7];
	for (int j = 0; j < 7; j++) {
		w[j] = (int)strlen(head[j]);
		for (int i = 0; i < k; i++)
			if ((int)strlen(rows[i].col[j]) > w[j])
				w[j] = (int)strlen(rows[i].col[j]);
	}
	for (int i = -1; i < k; i++)
		for (int j = 0; j < 7; j++) {
			const char *v = i < 0 ? head[j] : rows[i].col[j];
			if (j < 6)
				printf("%-*s  ", w[j], v);
			else
				printf("%s\n", v);
		}
	return 0;
}
