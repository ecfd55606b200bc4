/* net.c - a container's network for cbox run (see net.h). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "container.h"
#include "ctl.h"
#include "ctrconf.h"
#include "fdpass.h"
#include "idmap.h"
#include "mount.h"
#include "net.h"

#ifndef NS_GET_NSTYPE
#define NS_GET_NSTYPE _IO(0xb7, 0x3)
#endif
#ifndef NS_GET_USERNS
#define NS_GET_USERNS _IO(0xb7, 0x1)
#endif

static const char *const mode_names[] = { "default", "host", "none", "slirp", "container", "ns" };

int cb_net_init(struct cb_net *n, int max, cb_err *e)
{
	memset(n, 0, sizeof(*n));
	cb_slirp_opts_init(&n->slirp);
	n->helper = -1;
	n->ctl = n->sock[0] = n->sock[1] = n->netns = -1;
	/* room for containers.conf's too */
	size_t m = (size_t)max + CB_CTRCONF_MAX + 1;
	n->dns = calloc(m, sizeof(*n->dns));
	n->hosts = calloc(m, sizeof(*n->hosts));
	n->dns_opts = calloc(m, sizeof(*n->dns_opts));
	n->dns_search = calloc(m, sizeof(*n->dns_search));
	n->conf = calloc(1, sizeof(*n->conf));
	n->expose = calloc(m, sizeof(*n->expose));
	if (!n->dns || !n->hosts || !n->dns_opts || !n->dns_search || !n->conf || !n->expose)
		return cb_fail_errno(e, ENOMEM, "network");
	return 0;
}

void cb_net_free(struct cb_net *n)
{
	cb_slirp_opts_free(&n->slirp);
	free(n->dns);
	free(n->hosts);
	free(n->dns_opts);
	free(n->dns_search);
	free(n->conf);
	free(n->expose);
	n->conf = NULL;
	n->expose = NULL;
	n->dns_opts = n->dns_search = NULL;
	free(n->peer_hosts);
	free(n->peer_resolv);
	n->dns = n->hosts = NULL;
	n->peer_hosts = n->peer_resolv = NULL;
	if (n->netns >= 0)
		close(n->netns);
	n->netns = -1;
}

int cb_net_parse(struct cb_net *n, const char *spec, cb_err *e)
{
	if (!strcmp(spec, "host") || !strcmp(spec, "none")) {
		n->mode = spec[0] == 'h' ? CB_NET_HOST : CB_NET_NONE;
		return 0;
	}
	if (!strncmp(spec, "slirp", 5)) {
		n->mode = CB_NET_SLIRP;
		return cb_slirp_parse_network(&n->slirp, spec, e);
	}
	if (!strncmp(spec, "container:", 10) && spec[10]) {
		n->mode = CB_NET_CONTAINER;
		n->peer_ref = spec + 10;
		return 0;
	}
	if (!strncmp(spec, "ns:", 3) && spec[3] == '/') {
		/* opened now, as the caller (a user namespace entered later may not open it) */
		n->mode = CB_NET_NS;
		n->ns_path = spec + 3;
		if (n->netns >= 0)
			close(n->netns);
		if ((n->netns = open(n->ns_path, O_RDONLY | O_CLOEXEC)) < 0)
			return cb_fail_errno(e, errno, "--network ns:%s", n->ns_path);
		/* a network namespace's file (nsfs), not any file */
		if (ioctl(n->netns, NS_GET_NSTYPE) != CLONE_NEWNET)
			return cb_fail(e, EINVAL, "--network ns:%s: not a network namespace", n->ns_path);
		return 0;
	}
	if (!strcmp(spec, "private") || !strcmp(spec, "default")) {
		n->mode = CB_NET_DEFAULT;
		return 0;
	}
	/* bridge (podman's default network) and named networks: a slirp network of the
	 * container's own, shaped like the network (cb_network_apply, once the store is open) */
	if (cb_container_name_ok(spec) && !strchr(spec, ':')) {
		n->mode = CB_NET_SLIRP;
		n->netname = strcmp(spec, "bridge") ? spec : "podman";
		return 0;
	}
	return cb_fail(e, EINVAL, "--network %s: not supported (slirp4netns[:OPTIONS], host, none, private, bridge, "
			   "container:NAME, ns:PATH or a network's name)", spec);
}

int cb_net_publish(struct cb_net *n, const char *spec, cb_err *e)
{
	return cb_slirp_parse_publish(&n->slirp, spec, e);
}

