/* bundle.c - the OCI runtime's lifecycle on the container core (oci.c, mount.c, proc.c). */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "bundle.h"
#include "cgroup.h"
#include "ctl.h"
#include "fdpass.h"
#include "hooks.h"
#include "json.h"
#include "ns.h"
#include "oci.h"
#include "sealexe.h"
#include "state.h"
#include "store.h"
#include "walk.h"

int cb_bundle_id_ok(const char *id)
{
	size_t n = strlen(id);
	if (!n || n > 128 || !((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= 'A' && id[0] <= 'Z') ||
			       (id[0] >= '0' && id[0] <= '9')))
		return 0;
	return strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-") == n;
}

static int dir_of(const char *root, const char *id, char *buf, size_t n, cb_err *e)
{
	if (!cb_bundle_id_ok(id))
		return cb_fail(e, EINVAL, "container id \"%s\": want [A-Za-z0-9][A-Za-z0-9_.+-]*", id);
	if ((size_t)snprintf(buf, n, "%s/%s", root, id) >= n)
		return cb_fail(e, ENAMETOOLONG, "--root %s: too long", root);
	return 0;
}

struct child {
	struct cb_oci *o;
	const char *id, *bundle;
	int go;    /* read end: the parent has written the id maps ('g'), run its hooks ('k') */
	int ready; /* write end: 'h' run your hooks; 'r' set up, now waiting at the fifo */
	int fifo;  /* exec.fifo, read-write: start writes the byte we wait for */
	int wait_maps, parent_hooks;
	int mnt;   /* linux.namespaces' mount namespace by path, opened by the runtime, or -1 */
	struct cb_term *term;
};

/* Hooks of kind run here, with the state the spec gives them (pid: ours, as runc's). */
static int child_hooks(struct child *c, const char *kind, const char *status, cb_err *e)
{
	if (!cJSON_GetArraySize(cJSON_GetObjectItem(c->o->hooks, kind)))
		return 0;
	cJSON *st = cb_hooks_state(c->id, status, (int)getpid(), c->bundle, c->o->annotations);
	int r = cb_hooks_run(c->o->hooks, kind, st, e);
	cJSON_Delete(st);
	return r;
}

/* Every mount made, the host's tree still there: the runtime's prestart and createRuntime
 * hooks (the parent runs them, in its namespaces), then createContainer (ours). */
static int before_root(void *arg, cb_err *e)
{
	struct child *c = arg;
	char b;
	if (c->parent_hooks) {
		if (write(c->ready, "h", 1) != 1)
			return cb_fail_errno(e, errno, "tell the runtime");
		if (read(c->go, &b, 1) != 1 || b != 'k')
			return cb_fail(e, ECANCELED, "the runtime's hooks failed");
	}
	return child_hooks(c, "createContainer", "creating", e);
}

static int sysctls(const cJSON *sc, cb_err *e)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, sc) {
		char path[512];
		const char *v = cJSON_GetStringValue(it);
		int n = snprintf(path, sizeof(path), "/proc/sys/%s", it->string);
		for (int i = 10; i < n; i++)
			path[i] = path[i] == '.' ? '/' : path[i];
		int fd CB_AUTOCLOSE = strstr(it->string, "..") ? -1 : open(path, O_WRONLY | O_CLOEXEC);
		if (!v || fd < 0 || write(fd, v, strlen(v)) < 0)
			return cb_fail_errno(e, v ? errno : EINVAL, "config.json: linux.sysctl %s", it->string);
	}
	return 0;
}

static int child_main(void *arg, cb_err *e)
{
	struct child *c = arg;
	struct cb_oci *o = c->o;
	char b;
	/* The idmapped mounts' trees (made by the runtime once our user namespace has its
	 * mapping), then the go-ahead. */
	for (int i = 0; c->wait_maps && i < o->m.nmounts; i++)
		if (o->mounts[i].idmap && (o->mounts[i].idmap_fd = cb_recv_fd(c->go)) < 0)
			return cb_fail(e, EPROTO, "the runtime ended before the idmapped mount of %s", o->mounts[i].dst),
			       CB_EXIT_FAIL;
	if (c->wait_maps && read(c->go, &b, 1) != 1)
		return cb_fail(e, EPROTO, "the runtime ended before the id mappings were written"), CB_EXIT_FAIL;
	/* Its root, in a new user namespace or one joined by path (as runc's init). */
	if (cb_oci_has_ns(o, CLONE_NEWUSER) && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		return cb_fail_errno(e, errno, "config.json: linux.uidMappings: container root (0) is not mapped"),
		       CB_EXIT_FAIL;
	/* runc's order: the joined mount namespace before anything is mounted; relative
	 * mount sources are the bundle's there too. */
	if (c->mnt >= 0 && (setns(c->mnt, CLONE_NEWNS) < 0 || chdir(c->bundle) < 0))
		return cb_fail_errno(e, errno, "config.json: linux.namespaces: join the mount namespace %s", o->mnt_join),
		       CB_EXIT_FAIL;
	/* A new time namespace: its offsets are written before the program enters it (at exec). */
	if ((o->new_ns & CLONE_NEWTIME) && unshare(CLONE_NEWTIME) < 0)
		return cb_fail_errno(e, errno, "config.json: linux.namespaces: a new time namespace"), CB_EXIT_FAIL;
	if (o->timens[0]) {
		int fd CB_AUTOCLOSE = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, o->timens, strlen(o->timens)) < 0)
			return cb_fail_errno(e, errno, "config.json: linux.timeOffsets"), CB_EXIT_FAIL;
	}
	if (o->hostname && sethostname(o->hostname, strlen(o->hostname)) < 0)
		return cb_fail_errno(e, errno, "hostname %s", o->hostname), CB_EXIT_FAIL;
	if (o->domainname && setdomainname(o->domainname, strlen(o->domainname)) < 0)
		return cb_fail_errno(e, errno, "domainname %s", o->domainname), CB_EXIT_FAIL;
	o->m.before_root = before_root;
	o->m.arg = c;
	if (sysctls(o->sysctl, e) < 0 || cb_mount_oci(&o->m, e) < 0)
		return CB_EXIT_FAIL;
	if (c->term && cb_term_open_in_child(c->term, e) < 0)
		return CB_EXIT_FAIL;
	/* Its own session and process group, as runc's init: conmon's --timeout kills the
	 * container's group, which must not be conmon's own. (With a terminal, already.) */
	setsid();
	/* A missing program fails create, as runc's (podman turns the message into 127). */
	if (!o->no_process && !cJSON_GetArraySize(cJSON_GetObjectItem(o->hooks, "startContainer")) &&
	    cb_proc_lookup(&o->p, e) < 0)
		return CB_EXIT_FAIL;
	if (write(c->ready, "r", 1) != 1)
		return cb_fail_errno(e, errno, "tell the runtime"), CB_EXIT_FAIL;
	close(c->ready);
	ssize_t n;
	while ((n = read(c->fifo, &b, 1)) < 0 && errno == EINTR)
		;
	if (n != 1)
		return cb_fail_errno(e, errno, "exec.fifo"), CB_EXIT_FAIL;
	close(c->fifo);
	if (o->no_process) /* start refuses first */
		return CB_EXIT_FAIL;
	/* Nobody reads the sync socket now: the program's failure goes to its stderr (the
	 * driver's log), as runc's does. */
	int r = child_hooks(c, "startContainer", "created", e);
	if (r < 0) {
		fprintf(stderr, "cbox-runtime: %s\n", e->msg);
		return CB_EXIT_FAIL;
	}
	if (o->has_personality && personality((unsigned long)o->personality) < 0) {
		fprintf(stderr, "cbox-runtime: config.json: linux.personality: %s\n", strerror(errno));
		return CB_EXIT_FAIL;
	}
	r = cb_proc_exec(&o->p, e);
	fprintf(stderr, "cbox-runtime: %s\n", e->msg);
	return r;
}

