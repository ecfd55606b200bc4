/* probe.c - for seccomp.test: make each call podman's default seccomp profile decides
 * on, by number (no libc wrapper in the way), and print "NAME: 0" or "NAME: -ERRNO".
 * With arguments, only the calls named. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long r_add_key(void) { return syscall(SYS_add_key, "user", "cbox", "x", 1, -2 /* process keyring */); }
static long r_keyctl(void) { return syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -2, 0); }
static long r_perf(void) { return syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0); }
static long r_rie(void) { return syscall(SYS_personality, 0x0400000 /* READ_IMPLIES_EXEC */); }
static long r_pquery(void) { return syscall(SYS_personality, 0xffffffff) < 0 ? -1 : 0; }
static long r_uring(void) { return syscall(SYS_io_uring_setup, 1, NULL); }
static long r_userns(void) { return syscall(SYS_unshare, CLONE_NEWUSER); }
static long r_kexec(void) { return syscall(SYS_kexec_load, 0, 0, NULL, 0); }
static long r_ufd(void) { return syscall(SYS_userfaultfd, 0); }
static long r_bpf(void) { return syscall(SYS_bpf, 0, NULL, 0); }
static long r_settime(void)
{
	struct timespec t = { 0, 0 };
	return syscall(SYS_clock_settime, 1000 /* no such clock */, &t);
}
static long r_audit(void) { return syscall(SYS_socket, AF_NETLINK, SOCK_RAW, 9 /* NETLINK_AUDIT */); }
static long r_mkdir(void) { return syscall(SYS_mkdirat, AT_FDCWD, "/tmp/probe-dir", 0755); }
static long r_getpid(void) { return syscall(SYS_getpid) > 0 ? 0 : -1; }

static const struct {
	const char *name;
	long (*call)(void);
} calls[] = {
	{ "add_key", r_add_key }, { "keyctl", r_keyctl }, { "perf_event_open", r_perf },
	{ "personality_rie", r_rie }, { "personality_query", r_pquery }, { "io_uring_setup", r_uring },
	{ "unshare_user", r_userns }, { "kexec_load", r_kexec }, { "userfaultfd", r_ufd },
	{ "bpf", r_bpf }, { "clock_settime", r_settime }, { "socket_audit", r_audit },
	{ "mkdir", r_mkdir }, { "getpid", r_getpid },
};

int main(int argc, char **argv)
{
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		int want = argc < 2;
		for (int a = 1; a < argc; a++)
			want |= !strcmp(argv[a], calls[i].name);
		if (!want)
			continue;
		errno = 0;
		long r = calls[i].call();
		printf("%s: %ld\n", calls[i].name, r < 0 ? -(long)errno : 0L);
	}
	return 0;
}
