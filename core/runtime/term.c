/* term.c - the container's pty, raw mode and the copy loop. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>

#include "attach.h"
#include "fdpass.h"
#include "term.h"

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int cb_term_prepare(struct cb_term *t, cb_err *e)
{
	memset(&t->ws, 0, sizeof(t->ws));
	t->sock[0] = t->sock[1] = -1;
	for (int fd = 0; fd < 3; fd++)
		if (ioctl(fd, TIOCGWINSZ, &t->ws) == 0)
			break;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, t->sock) < 0)
		return cb_fail_errno(e, errno, "socketpair for the terminal");
	return 0;
}

void cb_term_close(struct cb_term *t)
{
	close_fd(&t->sock[0]);
	close_fd(&t->sock[1]);
}

int cb_term_open_in_child(struct cb_term *t, cb_err *e)
{
	close_fd(&t->sock[0]);
	int m CB_AUTOCLOSE = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	int unlock = 0, n;
	if (m < 0)
		return cb_fail_errno(e, errno, "/dev/ptmx in the container");
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0 || ioctl(m, TIOCGPTN, &n) < 0)
		return cb_fail_errno(e, errno, "unlock the container's pty");
	if ((t->ws.ws_row || t->ws.ws_col) && ioctl(m, TIOCSWINSZ, &t->ws) < 0)
		return cb_fail_errno(e, errno, "set the container's window size");
	char path[32];
	snprintf(path, sizeof(path), "/dev/pts/%d", n);
	/* TIOCGPTPEER (4.13) opens this very peer, whatever the path resolves to. */
	int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (s < 0)
		s = open(path, O_RDWR | O_NOCTTY);
	if (s < 0)
		return cb_fail_errno(e, errno, "%s in the container", path);
	/* As podman: the pty is also the container's /dev/console. */
	int c = open("/dev/console", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (c < 0 || mount(path, "/dev/console", NULL, MS_BIND, NULL) < 0)
		cb_debug("/dev/console: %s", strerror(errno));
	close_fd(&c);
	int r = cb_send_fd(t->sock[1], m);
	close_fd(&t->sock[1]);
	if (r < 0) {
		close(s);
		return cb_fail_errno(e, -r, "send the pty to cbox");
	}
	if (setsid() < 0 || ioctl(s, TIOCSCTTY, 0) < 0) {
		close(s);
		return cb_fail_errno(e, errno, "make %s the controlling terminal", path);
	}
	for (int fd = 0; fd < 3; fd++)
		if (dup2(s, fd) < 0)
			return cb_fail_errno(e, errno, "%s as fd %d", path, fd);
	if (s > 2)
		close(s);
	return 0;
}

int cb_term_recv_master(struct cb_term *t, cb_err *e)
{
	close_fd(&t->sock[1]);
	int m = cb_recv_fd(t->sock[0]);
	close_fd(&t->sock[0]);
	if (m < 0)
		return cb_fail(e, -m, "the container's pty did not arrive: %s", strerror(-m));
	return m;
}

/* ---- raw mode ---- */

static struct termios saved;
static int raw_fd = -1;

void cb_term_restore(void)
{
	if (raw_fd < 0)
		return;
	tcsetattr(raw_fd, TCSADRAIN, &saved);
	raw_fd = -1;
}

int cb_term_raw(int fd, cb_err *e)
{
	static int registered;
	struct termios t;
	if (!isatty(fd) || raw_fd >= 0)
		return 0;
	if (tcgetattr(fd, &saved) < 0)
		return cb_fail_errno(e, errno, "terminal settings");
	if (!registered++)
		atexit(cb_term_restore);
	t = saved;
	cfmakeraw(&t);
	if (tcsetattr(fd, TCSADRAIN, &t) < 0)
		return cb_fail_errno(e, errno, "terminal raw mode");
	raw_fd = fd;
	return 0;
}

/* ---- the copy loop ---- */

/* All of buf to *fd; a failing output is dropped (-1) so the master keeps draining. */
static void put(int *fd, const char *buf, size_t n)
{
	while (*fd >= 0 && n) {
		ssize_t k = write(*fd, buf, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			*fd = -1;
			return;
		}
		buf += k;
		n -= (size_t)k;
	}
}

/* 1 when pid has exited (*status set), 0 not yet (WNOHANG), -1 on EINTR. */
static int reap(pid_t pid, int *status, int flags)
{
	int st;
	pid_t r = waitpid(pid, &st, flags);
	if (r < 0 && errno == EINTR)
		return -1;
	if (r < 0) {
		*status = CB_EXIT_FAIL; /* not our child any more: nothing to wait for */
		return 1;
	}
	if (r != pid)
		return 0;
	*status = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
	return 1;
}

