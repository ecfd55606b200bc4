/* slirp.c - the network helper: a fork of the caller (no exec) that stays in the
 * caller's network namespace and runs libslirp between the container's tap fd and the
 * host's sockets.
 *
 * ctl is a SOCK_SEQPACKET socketpair, one message per step:
 *   helper -> caller   status after setup (ports bound), or the error text
 *   caller -> helper   the tap fd (SCM_RIGHTS)
 *   helper -> caller   status of the attach
 * and then nothing: the helper runs until ctl closes (the container ended, or the caller
 * died), then exits. It keeps only ctl, the tap fd and its own sockets.
 *
 * Not done yet: a seccomp filter for the helper (it needs socket/connect/bind/poll/
 * read/write/sendmsg/recvmsg/close/clock_gettime/exit and little else).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include <slirp/libslirp.h>

#include "fdpass.h"
#include "slirp.h"

struct ctl_msg {
	int status; /* 0 or -errno */
	char text[sizeof(((cb_err *)0)->msg)];
};

static int ctl_send(int fd, int status, const char *text)
{
	struct ctl_msg m = { .status = status };
	snprintf(m.text, sizeof(m.text), "%s", text ? text : "");
	ssize_t n;
	do
		n = send(fd, &m, sizeof(m.status) + strlen(m.text) + 1, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

/* Read the helper's status into *e; 0 when it reports success. */
static int ctl_recv(int fd, const char *step, cb_err *e)
{
	struct ctl_msg m;
	ssize_t n;
	do
		n = recv(fd, &m, sizeof(m) - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return cb_fail_errno(e, errno, "network slirp: %s: reading the helper's status", step);
	if (n < (ssize_t)sizeof(m.status) + 1)
		return cb_fail(e, EPIPE, "network slirp: %s: the helper exited", step);
	((char *)&m)[n] = '\0';
	if (m.status < 0)
		return cb_fail(e, -m.status, "%s", m.text);
	return 0;
}

/* ---- the helper ------------------------------------------------------------------ */

#define DNS_MAX 32          /* queries in flight through dns_forward */
#define DNS_TIMEOUT_MS 5000

struct timer {
	struct timer *next;
	SlirpTimerId id;
	void *cb_opaque;
	int64_t expire_ms; /* -1: not armed */
};

struct dns_query {
	int fd; /* -1: free slot */
	uint8_t guest_mac[6], our_mac[6];
	uint8_t guest_ip[4];
	uint16_t guest_port;
	int64_t deadline_ms;
};

struct helper {
	Slirp *slirp;
	int ctl, tap, mtu;
	uint8_t *frame; /* one ethernet frame: mtu + 14 */
	struct pollfd *pfd;
	int npfd, cappfd;
	struct timer *timers;
	int dns_on;
	struct sockaddr_storage dns_addr;
	socklen_t dns_len;
	struct dns_query dns[DNS_MAX];
	uint8_t dns_ip[4]; /* the network's .3 */
	uint16_t ip_id;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
	struct helper *h = opaque;
	if (h->tap < 0)
		return len; /* not attached yet: dropped, TCP retransmits */
	ssize_t n = write(h->tap, buf, len);
	/* A full tap queue drops the frame, as a real link would. */
	return n < 0 && errno == EAGAIN ? (ssize_t)len : n;
}

static void cb_guest_error(const char *msg, void *opaque) { cb_debug("slirp: guest error: %s", msg); }

static int64_t cb_clock_get_ns(void *opaque)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *cb_timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
	struct helper *h = opaque;
	struct timer *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->id = id;
	t->cb_opaque = cb_opaque;
	t->expire_ms = -1;
	t->next = h->timers;
	h->timers = t;
	return t;
}

static void cb_timer_free(void *timer, void *opaque)
{
	struct helper *h = opaque;
	for (struct timer **p = &h->timers; *p; p = &(*p)->next)
		if (*p == timer) {
			*p = (*p)->next;
			free(timer);
			return;
		}
}

/* expire_time is in ms on the clock_get_ns clock. */
static void cb_timer_mod(void *timer, int64_t expire_time, void *opaque) { ((struct timer *)timer)->expire_ms = expire_time; }
static void cb_no_fd(int fd, void *opaque) {}
static void cb_notify(void *opaque) {} /* single-threaded: the loop polls again anyway */

static const SlirpCb callbacks = {
	.send_packet = cb_send_packet,
	.guest_error = cb_guest_error,
	.clock_get_ns = cb_clock_get_ns,
	.timer_free = cb_timer_free,
	.timer_mod = cb_timer_mod,
	.register_poll_fd = cb_no_fd,
	.unregister_poll_fd = cb_no_fd,
	.notify = cb_notify,
	.timer_new_opaque = cb_timer_new_opaque,
};

static int add_pollfd(struct helper *h, int fd, short events)
{
	if (h->npfd == h->cappfd) {
		int cap = h->cappfd ? h->cappfd * 2 : 64;
		struct pollfd *p = realloc(h->pfd, cap * sizeof(*p));
		if (!p)
			return -1;
		h->pfd = p;
		h->cappfd = cap;
	}
	h->pfd[h->npfd] = (struct pollfd){ .fd = fd, .events = events };
	return h->npfd++;
}

static int cb_add_poll(int fd, int events, void *opaque)
{
	short ev = 0;
	if (events & SLIRP_POLL_IN)
		ev |= POLLIN;
	if (events & SLIRP_POLL_OUT)
		ev |= POLLOUT;
	if (events & SLIRP_POLL_PRI)
		ev |= POLLPRI;
	return add_pollfd(opaque, fd, ev);
}

static int cb_get_revents(int idx, void *opaque)
{
	struct helper *h = opaque;
	if (idx < 0 || idx >= h->npfd)
		return 0;
	short re = h->pfd[idx].revents;
	return (re & POLLIN ? SLIRP_POLL_IN : 0) | (re & POLLOUT ? SLIRP_POLL_OUT : 0) |
	       (re & POLLPRI ? SLIRP_POLL_PRI : 0) | (re & (POLLERR | POLLNVAL) ? SLIRP_POLL_ERR : 0) |
	       (re & POLLHUP ? SLIRP_POLL_HUP : 0);
}

/* ---- DNS through dns_forward ------------------------------------------------------
 * libslirp sends 10.0.2.3:53 to the first nameserver of /etc/resolv.conf (loopback ones
 * included) and has no way to name another. With dns_forward, UDP queries to 10.0.2.3:53
 * are taken off the tap before libslirp sees them, sent from a socket of their own to
 * the resolver, and the answer is framed back to the guest here. */


static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (; len > 1; p += 2, len -= 2)
		sum += p[0] << 8 | p[1];
	if (len)
		sum += p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void dns_close(struct dns_query *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
}

/* A frame from the guest: 1 when it was a DNS query we took, 0 to hand it to libslirp. */
static int dns_intercept(struct helper *h, const uint8_t *f, size_t len)
{
	if (!h->dns_on || len < 14 + 20 + 8 || f[12] != 0x08 || f[13] != 0x00)
		return 0;
	const uint8_t *ip = f + 14;
	size_t ihl = (ip[0] & 0x0f) * 4, tot = ip[2] << 8 | ip[3];
	if (ip[0] >> 4 != 4 || ihl < 20 || ip[9] != IPPROTO_UDP || memcmp(ip + 16, h->dns_ip, 4))
		return 0;
	if ((ip[6] & 0x3f) || ip[7] || tot > len - 14 || tot < ihl + 8)
		return 0; /* fragments and odd shapes: libslirp's business */
	const uint8_t *udp = ip + ihl;
	size_t ulen = udp[4] << 8 | udp[5];
	if ((udp[2] << 8 | udp[3]) != 53)
		return 0;
	if (ulen < 8 + 12 || ulen > tot - ihl)
		return 1; /* not a DNS message: dropped */

	struct dns_query *q = NULL;
	for (int i = 0; i < DNS_MAX; i++)
		if (h->dns[i].fd < 0) {
			q = &h->dns[i];
			break;
		}
	if (!q) /* all busy: the oldest makes room */
		for (int i = 0; i < DNS_MAX; i++)
			if (!q || h->dns[i].deadline_ms < q->deadline_ms)
				q = &h->dns[i];
	dns_close(q);
	q->fd = socket(h->dns_addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (q->fd < 0)
		return 1;
	if (connect(q->fd, (struct sockaddr *)&h->dns_addr, h->dns_len) < 0 ||
	    send(q->fd, udp + 8, ulen - 8, 0) < 0) {
		cb_debug("slirp: dns forward: %s", strerror(errno));
		dns_close(q);
		return 1;
	}
	memcpy(q->guest_mac, f + 6, 6);
	memcpy(q->our_mac, f, 6);
	memcpy(q->guest_ip, ip + 12, 4);
	q->guest_port = udp[0] << 8 | udp[1];
	q->deadline_ms = now_ms() + DNS_TIMEOUT_MS;
	return 1;
}

/* The resolver answered: frame it as 10.0.2.3:53 -> guest. */
static void dns_answer(struct helper *h, struct dns_query *q)
{
	uint8_t *f = h->frame, *ip = f + 14, *udp = ip + 20, *data = udp + 8;
	size_t room = h->mtu - 28;
	ssize_t n = recv(q->fd, data, room, MSG_TRUNC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	dns_close(q);
	if (n < 0 || (size_t)n > room)
		return; /* an error, or an answer larger than the link: the guest retries */
	memcpy(f, q->guest_mac, 6);
	memcpy(f + 6, q->our_mac, 6);
	put16(f + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, 28 + n);
	put16(ip + 4, h->ip_id++);
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, h->dns_ip, 4);
	memcpy(ip + 16, q->guest_ip, 4);
	put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	put16(udp, 53);
	put16(udp + 2, q->guest_port);
	put16(udp + 4, 8 + n);
	put16(udp + 6, 0);
	uint8_t pseudo[12] = { 0 };
	memcpy(pseudo, ip + 12, 8);
	pseudo[9] = IPPROTO_UDP;
	put16(pseudo + 10, 8 + n);
	uint16_t sum = csum_fold(csum_add(csum_add(0, pseudo, 12), udp, 8 + n));
	put16(udp + 6, sum ? sum : 0xffff);
	cb_send_packet(f, 14 + 28 + n, h);
}

/* "IP", "IP:PORT", "[IP6]:PORT" or "IP6" -> *ss (port 53 unless given). */
static int parse_dns_forward(const char *s, struct sockaddr_storage *ss, socklen_t *len, cb_err *e)
{
	char host[64];
	long port = 53;
	const char *p = NULL;
	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || (size_t)(close - s - 1) >= sizeof(host) || (close[1] && close[1] != ':'))
			goto bad;
		memcpy(host, s + 1, close - s - 1);
		host[close - s - 1] = '\0';
		p = close[1] ? close + 2 : NULL;
	} else {
		const char *c = strchr(s, ':');
		size_t n = c && !strchr(c + 1, ':') ? (size_t)(c - s) : strlen(s);
		if (n >= sizeof(host))
			goto bad;
		memcpy(host, s, n);
		host[n] = '\0';
		p = s[n] ? s + n + 1 : NULL;
	}
	if (p) {
		char *end;
		port = strtol(p, &end, 10);
		if (!*p || *end || port < 1 || port > 65535)
			goto bad;
	}
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		*len = sizeof(*v4);
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		*len = sizeof(*v6);
	} else {
		goto bad;
	}
	return 0;
bad:
	return cb_fail(e, EINVAL, "network slirp: DNS resolver '%s': want IP, IP:PORT or [IPv6]:PORT", s);
}

