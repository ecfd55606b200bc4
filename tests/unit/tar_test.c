/* tar_test.c - the streaming tar reader on archives written by python's tarfile and
 * GNU tar: ustar, pax, GNU long names, base-256 numbers, and broken archives. */
#include <inttypes.h>

#include "cbox.h"
#include "tar.h"
#include "unit.h"
#include "fixture.h"

static const char types[] = "-dlhpcb";

/* One line per entry: "T path [-> link] mode uid:gid mtime[.ns] size [maj,min] [x=v..]
 * : first bytes", reading at most `peek` bytes of contents (the rest is skipped). */
static int list(const char *name, size_t chunk, size_t peek, char *out, size_t n, cb_err *e)
{
	struct fx_fd f;
	struct cb_reader in = fx_open(&f, name, chunk);
	struct cb_tar *t;
	const struct cb_tar_entry *en;
	int r;
	out[0] = '\0';
	if ((r = cb_tar_open(&in, &t, e)) < 0)
		return r;
	while ((r = cb_tar_next(t, &en, e)) > 0) {
		size_t k = strlen(out);
		k += snprintf(out + k, n - k, "%c %s", types[en->type], en->path);
		if (en->linkpath[0])
			k += snprintf(out + k, n - k, " -> %s", en->linkpath);
		k += snprintf(out + k, n - k, " %04o %" PRIu32 ":%" PRIu32 " %" PRId64, en->mode, en->uid, en->gid, en->mtime);
		if (en->mtime_nsec)
			k += snprintf(out + k, n - k, ".%09ld", en->mtime_nsec);
		k += snprintf(out + k, n - k, " %" PRIu64, en->size);
		if (en->type == CB_TAR_CHAR || en->type == CB_TAR_BLOCK)
			k += snprintf(out + k, n - k, " %u,%u", en->devmajor, en->devminor);
		for (size_t i = 0; i < en->nxattrs; i++) {
			k += snprintf(out + k, n - k, " %s=", en->xattrs[i].name);
			for (size_t j = 0; j < en->xattrs[i].len; j++) {
				unsigned char c = (unsigned char)en->xattrs[i].value[j];
				k += snprintf(out + k, n - k, c >= 0x20 && c < 0x7f ? "%c" : "\\%o", c);
			}
		}
		if (peek && en->size) {
			struct cb_reader c = cb_tar_contents(t);
			char buf[64] = { 0 };
			size_t want = peek < sizeof(buf) - 1 ? peek : sizeof(buf) - 1, got = 0;
			while (got < want) {
				ssize_t m = cb_read(&c, buf + got, want - got, e);
				if (m < 0) {
					cb_tar_free(t);
					close(f.fd);
					return (int)m;
				}
				if (m == 0)
					break;
				got += (size_t)m;
			}
			k += snprintf(out + k, n - k, " : %.*s", (int)got, buf);
		}
		snprintf(out + k, n - k, "\n");
	}
	cb_tar_free(t);
	close(f.fd);
	return r;
}

static int lists_as(const char *name, size_t chunk, const char *want)
{
	static char got[65536];
	cb_err e = { 0 };
	int r = list(name, chunk, 16, got, sizeof(got), &e);
	int ok = r == 0 && strcmp(got, want) == 0;
	if (!ok)
		printf("  %s: r=%d %s\n--- got:\n%s--- want:\n%s", name, r, e.msg, got, want);
	return ok;
}

static int fails(const char *name, const char *pat)
{
	static char got[65536];
	cb_err e = { 0 };
	int r = list(name, 4096, 1 << 20, got, sizeof(got), &e);
	int ok = r < 0 && strstr(e.msg, pat);
	if (!ok)
		printf("  %s: want failure with '%s', got r=%d '%s'\n", name, pat, r, e.msg);
	return ok;
}

