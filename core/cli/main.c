/* main.c - the multicall front door: privilege drop, applet dispatch, --list, --install,
 * --help. Applets come from the table build.sh generates from each applet's header. */
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "cbox.h"
#include "paths.h"

#define CB_APPLET(name, fn, flags) int fn(int argc, char **argv);
#include "applets.h"
#undef CB_APPLET

static const struct cb_applet applets[] = {
#define CB_APPLET(name, fn, flags) { #name, fn, flags, USAGE_##name },
#include "applets.h"
#undef CB_APPLET
};


int cb_applet_count(void) { return (int)CB_ARRAY_SIZE(applets); }
const char *cb_applet_name(int i) { return applets[i].name; }

static const struct cb_applet *find_applet(const char *name)
{
	for (size_t i = 0; i < CB_ARRAY_SIZE(applets); i++)
		if (strcmp(applets[i].name, name) == 0)
			return &applets[i];
	return NULL;
}

/* The runtime applet's name on disk: "cbox-runtime", as runc and crun are named (the
 * drivers call it by path). */
static const char *link_name(const char *applet)
{
	return strcmp(applet, "runtime") ? applet : "cbox-runtime";
}

/* cbox, cbox-aarch64, cbox.static: names of the multicall binary itself (but not
 * cbox-runtime, the runtime applet's). */
static int is_multicall_name(const char *base)
{
	if (!strcmp(base, link_name("runtime")))
		return 0;
	if (!strcmp(base, "podman"))
		return 1; /* a symlink podman -> cbox: the front door, named podman */
	return strncmp(base, "cbox", 4) == 0 && (base[4] == '\0' || base[4] == '-' || base[4] == '.');
}

static void __attribute__((noreturn)) die_msg(const char *msg)
{
	fprintf(stderr, "Error: %s\n", msg);
	exit(CB_EXIT_FAIL);
}

void cb_die(const cb_err *e)
{
	die_msg(e->msg);
}

/* Running setuid or with file capabilities: unless the applet is one of the few allowed
 * to keep privilege, become the caller again before any argument is looked at. */
static void drop_privilege_unless(const struct cb_applet *a)
{
	uid_t ruid = getuid(), euid = geteuid();
	gid_t rgid = getgid(), egid = getegid();
	int secure = getauxval(AT_SECURE) != 0;
	if (!secure && ruid == euid && rgid == egid)
		return;
	if (a && (a->flags & CB_SUID))
		return;
	if (setresgid(rgid, rgid, rgid) < 0 || setresuid(ruid, ruid, ruid) < 0)
		die_msg("cannot drop setuid privilege");
	/* File capabilities survive a same-uid setresuid: clear every set explicitly. */
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) < 0 && ruid != 0)
		die_msg("cannot drop file capabilities");
	if (geteuid() != ruid || getegid() != rgid)
		die_msg("privilege drop did not take");
	/* Nothing privileged is left: let the caller own /proc/self again (a setuid exec
	 * made it root's), as the user namespace code writes its maps there. */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

static int list_applets(void)
{
	for (size_t i = 0; i < CB_ARRAY_SIZE(applets); i++)
		printf("%s\n", applets[i].name);
	return 0;
}

/* --install DIR: a symlink per applet, pointing at this binary. */
static int install_links(const char *dir)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0) {
		perror("cbox: --install: cannot find this binary (/proc/self/exe)");
		return CB_EXIT_FAIL;
	}
	self[n] = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "cbox: --install: %s: %s\n", dir, strerror(errno));
		return CB_EXIT_FAIL;
	}
	int status = 0;
	for (size_t i = 0; i < CB_ARRAY_SIZE(applets); i++) {
		char path[PATH_MAX], tmp[PATH_MAX];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, link_name(applets[i].name));
		snprintf(tmp, sizeof(tmp), "%s/.%s.cbox-tmp", dir, link_name(applets[i].name));
		if (lstat(path, &st) == 0 && !S_ISLNK(st.st_mode)) {
			fprintf(stderr, "cbox: --install: %s exists and is not a symlink; left alone\n", path);
			status = CB_EXIT_FAIL;
			continue;
		}
		unlink(tmp);
		if (symlink(self, tmp) < 0 || rename(tmp, path) < 0) {
			fprintf(stderr, "cbox: --install: %s: %s\n", path, strerror(errno));
			unlink(tmp);
			return CB_EXIT_FAIL;
		}
	}
	return status;
}

static const struct cb_option main_opts[] = {
	{ "list", 0, CB_OPT_NONE, 'l' },
	{ "install", 0, CB_OPT_ARG, 'i' },
	{ "version", 'v', CB_OPT_NONE, 'v' },
	{ 0 },
};

