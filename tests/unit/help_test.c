/* help_test.c - cobra's argument-count words for each kind of bound, the command table
 * (a group, a group's command, a member, an alias) and the help layout's usage line. */
#include "cbox.h"
#include "unit.h"

static const char *count(int min, int max, int n)
{
	static struct cb_cmd c;
	static cb_err e;
	c = (struct cb_cmd){ "frob", "", "", "", min, max };
	cb_cmd_current = &c;
	cb_cmd_path = "frob";
	e.msg[0] = '\0';
	return cb_cmd_check(n, &e) < 0 ? e.msg : "ok";
}

int main(void)
{
	unit_name = "help";
	CHECK_STR(count(0, 0, 0), "ok");
	CHECK_STR(count(0, 0, 1), "`cbox frob` takes no arguments");
	CHECK_STR(count(2, -1, 1), "requires at least 2 arg(s), only received 1");
	CHECK_STR(count(2, -1, 9), "ok");
	CHECK_STR(count(0, 1, 2), "accepts at most 1 arg(s), received 2");
	CHECK_STR(count(2, 2, 3), "accepts 2 arg(s), received 3");
	CHECK_STR(count(1, 2, 0), "accepts between 1 and 2 arg(s), received 0");
	CHECK_STR(count(1, 2, 2), "ok");
	cb_cmd_current = NULL; /* an applet without a //cmd: line: no check */
	cb_err e;
	CHECK(cb_cmd_check(99, &e) == 0);

	/* the table (this build's: every applet of the default config) */
	CHECK(cb_cmd_is_group(cb_cmd_find("container")));
	CHECK(cb_cmd_is_group(cb_cmd_find("help")));
	CHECK(!cb_cmd_find("runtime")); /* cbox's own: not one of podman's commands */
	const struct cb_cmd *c = cb_cmd_find("tag");
	CHECK(c && c->min == 2 && c->max == -1 && !strcmp(c->args, "IMAGE TARGET_NAME [TARGET_NAME...]"));
	CHECK(cb_cmd_in_group("image", "tag") == c);   /* a member, under its own name */
	CHECK(!cb_cmd_in_group("container", "tag"));  /* not a container command */
	c = cb_cmd_in_group("volume", "create");      /* a group's own command */
	CHECK(c && !strcmp(c->name, "volume create") && c->max == 1);
	const struct cb_alias *a = cb_cmd_alias("image prune");
	CHECK(a && !strcmp(a->applet, "rmi") && !strcmp(a->flag, "--prune"));

	/* the usage line: [options] only with options, the invoked path */
	static const struct cb_option opts[] = { { "all", 'a', CB_OPT_NONE, 1 }, { "format", 0, CB_OPT_ARG, 2 }, { 0 } };
	static const struct cb_option none[] = { { 0 } };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cb_cmd_current = cb_cmd_find("images");
	cb_cmd_path = "image list";
	cb_help(f, opts);
	cb_cmd_current = cb_cmd_find("tag");
	cb_cmd_path = "tag";
	cb_help(f, none);
	fclose(f);
	CHECK(strstr(buf, "\nUsage:\n  cbox image list [options] [IMAGE]\n"));
	CHECK(strstr(buf, "\nOptions:\n  -a, --all\n      --format string\n"));
	CHECK(strstr(buf, "\nUsage:\n  cbox tag IMAGE TARGET_NAME [TARGET_NAME...]\n"));
	CHECK(!strstr(strstr(buf, "  cbox tag "), "Options:"));
	free(buf);
	return unit_end();
}