static int ip_ok(const char *ip)
{
	unsigned char a[16];
	return inet_pton(AF_INET, ip, a) == 1 || inet_pton(AF_INET6, ip, a) == 1;
}

/* A loopback resolver: not reachable from the container's own network. */
static int loopback_ip(const char *ip)
{
	return !strncmp(ip, "127.", 4) || !strcmp(ip, "::1");
}

int cb_net_dns(struct cb_net *n, const char *ip, cb_err *e)
{
	if (!ip_ok(ip))
		return cb_fail(e, EINVAL, "--dns '%s': not an IP address", ip);
	n->dns[n->ndns++] = ip;
	return 0;
}

int cb_net_add_host(struct cb_net *n, const char *spec, cb_err *e)
{
	const char *ip = strchr(spec, ':');
	if (!ip || ip == spec || !ip_ok(ip + 1) || strpbrk(spec, " \t\n"))
		return cb_fail(e, EINVAL, "--add-host '%s': want NAME:IP", spec);
	n->hosts[n->nhosts++] = spec;
	return 0;
}

int cb_net_expose(struct cb_net *n, const char *spec, cb_err *e)
{
	struct cb_slirp_opts o;
	cb_slirp_opts_init(&o);
	int r = strchr(spec, ':') ? -EINVAL : cb_slirp_parse_publish(&o, spec, e);
	cb_slirp_opts_free(&o);
	if (r < 0)
		return cb_fail(e, EINVAL, "invalid range format for --expose: %s", spec);
	n->expose[n->nexpose++] = spec;
	return 0;
}

/* One more port to publish (container port p, host port free), unless published. */
static int publish_more(struct cb_net *n, const char *spec, cb_err *e)
{
	struct cb_slirp_opts o;
	cb_slirp_opts_init(&o);
	int r = cb_slirp_parse_publish(&o, spec, e);
	for (int i = 0; r == 0 && i < o.nports; i++) {
		int dup = 0;
		for (int j = 0; j < n->slirp.nports; j++)
			dup |= n->slirp.ports[j].guest_port == o.ports[i].guest_port && n->slirp.ports[j].udp == o.ports[i].udp;
		char one[16];
		snprintf(one, sizeof(one), "%d/%s", o.ports[i].guest_port, o.ports[i].udp ? "udp" : "tcp");
		if (!dup)
			r = cb_slirp_parse_publish(&n->slirp, one, e);
	}
	cb_slirp_opts_free(&o);
	return r;
}

int cb_net_publish_all(struct cb_net *n, const cJSON *image_config, cb_err *e)
{
	const cJSON *p;
	int r = 0;
	for (int i = 0; n->publish_all && r == 0 && i < n->nexpose; i++)
		r = publish_more(n, n->expose[i], e);
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(cJSON_GetObjectItem(image_config, "config"), "ExposedPorts"))
		if (n->publish_all && r == 0 && p->string && publish_more(n, p->string, e) < 0)
			cb_debug("-P: image port '%s' skipped: %s", p->string, e->msg);
	return r;
}

const char *cb_net_default_name(int rootless)
{
	return mode_names[rootless && CFG_SLIRP ? CB_NET_SLIRP : CB_NET_HOST];
}

