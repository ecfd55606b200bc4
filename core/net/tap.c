/* tap.c - the container side of --network slirp: tap0 and lo configured with rtnetlink
 * messages written here (containers have no `ip` binary), inside the new netns. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "net.h"
#include "slirp.h"


struct nlreq {
	struct nlmsghdr h;
	union {
		struct ifinfomsg ifi;
		struct ifaddrmsg ifa;
		struct rtmsg rt;
	};
	char attrs[64];
};

static void add_attr(struct nlreq *r, int type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->h.nlmsg_len));
	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* Send one request and wait for its ack; returns 0 or a negative errno. */
static int nl_talk(int fd, struct nlreq *r)
{
	static unsigned seq;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	r->h.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	r->h.nlmsg_seq = ++seq;
	if (sendto(fd, r, r->h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	for (;;) {
		char buf[1024];
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != r->h.nlmsg_seq || h->nlmsg_type != NLMSG_ERROR)
				continue;
			return ((struct nlmsgerr *)NLMSG_DATA(h))->error; /* 0 is the ack */
		}
	}
}

static int link_up(int nl, int ifindex, int mtu)
{
	struct nlreq r = { .h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)), .nlmsg_type = RTM_NEWLINK } };
	r.ifi.ifi_family = AF_UNSPEC;
	r.ifi.ifi_index = ifindex;
	r.ifi.ifi_flags = IFF_UP;
	r.ifi.ifi_change = IFF_UP;
	if (mtu > 0)
		add_attr(&r, IFLA_MTU, &mtu, sizeof(mtu));
	return nl_talk(nl, &r);
}

static int add_addr4(int nl, int ifindex, const char *addr, int prefix)
{
	struct nlreq r = { .h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)), .nlmsg_type = RTM_NEWADDR,
				  .nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL } };
	struct in_addr a;
	inet_pton(AF_INET, addr, &a);
	r.ifa.ifa_family = AF_INET;
	r.ifa.ifa_prefixlen = prefix;
	r.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	r.ifa.ifa_index = ifindex;
	add_attr(&r, IFA_LOCAL, &a, sizeof(a));
	add_attr(&r, IFA_ADDRESS, &a, sizeof(a));
	if (prefix < 31) { /* as ip(8) "brd +" */
		struct in_addr b = { a.s_addr | htonl(0xffffffffu >> prefix) };
		add_attr(&r, IFA_BROADCAST, &b, sizeof(b));
	}
	return nl_talk(nl, &r);
}

static int add_default_route4(int nl, int ifindex, const char *gw)
{
	struct nlreq r = { .h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)), .nlmsg_type = RTM_NEWROUTE,
				  .nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL } };
	struct in_addr a;
	inet_pton(AF_INET, gw, &a);
	r.rt.rtm_family = AF_INET;
	r.rt.rtm_table = RT_TABLE_MAIN;
	r.rt.rtm_protocol = RTPROT_BOOT;
	r.rt.rtm_scope = RT_SCOPE_UNIVERSE;
	r.rt.rtm_type = RTN_UNICAST;
	add_attr(&r, RTA_GATEWAY, &a, sizeof(a));
	add_attr(&r, RTA_OIF, &ifindex, sizeof(ifindex));
	return nl_talk(nl, &r);
}

int cb_slirp_tap_setup(const struct cb_slirp_opts *o, int *tapfd, cb_err *e)
{
	*tapfd = -1;
	if (!CFG_SLIRP)
		return cb_fail(e, ENOTSUP, "network slirp: not built into this cbox: use --network host or --network none");
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0 && (errno == ENOENT || errno == ENODEV || errno == ENXIO))
		/* no node, or a node without its driver: the module is not loaded */
		return cb_fail(e, errno, "network slirp: /dev/net/tun: %s: the tun module is not loaded (as root: "
			       "modprobe tun); or use --network host or --network none", strerror(errno));
	if (fd < 0)
		/* the cause before the advice, so not cb_fail_errno */
		return cb_fail(e, errno, "network slirp: /dev/net/tun: %s: use --network host or --network none",
			       strerror(errno));
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", o->ifname);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int err = errno;
		close(fd);
		return cb_fail(e, err, "network slirp: create %s: %s: use --network host or --network none", o->ifname,
			       strerror(err));
	}

	/* tap0's only neighbour is slirp: no duplicate address detection, so the link-local
	 * address, the router solicitation and the fd00::/64 address from slirp's advert
	 * come at once instead of seconds later. */
	char dad[48];
	snprintf(dad, sizeof(dad), "ipv6/conf/%s/accept_dad", o->ifname);
	if (o->enable_ipv6)
		cb_net_sysctl(dad, "0");

	CB_AUTOCLOSE int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	const char *step = "netlink socket";
	int r = nl < 0 ? -errno : 0;
	int tap = if_nametoindex(o->ifname), lo = if_nametoindex("lo");
	if (!r && (!tap || !lo))
		r = -ENODEV, step = "find the interface and lo";
	if (!r && (r = link_up(nl, lo, 0)) < 0)
		step = "bring lo up";
	if (!r && (r = link_up(nl, tap, o->mtu)) < 0)
		step = "set the interface mtu and up";
	char guest[16], gw[16];
	cb_slirp_ip(o, CB_SLIRP_GUEST, guest);
	cb_slirp_ip(o, CB_SLIRP_HOST, gw);
	if (!r && (r = add_addr4(nl, tap, guest, o->prefix)) < 0)
		step = "address on the interface";
	if (!r && (r = add_default_route4(nl, tap, gw)) < 0)
		step = "default route";
	if (r < 0) {
		close(fd);
		return cb_fail_errno(e, -r, "network slirp: %s", step);
	}
	*tapfd = fd;
	return 0;
}
