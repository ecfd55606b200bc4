/* slirp_test.c - the slirp network helper with real traffic over loopback and network
 * namespaces, without the run applet: a forked "container" unshares its network
 * namespace, sets up tap0 with cb_slirp_tap_setup and hands the fd to the caller, which
 * runs cb_slirp_start/attach. Needs root (it prepares a 0666 tun node and a resolv.conf
 * in private mount namespaces for the unprivileged case); skips otherwise. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cbox.h"
#include "slirp.h"
#include "unit.h"

#define TEST_UID 4242
#define DNS_IP "127.0.0.77"
#define GUEST_TCP 8000
#define GUEST_UDP 9000

static int http_port, echo_port, have_dns;
static pid_t servers[3];

/* ---- small socket helpers ---- */

static int bound(int type, const char *ip, int port, int *got)
{
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	socklen_t l = sizeof(a);
	int one = 1;
	inet_pton(AF_INET, ip, &a.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || (type == SOCK_STREAM && listen(fd, 8) < 0)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	getsockname(fd, (struct sockaddr *)&a, &l);
	if (got)
		*got = ntohs(a.sin_port);
	return fd;
}

static int free_port(int type)
{
	int port = 0, fd = bound(type, "127.0.0.1", 0, &port);
	close(fd);
	return port;
}

static int wait_in(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, ms) == 1;
}

/* Connect with a timeout; the fd, or -1. */
static int dial(const char *ip, int port, int ms)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, ip, &a.sin_addr);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS)
		goto bad;
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int err = 0;
	socklen_t l = sizeof(err);
	if (poll(&p, 1, ms) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0 || err)
		goto bad;
	fcntl(fd, F_SETFL, 0);
	return fd;
bad:
	close(fd);
	return -1;
}

/* Send req over TCP, read until EOF (or ms); the reply in buf. */
static int tcp_exchange(const char *ip, int port, const char *req, char *buf, size_t n, int ms)
{
	int fd = dial(ip, port, ms);
	size_t got = 0;
	buf[0] = '\0';
	if (fd < 0)
		return -1;
	if (write(fd, req, strlen(req)) < 0) {
		close(fd);
		return -1;
	}
	while (got + 1 < n && wait_in(fd, ms)) {
		ssize_t r = read(fd, buf + got, n - 1 - got);
		if (r <= 0)
			break;
		got += r;
	}
	buf[got] = '\0';
	close(fd);
	return 0;
}

/* Send msg over UDP and wait for one datagram back (three tries). */
static int udp_exchange(const char *ip, int port, const void *msg, size_t len, void *buf, size_t n, int ms)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, ip, &a.sin_addr);
	for (int i = 0; i < 3; i++) {
		sendto(fd, msg, len, 0, (struct sockaddr *)&a, sizeof(a));
		if (wait_in(fd, ms)) {
			ssize_t r = recv(fd, buf, n, 0);
			close(fd);
			return (int)r;
		}
	}
	close(fd);
	return -1;
}

/* ---- DNS: an A query for name; the first A answer, or "" ---- */

static size_t dns_query(uint8_t *q, const char *name, uint16_t id)
{
	size_t n = 12;
	memset(q, 0, 12);
	q[0] = id >> 8, q[1] = id & 0xff, q[2] = 0x01 /* RD */, q[5] = 1 /* QDCOUNT */;
	while (*name) {
		size_t l = strcspn(name, ".");
		q[n++] = (uint8_t)l;
		memcpy(q + n, name, l);
		n += l;
		name += l + (name[l] == '.');
	}
	q[n++] = 0;
	q[n++] = 0, q[n++] = 1; /* A */
	q[n++] = 0, q[n++] = 1; /* IN */
	return n;
}