int cb_net_finish_opts(struct cb_net *n, int rootless, cb_err *e)
{
	/* As podman: rootless gets slirp (when built in). Root keeps the host's network
	 * unless it publishes ports. */
	if (n->mode == CB_NET_DEFAULT && rootless && !CFG_SLIRP && !n->slirp.nports)
		cb_warn("this cbox is built without slirp: the container shares the host's network "
			"(--network host; --network none isolates it)");
	/* containers.conf's dns_servers, dns_searches, dns_options where no option says */
	cb_ctrconf_load(n->conf);
	for (int i = 0; !n->ndns && i < n->conf->ndns_servers; i++)
		n->dns[i] = n->conf->dns_servers[i];
	for (int i = 0; !n->ndns_search && i < n->conf->ndns_searches; i++)
		n->dns_search[i] = n->conf->dns_searches[i];
	for (int i = 0; !n->ndns_opts && i < n->conf->ndns_options; i++)
		n->dns_opts[i] = n->conf->dns_options[i];
	n->ndns = n->ndns ?: n->conf->ndns_servers;
	n->ndns_search = n->ndns_search ?: n->conf->ndns_searches;
	n->ndns_opts = n->ndns_opts ?: n->conf->ndns_options;
	if (n->mode == CB_NET_DEFAULT)
		n->mode = n->slirp.nports || n->publish_all || (rootless && CFG_SLIRP) ? CB_NET_SLIRP : CB_NET_HOST;
	if (n->static_addr && !n->netname)
		return cb_fail(e, EINVAL, "invalid config provided: networks and static ip/mac address can only be used "
				   "with Bridge mode networking");
	if (n->static_addr) /* a bridge network here is a slirp network of the container's own */
		return cb_fail(e, ENOTSUP, "--network %s: a static ip/mac address is not supported: cbox's bridge networks "
				   "are a slirp network per container (the container is always the subnet's .2)", n->netname);
	if ((n->mode == CB_NET_CONTAINER || n->mode == CB_NET_NS) && (n->slirp.nports || n->publish_all))
		return cb_fail(e, EINVAL, "cannot set port bindings on an existing container network namespace");
	if (n->mode == CB_NET_CONTAINER && (n->ndns || n->nhosts))
		return cb_fail(e, EINVAL, "conflicting options: %s and the network mode container: the other container's "
				   "/etc/%s is shared", n->ndns ? "--dns" : "--add-host", n->ndns ? "resolv.conf" : "hosts");
	n->ports_discarded = n->slirp.nports && n->mode != CB_NET_SLIRP; /* host, none: podman's warning */
	if (n->ports_discarded)
		n->slirp.nports = 0;
	for (int i = 0; n->mode == CB_NET_SLIRP && !n->slirp.enable_ipv6 && i < n->slirp.nports; i++)
		if (strchr(n->slirp.ports[i].host_ip, ':'))
			return cb_fail(e, EINVAL, "publish [%s]:%d: an IPv6 host address forwards to the container's IPv6, "
					   "which slirp:enable_ipv6=false turns off", n->slirp.ports[i].host_ip,
				       n->slirp.ports[i].host_port);
	if (n->mode == CB_NET_SLIRP && !CFG_SLIRP)
		return cb_fail(e, ENOTSUP, "network slirp: not built into this cbox: use --network host or --network none");
	return 0;
}

/* Two namespace files name the same namespace. */
static int same_ns(int fd, const char *path)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* The mapping of the user namespace we joined: one line of one id is the single one. */
static int joined_idmap_mode(void)
{
	char buf[256];
	if (cb_read_small_at(AT_FDCWD, "/proc/self/uid_map", buf, sizeof(buf)) < 0)
		buf[0] = '\0';
	unsigned long in, out, count;
	char *nl = strchr(buf, '\n');
	int one_line = !nl || !nl[1];
	return one_line && sscanf(buf, "%lu %lu %lu", &in, &out, &count) == 3 && count == 1 ? CB_IDMAP_SINGLE
											  : CB_IDMAP_FULL;
}

static int read_peer_etc(pid_t pid, const char *name, char **text, cb_err *e)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	int root CB_AUTOCLOSE = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int etc CB_AUTOCLOSE = root < 0 ? -1 : cb_open_in(root, "etc", O_PATH | O_DIRECTORY);
	if (etc < 0)
		return cb_fail_errno(e, errno, "the shared container's /etc");
	return cb_read_file_at(etc, name, 1 << 16, text, NULL, e);
}

/* Before anything else of run's (instead of cb_userns_enter): the user namespace that
 * owns n->netns: ours already (as root), else the one a container's run made, which we,
 * its owner outside, may join; a new one of ours could not enter it. */
static int enter_owner(struct cb_net *n, const char *what, cb_err *e)
{
	cb_err ignore;
	int r = 0, user;
	if (getuid() != 0 && cb_idmap_plan(&cb_idmap_current, &ignore) < 0)
		cb_idmap_current.mode = CB_IDMAP_UNSET;
	if ((user = ioctl(n->netns, NS_GET_USERNS)) < 0)
		return cb_fail_errno(e, errno, "--network %s%s: the owner of its network namespace",
				     n->mode == CB_NET_NS ? "ns:" : "container:", what);
	if (!same_ns(user, "/proc/self/ns/user")) {
		if (setns(user, CLONE_NEWUSER) < 0)
			r = cb_fail_errno(e, errno, "--network %s%s: join its user namespace",
					  n->mode == CB_NET_NS ? "ns:" : "container:", what);
		else
			cb_idmap_current.mode = joined_idmap_mode();
	}
	close(user);
	return r;
}

