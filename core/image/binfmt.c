/* binfmt.c - foreign architectures through binfmt_misc: read each handler's ELF magic. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "binfmt.h"
#include "manifest.h"

/* OCI architecture -> ELF class (1: 32-bit, 2: 64-bit), data (1: LE, 2: BE), e_machine. */
static const struct {
	const char *arch;
	unsigned char class, data;
	unsigned short machine;
} elf_arches[] = {
	{ "amd64", 2, 1, 62 },   { "386", 1, 1, 3 },       { "arm64", 2, 1, 183 },  { "arm", 1, 1, 40 },
	{ "ppc64le", 2, 1, 21 }, { "ppc64", 2, 2, 21 },    { "s390x", 2, 2, 22 },   { "riscv64", 2, 1, 243 },
	{ "mips64le", 2, 1, 8 }, { "mips64", 2, 2, 8 },    { "mipsle", 1, 1, 8 },   { "mips", 1, 2, 8 },
	{ "loong64", 2, 1, 258 },
};

static int unhex(const char *s, unsigned char *out, int max)
{
	int n = 0;
	unsigned v;
	while (n < max && sscanf(s + 2 * n, "%2x", &v) == 1)
		out[n++] = (unsigned char)v;
	return n;
}

/* The architecture an "offset 0" ELF magic (with its mask) selects, or "". */
static const char *magic_arch(const unsigned char *magic, const unsigned char *mask, int n)
{
	if (n < 20 || memcmp(magic, "\177ELF", 4))
		return "";
	for (size_t i = 0; i < CB_ARRAY_SIZE(elf_arches); i++) {
		unsigned char want[20] = { 0x7f, 'E', 'L', 'F', elf_arches[i].class, elf_arches[i].data };
		unsigned short m = elf_arches[i].machine;
		want[18] = (unsigned char)(elf_arches[i].data == 1 ? m : m >> 8);
		want[19] = (unsigned char)(elf_arches[i].data == 1 ? m >> 8 : m);
		int ok = 1;
		for (int k = 0; k < 20 && ok; k++)
			if (k < 6 || k >= 18)
				ok = (magic[k] & mask[k]) == (want[k] & mask[k]);
		if (ok)
			return elf_arches[i].arch;
	}
	return "";
}

static void read_entry(int dirfd, struct cb_binfmt *b)
{
	char line[512];
	unsigned char magic[128], mask[128];
	int n = 0, offset = -1;
	int fd = openat(dirfd, b->name, O_RDONLY | O_CLOEXEC);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "re");
	memset(mask, 0xff, sizeof(mask));
	while (f && fgets(line, sizeof(line), f)) {
		if (!strcmp(line, "enabled\n"))
			b->enabled = 1;
		else if (!strncmp(line, "offset ", 7))
			offset = atoi(line + 7);
		else if (!strncmp(line, "magic ", 6))
			n = unhex(line + 6, magic, sizeof(magic));
		else if (!strncmp(line, "mask ", 5))
			unhex(line + 5, mask, sizeof(mask));
	}
	if (f)
		fclose(f);
	else if (fd >= 0)
		close(fd);
	snprintf(b->arch, sizeof(b->arch), "%s", offset == 0 ? magic_arch(magic, mask, n) : "");
}

int cb_binfmt_scan(struct cb_binfmt *out, int max)
{
	DIR *d = opendir(CB_BINFMT_DIR);
	struct dirent *de;
	int n = 0;
	while (d && n < max && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "register") || !strcmp(de->d_name, "status"))
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		snprintf(out[n].name, sizeof(out[n].name), "%s", de->d_name);
		read_entry(dirfd(d), &out[n++]);
	}
	if (d)
		closedir(d);
	return n;
}

int cb_binfmt_check(const char *image, const char *platform, cb_err *e)
{
	struct cb_platform host, img;
	cb_platform_host(&host);
	if (!platform || !*platform || cb_platform_parse(platform, &img, e) < 0)
		return 0; /* an image that does not say: let the exec tell */
	/* x86-64 kernels run i386 binaries themselves. */
	if (!strcmp(img.arch, host.arch) || (!strcmp(host.arch, "amd64") && !strcmp(img.arch, "386")))
		return 0;
	struct cb_binfmt b[64];
	int n = cb_binfmt_scan(b, 64), disabled = 0;
	for (int i = 0; i < n; i++) {
		if (strcmp(b[i].arch, img.arch))
			continue;
		if (b[i].enabled)
			return 0;
		disabled = 1;
	}
	return cb_fail(e, ENOEXEC, "image %s is %s, this host is %s/%s and has no %sbinfmt_misc handler for %s (install qemu-user-static)",
		       image, platform, host.os, host.arch, disabled ? "enabled " : "", img.arch);
}