static void dns_resolve(const char *server, int port, const char *name, char *out, size_t outn)
{
	uint8_t q[512], r[1500];
	size_t ql = dns_query(q, name, 0x4242);
	int n = udp_exchange(server, port, q, ql, r, sizeof(r), 1000);
	out[0] = '\0';
	if (n < (int)ql || r[0] != 0x42 || r[1] != 0x42 || (r[7] | r[6] << 8) == 0)
		return;
	size_t p = ql; /* the question comes back as sent */
	for (int an = r[6] << 8 | r[7]; an > 0 && p + 12 <= (size_t)n; an--) {
		if ((r[p] & 0xc0) == 0xc0)
			p += 2;
		else
			while (p < (size_t)n && r[p])
				p += r[p] + 1;
		int type = r[p] << 8 | r[p + 1], rdlen = r[p + 8] << 8 | r[p + 9];
		p += 10;
		if (type == 1 && rdlen == 4 && p + 4 <= (size_t)n) {
			inet_ntop(AF_INET, r + p, out, outn);
			return;
		}
		p += rdlen;
	}
}

/* ---- servers on the host's loopback ---- */

static pid_t serve_http(int fd)
{
	pid_t pid = fork();
	if (pid)
		return pid;
	for (;;) {
		int c = accept(fd, NULL, NULL);
		char req[512];
		if (c < 0)
			continue;
		if (wait_in(c, 2000) && read(c, req, sizeof(req)) > 0) {
			const char *resp = "HTTP/1.0 200 OK\r\nContent-Length: 15\r\n\r\nhello-from-host";
			if (write(c, resp, strlen(resp)) < 0)
				_exit(1);
		}
		close(c);
	}
}

static pid_t serve_udp_echo(int fd)
{
	pid_t pid = fork();
	if (pid)
		return pid;
	for (;;) {
		char buf[2048];
		struct sockaddr_storage from;
		socklen_t l = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &l);
		if (n > 0)
			sendto(fd, buf, n, 0, (struct sockaddr *)&from, l);
	}
}

