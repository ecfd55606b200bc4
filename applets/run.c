//config:config APPLET_RUN
//config:	bool "run: run a command in a new container"
//config:	default y
//applet:CB_APPLET(run, run_main, CB_NOSUID)
//usage:Usage: cbox run [OPTIONS] IMAGE [COMMAND [ARG...]]
//usage:       cbox run [OPTIONS] --rootfs DIR[:O] COMMAND [ARG...]
//usage:
//usage:Run a command in a new container made from IMAGE: overlay (or vfs) rootfs, new
//usage:user (when not root), mount, pid, uts, ipc and cgroup namespaces, podman's
//usage:default capabilities, no_new_privs. The exit status is the command's (128+n for
//usage:a signal; 125 cbox failed, 126 not executable, 127 not found).
//usage:
//usage:      --name NAME              name the container (default cbox_ID)
//usage:      --hostname NAME          the container's hostname (default: ID prefix)
//usage:      --rm                     remove the container when it exits
//usage:  -d, --detach                 run in the background, print the container's id
//usage:                               (its output, with -t the pty's, is in 'cbox logs')
//usage:      --log-driver DRIVER      k8s-file (default): stdout and stderr, foreground or
//usage:                               not, also go to the container's log ('cbox logs'),
//usage:                               in podman's k8s-file format; none: no log;
//usage:                               passthrough: no log, the output is not copied
//usage:  -i, --interactive            keep stdin (with -t: forwarded to the pty)
//usage:  -t, --tty                    a pty from the container's devpts on 0-2; with -i
//usage:                               and a terminal: raw mode, window size follows
//usage:  -e, --env K=V | K            set a variable (K alone: from this environment)
//usage:  -w, --workdir DIR            working directory inside
//usage:  -u, --user USER[:GROUP]      names or numbers, as the container's /etc knows them
//usage:      --entrypoint CMD         replace the image's entrypoint (a word or JSON array)
//usage:  -v, --volume HOST:CTR[:ro]   bind mount a host path (options ro, rw, z, Z)
//usage:      --read-only              read-only rootfs (tmpfs on /tmp, /var/tmp, /run)
//usage:      --rootfs                 the first argument is a directory holding a root
//usage:                               filesystem, run as it is (changes land in it); DIR:O
//usage:                               puts an overlay on it (changes stay with the container)
//usage:      --tmpfs PATH[:OPTS]      a tmpfs on PATH (default rw,noexec,nosuid,nodev; size=,
//usage:                               mode=, uid=, gid=, nr_inodes=, ro, exec, suid, dev...)
//usage:      --env-file FILE          KEY=VALUE lines ('#' comments; KEY alone: from this
//usage:                               environment); -e wins
//usage:      --cap-add CAP, --cap-drop CAP   change the default capabilities (ALL; a non-root
//usage:                               user gets the added ones)
//usage:      --privileged             every capability, no masked or read-only /proc and /sys
//usage:                               paths, /sys writable, no no_new_privs
//usage:      --security-opt seccomp=unconfined|FILE  no seccomp filter, or an OCI/Docker
//usage:                               JSON profile instead of podman's default (which
//usage:                               --privileged drops); no-new-privileges (always on),
//usage:                               label=disable, apparmor=unconfined (cbox uses no LSM)
//usage:      --init                   a built-in pid 1 that forwards signals and reaps zombies
//usage:      --network MODE           slirp[:mtu=N,allow_host_loopback=true,enable_ipv6=false]
//usage:                               (default when rootless or with -p): own network namespace,
//usage:                               user-mode NAT, 10.0.2.100, DNS 10.0.2.3; host (root's
//usage:                               default): the host's network; none: loopback only;
//usage:                               container:NAME: share that running container's
//usage:                               network (and its /etc/hosts, resolv.conf)
//usage:  -p, --publish [IP:]HOST:CTR[/udp]  publish a port or range (slirp only)
//usage:      --dns IP                 the resolver (with slirp: what 10.0.2.3 forwards to)
//usage:      --add-host NAME:IP       add a line to /etc/hosts
//usage:      --pull missing|always|never   when to pull IMAGE (default missing)
//usage:  -q, --quiet                  no pull progress (errors still print)
//usage:      --root-emulation auto|on|off  chown, setuid, setgroups, capset and device
//usage:                               mknod succeed without effect (a seccomp filter; the
//usage:                               owners asked for kept in user.rootlesscontainers);
//usage:                               auto (default): on in the single id mapping
//usage:      --userns keep-id         your uid/gid are the same numbers inside (rootless: a
//usage:                               nested user namespace; runs as you unless -u)
//usage:      --tls-verify=false, --cert-dir DIR, --creds USER[:PASS], --platform OS/ARCH
//usage:                               for the pull, as in 'cbox pull'
/* run.c - cbox run */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "binfmt.h"
#include "container.h"
#include "ctrlog.h"
#include "emul.h"
#include "idmap.h"
#include "image.h"
#include "paths.h"
#include "pull.h"

