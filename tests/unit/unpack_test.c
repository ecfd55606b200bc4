/* unpack_test.c - layer extraction: metadata kept, hostile entries refused, whiteouts in
 * both modes, and the rootless squash inside a user namespace. Runs as root. */
#include <grp.h>
#include <linux/openat2.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "cbox.h"
#include "unpack.h"
#include "unit.h"
#include "fixture.h"

static const char prelude[] =
	"OUT = os.getcwd() + '/outside'\n"
	"def add(t, name, type=tarfile.REGTYPE, data=b'', link='', mode=0o644, uid=0, gid=0, mtime=1000, pax=None, dev=(0, 0)):\n"
	"    ti = tarfile.TarInfo(name); ti.type = type; ti.linkname = link; ti.mode = mode\n"
	"    ti.uid, ti.gid, ti.mtime, ti.size = uid, gid, mtime, len(data)\n"
	"    ti.devmajor, ti.devminor = dev\n"
	"    if pax: ti.pax_headers = pax\n"
	"    t.addfile(ti, io.BytesIO(data) if data else None)\n"
	"def mk(name, *entries):\n"
	"    with tarfile.open(name, 'w', format=tarfile.PAX_FORMAT) as t:\n"
	"        for e in entries: add(t, *e[:-1], **e[-1]) if isinstance(e[-1], dict) else add(t, *e)\n"
	"R, D, L, H, F, C = tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.FIFOTYPE, tarfile.CHRTYPE\n";

static int py(const char *body)
{
	static char script[16384];
	snprintf(script, sizeof(script), "%s%s", prelude, body);
	return fx_py(script);
}