static pid_t start_dnsmasq(void)
{
	if (access("/usr/sbin/dnsmasq", X_OK) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 1);
		execl("/usr/sbin/dnsmasq", "dnsmasq", "-k", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
		      "--bind-interfaces", "--listen-address=" DNS_IP, "--port=53", "--address=/cbox.test/10.9.8.7",
		      "--pid-file=", "--user=root", (char *)NULL);
		_exit(127);
	}
	char ip[64];
	for (int i = 0; i < 30; i++) {
		dns_resolve(DNS_IP, 53, "cbox.test", ip, sizeof(ip));
		if (!strcmp(ip, "10.9.8.7"))
			return pid;
		usleep(100000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

/* ---- fd passing between the container child and the caller ---- */

static int send_fd(int sock, int fd)
{
	char c = 'F', cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = SOL_SOCKET, h->cmsg_type = SCM_RIGHTS, h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) < 0 ? -1 : 0;
}

static int recv_fd(int sock, char *err, size_t errn)
{
	char buf[1024], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { buf, sizeof(buf) - 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	ssize_t n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	struct cmsghdr *h = n > 0 ? CMSG_FIRSTHDR(&m) : NULL;
	int fd = -1;
	if (h && h->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(h), sizeof(int));
	else
		snprintf(err, errn, "%.*s", n > 0 ? (int)n : 0, buf);
	return fd;
}

/* ---- one scenario: a caller, its helper and a container netns ---- */

struct scen {
	const char *name;
	int unpriv;           /* the caller runs as TEST_UID; the container adds a user namespace */
	int loopback;         /* allow_host_loopback */
	const char *dns_forward;
	const char *resolv;   /* nameserver bound over /etc/resolv.conf in the caller's mount ns */
};

/* Inside the container netns: outbound checks, then serve the published ports until the
 * caller says done. Exits with the number of failed checks. */
static int container(const struct scen *s, int sync)
{
	char buf[512];
	int lt = bound(SOCK_STREAM, "0.0.0.0", GUEST_TCP, NULL), lu = bound(SOCK_DGRAM, "0.0.0.0", GUEST_UDP, NULL);
	CHECK(lt >= 0 && lu >= 0);

	int r = tcp_exchange("10.0.2.2", http_port, "GET / HTTP/1.0\r\n\r\n", buf, sizeof(buf), 3000);
	if (s->loopback) {
		CHECK(r == 0 && strstr(buf, "hello-from-host"));
		r = udp_exchange("10.0.2.2", echo_port, "ping-udp", 8, buf, sizeof(buf), 1000);
		CHECK(r == 8 && !memcmp(buf, "ping-udp", 8));
	} else {
		CHECK(r < 0 || !strstr(buf, "hello-from-host")); /* host loopback is off */
		r = udp_exchange("10.0.2.2", echo_port, "ping-udp", 8, buf, sizeof(buf), 300);
		CHECK(r < 0);
	}
	if (have_dns) {
		char ip[64];
		dns_resolve("10.0.2.3", 53, "cbox.test", ip, sizeof(ip));
		if (strcmp(ip, "10.9.8.7"))
			printf("  %s: cbox.test via 10.0.2.3 resolved to '%s'\n", s->name, ip);
		CHECK_STR(ip, "10.9.8.7");
	}

	if (write(sync, "R", 1) != 1)
		return 99;
	/* Serve one TCP connection and UDP datagrams until "D". */
	for (int done = 0; !done;) {
		struct pollfd p[3] = { { lt, POLLIN, 0 }, { lu, POLLIN, 0 }, { sync, POLLIN, 0 } };
		if (poll(p, 3, 15000) <= 0) {
			CHECK(!"the caller never said done");
			break;
		}
		if (p[0].revents) {
			int c = accept(lt, NULL, NULL);
			ssize_t n = wait_in(c, 2000) ? read(c, buf, 64) : -1;
			if (n > 0) {
				char out[80];
				int m = snprintf(out, sizeof(out), "%.*s:back", (int)n, buf);
				if (write(c, out, m) < 0)
					CHECK(!"write to the published tcp peer");
			}
			close(c);
		}
		if (p[1].revents) {
			struct sockaddr_storage from;
			socklen_t l = sizeof(from);
			ssize_t n = recvfrom(lu, buf + 4, 64, 0, (struct sockaddr *)&from, &l);
			memcpy(buf, "udp:", 4);
			if (n > 0)
				sendto(lu, buf, n + 4, 0, (struct sockaddr *)&from, l);
		}
		if (p[2].revents)
			done = 1;
	}
	return unit_failures;
}

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

/* Every fd of the helper is a socket, the tun device or /dev/null: no container file,
 * no namespace. */
static int helper_fds_clean(pid_t pid, int *count)
{
	char dir[64], path[320], target[256];
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	*count = 0;
	for (int fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "%s/%d", dir, fd);
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		++*count;
		if (strncmp(target, "socket:", 7) && strcmp(target, "/dev/net/tun") && strcmp(target, "/dev/null")) {
			printf("  helper fd %d -> %s\n", fd, target);
			return 0;
		}
	}
	return 1;
}

/* Wait up to ms for pid to exit; 1 when reaped. */
static int reaped(pid_t pid, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return 1;
		usleep(10000);
	}
	return 0;
}

/* A private mount namespace where /dev/net/tun is a node of mode tun_mode (the host's
 * node stays as it is) and, with resolv, /etc/resolv.conf names that server. */
static int private_files(const char *resolv, mode_t tun_mode)
{
	char dir[] = "/tmp/cbox-slirp.XXXXXX", path[64];
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 || !mkdtemp(dir) ||
	    mount("tmpfs", dir, "tmpfs", 0, "mode=755") < 0)
		return -1;
	rmdir(dir); /* gone from the host's view; the mount lives on here */
	snprintf(path, sizeof(path), "%s/tun", dir);
	if (mknod(path, S_IFCHR | tun_mode, makedev(10, 200)) < 0 || chmod(path, tun_mode) < 0 ||
	    mount(path, "/dev/net/tun", NULL, MS_BIND, NULL) < 0)
		return -1;
	if (resolv) {
		snprintf(path, sizeof(path), "%s/resolv.conf", dir);
		FILE *f = fopen(path, "w");
		if (!f)
			return -1;
		fprintf(f, "nameserver %s\n", resolv);
		fclose(f);
		if (mount(path, "/etc/resolv.conf", NULL, MS_BIND, NULL) < 0)
			return -1;
	}
	return 0;
}