int cb_term_copy_loop(const struct cb_term_io *io)
{
	static const int fwd[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	sigset_t set, old;
	sigemptyset(&set);
	for (size_t i = 0; i < CB_ARRAY_SIZE(fwd); i++)
		sigaddset(&set, fwd[i]);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGWINCH);
	sigaddset(&set, SIGPIPE);
	/* Blocked and read from a signalfd: no handler races the poll. */
	sigprocmask(SIG_BLOCK, &set, &old);
	int sfd CB_AUTOCLOSE = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	cb_err ignore;
	if (io->raw && cb_term_raw(io->in_fd, &ignore) < 0)
		cb_warn("%s", ignore.msg);
	fcntl(io->master, F_SETFL, fcntl(io->master, F_GETFL) | O_NONBLOCK);

	int status = CB_EXIT_FAIL, done = reap(io->pid, &status, WNOHANG) > 0, master_open = 1;
	int in = io->in_fd, out = io->out_fd;
	char inbuf[4096], buf[16384];
	size_t inlen = 0, inoff = 0;
	while (!done || master_open) {
		struct pollfd p[3 + CB_ATTACH_POLL] = {
			{ sfd, POLLIN, 0 },
			{ master_open ? io->master : -1, (short)(POLLIN | (inlen ? POLLOUT : 0)), 0 },
			{ in >= 0 && !inlen ? in : -1, POLLIN, 0 },
		};
		int na = CFG_APPLET_ATTACH ? cb_attach_pollfds(io->att, p + 3) : 0;
		int k = poll(p, (nfds_t)(3 + na), done ? 300 : (sfd < 0 ? 100 : -1));
		if (k < 0 && errno != EINTR)
			break;
		if (k == 0 && done)
			break; /* exited, but a leftover process still holds the pty */
		struct signalfd_siginfo si;
		while (sfd >= 0 && read(sfd, &si, sizeof(si)) == sizeof(si)) {
			int sig = (int)si.ssi_signo;
			struct winsize ws;
			if (sig == SIGWINCH && io->size_fd >= 0 && ioctl(io->size_fd, TIOCGWINSZ, &ws) == 0)
				ioctl(io->master, TIOCSWINSZ, &ws);
			for (size_t i = 0; !done && i < CB_ARRAY_SIZE(fwd); i++)
				if (sig == fwd[i])
					kill(io->pid, sig);
		}
		if (!done)
			done = reap(io->pid, &status, WNOHANG) > 0;
		if (CFG_APPLET_ATTACH && io->att) {
			io->att->in = master_open ? io->master : -1;
			cb_attach_events(io->att, p + 3, na);
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(io->master, buf, sizeof(buf));
			if (n > 0) {
				put(&out, buf, (size_t)n);
				if (CFG_APPLET_ATTACH)
					cb_attach_out(io->att, 1, buf, (size_t)n);
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR))
				master_open = 0; /* EIO: every peer is closed and the data is read */
		}
		if (p[1].revents & POLLOUT) {
			ssize_t n = write(io->master, inbuf + inoff, inlen);
			if (n > 0) {
				inoff += (size_t)n;
				inlen -= (size_t)n;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				inlen = 0;
			}
		}
		if (p[2].revents) {
			ssize_t n = read(in, inbuf, sizeof(inbuf));
			struct termios t;
			inoff = 0;
			if (n > 0) {
				inlen = (size_t)n;
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				/* End of input: the EOF character (^D), which canonical mode and
				 * line editors (a shell's prompt) read as the end. */
				in = -1;
				inbuf[0] = tcgetattr(io->master, &t) == 0 ? (char)t.c_cc[VEOF] : 4;
				inlen = 1;
			}
		}
	}
	if (!done) /* poll failed: wait without copying */
		while (reap(io->pid, &status, 0) < 0)
			;
	if (io->raw)
		cb_term_restore();
	/* Drop what is pending (a SIGPIPE would kill us once unblocked). */
	struct timespec zero = { 0, 0 };
	while (sigtimedwait(&set, NULL, &zero) > 0)
		;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}

int cb_term_attach(struct cb_term *t, pid_t pid, int interactive, int *status, cb_err *e)
{
	int m = cb_term_recv_master(t, e);
	if (m < 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		*status = CB_EXIT_FAIL;
		return m;
	}
	int size_fd = -1;
	for (int fd = 0; fd < 3 && size_fd < 0; fd++)
		if (isatty(fd))
			size_fd = fd;
	struct cb_term_io io = {
		.master = m,
		.in_fd = interactive ? 0 : -1,
		.out_fd = 1,
		.size_fd = size_fd,
		.raw = interactive && isatty(0),
		.pid = pid,
		.att = t->att,
	};
	*status = cb_term_copy_loop(&io);
	close(m);
	return 0;
}