/* Unpack fixture `tar` into a fresh directory `dest` under the scratch dir. */
static int unpack(const char *tar, const char *dest, const struct cb_unpack_opts *o, struct cb_unpack_stats *st,
		  cb_err *e)
{
	struct fx_fd f;
	mkdir(fx_path(dest), 0755);
	int dfd = open(fx_path(dest), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct cb_reader in = fx_open(&f, tar, 3000);
	int r = cb_unpack_tar(&in, dfd, tar, o, st, e);
	close(dfd);
	close(f.fd);
	return r;
}

/* Fails, with exactly this message (or one containing it, when `sub`). */
static int refuses(const char *tar, const char *dest, int sub, const char *want)
{
	cb_err e = { 0 };
	struct cb_unpack_opts o = { .whiteouts = CB_WH_OVERLAY, .rootless = 0 };
	int r = unpack(tar, dest, &o, NULL, &e);
	int ok = r < 0 && (sub ? strstr(e.msg, want) != NULL : strcmp(e.msg, want) == 0);
	if (!ok)
		printf("  %s: r=%d '%s', want '%s'\n", tar, r, e.msg, want);
	return ok;
}

static int ok_unpack(const char *tar, const char *dest, const struct cb_unpack_opts *o, struct cb_unpack_stats *st)
{
	cb_err e = { 0 };
	int r = unpack(tar, dest, o, st, &e);
	if (r < 0)
		printf("  %s: %s\n", tar, e.msg);
	return r == 0;
}

static struct stat sb;
/* lstat of a path under the scratch dir; 0 when it exists. */
static int ls(const char *p)
{
	memset(&sb, 0, sizeof(sb));
	return lstat(fx_path(p), &sb);
}
static int exists(const char *p) { return ls(p) == 0; }

static char xv[256];
static ssize_t xattr(const char *p, const char *name)
{
	memset(xv, 0, sizeof(xv));
	return lgetxattr(fx_path(p), name, xv, sizeof(xv));
}

static int content_is(const char *p, const char *want)
{
	size_t n;
	char *b = fx_slurp(p, &n);
	int ok = b && n == strlen(want) && memcmp(b, want, n) == 0;
	free(b);
	return ok;
}

static void test_basic(void)
{
	CHECK(py("mk('basic.tar',\n"
		 "  ('./', D, {'mode': 0o711, 'mtime': 500}),\n"
		 "  ('d/', D, {'mode': 0o750, 'uid': 1000, 'gid': 1000, 'mtime': 1111111111}),\n"
		 "  ('d/f', R, b'hello', {'mode': 0o4755, 'uid': 1000, 'gid': 1000, 'mtime': 1234567890,\n"
		 "     'pax': {'SCHILY.xattr.user.foo': 'bar', 'SCHILY.xattr.trusted.overlay.opaque': 'y'}}),\n"
		 "  ('d/g', R, b'', {'mode': 0o2711, 'uid': 1000, 'gid': 50}),\n"
		 "  ('d/s', L, b'', 'f', {'uid': 1000, 'gid': 1000, 'mtime': 1300000000}),\n"
		 "  ('d/h', H, b'', 'd/f'),\n"
		 "  ('d/p', F, {'mode': 0o640}),\n"
		 "  ('d/c', C, {'mode': 0o666, 'dev': (1, 3)}),\n"
		 "  ('t/', D, {'mode': 0o1777}),\n"
		 "  ('implicit/deep/file', R, b'deep'),\n"
		 "  ('ro/', D, {'mode': 0o555, 'mtime': 2000}),\n"
		 "  ('ro/inner', R, b'in'),\n"
		 "  ('d/f2', R, b'old'), ('d/f2', R, b'new'),\n"
		 "  ('rep', R, b'file'), ('rep/', D, {'mode': 0o700}),\n"
		 "  ('rep2/', D), ('rep2/x', R, b'x'), ('rep2', R, b'now a file'),\n"
		 "  ('./d/./dots//f3', R, b'3'),\n"
		 ")\n") == 0);
	struct cb_unpack_stats st = { 0 };
	struct cb_unpack_opts o = { .whiteouts = CB_WH_OVERLAY, .rootless = 0 };
	CHECK(ok_unpack("basic.tar", "basic", &o, &st));
	CHECK(st.entries == 20 && st.squashed_ids == 0 && st.skipped_devices == 0);

	CHECK(ls("basic") == 0 && (sb.st_mode & 07777) == 0711 && sb.st_mtime == 500);
	CHECK(ls("basic/d") == 0 && S_ISDIR(sb.st_mode) && (sb.st_mode & 07777) == 0750);
	CHECK(sb.st_uid == 1000 && sb.st_gid == 1000);
	CHECK(sb.st_mtime == 1111111111); /* set after its children were written */
	CHECK(ls("basic/d/f") == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 07777) == 04755);
	CHECK(sb.st_uid == 1000 && sb.st_gid == 1000 && sb.st_mtime == 1234567890 && sb.st_nlink == 2);
	ino_t ino = sb.st_ino;
	CHECK(content_is("basic/d/f", "hello"));
	CHECK(xattr("basic/d/f", "user.foo") == 3 && !strcmp(xv, "bar"));
	CHECK(xattr("basic/d/f", "trusted.overlay.opaque") < 0); /* never taken from a layer */
	CHECK(ls("basic/d/g") == 0 && (sb.st_mode & 07777) == 02711 && sb.st_uid == 1000 && sb.st_gid == 50);
	CHECK(ls("basic/d/s") == 0 && S_ISLNK(sb.st_mode) && sb.st_uid == 1000 && sb.st_mtime == 1300000000);
	char lnk[64] = { 0 };
	CHECK(readlink(fx_path("basic/d/s"), lnk, sizeof(lnk) - 1) == 1 && !strcmp(lnk, "f"));
	CHECK(ls("basic/d/h") == 0 && sb.st_ino == ino);
	CHECK(ls("basic/d/p") == 0 && S_ISFIFO(sb.st_mode) && (sb.st_mode & 07777) == 0640);
	CHECK(ls("basic/d/c") == 0 && S_ISCHR(sb.st_mode) && sb.st_rdev == makedev(1, 3) && (sb.st_mode & 07777) == 0666);
	CHECK(ls("basic/t") == 0 && (sb.st_mode & 07777) == 01777);
	CHECK(content_is("basic/implicit/deep/file", "deep"));
	CHECK(ls("basic/ro") == 0 && (sb.st_mode & 07777) == 0555 && sb.st_mtime == 2000);
	CHECK(content_is("basic/ro/inner", "in"));
	CHECK(content_is("basic/d/f2", "new"));
	CHECK(ls("basic/rep") == 0 && S_ISDIR(sb.st_mode) && (sb.st_mode & 07777) == 0700);
	CHECK(content_is("basic/rep2", "now a file"));
	CHECK(content_is("basic/d/dots/f3", "3"));

	/* rootless: the device node is skipped and counted, the rest is unchanged */
	struct cb_unpack_opts rl = { .whiteouts = CB_WH_OVERLAY, .rootless = 1 };
	memset(&st, 0, sizeof(st));
	CHECK(ok_unpack("basic.tar", "basic-rl", &rl, &st));
	CHECK(st.skipped_devices == 1 && st.entries == 20);
	CHECK(!exists("basic-rl/d/c") && exists("basic-rl/d/p"));
}

