/* seccomp_profile.h - the container's seccomp filter, as podman applies it: its default
 * profile (seccomp_default.c) unless --security-opt seccomp=unconfined or --privileged,
 * or an OCI/Docker JSON profile (--security-opt seccomp=FILE). The program is built
 * with libseccomp for the container's capabilities and every ABI of the host, and kept
 * in the store as seccomp-HASH.bpf so a run only reads it. The pieces root emulation's
 * filter shares (ABIs, export, the kept program) live here too.
 * (Not "seccomp.h": core/ is on the include path before libseccomp's header.) */
#ifndef CB_SECCOMP_PROFILE_H
#define CB_SECCOMP_PROFILE_H

#include <cjson/cJSON.h>

#include "cbox.h"
#include "digest.h"

enum cb_seccomp_kind { CB_SECCOMP_DEFAULT, CB_SECCOMP_UNCONFINED, CB_SECCOMP_PROFILE };

struct cb_seccomp {
	int kind;
	char *profile;  /* CB_SECCOMP_PROFILE: the profile's JSON text */
	void *prog;     /* the program cb_seccomp_build made (classic BPF), or NULL */
	size_t len;     /* its size in bytes */
	unsigned flags; /* seccomp(2) flags: the profile's "flags" (cb_seccomp_build) */
	int notify;     /* some call goes to an agent (SCMP_ACT_NOTIFY, listenerPath) */
	/* With an agent (OCI listenerPath; set by the runtime, only when agent_on): the
	 * connected socket, and the read end of a pipe bringing the container process state
	 * (NUL-ended) that goes with the listener. */
	int agent_on, agent, state_fd;
};

/* --security-opt seccomp=VALUE: "unconfined", or a profile file, read and checked now. */
int cb_seccomp_opt(struct cb_seccomp *s, const char *value, cb_err *e);
/* dst = src without the program (its own copy of the profile text): -ENOMEM or 0. */
int cb_seccomp_copy(struct cb_seccomp *dst, const struct cb_seccomp *src);
/* For config.json: "default", "unconfined" or the profile itself; and back (a missing
 * item is "unconfined": containers made before the default filter keep running as
 * they were made). */
cJSON *cb_seccomp_to_json(const struct cb_seccomp *s);
int cb_seccomp_from_json(struct cb_seccomp *s, const cJSON *j, cb_err *e);
/* Build s->prog for a process whose bounding set is caps (the profile's capability
 * conditions), reading it from dirfd (seccomp-HASH.bpf) when kept there, else making
 * and keeping it (dirfd < 0: no cache). Unconfined, or without CONFIG_SECCOMP the
 * default: no program. */
int cb_seccomp_build(struct cb_seccomp *s, int dirfd, unsigned long long caps, cb_err *e);
/* In the container's process, after no_new_privs: load s->prog (nothing without one).
 * With agent_on, made with a listener, which goes to the agent by SCM_RIGHTS with the
 * state read from state_fd as the message. */
int cb_seccomp_install(const struct cb_seccomp *s, cb_err *e);
void cb_seccomp_free(struct cb_seccomp *s);
/* The runtime-spec features document's "seccomp": enabled, actions, operators, archs,
 * knownFlags and supportedFlags (those this kernel takes). */
cJSON *cb_seccomp_features(void);

/* ---- shared with root emulation (emul.c); ctx is a scmp_filter_ctx ---- */
/* The other ABIs this kernel may run next to the native one (x86_64: i386, x32 where
 * enabled; aarch64: arm; arm (armv7): none). */
void cb_seccomp_add_arches(void *ctx);
/* Into h: what else decides a program (those ABIs, libseccomp's version). */
void cb_seccomp_facts(struct cb_sha256 *h);
/* The program of ctx into buf (*len: its size in, the program's out): 0 or -errno. */
int cb_seccomp_export(void *ctx, void *buf, size_t *len);
/* A kept program dirfd/name into buf (*len as above): 0, or -1 when none (or not whole
 * instructions); and keeping one. */
int cb_seccomp_cache_get(int dirfd, const char *name, void *buf, size_t *len);
void cb_seccomp_cache_put(int dirfd, const char *name, const void *buf, size_t len);
/* seccomp(SECCOMP_SET_MODE_FILTER, flags, prog): the syscall's result (a listener fd
 * with SECCOMP_FILTER_FLAG_NEW_LISTENER), or -errno. */
long cb_seccomp_load(const void *prog, size_t len, unsigned flags);

/* The default profile (seccomp_default.c): groups of calls, each with what they get
 * and when. */
enum { CB_SC_AMD64 = 1, CB_SC_X32 = 2, CB_SC_X86 = 4, CB_SC_ARM = 8, CB_SC_ARM64 = 16, CB_SC_PPC64LE = 32,
       CB_SC_S390 = 64, CB_SC_S390X = 128 };
struct cb_seccomp_group {
	const char *names;  /* space-separated */
	unsigned char err;  /* 0: allowed, else fails with this errno */
	signed char cap;    /* c + 1: only with capability c, -(c + 1): only without it, 0: always */
	unsigned char arch; /* CB_SC_*: only when the native ABI is one of these, 0: always */
	unsigned char narg; /* conditions on the arguments, all must hold: */
	struct {
		unsigned char index, op; /* op: enum scmp_compare */
		unsigned long long value;
	} arg[2];
};
extern const struct cb_seccomp_group cb_seccomp_default[];
extern const size_t cb_seccomp_ndefault;
/* What every other call gets. */
#define CB_SECCOMP_DEFAULT_ERRNO ENOSYS

#endif
