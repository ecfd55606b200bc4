/* attach.c - the monitor's attach socket and its client end (see attach.h). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>

#include "attach.h"

/* dfd's "attach" as a path: through /proc, so a deep store still fits sun_path. */
static socklen_t addr_of(int dfd, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/attach", dfd);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sa->sun_path) + 1);
}

int cb_attach_listen(struct cb_attach *a, int dfd, cb_err *e)
{
	struct sockaddr_un sa;
	socklen_t len = addr_of(dfd, &sa);
	a->in = -1;
	for (int i = 0; i < CB_ATTACH_MAX; i++)
		a->fd[i] = -1;
	a->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (a->lfd < 0)
		return cb_fail_errno(e, errno, "attach socket");
	unlinkat(dfd, "attach", 0);
	if (bind(a->lfd, (struct sockaddr *)&sa, len) < 0 || listen(a->lfd, 4) < 0) {
		int err = errno;
		close(a->lfd);
		a->lfd = -1;
		return cb_fail_errno(e, err, "attach socket");
	}
	return 0;
}

int cb_attach_pollfds(const struct cb_attach *a, struct pollfd *p)
{
	if (!a || a->lfd < 0)
		return 0;
	p[0] = (struct pollfd){ .fd = a->lfd, .events = POLLIN };
	for (int i = 0; i < CB_ATTACH_MAX; i++)
		p[1 + i] = (struct pollfd){ .fd = a->fd[i], .events = POLLIN };
	return CB_ATTACH_POLL;
}

/* All of buf to the container's input, waiting a little while it is full. */
static void put_in(int fd, const char *buf, size_t n)
{
	for (int waits = 0; fd >= 0 && n && waits < 20;) {
		ssize_t k = write(fd, buf, n);
		if (k > 0) {
			buf += k, n -= (size_t)k;
		} else if (k < 0 && errno == EAGAIN) {
			struct pollfd p = { fd, POLLOUT, 0 };
			poll(&p, 1, 100);
			waits++;
		} else if (!(k < 0 && errno == EINTR)) {
			return;
		}
	}
}

void cb_attach_events(struct cb_attach *a, const struct pollfd *p, int n)
{
	if (!a || n < CB_ATTACH_POLL)
		return;
	for (int i = 0; i < CB_ATTACH_MAX; i++) {
		if (!p[1 + i].revents || a->fd[i] < 0)
			continue;
		char buf[8192];
		ssize_t k = recv(a->fd[i], buf, sizeof(buf), MSG_DONTWAIT);
		if (k < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (k <= 0) { /* gone (a detach) */
			close(a->fd[i]);
			a->fd[i] = -1;
		} else if (buf[0] == CB_ATT_STDIN) {
			put_in(a->in, buf + 1, (size_t)k - 1);
		} else if (buf[0] == CB_ATT_RESIZE && k == 1 + (ssize_t)sizeof(struct winsize) && a->in >= 0 &&
			   isatty(a->in)) {
			struct winsize ws;
			memcpy(&ws, buf + 1, sizeof(ws));
			ioctl(a->in, TIOCSWINSZ, &ws);
		}
	}
	if (p[0].revents & POLLIN)
		for (int i = 0; i < CB_ATTACH_MAX; i++)
			if (a->fd[i] < 0) {
				struct timeval tv = { 1, 0 }; /* for the exit message: a stuck client waits no more */
				a->fd[i] = accept4(a->lfd, NULL, NULL, SOCK_CLOEXEC);
				if (a->fd[i] >= 0)
					setsockopt(a->fd[i], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
				break;
			}
}

void cb_attach_out(struct cb_attach *a, int stream, const char *buf, size_t n)
{
	for (size_t off = 0; a && off < n;) {
		char msg[4097];
		size_t k = n - off < sizeof(msg) - 1 ? n - off : sizeof(msg) - 1;
		msg[0] = (char)stream;
		memcpy(msg + 1, buf + off, k);
		for (int i = 0; i < CB_ATTACH_MAX; i++)
			if (a->fd[i] >= 0)
				(void)!send(a->fd[i], msg, k + 1, MSG_DONTWAIT | MSG_NOSIGNAL);
		off += k;
	}
}

void cb_attach_end(struct cb_attach *a, int dfd, int status)
{
	char msg[1 + sizeof(int)] = { CB_ATT_EXIT };
	memcpy(msg + 1, &status, sizeof(status));
	for (int i = 0; a->lfd >= 0 && i < CB_ATTACH_MAX; i++)
		if (a->fd[i] >= 0) {
			(void)!send(a->fd[i], msg, sizeof(msg), MSG_NOSIGNAL);
			close(a->fd[i]);
			a->fd[i] = -1;
		}
	if (a->lfd < 0)
		return;
	close(a->lfd);
	a->lfd = -1;
	unlinkat(dfd, "attach", 0);
}

int cb_attach_connect(int dfd, cb_err *e)
{
	struct sockaddr_un sa;
	socklen_t len = addr_of(dfd, &sa);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cb_fail_errno(e, errno, "attach socket");
	if (connect(fd, (struct sockaddr *)&sa, len) < 0) {
		int err = errno;
		close(fd);
		return cb_fail_errno(e, err, "the container's attach socket");
	}
	return fd;
}