/* The kept-open parent directory: a later entry that replaces it is not written around,
 * and new files in a setgid directory still get the entry's group; modes exact under a umask. */
static void test_parent_cache(void)
{
	CHECK(py("mk('stale.tar', ('a/b/f1', R, b'1'), ('a/b', L, b'', '../elsewhere'), ('a/b/f2', R, b'2'))\n"
		 "mk('stale2.tar', ('a/b/f1', R, b'1'), ('a/b', R, b'now a file'), ('a/b/f2', R, b'2'))\n"
		 "mk('sg.tar', ('f', R, b'x'), ('sub/', D), ('sub/g', R, b'y'), ('sub/l', L, b'', 'g'))\n") == 0);
	CHECK(refuses("stale.tar", "stale", 1, "parent 'a/b' is a symlink"));
	CHECK(refuses("stale2.tar", "stale2", 1, "'a/b': Not a directory"));
	CHECK(mkdir(fx_path("sg"), 0755) == 0 && chown(fx_path("sg"), 0, 123) == 0 && chmod(fx_path("sg"), 02755) == 0);
	struct cb_unpack_opts o = { .whiteouts = CB_WH_OVERLAY, .rootless = 0 };
	CHECK(ok_unpack("sg.tar", "sg", &o, NULL));
	CHECK(ls("sg/f") == 0 && sb.st_gid == 0);
	CHECK(ls("sg/sub") == 0 && sb.st_gid == 0);
	CHECK(ls("sg/sub/g") == 0 && sb.st_gid == 0);
	CHECK(ls("sg/sub/l") == 0 && sb.st_gid == 0);
	/* the umask does not clip an entry's mode */
	CHECK(py("mk('modes.tar', ('a', R, b'1', {'mode': 0o664}), ('b', R, b'2', {'mode': 0o444}),\n"
		 "   ('c', R, b'3', {'mode': 0o755}), ('d', R, b'4', {'mode': 0o000}), ('e', R, b'5', {'mode': 0o4755}))\n") == 0);
	mode_t old = umask(022);
	CHECK(ok_unpack("modes.tar", "modes", &o, NULL));
	umask(old);
	CHECK(ls("modes/a") == 0 && (sb.st_mode & 07777) == 0664);
	CHECK(ls("modes/b") == 0 && (sb.st_mode & 07777) == 0444 && content_is("modes/b", "2"));
	CHECK(ls("modes/c") == 0 && (sb.st_mode & 07777) == 0755);
	CHECK(ls("modes/d") == 0 && (sb.st_mode & 07777) == 0000);
	CHECK(ls("modes/e") == 0 && (sb.st_mode & 07777) == 04755);
}

static int have_openat2;

