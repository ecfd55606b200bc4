//config:config APPLET_CP
//config:	bool "cp: copy files between a container and the host"
//config:	default y
//applet:CB_APPLET(cp, cp_main, CB_NOSUID)
//usage:Usage: cbox cp [OPTIONS] CONTAINER:SRC DEST|-
//usage:       cbox cp [OPTIONS] SRC|- CONTAINER:DEST
//usage:       cbox cp [OPTIONS] CONTAINER:SRC CONTAINER:DEST
//usage:
//usage:Copy a file or directory out of a container, into it, or from one container into
//usage:another, running or stopped. A path in the container is resolved inside its root
//usage:(its symlinks cannot lead out; a relative one starts at its working directory; a
//usage:stopped container's volumes and binds are reached where they are on the host);
//usage:a symlink named as SRC, or as DEST's last name, is followed. SRC ending in /.
//usage:copies a directory's contents; '-' is a tar archive (gzip/zstd too) on standard
//usage:output or input (into a directory). Files copied in belong to the container's
//usage:user, files copied out to you; modes and times are kept.
//usage:
//usage:  -a, --archive[=BOOL] true: files copied in become the container user's; false:
//usage:                       they keep the owners they have (a tar's, the source's)
//usage:      --overwrite      replace a directory by a file or a file by a directory
//usage:                       (refused otherwise, as podman)
//usage:      --pause[=BOOL]   accepted (the container is not paused)
/* cp.c - cbox cp */
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "ctrfs.h"
#include "decompress.h"
#include "idmap.h"
#include "mount.h"
#include "tarw.h"
#include "unpack.h"
#include "walk.h"

/* "CTR:PATH" names a container (a path starting with / or . never does). */
static char *ctr_part(char *arg)
{
	char *colon = strchr(arg, ':');
	if (arg[0] == '/' || arg[0] == '.' || !colon || (strchr(arg, '/') && strchr(arg, '/') < colon))
		return NULL;
	*colon = '\0';
	return colon + 1;
}

/* SRC/. : the directory's contents, not the directory (the suffix is cut off). */
static int contents_only(char *path)
{
	size_t l = strlen(path);
	if (l >= 2 && !strcmp(path + l - 2, "/.")) {
		path[l - 2 + (l == 2)] = '\0';
		return 1;
	}
	return 0;
}

/* One side in a container: its root and the path in it (absolute). */
struct side {
	struct cb_ctrfs c;
	const char *ref;
	char path[4096];
	int rootfd; /* c.rootfd, or a volume's directory the path lies in */
	struct cb_unpack_opts own; /* how files copied in are owned (-a) */
};

static uid_t host_uid;
static gid_t host_gid;

/* "/a/./b/../c" is "/a/c" (lexically: the parents are resolved in-root afterwards). */
static void lexical(char *p)
{
	char out[4096];
	size_t o = 0;
	for (char *save, *c = strtok_r(p, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			while (o > 0 && out[--o] != '/')
				;
			continue;
		}
		o += (size_t)snprintf(out + o, sizeof(out) - o, "/%s", c);
		if (o >= sizeof(out))
			o = sizeof(out) - 1;
	}
	out[o] = '\0';
	strcpy(p, o ? out : "/");
}

/* A symlink as the path's last name, followed inside the root (at most 32 links). */
static void follow(int rootfd, char *path, size_t n)
{
	for (int hops = 0; hops < 32; hops++) {
		char name[4096], target[4096], tmp[8300];
		int pfd;
		cb_err ignore;
		if (cb_ctrfs_parent(rootfd, path, &pfd, name, sizeof(name), &ignore) < 0)
			return;
		ssize_t l = readlinkat(pfd, name, target, sizeof(target) - 1);
		close(pfd);
		if (l <= 0)
			return;
		target[l] = '\0';
		char *slash = strrchr(path, '/');
		snprintf(tmp, sizeof(tmp), "%.*s/%s", target[0] == '/' ? 0 : (int)(slash ? slash - path : 0), path, target);
		snprintf(path, n, "%s", tmp);
		lexical(path);
	}
}

/* The container's side: a relative path starts at its working directory; a path in a
 * stopped container's volume or bind is reached on the host (the deepest one). */