int cb_net_join_peer(struct cb_net *n, cb_err *e)
{
	struct cb_store s;
	struct cb_state st;
	cJSON *cfg = NULL;
	int dfd = -1;
	char path[64];
	const char *ref = n->peer_ref;
	int r = cb_ctl_open(&s, ref, n->peer, &dfd, &cfg, &st, e);
	if (r == 0 && st.state != CB_STATE_RUNNING)
		r = cb_fail(e, EINVAL, "--network container:%s: the container is %s: it must be running to share its "
				   "network namespace", ref, cb_state_name(st.state));
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)st.pid);
	if (r == 0 && (n->netns = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		r = cb_fail_errno(e, errno, "--network container:%s: its network namespace", ref);
	/* Its /etc/hosts and resolv.conf are ours too: read through its root, resolved in
	 * there (its symlinks cannot point us at the host's files). */
	if (r == 0)
		r = read_peer_etc(st.pid, "hosts", &n->peer_hosts, e);
	if (r == 0)
		r = read_peer_etc(st.pid, "resolv.conf", &n->peer_resolv, e);
	/* Opened after the pid was read: still its process? */
	if (r == 0 && !cb_pid_same(st.pid, st.pid_start))
		r = cb_fail(e, ESRCH, "--network container:%s: the container has ended", ref);
	if (r == 0)
		r = enter_owner(n, ref, e);
	if (dfd >= 0)
		close(dfd);
	cJSON_Delete(cfg);
	cb_store_close(&s);
	return r;
}

int cb_net_enter_ns_owner(struct cb_net *n, cb_err *e)
{
	return enter_owner(n, n->ns_path, e);
}

int cb_net_start(struct cb_net *n, cb_err *e)
{
	if (n->mode != CB_NET_SLIRP)
		return 0;
	/* The forwarder (.3) answers with the first --dns on the host's loopback (others
	 * are the container's own nameservers), else with the host's first nameserver. */
	n->slirp.dns_forward = NULL;
	for (int i = n->ndns - 1; i >= 0; i--)
		if (loopback_ip(n->dns[i]))
			n->slirp.dns_forward = n->dns[i];
	/* A named network's forwarder is its gateway, which libslirp answers as the host:
	 * its DNS goes through our forwarder, to the host's first nameserver. */
	FILE *f = !n->slirp.dns_forward && n->slirp.dns == n->slirp.gw ? fopen("/etc/resolv.conf", "re") : NULL;
	char line[256];
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "nameserver %63s", n->host_dns) == 1) {
			n->slirp.dns_forward = n->host_dns;
			break;
		}
	if (f)
		fclose(f);
	int r = cb_slirp_pick_ports(&n->slirp, e);
	if (r == 0)
		r = cb_slirp_start(&n->slirp, &n->helper, &n->ctl, e);
	/* After the fork: only the container child and its parent hold the tap socket. */
	if (r == 0 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, n->sock) < 0)
		r = cb_fail_errno(e, errno, "network slirp: socketpair");
	if (r < 0)
		cb_net_stop(n);
	return r;
}

/* A network namespace of its own: none and slirp. */
static int own_netns(const struct cb_net *n)
{
	return n->mode != CB_NET_HOST && n->mode != CB_NET_CONTAINER && n->mode != CB_NET_NS;
}

static int loopback_up(cb_err *e)
{
	struct ifreq ifr = { 0 };
	int fd CB_AUTOCLOSE = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return cb_fail_errno(e, errno, "loopback");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return cb_fail_errno(e, errno, "bring loopback up");
	return 0;
}

void cb_net_sysctl(const char *name, const char *value)
{
	char path[128];
	snprintf(path, sizeof(path), "/proc/sys/net/%s", name);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, value, strlen(value)) < 0)
		cb_debug("sysctl net/%s: %s", name, strerror(errno));
	if (fd >= 0)
		close(fd);
}