/* ---- helper setup and loop ---- */

/* Nothing of the caller's survives but ctl (moved to fd 3) and, for debugging, stderr:
 * holding the caller's other fds would keep the container's files alive. */
static int helper_isolate(int ctl)
{
	if (ctl != 3) {
		if (dup3(ctl, 3, O_CLOEXEC) < 0)
			return -1;
		close(ctl);
	}
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		if (cb_log_level < CB_LOG_DEBUG)
			dup2(null, 2);
		if (null > 3)
			close(null);
	}
	if (syscall(SYS_close_range, 4U, ~0U, 0U) < 0)
		for (int fd = 4; fd < 4096; fd++)
			close(fd);
	/* The caller's handlers mean nothing here; Ctrl-C is for the container. */
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	return 3;
}

static int helper_setup(struct helper *h, const struct cb_slirp_opts *o, cb_err *e)
{
	SlirpConfig cfg = {
		.version = 4,
		.in_enabled = true,
		.if_mtu = o->mtu,
		.if_mru = o->mtu,
		.disable_host_loopback = !o->allow_host_loopback,
		.in6_enabled = o->enable_ipv6 != 0,
		.vprefix_len = 64,
	};
	cfg.vnetwork = cb_slirp_in(o, 0);
	cfg.vnetmask.s_addr = htonl(~(0xffffffffu >> o->prefix));
	cfg.vhost = cb_slirp_in(o, CB_SLIRP_HOST);
	cfg.vdhcp_start = cb_slirp_in(o, CB_SLIRP_GUEST);
	cfg.vnameserver = cb_slirp_in(o, CB_SLIRP_DNS);
	memcpy(h->dns_ip, &cfg.vnameserver, 4);
	/* outbound_addr(6)=: the host address the container's connections leave from */
	struct sockaddr_in out4 = { .sin_family = AF_INET };
	struct sockaddr_in6 out6 = { .sin6_family = AF_INET6 };
	if (o->outbound[0] && inet_pton(AF_INET, o->outbound, &out4.sin_addr) == 1)
		cfg.outbound_addr = &out4;
	if (o->outbound6[0] && inet_pton(AF_INET6, o->outbound6, &out6.sin6_addr) == 1)
		cfg.outbound_addr6 = &out6;
	inet_pton(AF_INET6, "fd00::", &cfg.vprefix_addr6);
	inet_pton(AF_INET6, "fd00::2", &cfg.vhost6);
	inet_pton(AF_INET6, "fd00::3", &cfg.vnameserver6);

	h->mtu = o->mtu;
	h->frame = malloc(o->mtu + 14);
	if (!h->frame)
		return cb_fail_errno(e, ENOMEM, "network slirp");
	h->slirp = slirp_new(&cfg, &callbacks, h);
	if (!h->slirp)
		return cb_fail(e, EINVAL, "network slirp: libslirp refused the configuration (mtu %d)", o->mtu);

	struct sockaddr_in guest = { .sin_family = AF_INET, .sin_addr = cb_slirp_in(o, CB_SLIRP_GUEST) };
	for (int i = 0; i < o->nports; i++) {
		const struct cb_portfwd *p = &o->ports[i];
		struct sockaddr_storage hs;
		socklen_t hl = cb_portfwd_host_addr(p, &hs);
		int v6 = hs.ss_family == AF_INET6;
		guest.sin_port = htons(p->guest_port);
		/* libslirp 4.7 matches a connection by its addresses' family: an IPv6 host
		 * socket must go to the guest's IPv6 address ("::": the one slirp learns from
		 * the guest's neighbour discovery). */
		struct sockaddr_in6 guest6 = { .sin6_family = AF_INET6, .sin6_port = htons(p->guest_port) };
		errno = 0;
		if (slirp_add_hostxfwd(h->slirp, (struct sockaddr *)&hs, hl,
				       v6 ? (struct sockaddr *)&guest6 : (struct sockaddr *)&guest,
				       v6 ? sizeof(guest6) : sizeof(guest),
				       (p->udp ? SLIRP_HOSTFWD_UDP : 0) | (v6 ? SLIRP_HOSTFWD_V6ONLY : 0)) < 0) {
			int err = errno ? errno : EINVAL;
			char where[80];
			snprintf(where, sizeof(where), v6 ? "[%s]:%d%s" : "%s:%d%s", p->host_ip[0] ? p->host_ip : "0.0.0.0",
				 p->host_port, p->udp ? "/udp" : "");
			/* podman's (Go's) wording, not musl's "Address in use" */
			if (err == EADDRINUSE)
				return cb_fail(e, err, "publish %s: address already in use", where);
			return cb_fail_errno(e, err, "publish %s", where);
		}
	}
	return 0;
}