/* The top's help, as podman's: the commands, the options; then cbox's own ways in. */
static int usage(FILE *f, int status)
{
	cb_help_group(f, "", main_opts);
	fprintf(f, "\nEvery applet (some are cbox's own): %s --list. 'NAME --help': one's usage.\n", cb_prog);
	return status;
}

int cb_opt_report(int r, int hint, const cb_err *e)
{
	if (r == CB_OPT_HELP) {
		cb_help(stdout, cb_opt_help);
		return 0;
	}
	fprintf(stderr, "Error: %s\n", e->msg);
	if (hint)
		fprintf(stderr, "See '%s %s --help'\n", cb_prog, cb_cmd_name());
	return CB_EXIT_FAIL;
}

int cb_getopt(struct cb_opt_state *st, const struct cb_option *opts)
{
	cb_err e;
	int r = cb_opt_next(st, opts, &e);
	if (r == CB_OPT_HELP || r < 0)
		exit(cb_opt_report(r, 1, &e));
	for (const struct cb_option *o = opts; r > 0 && o->id; o++) {
		st->latest |= o->id == r && o->name && !strcmp(o->name, "latest");
		st->all |= o->id == r && o->name && !strcmp(o->name, "all");
	}
	if (!r && st->latest && (st->all || st->argc > st->ind)) /* podman's, before the count */
		exit(cb_opt_report(-EINVAL, 1, (cb_fail(&e, EINVAL, "%s cannot be used together", st->all ?
				    "--all and --latest" : "--latest and containers"), &e)));
	if (!r && cb_cmd_check(st->argc - st->ind, &e) < 0)
		exit(cb_opt_report(-EINVAL, 0, &e));
	return r;
}

static int run_applet(const struct cb_applet *a, int argc, char **argv)
{
	cb_applet_current = a;
	return a->main(argc, argv);
}

static void unrecognized(const char *g, const char *cmd)
{
	fprintf(stderr, "Error: unrecognized command `%s %s%s%s`\nTry '%s%s%s --help' for more information\n", cb_prog,
		g, *g ? " " : "", cmd, cb_prog, *g ? " " : "", g);
}

/* argv[0] is a group (container, image; an applet's: volume, system): its help, podman's
 * errors, or the command argv[1] names, run by its applet (ga: the group's own). */
static int run_group(const struct cb_applet *ga, int argc, char **argv)
{
	static const struct cb_option none[] = { { 0 } };
	static char path[128];
	const char *g = argv[0];
	struct cb_opt_state st;
	cb_applet_current = ga;
	cb_cmd_current = cb_cmd_find(g);
	cb_cmd_path = g;
	cb_opt_init_cmd(&st, argc, argv);
	while (cb_getopt(&st, none)) /* --help: the group's; global flags; unknown ones: 125 */
		;
	if (st.ind >= argc) {
		cb_help_group(stdout, g, NULL);
		fflush(stdout); /* the usage, then the error, as podman's */
		fprintf(stderr, "Error: missing command '%s %s COMMAND'\n", cb_prog, g);
		return CB_EXIT_FAIL;
	}
	argv[st.ind - 1] = argv[0];
	argc -= st.ind - 1;
	argv += st.ind - 1;
	/* ls and list: one is the other's alias (cobra's), whichever the group has */
	const char *sub = argv[1], *other = !strcmp(sub, "ls") ? "list" : !strcmp(sub, "list") ? "ls" : sub;
	snprintf(path, sizeof(path), "%s %s", g, sub);
	if (!cb_cmd_in_group(g, sub) && !cb_cmd_alias(path))
		snprintf(path, sizeof(path), "%s %s", g, sub = other);
	const struct cb_cmd *c = cb_cmd_in_group(g, sub);
	const struct cb_alias *al = cb_cmd_alias(path);
	if (c || al)
		argv[1] = (char *)sub; /* the applet reads the command's own name */
	const struct cb_applet *a = NULL;
	if (al)
		a = find_applet(al->applet), c = cb_cmd_find(path) ? cb_cmd_find(path) : cb_cmd_find(al->applet);
	else if (c && strchr(c->name, ' '))
		a = ga; /* "volume create": the group's applet reads its command itself */
	else if (c)
		a = find_applet(c->name);
	else if (!ga && !cb_cmd_is_group(cb_cmd_find(argv[1]))) /* container ps, image pull: any applet */
		c = cb_cmd_find(argv[1]), a = find_applet(argv[1]);
	if (!a) {
		unrecognized(g, argv[1]);
		return CB_EXIT_FAIL;
	}
	cb_cmd_current = c;
	cb_cmd_path = path;
	if (a == ga)
		return run_applet(a, argc, argv);
	/* the applet sees: NAME [FLAG] ARGS... */
	char **av = calloc((size_t)argc + 2, sizeof(*av));
	if (!av)
		return CB_EXIT_FAIL;
	int n = 0;
	av[n++] = argv[1];
	if (al && al->flag)
		av[n++] = (char *)al->flag;
	for (int i = 2; i < argc; i++)
		av[n++] = argv[i];
	return run_applet(a, n, av);
}

