/* slirp_opt.c - podman's spellings of the slirp network: --network slirp[:k=v,...] and
 * -p/--publish [hostIP:]hostPort:containerPort[/tcp|udp] with ranges. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#include "slirp.h"

void cb_slirp_opts_init(struct cb_slirp_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mtu = CB_SLIRP_MTU_DEFAULT;
	o->enable_ipv6 = 1;
	o->net4 = 0x0a000200; /* 10.0.2.0/24 */
	o->prefix = 24;
	o->gw = 2;
	o->dns = 3;
	o->guest = 100;
	strcpy(o->ifname, "tap0");
}

void cb_slirp_opts_free(struct cb_slirp_opts *o)
{
	free(o->ports);
	o->ports = NULL;
	o->nports = 0;
}

static int parse_bool(const char *v, int *out)
{
	if (!strcmp(v, "true"))
		*out = 1;
	else if (!strcmp(v, "false"))
		*out = 0;
	else
		return -1;
	return 0;
}

/* A decimal in [lo, hi], the whole string; -1 otherwise. */
static long parse_num(const char *s, size_t len, long lo, long hi)
{
	long v = 0;
	if (len == 0 || len > 6)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v < lo || v > hi ? -1 : v;
}

const char *cb_slirp_ip(const struct cb_slirp_opts *o, int host, char buf[16])
{
	struct in_addr a = cb_slirp_in(o, host);
	return inet_ntop(AF_INET, &a, buf, 16);
}

struct in_addr cb_slirp_in(const struct cb_slirp_opts *o, int host)
{
	host = host == CB_SLIRP_HOST ? o->gw : host == CB_SLIRP_DNS ? o->dns : host == CB_SLIRP_GUEST ? o->guest : host;
	return (struct in_addr){ htonl(o->net4 + (uint32_t)host) };
}

/* cidr=A.B.C.D/N: the network (host bits cleared) and N, at most 25 (.100 must fit). */
static int parse_cidr(struct cb_slirp_opts *o, const char *v, cb_err *e)
{
	char ip[32];
	const char *slash = strchr(v, '/');
	struct in_addr a;
	long n = slash ? parse_num(slash + 1, strlen(slash + 1), 0, 32) : -1;
	if (!slash || (size_t)(slash - v) >= sizeof(ip) || n < 0)
		return cb_fail(e, EINVAL, "invalid cidr \"%s\"", v);
	memcpy(ip, v, slash - v);
	ip[slash - v] = '\0';
	if (inet_pton(AF_INET, ip, &a) != 1)
		return cb_fail(e, EINVAL, "invalid cidr \"%s\"", v);
	if (n < 1 || n > 25) /* slirp4netns's words */
		return cb_fail(e, EINVAL, "slirp4netns cidr \"%s\": prefix length needs to be 1-25", v);
	o->prefix = (int)n;
	o->net4 = ntohl(a.s_addr) & ~(0xffffffffu >> n);
	return 0;
}

/* outbound_addr(6)=: an address of that family, or an interface's first one (as
 * slirp4netns); stored as the address. */
