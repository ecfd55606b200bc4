/* passwd_fuzz.c - an image's /etc/passwd and /etc/group as the container's process reads
 * them (core/proc.c): a user by name and by id, a group by name and by id, and the
 * supplementary groups listing the user, into the same 64-entry array the exec path
 * uses. The file is the input (fopen is pointed at it). */
#include "fuzz.h"

#define fopen fz_fopen
#include "../../core/proc.c"
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
	gid_t groups[64];
	int n = member_groups("user", groups, (int)CB_ARRAY_SIZE(groups));
	if (n < 0 || n > (int)CB_ARRAY_SIZE(groups))
		abort();
	return 0;
}
