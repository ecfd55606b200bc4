/* save_test.c - tar-split round trips: layers of many shapes (pax, GNU long names, global
 * headers, hardlinks, symlinked parents, chunk-sized metadata, trailing bytes after the
 * end blocks) go through cb_layer_store and come back out of cb_save_layer byte for
 * byte; the tar writer's output is read by tar(1). Runs as root (owners, devices). */
#include "cbox.h"
#include "layer.h"
#include "save.h"
#include "tarsplit.h"
#include "unit.h"
#include "fixture.h"

static struct cb_store store;

static const char prelude[] =
	"def add(t, name, type=tarfile.REGTYPE, data=b'', link='', uid=0, pax=None):\n"
	"    ti = tarfile.TarInfo(name); ti.type = type; ti.linkname = link; ti.mode = 0o644\n"
	"    ti.uid = ti.gid = uid; ti.mtime = 1234567890; ti.size = len(data)\n"
	"    if pax: ti.pax_headers = pax\n"
	"    t.addfile(ti, io.BytesIO(data) if data else None)\n"
	"R, D, L, H = tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE\n";

static int py(const char *body)
{
	static char script[8192];
	snprintf(script, sizeof(script), "%s%s", prelude, body);
	return fx_py(script);
}

/* Store fixture `name` as a layer (uncompressed: digest = diff_id = chain ID), save it
 * back into an archive and compare. Returns 1 when the bytes are identical. */
