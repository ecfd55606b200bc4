/* pause.c - the pause process that keeps the full-mapping user namespace between runs. */
#include <elf.h>
#include <fcntl.h>
#include <stddef.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "pause.h"
#include "paths.h"
#include "state.h"
#include "store.h"

#define PAUSE_NAME "cbox-pause"
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

char **cb_main_argv; /* set by main */
int cb_main_argc;

/* $XDG_RUNTIME_DIR/cbox (made when make), when it is ours and no one else may write it. */
static int runtime_dir(int make)
{
	const char *path = cb_runtime_path();
	struct stat st;
	if (!*path)
		return -1;
	if (make)
		mkdir(path, 0700);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && (fstat(fd, &st) < 0 || st.st_uid != getuid() || (st.st_mode & 022))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static int read_record(int dir, pid_t *pid, unsigned long long *start)
{
	char buf[64];
	int p;
	if (cb_read_small_at(dir, "pause.pid", buf, sizeof(buf)) <= 0)
		return -1;
	if (sscanf(buf, "%d %llu", &p, start) != 2 || p <= 0)
		return -1;
	*pid = p;
	return 0;
}

/* A /proc file of pid's, NUL-terminated. */
static int read_proc(pid_t pid, const char *name, char *buf, size_t n)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	return cb_read_small_at(AT_FDCWD, path, buf, n) < 0 ? -1 : 0;
}

/* The map file of pid holds exactly: 0 -> id, then the ranges, in order. */
static int map_is(pid_t pid, const char *name, unsigned id, const struct cb_idrange *r, int nr)
{
	char buf[CB_IDMAP_TEXT * 4];
	if (read_proc(pid, name, buf, sizeof(buf)) < 0)
		return 0;
	char *p = buf;
	for (int i = -1; i < nr; i++) {
		unsigned long in, out, count;
		int used;
		if (sscanf(p, "%lu %lu %lu%n", &in, &out, &count, &used) != 3)
			return 0;
		if (i < 0 ? in != 0 || out != id || count != 1 : in != r[i].inside || out != r[i].start || count != r[i].count)
			return 0;
		p += used;
	}
	return strspn(p, " \n") == strlen(p);
}

static int maps_are(pid_t pid, const struct cb_idmap *m)
{
	char sg[16];
	return map_is(pid, "uid_map", m->uid, m->subuid, m->nsubuid) &&
	       map_is(pid, "gid_map", m->gid, m->subgid, m->nsubgid) && read_proc(pid, "setgroups", sg, sizeof(sg)) == 0 &&
	       !strcmp(sg, "allow\n");
}

int cb_pause_join(const struct cb_idmap *m, pid_t *pid)
{
	int dir CB_AUTOCLOSE = m->mode == CB_IDMAP_FULL ? runtime_dir(0) : -1;
	unsigned long long start;
	char path[64];
	if (dir < 0 || read_record(dir, pid, &start) < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)*pid);
	int ns CB_AUTOCLOSE = open(path, O_RDONLY | O_CLOEXEC);
	/* Checked after the open: had the pid been reused, its start time would differ. */
	if (ns < 0 || !cb_pid_same(*pid, start) || !maps_are(*pid, m))
		return -1;
	return setns(ns, CLONE_NEWUSER) < 0 ? -1 : 0;
}

int cb_pause_lock(const struct cb_idmap *m)
{
	int dir CB_AUTOCLOSE = runtime_dir(1);
	if (dir < 0)
		return -1;
	int lock = openat(dir, "pause.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_EX) < 0) {
		if (lock >= 0)
			close(lock);
		return -1;
	}
	/* Made for other maps (the sub-ids changed): it would be kept for nothing. */
	pid_t pid;
	unsigned long long start;
	char argv0[32];
	if (read_record(dir, &pid, &start) == 0 && cb_pid_same(pid, start) && !maps_are(pid, m) &&
	    read_proc(pid, "cmdline", argv0, sizeof(argv0)) == 0 && !strcmp(argv0, PAUSE_NAME)) {
		cb_debug("pause process %d holds other maps: stopped", (int)pid);
		kill(pid, SIGKILL);
	}
	return lock;
}