int cb_net_child(struct cb_net *n, cb_err *e)
{
	if (n->mode == CB_NET_CONTAINER) {
		/* Before anything else touches the network. Should the other container end,
		 * the kernel keeps the namespace for us while we run. */
		int r = setns(n->netns, CLONE_NEWNET) < 0 ? cb_fail_errno(e, errno, "join the network namespace of "
											"container %.12s", n->peer) : 0;
		close(n->netns);
		n->netns = -1;
		return r;
	}
	if (n->mode == CB_NET_NS) {
		int r = setns(n->netns, CLONE_NEWNET) < 0 ? cb_fail_errno(e, errno, "--network ns:%s: join it%s", n->ns_path,
			errno == EPERM ? " (its owner is not this user namespace: a namespace of a cbox container, or "
					 "one made in `cbox unshare`, can be joined)" : "") : 0;
		close(n->netns);
		n->netns = -1;
		return r;
	}
	if (!own_netns(n))
		return 0;
	if (unshare(CLONE_NEWNET) < 0)
		return cb_fail_errno(e, errno, "cannot create the container's network namespace");
	/* As podman's default_sysctls: gid 0 may open ICMP echo sockets (ping without
	 * CAP_NET_RAW) in the container's own network namespace (the host's setting is
	 * not ours to change). */
	cb_net_sysctl("ipv4/ping_group_range", "0 0");
	if (n->mode == CB_NET_NONE)
		return loopback_up(e);
	if (n->mode != CB_NET_SLIRP)
		return 0;
	/* Only the helper's caller may hold ctl: the container would keep it open. */
	close(n->ctl);
	close(n->sock[0]);
	int tap, r = cb_slirp_tap_setup(&n->slirp, &tap, e);
	if (r < 0)
		return r;
	r = cb_send_fd(n->sock[1], tap);
	if (r < 0)
		r = cb_fail_errno(e, -r, "network slirp: sending the tap fd");
	close(tap);
	close(n->sock[1]);
	return r;
}

int cb_net_attach(struct cb_net *n, cb_err *e)
{
	if (n->mode != CB_NET_SLIRP)
		return 0;
	close(n->sock[1]);
	n->sock[1] = -1;
	int tap = cb_recv_fd(n->sock[0]);
	if (tap == -ENODATA)
		return 1; /* the child failed before it could send one */
	if (tap < 0)
		return cb_fail_errno(e, -tap, "network slirp: receiving the tap fd");
	int r = cb_slirp_attach(n->ctl, tap, e);
	close(tap);
	return r;
}

void cb_net_stop(struct cb_net *n)
{
	for (int i = 0; i < 2; i++)
		if (n->sock[i] >= 0)
			close(n->sock[i]);
	n->sock[0] = n->sock[1] = -1;
	if (n->ctl >= 0)
		close(n->ctl); /* the helper sees it close and exits */
	n->ctl = -1;
	if (n->helper > 0)
		while (waitpid(n->helper, NULL, 0) < 0 && errno == EINTR)
			;
	n->helper = -1;
}

size_t cb_net_resolv(const struct cb_net *n, char *buf, size_t len, size_t size)
{
	if (n->mode == CB_NET_CONTAINER) {
		size_t l = strlen(n->peer_resolv ?: "");
		l = l < size ? l : size;
		memcpy(buf, n->peer_resolv ?: "", l);
		return l;
	}
	if (n->mode != CB_NET_SLIRP && !n->ndns && !n->ndns_search && !n->ndns_opts)
		return len; /* the host's, as it is */
	/* As podman: search, nameservers, options; what no option replaces comes from the
	 * host's. With slirp the host's nameservers become the forwarder (.3), and so does a
	 * --dns on the host's loopback (the forwarder sends there). */
	char out[8192], dns[16];
	size_t o = 0;
	for (int k = 0; k < 3 && o < sizeof(out); k++) {
		const char *key = k == 0 ? "search" : k == 1 ? "nameserver" : "options";
		const char **v = k == 0 ? n->dns_search : k == 1 ? n->dns : n->dns_opts;
		int nv = k == 0 ? n->ndns_search : k == 1 ? n->ndns : n->ndns_opts, any = 0, fwd = 0;
		for (int i = 0; i < nv && o < sizeof(out); i++) {
			const char *x = v[i];
			if (k == 1 && n->mode == CB_NET_SLIRP && loopback_ip(x) && fwd++)
				continue;
			if (k == 1 && n->mode == CB_NET_SLIRP && loopback_ip(x))
				x = cb_slirp_ip(&n->slirp, CB_SLIRP_DNS, dns);
			if (k == 1)
				o += snprintf(out + o, sizeof(out) - o, "nameserver %s\n", x);
			else if (strcmp(x, ".")) /* podman's "." means none */
				o += snprintf(out + o, sizeof(out) - o, "%s %s", any++ ? "" : key, x);
		}
		if (any && o < sizeof(out))
			o += snprintf(out + o, sizeof(out) - o, "\n");
		if (nv)
			continue;
		if (k == 1 && n->mode == CB_NET_SLIRP) {
			o += snprintf(out + o, sizeof(out) - o, "nameserver %s\n", cb_slirp_ip(&n->slirp, CB_SLIRP_DNS, dns));
			continue;
		}
		for (char *line = buf; line < buf + len && o < sizeof(out);) {
			char *end = memchr(line, '\n', buf + len - line);
			size_t l = end ? (size_t)(end - line) : (size_t)(buf + len - line);
			if (!strncmp(line, key, strlen(key)) || (k == 0 && !strncmp(line, "domain", 6)))
				o += snprintf(out + o, sizeof(out) - o, "%.*s\n", (int)l, line);
			line += l + 1;
		}
	}
	if (o >= sizeof(out))
		o = sizeof(out) - 1;
	if (o > size)
		o = size;
	memcpy(buf, out, o);
	return o;
}