/* Write a map file of pid's. */
static int write_map(pid_t pid, const char *file, const char *text, cb_err *e)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	int fd CB_AUTOCLOSE = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		return cb_fail_errno(e, errno, "write %s", path);
	return 0;
}

/* The maps of a rootless user namespace that maps the caller alone. */
static int only_caller(const char *map, unsigned id)
{
	char want[64];
	snprintf(want, sizeof(want), "0 %u 1\n", id);
	return !strcmp(map, want);
}

static int id_maps(struct cb_oci *o, pid_t pid, cb_err *e)
{
	int r;
	if (geteuid() == 0)
		return (r = write_map(pid, "uid_map", o->uidmap, e)) < 0 ? r : write_map(pid, "gid_map", o->gidmap, e);
	if (only_caller(o->uidmap, getuid()) && only_caller(o->gidmap, getgid())) {
		if ((r = write_map(pid, "setgroups", "deny", e)) < 0 || (r = write_map(pid, "uid_map", o->uidmap, e)) < 0)
			return r;
		return write_map(pid, "gid_map", o->gidmap, e);
	}
	/* More than the caller: the ladder's mapping (sub-ids through newuidmap). */
	struct cb_idmap m;
	if ((r = cb_idmap_plan(&m, e)) < 0)
		return r;
	cb_debug("config.json: uidMappings/gidMappings: rootless, the %s mapping instead", cb_idmap_mode_name(m.mode));
	return cb_idmap_map_pid(&m, pid, e);
}

/* Each idmapped mount's tree, mapped as the container's user namespace (pid's), sent to
 * it over sock in the order of config.json. */
static int idmapped_mounts(const struct cb_oci *o, const char *bundle, pid_t pid, int sock, cb_err *e)
{
	char path[4200];
	int userns CB_AUTOCLOSE = -1, r = 0;
	for (int i = 0; r == 0 && i < o->m.nmounts; i++) {
		const struct cb_mount_entry *m = &o->mounts[i];
		if (!m->idmap)
			continue;
		if (userns < 0) {
			snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
			if ((userns = open(path, O_RDONLY | O_CLOEXEC)) < 0)
				return cb_fail_errno(e, errno, "%s", path);
		}
		snprintf(path, sizeof(path), "%s%s%s", m->src[0] == '/' ? "" : bundle, m->src[0] == '/' ? "" : "/", m->src);
		int fd = cb_mount_idmapped(path, m->idmap == 2, userns, e);
		if (fd < 0)
			return cb_err_prefix(e, "config.json: mounts");
		if ((r = cb_send_fd(sock, fd)) < 0)
			cb_fail_errno(e, -r, "the container's process");
		close(fd);
	}
	return r;
}

static int join_all(const struct cb_oci *o, cb_err *e)
{
	/* The user namespace first: the others are owned by it. */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < o->njoin; i++) {
			if ((o->join[i].type == CLONE_NEWUSER) != (pass == 0) || o->join[i].type == CLONE_NEWNS)
				continue; /* the mount namespace: the child's, below */
			int fd CB_AUTOCLOSE = open(o->join[i].path, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || setns(fd, o->join[i].type) < 0)
				return cb_fail_errno(e, errno, "config.json: linux.namespaces: join %s", o->join[i].path);
		}
	return 0;
}

static int connect_socket(const char *path, const char *what, cb_err *e)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(a.sun_path))
		return cb_fail(e, ENAMETOOLONG, "%s %s: too long", what, path);
	strcpy(a.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int err = errno;
		if (fd >= 0)
			close(fd);
		return cb_fail_errno(e, err, "%s %s", what, path);
	}
	return fd;
}

