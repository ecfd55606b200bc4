//config:config APPLET_NEWUIDMAP
//config:	bool "newuidmap, newgidmap: set a user namespace's id maps (setuid helper)"
//config:	default y
//config:	help
//config:	  The only applets that keep setuid/file-capability privilege. Install the
//config:	  binary setuid-root (cbox --install DIR; chmod u+s) where the host has no
//config:	  working newuidmap.
//applet:CB_APPLET(newuidmap, newuidmap_main, CB_SUID)
//applet:CB_APPLET(newgidmap, newuidmap_main, CB_SUID)
//usage:Usage: newuidmap PID UID LOWERUID COUNT [UID LOWERUID COUNT]...
//usage:   or: newgidmap PID GID LOWERGID COUNT [GID LOWERGID COUNT]...
//usage:
//usage:Write the uid (gid) map of process PID's user namespace, as shadow's tools do:
//usage:each range LOWER..LOWER+COUNT-1 must lie in your /etc/subuid (/etc/subgid)
//usage:entries, or be your own id alone. PID must be your process.
/* newuidmap.c - the setuid surface. Runs with privilege; the checks, in order:
 *  1. fds 0-2 are open (else /dev/null), so no file opened below can become stderr;
 *     the environment is cleared: no PATH, locale, or anything else is read;
 *  2. the caller is the real uid/gid (getuid/getgid), never an argument or a variable;
 *     its name comes from /etc/passwd only, to match /etc/subuid(gid) entries;
 *  3. PID is all digits; /proc/PID is opened O_DIRECTORY|O_NOFOLLOW and everything after
 *     is relative to that fd (status, setgroups, uid_map/gid_map), so a recycled pid
 *     cannot swap the target between the check and the write;
 *  4. the target's real and effective uid and gid (/proc/PID/status) are the caller's;
 *  5. every range is three decimal numbers, COUNT > 0, no 32-bit overflow, and lies in
 *     one of the caller's /etc/subuid (subgid) entries or is exactly "ID CALLER 1";
 *     a refusal names the range and exits 1;
 *  6. newgidmap: when only the caller's own gid is mapped, "deny" goes to setgroups
 *     before the map (CVE-2018-7169: else the caller could drop groups it is denied by);
 *  7. the map is written in one write(2); the kernel checks the rest.
 * Nothing else in cbox runs with privilege: main.c drops it for every other applet. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idmap.h"

#define MAX_RANGES 340 /* the kernel's limit */

static const char *prog;

static int refuse(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	return 1;
}

static void caller_name(uid_t uid, char *name, size_t n)
{
	FILE *f = fopen("/etc/passwd", "re");
	char line[1024];
	snprintf(name, n, "%u", (unsigned)uid);
	while (f && fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		uint32_t u;
		char *c3 = c2 ? strchr(c2 + 1, ':') : NULL;
		if (!c3)
			continue;
		*c3 = '\0';
		if (cb_u32(c2 + 1, &u) == 0 && u == uid) {
			*c1 = '\0';
			snprintf(name, n, "%s", line);
			break;
		}
	}
	if (f)
		fclose(f);
}

/* Is lower..lower+count-1 inside one of name's (or the numeric id's) entries in file? */
static int in_subids(const char *file, const char *name, uid_t id, uint32_t lower, uint32_t count)
{
	FILE *f = fopen(file, "re");
	char line[512], idnum[16];
	int ok = 0;
	snprintf(idnum, sizeof(idnum), "%u", (unsigned)id);
	while (f && !ok && fgets(line, sizeof(line), f)) {
		const char *owner;
		uint32_t start, n;
		if (!cb_subid_line(line, &owner, &start, &n) || (strcmp(owner, name) && strcmp(owner, idnum)))
			continue;
		ok = lower >= start && (uint64_t)lower + count <= (uint64_t)start + n;
	}
	if (f)
		fclose(f);
	return ok;
}

/* The real and effective ids on the "Uid:" or "Gid:" line of status. */
static int owner_ok(const char *status, const char *key, unsigned want)
{
	const char *p = strstr(status, key);
	unsigned r, e;
	return p && sscanf(p + strlen(key), "%u %u", &r, &e) == 2 && r == want && e == want;
}

int newuidmap_main(int argc, char **argv)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
			_exit(1);
	clearenv();
	int gidmode = argv[0] && strstr(argv[0], "newgidmap") != NULL;
	prog = gidmode ? "newgidmap" : "newuidmap";
	uid_t ruid = getuid();
	gid_t rgid = getgid();
	unsigned self = gidmode ? (unsigned)rgid : (unsigned)ruid;
	const char *subfile = gidmode ? "/etc/subgid" : "/etc/subuid";
	char name[256], pidname[16], map[MAX_RANGES * 36], range[40];
	uint32_t pid;

	if (argc < 5 || (argc - 2) % 3 || (argc - 2) / 3 > MAX_RANGES) {
		fprintf(stderr, "Usage: %s PID %s LOWER COUNT [%s LOWER COUNT]...\n", prog, gidmode ? "GID" : "UID",
			gidmode ? "GID" : "UID");
		return 1;
	}
	if (cb_u32(argv[1], &pid) || pid == 0 || pid > INT32_MAX)
		return refuse("bad pid '%s'%s", argv[1], "");
	snprintf(pidname, sizeof(pidname), "%u", pid);
	caller_name(ruid, name, sizeof(name));

	int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int pidfd = procfd < 0 ? -1 : openat(procfd, pidname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (pidfd < 0)
		return refuse("cannot open /proc/%s: %s", pidname, strerror(errno));
	char status[4096];
	int sfd = openat(pidfd, "status", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n = sfd < 0 ? -1 : read(sfd, status, sizeof(status) - 1);
	if (n <= 0)
		return refuse("cannot read /proc/%s/status: %s", pidname, strerror(errno));
	status[n] = '\0';
	close(sfd);
	if (!owner_ok(status, "\nUid:", (unsigned)ruid) || !owner_ok(status, "\nGid:", (unsigned)rgid))
		return refuse("process %s does not belong to %s", pidname, name);

	size_t len = 0;
	int only_self = 1;
	for (int i = 2; i + 2 < argc; i += 3) {
		uint32_t inside, lower, count;
		snprintf(range, sizeof(range), "%.10s %.10s %.10s", argv[i], argv[i + 1], argv[i + 2]);
		if (cb_u32(argv[i], &inside) || cb_u32(argv[i + 1], &lower) || cb_u32(argv[i + 2], &count) || count == 0 ||
		    (uint64_t)inside + count > (uint64_t)UINT32_MAX + 1 || (uint64_t)lower + count > (uint64_t)UINT32_MAX + 1)
			return refuse("bad range '%s'%s", range, "");
		int own = lower == self && count == 1;
		if (!own && !in_subids(subfile, name, ruid, lower, count))
			return refuse("range %s not allowed for %s", range, name);
		only_self = only_self && own;
		len += (size_t)snprintf(map + len, sizeof(map) - len, "%u %u %u\n", inside, lower, count);
	}
	if (gidmode && only_self) {
		int fd = openat(pidfd, "setgroups", O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || write(fd, "deny", 4) != 4)
			return refuse("cannot write /proc/%s/setgroups: %s", pidname, strerror(errno));
		close(fd);
	}
	int fd = openat(pidfd, gidmode ? "gid_map" : "uid_map", O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || write(fd, map, len) != (ssize_t)len) {
		snprintf(range, sizeof(range), "%s: %s", gidmode ? "gid_map" : "uid_map", strerror(errno));
		return refuse("cannot write /proc/%s/%s", pidname, range);
	}
	return 0;
}