static void __attribute__((noreturn)) usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "Error: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nSee 'cbox run --help'.\n");
	exit(CB_EXIT_FAIL);
}

static void parse_volume(const char *spec, struct cb_volume *v)
{
	char *s = strdup(spec), *opts;
	if (!s)
		usage_error("out of memory%s", "");
	v->src = s;
	char *dst = strchr(s, ':');
	if (!dst)
		usage_error("--volume '%s': want HOST:CONTAINER[:OPTIONS]", spec);
	*dst++ = '\0';
	if ((opts = strchr(dst, ':')))
		*opts++ = '\0';
	v->dst = dst;
	if (s[0] != '/')
		usage_error("--volume '%s': the host path must be absolute (named volumes are not supported yet)", spec);
	if (dst[0] != '/')
		usage_error("--volume '%s': the container path must be absolute", spec);
	for (char *o = opts ? strtok(opts, ",") : NULL; o; o = strtok(NULL, ",")) {
		if (!strcmp(o, "ro"))
			v->ro = 1;
		else if (!strcmp(o, "rw"))
			v->ro = 0;
		else if (strcmp(o, "z") && strcmp(o, "Z"))
			usage_error("--volume: unknown option '%s' (ro, rw, z, Z)", o);
	}
}

/* --cap-add/--cap-drop NAME[,NAME...]: each name checked now. */
static void add_caps(const char ***v, int *n, const char *arg, const char *opt)
{
	char *s = strdup(arg);
	for (char *c = s ? strtok(s, ",") : NULL; c; c = strtok(NULL, ",")) {
		if (cb_cap_number(c) < 0) {
			fprintf(stderr, "Error: %s %s: unknown capability\n", opt, c);
			exit(CB_EXIT_FAIL);
		}
		const char **nv = realloc(*v, (size_t)(*n + 1) * sizeof(*nv));
		if (!nv)
			usage_error("out of memory%s", "");
		*v = nv;
		nv[(*n)++] = c;
	}
}

/* The image entry is for platform p (os and arch; the variant when both give one). */
static int platform_is(const cJSON *img, const struct cb_platform *p)
{
	struct cb_platform got;
	cb_err ignore;
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(img, "platform"));
	return !s || (cb_platform_parse(s, &got, &ignore) == 0 && cb_platform_matches(p, &got));
}