/* linux.seccomp.listenerPath (only with SCMP_ACT_NOTIFY, as the spec says): the agent
 * connected now (a missing one fails here), and a pipe (*state_w its write end) that
 * brings the container process state to the process loading the filter. */
static int agent_open(struct cb_seccomp *s, const cJSON *sc, int *state_w, cb_err *e)
{
	int p[2];
	*state_w = -1;
	if (!s->notify)
		return 0;
	const char *path = cJSON_GetStringValue(cJSON_GetObjectItem(sc, "listenerPath"));
	if ((s->agent = connect_socket(path, "config.json: linux.seccomp.listenerPath", e)) < 0)
		return s->agent;
	if (pipe2(p, O_CLOEXEC) < 0) {
		close(s->agent);
		return cb_fail_errno(e, errno, "pipe");
	}
	fcntl(p[1], F_SETFL, O_NONBLOCK); /* never waits: the state fits or is refused */
	s->state_fd = p[0];
	*state_w = p[1];
	s->agent_on = 1;
	return 0;
}

static void agent_close(struct cb_seccomp *s, int state_w)
{
	if (s->agent_on) {
		close(s->agent);
		close(s->state_fd);
		s->agent_on = 0;
	}
	if (state_w >= 0)
		close(state_w);
}

/* The spec's container process state (the listener's name, the process, the agent's
 * metadata, the container's state), NUL-ended, for the process to send with the
 * listener. Takes state. */
static int agent_state(int state_w, const cJSON *sc, cJSON *state, pid_t pid, cb_err *e)
{
	cJSON *j = cJSON_CreateObject();
	const char *fds = "seccompFd", *md = cJSON_GetStringValue(cJSON_GetObjectItem(sc, "listenerMetadata"));
	cJSON_AddStringToObject(j, "ociVersion", CB_OCI_VERSION);
	cJSON_AddItemToObject(j, "fds", cJSON_CreateStringArray(&fds, 1));
	cJSON_AddNumberToObject(j, "pid", pid);
	if (md)
		cJSON_AddStringToObject(j, "metadata", md);
	cJSON_AddItemToObject(j, "state", state);
	char *text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	size_t n = text ? strlen(text) + 1 : 0;
	ssize_t k = text ? write(state_w, text, n) : -1;
	free(text);
	if (k == (ssize_t)n)
		return 0;
	return cb_fail(e, k < 0 && errno != EAGAIN ? errno : E2BIG, "seccomp agent: the container process state: %s",
		       k < 0 && errno != EAGAIN ? strerror(errno) : "too large (annotations?)");
}

/* The pid file, opened before exec enters the container's root (fd), or by path. */
static int write_pid_file(const char *path, int fd, pid_t pid, cb_err *e)
{
	char text[32];
	int n = snprintf(text, sizeof(text), "%d", (int)pid);
	if (fd >= 0)
		return write(fd, text, (size_t)n) == n ? 0 : cb_fail_errno(e, errno, "--pid-file %s", path);
	return cb_write_replace(AT_FDCWD, path, text, (size_t)n, 0644, 0, e) < 0 ? cb_err_prefix(e, "--pid-file") : 0;
}

static int record_state(int dfd, const char *id, const struct cb_oci *o, const char *bundle, pid_t pid, cb_err *e)
{
	cJSON *j = cJSON_CreateObject();
	char created[40];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	size_t k = strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%S", gmtime(&ts.tv_sec));
	snprintf(created + k, sizeof(created) - k, ".%09ldZ", ts.tv_nsec);
	cJSON_AddStringToObject(j, "id", id);
	cJSON_AddNumberToObject(j, "pid", pid);
	cJSON_AddNumberToObject(j, "pid_start", (double)cb_pid_start_time(pid));
	cJSON_AddStringToObject(j, "bundle", bundle);
	cJSON_AddStringToObject(j, "created", created);
	cJSON_AddBoolToObject(j, "single_map", o->p.single_map);
	if (o->no_process)
		cJSON_AddTrueToObject(j, "no_process");
	if (o->m.host_mnt) /* its mounts are ours: delete detaches them */
		cJSON_AddStringToObject(j, "host_mounts", o->rootfs);
	cJSON_AddItemToObject(j, "annotations", o->annotations ? cJSON_Duplicate(o->annotations, 1) : cJSON_CreateObject());
	/* poststart and poststop, for start and delete (the bundle may change meanwhile) */
	if (o->hooks)
		cJSON_AddItemToObject(j, "hooks", cJSON_Duplicate(o->hooks, 1));
	char *text = cb_json_print(j);
	cJSON_Delete(j);
	int r = text ? cb_write_replace(dfd, "state.json", text, strlen(text), 0600, 0, e) : cb_fail(e, ENOMEM, "out of memory");
	free(text);
	return r;
}

/* ---- the container's cgroup: linux.resources, cgroupsPath, pause/resume, update ---- */

static const char *const status_names[] = { "creating", "created", "running", "stopped", "paused" };
static int load(const char *root, const char *id, char *dir, size_t n, cJSON **st, int *status, cb_err *e);

/* Made before the clone (its process is born there): -1 none (no usable hierarchy, a
 * debug note: podman's cgroupfs paths come on every create), else its fd; the path in
 * DIR/cgroup for delete, pause, update. cgroupsPath: /PARENT/NAME in the hierarchy,
 * or relative to the usable base; the systemd form (slice:prefix:name) is refused. */
