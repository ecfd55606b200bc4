//config:config APPLET_CREATE
//config:	bool "create: make a container without starting it"
//config:	default y
//applet:CB_APPLET(create, create_main, CB_NOSUID)
//cmd:CB_CMD("create", "container", 1, -1, "IMAGE [COMMAND [ARG...]]", "Create a container without starting it")
//usage:Also: cbox create [options] --rootfs DIR[:O] COMMAND [ARG...] (a directory, no image).
//usage:
//usage:Make a container as 'cbox run' would (every run option: see 'cbox run --help'),
//usage:in state "created", and print its id. 'cbox start' runs it (-a: attached), with
//usage:what create was given (-t, -i, --rm, --restart...).
/* create.c - cbox create */
#include <stdio.h>

#include "runopts.h"

int create_main(int argc, char **argv)
{
	struct cb_runopts r;
	char id[65];
	int status;
	cb_err e;
	int k = cb_runopts_parse(&r, argc, argv, &e);
	if (k)
		return cb_opt_report(k, r.hint, &e);
	r.o.create = 1;
	if (cb_runopts_run(&r, id, &status, &e) < 0) {
		fprintf(stderr, "Error: %s\n", e.msg);
		return CB_EXIT_FAIL;
	}
	printf("%s\n", id);
	return 0;
}