/* The host's address podman gives host.containers.internal: its first IPv4 that is
 * neither loopback nor link-local (the first IPv6 such when it has none). */
static void host_ip(char *buf, size_t size)
{
	struct ifaddrs *all = NULL, *v6 = NULL;
	snprintf(buf, size, "%s", "");
	if (getifaddrs(&all) < 0)
		return;
	for (struct ifaddrs *i = all; i; i = i->ifa_next) {
		if (!i->ifa_addr || (i->ifa_flags & IFF_LOOPBACK))
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			const struct in_addr *a = &((struct sockaddr_in *)i->ifa_addr)->sin_addr;
			if ((ntohl(a->s_addr) >> 16) == 0xa9fe) /* 169.254/16 */
				continue;
			inet_ntop(AF_INET, a, buf, size);
			break;
		}
		if (i->ifa_addr->sa_family == AF_INET6 && !v6 &&
		    !IN6_IS_ADDR_LINKLOCAL(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr))
			v6 = i;
	}
	if (!buf[0] && v6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)v6->ifa_addr)->sin6_addr, buf, size);
	freeifaddrs(all);
}

/* Some line of buf ("IP\tname name...\n" lines) names tok. */
static int hosts_has(const char *buf, const char *tok)
{
	size_t k = strlen(tok);
	for (const char *l = buf; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] == '\n')) {
		const char *t = l + strcspn(l, "\t\n"), *end = l + strcspn(l, "\n");
		while (t < end) {
			t += strspn(t, "\t ");
			size_t w = strcspn(t, " \n");
			if (w == k && !strncmp(t, tok, k))
				return 1;
			t += w;
		}
	}
	return 0;
}

/* One entry, "IP\tnames\n", when none of its names is in buf yet (the first entry of a
 * name wins, as in podman's file). */
static size_t hosts_add(char *buf, size_t o, size_t size, const char *ip, const char *names, size_t nlen, int check)
{
	char line[1024];
	snprintf(line, sizeof(line), "%.*s", (int)nlen, names);
	for (char *save, *tok = strtok_r(line, " \t", &save); check && tok; tok = strtok_r(NULL, " \t", &save))
		if (hosts_has(buf, tok))
			return o;
	if (o < size)
		o += (size_t)snprintf(buf + o, size - o, "%s\t%.*s\n", ip, (int)nlen, names);
	return o < size ? o : size - 1;
}

