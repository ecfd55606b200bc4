/* flags_test.c - run's flag parsers: capability names, --tmpfs options, env files. */
#include <stdlib.h>
#include <sys/mount.h>

#include "mount.h"
#include "proc.h"
#include "unit.h"

static void caps(void)
{
	CHECK(cb_cap_number("CHOWN") == 0);
	CHECK(cb_cap_number("cap_net_raw") == 13);
	CHECK(cb_cap_number("Cap_Sys_Admin") == 21);
	CHECK(cb_cap_number("CHECKPOINT_RESTORE") == 40);
	CHECK(cb_cap_number("all") == CB_CAP_ALL);
	CHECK(cb_cap_number("CAP_ALL") == CB_CAP_ALL);
	CHECK(cb_cap_number("bogus") == -1);
	CHECK(cb_cap_number("CAP_") == -1);
	CHECK(cb_cap_number("") == -1);
}

static void tmpfs(void)
{
	struct cb_tmpfs t;
	cb_err e;
	CHECK(cb_tmpfs_parse("/scratch", &t, &e) == 0);
	CHECK_STR(t.dst, "/scratch");
	CHECK(t.flags == (MS_NOEXEC | MS_NOSUID | MS_NODEV) && t.copyup && !t.data[0]);
	CHECK(cb_tmpfs_parse("/a/b:size=1m,mode=1777,exec,ro,notmpcopyup,uid=0", &t, &e) == 0);
	CHECK_STR(t.dst, "/a/b");
	CHECK(t.flags == (MS_NOSUID | MS_NODEV | MS_RDONLY) && !t.copyup);
	CHECK_STR(t.data, "size=1m,mode=1777,uid=0");
	CHECK(cb_tmpfs_parse("/x:rw,suid,dev,noatime", &t, &e) == 0 && t.flags == (MS_NOEXEC | MS_NOATIME));
	CHECK(cb_tmpfs_parse("/x:", &t, &e) == 0);
	CHECK(cb_tmpfs_parse("x", &t, &e) < 0 && strstr(e.msg, "must be absolute"));
	CHECK(cb_tmpfs_parse("/x:nosuchopt", &t, &e) < 0 && strstr(e.msg, "unknown option 'nosuchopt'"));
	CHECK(cb_tmpfs_parse("/x:size=", &t, &e) < 0);
	CHECK(cb_tmpfs_parse("/x:sizes=1", &t, &e) < 0);
}

static void env_file(void)
{
	char path[] = "/tmp/cbox-envfile-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	fputs("# comment\n\n\t A=1\nB= two =words \nUNIT_FROM_ENV\nUNIT_UNSET\nUNIT_PRE*\r\nC=\n", f);
	fclose(f);
	setenv("UNIT_FROM_ENV", "caller", 1);
	setenv("UNIT_PREFIX_1", "p1", 1);
	unsetenv("UNIT_UNSET");
	struct cb_proc_opts o = { 0 };
	cb_err e;
	o.env = calloc(2, sizeof(*o.env));
	o.env[0] = "A=from -e";
	o.nenv = 1;
	CHECK(cb_proc_env_file(&o, path, &e) == 0);
	CHECK(o.nenv == 6 && o.nenv_file == 5);
	CHECK_STR(o.env[0], "A=1");
	CHECK_STR(o.env[1], "B= two =words ");
	CHECK_STR(o.env[2], "UNIT_FROM_ENV=caller");
	CHECK_STR(o.env[3], "UNIT_PREFIX_1=p1");
	CHECK_STR(o.env[4], "C=");
	CHECK_STR(o.env[5], "A=from -e"); /* -e last: it wins */
	f = fopen(path, "w");
	fputs("=x\n", f);
	fclose(f);
	CHECK(cb_proc_env_file(&o, path, &e) < 0 && strstr(e.msg, "line 1: no variable name"));
	unlink(path);
	CHECK(cb_proc_env_file(&o, path, &e) < 0 && strstr(e.msg, "No such file"));
}

int main(void)
{
	unit_name = "flags";
	caps();
	tmpfs();
	env_file();
	return unit_end();
}