static void side_path(struct side *s, const char *arg)
{
	const cJSON *proc = cJSON_GetObjectItem(s->c.cfg, "process"), *v;
	const char *cwd = cJSON_GetStringValue(cJSON_GetObjectItem(proc, "cwd")) ?: "/";
	const char *user = cJSON_GetStringValue(cJSON_GetObjectItem(proc, "user")) ?: "";
	char *end;
	unsigned long u = strtoul(user, &end, 10);
	s->own.uid = (uint32_t)(end != user && (!*end || *end == ':') ? u : 0);
	s->own.gid = (uint32_t)(*end == ':' ? strtoul(end + 1, NULL, 10) : s->own.uid);
	if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(s->c.cfg, "userns")) ?: "", "keep-id") && host_uid) {
		s->own.keepid[0] = host_uid; /* ids as they show inside */
		s->own.keepid[1] = host_gid;
	}
	snprintf(s->path, sizeof(s->path), "%s%s%s", arg[0] == '/' ? "" : cwd, arg[0] == '/' ? "" : "/", arg);
	s->rootfd = s->c.rootfd;
	size_t best = 0;
	char clean[4096];
	snprintf(clean, sizeof(clean), "%s", s->path);
	lexical(clean);
	cJSON_ArrayForEach(v, cJSON_GetObjectItem(s->c.cfg, "volumes")) {
		const char *dst = cJSON_GetStringValue(cJSON_GetObjectItem(v, "dst")) ?: "";
		const char *src = cJSON_GetStringValue(cJSON_GetObjectItem(v, "src")) ?: "";
		size_t l = strlen(dst);
		while (l > 1 && dst[l - 1] == '/')
			l--;
		if (l <= best || strncmp(clean, dst, l) || (clean[l] && clean[l] != '/') ||
		    cJSON_IsTrue(cJSON_GetObjectItem(v, "tmpfs")) || cJSON_IsTrue(cJSON_GetObjectItem(v, "overlay")))
			continue;
		int fd = s->c.pid ? -1 : open(src, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (s->rootfd != s->c.rootfd)
			close(s->rootfd);
		s->rootfd = fd;
		best = l;
	}
	if (best) { /* the rest under the volume, with a trailing / or /. kept */
		size_t al = strlen(arg);
		const char *suffix = al >= 2 && !strcmp(arg + al - 2, "/.") ? "/." : al && arg[al - 1] == '/' ? "/" : "";
		snprintf(s->path, sizeof(s->path), "/%s%s", clean[best] ? clean + best + 1 : "", suffix);
	}
}

/* Unpack the tar stream from fd into dirfd; owners as *own says. */
static int unpack_into(int fd, int dirfd, const char *what, const struct cb_unpack_opts *own, cb_err *e)
{
	struct cb_reader in = cb_fd_reader(&fd), tar;
	struct cb_decompressor *dz = NULL;
	struct cb_unpack_opts uo = *own;
	uo.whiteouts = CB_WH_NONE;
	uo.rootless = cb_in_userns();
	int r = cb_decompress_open(&in, CB_COMP_AUTO, &tar, &dz, e);
	if (r == 0)
		r = cb_unpack_tar(&tar, dirfd, what, &uo, NULL, e);
	cb_decompress_free(dz);
	return r;
}

/* The tar of srcfd/name (named arcname; "" for a directory's contents) unpacked into
 * dirfd by way of a child and a pipe. */
static int copy(int srcfd, const char *name, const char *arcname, int dirfd, const char *what,
		const struct cb_unpack_opts *own, cb_err *e)
{
	struct cb_tartree_opts to = { .name = arcname, .one_fs = 1 };
	pid_t child;
	int status = 0, fd = cb_tartree_pipe(srcfd, name, &to, &child, e);
	if (fd < 0)
		return fd;
	int r = unpack_into(fd, dirfd, what, own, e);
	close(fd);
	waitpid(child, &status, 0);
	return r < 0 ? r : status ? cb_fail(e, EIO, "%s: reading the source failed", what) : 0;
}

/* Where a copy of something called `name` (a directory when isdir) lands at dest:
 * into dest when it is a directory there (named name, or its contents), else dest's
 * parent under dest's last name. *dirfd (O_RDONLY) and arcname filled; dest is opened
 * with open_in (in-root for the container, plain on the host). */
