/* slirp.h - user-mode networking for rootless containers (--network slirp, -p).
 *
 * The shape, for the run applet:
 *   caller (host netns)                         container child (new netns)
 *   cb_slirp_opts_init + parse options
 *   cb_slirp_start -> helper forked, ports bound
 *                                               cb_slirp_tap_setup -> tap fd
 *                                               (fd sent to the caller over run's sync socket)
 *   cb_slirp_attach(ctl, tapfd); close(tapfd)
 *   ... container runs ...
 *   close(ctl); waitpid(helper)                 helper sees ctl close and exits
 *
 * The helper is a fork of the caller (no exec) that stays in the caller's network
 * namespace and runs libslirp's event loop; it holds only ctl, the tap fd and its own
 * sockets, so it keeps no container namespace or file alive.
 */
#ifndef CB_SLIRP_H
#define CB_SLIRP_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include "cbox.h"

#define CB_SLIRP_MTU_DEFAULT 65520
/* Addresses in the slirp network (cidr=, default 10.0.2.0/24), as slirp4netns places
 * them: the host (gateway) .2, the DNS forwarder .3, the container .100 (a named network
 * moves them: see network.h). */
enum { CB_SLIRP_HOST = -2, CB_SLIRP_DNS = -3, CB_SLIRP_GUEST = -4 };

struct cb_portfwd {
	int udp;           /* 0 tcp, 1 udp */
	char host_ip[64];  /* "" = every address (0.0.0.0); IPv4 or IPv6 literal */
	int host_port;
	int guest_port;
};

struct cb_slirp_opts {
	int mtu;
	int allow_host_loopback; /* 10.0.2.2 reaches the host's 127.0.0.1 */
	int enable_ipv6;         /* fd00::/64, the guest configures itself from router adverts */
	uint32_t net4;           /* cidr=: the network, host order (10.0.2.0) */
	int prefix;              /* and its length (24; at most 25: .100 must fit) */
	int port_handler_slirp;  /* port_handler=slirp4netns (else rootlesskit, podman's default) */
	char outbound[64], outbound6[64]; /* outbound_addr=, outbound_addr6=: IP or interface */
	int gw, dns, guest;      /* host parts of those addresses: 2, 3, 100 */
	char ifname[16];         /* the container's interface: tap0 */
	struct cb_portfwd *ports; /* malloc'd by cb_slirp_parse_publish; cb_slirp_opts_free */
	int nports;
	/* Optional resolver for 10.0.2.3 ("IP" or "IP:PORT", "[IPv6]:PORT"); NULL means
	 * libslirp's own forwarding to the first nameserver of the host's resolv.conf. */
	const char *dns_forward;
};

/* p's host address and port as a socket address (IPv6 when host_ip has a ':'; "" is
 * 0.0.0.0); its length. */
socklen_t cb_portfwd_host_addr(const struct cb_portfwd *p, struct sockaddr_storage *ss);

/* Give every port published without a host port (host_port 0) a free one, chosen by
 * the kernel, so that ps and inspect can show it. */
int cb_slirp_pick_ports(struct cb_slirp_opts *o, cb_err *e);

/* One of the network's addresses (CB_SLIRP_HOST, ..., or a host part) as text (16 bytes)
 * or in_addr. */
const char *cb_slirp_ip(const struct cb_slirp_opts *o, int host, char buf[16]);
struct in_addr cb_slirp_in(const struct cb_slirp_opts *o, int host);

/* Defaults: MTU 65520, no host loopback, IPv6 on (as podman's slirp4netns). */
void cb_slirp_opts_init(struct cb_slirp_opts *o);
void cb_slirp_opts_free(struct cb_slirp_opts *o);

/* "slirp", "slirp:mtu=N,allow_host_loopback=true,enable_ipv6=false,cidr=A.B.C.D/N,
 * port_handler=rootlesskit|slirp4netns,outbound_addr=IP|IFACE,outbound_addr6=..."
 * (also spelled slirp4netns, as podman does). Fills *o on top of what it holds. */
int cb_slirp_parse_network(struct cb_slirp_opts *o, const char *spec, cb_err *e);

/* One -p/--publish value: [hostIP:]hostPort:containerPort[/tcp|udp], ports or equal-sized
 * ranges (8080-8082:80-82), hostIP may be [IPv6]. Appends to o->ports. */
int cb_slirp_parse_publish(struct cb_slirp_opts *o, const char *spec, cb_err *e);

/* Fork the helper: it sets up libslirp, binds every published port and reports over
 * *ctl (a socketpair end, close-on-exec). A busy port fails here, before any container
 * exists: "publish 127.0.0.1:8080: address already in use". On success the caller owns
 * *helper (to reap) and *ctl (closing it ends the helper). */
int cb_slirp_start(const struct cb_slirp_opts *o, pid_t *helper, int *ctl, cb_err *e);

/* Hand the container's tap fd to the helper (SCM_RIGHTS); it starts forwarding. The
 * caller still owns tapfd and should close it. */
int cb_slirp_attach(int ctl, int tapfd, cb_err *e);

/* Inside the container's new network namespace, before exec: create tap0 (MTU, up,
 * 10.0.2.100/24, default route via 10.0.2.2) and bring lo up. *tapfd is close-on-exec. */
int cb_slirp_tap_setup(const struct cb_slirp_opts *o, int *tapfd, cb_err *e);

#endif
