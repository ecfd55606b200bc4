/* subid_fuzz.c - /etc/subuid and /etc/subgid (core/runtime/idmap.c): the ranges the planner takes
 * for a user, which must be disjoint, avoid the caller's own id, stay below 2^32 and fit
 * the kernel's map. The file is the input (fopen is pointed at it). */
#include "fuzz.h"

#define fopen fz_fopen
#include "../../core/runtime/idmap.c"
#undef fopen

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	static struct cb_idrange out[CB_IDMAP_MAX];
	fz_file = data, fz_file_len = size;
	int n = sub_ranges("/etc/subuid", "alice", 1000, 1000, out);
	if (n < 0 || n > CB_IDMAP_MAX)
		abort();
	char text[CB_IDMAP_TEXT];
	size_t len = (size_t)snprintf(text, sizeof(text), "0 1000 1\n");
	unsigned long next = 1;
	for (int i = 0; i < n; i++) {
		if (!out[i].count || out[i].inside != next || out[i].start + out[i].count > 4294967296ul ||
		    (1000 >= out[i].start && 1000 < out[i].start + out[i].count))
			abort();
		for (int j = 0; j < i; j++)
			if (out[i].start < out[j].start + out[j].count && out[j].start < out[i].start + out[i].count)
				abort();
		next += out[i].count;
		len += (size_t)snprintf(text + len, len < sizeof(text) ? sizeof(text) - len : 0, "%lu %lu %lu\n",
					out[i].inside, out[i].start, out[i].count);
	}
	if (len >= sizeof(text))
		abort(); /* the kernel takes one write of less than a page */
	char buf[CB_IDMAP_TEXT];
	ranges_text(out, n, buf, sizeof(buf));
	return 0;
}