static int round_trip(const char *name)
{
	size_t len;
	char *orig = fx_slurp(name, &len);
	struct cb_layer_desc l = { .size = (long long)len, .compression = 1 };
	struct cb_unpack_stats st = { 0 };
	cb_err e = { 0 };
	if (!orig)
		return 0;
	cb_sha256_digest(orig, len, l.digest);
	strcpy(l.diff_id, l.digest);
	strcpy(l.chain_id, l.digest);
	struct fx_fd f;
	struct cb_reader in = fx_open(&f, name, 5000);
	int r = cb_layer_store(&store, &in, &l, &st, &e);
	close(f.fd);
	uint64_t size = 0;
	if (r == 0)
		r = cb_save_layer_size(&store, l.chain_id, l.diff_id, &size, &e);
	if (r == 0 && size != len)
		r = cb_fail(&e, EINVAL, "size %llu, want %zu", (unsigned long long)size, len);
	int fd = open(fx_path("out.tar"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	struct cb_tarw *w = malloc(sizeof(*w));
	cb_tarw_init(w, fd);
	if (r == 0)
		r = cb_save_layer(&store, l.chain_id, l.diff_id, "layer.tar", size, w, &e);
	if (r == 0)
		r = cb_tarw_finish(w, &e);
	close(fd);
	free(w);
	free(orig);
	if (r < 0) {
		printf("  %s: %s\n", name, e.msg);
		return 0;
	}
	/* tar(1) reads our archive; the entry is the original stream */
	return fx_sh("tar xOf out.tar layer.tar | cmp -s - %s", name) == 0;
}

static void test_shapes(void)
{
	CHECK(py("with tarfile.open('pax.tar', 'w', format=tarfile.PAX_FORMAT) as t:\n"
		 "    add(t, 'd', D)\n"
		 "    add(t, 'd/' + 'long' * 40, data=b'x' * 700, uid=200000)\n"
		 "    add(t, 'd/x', data=b'y' * 512, pax={'SCHILY.xattr.user.k': 'v', 'comment': 'c'})\n"
		 "    add(t, 'd/empty')\n"
		 "    add(t, 'd/hl', H, link='d/x')\n"
		 "    add(t, 'lnk', L, link='d')\n"
		 "    add(t, 'lnk/through', data=b'via a symlinked parent')\n"
		 "    add(t, 'd/.wh.gone')\n"
		 "    add(t, 'big', data=os.urandom(300000))\n") == 0);
	CHECK(round_trip("pax.tar"));
	CHECK(py("with tarfile.open('gnu.tar', 'w', format=tarfile.GNU_FORMAT) as t:\n"
		 "    add(t, 'n' * 150, data=b'long name')\n"
		 "    add(t, 's', L, link='t' * 150)\n"
		 "    for i in range(300): add(t, 'e%d' % i)\n" /* > one 64 KiB chunk of headers */
		 "    add(t, 'tail', data=b'z' * 100)\n") == 0);
	CHECK(round_trip("gnu.tar"));
	/* a global header, then trailing bytes after the end-of-archive blocks */
	CHECK(py("with tarfile.open('glob.tar', 'w', format=tarfile.PAX_FORMAT, pax_headers={'comment': 'g'}) as t:\n"
		 "    add(t, 'f', data=b'1234')\n"
		 "open('glob.tar', 'ab').write(b'\\0' * 3000 + b'trailing junk')\n") == 0);
	CHECK(round_trip("glob.tar"));
	/* the same layer twice: the second store is a no-op commit, saving still works */
	CHECK(round_trip("glob.tar"));
}

static void test_record(void)
{
	/* the record is gzip, and a modified file is caught by its digest */
	CHECK(fx_sh("for d in store/layers/*/; do head -c2 $d/tar-split | od -An -tx1 | grep -q '1f 8b' || exit 1; done") == 0);
	CHECK(py("with tarfile.open('mod.tar', 'w') as t:\n"
		 "    add(t, 'modme', data=b'original')\n") == 0);
	CHECK(round_trip("mod.tar"));
	CHECK(fx_sh("f=$(ls -d store/layers/*/diff/modme) && printf ORIGINAL >$f && printf %%s \"$f\" >modpath") == 0);
	size_t n;
	char *p = fx_slurp("modpath", &n);
	char chain[CB_DIGEST_LEN + 1];
	snprintf(chain, sizeof(chain), "sha256:%.64s", p ? p + strlen("store/layers/") : "");
	free(p);
	cb_err e = { 0 };
	uint64_t size;
	int fd = open("/dev/null", O_WRONLY);
	struct cb_tarw *w = malloc(sizeof(*w));
	cb_tarw_init(w, fd);
	int r = cb_save_layer_size(&store, chain, chain, &size, &e);
	CHECK(r == 0);
	CHECK(cb_save_layer(&store, chain, chain, "l.tar", size, w, &e) == -EBADMSG);
	CHECK(strstr(e.msg, "was modified since it was unpacked") != NULL);
	free(w);
	close(fd);
}

static void test_tarw(void)
{
	struct cb_tarw *w = malloc(sizeof(*w));
	cb_err e = { 0 };
	int fd = open(fx_path("w.tar"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	cb_tarw_init(w, fd);
	CHECK(cb_tarw_header(w, "dir/", CB_TARW_DIR, &e) == 0);
	CHECK(cb_tarw_file(w, "dir/a", "hello", 5, &e) == 0);
	CHECK(cb_tarw_header(w, "b", 10, &e) == 0);
	CHECK(cb_tarw_write(w, "0123456789x", 11, &e) == -EPROTO); /* more than announced */
	CHECK_STR(e.msg, "archive entry longer than its header says");
	CHECK(cb_tarw_write(w, "01234", 5, &e) == 0);
	CHECK(cb_tarw_finish(w, &e) == -EPROTO); /* 5 bytes short */
	CHECK(cb_tarw_write(w, "56789", 5, &e) == 0);
	CHECK(cb_tarw_header(w, "n" "123456789012345678901234567890123456789012345678901234567890"
			     "1234567890123456789012345678901234567890", 0, &e) == -ENAMETOOLONG);
	CHECK(cb_tarw_finish(w, &e) == 0);
	close(fd);
	free(w);
	CHECK(fx_sh("tar tvf w.tar | awk '{print $1, $2, $3, $NF}' | tr '\\n' ';' | "
		    "grep -qx 'drwxr-xr-x 0/0 0 dir/;-rw-r--r-- 0/0 5 dir/a;-rw-r--r-- 0/0 10 b;'") == 0);
	CHECK(fx_sh("tar xOf w.tar b | grep -qx 0123456789") == 0);
	CHECK(fx_sh("test $(($(stat -c %%s w.tar) %% 512)) = 0") == 0);
}

int main(void)
{
	cb_err e;
	unit_name = "save";
	cb_log_level = CB_LOG_ERROR;
	fx_init();
	if (getuid() != 0) {
		printf("SKIP unit/save: needs root\n");
		fx_cleanup();
		return 0;
	}
	if (cb_store_open(&store, fx_path("store"), &e) < 0) {
		printf("FAIL unit/save: %s\n", e.msg);
		return 1;
	}
	test_shapes();
	if (CFG_GZIP)
		test_record();
	else
		unit_skip("tar-split records", "CONFIG_GZIP is off");
	test_tarw();
	cb_store_close(&store);
	fx_cleanup();
	return unit_end();
}
