//config:config APPLET_PS
//config:	bool "ps: list containers"
//config:	default y
//applet:CB_APPLET(ps, ps_main, CB_NOSUID)
//cmd:CB_CMD("ps", "container", 0, 0, "", "List containers")
//usage:List the running containers.
//usage:
//usage:  -a, --all            all containers, also created and exited ones
//usage:  -q, --quiet          only container IDs
//usage:      --no-trunc       full IDs and commands
//usage:      --noheading      no header line
//usage:  -n, --last N         the N newest containers (implies -a); -l, --latest: the newest
//usage:  -f, --filter K=V     id=, name= (regex), status= (created, running, exited),
//usage:                       exited=N, ancestor=IMAGE, label=K[=V], before=, since=;
//usage:                       the same key again: either; different keys: all
//usage:      --sort KEY       created (default), id, image, names, status, command
//usage:  -s, --size           also SIZE (cbox does not measure it: 0B)
//usage:      --external       accepted (cbox has no external containers)
//usage:      --format FORMAT  json (podman's keys), a Go template ({{.ID}} {{.Names}};
//usage:                       fields ID Image ImageID Command CreatedAt RunningFor Status
//usage:                       State Ports Names Labels Mounts Networks ExitCode Exited
//usage:                       Pid Size AutoRemove Pod IsInfra), or 'table TEMPLATE'
/* ps.c - cbox ps */
#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctrfilter.h"
#include "format.h"
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
	if (st->paused) {
		snprintf(out, n, "Paused");
	} else if (st->state == CB_STATE_RUNNING) {
		duration(st->started, d, sizeof(d));
		snprintf(out, n, "Up %s ago", d); /* podman 4's words */
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
	cJSON_AddStringToObject(o, "State", r->st.paused ? "paused" : cb_state_name(r->st.state));
	cJSON_AddStringToObject(o, "Status", r->col[4]);
	return o;
}

/* The fields podman's ps templates know (its psReporter's). */
static cJSON *template_row(const struct row *r, int no_trunc)
{
	cJSON *o = json_row(r);
	char t[80];
	struct tm tm = { 0 };
	cJSON_ReplaceItemInObject(o, "Command", cJSON_CreateString(r->col[2]));
	cJSON_AddStringToObject(o, "ID", r->col[0]);
	cJSON_ReplaceItemInObject(o, "Names", cJSON_CreateString(r->col[6]));
	cJSON_ReplaceItemInObject(o, "Ports", cJSON_CreateString(r->col[5]));
	time_t c = (time_t)unix_time(get(r->cfg, "created"));
	strftime(t, sizeof(t), "%Y-%m-%d %H:%M:%S +0000 UTC", gmtime_r(&c, &tm));
	cJSON_ReplaceItemInObject(o, "CreatedAt", cJSON_CreateString(t));
	cJSON_AddStringToObject(o, "RunningFor", r->col[3]);
	cJSON_AddStringToObject(o, "CreatedHuman", r->col[3]);
	cJSON_AddItemToObject(o, "Labels", cJSON_Duplicate(cJSON_GetObjectItem(r->cfg, "labels"), 1) ?: cJSON_CreateObject());
	cJSON_AddItemToObject(o, "Mounts", cJSON_CreateArray());
	cJSON_AddItemToObject(o, "Networks", cJSON_CreateArray());
	cJSON_AddStringToObject(o, "Pod", "");
	cJSON_AddStringToObject(o, "PodName", "");
	cJSON_AddBoolToObject(o, "IsInfra", 0);
	cJSON_AddStringToObject(o, "Size", "0B (virtual 0B)");
	(void)no_trunc;
	return o;
}

static const char *sort_key = "created";
static int by_key(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = 0;
	if (!strcmp(sort_key, "id"))
		c = strcmp(x->id, y->id);
	else if (!strcmp(sort_key, "image"))
		c = strcmp(x->col[1], y->col[1]);
	else if (!strcmp(sort_key, "command"))
		c = strcmp(x->col[2], y->col[2]);
	else if (!strcmp(sort_key, "status"))
		c = strcmp(x->col[4], y->col[4]);
	else if (!strcmp(sort_key, "names"))
		c = strcmp(x->col[6], y->col[6]);
	return c ? c : strcmp(get(x->cfg, "created"), get(y->cfg, "created"));
}