static void test_hostile(void)
{
	struct open_how how = { .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC };
	long fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));
	have_openat2 = fd >= 0;
	if (fd >= 0)
		close((int)fd);

	CHECK(fx_sh("mkdir -p outside && echo secret > outside/secret && echo target > outside/target") == 0);
	CHECK(py("mk('abs.tar', ('ok', R, b'1'), (OUT + '/abs', R, b'x'))\n"
		 "mk('dotdot.tar', ('a/', D), ('a/../../outside/x', R, b'x'))\n"
		 "mk('symabs.tar', ('x', L, b'', OUT), ('x/passwd', R, b'pwned'))\n"
		 "mk('symrel.tar', ('x', L, b'', '../outside'), ('x/passwd', R, b'pwned'))\n"
		 "mk('symin.tar', ('etc/', D), ('x', L, b'', '/etc'), ('x/passwd', R, b'pwned'))\n"
		 "mk('hlrel.tar', ('h', H, b'', '../outside/secret'))\n"
		 "mk('hlabs.tar', ('h', H, b'', OUT + '/secret'))\n"
		 "mk('hlsym.tar', ('s', L, b'', OUT), ('h', H, b'', 's/secret'))\n"
		 "mk('hlmissing.tar', ('h', H, b'', 'nothere'))\n"
		 "mk('lastsym.tar', ('f', L, b'', OUT + '/target'), ('f', R, b'new'))\n"
		 "mk('dirparent.tar', ('real/', D), ('link', L, b'', 'real'), ('link/file', R, b'via link'))\n"
		 "mk('ctrl.tar', ('a\\x1b[2J/../../x', R, b'x'))\n") == 0);
	struct stat etc_before, etc_after;
	stat("/etc/passwd", &etc_before);

	char want[1024];
	snprintf(want, sizeof(want), "layer abs.tar: entry '%s/outside/abs': absolute path", fx_dir);
	CHECK(refuses("abs.tar", "abs", 0, want));
	CHECK(!exists("outside/abs") && content_is("abs/ok", "1"));
	CHECK(refuses("dotdot.tar", "dotdot", 0, "layer dotdot.tar: entry 'a/../../outside/x': path escapes the layer"));
	CHECK(!exists("outside/x"));
	/* symlink, then a write through it: refused by both resolvers */
	CHECK(refuses("symrel.tar", "symrel", 1, "entry 'x/passwd': parent 'x' is a symlink"));
	CHECK(!exists("outside/passwd") && !exists("symrel/x/passwd"));
	if (have_openat2) {
		/* resolved inside the layer, where it leads nowhere */
		CHECK(refuses("symabs.tar", "symabs", 0,
			      "layer symabs.tar: entry 'x/passwd': parent 'x' is a symlink to nothing inside the layer"));
		CHECK(!exists("outside/passwd") && !exists("symabs/x/passwd"));
		/* ... and when the target exists inside, the write stays inside */
		CHECK(ok_unpack("symin.tar", "symin", NULL, NULL));
		CHECK(content_is("symin/etc/passwd", "pwned"));
		stat("/etc/passwd", &etc_after);
		CHECK(etc_before.st_size == etc_after.st_size && etc_before.st_mtime == etc_after.st_mtime &&
		      etc_before.st_ino == etc_after.st_ino);
	}
	/* hardlinks: the target must be in the layer */
	CHECK(refuses("hlrel.tar", "hlrel", 0,
		      "layer hlrel.tar: entry 'h': hardlink target '../outside/secret': target escapes the layer"));
	CHECK(refuses("hlabs.tar", "hlabs", 1, "target escapes the layer"));
	CHECK(refuses("hlsym.tar", "hlsym", 0, "layer hlsym.tar: entry 'h': hardlink target 's/secret' not found in the layer"));
	CHECK(refuses("hlmissing.tar", "hlmissing", 1, "hardlink target 'nothere' not found in the layer"));
	CHECK(ls("outside/secret") == 0 && sb.st_nlink == 1 && content_is("outside/secret", "secret\n"));
	/* an existing symlink is replaced, never written through */
	CHECK(ok_unpack("lastsym.tar", "lastsym", NULL, NULL));
	CHECK(ls("lastsym/f") == 0 && S_ISREG(sb.st_mode) && content_is("lastsym/f", "new"));
	CHECK(content_is("outside/target", "target\n"));
	/* control characters in names stay out of messages */
	CHECK(refuses("ctrl.tar", "ctrl", 0, "layer ctrl.tar: entry 'a?[2J/../../x': path escapes the layer"));

	/* a symlinked parent inside the layer resolves in the layer with openat2 ... */
	if (have_openat2) {
		CHECK(ok_unpack("dirparent.tar", "dirparent", NULL, NULL));
		CHECK(content_is("dirparent/real/file", "via link"));
	} else {
		printf("SKIP unit/unpack: openat2 checks: the kernel has no openat2\n");
	}
	/* ... and is refused by the walk used where openat2 is missing */
	cb_unpack_no_openat2 = 1;
	CHECK(refuses("dirparent.tar", "dirparent-walk", 0, "layer dirparent.tar: entry 'link/file': parent 'link' is a symlink"));
	CHECK(!exists("dirparent-walk/real/file"));
	CHECK(refuses("symabs.tar", "symabs-walk", 1, "entry 'x/passwd': parent 'x' is a symlink"));
	CHECK(refuses("dotdot.tar", "dotdot-walk", 1, "path escapes the layer"));
	CHECK(refuses("hlsym.tar", "hlsym-walk", 1, "hardlink target 's/secret' not found in the layer"));
	CHECK(ok_unpack("basic.tar", "basic-walk", NULL, NULL));
	CHECK(content_is("basic-walk/implicit/deep/file", "deep") && ls("basic-walk/d") == 0 && sb.st_mtime == 1111111111);
	cb_unpack_no_openat2 = 0;
	CHECK(!exists("outside/passwd") && !exists("outside/x") && !exists("outside/file"));
}