/* Wait for the tap fd; 0 with h->tap set, or -1 when ctl closed first. */
static int helper_wait_attach(struct helper *h)
{
	int fd = cb_recv_fd(h->ctl);
	if (fd == -EPROTO)
		ctl_send(h->ctl, -EINVAL, "network slirp: attach: no tap fd in the message");
	if (fd < 0)
		return -1;
	h->tap = fd;
	fcntl(h->tap, F_SETFL, fcntl(h->tap, F_GETFL) | O_NONBLOCK);
	return ctl_send(h->ctl, 0, NULL) < 0 ? -1 : 0;
}

static void helper_loop(struct helper *h)
{
	for (;;) {
		h->npfd = 0;
		add_pollfd(h, h->ctl, POLLIN);
		add_pollfd(h, h->tap, POLLIN);
		int64_t now = now_ms(), next = INT64_MAX;
		for (int i = 0; i < DNS_MAX; i++) {
			struct dns_query *q = &h->dns[i];
			if (q->fd >= 0 && q->deadline_ms <= now)
				dns_close(q);
			add_pollfd(h, q->fd, POLLIN); /* fd -1 is skipped by poll; keeps index == 2 + i */
			if (q->fd >= 0 && q->deadline_ms < next)
				next = q->deadline_ms;
		}
		for (struct timer *t = h->timers; t; t = t->next)
			if (t->expire_ms >= 0 && t->expire_ms < next)
				next = t->expire_ms;
		uint32_t timeout = UINT32_MAX;
		slirp_pollfds_fill(h->slirp, &timeout, cb_add_poll, h);
		if (next != INT64_MAX) {
			int64_t d = next > now ? next - now : 0;
			if (d < timeout)
				timeout = (uint32_t)d;
		}
		int n = poll(h->pfd, h->npfd, timeout == UINT32_MAX ? -1 : (int)timeout);
		if (n < 0 && errno != EINTR)
			return;
		/* ctl speaks no more after attach: readable means closed (or misuse). */
		if (n > 0 && h->pfd[0].revents)
			return;
		if (n > 0 && h->pfd[1].revents & POLLIN) {
			for (int i = 0; i < 64; i++) {
				ssize_t len = read(h->tap, h->frame, h->mtu + 14);
				if (len <= 0)
					break;
				if (!dns_intercept(h, h->frame, len))
					slirp_input(h->slirp, h->frame, (int)len);
			}
		} else if (n > 0 && h->pfd[1].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			return; /* the tap device is gone */
		}
		for (int i = 0; n > 0 && i < DNS_MAX; i++)
			if (h->dns[i].fd >= 0 && h->pfd[2 + i].revents)
				dns_answer(h, &h->dns[i]);
		slirp_pollfds_poll(h->slirp, n < 0, cb_get_revents, h);
		now = now_ms();
		for (struct timer *t = h->timers; t; t = t->next)
			if (t->expire_ms >= 0 && t->expire_ms <= now) {
				t->expire_ms = -1;
				slirp_handle_timer(h->slirp, t->id, t->cb_opaque);
				break; /* the handler may have changed the list; the rest wait a round */
			}
	}
}

