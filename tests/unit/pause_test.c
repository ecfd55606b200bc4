/* pause_test.c - the pause process's stub programs, every machine: each runs (aarch64 and
 * arm through the host's binfmt handler when there is one, else through qemu-user run by
 * hand), names itself cbox-pause, sleeps, and dies of SIGTERM. */
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
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

/* runner: NULL to exec the stub itself, else the qemu-user that runs it. */
static void run_stub(int machine, const char *what, const char *runner)
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
		char *qargv[] = { (char *)runner, path, NULL };
		if (runner)
			execve(runner, qargv, envp);
		else
			execve(path, argv, envp);
		_exit(127);
	}
	/* Named and asleep (qemu takes a moment to start). */
	for (int i = 0; i < 100 && strcmp(comm, "cbox-pause"); i++) {
		struct timespec ts = { 0, 30 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		proc_line(pid, "comm", comm, sizeof(comm));
	}
	printf("%s stub%s%s: comm %s\n", what, runner ? " under " : "", runner ? runner : "", comm);
	CHECK_STR(comm, "cbox-pause");
	int st = 0;
	CHECK(waitpid(pid, &st, WNOHANG) == 0); /* still there */
	kill(pid, SIGTERM);
	CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	unlink(path);
}

/* A foreign machine's stub: through binfmt_misc's handler qemu, else qemu-QEMU-static. */
static void foreign(int machine, const char *what, const char *qemu)
{
	char path[96];
	snprintf(path, sizeof(path), "/proc/sys/fs/binfmt_misc/%s", qemu);
	if (access(path, F_OK) == 0) {
		run_stub(machine, what, NULL);
		return;
	}
	const char *dirs[] = { "/usr/bin", "/usr/local/bin" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s-static", dirs[i], qemu);
		if (access(path, X_OK) == 0) {
			run_stub(machine, what, path);
			return;
		}
	}
	printf("SKIP unit/pause %s: no binfmt handler and no %s-static\n", what, qemu);
}

int main(void)
{
	unit_name = "pause";
	unsigned char img[256];
	CHECK(cb_pause_stub(EM_386, img, sizeof(img)) == 0);
	CHECK(cb_pause_stub(EM_X86_64, img, 100) == 0);
	run_stub(EM_X86_64, "x86_64", NULL);
	foreign(EM_AARCH64, "aarch64", "qemu-aarch64");
	foreign(EM_ARM, "arm", "qemu-arm");
	/* The arm stub's ELF: 32-bit, EABI 5, entered right after its headers. */
	size_t n = cb_pause_stub(EM_ARM, img, sizeof(img));
	Elf32_Ehdr eh;
	memcpy(&eh, img, sizeof(eh));
	CHECK(n > sizeof(eh) && eh.e_ident[EI_CLASS] == ELFCLASS32 && eh.e_machine == EM_ARM);
	CHECK(eh.e_flags == EF_ARM_EABI_VER5 && eh.e_entry == 0x400000 + sizeof(eh) + 2 * sizeof(Elf32_Phdr));
	return unit_end();
}
