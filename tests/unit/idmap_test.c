/* idmap_test.c - the ladder's plan from /etc/subuid(gid) (numeric entries, none), and
 * cb_idmap_map_pid mapping a waiting CLONE_NEWUSER child from outside, full (through the
 * host's newuidmap) and single. Needs root: test files are bound over /etc/subuid and
 * /etc/subgid in a private mount namespace, then the test drops to uid 4242. */
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cbox.h"
#include "idmap.h"
#include "unit.h"

#define TEST_UID 4242

static int bind_text(const char *path, const char *text, const char *onto)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -1;
	close(fd);
	return mount(path, onto, NULL, MS_BIND, NULL);
}

/* A child in a new user namespace, mapped by cb_idmap_map_pid; its uid_map, gid_map and
 * setgroups as it sees them, in out. */
static int mapped_child(const struct cb_idmap *m, char *out, size_t n)
{
	int go[2], back[2];
	if (pipe(go) < 0 || pipe(back) < 0)
		return -1;
	pid_t c = fork();
	if (c == 0) {
		char b, buf[512];
		size_t len = 0;
		close(go[1]);
		close(back[0]);
		if (unshare(CLONE_NEWUSER) < 0)
			_exit(1);
		(void)!write(back[1], "u", 1);
		if (read(go[0], &b, 1) != 1)
			_exit(1);
		static const char *const files[] = { "/proc/self/uid_map", "/proc/self/gid_map", "/proc/self/setgroups" };
		for (int i = 0; i < 3; i++) {
			int fd = open(files[i], O_RDONLY);
			ssize_t k = fd < 0 ? 0 : read(fd, buf + len, sizeof(buf) - 1 - len);
			len += k > 0 ? (size_t)k : 0;
			if (fd >= 0)
				close(fd);
		}
		(void)!write(back[1], buf, len);
		_exit(0);
	}
	close(go[0]);
	close(back[1]);
	char b;
	cb_err e = { 0 };
	int r = read(back[0], &b, 1) == 1 ? cb_idmap_map_pid(m, c, &e) : -1;
	if (r < 0)
		printf("  map_pid: %s\n", e.msg);
	(void)!write(go[1], "g", 1);
	ssize_t k, len = 0;
	while ((k = read(back[0], out + len, n - 1 - (size_t)len)) > 0)
		len += k;
	out[len] = '\0';
	waitpid(c, NULL, 0);
	return r;
}

