/* idmap.c - user namespace entry. */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "idmap.h"

static int write_proc(const char *path, const char *text, cb_err *e)
{
	int fd CB_AUTOCLOSE = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return cb_fail_errno(e, errno, "write %s", path);
	return 0;
}

int cb_userns_enter_single(cb_err *e)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64];
	if (uid == 0)
		return 0;
	if (unshare(CLONE_NEWUSER) < 0)
		return cb_fail_errno(e, errno, "cannot create a user namespace");
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

int cb_in_userns(void)
{
	char buf[128] = "";
	int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	unsigned a, b, c;
	/* The initial namespace maps everything: "0 0 4294967295". */
	return !(sscanf(buf, "%u %u %u", &a, &b, &c) == 3 && a == 0 && b == 0 && c == 4294967295u);
}
