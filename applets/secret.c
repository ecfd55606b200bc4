//config:config APPLET_SECRET
//config:	bool "secret: secrets for run --secret"
//config:	default y
//applet:CB_APPLET(secret, secret_main, CB_NOSUID)
//cmd:CB_CMD("secret", "", 0, 0, "[command]", "Manage secrets")
//cmd:CB_CMD("secret create", "", 2, 2, "NAME FILE", "Create a new secret")
//cmd:CB_CMD("secret ls", "", 0, 0, "", "List secrets")
//cmd:CB_CMD("secret rm", "", 1, -1, "SECRET [SECRET...]", "Remove secrets")
//usage:Secrets live in ROOT/secrets/NAME (podman's file driver); run --secret NAME binds
//usage:one read-only on /run/secrets/NAME.
//usage:
//usage:  create [--driver file] NAME FILE|-   keep FILE's bytes (-: stdin); prints its id
//usage:  ls [-q]                  list them
//usage:  rm NAME|ID...            remove them (prints each id)
/* secret.c - cbox secret */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "idmap.h"
#include "secret.h"

int secret_main(int argc, char **argv)
{
	static const struct cb_option opts[] = {
		{ "driver", 'd', CB_OPT_ARG, 1 }, { "quiet", 'q', CB_OPT_NONE, 2 }, { 0 },
	};
	struct cb_opt_state st;
	struct cb_store s;
	cb_err e;
	int c, quiet = 0, status = 0;
	const char *cmd = argc > 1 ? argv[1] : "";
	cb_opt_init(&st, argc - 1, argv + 1); /* the sub-command's own line (help.c counts its operands) */
	while ((c = cb_getopt(&st, opts)))
		if (c == 1 && strcmp(st.arg, "file")) {
			fprintf(stderr, "Error: --driver %s: cbox keeps secrets in files only (file)\n", st.arg);
			return CB_EXIT_FAIL;
		} else if (c == 2) {
			quiet = 1;
		}
	argc--, argv++;
	int n = argc - st.ind;
	if ((strcmp(cmd, "create") || n != 2) && (strcmp(cmd, "rm") || n < 1) && (strcmp(cmd, "ls") || n)) {
		cb_usage_error("want create NAME FILE, ls or rm NAME...");
		return CB_EXIT_FAIL;
	}
	/* create: FILE read first, as the caller (at most 512 KiB, podman's limit) */
	static char data[512 * 1024 + 1];
	size_t len = 0;
	ssize_t k = 0;
	if (!strcmp(cmd, "create")) {
		const char *file = argv[st.ind + 1];
		int fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC) : 0;
		while (fd >= 0 && len < sizeof(data) && (k = read(fd, data + len, sizeof(data) - len)) > 0)
			len += (size_t)k;
		if (fd < 0 || k < 0 || len == sizeof(data)) {
			fprintf(stderr, "Error: %s: %s\n", file, fd < 0 || k < 0 ? strerror(errno) : "larger than 512 KiB");
			return CB_EXIT_FAIL;
		}
	}
	if (cb_userns_enter(&e) < 0 || cb_store_open(&s, cb_opt_root, &e) < 0)
		cb_die(&e);
	char **names, name[256], id[26];
	if (!strcmp(cmd, "create")) {
		if (cb_secret_create(&s, argv[st.ind], data, len, id, &e) < 0)
			cb_die(&e);
		printf("%s\n", id);
		return 0;
	}
	if (!strcmp(cmd, "ls")) {
		if (cb_secret_names(&s, &names, &n, &e) < 0)
			cb_die(&e);
		if (!quiet)
			printf("%-26s %-11s %s\n", "ID", "NAME", "DRIVER");
		for (int i = 0; i < n; i++) {
			if (cb_secret_find(&s, names[i], name, id, &e) == 0)
				quiet ? printf("%s\n", id) : printf("%-26s %-11s file\n", id, name);
			free(names[i]);
		}
		free(names);
		return 0;
	}
	for (int i = st.ind; i < argc; i++)
		if (cb_secret_find(&s, argv[i], name, id, &e) < 0 || cb_secret_rm(&s, name, &e) < 0) {
			fprintf(stderr, "Error: %s\n", e.msg);
			status = CB_EXIT_FAIL;
		} else {
			printf("%s\n", id);
		}
	return status;
}