static int parse_outbound(char *dst, const char *key, const char *v, int af, cb_err *e)
{
	unsigned char a[16];
	struct ifaddrs *all = NULL;
	if (inet_pton(af, v, a) != 1 && strlen(v) < IF_NAMESIZE && getifaddrs(&all) == 0)
		for (struct ifaddrs *i = all; i; i = i->ifa_next)
			if (i->ifa_addr && i->ifa_addr->sa_family == af && !strcmp(i->ifa_name, v)) {
				memcpy(a, af == AF_INET ? (void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr
							: (void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr,
				       af == AF_INET ? 4 : 16);
				v = inet_ntop(af, a, dst, 64);
				break;
			}
	if (all)
		freeifaddrs(all);
	if (v == dst)
		return 0;
	if (inet_pton(af, v, a) != 1)
		return cb_fail(e, EINVAL, "invalid %s \"%s\"", key, v);
	snprintf(dst, 64, "%s", v);
	return 0;
}

int cb_slirp_parse_network(struct cb_slirp_opts *o, const char *spec, cb_err *e)
{
	const char *p;
	if (!strncmp(spec, "slirp4netns", 11))
		p = spec + 11;
	else if (!strncmp(spec, "slirp", 5))
		p = spec + 5;
	else
		return cb_fail(e, EINVAL, "network '%s': not a slirp network", spec);
	if (*p == '\0')
		return 0;
	if (*p != ':' || p[1] == '\0')
		return cb_fail(e, EINVAL, "network '%s': want slirp4netns[:option=value,...]", spec);
	p++;
	/* podman's words for each refusal */
	while (*p) {
		size_t n = strcspn(p, ",");
		char kv[128];
		if (n == 0 || n >= sizeof(kv))
			return cb_fail(e, EINVAL, "unknown option for slirp4netns: \"%.*s\"", (int)n, p);
		memcpy(kv, p, n);
		kv[n] = '\0';
		p += n + (p[n] == ',');
		char *v = strchr(kv, '=');
		if (!v)
			return cb_fail(e, EINVAL, "unknown option for slirp4netns: \"%s\"", kv);
		*v++ = '\0';
		if (!strcmp(kv, "mtu")) {
			/* 68: the IPv4 minimum; 65521: libslirp's IF_MTU_MAX. */
			long m = parse_num(v, strlen(v), 68, 65521);
			if (m < 0)
				return cb_fail(e, EINVAL, "invalid mtu \"%s\" (68 to 65521)", v);
			o->mtu = (int)m;
		} else if (!strcmp(kv, "allow_host_loopback") || !strcmp(kv, "enable_ipv6")) {
			if (parse_bool(v, kv[0] == 'a' ? &o->allow_host_loopback : &o->enable_ipv6) < 0)
				return cb_fail(e, EINVAL, "invalid value of %s for slirp4netns: \"%s\"", kv, v);
		} else if (!strcmp(kv, "cidr")) {
			if (parse_cidr(o, v, e) < 0)
				return -EINVAL;
		} else if (!strcmp(kv, "port_handler")) {
			/* Both forward from the host to the container; libslirp is the one
			 * forwarder here (rootlesskit's would show the connection as coming
			 * from the container's own address, slirp's from the gateway .2). */
			if (strcmp(v, "rootlesskit") && strcmp(v, "slirp4netns"))
				return cb_fail(e, EINVAL, "unknown port_handler for slirp4netns: \"%s\"", v);
			o->port_handler_slirp = v[0] == 's';
		} else if (!strcmp(kv, "outbound_addr") || !strcmp(kv, "outbound_addr6")) {
			int six = kv[13] == '6';
			if (parse_outbound(six ? o->outbound6 : o->outbound, kv, v, six ? AF_INET6 : AF_INET, e) < 0)
				return -EINVAL;
		} else {
			return cb_fail(e, EINVAL, "unknown option for slirp4netns: \"%s=%s\"", kv, v);
		}
	}
	return 0;
}

/* "80" or "80-82" -> [*lo, *hi]. */
static int parse_range(const char *s, size_t len, int *lo, int *hi)
{
	const char *dash = memchr(s, '-', len);
	long a, b;
	if (dash) {
		a = parse_num(s, dash - s, 1, 65535);
		b = parse_num(dash + 1, len - (dash + 1 - s), 1, 65535);
	} else {
		a = b = parse_num(s, len, 1, 65535);
	}
	if (a < 0 || b < 0 || a > b)
		return -1;
	*lo = (int)a;
	*hi = (int)b;
	return 0;
}

int cb_slirp_parse_publish(struct cb_slirp_opts *o, const char *spec, cb_err *e)
{
	char buf[160], ip[64] = "";
	int udp = 0;
	if (strlen(spec) >= sizeof(buf))
		return cb_fail(e, EINVAL, "publish '%.40s...': too long", spec);
	strcpy(buf, spec);

	char *slash = strrchr(buf, '/');
	if (slash) {
		*slash++ = '\0';
		if (!strcmp(slash, "udp"))
			udp = 1;
		else if (strcmp(slash, "tcp"))
			return cb_fail(e, EINVAL, "publish '%s': unknown protocol '%s' (tcp or udp)", spec, slash);
	}

	/* Split off "hostIP:" ([v6] in brackets), then "hostPort:containerPort". */
	char *ports = buf;
	if (buf[0] == '[') {
		char *close = strchr(buf, ']');
		if (!close || close[1] != ':' || (size_t)(close - buf - 1) >= sizeof(ip))
			return cb_fail(e, EINVAL, "publish '%s': want [IPv6]:hostPort:containerPort", spec);
		memcpy(ip, buf + 1, close - buf - 1);
		ip[close - buf - 1] = '\0';
		ports = close + 2;
	} else {
		char *c1 = strchr(buf, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c2) {
			if (strchr(c2 + 1, ':'))
				return cb_fail(e, EINVAL, "publish '%s': put an IPv6 host address in brackets: [::1]:8080:80", spec);
			if ((size_t)(c1 - buf) >= sizeof(ip))
				return cb_fail(e, EINVAL, "publish '%s': invalid host IP", spec);
			memcpy(ip, buf, c1 - buf);
			ip[c1 - buf] = '\0';
			ports = c1 + 1;
		}
	}
	unsigned char a6[16];
	if (ip[0] && inet_pton(AF_INET, ip, a6) != 1 && inet_pton(AF_INET6, ip, a6) != 1)
		return cb_fail(e, EINVAL, "publish '%s': invalid host IP '%s'", spec, ip);
	if (!strcmp(ip, "0.0.0.0"))
		ip[0] = '\0';

	/* "containerPort" alone or "hostIP::containerPort": the host port is picked at run
	 * (host_port 0), as podman does. */
	char *colon = strchr(ports, ':'), *guest = colon ? colon + 1 : ports;
	int hlo = 0, hhi = 0, glo, ghi;
	if (parse_range(guest, strlen(guest), &glo, &ghi) < 0)
		return cb_fail(e, EINVAL, "publish '%s': invalid container port '%s' (1-65535, or a range lo-hi)", spec,
			       guest);
	if (colon && colon != ports) {
		if (parse_range(ports, colon - ports, &hlo, &hhi) < 0)
			return cb_fail(e, EINVAL, "publish '%s': invalid host port '%.*s' (1-65535, or a range lo-hi)",
				       spec, (int)(colon - ports), ports);
		if (hhi - hlo != ghi - glo)
			return cb_fail(e, EINVAL, "publish '%s': host and container port ranges differ in size", spec);
	}

	int n = ghi - glo + 1;
	struct cb_portfwd *p = realloc(o->ports, (o->nports + n) * sizeof(*p));
	if (!p)
		return cb_fail_errno(e, ENOMEM, "publish '%s'", spec);
	o->ports = p;
	for (int i = 0; i < n; i++) {
		struct cb_portfwd *f = &p[o->nports + i];
		for (int j = 0; hlo && j < o->nports + i; j++)
			if (p[j].udp == udp && p[j].host_port == hlo + i && !strcmp(p[j].host_ip, ip))
				return cb_fail(e, EINVAL, "publish '%s': host port %d/%s published twice", spec, hlo + i,
					       udp ? "udp" : "tcp");
		f->udp = udp;
		strcpy(f->host_ip, ip);
		f->host_port = hlo ? hlo + i : 0;
		f->guest_port = glo + i;
	}
	o->nports += n;
	return 0;
}

socklen_t cb_portfwd_host_addr(const struct cb_portfwd *p, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	memset(ss, 0, sizeof(*ss));
	if (strchr(p->host_ip, ':')) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(p->host_port);
		inet_pton(AF_INET6, p->host_ip, &s6->sin6_addr);
		return sizeof(*s6);
	}
	s4->sin_family = AF_INET;
	s4->sin_port = htons(p->host_port);
	if (p->host_ip[0])
		inet_pton(AF_INET, p->host_ip, &s4->sin_addr);
	return sizeof(*s4);
}

int cb_slirp_pick_ports(struct cb_slirp_opts *o, cb_err *e)
{
	for (int i = 0; i < o->nports; i++) {
		struct cb_portfwd *p = &o->ports[i];
		if (p->host_port)
			continue;
		/* Let the kernel choose a free port on that address, then give it up for the
		 * helper to bind (podman does the same; another binder could win the moment
		 * between, and then the helper's bind names the port). */
		struct sockaddr_storage ss;
		socklen_t len = cb_portfwd_host_addr(p, &ss);
		int fd = socket(ss.ss_family, (p->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
		int r = fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0 ||
				getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ? -errno : 0;
		if (fd >= 0)
			close(fd);
		if (r < 0)
			return cb_fail_errno(e, -r, "publish %s:%d: pick a free host port on %s", p->udp ? "udp" : "tcp",
					     p->guest_port, p->host_ip[0] ? p->host_ip : "0.0.0.0");
		p->host_port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
							      : ((struct sockaddr_in *)&ss)->sin_port);
	}
	return 0;
}
