/* opt_test.c - the shared option parser, errors and log levels. */
#include "cbox.h"
#include "unit.h"

enum { O_ENV = 1, O_INTERACTIVE, O_TTY, O_USER, O_RM, O_NAME, O_VERIFY };
static const struct cb_option opts[] = {
	{ "env", 'e', CB_OPT_ARG, O_ENV },
	{ "interactive", 'i', CB_OPT_NONE, O_INTERACTIVE },
	{ "tty", 't', CB_OPT_NONE, O_TTY },
	{ "user", 'u', CB_OPT_ARG, O_USER },
	{ "rm", 0, CB_OPT_NONE, O_RM },
	{ "name", 0, CB_OPT_ARG, O_NAME },
	{ "tls-verify", 0, CB_OPT_BOOL, O_VERIFY },
	{ 0 },
};

/* Parse argv; record ids and values in "id=value;" form; return the first operand index. */
static int permute;
static int parse(int argc, char **argv, char *trace, size_t n, int *err)
{
	struct cb_opt_state st;
	cb_err e;
	int r;
	trace[0] = '\0';
	*err = 0;
	if (permute)
		cb_opt_init(&st, argc, argv);
	else
		cb_opt_init_cmd(&st, argc, argv);
	while ((r = cb_opt_next(&st, opts, &e)) != 0) {
		if (r < 0) {
			*err = r;
			snprintf(trace + strlen(trace), n - strlen(trace), "ERR:%s", r == CB_OPT_HELP ? "help" : e.msg);
			return st.ind;
		}
		snprintf(trace + strlen(trace), n - strlen(trace), "%d=%s;", r, st.arg ? st.arg : "");
	}
	return st.ind;
}

int main(void)
{
	char tr[512];
	int err, ind;
	unit_name = "opt";

	char *a1[] = { "run", "-it", "--rm", "--name=web", "-e=A=1", "-uroot", "img", "sh", "-c", "x", NULL };
	ind = parse(10, a1, tr, sizeof(tr), &err);
	CHECK(err == 0);
	CHECK_STR(tr, "2=;3=;5=;6=web;1=A=1;4=root;");
	CHECK(ind == 6); /* "img": options after it belong to the command */

	char *a2[] = { "run", "--env", "B=2", "--", "-notopt", NULL };
	ind = parse(5, a2, tr, sizeof(tr), &err);
	CHECK_STR(tr, "1=B=2;");
	CHECK(ind == 4);

	char *a3[] = { "run", "--bogus", NULL };
	parse(2, a3, tr, sizeof(tr), &err);
	CHECK(err == -EINVAL);
	CHECK_STR(tr, "ERR:unknown flag: --bogus");

	char *a4[] = { "run", "-x", NULL };
	parse(2, a4, tr, sizeof(tr), &err);
	CHECK_STR(tr, "ERR:unknown shorthand flag: 'x' in -x");

	char *a5[] = { "run", "--name", NULL };
	parse(2, a5, tr, sizeof(tr), &err);
	CHECK_STR(tr, "ERR:flag needs an argument: --name");
	char *a5s[] = { "run", "-u", NULL };
	parse(2, a5s, tr, sizeof(tr), &err);
	CHECK_STR(tr, "ERR:flag needs an argument: 'u' in -u");

	char *a6[] = { "run", "--rm=yes", NULL };
	parse(2, a6, tr, sizeof(tr), &err);
	CHECK_STR(tr, "ERR:option '--rm=yes' takes no value");

	char *a7[] = { "run", "-i", "--help", NULL };
	parse(3, a7, tr, sizeof(tr), &err);
	CHECK(err == CB_OPT_HELP);

	/* --log-level is understood by every applet and consumed by the parser. */
	char *a8[] = { "run", "--log-level=debug", "-t", "--log-level", "error", "img", NULL };
	ind = parse(6, a8, tr, sizeof(tr), &err);
	CHECK_STR(tr, "3=;");
	CHECK(ind == 5);
	CHECK(cb_log_level == CB_LOG_ERROR);
	/* a bad --log-level exits 1 with podman's words (tests/cbox.test); the check itself: */
	cb_err le;
	CHECK(cb_log_set_level("loud", &le) < 0 && strstr(le.msg, "Log Level \"loud\" is not supported"));

	char *a10[] = { "run", "-", NULL }; /* "-" is an operand (stdin) */
	CHECK(parse(2, a10, tr, sizeof(tr), &err) == 1 && err == 0);

	/* Booleans: bare means true; =true/=false inline only, so the next word stays an operand. */
	char *a11[] = { "pull", "--tls-verify", "img", NULL };
	ind = parse(3, a11, tr, sizeof(tr), &err);
	CHECK_STR(tr, "7=true;");
	CHECK(ind == 2);
	char *a12[] = { "pull", "--tls-verify=false", "img", NULL };
	parse(3, a12, tr, sizeof(tr), &err);
	CHECK_STR(tr, "7=false;");
	char *a13[] = { "pull", "--tls-verify=no", NULL };
	parse(2, a13, tr, sizeof(tr), &err);
	CHECK_STR(tr, "ERR:option '--tls-verify=no': want true or false");
	char *a14[] = { "pull", "--root", "", NULL };
	parse(3, a14, tr, sizeof(tr), &err);
	CHECK_STR(tr, "ERR:option '--root' needs a value");

	/* Elsewhere options may follow operands, as podman's: argv ends with the operands. */
	permute = 1;
	char *b1[] = { "rm", "c1", "-e", "0", "c2", "--name=x", "-it", "c3", "--", "-c4", NULL };
	ind = parse(10, b1, tr, sizeof(tr), &err);
	CHECK_STR(tr, "1=0;6=x;2=;3=;");
	CHECK(ind == 6);
	CHECK_STR(b1[1], "-e");
	CHECK_STR(b1[2], "0");
	CHECK_STR(b1[5], "--");
	CHECK_STR(b1[6], "c1");
	CHECK_STR(b1[7], "c2");
	CHECK_STR(b1[8], "c3");
	CHECK_STR(b1[9], "-c4");
	char *b2[] = { "inspect", "img", "-u", "x", NULL };
	ind = parse(4, b2, tr, sizeof(tr), &err);
	CHECK_STR(tr, "4=x;");
	CHECK(ind == 3 && !strcmp(b2[3], "img"));

	/* Errors: errno text appended only when asked; prefixes stack. */
	cb_err e;
	CHECK(cb_fail_errno(&e, ENOENT, "open %s", "/x") == -ENOENT);
	CHECK_STR(e.msg, "open /x: No such file or directory");
	CHECK(cb_err_prefix(&e, "pull %s", "alpine") == -ENOENT);
	CHECK_STR(e.msg, "pull alpine: open /x: No such file or directory");
	CHECK(cb_fail(&e, 0, "digest mismatch") == -EINVAL);
	CHECK_STR(e.msg, "digest mismatch");
	return unit_end();
}
