/* idmap.c - the privilege ladder: plan the mapping, enter the user namespace. */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include "idmap.h"
#include "json.h"
#include "pause.h"
#include "store.h"

struct cb_idmap cb_idmap_current;

static int write_proc(const char *path, const char *text, cb_err *e)
{
	int fd CB_AUTOCLOSE = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return cb_fail_errno(e, errno, "write %s", path);
	return 0;
}

const char *cb_idmap_mode_name(int mode)
{
	return mode == CB_IDMAP_NONE ? "none" : mode == CB_IDMAP_FULL ? "full" : mode == CB_IDMAP_SINGLE ? "single" : "unset";
}

void cb_idmap_ranges(const struct cb_idmap *m, int gid, char *buf, size_t n)
{
	const struct cb_idrange *r = gid ? m->subgid : m->subuid;
	int nr = gid ? m->nsubgid : m->nsubuid;
	if (m->mode == CB_IDMAP_NONE) {
		snprintf(buf, n, "0 0 4294967295");
		return;
	}
	size_t len = (size_t)snprintf(buf, n, "0 %u 1", gid ? m->gid : m->uid);
	for (int i = 0; m->mode == CB_IDMAP_FULL && i < nr && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, ",%lu %lu %lu", r[i].inside, r[i].start, r[i].count);
}

/* The caller's login name from /etc/passwd (no NSS: a static binary reads the file). */
static int user_name(unsigned uid, char *name, size_t n)
{
	FILE *f = fopen("/etc/passwd", "re");
	char line[1024];
	int found = 0;
	while (f && !found && fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c2 && strtoul(c2 + 1, NULL, 10) == uid && c2[1] != ':') {
			*c1 = '\0';
			snprintf(name, n, "%s", line);
			found = 1;
		}
	}
	if (f)
		fclose(f);
	return found;
}

int cb_u32(const char *s, uint32_t *out)
{
	uint64_t v = 0;
	if (!*s || strlen(s) > 10)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int cb_subid_line(char *line, const char **owner, uint32_t *start, uint32_t *count)
{
	line[strcspn(line, "\n")] = '\0';
	char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c2 || c1 == line)
		return 0;
	*c1 = *c2 = '\0';
	*owner = line;
	return !cb_u32(c1 + 1, start) && !cb_u32(c2 + 1, count) && *count > 0 &&
	       (uint64_t)*start + *count <= (uint64_t)UINT32_MAX + 1;
}

/* Every range of file (/etc/subuid) for name or the numeric uid, in file order, inside
 * from 1 on: ranges that overlap an earlier one or own (the caller's id, mapped to 0) are
 * left out (the kernel refuses the map), and so are those past the kernel's limits. */
static int sub_ranges(const char *file, const char *name, unsigned uid, unsigned own, struct cb_idrange *out)
{
	FILE *f = fopen(file, "re");
	char line[512], num[16];
	int n = 0;
	unsigned long next = 1;
	size_t text = 24; /* the caller's own line */
	snprintf(num, sizeof(num), "%u", uid);
	while (f && n < CB_IDMAP_MAX && fgets(line, sizeof(line), f)) {
		const char *owner;
		uint32_t s32, c32;
		if (!cb_subid_line(line, &owner, &s32, &c32) || (strcmp(owner, name) && strcmp(owner, num)))
			continue;
		unsigned long s = s32, c = c32;
		if (s + c > 4294967295ul || next + c > 4294967295ul)
			continue;
		int clash = own >= s && own < s + c;
		for (int i = 0; i < n && !clash; i++)
			clash = s < out[i].start + out[i].count && out[i].start < s + c;
		char l[40];
		size_t len = (size_t)snprintf(l, sizeof(l), "%lu %lu %lu\n", next, s, c);
		if (clash || text + len >= CB_IDMAP_TEXT)
			continue;
		text += len;
		out[n++] = (struct cb_idrange){ next, s, c };
		next += c;
	}
	if (f)
		fclose(f);
	return n;
}

/* "100000+65536,300000+1000" */
static size_t ranges_text(const struct cb_idrange *r, int n, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%lu+%lu", i ? "," : "", r[i].start, r[i].count);
	return len;
}