int run_main(int argc, char **argv)
{
	enum { O_NAME = 1, O_HOST, O_RM, O_ENV, O_WORKDIR, O_USER, O_ENTRY, O_VOLUME, O_RO, O_NET, O_PULL,
	       O_INTERACTIVE, O_TTY, O_DETACH, O_PUBLISH, O_DNS, O_ADDHOST, O_CAPADD, O_CAPDROP, O_PRIV, O_TMPFS,
	       O_ENVFILE, O_INIT, O_EMUL, O_SECOPT, O_ROOTFS, O_LOGDRIVER,
	       O_USERNS, O_QUIET };
	static const struct cb_option opts[] = {
		{ "name", 0, CB_OPT_ARG, O_NAME },
		{ "hostname", 0, CB_OPT_ARG, O_HOST },
		{ "rm", 0, CB_OPT_BOOL, O_RM },
		{ "env", 'e', CB_OPT_ARG, O_ENV },
		{ "workdir", 'w', CB_OPT_ARG, O_WORKDIR },
		{ "user", 'u', CB_OPT_ARG, O_USER },
		{ "entrypoint", 0, CB_OPT_ARG, O_ENTRY },
		{ "volume", 'v', CB_OPT_ARG, O_VOLUME },
		{ "read-only", 0, CB_OPT_BOOL, O_RO },
		{ "network", 0, CB_OPT_ARG, O_NET },
		{ "net", 0, CB_OPT_ARG, O_NET },
		{ "publish", 'p', CB_OPT_ARG, O_PUBLISH },
		{ "dns", 0, CB_OPT_ARG, O_DNS },
		{ "add-host", 0, CB_OPT_ARG, O_ADDHOST },
		{ "pull", 0, CB_OPT_ARG, O_PULL },
		{ "quiet", 'q', CB_OPT_BOOL, O_QUIET },
		{ "cap-add", 0, CB_OPT_ARG, O_CAPADD },
		{ "cap-drop", 0, CB_OPT_ARG, O_CAPDROP },
		{ "privileged", 0, CB_OPT_BOOL, O_PRIV },
		{ "tmpfs", 0, CB_OPT_ARG, O_TMPFS },
		{ "env-file", 0, CB_OPT_ARG, O_ENVFILE },
		{ "init", 0, CB_OPT_BOOL, O_INIT },
		{ "root-emulation", 0, CB_OPT_ARG, O_EMUL },
		{ "security-opt", 0, CB_OPT_ARG, O_SECOPT },
		{ "userns", 0, CB_OPT_ARG, O_USERNS },
		CB_PULL_OPTIONS,
		{ "interactive", 'i', CB_OPT_BOOL, O_INTERACTIVE },
		{ "tty", 't', CB_OPT_BOOL, O_TTY },
		{ "detach", 'd', CB_OPT_BOOL, O_DETACH },
		{ "rootfs", 0, CB_OPT_BOOL, O_ROOTFS },
		{ "log-driver", 0, CB_OPT_ARG, O_LOGDRIVER },
		{ 0 },
	};
	struct cb_run_opts o = { 0 };
	struct cb_seccomp seccomp = { 0 };
	struct cb_pull_opts po;
	const char *pull = "missing";
	int platform_set = 0, rootfs = 0;
	const char **env = calloc((size_t)argc, sizeof(*env));
	struct cb_volume *vols = calloc((size_t)argc, sizeof(*vols));
	struct cb_tmpfs *tmpfs = calloc((size_t)argc, sizeof(*tmpfs));
	const char **env_files = calloc((size_t)argc, sizeof(*env_files));
	int nenv_files = 0;
	struct cb_opt_state st;
	struct cb_net net;
	cb_err e;
	int c;
	if (!env || !vols || !tmpfs || !env_files || cb_net_init(&net, argc, &e) < 0)
		usage_error("out of memory%s", "");
	o.net = &net;
	cb_pull_opts_default(&po);
	po.quiet = 0;
	cb_opt_init_cmd(&st, argc, argv);
	while ((c = cb_getopt(&st, opts))) {
		int yes = st.arg && !strcmp(st.arg, "true");
		switch (c) {
		case O_NAME:
			o.name = st.arg;
			break;
		case O_HOST:
			o.hostname = st.arg;
			break;
		case O_RM:
			o.rm = yes;
			break;
		case O_ENV:
			if (!*st.arg || *st.arg == '=') /* before any pull (checked again in proc.c) */
				usage_error("--env '%s': no variable name", st.arg);
			env[o.proc.nenv++] = st.arg;
			break;
		case O_WORKDIR:
			o.proc.workdir = st.arg;
			break;
		case O_USER:
			o.proc.user = st.arg;
			break;
		case O_ENTRY:
			o.proc.entrypoint = st.arg;
			break;
		case O_VOLUME:
			parse_volume(st.arg, &vols[o.nvols++]);
			break;
		case O_RO:
			o.readonly = yes;
			break;
		case O_NET:
			if (cb_net_parse(&net, st.arg, &e) < 0)
				usage_error("%s", e.msg);
			break;
		case O_PUBLISH:
			if (cb_net_publish(&net, st.arg, &e) < 0)
				usage_error("%s", e.msg);
			break;
		case O_DNS:
			if (cb_net_dns(&net, st.arg, &e) < 0)
				usage_error("%s", e.msg);
			break;
		case O_ADDHOST:
			if (cb_net_add_host(&net, st.arg, &e) < 0)
				usage_error("%s", e.msg);
			break;
		case O_PULL:
			if (strcmp(st.arg, "missing") && strcmp(st.arg, "always") && strcmp(st.arg, "never"))
				usage_error("--pull %s: want missing, always or never", st.arg);
			pull = st.arg;
			break;
		case O_CAPADD:
			add_caps(&o.proc.cap_add, &o.proc.ncap_add, st.arg, "--cap-add");
			break;
		case O_CAPDROP:
			add_caps(&o.proc.cap_drop, &o.proc.ncap_drop, st.arg, "--cap-drop");
			break;
		case O_PRIV:
			o.proc.privileged = yes;
			break;
		case O_TMPFS:
			if (cb_tmpfs_parse(st.arg, &tmpfs[o.ntmpfs++], &e) < 0)
				usage_error("%s", e.msg);
			break;
		case O_ENVFILE:
			env_files[nenv_files++] = st.arg;
			break;
		case O_INIT:
			o.init = yes;
			break;
		case O_QUIET:
			po.quiet = yes;
			break;
		case O_EMUL:
			if (cb_emul_parse(st.arg, &o.root_emul, &e) < 0)
				usage_error("%s", e.msg);
			break;
		case O_SECOPT:
			/* What every container but a privileged one has, and no LSM at all. */
			if (!strcmp(st.arg, "no-new-privileges") || !strcmp(st.arg, "no-new-privileges=true") ||
			    !strcmp(st.arg, "label=disable") || !strcmp(st.arg, "apparmor=unconfined"))
				break;
			if (strncmp(st.arg, "seccomp=", 8))
				usage_error("--security-opt %s: want seccomp=unconfined|FILE or no-new-privileges", st.arg);
			if (cb_seccomp_opt(&seccomp, st.arg + 8, &e) < 0)
				usage_error("%s", e.msg);
			o.proc.seccomp = &seccomp;
			break;
		case O_USERNS:
			if (strcmp(st.arg, "keep-id") && strcmp(st.arg, "host") && st.arg[0])
				usage_error("--userns %s: want keep-id (or host, the default)", st.arg);
			o.keep_id = !strcmp(st.arg, "keep-id");
			break;
		case O_INTERACTIVE:
			o.interactive = yes; /* without -t stdin is the container's already */
			break;
		case O_TTY:
			o.tty = yes;
			break;
		case O_DETACH:
			o.detach = yes;
			break;
		case O_ROOTFS:
			rootfs = yes;
			break;
		case O_LOGDRIVER:
			if (cb_log_driver_parse(st.arg, &o.log_driver, &e) < 0) {
				fprintf(stderr, "Error: %s\n", e.msg);
				return CB_EXIT_FAIL;
			}
			break;
		default:
			platform_set |= c == CB_PULL_O_PLATFORM;
			if (cb_pull_opt(&po, c, st.arg, &e) < 0)
				usage_error("%s", e.msg);
		}
	}
	if (o.name && !cb_container_name_ok(o.name)) {
		fprintf(stderr, "Error: --name '%s': names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument\n", o.name);
		return CB_EXIT_FAIL;
	}
	if (o.detach && o.log_driver == CB_LOG_PASSTHROUGH) {
		fprintf(stderr, "Error: passthrough logging driver is not supported in detached mode\n");
		return CB_EXIT_FAIL;
	}
	if (st.ind >= argc)
		usage_error(rootfs ? "--rootfs: name a directory%s" : "name an image%s", "");
	const char *image = argv[st.ind];
	char rootfs_dir[4096];
	if (rootfs) {
		if (st.ind + 1 >= argc)
			usage_error("--rootfs %s: name a command (a directory has no image config)", image);
		size_t n = strlen(image);
		o.rootfs_overlay = n > 2 && !strcmp(image + n - 2, ":O");
		snprintf(rootfs_dir, sizeof(rootfs_dir), "%.*s", (int)(n - 2 * o.rootfs_overlay), image);
		struct stat sb = { 0 };
		char *abs = realpath(rootfs_dir, NULL);
		if (!abs || stat(abs, &sb) < 0 || !S_ISDIR(sb.st_mode) || strlen(abs) >= 3000 || strchr(abs, ',') ||
		    strchr(abs, ':')) {
			fprintf(stderr, "Error: --rootfs %s: %s\n", rootfs_dir,
				!abs ? strerror(errno) : !S_ISDIR(sb.st_mode) ? "not a directory" :
				"a path with ',' or ':' (or this long) cannot be mounted");
			return CB_EXIT_FAIL;
		}
		snprintf(rootfs_dir, sizeof(rootfs_dir), "%s", abs);
		free(abs);
		if (!strcmp(rootfs_dir, "/"))
			usage_error("--rootfs %s: the host's own root cannot be pivoted into (bind it elsewhere first)",
				    rootfs_dir);
		o.rootfs_dir = rootfs_dir;
	}
	o.proc.cmd = argv + st.ind + 1;
	o.proc.ncmd = argc - st.ind - 1;
	o.proc.env = env;
	for (int i = 0; i < nenv_files; i++)
		if (cb_proc_env_file(&o.proc, env_files[i], &e) < 0) {
			fprintf(stderr, "Error: %s\n", e.msg);
			return CB_EXIT_FAIL;
		}
	o.vols = vols;
	o.tmpfs = tmpfs;
	o.driver = cb_opt_storage_driver;
	o.image_name = image;
	o.rootless = cb_rootless();
	/* keep-id: the caller's uid:gid inside too, unless -u says otherwise. */
	char keep_user[32];
	if (o.keep_id && o.rootless && !o.proc.user) {
		snprintf(keep_user, sizeof(keep_user), "%u:%u", (unsigned)cb_host_uid(), (unsigned)cb_host_gid());
		o.proc.user = keep_user;
	}
	if (cb_net_finish_opts(&net, o.rootless, &e) < 0)
		usage_error("%s", e.msg);

	/* The storage's user namespace (the privilege ladder): layers unpack and containers
	 * run in it. */
	struct cb_store s;
	struct cb_regconf rc;
	cJSON *index, *img = NULL;
	if ((net.mode == CB_NET_CONTAINER ? cb_net_join_peer(&net, &e) : cb_userns_enter(&e)) < 0 ||
	    cb_store_open(&s, cb_opt_root, &e) < 0 || cb_regconf_load(&rc, &e) < 0 ||
	    cb_store_index_load(&s, &index, &e) < 0)
		cb_die(&e);
	o.single_map = cb_idmap_current.mode == CB_IDMAP_SINGLE;
	if (rootfs)
		goto run;
	if (strcmp(pull, "always"))
		img = cb_image_lookup(index, image, &rc, NULL, 0, &e);
	if (img && platform_set && !platform_is(img, &po.platform))
		img = NULL; /* a local image of another platform: pull the one asked for */
	if (!img && !strcmp(pull, "never")) {
		fprintf(stderr, "Error: %s\n", e.msg);
		return CB_EXIT_FAIL;
	}
	if (!img) {
		char id[CB_DIGEST_LEN + 1];
		if (cb_pull(&s, image, &po, id, &e) < 0)
			cb_die(&e);
		cJSON_Delete(index);
		if (cb_store_index_load(&s, &index, &e) < 0)
			cb_die(&e);
		if (!(img = cb_index_find(index, id))) {
			fprintf(stderr, "Error: %s: pulled, but not in the index\n", image);
			return CB_EXIT_FAIL;
		}
	}
	/* A foreign-arch image needs a binfmt_misc handler: say so before anything starts. */
	if (cb_binfmt_check(image, cJSON_GetStringValue(cJSON_GetObjectItem(img, "platform")), &e) < 0) {
		fprintf(stderr, "Error: %s\n", e.msg);
		return CB_EXIT_FAIL;
	}
run:;
	int status;
	char id[65];
	o.id_out = id;
	if (cb_container_run(&s, img, &o, &status, &e) < 0)
		fprintf(stderr, "Error: %s\n", e.msg);
	else if (o.detach)
		printf("%s\n", id);
	cb_net_free(&net);
	return status;
}
