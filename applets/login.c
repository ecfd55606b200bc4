//config:config APPLET_LOGIN
//config:	bool "login, logout: registry credentials"
//config:	default y
//config:	depends on TLS
//applet:CB_APPLET(login, login_main, CB_NOSUID)
//applet:CB_APPLET(logout, logout_main, CB_NOSUID)
//usage:Usage: cbox login [OPTIONS] REGISTRY
//usage:       cbox logout REGISTRY
//usage:
//usage:login checks the credentials against the registry, then stores them in auth.json
//usage:($REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json, mode 0600).
//usage:logout removes them.
//usage:
//usage:  -u, --username USER
//usage:  -p, --password PASS
//usage:      --password-stdin          read the password from stdin
//usage:      --tls-verify=false, --cert-dir DIR   as for pull
//usage:      --authfile FILE           (login, logout) this auth file, not the default one
/* login.c - cbox login, cbox logout */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>

#include "auth.h"
#include "ref.h"
#include "registry.h"

/* "docker.io/library/x" or "https://host:port/" -> "host:port" */
static void registry_name(const char *arg, char *out, size_t n)
{
	if (!strncmp(arg, "https://", 8))
		arg += 8;
	else if (!strncmp(arg, "http://", 7))
		arg += 7;
	snprintf(out, n, "%s", arg);
	char *slash = strchr(out, '/');
	if (slash)
		*slash = '\0';
	if (!strcmp(out, "index.docker.io") || !strcmp(out, "registry-1.docker.io"))
		snprintf(out, n, "docker.io");
}

static int read_line(const char *prompt, char *buf, size_t n, int echo)
{
	struct termios old, raw;
	int tty = isatty(0);
	if (prompt && tty)
		fprintf(stderr, "%s", prompt);
	if (!echo && tty && tcgetattr(0, &old) == 0) {
		raw = old;
		raw.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(0, TCSANOW, &raw);
	}
	char *ok = fgets(buf, (int)n, stdin);
	if (!echo && tty) {
		tcsetattr(0, TCSANOW, &old);
		fprintf(stderr, "\n");
	}
	if (!ok)
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

int login_main(int argc, char **argv)
{
	enum { O_USER = 1, O_PASS, O_STDIN, O_TLS, O_CERTDIR, O_AUTHFILE };
	static const struct cb_option opts[] = {
		{ "username", 'u', CB_OPT_ARG, O_USER },
		{ "password", 'p', CB_OPT_ARG, O_PASS },
		{ "password-stdin", 0, CB_OPT_NONE, O_STDIN },
		{ "tls-verify", 0, CB_OPT_BOOL, O_TLS },
		{ "cert-dir", 0, CB_OPT_ARG, O_CERTDIR },
		{ "authfile", 0, CB_OPT_ARG, O_AUTHFILE },
		{ 0 },
	};
	char user[256] = "", pass[512] = "", name[256], creds[800];
	int from_stdin = 0, c;
	struct cb_registry_opts ro = { 1, 0, NULL, NULL, 0 };
	struct cb_opt_state st;
	cb_err e;
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts))) {
		if (c == O_USER)
			snprintf(user, sizeof(user), "%s", st.arg);
		else if (c == O_PASS)
			snprintf(pass, sizeof(pass), "%s", st.arg);
		else if (c == O_STDIN)
			from_stdin = 1;
		else if (c == O_TLS)
			ro.tls_verify = strcmp(st.arg, "true") == 0;
		else if (c == O_CERTDIR)
			ro.cert_dir = st.arg;
		else if (c == O_AUTHFILE)
			setenv("REGISTRY_AUTH_FILE", st.arg, 1);
	}
	if (argc - st.ind != 1) {
		cb_usage_error("name exactly one registry");
		return CB_EXIT_FAIL;
	}
	registry_name(argv[st.ind], name, sizeof(name));
	if (!user[0] && read_line("Username: ", user, sizeof(user), 1) < 0) {
		fprintf(stderr, "Error: %s: no username\n", name);
		return CB_EXIT_FAIL;
	}
	if ((from_stdin || !pass[0]) && read_line(from_stdin ? NULL : "Password: ", pass, sizeof(pass), 0) < 0) {
		fprintf(stderr, "Error: %s: no password\n", name);
		return CB_EXIT_FAIL;
	}
	snprintf(creds, sizeof(creds), "%s:%s", user, pass);
	ro.creds = creds;
	struct cb_registry reg;
	if (cb_registry_open(&reg, name, &ro, &e) < 0 || cb_registry_ping(&reg, &e) < 0) {
		if (e.errnum == EACCES) /* podman's words */
			fprintf(stderr, "Error: logging into \"%s\": invalid username/password\n", name);
		else
			fprintf(stderr, "Error: %s\n", e.msg);
		return CB_EXIT_FAIL;
	}
	cb_registry_close(&reg);
	if (cb_auth_store(name, user, pass, &e) < 0)
		cb_die(&e);
	printf("Login Succeeded!\n");
	return 0;
}

int logout_main(int argc, char **argv)
{
	static const struct cb_option opts[] = { { "authfile", 0, CB_OPT_ARG, 1 }, { 0 } };
	struct cb_opt_state st;
	char name[256], u[256], p[512];
	cb_err e;
	cb_opt_init(&st, argc, argv);
	while (cb_getopt(&st, opts))
		setenv("REGISTRY_AUTH_FILE", st.arg, 1);
	if (argc - st.ind != 1) {
		cb_usage_error("name exactly one registry");
		return CB_EXIT_FAIL;
	}
	registry_name(argv[st.ind], name, sizeof(name));
	int had = cb_auth_lookup(name, u, sizeof(u), p, sizeof(p), &e);
	if (had < 0 || cb_auth_store(name, NULL, NULL, &e) < 0)
		cb_die(&e);
	if (!had) {
		fprintf(stderr, "Error: not logged into %s\n", name);
		return CB_EXIT_FAIL;
	}
	printf("Removed login credentials for %s\n", name);
	return 0;
}