static int drop_to_test_uid(void)
{
	return setgroups(0, NULL) < 0 || setresgid(TEST_UID, TEST_UID, TEST_UID) < 0 ||
			       setresuid(TEST_UID, TEST_UID, TEST_UID) < 0
		       ? -1
		       : 0;
}

/* The caller's side; runs in a fork of the test. Exits with the number of failures. */
static int caller(const struct scen *s)
{
	cb_err e;
	if ((s->unpriv || s->resolv) && private_files(s->resolv, 0666) < 0) {
		printf("  %s: private tun node / resolv.conf: %s\n", s->name, strerror(errno));
		CHECK(!"private mount namespace");
		return unit_failures;
	}
	if (s->unpriv && drop_to_test_uid() < 0) {
		CHECK(!"setresuid");
		return unit_failures;
	}

	struct cb_slirp_opts o;
	cb_slirp_opts_init(&o);
	o.allow_host_loopback = s->loopback;
	o.dns_forward = s->dns_forward;
	int htcp = free_port(SOCK_STREAM), hudp = free_port(SOCK_DGRAM);
	char spec[64];
	snprintf(spec, sizeof(spec), "127.0.0.1:%d:%d", htcp, GUEST_TCP);
	CHECK(cb_slirp_parse_publish(&o, spec, &e) == 0);
	snprintf(spec, sizeof(spec), "127.0.0.1:%d:%d/udp", hudp, GUEST_UDP);
	CHECK(cb_slirp_parse_publish(&o, spec, &e) == 0);

	pid_t helper;
	int ctl;
	if (cb_slirp_start(&o, &helper, &ctl, &e) < 0) {
		printf("  %s: cb_slirp_start: %s\n", s->name, e.msg);
		CHECK(!"cb_slirp_start");
		return unit_failures;
	}

	int sp[2];
	socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp);
	pid_t kid = fork();
	if (kid == 0) {
		close(sp[0]);
		close(ctl);
		int tap;
		if (unshare(CLONE_NEWNET | (s->unpriv ? CLONE_NEWUSER : 0)) < 0) {
			cb_fail_errno(&e, errno, "unshare");
		} else if (cb_slirp_tap_setup(&o, &tap, &e) == 0) {
			send_fd(sp[1], tap);
			close(tap);
			_exit(container(s, sp[1]));
		}
		if (write(sp[1], e.msg, strlen(e.msg)) < 0)
			_exit(98);
		_exit(0);
	}
	close(sp[1]);
	char err[1024] = "";
	int tap = recv_fd(sp[0], err, sizeof(err));
	if (tap < 0) {
		printf("  %s: container side: %s\n", s->name, err);
		CHECK(!"cb_slirp_tap_setup");
	} else {
		CHECK(cb_slirp_attach(ctl, tap, &e) == 0);
		close(tap);
		char c;
		if (wait_in(sp[0], 20000) && read(sp[0], &c, 1) == 1 && c == 'R') {
			char buf[256];
			/* Published ports, from the host's side. */
			tcp_exchange("127.0.0.1", htcp, "hi", buf, sizeof(buf), 3000);
			CHECK_STR(buf, "hi:back");
			int n = udp_exchange("127.0.0.1", hudp, "u1", 2, buf, sizeof(buf) - 1, 1000);
			buf[n > 0 ? n : 0] = '\0';
			CHECK_STR(buf, "udp:u1");
		} else {
			CHECK(!"the container got ready");
		}
		if (write(sp[0], "D", 1) != 1)
			CHECK(!"tell the container it is done");
	}
	int st;
	waitpid(kid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		unit_failures++; /* the container printed its own FAIL lines */
		printf("  %s: the container side failed (status %#x)\n", s->name, st);
	}
	close(sp[0]);

	long hwm = vm_hwm_kb(helper);
	printf("  %s: helper VmHWM %ld kB\n", s->name, hwm);
	CHECK(hwm > 0 && hwm <= 3 * 1024);
	if (!s->unpriv) { /* /proc/PID/fd of a non-dumpable helper is root's to read */
		int nfd;
		CHECK(helper_fds_clean(helper, &nfd));
		CHECK(nfd >= 3);
	}
	/* The container is gone: closing ctl ends the helper. */
	close(ctl);
	CHECK(reaped(helper, 3000));
	CHECK(kill(helper, 0) < 0 && errno == ESRCH);
	cb_slirp_opts_free(&o);
	return unit_failures;
}

