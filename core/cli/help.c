/* help.c - podman's command tree: help listings, each command's --help in podman's layout
 * and its argument count, checked once for every applet. The table is build.sh's, made of
 * the //cmd: lines in the applets' headers (and the few below), one line a command:
 *
 *   //cmd:CB_CMD("NAME", "GROUPS", MIN, MAX, "ARGS", "SUMMARY")
 *
 * NAME is the command ("tag") or a group's command ("volume create"); GROUPS the groups
 * that list it too under its own name ("container image"); MIN and MAX its operand count
 * (MAX -1: no limit; 0, 0: none); ARGS its synopsis in podman's terms (upper case, without
 * "[options]", which the help adds when the applet has options); "[command]" makes it a
 * group. A command with no line keeps its applet's own usage and checks; "//cmd SYMBOL:"
 * declares one that needs CONFIG_SYMBOL too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbox.h"

//cmd:CB_CMD("container", "", 0, 0, "[command]", "Manage containers")
//cmd:CB_CMD("image", "", 0, 0, "[command]", "Manage images")
//cmd:CB_CMD("help", "", 0, -1, "[command]", "Help about any command")

static const struct cb_cmd cmds[] = {
#define CB_CMD(name, groups, min, max, args, desc) { name, groups, args, desc, min, max },
#include "cmds.h"
#undef CB_CMD
};

/* podman's group commands that are an applet under another name, or with a flag ("G ls"
 * is "G list" when G has no ls of its own and the other way round, unlisted: cobra's
 * alias; see main.c). */
static const struct cb_alias aliases[] = {
	{ "container list", "ps", NULL },
	{ "container inspect", "inspect", "--type=container" },
	{ "container exists", "inspect", "--exists=container" },
	{ "container prune", "rm", "--prune" },
	{ "image list", "images", NULL },
	{ "image rm", "rmi", NULL },
	{ "image inspect", "inspect", "--type=image" },
	{ "image exists", "inspect", "--exists=image" },
	{ "image prune", "rmi", "--prune" },
};

const struct cb_cmd *cb_cmd_current;
const char *cb_cmd_path;

