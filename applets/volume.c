//config:config APPLET_VOLUME
//config:	bool "volume: named volumes"
//config:	default y
//applet:CB_APPLET(volume, volume_main, CB_NOSUID)
//cmd:CB_CMD("volume", "", 0, 0, "[command]", "Manage volumes")
//cmd:CB_CMD("volume create", "", 0, 1, "[NAME]", "Create a volume")
//cmd:CB_CMD("volume exists", "", 1, 1, "VOLUME", "Check that a volume exists")
//cmd:CB_CMD("volume export", "", 1, 1, "VOLUME", "Export a volume's files as a tar archive")
//cmd:CB_CMD("volume import", "", 2, 2, "VOLUME SOURCE", "Import a tar archive's files into a volume")
//cmd:CB_CMD("volume inspect", "", 0, -1, "VOLUME [VOLUME...]", "Show volumes as JSON")
//cmd:CB_CMD("volume ls", "", 0, 0, "", "List volumes")
//cmd:CB_CMD("volume mount", "", 1, -1, "VOLUME [VOLUME...]", "Print where a volume's files are")
//cmd:CB_CMD("volume prune", "", 0, 0, "", "Remove every volume no container uses")
//cmd:CB_CMD("volume rm", "", 0, -1, "VOLUME [VOLUME...]", "Remove volumes")
//cmd:CB_CMD("volume unmount", "", 1, -1, "VOLUME [VOLUME...]", "Unmount a volume (a local volume stays where it is)")
//usage:Volumes live in ROOT/volumes/NAME/_data (made in the storage's user namespace).
//usage:
//usage:  create [NAME]            make a volume (no NAME: a random one); prints its name.
//usage:                           --label/-l KEY[=VALUE], --opt/-o type=bind,device=DIR |
//usage:                           type=tmpfs[,o=size=...] | uid=N | gid=N | nocopy,
//usage:                           --driver local, --ignore (an existing one is no error)
//usage:  ls|list [-q] [-n|--noheading] [--filter name=REGEX|label=K[=V]|driver=local]
//usage:          [--format json|TEMPLATE]
//usage:  inspect [--format json|TEMPLATE] NAME...|--all   their details
//usage:  rm [-f] [-t N] NAME...|--all   remove them (-f: a missing one is no error, and the
//usage:                           containers using one are removed first); a volume a
//usage:                           container uses stays otherwise (exit 2)
//usage:  prune [-f] [--filter label=K[=V]]   remove every volume no container uses (asks
//usage:                           first without -f)
//usage:  exists NAME              exit 0 when it exists, else 1
//usage:  export [-o FILE] NAME    its files as a tar archive (on stdout unless -o)
//usage:  import NAME FILE|-       a tar archive's files (gzip/zstd too) into it
//usage:  mount NAME / unmount NAME   print its directory (rootless: inside `cbox unshare`)
/* volume.c - cbox volume */
#include <fcntl.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "decompress.h"
#include "format.h"
#include "idmap.h"
#include "json.h"
#include "tarw.h"
#include "unpack.h"
#include "volume.h"

static struct cb_store s;

static void open_store(void)
{
	cb_err e;
	if (cb_userns_enter(&e) < 0 || cb_store_open(&s, cb_opt_root, &e) < 0)
		cb_die(&e);
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("Error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return CB_EXIT_FAIL;
}

/* "K=V" into obj (a bare "K" is K=""). */
static void add_kv(cJSON *obj, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char *k = strndup(kv, eq ? (size_t)(eq - kv) : strlen(kv));
	if (k) {
		cJSON_DeleteItemFromObject(obj, k);
		cJSON_AddStringToObject(obj, k, eq ? eq + 1 : "");
	}
	free(k);
}

/* podman's volume filters: name=REGEX, label=K[=V], driver=NAME, dangling=BOOL. */
struct filter {
	const char *key, *val;
};
static int check_filters(const struct filter *f, int n)
{
	static const char *const keys[] = { "name", "label", "driver", "dangling" };
	for (int i = 0; i < n; i++) {
		size_t k;
		for (k = 0; k < CB_ARRAY_SIZE(keys) && strcmp(f[i].key, keys[k]); k++)
			;
		if (k == CB_ARRAY_SIZE(keys))
			return fail("\"%s\" is an invalid volume filter", f[i].key);
	}
	return 0;
}

static int matches(const cJSON *j, const struct filter *f, int n)
{
	for (int i = 0; i < n; i++) {
		const char *v = f[i].val;
		int ok = 1;
		if (!strcmp(f[i].key, "name")) {
			regex_t re;
			ok = regcomp(&re, v, REG_EXTENDED | REG_NOSUB) == 0;
			if (ok) {
				ok = regexec(&re, cJSON_GetStringValue(cJSON_GetObjectItem(j, "Name")) ?: "", 0, NULL, 0) == 0;
				regfree(&re);
			}
		} else if (!strcmp(f[i].key, "label")) {
			size_t kl = strcspn(v, "=");
			char k[256];
			snprintf(k, sizeof(k), "%.*s", (int)kl, v);
			const char *have = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "Labels"), k));
			ok = have && (!v[kl] || !strcmp(have, v + kl + 1));
		} else if (!strcmp(f[i].key, "driver")) {
			ok = !strcmp(v, "local");
		} else if (!strcmp(f[i].key, "dangling")) {
			char id[65];
			ok = cb_volume_user(&s, cJSON_GetStringValue(cJSON_GetObjectItem(j, "Name")) ?: "", id) ==
			     (strcmp(v, "true") != 0);
		}
		if (!ok)
			return 0;
	}
	return 1;
}