static int dispatch(int argc, char **argv);

/* "help [COMMAND...]": the command's --help (podman's "help" alone: the top's). */
static int help(int argc, char **argv)
{
	if (argc < 2)
		return usage(stdout, 0);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		cb_help_group(stdout, "help", NULL);
		return 0;
	}
	char **av = calloc((size_t)argc + 1, sizeof(*av));
	if (!av)
		return CB_EXIT_FAIL;
	memcpy(av, argv + 1, (size_t)(argc - 1) * sizeof(*av));
	av[argc - 1] = "--help";
	return dispatch(argc, av);
}

/* argv[0] names the command. */
static int dispatch(int argc, char **argv)
{
	const struct cb_applet *a = find_applet(argv[0]);
	const struct cb_cmd *c = cb_cmd_find(argv[0]);
	if (!strcmp(argv[0], "help"))
		return help(argc, argv);
	if (cb_cmd_is_group(c))
		return run_group(a, argc, argv);
	if (!a) {
		/* podman parses the flags first: "bad --invalid" is about the flag */
		for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
			if (argv[i][0] == '-' && argv[i][1] && !cb_opt_is_global(argv[i])) {
				if (argv[i][1] == '-')
					fprintf(stderr, "Error: unknown flag: %.*s\n", (int)strcspn(argv[i], "="), argv[i]);
				else
					fprintf(stderr, "Error: unknown shorthand flag: '%c' in -%c\n", argv[i][1], argv[i][1]);
				fprintf(stderr, "See '%s --help'\n", cb_prog);
				return CB_EXIT_FAIL;
			}
		unrecognized("", argv[0]);
		return CB_EXIT_FAIL;
	}
	cb_cmd_current = c;
	cb_cmd_path = a->name;
	return run_applet(a, argc, argv);
}

int main(int argc, char **argv)
{
	cb_main_argv = argv;
	cb_main_argc = argc;
	const char *base = argv[0] ? strrchr(argv[0], '/') : NULL;
	base = base ? base + 1 : (argv[0] ? argv[0] : "cbox");

	if (!strcmp(base, "podman"))
		cb_prog = "podman";
	if (!is_multicall_name(base)) {
		const struct cb_applet *a = find_applet(strcmp(base, link_name("runtime")) ? base : "runtime");
		/* A copy or link of the runtime under a name of its own (podman's tests run
		 * one as /var/tmp/myruntimeXXXX): a name with "runtime" in it is the runtime. */
		if (!a && strstr(base, "runtime"))
			a = find_applet("runtime");
		drop_privilege_unless(a);
		cb_paths_init();
		if (!a) {
			fprintf(stderr, "cbox: unknown applet '%s'\n", base);
			return CB_EXIT_NOTFOUND;
		}
		cb_cmd_current = cb_cmd_find(a->name);
		return run_applet(a, argc, argv);
	}
	drop_privilege_unless(argc > 1 ? find_applet(argv[1]) : NULL);
	cb_paths_init();

	struct cb_opt_state st;
	cb_err e;
	int r;
	cb_opt_init_cmd(&st, argc, argv);
	while ((r = cb_opt_next(&st, main_opts, &e)) != 0) {
		switch (r) {
		case 'l':
			return list_applets();
		case 'i':
			return install_links(st.arg);
		case 'v':
			printf("cbox version %s\n", CB_VERSION);
			return 0;
		case CB_OPT_HELP:
			return usage(stdout, 0);
		default:
			fprintf(stderr, "Error: %s\nSee '%s --help'\n", e.msg, cb_prog);
			return CB_EXIT_FAIL;
		}
	}
	if (st.ind >= argc) {
		usage(stdout, 0);
		fflush(stdout);
		fprintf(stderr, "Error: missing command '%s COMMAND'\n", cb_prog);
		return CB_EXIT_FAIL;
	}
	/* Privilege was decided on argv[1]; an applet named later never keeps it. */
	if (st.ind != 1 || !find_applet(argv[st.ind]))
		drop_privilege_unless(NULL);
	return dispatch(argc - st.ind, argv + st.ind);
}
