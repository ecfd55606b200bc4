/* net_peer.c - bench driver for bench/net.sh: runs CMD in a fresh network namespace
 * wired to the host through cbox's slirp helper (host loopback allowed), the way the
 * run applet will, and prints the helper's peak RSS to stderr afterwards.
 *   net_peer MTU CMD [ARG...]      (as root) */
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "cbox.h"
#include "slirp.h"

static long vm_hwm_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

int main(int argc, char **argv)
{
	struct cb_slirp_opts o;
	cb_err e;
	pid_t helper;
	int ctl, sp[2];
	if (argc < 3) {
		fprintf(stderr, "usage: net_peer MTU CMD [ARG...]\n");
		return 2;
	}
	cb_slirp_opts_init(&o);
	o.mtu = atoi(argv[1]);
	o.allow_host_loopback = 1;
	if (cb_slirp_start(&o, &helper, &ctl, &e) < 0 || socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sp) < 0) {
		fprintf(stderr, "net_peer: %s\n", e.msg);
		return 1;
	}
	pid_t kid = fork();
	if (kid == 0) {
		int tap;
		char c = 'x', cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
		close(ctl);
		if (unshare(CLONE_NEWNET) < 0 || cb_slirp_tap_setup(&o, &tap, &e) < 0) {
			fprintf(stderr, "net_peer: %s\n", e.msg[0] ? e.msg : strerror(errno));
			_exit(1);
		}
		struct iovec iov = { &c, 1 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *h = CMSG_FIRSTHDR(&m);
		h->cmsg_level = SOL_SOCKET, h->cmsg_type = SCM_RIGHTS, h->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(h), &tap, sizeof(int));
		if (sendmsg(sp[1], &m, 0) < 0 || read(sp[1], &c, 1) != 1) /* wait for the attach */
			_exit(1);
		close(tap);
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	char c, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	int tap = -1;
	if (recvmsg(sp[0], &m, 0) > 0 && CMSG_FIRSTHDR(&m))
		memcpy(&tap, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof(int));
	if (tap < 0 || cb_slirp_attach(ctl, tap, &e) < 0 || write(sp[0], "A", 1) != 1) {
		fprintf(stderr, "net_peer: attach: %s\n", e.msg);
		return 1;
	}
	close(tap);
	int st;
	waitpid(kid, &st, 0);
	fprintf(stderr, "helper_vmhwm_kb %ld\n", vm_hwm_kb(helper));
	close(ctl);
	waitpid(helper, NULL, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