static void test_whiteouts(void)
{
	CHECK(py("mk('wh.tar', ('.wh.gone', R, b''), ('d/', D), ('d/.wh..wh..opq', R, b''), ('d/keep', R, b'k'),\n"
		 "   ('e/.wh.sub', R, b''), ('mine', R, b'm'), ('.wh.mine', R, b''), ('.wh..wh.plnk', R, b''))\n"
		 "mk('del.tar', ('d/sub/mine', R, b'mine'), ('d/new', R, b'n'), ('d/.wh..wh..opq', R, b''),\n"
		 "   ('d/after', R, b'a'), ('.wh.gone', R, b''), ('.wh.gonedir', R, b''), ('keepdir/y', R, b'y'),\n"
		 "   ('own', R, b'o'), ('.wh.own', R, b''), ('.wh.never', R, b''), ('nodir/.wh..wh..opq', R, b''))\n") == 0);
	struct cb_unpack_opts o = { .whiteouts = CB_WH_OVERLAY, .rootless = 0 };
	CHECK(ok_unpack("wh.tar", "wh", &o, NULL));
	CHECK(ls("wh/gone") == 0 && S_ISCHR(sb.st_mode) && sb.st_rdev == makedev(0, 0));
	CHECK(ls("wh/e/sub") == 0 && S_ISCHR(sb.st_mode) && sb.st_rdev == makedev(0, 0));
	CHECK(xattr("wh/d", "trusted.overlay.opaque") == 1);
	CHECK_STR(xv, "y");
	CHECK(xattr("wh/d", "user.overlay.opaque") < 0);
	CHECK(content_is("wh/d/keep", "k"));
	CHECK(content_is("wh/mine", "m")); /* a whiteout does not hide its own layer's file */
	CHECK(!exists("wh/.wh.gone") && !exists("wh/.wh..wh.plnk") && !exists("wh/d/.wh..wh..opq"));
	struct cb_unpack_opts rl = { .whiteouts = CB_WH_OVERLAY, .rootless = 1 };
	CHECK(ok_unpack("wh.tar", "wh-rl", &rl, NULL));
	CHECK(xattr("wh-rl/d", "user.overlay.opaque") == 1 && !strcmp(xv, "y"));
	CHECK(xattr("wh-rl/d", "trusted.overlay.opaque") < 0);

	/* delete mode, onto a lower tree */
	CHECK(fx_sh("mkdir -p del/d/sub del/gonedir/a del/keepdir && touch del/d/l1 del/d/l2 del/d/sub/old "
		    "del/gone del/gonedir/a/b del/keepdir/x del/never-touched && ln -s /etc del/d/lowlink") == 0);
	struct cb_unpack_opts dm = { .whiteouts = CB_WH_DELETE, .rootless = 0 };
	CHECK(ok_unpack("del.tar", "del", &dm, NULL));
	CHECK(!exists("del/d/l1") && !exists("del/d/l2") && !exists("del/d/sub/old") && !exists("del/d/lowlink"));
	CHECK(content_is("del/d/sub/mine", "mine") && content_is("del/d/new", "n") && content_is("del/d/after", "a"));
	CHECK(!exists("del/gone") && !exists("del/gonedir"));
	CHECK(exists("del/keepdir/x") && content_is("del/keepdir/y", "y") && exists("del/never-touched"));
	CHECK(content_is("del/own", "o"));
	CHECK(!exists("del/.wh.gone") && !exists("del/d/.wh..wh..opq") && !exists("del/nodir"));
	CHECK(stat("/etc/passwd", &sb) == 0); /* the lower symlink to /etc went, not /etc */
}