void cb_pause_record(pid_t pid)
{
	int dir CB_AUTOCLOSE = runtime_dir(0);
	char text[64];
	cb_err e;
	snprintf(text, sizeof(text), "%d %llu\n", (int)pid, cb_pid_start_time(pid));
	if (dir < 0 || cb_write_replace(dir, "pause.pid", text, strlen(text), 0600, 0, &e) < 0)
		return;
	cb_debug("user namespace kept by pause process %d", (int)pid);
}

/* The stub's instructions: prctl(PR_SET_NAME, "cbox-pause") (exec named it after the
 * memfd), then the system call that waits for a signal, in a loop. */
static const unsigned char stub_x86_64[] = {
	0xbf, 0x0f, 0x00, 0x00, 0x00,             /* mov $15 (PR_SET_NAME), %edi */
	0x48, 0x8d, 0x35, 0x10, 0x00, 0x00, 0x00, /* lea name(%rip), %rsi */
	0xb8, 0x9d, 0x00, 0x00, 0x00,             /* mov $157 (prctl), %eax */
	0x0f, 0x05,                               /* syscall */
	0xb8, 0x22, 0x00, 0x00, 0x00,             /* loop: mov $34 (pause), %eax */
	0x0f, 0x05,                               /* syscall */
	0xeb, 0xf7,                               /* jmp loop */
	'c', 'b', 'o', 'x', '-', 'p', 'a', 'u', 's', 'e', 0, /* name */
};
static const unsigned char stub_aarch64[] = {
	/* little-endian words */
	0xe0, 0x01, 0x80, 0xd2, /* mov x0, #15 (PR_SET_NAME) */
	0x41, 0x01, 0x00, 0x10, /* adr x1, name */
	0xe8, 0x14, 0x80, 0xd2, /* mov x8, #167 (prctl) */
	0x01, 0x00, 0x00, 0xd4, /* svc #0 */
	0x00, 0x00, 0x80, 0xd2, /* loop: mov x0, #0 */
	0x01, 0x00, 0x80, 0xd2, /* mov x1, #0 */
	0x02, 0x00, 0x80, 0xd2, /* mov x2, #0 */
	0x03, 0x00, 0x80, 0xd2, /* mov x3, #0 */
	0x28, 0x09, 0x80, 0xd2, /* mov x8, #73 (ppoll: no pause here) */
	0x01, 0x00, 0x00, 0xd4, /* svc #0 */
	0xfa, 0xff, 0xff, 0x17, /* b loop */
	'c', 'b', 'o', 'x', '-', 'p', 'a', 'u', 's', 'e', 0, /* name */
};
static const unsigned char stub_arm[] = {
	/* 32-bit ARM (A32) instructions, little-endian words; EABI: number in r7, svc #0 */
	0x0f, 0x00, 0xa0, 0xe3, /* mov r0, #15 (PR_SET_NAME) */
	0x10, 0x10, 0x8f, 0xe2, /* add r1, pc, #16 (adr r1, name: pc reads 8 ahead) */
	0xac, 0x70, 0xa0, 0xe3, /* mov r7, #172 (prctl) */
	0x00, 0x00, 0x00, 0xef, /* svc #0 */
	0x1d, 0x70, 0xa0, 0xe3, /* loop: mov r7, #29 (pause) */
	0x00, 0x00, 0x00, 0xef, /* svc #0 */
	0xfc, 0xff, 0xff, 0xea, /* b loop */
	'c', 'b', 'o', 'x', '-', 'p', 'a', 'u', 's', 'e', 0, /* name */
};

/* One read+exec segment holding the whole file, and a non-executable stack: the ELF
 * header and the program headers, 64- or 32-bit (E: Elf64 or Elf32). */
