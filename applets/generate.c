//config:config APPLET_GENERATE
//config:	bool "generate systemd: a unit file for a container"
//config:	default y
//applet:CB_APPLET(generate, generate_main, CB_NOSUID)
//cmd:CB_CMD("generate", "", 0, 0, "[command]", "Generate structured data based on containers")
//cmd:CB_CMD("generate systemd", "", 1, 1, "CONTAINER", "Generate a systemd unit file for a container")
//usage:Print a systemd unit that runs the container, as podman's, calling this cbox by
//usage:its absolute path (and --root when the store is not the default). cbox has no
//usage:conmon: the unit is Type=simple around 'cbox start -a' (with --new 'cbox run
//usage:--replace' of the command it was made with), so cbox's own process is the
//usage:service's main process and its output goes to the journal. Without systemd
//usage:see README, "Services at boot".
//usage:
//usage:  -n, --name                 the container's name in the unit's name and commands
//usage:                             (default: its id)
//usage:      --new                  make the container anew at each start (run --replace),
//usage:                             remove it at stop
//usage:      --restart-policy P     systemd's Restart= (no, on-success, on-failure,
//usage:                             on-abnormal, on-watchdog, on-abort, always; default
//usage:                             on-failure)
//usage:      --restart-sec N        RestartSec=
//usage:  -t, --time N, --stop-timeout N   stop's timeout (default the container's, 10)
//usage:      --start-timeout N      TimeoutStartSec=
//usage:  -f, --files                write container-NAME.service here, print its path
//usage:      --no-header            no comment lines but the unit's name
//usage:      --container-prefix P, --separator S   the unit's name: P S NAME .service
//usage:      --wants U, --after U, --requires U   more dependencies
//usage:  -e, --env K=V              Environment= lines
/* generate.c - cbox generate systemd */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cbox.h"
#include "idmap.h"
#include "state.h"

/* A word as systemd's Exec lines read it: quoted when it has to be, % and $ doubled. */
static void word(FILE *f, const char *w)
{
	int plain = *w && !strpbrk(w, " \t\n\"'\\%$;");
	fputc(' ', f);
	if (plain) {
		fputs(w, f);
		return;
	}
	fputc('"', f);
	for (; *w; w++) {
		if (*w == '"' || *w == '\\')
			fputc('\\', f);
		if (*w == '%' || *w == '$')
			fputc(*w, f);
		if (*w == '\n')
			fputs("\\n", f);
		else
			fputc(*w, f);
	}
	fputc('"', f);
}

/* run's recorded words without what --new sets itself: -d, --rm, --replace, --name,
 * --cidfile (with their values), up to the image. */
static void new_args(FILE *f, const cJSON *cmd, int image)
{
	for (int i = 0; i < cJSON_GetArraySize(cmd); i++) {
		const char *a = cJSON_GetStringValue(cJSON_GetArrayItem(cmd, i)) ?: "";
		char bundle[16];
		if (i < image && (!strcmp(a, "--name") || !strcmp(a, "--cidfile"))) {
			i++;
			continue;
		}
		if (i < image && (!strncmp(a, "--name=", 7) || !strncmp(a, "--cidfile=", 10) || !strncmp(a, "--detach", 8) ||
				  !strncmp(a, "--rm", 4) || !strncmp(a, "--replace", 9)))
			continue;
		if (i < image && a[0] == '-' && a[1] != '-' && strlen(a) < sizeof(bundle) && strspn(a + 1, "ditq") == strlen(a + 1)) {
			size_t k = 0;
			for (const char *p = a; *p; p++)
				if (*p != 'd')
					bundle[k++] = *p;
			bundle[k] = '\0';
			if (k > 1)
				word(f, bundle);
			continue;
		}
		word(f, a);
	}
}