/* Where a host helper is: $CBOX_NEWUIDMAP (for finding it only), else the usual dirs. */
static int find_helper(const char *name, const char *env, char *path, size_t n)
{
	static const char *const dirs[] = { "/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin" };
	const char *v = getenv(env);
	if (v) {
		snprintf(path, n, "%s", v);
		return access(path, X_OK) == 0;
	}
	for (size_t i = 0; i < CB_ARRAY_SIZE(dirs); i++) {
		snprintf(path, n, "%s/%s", dirs[i], name);
		if (access(path, X_OK) == 0)
			return 1;
	}
	snprintf(path, n, "%s", name);
	return 0;
}

/* Setuid root, or file capabilities: a helper that can write the maps. */
static int privileged_file(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return 0;
	if ((st.st_mode & S_ISUID) && st.st_uid == 0)
		return 1;
	return getxattr(path, "security.capability", NULL, 0) > 0;
}

int cb_idmap_plan(struct cb_idmap *m, cb_err *e)
{
	char name[256] = "", self[PATH_MAX], hu[PATH_MAX], hg[PATH_MAX];
	(void)e;
	memset(m, 0, sizeof(*m));
	m->uid = getuid();
	m->gid = getgid();
	if (m->uid == 0) {
		m->mode = CB_IDMAP_NONE;
		snprintf(m->reason, sizeof(m->reason), "real root: no user namespace");
		return 0;
	}
	m->mode = CB_IDMAP_SINGLE;
	m->own = -1;
	if (!user_name(m->uid, name, sizeof(name)))
		snprintf(name, sizeof(name), "%u", m->uid);
	if (!(m->nsubuid = sub_ranges("/etc/subuid", name, m->uid, m->uid, m->subuid))) {
		snprintf(m->reason, sizeof(m->reason), "no entry for %s (%u) in /etc/subuid", name, m->uid);
		return 0;
	}
	if (!(m->nsubgid = sub_ranges("/etc/subgid", name, m->uid, m->gid, m->subgid))) {
		m->nsubuid = 0;
		snprintf(m->reason, sizeof(m->reason), "no entry for %s (%u) in /etc/subgid", name, m->uid);
		return 0;
	}
	/* Step 2: the host's helpers. */
	int fu = find_helper("newuidmap", "CBOX_NEWUIDMAP", hu, sizeof(hu));
	int fg = find_helper("newgidmap", "CBOX_NEWGIDMAP", hg, sizeof(hg));
	size_t len = 0;
	if (!fu || !fg)
		len = snprintf(m->reason, sizeof(m->reason), "host %s missing", !fu ? hu : hg);
	else if (!privileged_file(hu) || !privileged_file(hg))
		len = snprintf(m->reason, sizeof(m->reason), "host %s is not setuid-root and has no file capabilities",
			       !privileged_file(hu) ? hu : hg);
	else {
		snprintf(m->helper[m->nhelpers], PATH_MAX, "%s", hu);
		snprintf(m->ghelper[m->nhelpers++], PATH_MAX, "%s", hg);
	}
	/* Step 3: this binary's own applets. */
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if (privileged_file(self)) {
			m->own = m->nhelpers;
			snprintf(m->helper[m->nhelpers], PATH_MAX, "%s", self);
			snprintf(m->ghelper[m->nhelpers++], PATH_MAX, "%s", self);
		} else {
			snprintf(m->self_why, sizeof(m->self_why), "%s is not setuid-root either", self);
			if (len)
				snprintf(m->reason + len, sizeof(m->reason) - len, "; %s", m->self_why);
		}
	}
	if (m->nhelpers)
		m->mode = CB_IDMAP_FULL;
	return 0;
}

/* A running newuidmap/newgidmap: its pid and the read end of its stdout+stderr. */
struct helper_run {
	pid_t pid;
	int out;
	const char *path;
};

/* Start helper (argv0 newuidmap/newgidmap) for pid with the full mapping: 0 -> id, then
 * every range. */