#define STUB_HEADERS(E, class, flags)                                                                        \
	do {                                                                                                 \
		struct {                                                                                     \
			E##_Ehdr eh;                                                                         \
			E##_Phdr load, stack;                                                                \
		} h = { 0 };                                                                                 \
		if (n < sizeof(h) + len)                                                                     \
			return 0;                                                                            \
		memcpy(h.eh.e_ident, ELFMAG, SELFMAG);                                                       \
		h.eh.e_ident[EI_CLASS] = class;                                                              \
		h.eh.e_ident[EI_DATA] = ELFDATA2LSB;                                                         \
		h.eh.e_ident[EI_VERSION] = EV_CURRENT;                                                       \
		h.eh.e_type = ET_EXEC;                                                                       \
		h.eh.e_machine = (E##_Half)machine;                                                          \
		h.eh.e_version = EV_CURRENT;                                                                 \
		h.eh.e_entry = base + sizeof(h);                                                             \
		h.eh.e_phoff = offsetof(__typeof__(h), load);                                                \
		h.eh.e_flags = flags;                                                                        \
		h.eh.e_ehsize = sizeof(h.eh);                                                                \
		h.eh.e_phentsize = sizeof(h.load);                                                           \
		h.eh.e_phnum = 2;                                                                            \
		h.load = (E##_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_vaddr = base, .p_paddr = base, \
				     .p_filesz = sizeof(h) + len, .p_memsz = sizeof(h) + len, .p_align = 0x10000 }; \
		h.stack = (E##_Phdr){ .p_type = PT_GNU_STACK, .p_flags = PF_R | PF_W, .p_align = 16 };      \
		memcpy(buf, &h, sizeof(h));                                                                  \
		memcpy(buf + sizeof(h), code, len);                                                          \
		return sizeof(h) + len;                                                                      \
	} while (0)

size_t cb_pause_stub(int machine, unsigned char *buf, size_t n)
{
	const unsigned base = 0x400000; /* a multiple of every page size */
	const unsigned char *code;
	size_t len;
	switch (machine) {
	case EM_X86_64:
		code = stub_x86_64, len = sizeof(stub_x86_64);
		STUB_HEADERS(Elf64, ELFCLASS64, 0);
	case EM_AARCH64:
		code = stub_aarch64, len = sizeof(stub_aarch64);
		STUB_HEADERS(Elf64, ELFCLASS64, 0);
	case EM_ARM: /* EABI version 5, as every EABI Linux program (no float: no float ABI flag) */
		code = stub_arm, len = sizeof(stub_arm);
		STUB_HEADERS(Elf32, ELFCLASS32, EF_ARM_EABI_VER5);
	}
	return 0;
}

/* Become the stub, run from memory; returns only when that cannot be. */
static void exec_stub(void)
{
#if defined(__x86_64__) || defined(__aarch64__) || defined(__arm__)
	unsigned char img[256];
#if defined(__x86_64__)
	size_t n = cb_pause_stub(EM_X86_64, img, sizeof(img));
#elif defined(__aarch64__)
	size_t n = cb_pause_stub(EM_AARCH64, img, sizeof(img));
#else
	size_t n = cb_pause_stub(EM_ARM, img, sizeof(img));
#endif
	/* Executable said so (Linux 6.3 on warns without it, and vm.memfd_noexec=1 refuses
	 * the exec); older kernels know no MFD_EXEC. */
	int fd = memfd_create(PAUSE_NAME, MFD_CLOEXEC | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create(PAUSE_NAME, MFD_CLOEXEC);
	if (fd >= 0 && write(fd, img, n) == (ssize_t)n) {
		char *argv[] = { PAUSE_NAME, NULL }, *envp[] = { NULL };
		fexecve(fd, argv, envp);
	}
	if (fd >= 0)
		close(fd);
#endif
}

/* ps shows the pause process by name, not as the run that made it. */
static void retitle(void)
{
	char *lo = NULL, *hi = NULL;
	for (int i = 0; i < cb_main_argc; i++) {
		char *a = cb_main_argv[i], *end = a + strlen(a) + 1;
		lo = !lo || a < lo ? a : lo;
		hi = !hi || end > hi ? end : hi;
	}
	if (lo) {
		memset(lo, 0, (size_t)(hi - lo));
		snprintf(lo, (size_t)(hi - lo), "%s", PAUSE_NAME);
	}
	prctl(PR_SET_NAME, PAUSE_NAME, 0, 0, 0);
}

void cb_pause_forever(void)
{
	/* Out of the caller's session (its ^C) and off its files (a pipe reading our
	 * output would never see the end). */
	setsid();
	if (syscall(SYS_close_range, 0U, ~0U, 0U) < 0)
		for (int fd = 0; fd < 1024; fd++)
			close(fd);
	int null = open("/dev/null", O_RDWR);
	while (null >= 0 && null < 2)
		null = dup(null);
	(void)!chdir("/");
	exec_stub();
	retitle();
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (;;)
		pause();
}