static void scenario(const struct scen *s)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(caller(s));
	int st;
	waitpid(pid, &st, 0);
	int failed = !WIFEXITED(st) || WEXITSTATUS(st);
	unit_checks++;
	if (failed) {
		unit_failures++;
		printf("FAIL unit/slirp: scenario %s (status %#x)\n", s->name, st);
	} else {
		printf("  scenario %s: ok\n", s->name);
	}
}

/* ---- option parsing ---- */

static void test_parsers(void)
{
	struct cb_slirp_opts o;
	cb_err e;
	cb_slirp_opts_init(&o);
	CHECK(o.mtu == 65520 && !o.allow_host_loopback && o.enable_ipv6);
	CHECK(cb_slirp_parse_network(&o, "slirp", &e) == 0);
	CHECK(cb_slirp_parse_network(&o, "slirp4netns:mtu=1500,allow_host_loopback=true,enable_ipv6=false", &e) == 0);
	CHECK(o.mtu == 1500 && o.allow_host_loopback && !o.enable_ipv6);
	CHECK(cb_slirp_parse_network(&o, "slirp:mtu=9", &e) == -EINVAL);
	CHECK_STR(e.msg, "invalid mtu \"9\" (68 to 65521)");
	CHECK(cb_slirp_parse_network(&o, "slirp:allow_host_loopback=yes", &e) == -EINVAL);
	CHECK_STR(e.msg, "invalid value of allow_host_loopback for slirp4netns: \"yes\"");
	CHECK(cb_slirp_parse_network(&o, "slirp:foo=1", &e) == -EINVAL);
	CHECK_STR(e.msg, "unknown option for slirp4netns: \"foo=1\"");
	CHECK(cb_slirp_parse_network(&o, "slirp:mtu", &e) == -EINVAL);
	CHECK_STR(e.msg, "unknown option for slirp4netns: \"mtu\"");
	/* cidr: host bits cleared; .2, .3, .100 in it; at most /25 */
	char ip[16];
	CHECK(cb_slirp_parse_network(&o, "slirp4netns:cidr=172.16.5.77/24,port_handler=slirp4netns", &e) == 0);
	CHECK(o.prefix == 24 && o.port_handler_slirp);
	CHECK_STR(cb_slirp_ip(&o, 0, ip), "172.16.5.0");
	CHECK_STR(cb_slirp_ip(&o, CB_SLIRP_HOST, ip), "172.16.5.2");
	CHECK_STR(cb_slirp_ip(&o, CB_SLIRP_DNS, ip), "172.16.5.3");
	CHECK_STR(cb_slirp_ip(&o, CB_SLIRP_GUEST, ip), "172.16.5.100");
	CHECK(cb_slirp_parse_network(&o, "slirp4netns:cidr=10.0.0.0/26", &e) == -EINVAL);
	CHECK_STR(e.msg, "slirp4netns cidr \"10.0.0.0/26\": prefix length needs to be 1-25");
	CHECK(cb_slirp_parse_network(&o, "slirp4netns:cidr=10.0.0.0", &e) == -EINVAL);
	CHECK_STR(e.msg, "invalid cidr \"10.0.0.0\"");
	CHECK(cb_slirp_parse_network(&o, "slirp4netns:port_handler=x", &e) == -EINVAL);
	CHECK_STR(e.msg, "unknown port_handler for slirp4netns: \"x\"");
	CHECK(cb_slirp_parse_network(&o, "slirp4netns:outbound_addr=192.0.2.9,outbound_addr6=lo", &e) == 0);
	CHECK_STR(o.outbound, "192.0.2.9");
	CHECK_STR(o.outbound6, "::1");
	CHECK(cb_slirp_parse_network(&o, "slirp4netns:outbound_addr=::1", &e) == -EINVAL);
	CHECK_STR(e.msg, "invalid outbound_addr \"::1\"");
	CHECK(cb_slirp_parse_network(&o, "host", &e) == -EINVAL);

	CHECK(cb_slirp_parse_publish(&o, "8080:80", &e) == 0);
	CHECK(cb_slirp_parse_publish(&o, "127.0.0.1:5353:53/udp", &e) == 0);
	CHECK(cb_slirp_parse_publish(&o, "[::1]:8443:443", &e) == 0);
	CHECK(cb_slirp_parse_publish(&o, "0.0.0.0:9000-9002:90-92/tcp", &e) == 0);
	CHECK(o.nports == 6);
	CHECK(o.ports[0].host_port == 8080 && o.ports[0].guest_port == 80 && !o.ports[0].udp && !o.ports[0].host_ip[0]);
	CHECK(o.ports[1].udp && o.ports[1].host_port == 5353 && o.ports[1].guest_port == 53);
	CHECK_STR(o.ports[1].host_ip, "127.0.0.1");
	CHECK_STR(o.ports[2].host_ip, "::1");
	CHECK(o.ports[5].host_port == 9002 && o.ports[5].guest_port == 92 && !o.ports[5].host_ip[0]);
	CHECK(cb_slirp_parse_publish(&o, "8080:81", &e) == -EINVAL);
	CHECK_STR(e.msg, "publish '8080:81': host port 8080/tcp published twice");
	CHECK(cb_slirp_parse_publish(&o, "8080:80/udp", &e) == 0); /* udp is another port */
	/* No host port: 0, picked at start (twice is fine: each gets its own). */
	CHECK(cb_slirp_parse_publish(&o, "80", &e) == 0);
	CHECK(cb_slirp_parse_publish(&o, "127.0.0.1::80-81/udp", &e) == 0);
	CHECK(o.nports == 10);
	CHECK(o.ports[7].host_port == 0 && o.ports[7].guest_port == 80 && !o.ports[7].udp);
	CHECK(o.ports[9].host_port == 0 && o.ports[9].guest_port == 81 && o.ports[9].udp);
	CHECK_STR(o.ports[9].host_ip, "127.0.0.1");
	CHECK(cb_slirp_pick_ports(&o, &e) == 0);
	CHECK(o.ports[7].host_port > 0 && o.ports[8].host_port > 0 && o.ports[9].host_port > 0);
	CHECK(o.ports[0].host_port == 8080); /* the given ones stay */
	CHECK(cb_slirp_parse_publish(&o, "1.2.3.4::http", &e) == -EINVAL);
	CHECK_STR(e.msg, "publish '1.2.3.4::http': invalid container port 'http' (1-65535, or a range lo-hi)");
	CHECK(cb_slirp_parse_publish(&o, "70000:80", &e) == -EINVAL);
	CHECK_STR(e.msg, "publish '70000:80': invalid host port '70000' (1-65535, or a range lo-hi)");
	CHECK(cb_slirp_parse_publish(&o, "81:0", &e) == -EINVAL);
	CHECK(cb_slirp_parse_publish(&o, "8080-8082:80-81", &e) == -EINVAL);
	CHECK_STR(e.msg, "publish '8080-8082:80-81': host and container port ranges differ in size");
	CHECK(cb_slirp_parse_publish(&o, "82-81:80-79", &e) == -EINVAL);
	CHECK(cb_slirp_parse_publish(&o, "82:80/sctp", &e) == -EINVAL);
	CHECK_STR(e.msg, "publish '82:80/sctp': unknown protocol 'sctp' (tcp or udp)");
	CHECK(cb_slirp_parse_publish(&o, "localhost:82:80", &e) == -EINVAL);
	CHECK_STR(e.msg, "publish 'localhost:82:80': invalid host IP 'localhost'");
	CHECK(cb_slirp_parse_publish(&o, "::1:82:80", &e) == -EINVAL);
	CHECK(o.nports == 10);
	cb_slirp_opts_free(&o);
	CHECK(o.nports == 0 && !o.ports);
}