int generate_main(int argc, char **argv)
{
	enum { O_NAME = 1, O_NEW, O_POLICY, O_RSEC, O_TIME, O_START, O_FILES, O_NOHEAD, O_PREFIX, O_SEP, O_WANTS, O_AFTER,
	       O_REQUIRES, O_ENV };
	static const struct cb_option opts[] = {
		{ "name", 'n', CB_OPT_BOOL, O_NAME },
		{ "new", 0, CB_OPT_BOOL, O_NEW },
		{ "restart-policy", 0, CB_OPT_ARG, O_POLICY },
		{ "restart-sec", 0, CB_OPT_ARG, O_RSEC },
		{ "time", 't', CB_OPT_ARG, O_TIME },
		{ "stop-timeout", 0, CB_OPT_ARG, O_TIME },
		{ "start-timeout", 0, CB_OPT_ARG, O_START },
		{ "files", 'f', CB_OPT_BOOL, O_FILES },
		{ "no-header", 0, CB_OPT_BOOL, O_NOHEAD },
		{ "container-prefix", 0, CB_OPT_ARG, O_PREFIX },
		{ "separator", 0, CB_OPT_ARG, O_SEP },
		{ "wants", 0, CB_OPT_ARG, O_WANTS },
		{ "after", 0, CB_OPT_ARG, O_AFTER },
		{ "requires", 0, CB_OPT_ARG, O_REQUIRES },
		{ "env", 'e', CB_OPT_ARG, O_ENV },
		{ 0 },
	};
	static const char *const policies[] = { "no", "on-success", "on-failure", "on-abnormal", "on-watchdog", "on-abort", "always" };
	const char *policy = "on-failure", *rsec = NULL, *start_to = NULL, *prefix = "container", *sep = "-";
	const char **deps = calloc((size_t)argc * 2 + 2, sizeof(*deps)), **envs = calloc((size_t)argc + 1, sizeof(*envs));
	int by_name = 0, new = 0, files = 0, header = 1, stop_to = -1, ndeps = 0, nenvs = 0, c;
	struct cb_opt_state st;
	const char *cmd = argc > 1 ? argv[1] : "";
	argc--, argv++; /* "systemd [OPTIONS] CONTAINER": the group's command line (help.c counts) */
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts))) {
		int yes = st.arg && !strcmp(st.arg, "true");
		switch (c) {
		case O_NAME: by_name = yes; break;
		case O_NEW: new = yes; break;
		case O_FILES: files = yes; break;
		case O_NOHEAD: header = !yes; break;
		case O_POLICY: policy = st.arg; break;
		case O_RSEC: rsec = st.arg; break;
		case O_START: start_to = st.arg; break;
		case O_TIME: stop_to = atoi(st.arg); break;
		case O_PREFIX: prefix = st.arg; break;
		case O_SEP: sep = st.arg; break;
		case O_ENV: envs[nenvs++] = st.arg; break;
		default: /* --wants, --after, --requires */
			deps[ndeps++] = c == O_WANTS ? "Wants" : c == O_AFTER ? "After" : "Requires";
			deps[ndeps++] = st.arg;
			break;
		}
	}
	if (strcmp(cmd, "systemd")) {
		fprintf(stderr, "Error: unrecognized command `%s generate %s` (only systemd)\n", cb_prog, cmd);
		return CB_EXIT_FAIL;
	}
	if (argc - st.ind != 1) {
		fprintf(stderr, "Error: accepts 1 arg(s), received %d\n", argc - st.ind);
		return CB_EXIT_FAIL;
	}
	size_t p = 0;
	while (p < CB_ARRAY_SIZE(policies) && strcmp(policy, policies[p]))
		p++;
	if (p == CB_ARRAY_SIZE(policies)) {
		fprintf(stderr, "Error: %s is not a valid restart policy\n", policy);
		return CB_EXIT_FAIL;
	}
	struct cb_store s;
	cb_err e;
	char id[65], self[PATH_MAX], root[PATH_MAX + 16] = "";
	int dfd;
	cJSON *cfg;
	if (cb_userns_enter(&e) < 0 || cb_store_open(&s, cb_opt_root, &e) < 0)
		cb_die(&e);
	if (cb_container_resolve(&s, argv[st.ind], id, sizeof(id), &e) < 0 || cb_container_open(&s, id, &dfd, &cfg, &e) < 0) {
		fprintf(stderr, "Error: %s does not refer to a container: %s\n", argv[st.ind], e.msg);
		return CB_EXIT_FAIL;
	}
	close(dfd);
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	if (cb_opt_root || getenv("CBOX_ROOT")) /* the same store, wherever the unit runs */
		snprintf(root, sizeof(root), " --root %s", s.root);
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "name")) ?: id;
	const char *ref = by_name ? name : id, *restart = cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "restart")) ?: "no";
	const cJSON *t = cJSON_GetObjectItem(cfg, "stop_timeout");
	if (stop_to < 0)
		stop_to = cJSON_IsNumber(t) ? (int)t->valuedouble : 10;
	if (strcmp(restart, "no") && *restart) /* podman's warning */
		cb_warn("Container %s has restart policy \"%s\" which can lead to issues on shutdown: consider recreating "
			"the container without a restart policy and use systemd's restart mechanism instead", id, restart);

	char unit[512], *text = NULL, date[64];
	size_t len = 0;
	time_t now = time(NULL);
	strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Z %Y", localtime(&now));
	snprintf(unit, sizeof(unit), "%s%s%s.service", prefix, sep, ref);
	FILE *f = open_memstream(&text, &len);
	fprintf(f, "# %s\n", unit);
	if (header)
		fprintf(f, "# autogenerated by cbox %s\n# %s\n", CB_VERSION, date);
	fprintf(f, "\n[Unit]\nDescription=cbox %s\nWants=network-online.target\nAfter=network-online.target\n"
		   "RequiresMountsFor=%s\n", unit, s.root);
	for (int i = 0; i < ndeps; i += 2)
		fprintf(f, "%s=%s\n", deps[i], deps[i + 1]);
	fprintf(f, "\n[Service]\n");
	for (int i = 0; i < nenvs; i++)
		fprintf(f, "Environment=%s\n", envs[i]);
	fprintf(f, "Restart=%s\n", policy);
	if (rsec)
		fprintf(f, "RestartSec=%s\n", rsec);
	if (start_to)
		fprintf(f, "TimeoutStartSec=%s\n", start_to);
	fprintf(f, "TimeoutStopSec=%d\n", 60 + stop_to);
	if (new) {
		const cJSON *cmd = cJSON_GetObjectItem(cfg, "create_command");
		fprintf(f, "ExecStart=%s%s run --replace --name %s", self, root, name);
		new_args(f, cmd, (int)cJSON_GetNumberValue(cJSON_GetObjectItem(cfg, "create_image_arg")));
		fprintf(f, "\nExecStop=%s%s stop --ignore -t %d %s\n", self, root, stop_to, name);
		fprintf(f, "ExecStopPost=%s%s rm -f --ignore -t %d %s\n", self, root, stop_to, name);
	} else {
		fprintf(f, "ExecStart=%s%s start -a %s\n", self, root, ref);
		fprintf(f, "ExecStop=%s%s stop -t %d %s\n", self, root, stop_to, ref);
	}
	fprintf(f, "Type=simple\n\n[Install]\nWantedBy=default.target\n");
	fclose(f);
	if (!files) {
		fputs(text, stdout);
		return 0;
	}
	FILE *out = fopen(unit, "we");
	if (!out || fputs(text, out) < 0 || fclose(out) != 0) {
		fprintf(stderr, "Error: %s: %s\n", unit, strerror(errno));
		return CB_EXIT_FAIL;
	}
	char *abs = realpath(unit, NULL);
	printf("%s\n", abs ? abs : unit);
	return 0;
}