/* Every volume's volume.json that passes the filters. */
static cJSON *all_volumes(const struct filter *f, int nf)
{
	char **names;
	int n;
	cb_err e;
	if (cb_volume_names(&s, &names, &n, &e) < 0)
		cb_die(&e);
	cJSON *all = cJSON_CreateArray();
	for (int i = 0; i < n; i++) {
		cJSON *j = cb_volume_inspect(&s, names[i], &e);
		if (j && matches(j, f, nf))
			cJSON_AddItemToArray(all, j);
		else
			cJSON_Delete(j);
		free(names[i]);
	}
	free(names);
	return all;
}

static int print(cJSON *items, const char *format, int noheading)
{
	struct cb_format_opts fo = { .noheading = noheading, .heads = NULL };
	cb_err e;
	int r = 0;
	if (!format) {
		const cJSON *j;
		if (!noheading)
			printf("DRIVER      VOLUME NAME\n");
		cJSON_ArrayForEach(j, items)
			printf("local       %s\n", cJSON_GetStringValue(cJSON_GetObjectItem(j, "Name")));
	} else {
		r = cb_format_print(format, items, &fo, &e);
	}
	cJSON_Delete(items);
	return r < 0 ? fail("%s", e.msg) : 0;
}

static int remove_all(char **names, int n, int force)
{
	int status = 0;
	cb_err e;
	for (int i = 0; i < n; i++) {
		int r = cb_volume_rm(&s, names[i], &e);
		if (r == 0)
			printf("%s\n", names[i]);
		else if (!(r == -ENOENT && force)) {
			fprintf(stderr, "Error: %s\n", e.msg);
			status = r == -EBUSY ? 2 : status ? status : 1;
		}
	}
	return status;
}

/* rm --force: the containers using the volumes go first (`cbox rm -f -t N`, in a child:
 * rm enters the storage's user namespace itself). Before our own userns_enter. */
static void remove_users(char **names, int n, const char *timeout)
{
	extern int rm_main(int argc, char **argv);
	struct cb_store st;
	cb_err e;
	if (!CFG_APPLET_RM || cb_store_open(&st, cb_opt_root, &e) < 0)
		return;
	for (int i = 0; i < n; i++) {
		char id[65];
		for (int tries = 0; tries < 64 && cb_volume_user(&st, names[i], id); tries++) {
			char *argv[] = { "rm", "-f", "-t", (char *)timeout, id, NULL };
			pid_t pid = fork();
			if (pid == 0) {
				freopen("/dev/null", "w", stdout);
				_exit(rm_main(5, argv));
			}
			int status;
			if (pid < 0 || waitpid(pid, &status, 0) < 0 || status)
				break;
		}
	}
}

static int export_volume(const char *name, const char *output)
{
	cb_err e;
	char d[320];
	snprintf(d, sizeof(d), "volumes/%s", name);
	if (!cb_volume_exists(&s, name))
		return fail("no such volume %s", name);
	if (!output && isatty(1))
		return fail("cannot write to terminal, use command-line redirection or the --output flag");
	int fd = output ? open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : 1;
	if (fd < 0)
		return fail("open %s: %s", output, strerror(errno));
	int dfd = openat(s.rootfd, d, O_PATH | O_DIRECTORY | O_CLOEXEC);
	static struct cb_tarw w;
	struct cb_tartree_opts to = { .name = "", .one_fs = 1 };
	cb_tarw_init(&w, fd);
	int r = dfd < 0 ? cb_fail_errno(&e, errno, "%s/%s", s.root, d) : cb_tartree(&w, dfd, "_data", &to, &e);
	if (r == 0)
		r = cb_tarw_finish(&w, &e);
	if (r < 0)
		cb_die(&e);
	return 0;
}