int main(void)
{
	unit_name = "tar";
	fx_init();
	CHECK(fx_py(
		"def add(t, name, type=tarfile.REGTYPE, data=b'', link='', mode=0o644, uid=0, gid=0, mtime=1000, pax=None, dev=(0, 0)):\n"
		"    ti = tarfile.TarInfo(name); ti.type = type; ti.linkname = link; ti.mode = mode\n"
		"    ti.uid, ti.gid, ti.mtime, ti.size = uid, gid, mtime, len(data)\n"
		"    ti.devmajor, ti.devminor = dev\n"
		"    if pax: ti.pax_headers = pax\n"
		"    t.addfile(ti, io.BytesIO(data) if data else None)\n"
		"def common(t):\n"
		"    add(t, 'd/', tarfile.DIRTYPE, mode=0o755, uid=1, gid=2)\n"
		"    add(t, 'd/f', data=b'hello', mode=0o4755, uid=1000, gid=1000, mtime=1234567890)\n"
		"    add(t, 'd/s', tarfile.SYMTYPE, link='f')\n"
		"    add(t, 'd/h', tarfile.LNKTYPE, link='d/f')\n"
		"    add(t, 'p', tarfile.FIFOTYPE, mode=0o600)\n"
		"    add(t, 'c', tarfile.CHRTYPE, dev=(1, 3))\n"
		"    add(t, 'b', tarfile.BLKTYPE, dev=(8, 1))\n"
		"    add(t, 'big', data=b'0123456789' * 100)\n"
		"    add(t, 'z', data=b'end')\n"
		"with tarfile.open('ustar.tar', 'w', format=tarfile.USTAR_FORMAT) as t:\n"
		"    common(t)\n"
		"    add(t, 'p' * 120 + '/' + 'n' * 90, data=b'split')\n"
		"with tarfile.open('pax.tar', 'w', format=tarfile.PAX_FORMAT, pax_headers={'comment': 'global'}) as t:\n"
		"    add(t, 'L' * 300, data=b'long')\n"
		"    add(t, 's', tarfile.SYMTYPE, link='T' * 200)\n"
		"    add(t, 'x', data=b'xa', uid=3000000, gid=7, pax={'SCHILY.xattr.user.foo': 'bar', 'SCHILY.xattr.user.bin': 'a\\x00\\x01'})\n"
		"    add(t, 'frac', pax={'mtime': '1.5'})\n"
		"    add(t, 'neg', pax={'mtime': '-1.25'})\n"
		"with tarfile.open('gnu.tar', 'w', format=tarfile.GNU_FORMAT) as t:\n"
		"    add(t, 'G' * 300, data=b'gnu')\n"
		"    add(t, 'k', tarfile.SYMTYPE, link='K' * 300)\n"
		"    add(t, 'u', uid=10000000, gid=20000000)\n"
		/* base-256 size and a negative base-256 mtime, by hand */
		"def hdr(name, size, field_size=None, field_mtime=None, type=tarfile.REGTYPE):\n"
		"    ti = tarfile.TarInfo(name); ti.size = size; ti.type = type\n"
		"    b = bytearray(ti.tobuf(tarfile.USTAR_FORMAT))\n"
		"    if field_size: b[124:136] = field_size\n"
		"    if field_mtime: b[136:148] = field_mtime\n"
		"    b[148:156] = b' ' * 8; b[148:156] = b'%06o\\0 ' % sum(b)\n"
		"    return bytes(b)\n"
		"def pad(d): return d + b'\\0' * (-len(d) % 512)\n"
		"with open('b256.tar', 'wb') as f:\n"
		"    f.write(hdr('big', 5, b'\\x80' + b'\\0' * 10 + b'\\x05', b'\\xff' * 11 + b'\\xfe') + pad(b'12345'))\n"
		"    f.write(b'\\0' * 1024)\n"
		"with open('badnum.tar', 'wb') as f:\n"
		"    f.write(hdr('ok', 0) + hdr('f', 0, field_size=b'0000000009\\0\\0') + b'\\0' * 1024)\n"
		"with open('type.tar', 'wb') as f:\n"
		"    f.write(hdr('dev', 0, type=b'V') + b'\\0' * 1024)\n"
		"with tarfile.open('pathmax.tar', 'w', format=tarfile.PAX_FORMAT) as t:\n"
		"    add(t, 'a/' * 2100)\n"
		"with tarfile.open('gnumax.tar', 'w', format=tarfile.GNU_FORMAT) as t:\n"
		"    add(t, 'a/' * 2100)\n"
		"with tarfile.open('paxmax.tar', 'w', format=tarfile.PAX_FORMAT) as t:\n"
		"    add(t, 'f', pax={'comment': 'x' * (1024 * 1024 + 1)})\n"
		"with tarfile.open('sparse.tar', 'w', format=tarfile.PAX_FORMAT) as t:\n"
		"    add(t, 'f', pax={'GNU.sparse.size': '100'})\n"
		"with tarfile.open('badpax.tar', 'w', format=tarfile.PAX_FORMAT) as t:\n"
		"    add(t, 'f', pax={'uid': 'nope'})\n") == 0);
	CHECK(fx_sh("head -c 700 ustar.tar > trunc-hdr.tar && head -c 4620 ustar.tar > trunc-data.tar && head -c 5000 ustar.tar > trunc-skip.tar && "
		    "head -c 3072 ustar.tar > cut.tar && "
		    "cp ustar.tar badsum.tar && printf X | dd of=badsum.tar bs=1 seek=1 conv=notrunc 2>/dev/null && "
		    "mkdir -p src/dir && echo data > src/dir/file && ln -s file src/dir/link && chmod 755 src/dir && chmod 644 src/dir/file && "
		    "tar --format=gnu --sort=name --owner=0 --group=0 --mtime=@1000 -C src -cf gnutar.tar dir") == 0);

	const char *common =
		"d d/ 0755 1:2 1000 0\n"
		"- d/f 4755 1000:1000 1234567890 5 : hello\n"
		"l d/s -> f 0644 0:0 1000 0\n"
		"h d/h -> d/f 0644 0:0 1000 0\n"
		"p p 0600 0:0 1000 0\n"
		"c c 0644 0:0 1000 0 1,3\n"
		"b b 0644 0:0 1000 0 8,1\n"
		"- big 0644 0:0 1000 1000 : 0123456789012345\n"
		"- z 0644 0:0 1000 3 : end\n";
	char want[8192];
	{
		/* the prefix/name split: rebuild the expected line with the real letters */
		char name[256];
		memset(name, 'p', 120);
		name[120] = '/';
		memset(name + 121, 'n', 90);
		name[211] = '\0';
		snprintf(want, sizeof(want), "%s- %s 0644 0:0 1000 5 : split\n", common, name);
	}
	CHECK(lists_as("ustar.tar", 4096, want));
	CHECK(lists_as("ustar.tar", 1, want)); /* byte by byte */

	char L[301], T[201], G[301], K[301];
	memset(L, 'L', 300), L[300] = '\0';
	memset(T, 'T', 200), T[200] = '\0';
	memset(G, 'G', 300), G[300] = '\0';
	memset(K, 'K', 300), K[300] = '\0';
	snprintf(want, sizeof(want),
		 "- %s 0644 0:0 1000 4 : long\n"
		 "l s -> %s 0644 0:0 1000 0\n"
		 "- x 0644 3000000:7 1000 2 user.foo=bar user.bin=a\\0\\1 : xa\n"
		 "- frac 0644 0:0 1.500000000 0\n"
		 "- neg 0644 0:0 -2.750000000 0\n",
		 L, T);
	CHECK(lists_as("pax.tar", 333, want));
	snprintf(want, sizeof(want),
		 "- %s 0644 0:0 1000 3 : gnu\n"
		 "l k -> %s 0644 0:0 1000 0\n"
		 "- u 0644 10000000:20000000 1000 0\n",
		 G, K);
	CHECK(lists_as("gnu.tar", 100, want));
	CHECK(lists_as("b256.tar", 4096, "- big 0644 0:0 -2 5 : 12345\n"));
	CHECK(lists_as("gnutar.tar", 4096,
		       "d dir/ 0755 0:0 1000 0\n"
		       "- dir/file 0644 0:0 1000 5 : data\n\n"
		       "l dir/link -> file 0777 0:0 1000 0\n"));
	/* an archive that stops at a header boundary without the end blocks is accepted */
	CHECK(lists_as("cut.tar", 4096,
		       "d d/ 0755 1:2 1000 0\n"
		       "- d/f 4755 1000:1000 1234567890 5 : hello\n"
		       "l d/s -> f 0644 0:0 1000 0\n"
		       "h d/h -> d/f 0644 0:0 1000 0\n"
		       "p p 0600 0:0 1000 0\n"));

	CHECK(fails("trunc-hdr.tar", "unexpected end of archive at offset"));
	CHECK(fails("trunc-data.tar", "entry 'big': unexpected end of archive in its contents"));
	CHECK(fails("trunc-skip.tar", "unexpected end of archive at offset 5000"));
	CHECK(fails("badsum.tar", "bad header checksum at offset 0"));
	CHECK(fails("badnum.tar", "bad numeric field in header at offset 512"));
	CHECK(fails("type.tar", "unsupported type 'V'"));
	CHECK(fails("pathmax.tar", "pax path longer than 4096"));
	CHECK(fails("gnumax.tar", "exceeds 4097"));
	CHECK(fails("paxmax.tar", "exceeds 1048576"));
	CHECK(fails("sparse.tar", "sparse files are not supported"));
	CHECK(fails("badpax.tar", "bad pax uid 'nope'"));
	{
		char out[256];
		cb_err e = { 0 };
		CHECK(list("badsum.tar", 4096, 0, out, sizeof(out), &e) == -EBADMSG);
		CHECK_STR(e.msg, "tar: bad header checksum at offset 0 (not a tar archive, or corrupt)");
	}
	fx_cleanup();
	return unit_end();
}
