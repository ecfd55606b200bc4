/* keepid.c - --userns=keep-id: the nested user namespace, its maps, the passwd entry. */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "keepid.h"
#include "proc.h"

int cb_keepid_init(struct cb_keepid *k, cb_err *e)
{
	const struct cb_idmap *m = &cb_idmap_current;
	char line[4096], *f[7];
	memset(k, 0, sizeof(*k));
	k->req[0] = k->req[1] = k->go[0] = k->go[1] = -1;
	k->ids[0] = m->uid;
	k->ids[1] = m->gid;
	k->full = m->mode == CB_IDMAP_FULL;
	/* As podman: the caller's name and home from the host's passwd. */
	if (cb_db_find("/etc/passwd", NULL, m->uid, line, sizeof(line), f, 7)) {
		snprintf(k->name, sizeof(k->name), "%s", f[0]);
		snprintf(k->home, sizeof(k->home), "%s", f[5][0] ? f[5] : "/");
	} else {
		snprintf(k->name, sizeof(k->name), "%u", m->uid);
		snprintf(k->home, sizeof(k->home), "/");
	}
	if (pipe2(k->req, O_CLOEXEC) < 0 || pipe2(k->go, O_CLOEXEC) < 0)
		return cb_fail_errno(e, errno, "keep-id: pipe");
	return 0;
}

void cb_keepid_home(struct cb_keepid *k, const struct cb_volume *v, int n, const char *workdir)
{
	size_t len = strlen(k->home);
	while (len > 1) {
		for (int i = 0; i < n; i++)
			if (strlen(v[i].dst) == len && !strncmp(v[i].dst, k->home, len))
				return;
		while (len > 1 && k->home[--len] != '/')
			;
	}
	snprintf(k->home, sizeof(k->home), "%s", workdir && *workdir ? workdir : "/");
}

/* How many sub-ids the storage namespace has after its 0 (uid: which 0, gid 1). */
static unsigned long subids(const struct cb_idmap *m, int gid)
{
	unsigned long n = 0;
	for (int i = 0; m->mode == CB_IDMAP_FULL && i < (gid ? m->nsubgid : m->nsubuid); i++)
		n += gid ? m->subgid[i].count : m->subuid[i].count;
	return n;
}

int cb_keepid_nomap(struct cb_keepid *k, cb_err *e)
{
	if (!k->full)
		return cb_fail(e, EINVAL, "--userns nomap: needs sub-ids (/etc/subuid, /etc/subgid): without them "
				       "only your own id exists");
	k->nomap = 1;
	k->ids[0] = (unsigned)subids(&cb_idmap_current, 0);
	k->ids[1] = (unsigned)subids(&cb_idmap_current, 1);
	return 0;
}

void cb_keepid_ids(struct cb_keepid *k, long uid, long gid)
{
	if (uid >= 0)
		k->ids[0] = (unsigned)uid;
	if (gid >= 0)
		k->ids[1] = (unsigned)gid;
}

void cb_keepid_close(struct cb_keepid *k)
{
	for (int i = 0; i < 2; i++) {
		if (k->req[i] >= 0)
			close(k->req[i]);
		if (k->go[i] >= 0)
			close(k->go[i]);
		k->req[i] = k->go[i] = -1;
	}
}

/* Append line to file (made when missing) unless it has an entry for id already. */
static void add_entry(const struct cb_keepid *k, const char *file, unsigned id, const char *text)
{
	char line[4096], *f[7];
	if (cb_db_find(file, NULL, id, line, sizeof(line), f, 4))
		return;
	int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd >= 0 && k->full)
		fchown(fd, (uid_t)cb_keepid_out(0, k->ids[0]), (gid_t)cb_keepid_out(0, k->ids[1])); /* root's inside */
	if (fd < 0)
		fd = open(file, O_WRONLY | O_APPEND | O_CLOEXEC);
	/* A read-only rootfs keeps its files: the entry is a convenience. */
	if (fd >= 0) {
		(void)!write(fd, text, strlen(text));
		close(fd);
	}
}

/* /dev is a tmpfs made out here, so ours: root's inside, as in the image. */
static void dev_owner(const struct cb_keepid *k)
{
	uid_t u = (uid_t)cb_keepid_out(0, k->ids[0]);
	gid_t g = (gid_t)cb_keepid_out(0, k->ids[1]);
	int fd = open("/dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	struct stat st;
	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, "..") && fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_uid == 0)
			fchownat(fd, de->d_name, u, g, AT_SYMLINK_NOFOLLOW);
	if (d)
		closedir(d);
	else if (fd >= 0)
		close(fd);
}

int cb_keepid_child(struct cb_keepid *k, cb_err *e)
{
	char text[1024], b = 0;
	if (k->full)
		dev_owner(k);
	snprintf(text, sizeof(text), "%s:*:%u:%u:%s:%s:/bin/sh\n", k->name, k->ids[0], k->ids[1], k->name, k->home);
	if (!k->nomap)
		add_entry(k, "/etc/passwd", k->ids[0], text);
	snprintf(text, sizeof(text), "%s:x:%u:\n", k->name, k->ids[1]);
	if (!k->nomap)
		add_entry(k, "/etc/group", k->ids[1], text);
	if (unshare(CLONE_NEWUSER) < 0)
		return cb_fail_errno(e, errno, "--userns=keep-id: cannot create the user namespace");
	if (write(k->req[1], &b, 1) != 1 || read(k->go[0], &b, 1) != 1)
		return cb_fail(e, EIO, "--userns=keep-id: the user namespace was not mapped");
	return 0;
}

/* "0 1 min(U,N)\nU 0 1\nU+1 U+1 N-U\n" for self U in a storage namespace of 0..N. */
static void map_text(unsigned self, unsigned long n, int nomap, char *buf, size_t size)
{
	size_t len = 0;
	if (n)
		len += (size_t)snprintf(buf + len, size - len, "0 1 %lu\n", n < self ? n : self);
	if (!nomap)
		len += (size_t)snprintf(buf + len, size - len, "%u 0 1\n", self);
	if (n > self)
		snprintf(buf + len, size - len, "%u %u %lu\n", self + 1, self + 1, n - self);
}

static int write_map(pid_t pid, const char *file, const char *text, cb_err *e)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	int fd CB_AUTOCLOSE = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return cb_fail_errno(e, errno, "--userns=keep-id: write %s", path);
	return 0;
}

int cb_keepid_parent(struct cb_keepid *k, const struct cb_idmap *m, pid_t pid, cb_err *e)
{
	char b, text[128];
	ssize_t n;
	close(k->req[1]);
	close(k->go[0]);
	k->req[1] = k->go[0] = -1;
	while ((n = read(k->req[0], &b, 1)) < 0 && errno == EINTR)
		;
	if (n != 1)
		return 1;
	/* The storage namespace's ids: 0 and the sub-ids after it. */
	map_text(k->ids[0], subids(m, 0), k->nomap, text, sizeof(text));
	int r = write_map(pid, "uid_map", text, e);
	map_text(k->ids[1], subids(m, 1), k->nomap, text, sizeof(text));
	if (r == 0)
		r = write_map(pid, "gid_map", text, e);
	if (r == 0 && write(k->go[1], &b, 1) != 1)
		r = cb_fail_errno(e, errno, "--userns=keep-id: pipe");
	return r;
}
