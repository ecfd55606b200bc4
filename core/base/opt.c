/* opt.c - one option parser for every applet: podman's long spellings, bundled short
 * options, values inline or in the next argument. Options may follow operands, as
 * podman's (cobra) parsing allows: argv is permuted so the operands end up last. Applets
 * whose operands carry a command (run, exec, unshare) stop at the first operand. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbox.h"

void cb_opt_init(struct cb_opt_state *st, int argc, char **argv)
{
	st->argc = argc;
	st->argv = argv;
	st->ind = 1;
	st->arg = NULL;
	st->bundle = NULL;
	st->permute = 1;
	st->nops = 0;
	st->word = -1;
	st->latest = st->all = 0;
}

void cb_opt_init_cmd(struct cb_opt_state *st, int argc, char **argv)
{
	cb_opt_init(st, argc, argv);
	st->permute = 0;
}

/* Move the option words [word, ind) in front of the nops operands skipped before them. */
static void hoist(struct cb_opt_state *st)
{
	if (st->word < 0)
		return;
	for (int k = st->word; k < st->ind; k++) {
		char *w = st->argv[k];
		for (int j = k; j > k - st->nops; j--)
			st->argv[j] = st->argv[j - 1];
		st->argv[k - st->nops] = w;
	}
	st->word = -1;
}

/* Parsing is over: the operands start at ind. */
static int done(struct cb_opt_state *st)
{
	cb_log_announce();
	hoist(st);
	st->ind -= st->nops;
	st->nops = 0;
	return 0;
}

/* Options every applet understands, as podman's global flags. */
const char *cb_opt_root, *cb_opt_storage_driver, *cb_opt_volume_path;
const char *cb_opt_runtime_flags[16];
int cb_opt_nruntime_flags;
static const struct cb_option global_opts[] = {
	{ "log-level", 0, CB_OPT_ARG, 1 },
	{ "root", 0, CB_OPT_ARG, 2 },
	{ "storage-driver", 0, CB_OPT_ARG, 3 },
	{ "volumepath", 0, CB_OPT_ARG, 7 }, /* podman's: where named volumes live */
	{ "runtime-flag", 0, CB_OPT_ARG, 8 }, /* podman's: for the OCI runtime (cbox's own) */
	/* podman's, accepted and without effect here (one runtime dir, no events, no cgroup manager) */
	{ "runroot", 0, CB_OPT_ARG, 4 },
	{ "events-backend", 0, CB_OPT_ARG, 4 },
	{ "cgroup-manager", 0, CB_OPT_ARG, 4 },
	{ "noout", 0, CB_OPT_NONE, 5 }, /* podman's: no standard output */
	{ "debug", 'D', CB_OPT_NONE, 6 }, /* docker's: --log-level=debug */
	{ 0 },
};

