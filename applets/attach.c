//config:config APPLET_ATTACH
//config:	bool "attach: attach to a running detached container"
//config:	default y
//applet:CB_APPLET(attach, attach_main, CB_NOSUID)
//cmd:CB_CMD("attach", "container", 1, 1, "CONTAINER", "Attach to a running container")
//usage:Attach the terminal to a container that runs detached (run -d, create + start):
//usage:its output as it comes, our input to its stdin or pty when it was made with -i.
//usage:The detach keys leave it running; its end ends attach with its exit status.
//usage:
//usage:      --detach-keys KEYS  the sequence that detaches (default ctrl-p,ctrl-q; ""
//usage:                          none): comma-separated, each a character or ctrl-X
//usage:                          (X: a-z @ [ \ ] ^ _)
//usage:      --no-stdin          do not forward our input
//usage:      --sig-proxy         forward the signals we get to it (default true; not
//usage:                          with -t: the keys reach its pty)
/* attach.c - cbox attach */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include "attach.h"
#include "ctl.h"
#include "idmap.h"
#include "term.h"

/* "ctrl-p,ctrl-q" -> its bytes: their count, or -1. */
static int detach_keys(const char *spec, char *keys, int max)
{
	int n = 0;
	for (const char *p = spec; *p && n < max;) {
		size_t l = strcspn(p, ",");
		if (l == 1)
			keys[n++] = *p;
		else if (l == 6 && !strncmp(p, "ctrl-", 5) && ((p[5] >= 'a' && p[5] <= 'z') || strchr("@[\\]^_", p[5])))
			keys[n++] = (char)(p[5] >= 'a' ? p[5] - 'a' + 1 : p[5] - '@');
		else
			return -1;
		p += l + (p[l] == ',');
	}
	return n;
}

static void send_size(int sock, int fd)
{
	char msg[1 + sizeof(struct winsize)] = { CB_ATT_RESIZE };
	struct winsize ws;
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0) {
		memcpy(msg + 1, &ws, sizeof(ws));
		(void)!send(sock, msg, sizeof(msg), MSG_NOSIGNAL);
	}
}

static int die(const char *msg)
{
	fprintf(stderr, "Error: %s\n", msg);
	return CB_EXIT_FAIL;
}

int attach_main(int argc, char **argv)
{
	enum { O_KEYS = 1, O_NOSTDIN, O_PROXY };
	static const struct cb_option opts[] = {
		{ "detach-keys", 0, CB_OPT_ARG, O_KEYS },
		{ "no-stdin", 0, CB_OPT_NONE, O_NOSTDIN },
		{ "sig-proxy", 0, CB_OPT_BOOL, O_PROXY },
		{ 0 },
	};
	struct cb_opt_state st;
	const char *spec = "ctrl-p,ctrl-q";
	int no_stdin = 0, proxy = 1, c;
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts))) {
		if (c == O_KEYS)
			spec = st.arg;
		else if (c == O_NOSTDIN)
			no_stdin = 1;
		else if (c == O_PROXY)
			proxy = !strcmp(st.arg, "true");
	}
	char keys[16], err[300];
	int nkeys = detach_keys(spec, keys, (int)sizeof(keys));
	if (nkeys < 0) {
		snprintf(err, sizeof(err), "invalid detach keys: %s", spec);
		return die(err);
	}
	if (argc - st.ind != 1) {
		cb_usage_error("name one container");
		return CB_EXIT_FAIL;
	}
	struct cb_store s;
	struct cb_state cs;
	char id[65];
	int dfd, sock;
	cJSON *cfg;
	cb_err e;
	if (cb_userns_enter(&e) < 0 || cb_ctl_open(&s, argv[st.ind], id, &dfd, &cfg, &cs, &e) < 0)
		return die(e.msg);
	if (cs.state != CB_STATE_RUNNING)
		return die("you can only attach to running containers");
	if ((sock = cb_attach_connect(dfd, &e)) < 0)
		return die(e.msg);
	int tty = cJSON_IsTrue(cJSON_GetObjectItem(cfg, "tty"));
	int in = !no_stdin && cJSON_IsTrue(cJSON_GetObjectItem(cfg, "interactive")) ? 0 : -1;
	if (tty && in == 0 && cb_term_raw(0, &e) < 0)
		cb_warn("%s", e.msg);
	if (tty && isatty(1))
		send_size(sock, 1);

	sigset_t set;
	sigemptyset(&set);
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
	for (size_t i = 0; i < CB_ARRAY_SIZE(sigs); i++)
		sigaddset(&set, sigs[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK), status = 0, m = 0;
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		struct pollfd p[3] = { { sock, POLLIN, 0 }, { sfd, POLLIN, 0 }, { in, POLLIN, 0 } };
		char buf[4097 + sizeof(keys)];
		if (poll(p, 3, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents) {
			ssize_t n = recv(sock, buf, 4097, 0);
			if (n <= 0) { /* the monitor went without a word: the state says */
				cb_state_read(dfd, &cs);
				status = cs.state == CB_STATE_EXITED ? cs.exit_code : CB_EXIT_FAIL;
				break;
			}
			if (buf[0] == CB_ATT_EXIT && n == 1 + (ssize_t)sizeof(int)) {
				memcpy(&status, buf + 1, sizeof(int));
				break;
			}
			if (buf[0] == CB_ATT_STDOUT || buf[0] == CB_ATT_STDERR)
				for (ssize_t o = 1, w; o < n; o += w > 0 ? w : 0)
					if ((w = write(buf[0], buf + o, (size_t)(n - o))) < 0 && errno != EINTR)
						break;
		}
		struct signalfd_siginfo si;
		while (sfd >= 0 && read(sfd, &si, sizeof(si)) == sizeof(si)) {
			int sig = (int)si.ssi_signo;
			if (sig == SIGWINCH && tty)
				send_size(sock, 1);
			else if (sig != SIGWINCH && proxy && !tty)
				kill(cs.pid, sig); /* the container's pid as it started (its state) */
			else if (sig != SIGWINCH) { /* ours: end as the signal says */
				cb_term_restore();
				signal(sig, SIG_DFL);
				sigprocmask(SIG_UNBLOCK, &set, NULL);
				raise(sig);
			}
		}
		if (in >= 0 && p[2].revents) {
			char data[4096];
			ssize_t n = read(in, data, sizeof(data)), k = 1;
			if (n <= 0 && errno != EINTR) {
				in = -1; /* our input ended; the output goes on */
				continue;
			}
			/* The detach keys, also split across reads: held back while they match. */
			buf[0] = CB_ATT_STDIN;
			for (ssize_t i = 0; i < n; i++) {
				if (m < nkeys && data[i] == keys[m]) {
					if (++m == nkeys) {
						cb_term_restore();
						return 0; /* detached: it runs on */
					}
					continue;
				}
				memcpy(buf + k, keys, (size_t)m);
				k += m;
				m = 0;
				if (nkeys && data[i] == keys[0])
					m = 1;
				else
					buf[k++] = data[i];
			}
			if (k > 1 && send(sock, buf, (size_t)k, MSG_NOSIGNAL) < 0)
				in = -1;
		}
	}
	cb_term_restore();
	return status;
}
