/* net_peer.c - bench driver for bench/net.sh: runs CMD in a fresh network namespace
 * wired to the host through cbox's slirp helper (host loopback allowed), the way the
 * run applet does, and prints the helper's peak RSS to stderr afterwards.
 *   net_peer MTU [-p HOSTPORT:CTRPORT] CMD [ARG...]      (as root) */
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "cbox.h"
#include "fdpass.h"
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
	cb_err e = { 0 };
	pid_t helper;
	int ctl, sp[2], cmd = 2;
	if (argc < 3) {
		fprintf(stderr, "usage: net_peer MTU [-p HOSTPORT:CTRPORT] CMD [ARG...]\n");
		return 2;
	}
	cb_slirp_opts_init(&o);
	o.mtu = atoi(argv[1]);
	o.allow_host_loopback = 1;
	if (!strcmp(argv[2], "-p") && argc > 4) {
		if (cb_slirp_parse_publish(&o, argv[3], &e) < 0) {
			fprintf(stderr, "net_peer: %s\n", e.msg);
			return 2;
		}
		cmd = 4;
	}
	if (cb_slirp_start(&o, &helper, &ctl, &e) < 0 || socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sp) < 0) {
		fprintf(stderr, "net_peer: %s\n", e.msg);
		return 1;
	}
	pid_t kid = fork();
	if (kid == 0) {
		int tap;
		char c;
		close(ctl);
		if (unshare(CLONE_NEWNET) < 0 || cb_slirp_tap_setup(&o, &tap, &e) < 0) {
			fprintf(stderr, "net_peer: %s\n", e.msg[0] ? e.msg : strerror(errno));
			_exit(1);
		}
		if (cb_send_fd(sp[1], tap) < 0 || read(sp[1], &c, 1) != 1) /* wait for the attach */
			_exit(1);
		close(tap);
		execvp(argv[cmd], argv + cmd);
		_exit(127);
	}
	int tap = cb_recv_fd(sp[0]);
	if (tap < 0 || cb_slirp_attach(ctl, tap, &e) < 0 || write(sp[0], "A", 1) != 1) {
		fprintf(stderr, "net_peer: attach: %s\n", tap < 0 ? strerror(-tap) : e.msg);
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
