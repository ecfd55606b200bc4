/* secret.c - secrets kept in the store (see secret.h). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "container.h"
#include "secret.h"
#include "walk.h"

static int read_id(struct cb_store *s, const char *name, char *id)
{
	char path[320];
	snprintf(path, sizeof(path), "secrets/%s/id", name);
	int fd = openat(s->rootfd, path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, id, 25);
	if (fd >= 0)
		close(fd);
	id[n == 25 ? 25 : 0] = '\0';
	return n == 25 ? 0 : -1;
}

int cb_secret_create(struct cb_store *s, const char *name, const char *data, size_t len, char *id, cb_err *e)
{
	unsigned char rnd[13];
	char dir[300];
	if (!cb_container_name_ok(name) || strlen(name) > 253)
		return cb_fail(e, EINVAL, "secret name %s: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*", name);
	if (mkdirat(s->rootfd, "secrets", 0700) < 0 && errno != EEXIST)
		return cb_fail_errno(e, errno, "%s/secrets", s->root);
	snprintf(dir, sizeof(dir), "secrets/%s", name);
	if (mkdirat(s->rootfd, dir, 0700) < 0)
		return errno == EEXIST ? cb_fail(e, EEXIST, "%s: secret name in use", name) :
					 cb_fail_errno(e, errno, "%s/%s", s->root, dir);
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		return cb_fail_errno(e, errno, "getrandom");
	for (int i = 0; i < 13; i++)
		snprintf(id + 2 * i, 3, "%02x", rnd[i]);
	id[25] = '\0';
	int dfd CB_AUTOCLOSE = openat(s->rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = dfd < 0 ? cb_fail_errno(e, errno, "%s/%s", s->root, dir) :
			  cb_write_replace(dfd, "data", data, len, 0444, 1, e);
	if (r == 0)
		r = cb_write_replace(dfd, "id", id, 25, 0600, 1, e);
	if (r < 0)
		cb_rm_rf_at(s->rootfd, dir);
	return r;
}

int cb_secret_names(struct cb_store *s, char ***names, int *n, cb_err *e)
{
	*names = NULL;
	*n = 0;
	int fd = openat(s->rootfd, "secrets", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char **v = realloc(*names, (size_t)(*n + 1) * sizeof(char *));
		if (!v || !(v[*n] = strdup(de->d_name))) {
			*names = v ? v : *names;
			closedir(d);
			return cb_fail(e, ENOMEM, "out of memory");
		}
		*names = v;
		(*n)++;
	}
	if (d)
		closedir(d);
	return 0;
}

int cb_secret_find(struct cb_store *s, const char *ref, char *name, char *id, cb_err *e)
{
	char **names;
	int n, found = 0;
	if (cb_secret_names(s, &names, &n, e) < 0)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		char sid[26];
		if (!found && read_id(s, names[i], sid) == 0 &&
		    (!strcmp(names[i], ref) || (strlen(ref) >= 3 && !strncmp(sid, ref, strlen(ref))))) {
			snprintf(name, 256, "%s", names[i]);
			snprintf(id, 26, "%s", sid);
			found = 1;
		}
		free(names[i]);
	}
	free(names);
	return found ? 0 : cb_fail(e, ENOENT, "no secret with name or id \"%s\": no such secret", ref);
}

int cb_secret_rm(struct cb_store *s, const char *name, cb_err *e)
{
	char dir[300];
	snprintf(dir, sizeof(dir), "secrets/%s", name);
	int r = cb_rm_rf_at(s->rootfd, dir);
	return r < 0 ? cb_fail_errno(e, -r, "remove secret %s", name) : 0;
}