/* ---- rootless: a child in a user namespace with the single mapping 0 -> OUTER ---- */
#define OUTER 54321
struct child_result {
	int r;
	struct cb_unpack_stats st;
	char msg[1024];
};

/* 0 or the unpacker's error (message in msg); 1 when user namespaces are unavailable. */
/* ".wh.." and ".wh..." name the directory itself and its parent: refused in both modes,
 * and in delete mode nothing around them goes. */
static void test_whiteout_dots(void)
{
	CHECK(py("mk('whdd.tar', ('a/b/x', R, b'x'), ('a/b/.wh...', R, b''))\n"
		 "mk('whd.tar', ('a/b/x', R, b'x'), ('a/b/.wh..', R, b''))\n") == 0);
	static const char *const tars[] = { "whdd.tar", "whd.tar" };
	static const char *const want[] = { "layer whdd.tar: entry 'a/b/.wh...': whiteout of '..' reaches outside its directory",
					     "layer whd.tar: entry 'a/b/.wh..': whiteout of '.' reaches outside its directory" };
	for (int i = 0; i < 2; i++) {
		char dest[32], p[64];
		for (int mode = 0; mode < 2; mode++) {
			struct cb_unpack_opts o = { .whiteouts = mode ? CB_WH_DELETE : CB_WH_OVERLAY };
			cb_err e = { 0 };
			snprintf(dest, sizeof(dest), "whd-%d-%d", i, mode);
			/* What a lower layer left: the whiteout's directory, a sibling, the root's file. */
			mkdir(fx_path(dest), 0755);
			snprintf(p, sizeof(p), "%s/a", dest);
			mkdir(fx_path(p), 0755);
			snprintf(p, sizeof(p), "%s/a/b", dest);
			mkdir(fx_path(p), 0755);
			snprintf(p, sizeof(p), "%s/a/sib", dest);
			close(open(fx_path(p), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
			CHECK(unpack(tars[i], dest, &o, NULL, &e) == -EPERM);
			if (strcmp(e.msg, want[i]))
				printf("  %s: '%s', want '%s'\n", tars[i], e.msg, want[i]);
			CHECK(!strcmp(e.msg, want[i]));
			CHECK(exists(p));
			snprintf(p, sizeof(p), "%s/a/b/x", dest);
			CHECK(exists(p));
		}
	}
}

static int rootless_unpack(const char *tar, const char *dest, struct cb_unpack_stats *st, char *msg)
{
	struct child_result res = { .r = -1 };
	int go[2], back[2];
	mkdir(fx_path(dest), 0755);
	if (chown(fx_path(dest), OUTER, OUTER) < 0 || pipe(go) < 0 || pipe(back) < 0)
		return -1;
	int dfd = open(fx_path(dest), O_RDONLY | O_DIRECTORY);
	struct fx_fd f;
	struct cb_reader in = fx_open(&f, tar, 4096);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char c;
		close(go[1]);
		close(back[0]);
		if (unshare(CLONE_NEWUSER) < 0)
			_exit(2); /* no user namespaces here */
		if (write(back[1], "u", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(3);
		/* become the namespace's root, i.e. OUTER outside */
		setgroups(0, NULL);
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			_exit(4);
		cb_err e = { 0 };
		struct cb_unpack_opts o = { .whiteouts = CB_WH_OVERLAY, .rootless = 1 };
		res.r = cb_unpack_tar(&in, dfd, tar, &o, &res.st, &e);
		memcpy(res.msg, e.msg, sizeof(res.msg));
		_exit(write(back[1], &res, sizeof(res)) == sizeof(res) ? 0 : 5);
	}
	close(go[0]);
	close(back[1]);
	char c, path[64], map[64];
	int ok = read(back[0], &c, 1) == 1;
	snprintf(map, sizeof(map), "0 %d 1\n", OUTER);
	const char *files[] = { "uid_map", "gid_map" };
	for (int i = 0; ok && i < 2; i++) {
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, files[i]);
		int fd = open(path, O_WRONLY);
		ok = fd >= 0 && write(fd, map, strlen(map)) == (ssize_t)strlen(map);
		if (fd >= 0)
			close(fd);
	}
	if (ok)
		ok = write(go[1], "g", 1) == 1;
	close(go[1]);
	if (ok && read(back[0], &res, sizeof(res)) != sizeof(res))
		res.r = -1, strcpy(res.msg, "child gave no result");
	close(back[0]);
	int status;
	waitpid(pid, &status, 0);
	close(dfd);
	close(f.fd);
	if (!ok && WIFEXITED(status) && WEXITSTATUS(status) == 2)
		res.r = 1;
	if (!ok)
		snprintf(res.msg, sizeof(res.msg), "user namespace setup failed (child status %d)", status);
	*st = res.st;
	strcpy(msg, res.msg);
	return res.r;
}

static int xattr_is(const char *p, const char *bytes, size_t n)
{
	ssize_t k = xattr(p, "user.rootlesscontainers");
	int ok = k == (ssize_t)n && memcmp(xv, bytes, n) == 0;
	if (!ok) {
		printf("  %s: user.rootlesscontainers is", p);
		for (ssize_t i = 0; i < k; i++)
			printf(" %02x", (unsigned char)xv[i]);
		printf(" (%zd bytes)\n", k);
	}
	return ok;
}

static void test_rootless(void)
{
	CHECK(py("mk('rl.tar', ('f', R, b'f', {'uid': 1000, 'gid': 1000, 'mode': 0o4755}),\n"
		 "  ('g', R, b'g', {'uid': 1000, 'gid': 0}), ('r', R, b'r'),\n"
		 "  ('d/', D, {'uid': 1000, 'gid': 1000, 'mode': 0o750}), ('d/l', L, b'', '../f', {'uid': 1000, 'gid': 1000}),\n"
		 "  ('c', C, {'dev': (1, 3)}), ('.wh.x', R, b''), ('o/.wh..wh..opq', R, b''),\n"
		 "  ('big', R, b'', {'uid': 300000, 'gid': 0x7fffffff}))\n") == 0);
	struct cb_unpack_stats st = { 0 };
	char msg[1024];
	int r = rootless_unpack("rl.tar", "rl", &st, msg);
	if (r == 1) {
		printf("SKIP unit/unpack: rootless squash: cannot create a user namespace\n");
		return;
	}
	if (r != 0)
		printf("  rootless unpack: %s\n", msg);
	CHECK(r == 0);
	CHECK(st.entries == 9 && st.squashed_ids == 5 && st.skipped_devices == 1);
	CHECK(ls("rl/f") == 0 && sb.st_uid == OUTER && sb.st_gid == OUTER && (sb.st_mode & 07777) == 04755);
	CHECK(xattr_is("rl/f", "\x08\xe8\x07\x10\xe8\x07", 6));                  /* uid 1000, gid 1000 */
	CHECK(xattr_is("rl/g", "\x08\xe8\x07\x10\xff\xff\xff\xff\x0f", 9));      /* gid 0: the no-op value */
	CHECK(xattr_is("rl/big", "\x08\xe0\xa7\x12\x10\xff\xff\xff\xff\x07", 10)); /* 300000, 2^31-1 */
	CHECK(ls("rl/r") == 0 && sb.st_uid == OUTER && xattr("rl/r", "user.rootlesscontainers") < 0);
	CHECK(ls("rl/d") == 0 && sb.st_uid == OUTER && (sb.st_mode & 07777) == 0750);
	CHECK(xattr_is("rl/d", "\x08\xe8\x07\x10\xe8\x07", 6));
	CHECK(ls("rl/d/l") == 0 && S_ISLNK(sb.st_mode) && sb.st_uid == OUTER);
	CHECK(!exists("rl/c"));
	CHECK(ls("rl/x") == 0 && S_ISCHR(sb.st_mode) && sb.st_rdev == makedev(0, 0));
	CHECK(xattr("rl/o", "user.overlay.opaque") == 1 && !strcmp(xv, "y"));
}

int main(void)
{
	unit_name = "unpack";
	cb_log_level = CB_LOG_ERROR; /* the ignored-xattr warnings are expected */
	fx_init();
	if (getuid() != 0) {
		printf("SKIP unit/unpack: needs root\n");
		fx_cleanup();
		return 0;
	}
	test_basic();
	test_parent_cache();
	test_hostile();
	test_whiteouts();
	test_whiteout_dots();
	test_rootless();
	fx_cleanup();
	return unit_end();
}