/* A busy host port fails cb_slirp_start with podman's wording, and leaves no helper. */
static void test_busy_port(void)
{
	struct cb_slirp_opts o;
	cb_err e;
	int port, busy = bound(SOCK_STREAM, "127.0.0.1", 0, &port);
	char spec[64], want[128];
	cb_slirp_opts_init(&o);
	snprintf(spec, sizeof(spec), "127.0.0.1:%d:80", port);
	CHECK(cb_slirp_parse_publish(&o, spec, &e) == 0);
	pid_t helper = 0;
	int ctl = 0;
	CHECK(cb_slirp_start(&o, &helper, &ctl, &e) == -EADDRINUSE);
	snprintf(want, sizeof(want), "publish 127.0.0.1:%d: address already in use", port);
	CHECK_STR(e.msg, want);
	CHECK(helper == -1 && ctl == -1);
	CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD); /* no helper left behind (none of ours) */
	close(busy);

	o.dns_forward = "127.0.0.1:99999";
	CHECK(cb_slirp_start(&o, &helper, &ctl, &e) == -EINVAL);
	CHECK_STR(e.msg, "network slirp: DNS resolver '127.0.0.1:99999': want IP, IP:PORT or [IPv6]:PORT");
	cb_slirp_opts_free(&o);
}