int ps_main(int argc, char **argv)
{
	enum { O_ALL = 1, O_QUIET, O_NOTRUNC, O_FORMAT, O_NOHEAD, O_LAST, O_LATEST, O_FILTER, O_SORT, O_SIZE, O_EXT };
	static const struct cb_option opts[] = {
		{ "all", 'a', CB_OPT_NONE, O_ALL },
		{ "quiet", 'q', CB_OPT_NONE, O_QUIET },
		{ "no-trunc", 0, CB_OPT_NONE, O_NOTRUNC },
		{ "format", 0, CB_OPT_ARG, O_FORMAT },
		{ "noheading", 0, CB_OPT_NONE, O_NOHEAD },
		{ "last", 'n', CB_OPT_ARG, O_LAST },
		{ "latest", 'l', CB_OPT_NONE, O_LATEST },
		{ "filter", 'f', CB_OPT_ARG, O_FILTER },
		{ "sort", 0, CB_OPT_ARG, O_SORT },
		{ "size", 's', CB_OPT_NONE, O_SIZE },
		{ "external", 0, CB_OPT_NONE, O_EXT },
		{ "sync", 0, CB_OPT_NONE, O_EXT },
		{ "namespace", 0, CB_OPT_NONE, O_EXT },
		{ 0 },
	};
	int all = 0, quiet = 0, no_trunc = 0, size = 0, last = -1, c, n, k = 0, nf = 0;
	const char *format = NULL, *filters[32];
	struct cb_format_opts fo = { 0 };
	struct cb_opt_state st;
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts))) {
		all |= c == O_ALL;
		quiet |= c == O_QUIET;
		no_trunc |= c == O_NOTRUNC;
		fo.noheading |= c == O_NOHEAD;
		size |= c == O_SIZE;
		if (c == O_FORMAT)
			format = st.arg;
		if (c == O_SORT)
			sort_key = st.arg;
		if (c == O_LATEST)
			last = 1;
		if (c == O_FILTER && nf < 32) {
			filters[nf++] = st.arg;
			all |= !strncmp(st.arg, "status=", 7) || !strncmp(st.arg, "exited=", 7);
		}
		if (c == O_LAST) {
			char *end;
			last = (int)strtol(st.arg, &end, 10);
			if (*end || !*st.arg) {
				fprintf(stderr, "Error: invalid argument \"%s\" for \"-n, --last\" flag: not a number\n", st.arg);
				return CB_EXIT_FAIL;
			}
		}
	}
	if (strcmp(sort_key, "created") && strcmp(sort_key, "id") && strcmp(sort_key, "image") && strcmp(sort_key, "names") &&
	    strcmp(sort_key, "status") && strcmp(sort_key, "command") && strcmp(sort_key, "runningfor")) {
		fprintf(stderr, "Error: invalid option for --sort, options are: command, created, id, image, names, runningfor, status\n");
		return CB_EXIT_FAIL;
	}
	all |= last >= 0;
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
		snprintf(r->id, sizeof(r->id), "%s", ids[i]);
		fill(r, no_trunc);
		int ok = cb_ctr_filters_ok(&s, filters, nf, r->id, r->cfg, &r->st, &e);
		if (ok < 0) {
			fprintf(stderr, "Error: %s\n", e.msg);
			return CB_EXIT_FAIL;
		}
		if ((!all && r->st.state != CB_STATE_RUNNING) || !ok) {
			cJSON_Delete(r->cfg);
			continue;
		}
		k++;
	}
	if (last >= 0) { /* the newest N, in the order asked */
		const char *want = sort_key;
		sort_key = "created";
		qsort(rows, (size_t)k, sizeof(*rows), by_key);
		if (last < k) {
			memmove(rows, rows + (k - last), sizeof(*rows) * (size_t)last);
			k = last;
		}
		sort_key = want;
	}
	qsort(rows, (size_t)k, sizeof(*rows), by_key);
	if (quiet && !format) {
		for (int i = 0; i < k; i++)
			printf("%s\n", rows[i].col[0]);
		return 0;
	}
	int json = format && !strcmp(format, "json");
	cJSON *out = cJSON_CreateArray(), *heads = cJSON_CreateObject();
	for (int i = 0; i < k; i++)
		cJSON_AddItemToArray(out, json ? json_row(&rows[i]) : template_row(&rows[i], no_trunc));
	cJSON_AddStringToObject(heads, "ID", "CONTAINER ID");
	cJSON_AddStringToObject(heads, "RunningFor", "CREATED");
	cJSON_AddStringToObject(heads, "CreatedHuman", "CREATED");
	cJSON_AddStringToObject(heads, "Pod", "POD ID");
	fo.heads = heads;
	fo.align = 1;
	fo.table = size ? "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}\t{{.Size}}"
			: "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";
	if (cb_format_print(format ? format : "table", out, &fo, &e) < 0) {
		fprintf(stderr, "Error: %s\n", e.msg);
		return CB_EXIT_FAIL;
	}
	return 0;
}
