//config:config APPLET_RUN
//config:	bool "run: run a command in a new container"
//config:	default y
//applet:CB_APPLET(run, run_main, CB_NOSUID)
//cmd:CB_CMD("run", "container", 1, -1, "IMAGE [COMMAND [ARG...]]", "Run a command in a new container")
//usage:Also: cbox run [options] --rootfs DIR[:O] COMMAND [ARG...] (a directory, no image).
//usage:
//usage:Run a command in a new container made from IMAGE: overlay (or vfs) rootfs, new
//usage:user (when not root), mount, pid, uts, ipc and cgroup namespaces, podman's
//usage:default capabilities, no_new_privs. The exit status is the command's (128+n for
//usage:a signal; 125 cbox failed, 126 not executable, 127 not found).
//usage:IMAGE may be docker-archive:PATH or oci-archive:PATH (the archive loaded first).
//usage:
//usage:      --name NAME              name the container (default cbox_ID)
//usage:  -h, --hostname NAME          the container's hostname (default: ID prefix)
//usage:      --rm                     remove the container when it exits
//usage:  -d, --detach                 run in the background, print the container's id
//usage:                               (its output, with -t the pty's, is in 'cbox logs')
//usage:      --log-driver DRIVER      k8s-file (default): stdout and stderr, foreground or
//usage:                               not, also go to the container's log ('cbox logs'),
//usage:                               in podman's k8s-file format; none: no log;
//usage:                               passthrough: no log, the output is not copied
//usage:  -i, --interactive            keep stdin (with -t: forwarded to the pty)
//usage:  -t, --tty                    a pty from the container's devpts on 0-2; with -i
//usage:                               and a terminal: raw mode, window size follows
//usage:  -e, --env K=V | K            set a variable (K alone: from this environment)
//usage:  -w, --workdir DIR            working directory inside
//usage:  -u, --user USER[:GROUP]      names or numbers, as the container's /etc knows them
//usage:      --entrypoint CMD         replace the image's entrypoint (a word or JSON array)
//usage:  -v, --volume HOST:CTR[:ro]   bind mount a host path (options ro, rw, z, Z, U: chown
//usage:                               to the container's user, O: an overlay); NAME:CTR
//usage:                               a named volume (made when missing, the image's files
//usage:                               at CTR copied in while it is empty); CTR alone: an
//usage:                               anonymous one (gone with rm -v or --rm)
//usage:      --mount type=bind|volume|tmpfs,source=S,target=T[,ro,...]
//usage:      --read-only              read-only rootfs (tmpfs on /tmp, /var/tmp, /run)
//usage:      --rootfs                 the first argument is a directory holding a root
//usage:                               filesystem, run as it is (changes land in it); DIR:O
//usage:                               puts an overlay on it (changes stay with the container)
//usage:      --tmpfs PATH[:OPTS]      a tmpfs on PATH (default rw,noexec,nosuid,nodev; size=,
//usage:                               mode=, uid=, gid=, nr_inodes=, ro, exec, suid, dev...)
//usage:      --env-file FILE          KEY=VALUE lines ('#' comments; KEY alone: from this
//usage:                               environment); -e wins
//usage:      --cap-add CAP, --cap-drop CAP   change the default capabilities (ALL; a non-root
//usage:                               user gets the added ones)
//usage:      --privileged             every capability, no masked or read-only /proc and /sys
//usage:                               paths, /sys writable, no no_new_privs
//usage:      --security-opt seccomp=unconfined|FILE  no seccomp filter, or an OCI/Docker
//usage:                               JSON profile instead of podman's default (which
//usage:                               --privileged drops); no-new-privileges[:true] (on
//usage:                               unless --privileged), mask=P:P, unmask=P:P|ALL,
//usage:                               label=..., apparmor=... (cbox uses no LSM)
//usage:      --init                   a built-in pid 1 that forwards signals and reaps zombies
//usage:      --network MODE           slirp[:mtu=N,allow_host_loopback=true,enable_ipv6=false]
//usage:                               (default when rootless or with -p): own network namespace,
//usage:                               user-mode NAT, 10.0.2.100, DNS 10.0.2.3; host (root's
//usage:                               default): the host's network; none: loopback only;
//usage:                               container:NAME: share that running container's
//usage:                               network (and its /etc/hosts, resolv.conf)
//usage:  -p, --publish [IP:]HOST:CTR[/udp]  publish a port or range (slirp only)
//usage:      --dns IP                 the resolver (with slirp: what 10.0.2.3 forwards to)
//usage:      --add-host NAME:IP       add a line to /etc/hosts
//usage:      --pull missing|always|never   when to pull IMAGE (default missing)
//usage:      --root-emulation auto|on|off  chown, setuid, setgroups, capset and device
//usage:                               mknod succeed without effect (a seccomp filter; the
//usage:                               owners asked for kept in user.rootlesscontainers);
//usage:                               auto (default): on in the single id mapping
//usage:      --userns keep-id         your uid/gid are the same numbers inside (rootless: a
//usage:                               nested user namespace; runs as you unless -u);
//usage:                               keep-id:uid=U,gid=G: you are U:G inside; nomap:
//usage:                               only your sub-ids (without you) inside; private,
//usage:                               auto, host: the storage's (the default)
//usage:      --tls-verify=false, --cert-dir DIR, --creds USER[:PASS], --platform OS/ARCH
//usage:                               for the pull, as in 'cbox pull'
//usage:  -q, --quiet                  no pull progress (errors still print)
//usage:      --pull newer             pull when the registry has a newer image (the local
//usage:                               one when the registry cannot be reached)
//usage:      --replace                remove a container of the same --name first
//usage:      --cidfile FILE           write the id there (refused when FILE exists)
//usage:  -l, --label K=V, --annotation K=V   kept in config.json ("labels", "annotations")
//usage:      --stop-signal SIG, --stop-timeout N   for 'cbox stop' (default TERM, 10 s)
//usage:      --restart no|on-failure[:N]|always|unless-stopped   with -d: the monitor runs
//usage:                               the command again when it ends (backing off from
//usage:                               100 ms to 10 s); 'cbox stop' ends that
//usage:      --tz local|AREA/CITY     TZ and /etc/localtime (the host's zoneinfo file)
//usage:      --env-host               the whole caller's environment (--env-file, -e win)
//usage:      --no-hosts               the image's /etc/hosts, as it is
//usage:      --dns-search DOM, --dns-option OPT   resolv.conf's search and options
//usage:      --uts, --pid host|private   host: share the host's namespace
//usage:      --ipc shareable|private|none|host|container:NAME   (none: no /dev/shm)
//usage:      --ulimit TYPE=SOFT[:HARD]|host   an rlimit (nofile, nproc, core...; -1 unlimited)
//usage:      --shm-size SIZE          the /dev/shm tmpfs (default 64m)
//usage:      --sysctl KEY=VALUE       a namespaced sysctl (net.*, kernel.msg*/sem/shm*, fs.mqueue.*)
//usage:      --oom-score-adj N        the process's OOM score adjustment
//usage:      --rmi                    (implies --rm) remove the image too, unless in use
//usage:      --log-opt max-size=SIZE  the log is emptied past SIZE; tag=T
//usage:      --secret NAME[,target=T] a secret ('cbox secret') on /run/secrets/NAME
//usage:      --group-add GROUP        a supplementary group (a name from the image or a gid)
//usage:      --hostuser NAME|UID      the host's passwd entry for it in the container's
//usage:      --preserve-fds N         pass fds 3..3+N-1 on to the command
//usage:  -a, --attach stdin|stdout|stderr   only these streams (the others on /dev/null)
//usage:      --timeout N              KILL the command after N seconds
//usage:      --sig-proxy=false        do not forward signals to the command (default: do)
//usage:      --http-proxy=false       keep the caller's http_proxy, https_proxy, ftp_proxy,
//usage:                               no_proxy (either case) out (default: they go in)
//usage:      --os OS, --arch ARCH, --variant V   the platform to pull (as --platform)
//usage:      --device HOST[:CTR][:rwm]  the host's device node inside (bound; read-only
//usage:                               without w)
//usage:      --health-cmd CMD         a healthcheck (a string: sh -c; a JSON array: as is;
//usage:                               none); --health-interval D (30s, disable),
//usage:                               --health-retries N (3), --health-timeout D (30s),
//usage:                               --health-start-period D, --health-on-failure
//usage:                               none|kill|stop|restart, --no-healthcheck (not the
//usage:                               image's HEALTHCHECK either); see 'cbox healthcheck'
/* run.c - cbox run */
#include <stdio.h>

#include "runopts.h"
#include "sealexe.h"

int run_main(int argc, char **argv)
{
	struct cb_runopts r;
	char id[65];
	int status;
	cb_err e;
	int k = cb_runopts_parse(&r, argc, argv, &e);
	if (k)
		return cb_opt_report(k, r.hint, &e);
	/* --init keeps this binary as the container's pid 1: as real root, a sealed copy of
	 * it (sealexe.h), before anything is done (a plain run is not slowed). */
	if (r.o.init && cb_exe_seal(0, &e) < 0) {
		fprintf(stderr, "Error: %s\n", e.msg);
		return CB_EXIT_FAIL;
	}
	if (cb_runopts_run(&r, id, &status, &e) < 0)
		fprintf(stderr, "Error: %s\n", e.msg);
	else if (r.o.detach || (r.o.proc.null_fds & 6) == 6) /* -d, or -a stdin alone: the id, as podman */
		printf("%s\n", id);
	return status;
}
