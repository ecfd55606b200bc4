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

static int usage(FILE *f, int status)
{
	char text[4096];
	int n = snprintf(text, sizeof(text), "cbox %s: rootless OCI containers in one static binary\n\n"
		   "Usage: cbox [--log-level=LEVEL] APPLET [ARGS...]\n"
		   "   or: APPLET [ARGS...]          (through a symlink named after the applet)\n"
		   "   or: cbox container|image COMMAND [ARGS...]   (podman's groups: container ls, image rm, ...)\n"
		   "   or: cbox help [APPLET] | --list | --install DIR | --help\n\n"
		   "Applets:",
		CB_VERSION);
	for (size_t i = 0; i < CB_ARRAY_SIZE(applets) && n > 0 && (size_t)n < sizeof(text); i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "%s%s", i % 8 ? " " : "\n\t", applets[i].name);
	if (n > 0 && (size_t)n < sizeof(text))
		snprintf(text + n, sizeof(text) - (size_t)n, "\n\nRun 'cbox APPLET --help' for an applet's options.\n");
	cb_print_usage(f, text);
	return status;
}

int cb_opt_report(int r, int hint, const cb_err *e)
{
	if (r == CB_OPT_HELP) {
		cb_print_usage(stdout, cb_applet_current->usage);
		return 0;
	}
	fprintf(stderr, "Error: %s\n", e->msg);
	if (hint)
		fprintf(stderr, "See '%s %s --help'\n", cb_prog, cb_applet_current->name);
	return CB_EXIT_FAIL;
}

int cb_getopt(struct cb_opt_state *st, const struct cb_option *opts)
{
	cb_err e;
	int r = cb_opt_next(st, opts, &e);
	if (r == CB_OPT_HELP || r < 0)
		exit(cb_opt_report(r, 1, &e));
	return r;
}

static int run_applet(const struct cb_applet *a, int argc, char **argv)
{
	cb_applet_current = a;
	return a->main(argc, argv);
}

/* podman's command groups: "container ls", "image rm", ... as the applets (a command
 * named as an applet is that applet: "container stop", "image pull"). */
static const struct {
	const char *group, *cmd, *applet, *flag;
} aliases[] = {
	{ "container", "ls", "ps", NULL },
	{ "container", "list", "ps", NULL },
	{ "container", "inspect", "inspect", "--type=container" },
	{ "container", "exists", "inspect", "--exists=container" },
	{ "container", "prune", "rm", "--prune" },
	{ "image", "ls", "images", NULL },
	{ "image", "list", "images", NULL },
	{ "image", "rm", "rmi", NULL },
	{ "image", "inspect", "inspect", "--type=image" },
	{ "image", "exists", "inspect", "--exists=image" },
	{ "image", "prune", "rmi", "--prune" },
};

static int is_group(const char *name)
{
	return !strcmp(name, "container") || !strcmp(name, "image");
}

/* argv[0] is a group, argv[1] its command: run the applet it stands for. */
static int run_group(int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "Error: missing command '%s COMMAND'\nTry '%s --help' for more information\n", argv[0],
			cb_prog);
		return CB_EXIT_FAIL;
	}
	const char *name = argv[1], *flag = NULL;
	for (size_t i = 0; i < CB_ARRAY_SIZE(aliases); i++)
		if (!strcmp(aliases[i].group, argv[0]) && !strcmp(aliases[i].cmd, argv[1])) {
			name = aliases[i].applet;
			flag = aliases[i].flag;
		}
	const struct cb_applet *a = find_applet(name);
	if (!a || is_group(name)) {
		fprintf(stderr, "Error: unrecognized command `%s %s %s`\nTry '%s --help' for more information\n",
			cb_prog, argv[0], argv[1], cb_prog);
		return CB_EXIT_FAIL;
	}
	/* the applet sees: NAME [FLAG] ARGS... */
	char **av = calloc((size_t)argc + 2, sizeof(*av));
	if (!av)
		return CB_EXIT_FAIL;
	int n = 0;
	av[n++] = argv[1];
	if (flag)
		av[n++] = (char *)flag;
	for (int i = 2; i < argc; i++)
		av[n++] = argv[i];
	return run_applet(a, n, av);
}

/* "help [APPLET]": the usage text, as --help prints it. */
static int help(int argc, char **argv)
{
	const struct cb_applet *a = argc > 1 ? find_applet(argv[1]) : NULL;
	if (argc > 1 && !a && !is_group(argv[1])) {
		fprintf(stderr, "Error: unrecognized command `%s %s`\nTry '%s --help' for more information\n", cb_prog,
			argv[1], cb_prog);
		return CB_EXIT_FAIL;
	}
	if (!a)
		return usage(stdout, 0);
	cb_print_usage(stdout, a->usage);
	return 0;
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
		return run_applet(a, argc, argv);
	}
	drop_privilege_unless(argc > 1 ? find_applet(argv[1]) : NULL);
	cb_paths_init();

	static const struct cb_option opts[] = {
		{ "list", 0, CB_OPT_NONE, 'l' },
		{ "install", 0, CB_OPT_ARG, 'i' },
		{ "version", 0, CB_OPT_NONE, 'v' },
		{ 0 },
	};
	struct cb_opt_state st;
	cb_err e;
	int r;
	cb_opt_init_cmd(&st, argc, argv);
	while ((r = cb_opt_next(&st, opts, &e)) != 0) {
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
	if (st.ind >= argc)
		return usage(stderr, CB_EXIT_FAIL);
	const struct cb_applet *a = find_applet(argv[st.ind]);
	/* Privilege was decided on argv[1]; an applet named later never keeps it. */
	if (st.ind != 1 || !a)
		drop_privilege_unless(NULL);
	if (!a && is_group(argv[st.ind]))
		return run_group(argc - st.ind, argv + st.ind);
	if (!a && !strcmp(argv[st.ind], "help"))
		return help(argc - st.ind, argv + st.ind);
	if (!a) {
		/* podman parses the flags first: "bad --invalid" is about the flag */
		for (int i = st.ind + 1; i < argc && strcmp(argv[i], "--"); i++)
			if (argv[i][0] == '-' && argv[i][1] && !cb_opt_is_global(argv[i])) {
				if (argv[i][1] == '-')
					fprintf(stderr, "Error: unknown flag: %.*s\n", (int)strcspn(argv[i], "="), argv[i]);
				else
					fprintf(stderr, "Error: unknown shorthand flag: '%c' in -%c\n", argv[i][1], argv[i][1]);
				fprintf(stderr, "See '%s --help'\n", cb_prog);
				return CB_EXIT_FAIL;
			}
		fprintf(stderr, "Error: unrecognized command `%s %s`\nTry '%s --help' for more information\n", cb_prog,
			argv[st.ind], cb_prog);
		return CB_EXIT_FAIL;
	}
	return run_applet(a, argc - st.ind, argv + st.ind);
}