static int start_helper(struct helper_run *h, const char *path, const char *argv0, pid_t pid, unsigned id,
			const struct cb_idrange *r, int nr, char *why, size_t n)
{
	char num[3 * CB_IDMAP_MAX + 2][12];
	char *argv[3 * CB_IDMAP_MAX + 7];
	char *envp[] = { NULL };
	int p[2], a = 0;
	argv[a++] = (char *)argv0;
	snprintf(num[0], sizeof(num[0]), "%d", (int)pid);
	snprintf(num[1], sizeof(num[1]), "%u", id);
	argv[a++] = num[0];
	argv[a++] = "0";
	argv[a++] = num[1];
	argv[a++] = "1";
	for (int i = 0; i < nr; i++) {
		unsigned long v[3] = { r[i].inside, r[i].start, r[i].count };
		for (int k = 0; k < 3; k++) {
			snprintf(num[2 + 3 * i + k], sizeof(num[0]), "%lu", v[k]);
			argv[a++] = num[2 + 3 * i + k];
		}
	}
	argv[a] = NULL;
	h->path = path;
	h->pid = -1;
	h->out = -1;
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(why, n, "%s: pipe: %s", argv0, strerror(errno));
		return -1;
	}
	h->pid = fork();
	if (h->pid == 0) {
		dup2(p[1], 2);
		dup2(p[1], 1);
		execve(path, argv, envp);
		dprintf(2, "%s: %s", path, strerror(errno));
		_exit(127);
	}
	close(p[1]);
	h->out = p[0];
	return 0;
}

/* Wait for a started helper; its first line of complaint goes to why (unless why holds
 * one already). */
static int finish_helper(struct helper_run *h, char *why, size_t n)
{
	char buf[512];
	size_t got = 0;
	ssize_t k;
	while (h->out >= 0 && got < sizeof(buf) - 1 && (k = read(h->out, buf + got, sizeof(buf) - 1 - got)) != 0)
		if (k > 0)
			got += (size_t)k;
		else if (errno != EINTR)
			break;
	if (h->out >= 0)
		close(h->out);
	buf[got] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	int st = 0;
	while (h->pid > 0 && waitpid(h->pid, &st, 0) < 0 && errno == EINTR)
		;
	if (h->pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (h->pid > 0 && !why[0])
		snprintf(why, n, "%s failed: %s", h->path, buf[0] ? buf : "no message");
	return -1;
}

/* newuidmap and newgidmap for pid, side by side (each is a dynamically linked setuid
 * exec of about a millisecond; they write different files). */
static int run_helpers(const struct cb_idmap *m, int h, pid_t pid, char *why, size_t n)
{
	struct helper_run u, g;
	why[0] = '\0';
	int ru = start_helper(&u, m->helper[h], "newuidmap", pid, m->uid, m->subuid, m->nsubuid, why, n);
	int rg = start_helper(&g, m->ghelper[h], "newgidmap", pid, m->gid, m->subgid, m->nsubgid, why, n);
	ru = ru < 0 ? -1 : finish_helper(&u, why, n);
	rg = rg < 0 ? -1 : finish_helper(&g, why, n);
	return ru < 0 || rg < 0 ? -1 : 0;
}

int cb_idmap_map_pid(const struct cb_idmap *m, pid_t pid, cb_err *e)
{
	char why[512], path[64], map[64];
	if (m->mode == CB_IDMAP_FULL) {
		for (int h = 0; h < m->nhelpers; h++)
			if (run_helpers(m, h, pid, why, sizeof(why)) == 0)
				return 0;
		return cb_fail(e, EPERM, "id mapping of process %d: %s", (int)pid, why);
	}
	if (m->mode != CB_IDMAP_SINGLE)
		return cb_fail(e, EINVAL, "id mapping of process %d: no user namespace planned", (int)pid);
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	snprintf(map, sizeof(map), "0 %u 1\n", m->uid);
	int r = write_proc(path, map, e);
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
	if (r == 0)
		r = write_proc(path, "deny", e);
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	snprintf(map, sizeof(map), "0 %u 1\n", m->gid);
	if (r == 0)
		r = write_proc(path, map, e);
	return r;
}

/* A child unshares a user namespace and waits; the helpers map it from out here; we
 * join it (setns) and let the child go, or (keep) make it the pause process. On failure
 * nothing has changed for us. */
static int enter_full(struct cb_idmap *m, int h, int keep, char *why, size_t n)
{
	int ready[2], go[2];
	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0) {
		snprintf(why, n, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid_t c = fork();
	if (c == 0) {
		char b = 0;
		close(ready[0]);
		close(go[1]);
		int err = unshare(CLONE_NEWUSER) < 0 ? errno : 0;
		(void)!write(ready[1], &err, sizeof(err));
		if (read(go[0], &b, 1) == 1 && b == 'k')
			cb_pause_forever();
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	int err = EIO, r = -1;
	if (c < 0)
		snprintf(why, n, "fork: %s", strerror(errno));
	else if (read(ready[0], &err, sizeof(err)) != sizeof(err) || err)
		snprintf(why, n, "cannot create a user namespace: %s", strerror(err));
	else if (run_helpers(m, h, c, why, n) == 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)c);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWUSER) < 0)
			snprintf(why, n, "cannot join the mapped user namespace: %s", strerror(errno));
		else
			r = 0;
		if (fd >= 0)
			close(fd);
	}
	close(ready[0]);
	if (r == 0 && keep && write(go[1], "k", 1) == 1) {
		cb_pause_record(c);
		close(go[1]);
		return 0;
	}
	close(go[1]);
	while (c > 0 && waitpid(c, NULL, 0) < 0 && errno == EINTR)
		;
	return r;
}

