/* pause_test.c - the pause process's stub programs, both machines: each runs (aarch64
 * through the host's binfmt handler when there is one), names itself cbox-pause, sleeps,
 * and dies of SIGTERM. */
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cbox.h"
#include "pause.h"
#include "unit.h"

/* pid's /proc/PID/NAME, first line. */
static void proc_line(pid_t pid, const char *name, char *buf, size_t n)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	FILE *f = fopen(path, "re");
	buf[0] = '\0';
	if (f && fgets(buf, (int)n, f))
		buf[strcspn(buf, "\n")] = '\0';
	if (f)
		fclose(f);
}

static void run_stub(int machine, const char *what)
{
	unsigned char img[256];
	char path[] = "/tmp/cbox-pause-stub.XXXXXX", comm[64] = "";
	size_t n = cb_pause_stub(machine, img, sizeof(img));
	CHECK(n > sizeof(Elf64_Ehdr) && n <= sizeof(img));
	int fd = mkstemp(path);
	CHECK(fd >= 0 && write(fd, img, n) == (ssize_t)n && fchmod(fd, 0755) == 0);
	close(fd);
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = { "cbox-pause", NULL }, *envp[] = { NULL };
		execve(path, argv, envp);
		_exit(127);
	}
	/* Named and asleep (qemu takes a moment to start). */
	for (int i = 0; i < 100 && strcmp(comm, "cbox-pause"); i++) {
		struct timespec ts = { 0, 30 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		proc_line(pid, "comm", comm, sizeof(comm));
	}
	printf("%s stub: comm %s\n", what, comm);
	CHECK_STR(comm, "cbox-pause");
	int st = 0;
	CHECK(waitpid(pid, &st, WNOHANG) == 0); /* still there */
	kill(pid, SIGTERM);
	CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	unlink(path);
}

int main(void)
{
	unit_name = "pause";
	unsigned char img[256];
	CHECK(cb_pause_stub(EM_386, img, sizeof(img)) == 0);
	CHECK(cb_pause_stub(EM_X86_64, img, 100) == 0);
	run_stub(EM_X86_64, "x86_64");
	if (access("/proc/sys/fs/binfmt_misc/qemu-aarch64", F_OK) == 0)
		run_stub(EM_AARCH64, "aarch64");
	else
		printf("SKIP unit/pause aarch64: no binfmt handler for aarch64\n");
	return unit_end();
}