static int import_volume(const char *name, const char *file)
{
	cb_err e;
	char d[320];
	snprintf(d, sizeof(d), "volumes/%s/_data", name);
	if (!cb_volume_exists(&s, name))
		return fail("no such volume %s", name);
	int fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0)
		return fail("open %s: %s", file, errno == ENOENT ? "no such file or directory" : strerror(errno));
	int dfd = openat(s.rootfd, d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct cb_reader in = cb_fd_reader(&fd), tar;
	struct cb_decompressor *dz = NULL;
	struct cb_unpack_opts uo = { .whiteouts = CB_WH_NONE, .rootless = cb_in_userns() };
	int r = dfd < 0 ? cb_fail_errno(&e, errno, "%s/%s", s.root, d) : cb_decompress_open(&in, CB_COMP_AUTO, &tar, &dz, &e);
	if (r == 0)
		r = cb_unpack_tar(&tar, dfd, name, &uo, NULL, &e);
	cb_decompress_free(dz);
	if (r < 0)
		cb_die(&e);
	return 0;
}

int volume_main(int argc, char **argv)
{
	enum { O_QUIET = 1, O_FORMAT, O_FORCE, O_ALL, O_NOHEAD, O_FILTER, O_LABEL, O_OPT, O_DRIVER, O_IGNORE, O_TIME,
	       O_OUTPUT };
	static const struct cb_option opts[] = {
		{ "quiet", 'q', CB_OPT_NONE, O_QUIET }, { "format", 0, CB_OPT_ARG, O_FORMAT },
		{ "force", 'f', CB_OPT_NONE, O_FORCE }, { "all", 'a', CB_OPT_NONE, O_ALL },
		{ "noheading", 'n', CB_OPT_NONE, O_NOHEAD }, { "filter", 0, CB_OPT_ARG, O_FILTER },
		{ "label", 'l', CB_OPT_ARG, O_LABEL }, { "opt", 'o', CB_OPT_ARG, O_OPT },
		{ "driver", 0, CB_OPT_ARG, O_DRIVER }, { "ignore", 0, CB_OPT_NONE, O_IGNORE },
		{ "time", 't', CB_OPT_ARG, O_TIME }, { "output", 0, CB_OPT_ARG, O_OUTPUT },
		{ 0 },
	};
	/* ls's and prune's -f is --filter, inspect's --format; export's -o is --output */
	static const struct cb_option ls_opts[] = { { "filter", 'f', CB_OPT_ARG, O_FILTER }, { 0 } };
	static const struct cb_option inspect_opts[] = { { "format", 'f', CB_OPT_ARG, O_FORMAT }, { 0 } };
	static const struct cb_option export_opts[] = { { "output", 'o', CB_OPT_ARG, O_OUTPUT }, { 0 } };
	const char *cmd = argc > 1 ? argv[1] : "";
	if (!strcmp(cmd, "list"))
		cmd = "ls";
	if (!strcmp(cmd, "remove"))
		cmd = "rm";
	struct cb_option table[CB_ARRAY_SIZE(opts) + 1];
	const struct cb_option *extra = !strcmp(cmd, "ls") ? ls_opts : !strcmp(cmd, "inspect") ? inspect_opts
				      : !strcmp(cmd, "export") ? export_opts : NULL;
	int nt = 0;
	if (extra)
		table[nt++] = extra[0];
	for (size_t i = 0; i < CB_ARRAY_SIZE(opts); i++)
		if (!extra || opts[i].id != extra[0].id)
			table[nt++] = opts[i];
	if (extra) /* the long name stays; the short one is this command's */
		for (int i = 1; i < nt; i++)
			if (table[i].short_name == extra[0].short_name)
				table[i].short_name = 0;
	struct cb_opt_state st;
	int quiet = 0, force = 0, all = 0, noheading = 0, ignore = 0, nf = 0, c;
	const char *format = NULL, *timeout = "10", *output = NULL;
	struct filter filters[16];
	cJSON *labels = cJSON_CreateObject(), *options = cJSON_CreateObject();
	cb_err e;
	cb_opt_init(&st, argc - 1, argv + 1);
	while ((c = cb_getopt(&st, table))) {
		quiet |= c == O_QUIET;
		force |= c == O_FORCE;
		all |= c == O_ALL;
		noheading |= c == O_NOHEAD;
		ignore |= c == O_IGNORE;
		if (c == O_FORMAT)
			format = st.arg;
		else if (c == O_TIME)
			timeout = st.arg;
		else if (c == O_OUTPUT)
			output = st.arg;
		else if (c == O_LABEL)
			add_kv(labels, st.arg);
		else if (c == O_OPT)
			add_kv(options, st.arg);
		else if (c == O_DRIVER && strcmp(st.arg, "local"))
			return fail("volume plugin %s not found: no such volume plugin (cbox has the local driver only)",
				    st.arg);
		else if (c == O_FILTER && nf < (int)CB_ARRAY_SIZE(filters)) {
			char *eq = strchr(st.arg, '=');
			if (!eq)
				return fail("invalid filter \"%s\"", st.arg);
			*eq = '\0';
			filters[nf++] = (struct filter){ st.arg, eq + 1 };
		}
	}
	if (check_filters(filters, nf))
		return CB_EXIT_FAIL;
	char **ops = argv + 1 + st.ind;
	int nops = argc - 1 - st.ind;
	if (!strcmp(cmd, "create") && nops <= 1) {
		char name[65];
		open_store();
		int r = cb_volume_create(&s, nops ? ops[0] : NULL, labels, options, name, &e);
		if (r < 0 && !(r == -EEXIST && ignore))
			cb_die(&e);
		printf("%s\n", r < 0 ? ops[0] : name);
		return 0;
	}
	if (!strcmp(cmd, "ls") && !nops) {
		open_store();
		cJSON *items = all_volumes(filters, nf);
		return print(items, quiet ? "{{.Name}}" : format, noheading);
	}
	if (!strcmp(cmd, "inspect") && (nops ? !all : all)) {
		open_store();
		cJSON *items = all ? all_volumes(NULL, 0) : cJSON_CreateArray();
		for (int i = 0; i < nops; i++) {
			cJSON *j = cb_volume_inspect(&s, ops[i], &e);
			if (!j)
				cb_die(&e);
			cJSON_AddItemToArray(items, j);
		}
		return print(items, format ? format : "json", 1);
	}
	if (!strcmp(cmd, "rm") && (nops ? !all : all)) {
		char **names = ops;
		int n = nops;
		if (force && nops)
			remove_users(ops, nops, timeout);
		open_store();
		if (all && cb_volume_names(&s, &names, &n, &e) < 0)
			cb_die(&e);
		return remove_all(names, n, force);
	}
	if (!strcmp(cmd, "prune") && !nops) {
		char id[65], answer[16] = "";
		int k = 0;
		open_store();
		cJSON *items = all_volumes(filters, nf), *j;
		char **names = calloc((size_t)cJSON_GetArraySize(items) + 1, sizeof(char *));
		cJSON_ArrayForEach(j, items) {
			char *name = cJSON_GetStringValue(cJSON_GetObjectItem(j, "Name"));
			if (names && !cb_volume_user(&s, name, id))
				names[k++] = name;
		}
		if (!force) { /* podman's question */
			printf("WARNING! This will remove all volumes not used by at least one container. The following "
			       "volumes will be removed:\n");
			for (int i = 0; i < k; i++)
				printf("%s\n", names[i]);
			if (!k) {
				printf("No dangling volumes found\n");
				return 0;
			}
			printf("Are you sure you want to continue? [y/N] ");
			fflush(stdout);
			if (!fgets(answer, sizeof(answer), stdin) || (answer[0] != 'y' && answer[0] != 'Y'))
				return 0;
		}
		return remove_all(names, k, 1);
	}
	if (!strcmp(cmd, "exists") && nops == 1) {
		open_store();
		return cb_volume_exists(&s, ops[0]) ? 0 : 1;
	}
	if (!strcmp(cmd, "export") && nops == 1) {
		open_store();
		return export_volume(ops[0], output);
	}
	if (!strcmp(cmd, "import") && nops == 2) {
		open_store();
		return import_volume(ops[0], ops[1]);
	}
	if ((!strcmp(cmd, "mount") || !strcmp(cmd, "unmount") || !strcmp(cmd, "umount")) && nops >= 1) {
		if (getuid() != 0 && !cb_in_userns()) /* podman's words */
			return fail("cannot run command \"%s volume %s\" in rootless mode, must execute `%s unshare` "
				    "first", cb_prog, cmd, cb_prog);
		open_store();
		for (int i = 0; i < nops; i++) {
			if (!cb_volume_exists(&s, ops[i]))
				return fail("no volume with name \"%s\" found: no such volume", ops[i]);
			if (cmd[1] == 'o') /* a local volume's files are always there */
				printf("%s/volumes/%s/_data\n", s.root, ops[i]);
		}
		return 0;
	}
	if (!strcmp(cmd, "rm")) /* podman's words for neither or both */
		fprintf(stderr, "Error: choose either one or more volumes or all\n");
	else if (!strcmp(cmd, "inspect"))
		fprintf(stderr, "Error: provide one or more volume names or use --all\n");
	else
		fprintf(stderr, "Error: bad use of %s: see '%s volume --help'\n", cmd, cb_prog);
	return CB_EXIT_FAIL;
}
