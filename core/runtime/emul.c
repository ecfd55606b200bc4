/* emul.c - the root emulation filter (see emul.h). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include "digest.h"
#include "emul.h"
#include "fdpass.h"
#include "seccomp_profile.h"

int cb_emul_parse(const char *s, int *mode, cb_err *e)
{
	if (!strcmp(s, "auto"))
		*mode = CB_EMUL_AUTO;
	else if (!strcmp(s, "on") || !strcmp(s, "true"))
		*mode = CB_EMUL_ON;
	else if (!strcmp(s, "off") || !strcmp(s, "false"))
		*mode = CB_EMUL_OFF;
	else
		return cb_fail(e, EINVAL, "--root-emulation '%s': want auto, on or off", s);
	if (*mode == CB_EMUL_ON && !CFG_SECCOMP)
		return cb_fail(e, ENOSYS, "--root-emulation=on: this cbox is built without CONFIG_SECCOMP");
	return 0;
}

int cb_emul_wanted(int mode, int single_map)
{
	return CFG_SECCOMP && (mode == CB_EMUL_ON || (mode == CB_EMUL_AUTO && single_map));
}

/* Calls that succeed without effect. Names a given ABI lacks (chown32 on x86_64, chown
 * on aarch64) are resolved per architecture by libseccomp and skipped where absent. */
static const int chowns[] = {
	SCMP_SYS(chown), SCMP_SYS(fchown), SCMP_SYS(lchown), SCMP_SYS(fchownat),
	SCMP_SYS(chown32), SCMP_SYS(fchown32), SCMP_SYS(lchown32),
};
static const int faked[] = {
	SCMP_SYS(setuid), SCMP_SYS(setgid), SCMP_SYS(setreuid), SCMP_SYS(setregid),
	SCMP_SYS(setresuid), SCMP_SYS(setresgid),
	SCMP_SYS(setuid32), SCMP_SYS(setgid32), SCMP_SYS(setreuid32), SCMP_SYS(setregid32),
	SCMP_SYS(setresuid32), SCMP_SYS(setresgid32),
	SCMP_SYS(setgroups), SCMP_SYS(setgroups32),
	SCMP_SYS(setfsuid), SCMP_SYS(setfsgid), SCMP_SYS(setfsuid32), SCMP_SYS(setfsgid32),
	SCMP_SYS(capset),
};

/* The filter as classic BPF in buf (*len bytes in, the program's size out). */
int cb_emul_compile(int notify, void *buf, size_t *len, cb_err *e)
{
	if (!CFG_SECCOMP)
		return cb_fail(e, ENOSYS, "root emulation: this cbox is built without CONFIG_SECCOMP");
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return cb_fail(e, ENOMEM, "root emulation: seccomp_init failed");
	const uint32_t ok = SCMP_ACT_ERRNO(0), own = notify ? SCMP_ACT_NOTIFY : ok;
	int r = 0;
	/* An ABI left out runs unfiltered rather than being killed. */
	seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW);
	cb_seccomp_add_arches(ctx);
	for (size_t i = 0; r == 0 && i < CB_ARRAY_SIZE(chowns); i++)
		r = seccomp_rule_add(ctx, own, chowns[i], 0);
	for (size_t i = 0; r == 0 && i < CB_ARRAY_SIZE(faked); i++)
		r = seccomp_rule_add(ctx, ok, faked[i], 0);
	/* Device nodes only: fifos, sockets and regular files are still really made. */
	static const unsigned dev[] = { S_IFCHR, S_IFBLK };
	for (size_t i = 0; r == 0 && i < CB_ARRAY_SIZE(dev); i++) {
		r = seccomp_rule_add(ctx, ok, SCMP_SYS(mknod), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, S_IFMT, dev[i]));
		if (r == 0)
			r = seccomp_rule_add(ctx, ok, SCMP_SYS(mknodat), 1,
					     SCMP_A2(SCMP_CMP_MASKED_EQ, S_IFMT, dev[i]));
	}
	if (r == 0)
		r = cb_seccomp_export(ctx, buf, len);
	seccomp_release(ctx);
	if (r < 0)
		return cb_fail_errno(e, -r, "root emulation: building the seccomp filter");
	return 0;
}

int cb_emul_install(int sock, cb_err *e)
{
	if (!CFG_SECCOMP)
		return cb_fail(e, ENOSYS, "root emulation: this cbox is built without CONFIG_SECCOMP");
	/* From the run parent: a flag byte (1: notify, the listener goes back) and the program. */
	static unsigned char msg[1 + 32768];
	ssize_t n;
	while ((n = recv(sock, msg, sizeof(msg), 0)) < 0 && errno == EINTR)
		;
	if (n < 1 + (ssize_t)sizeof(struct sock_filter) || (n - 1) % sizeof(struct sock_filter))
		return cb_fail(e, EPROTO, "root emulation: no seccomp filter from the run parent");
	long fd = cb_seccomp_load(msg + 1, (size_t)n - 1, msg[0] ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
	if (fd < 0)
		return cb_fail_errno(e, (int)-fd, "root emulation: seccomp filter");
	if (msg[0]) {
		int r = cb_send_fd(sock, (int)fd);
		close((int)fd);
		if (r < 0)
			return cb_fail_errno(e, -r, "root emulation: sending the seccomp listener");
	}
	return 0;
}

int cb_emul_build(int dirfd, int notify, void *buf, size_t *len, cb_err *e)
{
	if (!CFG_SECCOMP)
		return cb_emul_compile(notify, buf, len, e);
	/* Named by a digest of what decides the program: the rules, the ABIs, notification,
	 * libseccomp's version. */
	struct cb_sha256 h;
	char digest[CB_DIGEST_LEN + 1];
	cb_sha256_init(&h);
	cb_sha256_update(&h, chowns, sizeof(chowns));
	cb_sha256_update(&h, faked, sizeof(faked));
	cb_sha256_update(&h, &notify, sizeof(notify));
	cb_seccomp_facts(&h);
	cb_sha256_final(&h, digest);
	char name[64];
	snprintf(name, sizeof(name), "emul-%.16s.bpf", cb_digest_hex(digest));
	if (cb_seccomp_cache_get(dirfd, name, buf, len) == 0)
		return 0;
	int r = cb_emul_compile(notify, buf, len, e);
	if (r == 0)
		cb_seccomp_cache_put(dirfd, name, buf, *len);
	return r;
}