static int worker(void)
{
	char sub[] = "/tmp/cbox-idmap-test-XXXXXX", path[128], out[1024];
	struct cb_idmap m;
	cb_err e;
	if (!mkdtemp(sub) || unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		CHECK(!"private mount namespace");
		return unit_failures;
	}
	chmod(sub, 0755);
	/* shadow's newuidmap wants the caller in /etc/passwd. */
	char pw[65536] = "";
	int pfd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	ssize_t pn = pfd < 0 ? 0 : read(pfd, pw, sizeof(pw) - 100);
	if (pfd >= 0)
		close(pfd);
	snprintf(pw + (pn > 0 ? pn : 0), 100, "cboxidmap:x:4242:4242::/:/bin/sh\n");
	snprintf(path, sizeof(path), "%s/passwd", sub);
	CHECK(bind_text(path, pw, "/etc/passwd") == 0);
	snprintf(path, sizeof(path), "%s/subuid", sub);
	/* A line with a third number is no range at all (the planner once read 4242:1:2). */
	CHECK(bind_text(path, "someone:10:5\n4242:1:2:3\n4242:100000:65536\n", "/etc/subuid") == 0);
	snprintf(path, sizeof(path), "%s/subgid", sub);
	CHECK(bind_text(path, "4242:200000:1000\n", "/etc/subgid") == 0);
	/* No entry: single, and the reason names the file (in a mount namespace of its own). */
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		snprintf(path, sizeof(path), "%s/empty", sub);
		CHECK(unshare(CLONE_NEWNS) == 0 && bind_text(path, "", "/etc/subuid") == 0);
		CHECK(setresgid(TEST_UID, TEST_UID, TEST_UID) == 0 && setresuid(TEST_UID, TEST_UID, TEST_UID) == 0);
		CHECK(cb_idmap_plan(&m, &e) == 0);
		CHECK_STR(cb_idmap_mode_name(m.mode), "single");
		CHECK(strstr(m.reason, "no entry for cboxidmap (4242) in /etc/subuid") != NULL);
		fflush(stdout);
		_exit(unit_failures);
	}
	int st;
	waitpid(p, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);

	CHECK(setgroups(0, NULL) == 0 && setresgid(TEST_UID, TEST_UID, TEST_UID) == 0 &&
	      setresuid(TEST_UID, TEST_UID, TEST_UID) == 0);
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0); /* as main.c after its drop: /proc/PID ours again */

	CHECK(cb_idmap_plan(&m, &e) == 0);
	if (access("/usr/bin/newuidmap", X_OK) == 0) {
		CHECK(m.mode == CB_IDMAP_FULL);
		CHECK(m.nsubuid == 1 && m.subuid[0].start == 100000 && m.subuid[0].count == 65536 && m.nsubgid == 1 &&
		      m.subgid[0].start == 200000 && m.subgid[0].count == 1000);
		CHECK(mapped_child(&m, out, sizeof(out)) == 0);
		CHECK(strstr(out, "1     100000      65536") != NULL);
		CHECK(strstr(out, "1     200000       1000") != NULL);
		CHECK(strstr(out, "allow") != NULL);
	} else {
		unit_skip("the full mapping", "no /usr/bin/newuidmap (Debian uidmap)");
	}
	m.mode = CB_IDMAP_SINGLE;
	CHECK(mapped_child(&m, out, sizeof(out)) == 0);
	CHECK(strstr(out, "0       4242          1\n         0       4242          1\ndeny") != NULL);
	if (unit_failures)
		printf("  child saw: %s\n", out);

	return unit_failures;
}

/* cb_subid_line, the one parser of the planner and the setuid helpers. */
static void test_subid_line(void)
{
	static const char *const bad[] = {
		"alice:1:2:3", "alice:1:2:", "alice:1", ":1:2", "alice:-1:5", "alice: 5:5", "alice:+5:5", "alice:5:0",
		"alice:5:5x", "alice:4294967295:2", "alice:99999999999:1", "alice::5", "",
	};
	for (size_t i = 0; i < CB_ARRAY_SIZE(bad); i++) {
		char line[64];
		const char *owner;
		uint32_t s, c;
		snprintf(line, sizeof(line), "%s\n", bad[i]);
		int r = cb_subid_line(line, &owner, &s, &c);
		if (r)
			printf("  accepted '%s'\n", bad[i]);
		CHECK(r == 0);
	}
	char ok[] = "alice:100000:65536\n", edge[] = "1000:4294967294:2";
	const char *owner;
	uint32_t s, c;
	CHECK(cb_subid_line(ok, &owner, &s, &c) == 1 && !strcmp(owner, "alice") && s == 100000 && c == 65536);
	CHECK(cb_subid_line(edge, &owner, &s, &c) == 1 && !strcmp(owner, "1000") && s == 4294967294u && c == 2);
}

int main(void)
{
	unit_name = "idmap";
	test_subid_line();
	if (getuid() != 0) {
		unit_skip("all checks", "needs root (test files bound over /etc/subuid, a drop to uid 4242)");
		return 0;
	}
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		worker();
		int r = unit_end();
		fflush(stdout);
		_exit(r);
	}
	int st;
	waitpid(p, &st, 0);
	if (!WIFEXITED(st)) {
		printf("FAIL unit/idmap: the worker died\n");
		return 1;
	}
	return WEXITSTATUS(st);
}