void cb_net_hosts(const struct cb_net *n, const char *hostname, const char *name, char *buf, size_t size)
{
	if (n->mode == CB_NET_CONTAINER) {
		snprintf(buf, size, "%s", n->peer_hosts ?: "");
		size_t o = strlen(buf);
		for (int i = 0; i < n->nhosts && o < size; i++) {
			const char *ip = strchr(n->hosts[i], ':') + 1;
			o += snprintf(buf + o, size - o, "%s\t%.*s\n", ip, (int)(ip - 1 - n->hosts[i]), n->hosts[i]);
		}
		return;
	}
	/* podman's order: --add-host, the base file (containers.conf base_hosts_file, else
	 * the host's /etc/hosts), localhost when the base lacks it, the container's own
	 * name, host.containers.internal. */
	struct cb_ctrconf conf;
	size_t o = 0;
	buf[0] = '\0';
	cb_ctrconf_load(&conf);
	for (int i = 0; i < n->nhosts; i++) {
		const char *ip = strchr(n->hosts[i], ':') + 1;
		o = hosts_add(buf, o, size, ip, n->hosts[i], (size_t)(ip - 1 - n->hosts[i]), 0);
	}
	const char *base = conf.base_hosts_file[0] ? conf.base_hosts_file : "/etc/hosts";
	FILE *f = strcmp(base, "none") && strcmp(base, "image") ? fopen(base, "re") : NULL;
	char line[1024];
	int lo4 = 0, lo6 = 0;
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "#\n")] = '\0';
		char *ip = line + strspn(line, " \t"), *names = ip + strcspn(ip, " \t");
		if (!*names || ip == names)
			continue;
		*names++ = '\0';
		names += strspn(names, " \t");
		size_t nl = strlen(names);
		while (nl && (names[nl - 1] == ' ' || names[nl - 1] == '\t'))
			nl--;
		if (!nl)
			continue;
		lo4 |= !strcmp(ip, "127.0.0.1") && strstr(names, "localhost");
		lo6 |= !strcmp(ip, "::1") && strstr(names, "localhost");
		o = hosts_add(buf, o, size, ip, names, nl, 0);
	}
	if (f)
		fclose(f);
	if (!lo4)
		o = hosts_add(buf, o, size, "127.0.0.1", "localhost", 9, 0);
	if (!lo6)
		o = hosts_add(buf, o, size, "::1", "localhost", 9, 0);
	char ip[64], names[600];
	snprintf(names, sizeof(names), "%s %s", hostname, name);
	o = hosts_add(buf, o, size, n->mode == CB_NET_SLIRP ? cb_slirp_ip(&n->slirp, CB_SLIRP_GUEST, ip) : "127.0.1.1",
		      names, strlen(names), 1);
	if (conf.host_containers_internal_ip[0])
		snprintf(ip, sizeof(ip), "%s", conf.host_containers_internal_ip);
	else if (n->mode == CB_NET_SLIRP)
		host_ip(ip, sizeof(ip));
	else
		ip[0] = '\0';
	if (ip[0])
		hosts_add(buf, o, size, ip, "host.containers.internal", 24, 1);
}

void cb_net_json(const struct cb_net *n, cJSON *cj)
{
	char peer[4200];
	if (n->mode == CB_NET_NS)
		snprintf(peer, sizeof(peer), "ns:%s", n->ns_path);
	else
		snprintf(peer, sizeof(peer), "container:%s", n->peer);
	cJSON_AddStringToObject(cj, "network",
				n->mode == CB_NET_CONTAINER || n->mode == CB_NET_NS ? peer : mode_names[n->mode]);
	if (n->netname)
		cJSON_AddStringToObject(cj, "network_name", n->netname);
	cJSON *ports = cJSON_AddArrayToObject(cj, "ports");
	for (int i = 0; i < n->slirp.nports; i++) {
		const struct cb_portfwd *p = &n->slirp.ports[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "host_ip", p->host_ip);
		cJSON_AddNumberToObject(j, "host_port", p->host_port);
		cJSON_AddNumberToObject(j, "container_port", p->guest_port);
		cJSON_AddStringToObject(j, "protocol", p->udp ? "udp" : "tcp");
		cJSON_AddItemToArray(ports, j);
	}
	/* The rest of the options, for 'cbox start'. */
	cJSON *o = cJSON_AddObjectToObject(cj, "network_opts");
	cJSON_AddNumberToObject(o, "mtu", n->slirp.mtu);
	cJSON_AddBoolToObject(o, "allow_host_loopback", n->slirp.allow_host_loopback);
	cJSON_AddBoolToObject(o, "enable_ipv6", n->slirp.enable_ipv6);
	char cidr[32], net[16];
	snprintf(cidr, sizeof(cidr), "%s/%d", cb_slirp_ip(&n->slirp, 0, net), n->slirp.prefix);
	cJSON_AddStringToObject(o, "cidr", cidr);
	cJSON_AddStringToObject(o, "port_handler", n->slirp.port_handler_slirp ? "slirp4netns" : "rootlesskit");
	cJSON_AddStringToObject(o, "outbound_addr", n->slirp.outbound);
	cJSON_AddStringToObject(o, "outbound_addr6", n->slirp.outbound6);
	cJSON_AddNumberToObject(o, "gateway", n->slirp.gw);
	cJSON_AddNumberToObject(o, "dns_host", n->slirp.dns);
	cJSON_AddNumberToObject(o, "guest", n->slirp.guest);
	cJSON_AddStringToObject(o, "interface", n->slirp.ifname);
	cJSON_AddItemToObject(o, "dns", cJSON_CreateStringArray(n->dns, n->ndns));
	cJSON_AddItemToObject(o, "add_hosts", cJSON_CreateStringArray(n->hosts, n->nhosts));
	cJSON_AddItemToObject(o, "dns_search", cJSON_CreateStringArray(n->dns_search, n->ndns_search));
	cJSON_AddItemToObject(o, "dns_options", cJSON_CreateStringArray(n->dns_opts, n->ndns_opts));
}