/* --log-level and --debug: podman's exit 1 and words when either is wrong. */
static void log_opt(int debug, const char *level)
{
	static int seen[2];
	cb_err e;
	seen[debug] = 1;
	if (seen[0] && seen[1]) {
		fprintf(stderr, "Setting --log-level and --debug is not allowed\n");
		exit(1);
	}
	if (cb_log_set_level(debug ? "debug" : level, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		exit(1);
	}
}

static const struct cb_option *find_long(const struct cb_option *opts, const char *name, size_t len)
{
	for (; opts->id; opts++)
		if (opts->name && strlen(opts->name) == len && strncmp(opts->name, name, len) == 0)
			return opts;
	for (opts = global_opts; opts->id; opts++)
		if (strlen(opts->name) == len && strncmp(opts->name, name, len) == 0)
			return opts;
	return NULL;
}

static const struct cb_option *find_short(const struct cb_option *opts, int c)
{
	for (; opts->id; opts++)
		if (opts->short_name == c)
			return opts;
	for (opts = global_opts; opts->id; opts++)
		if (opts->short_name && opts->short_name == c)
			return opts;
	return NULL;
}

int cb_opt_is_global(const char *arg)
{
	static const struct cb_option none[] = { { 0 } };
	if (arg[0] != '-' || !arg[1])
		return 0;
	if (arg[1] != '-')
		return find_short(none, arg[1]) != NULL;
	return find_long(none, arg + 2, strcspn(arg + 2, "=")) != NULL;
}

/* The option is found: take its value if it wants one. */
static int take(struct cb_opt_state *st, const struct cb_option *o, const char *inline_val,
		const char *spelled, cb_err *e)
{
	st->arg = NULL;
	if (o->has_arg == CB_OPT_BOOL) {
		if (inline_val && strcmp(inline_val, "true") != 0 && strcmp(inline_val, "false") != 0)
			return cb_fail(e, EINVAL, "option '%s': want true or false", spelled);
		st->arg = inline_val ? inline_val : "true";
		return 0;
	}
	if (o->has_arg == CB_OPT_ARG) {
		if (inline_val)
			st->arg = inline_val;
		else if (st->ind < st->argc)
			st->arg = st->argv[st->ind++];
		else if (spelled[1] != '-') /* podman's (cobra's) words */
			return cb_fail(e, EINVAL, "flag needs an argument: '%c' in %s", spelled[1], spelled);
		else
			return cb_fail(e, EINVAL, "flag needs an argument: %s", spelled);
	} else if (inline_val) {
		return cb_fail(e, EINVAL, "option '%s' takes no value", spelled);
	}
	if (o >= global_opts && o < global_opts + CB_ARRAY_SIZE(global_opts)) {
		if (o->id == 5)
			return freopen("/dev/null", "w", stdout) ? 1 : cb_fail_errno(e, errno, "--noout: /dev/null");
		if (o->id == 1 || o->id == 6) {
			log_opt(o->id == 6, st->arg);
			return 1;
		}
		if (!*st->arg)
			return cb_fail(e, EINVAL, "option '%s' needs a value", spelled);
		if (o->id == 4)
			return 1;
		if (o->id == 8) {
			if (cb_opt_nruntime_flags == (int)CB_ARRAY_SIZE(cb_opt_runtime_flags))
				return cb_fail(e, E2BIG, "--runtime-flag: at most %d", (int)CB_ARRAY_SIZE(cb_opt_runtime_flags));
			cb_opt_runtime_flags[cb_opt_nruntime_flags++] = st->arg;
			return 1;
		}
		*(o->id == 2 ? &cb_opt_root : o->id == 7 ? &cb_opt_volume_path : &cb_opt_storage_driver) = st->arg;
		return 1;
	}
	return 0;
}

const struct cb_option *cb_opt_help;

int cb_opt_next(struct cb_opt_state *st, const struct cb_option *opts, cb_err *e)
{
	for (;;) {
		char spelled[3] = "-?";
		if (st->bundle && *st->bundle) {
			int c = *st->bundle++;
			spelled[1] = (char)c;
			if (c == 'h' && !find_short(opts, 'h'))
				return cb_opt_help = opts, CB_OPT_HELP;
			const struct cb_option *o = find_short(opts, c);
			if (!o)
				return cb_fail(e, EINVAL, "unknown shorthand flag: '%c' in -%c", c, c);
			const char *val = NULL;
			if ((o->has_arg == CB_OPT_ARG && *st->bundle) || (o->has_arg == CB_OPT_BOOL && *st->bundle == '=')) {
				val = st->bundle + (*st->bundle == '='); /* -uroot, -u=root, -a=false (pflag's) */
				st->bundle = NULL;
			}
			int r = take(st, o, val, spelled, e);
			if (r < 0)
				return r;
			if (r == 0)
				return o->id;
			continue;
		}
		st->bundle = NULL;
		hoist(st);
		if (st->ind >= st->argc)
			return done(st);
		const char *a = st->argv[st->ind];
		if (a[0] != '-' || a[1] == '\0') { /* an operand ("-" alone is one) */
			if (!st->permute)
				return 0;
			st->ind++;
			st->nops++;
			continue;
		}
		st->word = st->ind++;
		if (a[1] != '-') {
			st->bundle = a + 1;
			continue;
		}
		if (a[2] == '\0')
			return done(st); /* "--": the rest are operands */
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		if (len == 4 && strncmp(name, "help", 4) == 0 && !find_long(opts, name, len))
			return cb_opt_help = opts, CB_OPT_HELP;
		const struct cb_option *o = find_long(opts, name, len);
		if (!o)
			return cb_fail(e, EINVAL, "unknown flag: --%.*s", (int)len, name);
		int r = take(st, o, eq ? eq + 1 : NULL, a, e);
		if (r < 0)
			return r;
		if (r == 0)
			return o->id;
	}
}

/* An options table as podman's help lists one: "  -a, --all", "      --format string". */
void cb_opt_print(FILE *f, const struct cb_option *o)
{
	for (; o->id; o++) {
		char s[4] = "   ";
		if (o->short_name)
			snprintf(s, sizeof(s), "-%c,", o->short_name);
		if (o->name)
			fprintf(f, "  %s --%s%s\n", s, o->name, o->has_arg == CB_OPT_ARG ? " string" : "");
		else
			fprintf(f, "  -%c%s\n", o->short_name, o->has_arg == CB_OPT_ARG ? " string" : "");
	}
}

void cb_opt_print_global(FILE *f)
{
	cb_opt_print(f, global_opts);
}

int cb_opt_seconds(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	return *s && !*end && v >= 0 && v <= 1000000000 ? (int)v : -1;
}

/* ---- the program's name in what it prints (main.c sets both) ---- */

const struct cb_applet *cb_applet_current;
const char *cb_prog = "cbox";

const char *cb_cmd_name(void)
{
	return cb_cmd_path ? cb_cmd_path : cb_applet_current->name;
}

void cb_print_usage(FILE *f, const char *text)
{
	/* "cbox " as a word becomes the invoked name */
	for (const char *p = text, *q; *p; p = q + 5) {
		q = strstr(p, "cbox ");
		while (q && q > text && (isalnum((unsigned char)q[-1]) || q[-1] == '-' || q[-1] == '/'))
			q = strstr(q + 5, "cbox ");
		if (!q) {
			fputs(p, f);
			break;
		}
		fprintf(f, "%.*s%s ", (int)(q - p), p, cb_prog);
	}
}

int cb_usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("Error: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nSee '%s %s --help'\n", cb_prog, cb_cmd_name());
	return CB_EXIT_FAIL;
}