static int cgroup_make(const struct cb_oci *o, const char *id, int dfd, cb_err *e)
{
	char parent[CB_CGROUP_PATH] = "", path[CB_CGROUP_PATH], warn[600];
	const char *cp = o->cgroups_path, *name = id;
	if (cp && strchr(cp, ':'))
		return cb_fail(e, ENOTSUP, "linux.cgroupsPath %s: the systemd form needs --systemd-cgroup, which cbox "
			       "does not support (use cgroupfs)", cp);
	if (cp && *cp) {
		const char *slash = strrchr(cp, '/');
		name = slash ? slash + 1 : cp;
		snprintf(parent, sizeof(parent), "%.*s", slash ? (int)(slash - cp) : 0, cp);
		if (cp[0] == '/' && !parent[0])
			snprintf(parent, sizeof(parent), "/");
		if (!*name || !strcmp(name, "..") || strstr(cp, "/../"))
			return cb_fail(e, EINVAL, "linux.cgroupsPath %s: want /PARENT/NAME", cp);
	}
	struct cb_cgroup_req q = { .limits = o->limits, .parent = parent[0] ? parent : NULL, .name = name,
				   .rootless = getuid() != 0 || cb_in_userns(), .required = cp && *cp };
	int fd = cb_cgroup_create(&q, path, warn, sizeof(warn), e);
	if (fd == -ENOTSUP) { /* only a path, no usable hierarchy: as today, without */
		cb_debug("config.json: %s", e->msg);
		return -1;
	}
	if (*warn)
		cb_debug("config.json: linux.resources: %s", warn);
	/* the device rules, as real root (a user namespace may load no such program) */
	if (fd >= 0 && !q.rootless && cb_cgroup_oci_devices(fd, o->dev_rules, o->dev_nodes, e) < 0)
		cb_debug("config.json: linux.resources.devices: not enforced: %s", e->msg);
	if (fd >= 0 && cb_write_replace(dfd, "cgroup", path, strlen(path), 0600, 0, e) < 0) {
		close(fd);
		cb_cgroup_remove(path);
		return -EIO;
	}
	return fd;
}

/* DIR/cgroup's path: 0, or -ENOENT (the container has none). */
static int cgroup_path(const char *dir, char *path, size_t n)
{
	char f[4200];
	snprintf(f, sizeof(f), "%s/cgroup", dir);
	ssize_t k = cb_read_small_at(AT_FDCWD, f, path, n);
	return k > 0 ? 0 : -ENOENT;
}

static void cgroup_gone(const char *dir)
{
	char path[CB_CGROUP_PATH];
	if (cgroup_path(dir, path, sizeof(path)) == 0)
		cb_cgroup_remove(path);
}

/* The running (or paused) container's cgroup directory; else an error naming why. */
static int live_cgroup(const char *root, const char *id, char *dir, size_t n, char *path, int *s, cb_err *e)
{
	cJSON *st;
	int r = load(root, id, dir, n, &st, s, e);
	cJSON_Delete(st);
	if (r < 0)
		return r;
	if (*s != CB_BUNDLE_RUNNING && *s != CB_BUNDLE_PAUSED)
		return cb_fail(e, EINVAL, "container \"%s\" is %s, not running", id, status_names[*s]);
	if (cgroup_path(dir, path, CB_CGROUP_PATH) < 0)
		return cb_fail(e, ENOTSUP, "container \"%s\" has no cgroup (no writable cgroup v2 hierarchy when it "
			       "was created)", id);
	return 0;
}

int cb_bundle_pause(const char *root, const char *id, int on, cb_err *e)
{
	char dir[4096], path[CB_CGROUP_PATH], f[4200];
	int s, r = live_cgroup(root, id, dir, sizeof(dir), path, &s, e);
	if (r < 0)
		return r;
	if (s == (on ? CB_BUNDLE_PAUSED : CB_BUNDLE_RUNNING))
		return cb_fail(e, EINVAL, "container \"%s\" is %s already", id, on ? "paused" : "running");
	if ((r = cb_cgroup_freeze(path, on, e)) < 0)
		return r;
	snprintf(f, sizeof(f), "%s/paused", dir);
	if (!on)
		unlink(f);
	else if ((r = cb_write_replace(AT_FDCWD, f, "", 0, 0600, 0, e)) < 0)
		cb_cgroup_freeze(path, 0, e);
	return r;
}

int cb_bundle_update(const char *root, const char *id, const cJSON *resources, cb_err *e)
{
	char dir[4096], path[CB_CGROUP_PATH];
	int s, r = live_cgroup(root, id, dir, sizeof(dir), path, &s, e);
	cJSON *limits = cJSON_CreateObject();
	if (r == 0 && (r = cb_cgroup_oci(resources, limits, e)) == 0)
		r = cb_cgroup_apply(path, limits, e);
	cJSON_Delete(limits);
	return r;
}

int cb_bundle_stats(const char *root, const char *id, struct cb_cgroup_stats *cs, cb_err *e)
{
	char dir[4096], path[CB_CGROUP_PATH];
	int s, r = live_cgroup(root, id, dir, sizeof(dir), path, &s, e);
	if (r == 0 && (r = cb_cgroup_stats(path, cs)) < 0)
		cb_fail_errno(e, -r, "cgroup %s", path);
	return r;
}