/* The kernel makes a user namespace only for a single-threaded process: under
 * qemu-user (which runs a thread of its own) unshare(CLONE_NEWUSER) is EINVAL. */
static const char *userns_hint(int err)
{
	int n = 0;
	DIR *d = err == EINVAL ? opendir("/proc/self/task") : NULL;
	struct dirent *de;
	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	return n > 1 ? " (this process has several threads, as under qemu-user emulation, and the kernel "
		       "makes user namespaces only for single-threaded ones: run cbox natively, or as root)" : "";
}

static int enter_single(cb_err *e)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64];
	if (unshare(CLONE_NEWUSER) < 0) {
		int err = errno;
		return cb_fail(e, err, "cannot create a user namespace: %s%s", strerror(err), userns_hint(err));
	}
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
	int r = write_proc("/proc/self/uid_map", map, e);
	if (r == 0)
		r = write_proc("/proc/self/setgroups", "deny", e);
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
	if (r == 0)
		r = write_proc("/proc/self/gid_map", map, e);
	if (r == 0)
		cb_debug("user namespace: single mapping 0 -> %u:%u", (unsigned)uid, (unsigned)gid);
	return r;
}

int cb_userns_enter_single(cb_err *e)
{
	if (getuid() == 0)
		return 0;
	return enter_single(e);
}

/* The full mapping: join the pause process of an earlier run, else map a new namespace
 * with each helper in turn, kept by a new pause process when there is a runtime dir
 * (made under its lock: a racing run finds it). why[h]: how helper h failed. */
static int enter_full_any(struct cb_idmap *m, char why[2][512])
{
	char ur[200], gr[200];
	pid_t pause;
	ranges_text(m->subuid, m->nsubuid, ur, sizeof(ur));
	ranges_text(m->subgid, m->nsubgid, gr, sizeof(gr));
	int joined = cb_pause_join(m, &pause) == 0;
	int lock CB_AUTOCLOSE = joined ? -1 : cb_pause_lock(m);
	if (joined || (lock >= 0 && cb_pause_join(m, &pause) == 0)) {
		snprintf(m->reason, sizeof(m->reason), "sub-ids %s (uid) %s (gid), held by pause process %d", ur, gr,
			 (int)pause);
		return 0;
	}
	for (int h = 0; h < m->nhelpers; h++) {
		if (enter_full(m, h, lock >= 0, why[h], sizeof(why[h])) < 0)
			continue;
		if (h != m->own) {
			snprintf(m->reason, sizeof(m->reason), "sub-ids %s (uid) %s (gid), mapped by %s", ur, gr,
				 m->helper[h]);
		} else {
			char was[512];
			snprintf(was, sizeof(was), "%s", why[0][0] ? why[0] : m->reason);
			snprintf(m->reason, sizeof(m->reason), "%s; mapped by cbox's own newuidmap/newgidmap in %s", was,
				 m->helper[h]);
		}
		return 0;
	}
	return -1;
}

int cb_userns_enter(cb_err *e)
{
	struct cb_idmap *m = &cb_idmap_current;
	int r = cb_idmap_plan(m, e);
	if (r < 0 || m->mode == CB_IDMAP_NONE)
		return r;
	char why[2][512] = { "", "" };
	if (m->mode == CB_IDMAP_FULL && enter_full_any(m, why) == 0) {
		cb_debug("user namespace: full mapping (%s)", m->reason);
		return 0;
	}
	if (m->mode == CB_IDMAP_FULL) {
		/* Every step that failed, in ladder order: the host helper (found wanting, or
		 * tried), then cbox's own (tried, or not setuid). */
		char all[1024];
		snprintf(all, sizeof(all), "%s%s%s%s%s%s%s", m->reason, m->reason[0] ? "; " : "", why[0],
			 m->nhelpers == 2 ? "; " : "", m->nhelpers == 2 ? why[1] : "",
			 m->own < 0 && m->self_why[0] ? "; " : "", m->own < 0 ? m->self_why : "");
		snprintf(m->reason, sizeof(m->reason), "%s", all);
		m->mode = CB_IDMAP_SINGLE;
	}
	cb_info("single id mapping: %s", m->reason);
	return enter_single(e);
}

