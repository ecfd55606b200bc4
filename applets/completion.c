//config:config APPLET_COMPLETION
//config:	bool "completion: shell completion scripts"
//config:	default y
//applet:CB_APPLET(completion, completion_main, CB_NOSUID)
//usage:Usage: cbox completion bash|zsh|fish
//usage:
//usage:Print a completion script for the shell: applet names, each applet's long
//usage:options (read from its --help when asked), container names and image names
//usage:(from ps and images when asked). E.g.: source <(cbox completion bash)
/* completion.c - cbox completion */
#include <stdio.h>
#include <string.h>

#include "cbox.h"

/* The words a shell completes: containers, or for image applets images. */
static const char bash_body[] =
	"_cbox() {\n"
	"\tlocal cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]} words\n"
	"\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n"
	"\t\tCOMPREPLY=($(compgen -W \"$_cbox_applets container image help\" -- \"$cur\"))\n"
	"\t\treturn\n"
	"\tfi\n"
	"\tcase $cur in\n"
	"\t-*) words=$(cbox \"$cmd\" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u) ;;\n"
	"\t*) case $cmd in\n"
	"\t\timages|rmi|tag|untag|history|save|run|create|image|push|inspect)\n"
	"\t\t\twords=$(cbox images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null | grep -v '<none>') ;;\n"
	"\t\tpull|load|login|logout|system|completion|help|version|info) words= ;;\n"
	"\t\t*) words=$(cbox ps -a --format '{{.Names}}' 2>/dev/null) ;;\n"
	"\t\tesac ;;\n"
	"\tesac\n"
	"\tCOMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
	"}\n"
	"complete -F _cbox cbox\n";

static void applets(const char *sep)
{
	for (int i = 0; i < cb_applet_count(); i++)
		printf("%s%s", i ? sep : "", cb_applet_name(i));
}

int completion_main(int argc, char **argv)
{
	static const struct cb_option opts[] = { { 0 } };
	struct cb_opt_state st;
	cb_opt_init(&st, argc, argv);
	while (cb_getopt(&st, opts))
		;
	const char *sh = st.ind < argc ? argv[st.ind] : "";
	if (argc - st.ind != 1 || (strcmp(sh, "bash") && strcmp(sh, "zsh") && strcmp(sh, "fish"))) {
		cb_usage_error("name one shell: bash, zsh or fish");
		return CB_EXIT_FAIL;
	}
	if (!strcmp(sh, "fish")) {
		printf("# cbox completion for fish: cbox completion fish | source\n"
		       "complete -c cbox -f -n __fish_use_subcommand -a '");
		applets(" ");
		printf(" container image help'\n"
		       "complete -c cbox -f -n 'not __fish_use_subcommand' -a '(cbox ps -a --format \"{{.Names}}\" 2>/dev/null)'\n"
		       "complete -c cbox -f -n 'not __fish_use_subcommand' -a '(cbox images --format \"{{.Repository}}:{{.Tag}}\" 2>/dev/null)'\n");
		return 0;
	}
	printf("# cbox completion for %s: source <(cbox completion %s)\n", sh, sh);
	if (!strcmp(sh, "zsh"))
		printf("autoload -U +X bashcompinit && bashcompinit\n");
	printf("_cbox_applets='");
	applets(" ");
	printf("'\n%s", bash_body);
	return 0;
}