int cb_bundle_create(const struct cb_bundle_opts *o, const char *id, pid_t *pid, cb_err *e)
{
	char dir[4096];
	struct cb_oci oci = { 0 };
	struct cb_term term = { .sock = { -1, -1 } };
	struct child c = { .o = &oci, .id = id, .bundle = o->bundle, .go = -1, .ready = -1, .fifo = -1, .mnt = -1 };
	int r, go[2] = { -1, -1 }, ready[2] = { -1, -1 }, syncfd = -1, made = 0, state_w = -1;
	const cJSON *sc = NULL;
	int cwd CB_AUTOCLOSE = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC), dfd CB_AUTOCLOSE = -1;
	if ((r = dir_of(o->root, id, dir, sizeof(dir), e)) < 0 || (r = cb_oci_load(&oci, o->bundle, e)) < 0)
		goto out;
	/* Waiting at the fifo in a pid namespace others are in already (joined, or the
	 * runtime's own): from a sealed copy of cbox (sealexe.h). A new one is empty until
	 * the program's exec. */
	if (!(oci.new_ns & CLONE_NEWPID) && (r = cb_exe_seal(0, e)) < 0)
		goto out;
	oci.po.preserve_fds = o->preserve_fds;
	oci.m.no_pivot = o->no_pivot;
	if ((r = cb_mkdir_p(o->root, 0700, e)) < 0) {
		cb_err_prefix(e, "--root");
		goto out;
	}
	if (mkdir(dir, 0700) < 0) {
		r = errno == EEXIST ? cb_fail(e, EEXIST, "container \"%s\" already exists", id)
				    : cb_fail_errno(e, errno, "%s", dir);
		goto out;
	}
	made = 1;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || mkfifoat(dfd, "exec.fifo", 0600) < 0 ||
	    (c.fifo = openat(dfd, "exec.fifo", O_RDWR | O_CLOEXEC)) < 0) {
		r = cb_fail_errno(e, errno, "%s/exec.fifo", dir);
		goto out;
	}
	if (oci.terminal && o->console_socket) {
		if ((r = term.sock[1] = connect_socket(o->console_socket, "--console-socket", e)) < 0)
			goto out;
		term.ws = oci.ws;
		c.term = &term;
	} else if (oci.terminal && o->term) {
		if ((r = cb_term_prepare(o->term, e)) < 0)
			goto out;
		c.term = o->term;
	} else if (oci.terminal) {
		r = cb_fail(e, EINVAL, "process.terminal is true: --console-socket is needed");
		goto out;
	}
	if (only_caller(oci.uidmap, getuid()) && getuid() != 0)
		oci.p.single_map = 1;
	sc = cJSON_GetObjectItem(cJSON_GetObjectItem(oci.doc, "linux"), "seccomp");
	if ((r = cb_seccomp_build(&oci.p.seccomp, -1, oci.p.caps, e)) < 0 ||
	    (!oci.no_process && (r = agent_open(&oci.p.seccomp, sc, &state_w, e)) < 0) || (r = join_all(&oci, e)) < 0)
		goto out;
	/* A joined user namespace whose setgroups is denied (unshare -r's): no group list. */
	char sg[16];
	if (!(oci.new_ns & CLONE_NEWUSER) && cb_oci_has_ns(&oci, CLONE_NEWUSER) &&
	    cb_read_small_at(AT_FDCWD, "/proc/self/setgroups", sg, sizeof(sg)) > 0 && !strncmp(sg, "deny", 4))
		oci.p.single_map = 1;
	if (oci.mnt_join && (c.mnt = open(oci.mnt_join, O_RDONLY | O_CLOEXEC)) < 0) {
		r = cb_fail_errno(e, errno, "config.json: linux.namespaces: mount namespace %s", oci.mnt_join);
		goto out;
	}
	c.wait_maps = !!(oci.new_ns & CLONE_NEWUSER);
	c.parent_hooks = cJSON_GetArraySize(cJSON_GetObjectItem(oci.hooks, "prestart")) > 0 ||
			 cJSON_GetArraySize(cJSON_GetObjectItem(oci.hooks, "createRuntime")) > 0;
	/* go: a socket, for the idmapped mounts' fds */
	if (pipe2(ready, O_CLOEXEC) < 0 ||
	    ((c.wait_maps || c.parent_hooks) && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, go) < 0)) {
		r = cb_fail_errno(e, errno, "pipe");
		goto out;
	}
	c.go = go[0];
	c.ready = ready[1];
	/* Relative mount sources are the bundle's. */
	if (chdir(o->bundle) < 0) {
		r = cb_fail_errno(e, errno, "--bundle %s", o->bundle);
		goto out;
	}
	int cgfd = cgroup_make(&oci, id, dfd, e);
	if (cgfd < -1) {
		r = cgfd;
		goto out;
	}
	cb_ns_set_cgroup(cgfd);
	r = cb_ns_spawn(oci.new_ns & ~CLONE_NEWTIME, child_main, &c, pid, &syncfd, e); /* time: the child's unshare */
	cb_ns_set_cgroup(-1);
	if (cgfd >= 0)
		close(cgfd);
	if (fchdir(cwd) < 0)
		cb_debug("back to the working directory: %s", strerror(errno));
	if (r < 0)
		goto out;
	close(ready[1]);
	ready[1] = -1;
	if (c.wait_maps) {
		r = id_maps(&oci, *pid, e);
		if (r == 0)
			r = idmapped_mounts(&oci, o->bundle, *pid, go[1], e);
		if (r == 0 && write(go[1], "g", 1) != 1)
			r = cb_fail_errno(e, errno, "the container's process");
	}
	if (r == 0 && oci.has_oom) {
		char v[16];
		snprintf(v, sizeof(v), "%d", oci.oom_score_adj);
		if ((r = write_map(*pid, "oom_score_adj", v, e)) < 0)
			cb_err_prefix(e, "config.json: process.oomScoreAdj");
	}
	char b = 0;
	if (r == 0 && read(ready[0], &b, 1) == 1 && b == 'h') {
		/* Its mounts are made, its root not yet entered: our hooks, in our namespaces. */
		/* "created", as runc's and runtime-tools' hooks_stdin want */
		cJSON *st = cb_hooks_state(id, "created", (int)*pid, o->bundle, oci.annotations);
		r = cb_hooks_run(oci.hooks, "prestart", st, e);
		if (r == 0)
			r = cb_hooks_run(oci.hooks, "createRuntime", st, e);
		cJSON_Delete(st);
		if (r == 0 && write(go[1], "k", 1) != 1)
			r = cb_fail_errno(e, errno, "the container's process");
		if (r == 0 && read(ready[0], &b, 1) != 1)
			b = 0;
	}
	if (r == 0 && b != 'r') {
		cb_ns_started(*pid, syncfd, e);
		r = e->errnum ? -e->errnum : -EPROTO;
	}
	if (r == 0 && state_w >= 0)
		r = agent_state(state_w, sc, cb_hooks_state(id, "created", (int)*pid, o->bundle, oci.annotations), *pid, e);
	if (r == 0 && o->pid_file)
		r = write_pid_file(o->pid_file, -1, *pid, e);
	if (r == 0)
		r = record_state(dfd, id, &oci, o->bundle, *pid, e);
	if (r < 0) {
		kill(*pid, SIGKILL);
		while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
out:
	for (int i = 0; i < 2; i++) {
		if (go[i] >= 0)
			close(go[i]);
		if (ready[i] >= 0)
			close(ready[i]);
	}
	if (syncfd >= 0)
		close(syncfd);
	if (c.fifo >= 0)
		close(c.fifo);
	if (c.mnt >= 0)
		close(c.mnt);
	agent_close(&oci.p.seccomp, state_w);
	cb_term_close(&term);
	if (r < 0 && made) {
		cgroup_gone(dir);
		cb_rm_rf_at(AT_FDCWD, dir);
	}
	if (r < 0 && made && oci.m.host_mnt)
		cb_mount_detach_under(oci.rootfs);
	if (oci.doc)
		cb_oci_free(&oci);
	return r;
}