const struct cb_cmd *cb_cmd_find(const char *name)
{
	for (size_t i = 0; i < CB_ARRAY_SIZE(cmds); i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

const struct cb_alias *cb_cmd_alias(const char *path)
{
	for (size_t i = 0; i < CB_ARRAY_SIZE(aliases); i++)
		if (!strcmp(aliases[i].path, path))
			return &aliases[i];
	return NULL;
}

int cb_cmd_is_group(const struct cb_cmd *c)
{
	return c && !strcmp(c->args, "[command]");
}

/* c is listed by group g under its own name: GROUPS names g as a word. */
static int member(const struct cb_cmd *c, const char *g)
{
	size_t n = strlen(g);
	for (const char *p = c->groups; (p = strstr(p, g)); p += n)
		if ((p == c->groups || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return 1;
	return 0;
}

const struct cb_cmd *cb_cmd_in_group(const char *g, const char *name)
{
	char path[128];
	snprintf(path, sizeof(path), "%s %s", g, name);
	const struct cb_cmd *c = cb_cmd_find(path);
	if (!c && (c = cb_cmd_find(name)) && !member(c, g))
		c = NULL;
	return c;
}

struct row {
	const char *name, *desc;
};

static int row_cmp(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->name, ((const struct row *)b)->name);
}

/* "Available Commands:" of group g ("" the top): its own commands, its members and its
 * aliases (one with a flag only through its own //cmd: line), sorted, each once. */
static void list(FILE *f, const char *g)
{
	struct row rows[CB_ARRAY_SIZE(cmds) + CB_ARRAY_SIZE(aliases)];
	size_t n = 0, gl = strlen(g);
	for (size_t i = 0; i < CB_ARRAY_SIZE(cmds); i++) {
		const char *name = cmds[i].name, *sp = strchr(name, ' ');
		if (*g ? !strncmp(name, g, gl) && name[gl] == ' ' : !sp)
			rows[n++] = (struct row){ *g ? name + gl + 1 : name, cmds[i].desc };
		else if (*g && member(&cmds[i], g))
			rows[n++] = (struct row){ name, cmds[i].desc };
	}
	for (size_t i = 0; *g && i < CB_ARRAY_SIZE(aliases); i++) {
		const struct cb_cmd *c = cb_cmd_find(aliases[i].applet);
		if (c && !aliases[i].flag && !strncmp(aliases[i].path, g, gl) && aliases[i].path[gl] == ' ')
			rows[n++] = (struct row){ aliases[i].path + gl + 1, c->desc };
	}
	if (!n)
		return;
	qsort(rows, n, sizeof(*rows), row_cmp);
	fputs("\nAvailable Commands:\n", f);
	for (size_t i = 0; i < n; i++)
		if (!i || strcmp(rows[i].name, rows[i - 1].name))
			fprintf(f, "  %-11s %s\n", rows[i].name, rows[i].desc);
}

/* The summary, the applet's own text under "Description:", the synopsis. */
static void head(FILE *f, const struct cb_cmd *c, const char *path, const char *text)
{
	fprintf(f, "%s\n", c->desc);
	if (text && *text) {
		fputs("\nDescription:\n", f);
		cb_print_usage(f, text);
	}
	fprintf(f, "\nUsage:\n  %s%s%s", cb_prog, *path ? " " : "", path);
}

void cb_help_group(FILE *f, const char *g, const struct cb_option *opts)
{
	const struct cb_cmd *c = cb_cmd_find(*g ? g : "help");
	const struct cb_applet *a = cb_applet_current;
	if (!*g) { /* the top: podman's first line under podman's name (tools look for it) */
		fprintf(f, "%s\n", strcmp(cb_prog, "podman") ? "cbox " CB_VERSION ": rootless OCI containers in one static binary"
							: "Manage pods, containers and images");
		fprintf(f, "\nUsage:\n  %s [options] [command]\n", cb_prog);
	} else {
		head(f, c, g, a && !strcmp(a->name, g) ? a->usage : NULL);
		fputs(" [command]\n", f);
	}
	list(f, g);
	if (opts) {
		fputs("\nOptions:\n", f);
		cb_opt_print(f, opts);
		cb_opt_print_global(f);
	}
}

void cb_help(FILE *f, const struct cb_option *opts)
{
	const struct cb_cmd *c = cb_cmd_current;
	if (!c) {
		cb_print_usage(f, cb_applet_current->usage);
		return;
	}
	if (cb_cmd_is_group(c)) {
		cb_help_group(f, cb_cmd_name(), NULL);
		return;
	}
	int has = opts && opts->id;
	head(f, c, cb_cmd_name(), cb_applet_current ? cb_applet_current->usage : NULL);
	fprintf(f, "%s%s%s\n", has ? " [options]" : "", *c->args ? " " : "", c->args);
	if (has) {
		fputs("\nOptions:\n", f);
		cb_opt_print(f, opts);
	}
}

/* cobra's words for its argument validators (podman's NoArgs names the command). */
int cb_cmd_check(int n, cb_err *e)
{
	const struct cb_cmd *c = cb_cmd_current;
	if (!c || cb_cmd_is_group(c) || (n >= c->min && (c->max < 0 || n <= c->max)))
		return 0;
	if (!c->max)
		return cb_fail(e, EINVAL, "`%s %s` takes no arguments", cb_prog, cb_cmd_name());
	if (c->max < 0)
		return cb_fail(e, EINVAL, "requires at least %d arg(s), only received %d", c->min, n);
	if (c->min == c->max)
		return cb_fail(e, EINVAL, "accepts %d arg(s), received %d", c->min, n);
	if (!c->min)
		return cb_fail(e, EINVAL, "accepts at most %d arg(s), received %d", c->max, n);
	return cb_fail(e, EINVAL, "accepts between %d and %d arg(s), received %d", c->min, c->max, n);
}
