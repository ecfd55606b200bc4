/* term.h - a terminal for the container (run -t, and for exec -t / a detached -dt):
 * the pty comes from the container's own devpts, opened by the child inside the new
 * root; its master travels to the parent over a socket pair; the parent copies between
 * the master and its own fds, with the caller's terminal in raw mode.
 *
 * Use, around a clone/fork whose child ends in exec:
 *   parent:  cb_term_prepare(&t)           before the child exists
 *   child:   cb_term_open_in_child(&t)     in the new root, before dropping privileges
 *   parent:  cb_term_attach(&t, pid, ...)  once the child has exec'd (foreground run)
 *            or cb_term_recv_master() + cb_term_copy_loop() (a monitor writing a log). */
#ifndef CB_TERM_H
#define CB_TERM_H

#include <sys/ioctl.h>

#include "cbox.h"

struct cb_term {
	int sock[2];       /* [0] the parent's end, [1] the child's (both close-on-exec) */
	struct winsize ws; /* the size the pty starts with (0x0 when the caller has no terminal) */
	struct cb_attach *att; /* a monitor's attach clients (attach.h), or NULL */
};

/* Parent, before the clone: the socket pair, and the caller's window size (that of the
 * first terminal among fds 0, 1, 2). */
int cb_term_prepare(struct cb_term *t, cb_err *e);

/* Child, inside the new root: open /dev/ptmx (the container's devpts), unlock it, give
 * it t->ws, open the peer, bind it on /dev/console, send the master to the parent, then
 * a new session with the peer as controlling terminal on fds 0, 1 and 2. */
int cb_term_open_in_child(struct cb_term *t, cb_err *e);

/* Parent, once the child has exec'd: the master (close-on-exec), or a negative errno.
 * Closes both socket ends. */
int cb_term_recv_master(struct cb_term *t, cb_err *e);

/* Close what is left of t (the parent's failure paths). */
void cb_term_close(struct cb_term *t);

/* The caller's terminal in raw mode (no echo, no line editing, no signals from keys,
 * no output processing) until cb_term_restore, which also runs at exit. 0 when fd is
 * not a terminal (nothing to do). */
int cb_term_raw(int fd, cb_err *e);
void cb_term_restore(void);

struct cb_term_io {
	int master;  /* the pty master (made non-blocking) */
	int in_fd;   /* copied to the master, or -1 (-t without -i); at its end the pty's
	              * EOF character goes to the master */
	int out_fd;  /* the master's output goes here */
	int size_fd; /* a terminal whose size follows SIGWINCH onto the master, or -1 */
	int raw;     /* in_fd in raw mode for the loop's duration */
	pid_t pid;   /* waited for; INT, TERM, HUP, QUIT, USR1, USR2 are forwarded to it */
	struct cb_attach *att; /* clients that see the output and type into the master, or NULL */
};

/* Copy with poll until pid has exited and the master is drained (EIO once every peer is
 * closed; or 300 ms of silence, when a leftover process still holds the peer). Returns
 * pid's exit status, 128+n for a signal. */
int cb_term_copy_loop(const struct cb_term_io *io);

/* The foreground run -t: receive the master, copy (stdin forwarded and in raw mode when
 * interactive and a terminal), wait. *status as cb_term_copy_loop; on failure the child
 * is killed, *status is 125 and *e filled. */
int cb_term_attach(struct cb_term *t, pid_t pid, int interactive, int *status, cb_err *e);

#endif
