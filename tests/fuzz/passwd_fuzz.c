/* passwd_fuzz.c - an image's /etc/passwd and /etc/group as the container's process reads
 * them (core/runtime/proc.c): a user by name and by id, a group by name and by id, and the
 * supplementary groups listing the user, as the exec path reads them (a heap array, at
 * most the kernel's 65536). The file is the input (fopen is pointed at it). */
#include "fuzz.h"

#define fopen fz_fopen
#include "../../core/runtime/proc.c"
#undef fopen

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	fz_file = data, fz_file_len = size;
	char line[4096], *f[7];
	cb_db_find("/etc/passwd", "root", 0, line, sizeof(line), f, 7);
	cb_db_find("/etc/passwd", NULL, 1000, line, sizeof(line), f, 7);
	cb_db_find("/etc/group", "wheel", 0, line, sizeof(line), f, 4);
	cb_db_find("/etc/group", NULL, 0, line, sizeof(line), f, 4);
	gid_t *groups = NULL;
	cb_err e;
	int n = member_groups("user", &groups, &e);
	if (n > 65536)
		abort();
	free(groups);
	return 0;
}
