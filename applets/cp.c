//config:config APPLET_CP
//config:	bool "cp: copy files between a container and the host"
//config:	default y
//applet:CB_APPLET(cp, cp_main, CB_NOSUID)
//cmd:CB_CMD("cp", "container", 2, 2, "[CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH", "Copy files between a container and the host")
//usage:Copy a file or directory out of a container or into it, running or stopped. A
//usage:path in the container is resolved inside its root (its symlinks cannot lead out);
//usage:SRC ending in /. copies a directory's contents; '-' is a tar archive on standard
//usage:output or input (into a directory). Files copied in belong to the container's root,
//usage:files copied out to you; modes and times are kept.
//usage:
//usage:  -a, --archive        accepted (owners are mapped as said above)
//usage:      --overwrite      accepted (what is there is replaced anyway)
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

/* Unpack the tar stream from fd into dirfd, every entry owned by uid:gid. */
static int unpack_into(int fd, int dirfd, const char *what, uid_t uid, gid_t gid, cb_err *e)
{
	struct cb_reader in = cb_fd_reader(&fd), tar;
	struct cb_decompressor *dz = NULL;
	struct cb_unpack_opts uo = { .whiteouts = CB_WH_NONE, .rootless = cb_in_userns(), .own = 1, .uid = uid,
				     .gid = gid };
	int r = cb_decompress_open(&in, CB_COMP_AUTO, &tar, &dz, e);
	if (r == 0)
		r = cb_unpack_tar(&tar, dirfd, what, &uo, NULL, e);
	cb_decompress_free(dz);
	return r;
}

/* The tar of srcfd/name (named arcname; "" for a directory's contents) unpacked into
 * dirfd by way of a child and a pipe. */
static int copy(int srcfd, const char *name, const char *arcname, int dirfd, const char *what, uid_t uid, gid_t gid,
		cb_err *e)
{
	struct cb_tartree_opts to = { .name = arcname, .one_fs = 1 };
	pid_t child;
	int status = 0, fd = cb_tartree_pipe(srcfd, name, &to, &child, e);
	if (fd < 0)
		return fd;
	int r = unpack_into(fd, dirfd, what, uid, gid, e);
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
		return cb_fail(e, ENOTDIR, "%s: cannot copy a directory onto a file", dest);
	}
	*dirfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(pfd);
	return *dirfd >= 0 ? 0 : cb_fail_errno(e, errno, "%s", dest);
}

int cp_main(int argc, char **argv)
{
	static const struct cb_option opts[] = {
		{ "archive", 'a', CB_OPT_BOOL, 1 },
		{ "overwrite", 0, CB_OPT_NONE, 2 },
		{ 0 },
	};
	struct cb_opt_state st;
	cb_opt_init(&st, argc, argv);
	while (cb_getopt(&st, opts))
		;
	char *src = argv[st.ind], *dst = argv[st.ind + 1];
	char *src_in = ctr_part(src), *dst_in = ctr_part(dst);
	if (!src_in == !dst_in) {
		fprintf(stderr, "Error: invalid arguments %s, %s: name a container on exactly one side (CONTAINER:PATH)\n",
			argv[st.ind], argv[st.ind + 1]);
		return CB_EXIT_FAIL;
	}
	const char *ref = src_in ? src : dst;
	struct cb_store s;
	struct cb_ctrfs c;
	cb_err e;
	if (cb_userns_enter(&e) < 0 || cb_store_open(&s, cb_opt_root, &e) < 0 ||
	    cb_ctrfs_open(&s, ref, CB_CTRFS_LIVE, &c, &e) < 0)
		cb_die(&e);
	char what[4200], name[4096], arc[4096];
	int r, pfd = -1, dirfd = -1, contents = contents_only(src_in ? src_in : src);
	struct stat sst;
	if (src_in) { /* out of the container */
		snprintf(what, sizeof(what), "%s:%s", ref, src_in);
		r = cb_ctrfs_parent(c.rootfd, src_in, &pfd, name, sizeof(name), &e);
		if (r == 0 && fstatat(pfd, name[0] ? name : ".", &sst, AT_SYMLINK_NOFOLLOW) < 0)
			r = -errno;
		if (r < 0) {
			fprintf(stderr, "Error: \"%s\" could not be found on container %s: %s\n", src_in, ref,
				strerror(-r));
			return CB_EXIT_FAIL;
		}
		contents |= !name[0];
		if (!strcmp(dst, "-")) {
			static struct cb_tarw w;
			struct cb_tartree_opts to = { .name = contents ? "" : name, .one_fs = 1 };
			cb_tarw_init(&w, 1);
			r = cb_tartree(&w, pfd, name, &to, &e);
			if (r == 0)
				r = cb_tarw_finish(&w, &e);
		} else {
			r = place(-1, dst, name, S_ISDIR(sst.st_mode), contents && S_ISDIR(sst.st_mode), &dirfd, arc,
				  sizeof(arc), &e);
			if (r == 0)
				r = copy(pfd, name, arc, dirfd, what, geteuid(), getegid(), &e);
		}
	} else { /* into it */
		snprintf(what, sizeof(what), "%s:%s", ref, dst_in);
		if (!strcmp(src, "-")) {
			r = dirfd = cb_open_in(c.rootfd, dst_in + strspn(dst_in, "/"), O_RDONLY | O_DIRECTORY);
			if (dirfd < 0)
				r = cb_fail_errno(&e, errno, "%s: not a directory in the container", dst_in);
			else
				r = unpack_into(0, dirfd, what, 0, 0, &e);
		} else {
			char d[4096], b[4096];
			snprintf(d, sizeof(d), "%s", src);
			snprintf(b, sizeof(b), "%s", src);
			snprintf(name, sizeof(name), "%s", basename(b));
			pfd = open(dirname(d), O_PATH | O_DIRECTORY | O_CLOEXEC);
			r = pfd < 0 || fstatat(pfd, name, &sst, AT_SYMLINK_NOFOLLOW) < 0 ? cb_fail_errno(&e, errno, "%s", src) : 0;
			if (r == 0)
				r = place(c.rootfd, dst_in, name, S_ISDIR(sst.st_mode), contents && S_ISDIR(sst.st_mode),
					  &dirfd, arc, sizeof(arc), &e);
			if (r == 0)
				r = copy(pfd, name, arc, dirfd, what, 0, 0, &e);
		}
	}
	if (r < 0) {
		cb_err_prefix(&e, "cp");
		cb_die(&e);
	}
	cb_ctrfs_close(&c);
	return 0;
}