static int helper_main(const struct cb_slirp_opts *o, int ctl, pid_t parent, const struct sockaddr_storage *dns,
		       socklen_t dns_len)
{
	/* Die with the caller if it dies without closing ctl's last copy; note: the signal
	 * follows the forking thread, so run should start the helper from its main thread. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		return 1;
	struct helper h = { .ctl = helper_isolate(ctl), .tap = -1, .dns_on = dns != NULL };
	for (int i = 0; i < DNS_MAX; i++)
		h.dns[i].fd = -1;
	if (dns) {
		h.dns_addr = *dns;
		h.dns_len = dns_len;
	}
	cb_err e;
	if (helper_setup(&h, o, &e) < 0) {
		ctl_send(h.ctl, -(e.errnum ? e.errnum : EINVAL), e.msg);
		return 1;
	}
	if (ctl_send(h.ctl, 0, NULL) < 0 || helper_wait_attach(&h) < 0)
		return 0;
	helper_loop(&h);
	/* Exit closes the tap fd and every socket; nothing else is held. */
	return 0;
}

/* ---- the caller's side ------------------------------------------------------------ */

int cb_slirp_start(const struct cb_slirp_opts *o, pid_t *helper, int *ctl, cb_err *e)
{
	*helper = -1;
	*ctl = -1;
	if (!CFG_SLIRP)
		return cb_fail(e, ENOTSUP, "network slirp: not built into this cbox: use --network host or --network none");
	struct sockaddr_storage dns;
	socklen_t dns_len = 0;
	if (o->dns_forward && parse_dns_forward(o->dns_forward, &dns, &dns_len, e) < 0)
		return -EINVAL;
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return cb_fail_errno(e, errno, "network slirp: socketpair");
	pid_t parent = getpid();
	fflush(NULL); /* no buffered output twice */
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		close(sp[0]);
		close(sp[1]);
		return cb_fail_errno(e, err, "network slirp: fork the helper");
	}
	if (pid == 0) {
		close(sp[0]);
		_exit(helper_main(o, sp[1], parent, o->dns_forward ? &dns : NULL, dns_len));
	}
	close(sp[1]);
	int r = ctl_recv(sp[0], "start", e);
	if (r < 0) {
		close(sp[0]);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return r;
	}
	cb_debug("network slirp: helper %d up, %d port(s) published", (int)pid, o->nports);
	*helper = pid;
	*ctl = sp[0];
	return 0;
}

int cb_slirp_attach(int ctl, int tapfd, cb_err *e)
{
	int r = cb_send_fd(ctl, tapfd);
	if (r < 0)
		return cb_fail_errno(e, -r, "network slirp: attach: sending the tap fd to the helper");
	return ctl_recv(ctl, "attach", e);
}