int cb_idmap_record(int rootfd, const char *root, int acknowledge, cb_err *e)
{
	const struct cb_idmap *m = &cb_idmap_current;
	char *text = NULL, ur[CB_IDMAP_TEXT], gr[CB_IDMAP_TEXT];
	if (m->mode == CB_IDMAP_UNSET || (m->mode == CB_IDMAP_NONE && cb_in_userns()))
		return 0; /* inside `cbox unshare`: the storage's own namespace, already recorded */
	cb_idmap_ranges(m, 0, ur, sizeof(ur));
	cb_idmap_ranges(m, 1, gr, sizeof(gr));
	cJSON *j = NULL;
	if (cb_read_file_at(rootfd, "storage.json", 65536, &text, NULL, e) == 0) {
		j = cJSON_Parse(text);
		free(text);
	}
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		j = cJSON_CreateObject();
	}
	cJSON *old = cJSON_GetObjectItem(j, "idmap");
	const char *omode = cJSON_GetStringValue(cJSON_GetObjectItem(old, "mode"));
	const char *our = cJSON_GetStringValue(cJSON_GetObjectItem(old, "uid_ranges"));
	const char *ogr = cJSON_GetStringValue(cJSON_GetObjectItem(old, "gid_ranges"));
	int same = omode && our && ogr && !strcmp(omode, cb_idmap_mode_name(m->mode)) && !strcmp(our, ur) && !strcmp(ogr, gr);
	if (same) {
		cJSON_Delete(j);
		return 0;
	}
	if (omode && !acknowledge) {
		cb_warn("storage %s was set up with the %s id mapping (%s), now %s (%s): %s; "
			"see 'cbox system migrate'", root, omode, our ? our : "?", cb_idmap_mode_name(m->mode), ur, m->reason);
		cJSON_Delete(j);
		return 0;
	}
	if (m->mode == CB_IDMAP_SINGLE)
		cb_warn("single id mapping for %s (only your own id inside): %s", root, m->reason);
	cJSON *n = cJSON_CreateObject();
	cJSON_AddStringToObject(n, "mode", cb_idmap_mode_name(m->mode));
	cJSON_AddStringToObject(n, "uid_ranges", ur);
	cJSON_AddStringToObject(n, "gid_ranges", gr);
	cJSON_AddStringToObject(n, "reason", m->reason);
	if (old)
		cJSON_ReplaceItemInObject(j, "idmap", n);
	else
		cJSON_AddItemToObject(j, "idmap", n);
	char *out = cb_json_print(j);
	cJSON_Delete(j);
	int r = cb_write_atomic(rootfd, "storage.json", out, strlen(out), 0600, e);
	free(out);
	return r;
}

int cb_idmap_changed(int rootfd, char *was, size_t n)
{
	char *text = NULL, ur[CB_IDMAP_TEXT];
	cb_err e;
	if (cb_read_file_at(rootfd, "storage.json", 65536, &text, NULL, &e) < 0)
		return 0;
	cJSON *j = cJSON_Parse(text);
	free(text);
	cJSON *old = cJSON_GetObjectItem(j, "idmap");
	const char *omode = cJSON_GetStringValue(cJSON_GetObjectItem(old, "mode"));
	const char *our = cJSON_GetStringValue(cJSON_GetObjectItem(old, "uid_ranges"));
	cb_idmap_ranges(&cb_idmap_current, 0, ur, sizeof(ur));
	int changed = omode && our && (strcmp(omode, cb_idmap_mode_name(cb_idmap_current.mode)) || strcmp(our, ur));
	if (changed)
		snprintf(was, n, "%s (%s)", omode, our);
	cJSON_Delete(j);
	return changed;
}

int cb_in_userns(void)
{
	char buf[128];
	if (cb_read_small_at(AT_FDCWD, "/proc/self/uid_map", buf, sizeof(buf)) <= 0)
		return 0;
	unsigned a, b, c;
	/* The initial namespace maps everything: "0 0 4294967295". */
	return !(sscanf(buf, "%u %u %u", &a, &b, &c) == 3 && a == 0 && b == 0 && c == 4294967295u);
}