static int place(int rootfd, const char *dest, const char *name, int isdir, int contents, int *dirfd,
		 char *arcname, size_t n, cb_err *e)
{
	char rel[4096];
	snprintf(rel, sizeof(rel), "%s", dest + (rootfd >= 0 ? strspn(dest, "/") : 0));
	int fd = rootfd >= 0 ? cb_open_in(rootfd, rel, O_RDONLY | O_DIRECTORY)
			     : open(rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		*dirfd = fd;
		snprintf(arcname, n, "%s", contents ? "" : name);
		return 0;
	}
	if (errno != ENOENT && errno != ENOTDIR)
		return cb_fail_errno(e, errno, "%s", dest);
	int pfd;
	if (rootfd >= 0) {
		if (cb_ctrfs_parent(rootfd, dest, &pfd, arcname, n, e) < 0)
			return -ENOENT;
	} else {
		char d[4096], b[4096];
		snprintf(d, sizeof(d), "%s", dest);
		snprintf(b, sizeof(b), "%s", dest);
		snprintf(arcname, n, "%s", basename(b));
		if ((pfd = open(dirname(d), O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
			return cb_fail_errno(e, errno, "%s", dest);
	}
	struct stat st;
	if (isdir && fstatat(pfd, arcname, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		close(pfd);
		return cb_fail(e, ENOTDIR, "destination must be a directory when copying a directory");
	}
	*dirfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(pfd);
	return *dirfd >= 0 ? 0 : cb_fail_errno(e, errno, "%s", dest);
}

/* A directory where a file lands, or a file where a directory does: podman's refusal,
 * or with --overwrite the old one goes. where: the landing path as podman names it. */
static int clash(int dirfd, const char *arcname, int isdir, int overwrite, const char *where, cb_err *e)
{
	struct stat st;
	if (!arcname[0] || fstatat(dirfd, arcname, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) == !isdir)
		return 0;
	if (!overwrite)
		return cb_fail(e, EEXIST, "copier: put: error creating \"%s\": %s %s: file exists", where,
			       isdir ? "mkdir" : "open", where);
	int r = cb_rm_rf_at(dirfd, arcname);
	return r < 0 ? cb_fail_errno(e, -r, "remove %s", where) : 0;
}

static int open_side(struct cb_store *s, struct side *sd, const char *ref, const char *path, cb_err *e)
{
	sd->ref = ref;
	int r = cb_ctrfs_open(s, ref, CB_CTRFS_LIVE, &sd->c, e);
	if (r == 0)
		side_path(sd, path);
	return r;
}

int cp_main(int argc, char **argv)
{
	enum { O_ARCHIVE = 1, O_OVERWRITE, O_PAUSE };
	static const struct cb_option opts[] = {
		{ "archive", 'a', CB_OPT_BOOL, O_ARCHIVE },
		{ "overwrite", 0, CB_OPT_NONE, O_OVERWRITE },
		{ "pause", 0, CB_OPT_BOOL, O_PAUSE },
		{ 0 },
	};
	struct cb_opt_state st;
	int archive = 1, overwrite = 0, c;
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts))) {
		if (c == O_ARCHIVE)
			archive = !strcmp(st.arg, "true");
		overwrite |= c == O_OVERWRITE;
	}
	if (argc - st.ind != 2) {
		cb_usage_error("need a source and a destination");
		return CB_EXIT_FAIL;
	}
	char *src = argv[st.ind], *dst = argv[st.ind + 1];
	char *src_in = ctr_part(src), *dst_in = ctr_part(dst);
	if (!src_in && !dst_in) {
		fprintf(stderr, "Error: invalid arguments %s, %s: name a container on one side at least (CONTAINER:PATH)\n",
			argv[st.ind], argv[st.ind + 1]);
		return CB_EXIT_FAIL;
	}
	/* a host destination is a directory or a regular file (checked before our user
	 * namespace: /dev/stdout's pipe may be closed to us there) */
	struct stat dst_st;
	if (!dst_in && strcmp(dst, "-") && stat(dst, &dst_st) == 0 && !S_ISDIR(dst_st.st_mode) &&
	    !S_ISREG(dst_st.st_mode)) {
		fprintf(stderr, "Error: invalid destination: \"%s\" must be a directory or a regular file\n", dst);
		return CB_EXIT_FAIL;
	}
	static struct side from, to;
	struct cb_store s;
	cb_err e;
	host_uid = getuid();
	host_gid = getgid();
	if (cb_userns_enter(&e) < 0 || cb_store_open(&s, cb_opt_root, &e) < 0 ||
	    (src_in && open_side(&s, &from, src, src_in, &e) < 0) || (dst_in && open_side(&s, &to, dst, dst_in, &e) < 0))
		cb_die(&e);
	char what[4200], name[4096], arc[4096], where[8300];
	const char *open_name = name;
	int r = 0, pfd = -1, dirfd = -1, contents = contents_only(src_in ? from.path : src);
	struct stat sst;
	snprintf(what, sizeof(what), "%s:%s", dst_in ? dst : src, dst_in ? dst_in : src_in);
	/* the source: pfd/name */
	if (src_in) {
		int trailing = from.path[strlen(from.path) - 1] == '/';
		char path[4096];
		snprintf(path, sizeof(path), "%s", from.path);
		lexical(path);
		follow(from.rootfd, path, sizeof(path));
		r = cb_ctrfs_parent(from.rootfd, path, &pfd, name, sizeof(name), &e);
		if (r == 0 && fstatat(pfd, name[0] ? name : ".", &sst, AT_SYMLINK_NOFOLLOW) < 0)
			r = -errno;
		if (r == 0 && trailing && !S_ISDIR(sst.st_mode))
			r = -ENOTDIR;
		if (r < 0) {
			fprintf(stderr, "Error: \"%s\" could not be found on container %s: %s\n", src_in, src,
				r == -ENOENT ? "no such file or directory" : strerror(-r));
			return CB_EXIT_FAIL;
		}
		contents |= !name[0];
		/* opened by the (followed) target's name; archived and landing under the name asked for */
		static char target[4096];
		char asked[4096];
		snprintf(target, sizeof(target), "%s", name);
		open_name = target;
		snprintf(asked, sizeof(asked), "%s", from.path);
		lexical(asked);
		snprintf(name, sizeof(name), "%s", strrchr(asked, '/') + 1);
	} else if (strcmp(src, "-")) {
		char d[4096], b[4096];
		snprintf(d, sizeof(d), "%s", src);
		snprintf(b, sizeof(b), "%s", src);
		snprintf(name, sizeof(name), "%s", basename(b));
		pfd = open(dirname(d), O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (pfd < 0 || fstatat(pfd, name, &sst, AT_SYMLINK_NOFOLLOW) < 0) {
			fprintf(stderr, "Error: \"%s\" could not be found on the host: %s\n", src,
				errno == ENOENT ? "no such file or directory" : strerror(errno));
			return CB_EXIT_FAIL;
		}
	}
	int isdir = pfd >= 0 && S_ISDIR(sst.st_mode);
	contents &= isdir;
	if (!dst_in && !strcmp(dst, "-")) { /* a tar on stdout */
		static struct cb_tarw w;
		struct cb_tartree_opts o = { .name = contents ? "" : name, .one_fs = 1 };
		cb_tarw_init(&w, 1);
		r = cb_tartree(&w, pfd, open_name, &o, &e);
		if (r == 0)
			r = cb_tarw_finish(&w, &e);
	} else if (!src_in && !strcmp(src, "-")) { /* a tar from stdin, into a directory */
		dirfd = cb_open_in(to.rootfd, to.path + strspn(to.path, "/"), O_RDONLY | O_DIRECTORY);
		if (dirfd < 0) {
			fprintf(stderr, "Error: destination must be a directory when copying from stdin\n");
			return CB_EXIT_FAIL;
		}
		to.own.own = archive;
		r = unpack_into(0, dirfd, what, &to.own, &e);
		if (r < 0 && strstr(e.msg, "tar")) {
			fprintf(stderr, "Error: source must be a (compressed) tar archive when copying from stdin\n");
			return CB_EXIT_FAIL;
		}
	} else {
		char dpath[4096];
		int root = dst_in ? to.rootfd : -1;
		if (dst_in) {
			size_t l = strlen(to.path);
			snprintf(dpath, sizeof(dpath), "%s", to.path);
			lexical(dpath);
			if (to.path[l - 1] == '/') { /* a directory, which must be there */
				int fd = cb_open_in(to.rootfd, dpath + 1, O_PATH | O_DIRECTORY);
				if (fd < 0) {
					fprintf(stderr, "Error: \"%s\" could not be found on container %s: no such file or directory\n",
						dst_in, dst);
					return CB_EXIT_FAIL;
				}
				close(fd);
			}
			follow(to.rootfd, dpath, sizeof(dpath)); /* podman writes through a link */
		} else {
			/* an existing one through its links: a copy replaces no host symlink */
			char *real = realpath(dst, NULL);
			snprintf(dpath, sizeof(dpath), "%s", real ? real : dst);
			free(real);
		}
		r = place(root, dpath, name, isdir, contents, &dirfd, arc, sizeof(arc), &e);
		if (r == -ENOENT && dst_in) {
			fprintf(stderr, "Error: \"%s\" could not be found on container %s: no such file or directory\n", dst_in,
				dst);
			return CB_EXIT_FAIL;
		}
		/* podman names the landing path in the container, or under the host directory */
		snprintf(where, sizeof(where), "%s/%s", dst_in && strcmp(dpath, "/") ? dpath : "", arc);
		if (r == 0)
			r = clash(dirfd, arc, isdir, overwrite, where, &e);
		struct cb_unpack_opts mine = { .own = 1, .uid = geteuid(), .gid = getegid() };
		to.own.own = archive;
		if (r == 0)
			r = copy(pfd, open_name, arc, dirfd, what, dst_in ? &to.own : &mine, &e);
	}
	if (r < 0) {
		if (!strstr(e.msg, "copier:") && !strstr(e.msg, "destination must"))
			cb_err_prefix(&e, "cp");
		cb_die(&e);
	}
	return 0;
}