/* A zombie (killed, its parent not yet reaping it: conmon's --timeout) has stopped, as
 * runc says. */
static int zombie(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	ssize_t n = cb_read_small_at(AT_FDCWD, path, buf, sizeof(buf));
	char *paren = n > 0 ? strrchr(buf, ')') : NULL;
	return paren && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X');
}

/* state.json and the live status. */
static int load(const char *root, const char *id, char *dir, size_t n, cJSON **st, int *status, cb_err *e)
{
	char path[4200], *text;
	struct stat sb;
	*st = NULL;
	int r = dir_of(root, id, dir, n, e);
	if (r < 0)
		return r;
	if (stat(dir, &sb) < 0)
		return cb_fail(e, ENOENT, "container \"%s\" does not exist", id);
	snprintf(path, sizeof(path), "%s/state.json", dir);
	*st = NULL;
	*status = CB_BUNDLE_CREATING;
	if (cb_read_file_at(AT_FDCWD, path, 1 << 20, &text, NULL, e) < 0)
		return 0;
	*st = cJSON_Parse(text);
	free(text);
	pid_t pid = (pid_t)cJSON_GetNumberValue(cJSON_GetObjectItem(*st, "pid"));
	unsigned long long start = (unsigned long long)cJSON_GetNumberValue(cJSON_GetObjectItem(*st, "pid_start"));
	snprintf(path, sizeof(path), "%s/exec.fifo", dir);
	*status = !cb_pid_same(pid, start) || zombie(pid) ? CB_BUNDLE_STOPPED : access(path, F_OK) == 0 ? CB_BUNDLE_CREATED
											   : CB_BUNDLE_RUNNING;
	snprintf(path, sizeof(path), "%s/paused", dir);
	if (*status == CB_BUNDLE_RUNNING && access(path, F_OK) == 0)
		*status = CB_BUNDLE_PAUSED;
	return 0;
}


int cb_bundle_state(const char *root, const char *id, cJSON **out, int *status, cb_err *e)
{
	char dir[4096];
	cJSON *st;
	int s, r = load(root, id, dir, sizeof(dir), &st, &s, e);
	if (r < 0)
		return r;
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "ociVersion", CB_OCI_VERSION);
	cJSON_AddStringToObject(j, "id", id);
	cJSON_AddStringToObject(j, "status", status_names[s]);
	cJSON_AddNumberToObject(j, "pid", s == CB_BUNDLE_STOPPED ? 0 : cJSON_GetNumberValue(cJSON_GetObjectItem(st, "pid")));
	cJSON_AddStringToObject(j, "bundle", cJSON_GetStringValue(cJSON_GetObjectItem(st, "bundle")) ?: "");
	cJSON_AddItemToObject(j, "annotations", st && cJSON_GetObjectItem(st, "annotations")
							 ? cJSON_Duplicate(cJSON_GetObjectItem(st, "annotations"), 1)
							 : cJSON_CreateObject());
	/* As runc's: when it was made, and who owns it. */
	cJSON_AddStringToObject(j, "created", cJSON_GetStringValue(cJSON_GetObjectItem(st, "created")) ?: "");
	cJSON_AddStringToObject(j, "owner", "");
	cJSON_Delete(st);
	*out = j;
	if (status)
		*status = s;
	return 0;
}

/* Hooks of kind (poststart, poststop) from state.json's copy: a failure is a warning. */
static void state_hooks(const cJSON *st, const char *id, const char *kind, const char *status)
{
	const cJSON *hooks = cJSON_GetObjectItem(st, "hooks");
	cb_err e;
	if (!cJSON_GetArraySize(cJSON_GetObjectItem(hooks, kind)))
		return;
	cJSON *hs = cb_hooks_state(id, status, strcmp(status, "stopped") ? (int)cJSON_GetNumberValue(cJSON_GetObjectItem(st, "pid")) : 0,
				   cJSON_GetStringValue(cJSON_GetObjectItem(st, "bundle")), cJSON_GetObjectItem(st, "annotations"));
	if (cb_hooks_run(hooks, kind, hs, &e) < 0)
		cb_warn("container %s: %s", id, e.msg);
	cJSON_Delete(hs);
}