int cb_net_from_json(struct cb_net *n, const cJSON *cj, cb_err *e)
{
	const cJSON *o = cJSON_GetObjectItem(cj, "network_opts"), *ports = cJSON_GetObjectItem(cj, "ports"), *it;
	const cJSON *dns = cJSON_GetObjectItem(o, "dns"), *hosts = cJSON_GetObjectItem(o, "add_hosts");
	const cJSON *search = cJSON_GetObjectItem(o, "dns_search"), *opts = cJSON_GetObjectItem(o, "dns_options");
	if (cb_net_init(n, cJSON_GetArraySize(dns) + cJSON_GetArraySize(hosts) + cJSON_GetArraySize(search) +
			   cJSON_GetArraySize(opts), e) < 0)
		return -ENOMEM;
	const char *mode = cJSON_GetStringValue(cJSON_GetObjectItem(cj, "network")) ?: "";
	for (int i = 0; i < (int)CB_ARRAY_SIZE(mode_names); i++)
		if (!strcmp(mode, mode_names[i]))
			n->mode = i;
	if ((!strncmp(mode, "container:", 10) || !strncmp(mode, "ns:", 3)) && cb_net_parse(n, mode, e) < 0)
		return -EINVAL;
	n->netname = cJSON_GetStringValue(cJSON_GetObjectItem(cj, "network_name"));
	const cJSON *x;
	if (cJSON_IsNumber(x = cJSON_GetObjectItem(o, "gateway")) && x->valueint > 0 && x->valueint < 255)
		n->slirp.gw = x->valueint;
	if (cJSON_IsNumber(x = cJSON_GetObjectItem(o, "dns_host")) && x->valueint > 0 && x->valueint < 255)
		n->slirp.dns = x->valueint;
	if (cJSON_IsNumber(x = cJSON_GetObjectItem(o, "guest")) && x->valueint > 0 && x->valueint < 255)
		n->slirp.guest = x->valueint;
	if (cJSON_IsString(x = cJSON_GetObjectItem(o, "interface")) && strlen(x->valuestring) < sizeof(n->slirp.ifname))
		strcpy(n->slirp.ifname, x->valuestring);
	if (cJSON_IsNumber(cJSON_GetObjectItem(o, "mtu")))
		n->slirp.mtu = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "mtu"));
	n->slirp.allow_host_loopback = cJSON_IsTrue(cJSON_GetObjectItem(o, "allow_host_loopback"));
	n->slirp.enable_ipv6 = cJSON_IsTrue(cJSON_GetObjectItem(o, "enable_ipv6"));
	/* The rest as they were written: through the parser again (an older config has none). */
	static const char *const keys[] = { "cidr", "port_handler", "outbound_addr", "outbound_addr6" };
	for (int i = 0; i < (int)CB_ARRAY_SIZE(keys); i++) {
		const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(o, keys[i]));
		char spec[160];
		snprintf(spec, sizeof(spec), "slirp4netns:%s=%s", keys[i], v ?: "");
		if (v && *v && cb_slirp_parse_network(&n->slirp, spec, e) < 0)
			return -EINVAL;
	}
	cJSON_ArrayForEach(it, dns)
		if (cJSON_IsString(it))
			n->dns[n->ndns++] = it->valuestring;
	cJSON_ArrayForEach(it, hosts)
		if (cJSON_IsString(it))
			n->hosts[n->nhosts++] = it->valuestring;
	cJSON_ArrayForEach(it, search)
		if (cJSON_IsString(it))
			n->dns_search[n->ndns_search++] = it->valuestring;
	cJSON_ArrayForEach(it, opts)
		if (cJSON_IsString(it))
			n->dns_opts[n->ndns_opts++] = it->valuestring;
	int np = cJSON_GetArraySize(ports);
	if (np && !(n->slirp.ports = calloc((size_t)np, sizeof(*n->slirp.ports))))
		return cb_fail(e, ENOMEM, "out of memory");
	cJSON_ArrayForEach(it, ports) {
		struct cb_portfwd *p = &n->slirp.ports[n->slirp.nports++];
		snprintf(p->host_ip, sizeof(p->host_ip), "%s", cJSON_GetStringValue(cJSON_GetObjectItem(it, "host_ip")) ?: "");
		p->host_port = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "host_port"));
		p->guest_port = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "container_port"));
		p->udp = !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(it, "protocol")) ?: "", "udp");
	}
	return 0;
}
