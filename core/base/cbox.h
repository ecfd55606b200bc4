/* cbox.h - what every core file and applet shares: config, errors, logging, options,
 * cleanup attributes.
 *
 * Convention (after crun): a fallible core function returns 0 or a negative errno and
 * fills a cb_err with a one-line message naming the thing at fault. Only applets print
 * and exit.
 */
#ifndef CBOX_H
#define CBOX_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"

/* Exit statuses, as podman uses them. */
enum {
	CB_EXIT_FAIL = 125,     /* cbox itself failed */
	CB_EXIT_NOEXEC = 126,   /* command found but not executable */
	CB_EXIT_NOTFOUND = 127, /* command (or applet) not found */
};

/* ---- errors (err.c) ---- */
typedef struct cb_err {
	int errnum;    /* positive errno, or 0 */
	char msg[1024];
} cb_err;

/* Fill *e with the message and return -errnum (-EINVAL when errnum is 0). */
int cb_fail(cb_err *e, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Same, and append ": strerror(errnum)". */
int cb_fail_errno(cb_err *e, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Put "context: " in front of the message already in *e; returns the same -errnum. */
int cb_err_prefix(cb_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- byte streams ----
 * Pipelines (network -> digest -> decompress -> digest -> tar -> unpack) are chains of
 * readers. read returns bytes read (> 0), 0 at end of stream, or a negative errno with
 * *e filled. */
struct cb_reader {
	ssize_t (*read)(void *ctx, void *buf, size_t len, cb_err *e);
	void *ctx;
};
static inline ssize_t cb_read(struct cb_reader *r, void *buf, size_t len, cb_err *e)
{
	return r->read(r->ctx, buf, len, e);
}
/* Read exactly len bytes; a short stream is an error (-EIO, "unexpected end of ..."). */
int cb_read_full(struct cb_reader *r, void *buf, size_t len, const char *what, cb_err *e);
/* A reader over a file descriptor (the int must outlive the reader). */
struct cb_reader cb_fd_reader(int *fd);

/* ---- logging (log.c) ---- */
enum cb_log_level { CB_LOG_ERROR, CB_LOG_WARN, CB_LOG_INFO, CB_LOG_DEBUG, CB_LOG_TRACE };
extern int cb_log_level;
/* podman's levels (trace, debug, info, warn/warning, error, fatal, panic); an unknown one:
 * podman's 'Log Level "x" is not supported, ...' in *e. Messages are logrus's text lines:
 * time="2026-12-07T10:00:00Z" level=warning msg="...". */
int cb_log_set_level(const char *name, cb_err *e);
/* Once the options are parsed: at info and below, say so (and, from debug, how cbox was
 * called), as podman's first lines do. */
void cb_log_announce(void);
void cb_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define cb_debug(...) (cb_log_level >= CB_LOG_DEBUG ? cb_log(CB_LOG_DEBUG, __VA_ARGS__) : (void)0)
#define cb_info(...) (cb_log_level >= CB_LOG_INFO ? cb_log(CB_LOG_INFO, __VA_ARGS__) : (void)0)
#define cb_warn(...) cb_log(CB_LOG_WARN, __VA_ARGS__)

/* ---- options (opt.c) ----
 * Long options as podman spells them (--name=value, --name value), short options that
 * bundle (-it, -uroot, -u root), "--" ends options, and so does the first operand (so
 * `run IMG cmd -x` leaves -x to the command, with cb_opt_init_cmd; elsewhere options may follow
 * operands). Global flags understood everywhere, before
 * or after the applet name: --log-level, --root, --storage-driver. */
extern const char *cb_opt_root, *cb_opt_storage_driver;
/* --volumepath: reported by info; volumes themselves stay in ROOT/volumes (creating one
 * elsewhere is refused, see volume.c). */
extern const char *cb_opt_volume_path;
/* --runtime-flag FLAG...: podman hands them to its OCI runtime; cbox is its own, and
 * knows runc's global flags (accepted, no effect) only. */
extern const char *cb_opt_runtime_flags[16];
extern int cb_opt_nruntime_flags;
enum { CB_OPT_NONE, CB_OPT_ARG, CB_OPT_BOOL /* --x, --x=true, --x=false: st->arg "true"/"false" */ };
struct cb_option {
	const char *name; /* long name without "--", or NULL */
	int short_name;   /* single character, or 0 */
	int has_arg;      /* CB_OPT_NONE, CB_OPT_ARG or CB_OPT_BOOL */
	int id;           /* returned by cb_opt_next; must be > 0 */
};
#define CB_OPT_HELP (-1000) /* --help / -h seen */
extern const struct cb_option *cb_opt_help; /* the table of the parse that saw it */

struct cb_opt_state {
	int argc;
	char **argv;
	int ind;            /* next argv index; the first operand once parsing is done */
	const char *arg;    /* the option's value */
	const char *bundle; /* the rest of a short-option bundle */
	int permute;        /* options may follow operands (argv is reordered) */
	int nops, word;     /* operands skipped so far; where the current option began */
	int latest, all;    /* --latest, --all given (cb_getopt refuses --latest with either names or --all) */
};
/* Options anywhere among the operands, as podman's (argv is reordered, operands last). */
void cb_opt_init(struct cb_opt_state *st, int argc, char **argv);
/* Options only before the first operand: the operands are a command and its arguments. */
void cb_opt_init_cmd(struct cb_opt_state *st, int argc, char **argv);
/* Next option id; 0 when the operands begin; CB_OPT_HELP; or a negative errno with *e. */
int cb_opt_next(struct cb_opt_state *st, const struct cb_option *opts, cb_err *e);
/* A -t/--time value: whole seconds >= 0, or -1. */
int cb_opt_seconds(const char *s);

/* ---- applets (main.c) ---- */
#define CB_NOSUID 0
#define CB_SUID 1 /* may keep setuid/file-cap privilege */
struct cb_applet {
	const char *name;
	int (*main)(int argc, char **argv);
	int flags;
	const char *usage;
};
extern const struct cb_applet *cb_applet_current;
/* main's arguments (a pause process writes its name over them, for ps). */
extern char **cb_main_argv;
extern int cb_main_argc;
int cb_applet_count(void);
const char *cb_applet_name(int i);
/* 1 when arg ("--name[=v]", "-x") is one of the global flags every applet takes. */
int cb_opt_is_global(const char *arg);
/* For applets: the shared option loop's error path; prints and exits. */
int cb_getopt(struct cb_opt_state *st, const struct cb_option *opts);
/* For applets: what a parser returned (CB_OPT_HELP: the usage on stdout, 0; an error:
 * "Error: MSG", with hint the "See 'cbox APPLET --help'" line (podman's, without a period), 125). */
int cb_opt_report(int r, int hint, const cb_err *e);
/* The name cbox was invoked by: "cbox", or "podman" through a symlink of that name
 * (tools that drive podman pointed at cbox); usage and hints say it. */
extern const char *cb_prog;
/* For applets: a usage error, "Error: MSG" and "See 'PROG APPLET --help'"; returns 125. */
int cb_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An applet's usage text, with the program named as it was invoked. */
void cb_print_usage(FILE *f, const char *text);
/* ---- podman's command tree (help.c): the table build.sh makes of the //cmd: lines ---- */
struct cb_cmd {
	const char *name;   /* "tag", "volume create" */
	const char *groups; /* other groups listing it: "container image" */
	const char *args;   /* synopsis after "[options]"; "[command]": a group */
	const char *desc;   /* one line, for listings */
	int min, max;       /* operand count; max -1: no limit */
};
struct cb_alias {
	const char *path, *applet, *flag; /* "image rm" is rmi; "image prune" is rmi --prune */
};
/* The command running (NULL: its applet declares none) and its path as invoked
 * ("container list"); main.c sets both. */
extern const struct cb_cmd *cb_cmd_current;
extern const char *cb_cmd_path;
/* The path as invoked, or the applet's name. */
const char *cb_cmd_name(void);
const struct cb_cmd *cb_cmd_find(const char *name);
/* Group g's command NAME: "g NAME", or a command g lists under its own name; NULL. */
const struct cb_cmd *cb_cmd_in_group(const char *g, const char *name);
const struct cb_alias *cb_cmd_alias(const char *path);
int cb_cmd_is_group(const struct cb_cmd *c);
/* 0 when n operands suit the current command, else cobra's words in *e. */
int cb_cmd_check(int n, cb_err *e);
/* --help of the current command in podman's layout (summary, Description:, Usage:, Options:). */
void cb_help(FILE *f, const struct cb_option *opts);
/* A group's help ("" the top): its usage and "Available Commands:"; opts for "Options:". */
void cb_help_group(FILE *f, const char *g, const struct cb_option *opts);
void cb_opt_print(FILE *f, const struct cb_option *opts);
void cb_opt_print_global(FILE *f);

/* For applets: print "Error: MSG" and exit 125. */
void cb_die(const cb_err *e) __attribute__((noreturn));

/* ---- cleanup attributes ---- */
static inline void cb_freep(void *p) { free(*(void **)p); }
static inline void cb_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
#define CB_AUTOFREE __attribute__((cleanup(cb_freep)))
#define CB_AUTOCLOSE __attribute__((cleanup(cb_closep)))

#define CB_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