/* start returns once the program runs, as runc's: the process's executable is no
 * longer ours (at most 2 s: a program that is cbox itself looks the same). */
static void wait_exec(pid_t pid)
{
	for (int i = 0; i < 10000 && cb_exe_is_ours(pid); i++)
		nanosleep(&(struct timespec){ 0, 200000 }, NULL);
}

int cb_bundle_start(const char *root, const char *id, cb_err *e)
{
	char dir[4096], path[4200];
	cJSON *st = NULL;
	int s, r = load(root, id, dir, sizeof(dir), &st, &s, e);
	if (r == 0 && s != CB_BUNDLE_CREATED)
		r = cb_fail(e, EINVAL, "container \"%s\" is %s: only a created one can start", id, status_names[s]);
	if (r == 0 && cJSON_IsTrue(cJSON_GetObjectItem(st, "no_process")))
		r = cb_fail(e, EINVAL, "process property must not be empty");
	snprintf(path, sizeof(path), "%s/exec.fifo", dir);
	int fd CB_AUTOCLOSE = r < 0 ? -1 : open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (r == 0 && (fd < 0 || write(fd, "s", 1) != 1))
		r = cb_fail_errno(e, errno == ENXIO ? ESRCH : errno, "start %s: its process is not waiting", id);
	if (r == 0) {
		unlink(path);
		wait_exec((pid_t)cJSON_GetNumberValue(cJSON_GetObjectItem(st, "pid")));
		state_hooks(st, id, "poststart", "running");
	}
	cJSON_Delete(st);
	return r;
}

static unsigned long long ns_of(pid_t pid)
{
	char path[64];
	struct stat sb;
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	return stat(path, &sb) < 0 ? 0 : (unsigned long long)sb.st_ino;
}

int cb_bundle_pids(const char *root, const char *id, pid_t **pids, int *n, cb_err *e)
{
	char dir[4096];
	cJSON *st;
	int s, r = load(root, id, dir, sizeof(dir), &st, &s, e), cap = 0;
	pid_t pid = (pid_t)cJSON_GetNumberValue(cJSON_GetObjectItem(st, "pid"));
	cJSON_Delete(st);
	*pids = NULL;
	*n = 0;
	if (r < 0 || s == CB_BUNDLE_STOPPED || s == CB_BUNDLE_CREATING)
		return r;
	unsigned long long want = ns_of(pid), self = ns_of(getpid());
	DIR *d = opendir("/proc");
	struct dirent *de;
	while (d && (de = readdir(d))) {
		pid_t p = (pid_t)atoi(de->d_name);
		/* Its own pid namespace: every member; else (shared with us) the process alone. */
		if (p <= 0 || (want == self ? p != pid : ns_of(p) != want))
			continue;
		if (*n == cap) {
			pid_t *m = realloc(*pids, (size_t)(cap = cap ? 2 * cap : 16) * sizeof(*m));
			if (!m) {
				closedir(d);
				return cb_fail(e, ENOMEM, "out of memory");
			}
			*pids = m;
		}
		(*pids)[(*n)++] = p;
	}
	if (d)
		closedir(d);
	return 0;
}

int cb_bundle_kill(const char *root, const char *id, int sig, int all, cb_err *e)
{
	char dir[4096];
	cJSON *st;
	int s, r = load(root, id, dir, sizeof(dir), &st, &s, e);
	pid_t pid = (pid_t)cJSON_GetNumberValue(cJSON_GetObjectItem(st, "pid"));
	cJSON_Delete(st);
	if (r < 0)
		return r;
	if (s != CB_BUNDLE_CREATED && s != CB_BUNDLE_RUNNING)
		return cb_fail(e, ESRCH, "container \"%s\" is %s: nothing to signal", id, status_names[s]);
	if (all) {
		pid_t *pids;
		int n;
		if ((r = cb_bundle_pids(root, id, &pids, &n, e)) < 0)
			return r;
		for (int i = 0; i < n; i++)
			if (pids[i] != pid)
				kill(pids[i], sig);
		free(pids);
	}
	if (kill(pid, sig) < 0)
		return cb_fail_errno(e, errno, "kill %s (pid %d)", id, (int)pid);
	return 0;
}

int cb_bundle_delete(const char *root, const char *id, int force, cb_err *e)
{
	char dir[4096];
	cJSON *st;
	int s, r = load(root, id, dir, sizeof(dir), &st, &s, e);
	pid_t pid = (pid_t)cJSON_GetNumberValue(cJSON_GetObjectItem(st, "pid"));
	unsigned long long start = (unsigned long long)cJSON_GetNumberValue(cJSON_GetObjectItem(st, "pid_start"));
	if (r < 0)
		return r == -ENOENT && force ? 0 : r; /* --force: a missing one is no error, as runc */
	if ((s == CB_BUNDLE_RUNNING || s == CB_BUNDLE_PAUSED) && !force) {
		cJSON_Delete(st);
		return cb_fail(e, EBUSY, "container \"%s\" is running: stop it first, or delete --force", id);
	}
	if ((s == CB_BUNDLE_RUNNING || s == CB_BUNDLE_PAUSED || s == CB_BUNDLE_CREATED) &&
	    (kill(pid, SIGKILL), !cb_pid_wait_gone(pid, start, 10000))) {
		cJSON_Delete(st);
		return cb_fail(e, EBUSY, "container \"%s\": pid %d outlived SIGKILL for 10 s", id, (int)pid);
	}
	const char *hm = cJSON_GetStringValue(cJSON_GetObjectItem(st, "host_mounts"));
	if (hm)
		cb_mount_detach_under(hm);
	cgroup_gone(dir);
	if ((r = cb_rm_rf_at(AT_FDCWD, dir)) < 0)
		r = cb_fail_errno(e, -r, "remove %s", dir);
	else
		state_hooks(st, id, "poststop", "stopped");
	cJSON_Delete(st);
	return r;
}

