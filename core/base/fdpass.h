/* fdpass.h - passing a file descriptor over a unix socket. */
#ifndef CB_FDPASS_H
#define CB_FDPASS_H

#include "cbox.h"

/* 0, or a negative errno. */
int cb_send_fd(int sock, int fd);
/* The same with data of one's own as the message (all of it in one sendmsg, or -EMSGSIZE). */
int cb_send_fd_with(int sock, int fd, const void *data, size_t len);
/* The received fd (close-on-exec), -ENODATA when the peer closed first, -EPROTO when the
 * message carried no fd, or another negative errno. */
int cb_recv_fd(int sock);

#endif
