/* attach.h - a detached container's attach socket, containers/<id>/attach (only a
 * monitor has one: a foreground run pays nothing). A SOCK_SEQPACKET unix socket: the
 * monitor copies the container's output to every client beside the log, and writes
 * their input to the container's stdin (a pipe kept for -i) or pty master (-t).
 *
 * Messages, one byte of type then the payload:
 *   monitor -> client: CB_ATT_STDOUT/CB_ATT_STDERR + output, at the end CB_ATT_EXIT +
 *                      the container's status (an int)
 *   client -> monitor: CB_ATT_STDIN + input, CB_ATT_RESIZE + struct winsize
 * A client that goes away detaches: the container runs on. */
#ifndef CB_ATTACH_H
#define CB_ATTACH_H

#include <poll.h>
#include <stddef.h>

#include "cbox.h"

enum { CB_ATT_STDIN = 0, CB_ATT_STDOUT = 1, CB_ATT_STDERR = 2, CB_ATT_RESIZE = 3, CB_ATT_EXIT = 4 };
#define CB_ATTACH_MAX 8 /* clients at once; more wait in the backlog */
#define CB_ATTACH_POLL (1 + CB_ATTACH_MAX)

struct cb_attach {
	int lfd;                 /* the listening socket, or -1 */
	int in;                  /* where input goes (stdin pipe or pty master), or -1 */
	int fd[CB_ATTACH_MAX];   /* clients, -1 free */
};

/* Monitor: bind and listen on dfd's "attach" (a stale one is replaced). */
int cb_attach_listen(struct cb_attach *a, int dfd, cb_err *e);
/* The pollfds to add to a loop (fills up to CB_ATTACH_POLL; a is NULL or closed: 0). */
int cb_attach_pollfds(const struct cb_attach *a, struct pollfd *p);
/* After poll: accept, read the clients' input and hand it on, drop the ones gone. */
void cb_attach_events(struct cb_attach *a, const struct pollfd *p, int n);
/* Output of stream (1 or 2) to every client (one that cannot take it loses it). */
void cb_attach_out(struct cb_attach *a, int stream, const char *buf, size_t n);
/* The container ended with status: tell every client, close them and the socket. */
void cb_attach_end(struct cb_attach *a, int dfd, int status);

/* Client: connect to dfd's "attach"; the socket, or a negative errno. */
int cb_attach_connect(int dfd, cb_err *e);

#endif