int cb_bundle_process(const char *root, const char *id, cJSON **out, cb_err *e)
{
	char dir[4096], path[4200], *text;
	cJSON *st;
	int s, r = load(root, id, dir, sizeof(dir), &st, &s, e);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/config.json", cJSON_GetStringValue(cJSON_GetObjectItem(st, "bundle")) ?: "");
	cJSON_Delete(st);
	if ((r = cb_read_file_at(AT_FDCWD, path, 4 << 20, &text, NULL, e)) < 0)
		return r;
	cJSON *cfg = cJSON_Parse(text);
	free(text);
	*out = cJSON_DetachItemFromObject(cfg, "process");
	cJSON_Delete(cfg);
	return *out ? 0 : cb_fail(e, EINVAL, "%s: no process", path);
}

struct exec_child {
	struct cb_proc *p;
	struct cb_term *term;
};

static int exec_main(void *arg, cb_err *e)
{
	struct exec_child *x = arg;
	if (x->term && cb_term_open_in_child(x->term, e) < 0)
		return CB_EXIT_FAIL;
	return cb_proc_exec(x->p, e);
}

int cb_bundle_exec(const char *root, const char *id, const struct cb_bundle_exec *x, int *status, cb_err *e)
{
	char dir[4096], cfgpath[4200], *text = NULL;
	cJSON *st, *cfg = NULL;
	struct cb_proc p = { 0 };
	struct cb_proc_oci po;
	struct cb_term term = { .sock = { -1, -1 } };
	struct exec_child xc = { .p = &p };
	int s, terminal = 0, syncfd = -1, r = load(root, id, dir, sizeof(dir), &st, &s, e);
	pid_t cpid = (pid_t)cJSON_GetNumberValue(cJSON_GetObjectItem(st, "pid")), pid;
	unsigned long long start = (unsigned long long)cJSON_GetNumberValue(cJSON_GetObjectItem(st, "pid_start"));
	snprintf(cfgpath, sizeof(cfgpath), "%s/config.json", cJSON_GetStringValue(cJSON_GetObjectItem(st, "bundle")) ?: "");
	int single = cJSON_IsTrue(cJSON_GetObjectItem(st, "single_map")), state_w = -1;
	/* For a seccomp agent: the container's state as it is now. */
	cJSON *cstate = cb_hooks_state(id, "running", (int)cpid, cJSON_GetStringValue(cJSON_GetObjectItem(st, "bundle")),
				       cJSON_GetObjectItem(st, "annotations"));
	cJSON_Delete(st);
	if (r == 0 && s != CB_BUNDLE_RUNNING)
		r = cb_fail(e, EINVAL, "container \"%s\" is %s: exec needs a running one", id, status_names[s]);
	/* exec puts a process of ours among the container's: from a sealed copy of cbox
	 * (sealexe.h), before anything is done. */
	if (r == 0)
		r = cb_exe_seal(cpid, e);
	if (r == 0 && (r = cb_oci_process(x->process, &p, &po, &terminal, &term.ws, e)) == 0)
		r = cb_read_file_at(AT_FDCWD, cfgpath, 4 << 20, &text, NULL, e);
	/* The container's seccomp filter applies to what runs in it. */
	const cJSON *sc = r == 0 && (cfg = cJSON_Parse(text)) ? cJSON_GetObjectItem(cJSON_GetObjectItem(cfg, "linux"), "seccomp") : NULL;
	if (sc) {
		p.seccomp.kind = CB_SECCOMP_PROFILE;
		p.seccomp.profile = cJSON_PrintUnformatted(sc);
	}
	p.single_map = single;
	po.preserve_fds = x->preserve_fds;
	if (r == 0 && terminal) {
		if (!x->console_socket)
			r = cb_fail(e, EINVAL, "exec --tty: --console-socket is needed");
		else if ((term.sock[1] = connect_socket(x->console_socket, "--console-socket", e)) < 0)
			r = term.sock[1];
		xc.term = &term;
	}
	if (r == 0)
		r = cb_seccomp_build(&p.seccomp, -1, p.caps, e);
	if (r == 0)
		r = agent_open(&p.seccomp, sc, &state_w, e);
	int pidfd CB_AUTOCLOSE = r == 0 && x->pid_file ? open(x->pid_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
	if (r == 0 && x->pid_file && pidfd < 0)
		r = cb_fail_errno(e, errno, "--pid-file %s", x->pid_file);
	if (r == 0)
		r = cb_container_join(cpid, start, e);
	if (r == 0)
		r = cb_ns_spawn(0, exec_main, &xc, &pid, &syncfd, e);
	if (r == 0 && state_w >= 0) {
		r = agent_state(state_w, sc, cstate, pid, e);
		cstate = NULL;
		if (r < 0)
			kill(pid, SIGKILL);
	}
	if (r == 0 && (*status = cb_ns_started(pid, syncfd, e)))
		r = e->errnum ? -e->errnum : -EINVAL;
	else if (r == 0 && x->pid_file)
		r = write_pid_file(x->pid_file, pidfd, pid, e);
	if (r == 0)
		*status = x->detach ? 0 : cb_ns_wait(pid);
	if (syncfd >= 0)
		close(syncfd);
	agent_close(&p.seccomp, state_w);
	cJSON_Delete(cstate);
	cb_term_close(&term);
	cb_proc_free(&p);
	cJSON_Delete(cfg);
	free(text);
	return r;
}