/* Without access to /dev/net/tun (a private root-owned 0600 node: the host's may be
 * 0666): the message that points at the alternatives. */
static void test_no_tun(void)
{
	fflush(stdout);
	int p[2];
	if (pipe(p) < 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		struct cb_slirp_opts o;
		cb_err e = { 0 };
		int tap;
		cb_slirp_opts_init(&o);
		if (private_files(NULL, 0600) < 0 || drop_to_test_uid() < 0 || unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
			snprintf(e.msg, sizeof(e.msg), "setup: %s", strerror(errno));
		else if (cb_slirp_tap_setup(&o, &tap, &e) == 0)
			snprintf(e.msg, sizeof(e.msg), "tap setup worked");
		if (write(p[1], e.msg, strlen(e.msg)) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	char msg[1024] = "";
	ssize_t n = read(p[0], msg, sizeof(msg) - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(p[0]);
	waitpid(pid, NULL, 0);
	CHECK_STR(msg, "network slirp: /dev/net/tun: Permission denied: use --network host or --network none");
}

static void stop_servers(void)
{
	for (size_t i = 0; i < CB_ARRAY_SIZE(servers); i++)
		if (servers[i] > 0) {
			kill(servers[i], SIGKILL);
			waitpid(servers[i], NULL, 0);
		}
}

int main(void)
{
	unit_name = "slirp";
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_parsers();
	if (!CFG_SLIRP) {
		printf("SKIP unit/slirp traffic: CONFIG_SLIRP is off\n");
		return unit_end();
	}
	if (geteuid() != 0) {
		printf("SKIP unit/slirp traffic: needs root (network namespaces, a private tun node)\n");
		return unit_end();
	}
	test_busy_port();
	signal(SIGPIPE, SIG_IGN);

	int hfd = bound(SOCK_STREAM, "127.0.0.1", 0, &http_port);
	int ufd = bound(SOCK_DGRAM, "127.0.0.1", 0, &echo_port);
	servers[0] = serve_http(hfd);
	servers[1] = serve_udp_echo(ufd);
	close(hfd);
	close(ufd);
	servers[2] = start_dnsmasq();
	have_dns = servers[2] > 0;
	if (!have_dns)
		printf("SKIP unit/slirp dns: no dnsmasq answering on " DNS_IP ":53 (Debian dnsmasq-base)\n");

	/* root: host loopback on, DNS through dns_forward (the host's resolv.conf names
	 * another resolver, so only the forward can answer cbox.test). */
	struct scen root = { "root", 0, 1, have_dns ? DNS_IP : NULL, NULL };
	scenario(&root);
	/* unprivileged, user+net namespaces, host loopback off; DNS through libslirp's own
	 * forwarding to a loopback nameserver in resolv.conf (the 127.0.0.53 case). */
	struct scen user = { "unprivileged", 1, 0, NULL, have_dns ? DNS_IP : NULL };
	scenario(&user);
	test_no_tun();
	stop_servers();
	return unit_end();
}
