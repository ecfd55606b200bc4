/* state.c - containers/<id>/state.json, liveness, container refs (see state.h). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>

#include "json.h"
#include "state.h"

static const char *const names[] = { "created", "running", "exited" };

const char *cb_state_name(int state)
{
	return names[state >= 0 && state <= CB_STATE_EXITED ? state : 0];
}

void cb_state_now(char *buf, size_t n)
{
	time_t now = time(NULL);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
}

static const char *boot_id(void)
{
	static char id[40];
	if (!id[0]) {
		if (cb_read_small_at(AT_FDCWD, "/proc/sys/kernel/random/boot_id", id, sizeof(id)) < 0)
			id[0] = '\0';
		id[strcspn(id, "\n")] = '\0';
	}
	return id;
}

unsigned long long cb_pid_start_time(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (pid <= 0 || cb_read_small_at(AT_FDCWD, path, buf, sizeof(buf)) <= 0)
		return 0;
	/* After the command name, which may hold spaces and parentheses: field 3 on. */
	char *p = strrchr(buf, ')');
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	/* A zombie has exited: its start time no longer names a live process. */
	char *state = strrchr(buf, ')');
	if (!p || (state && state[1] && state[2] == 'Z'))
		return 0;
	return strtoull(p + 1, NULL, 10);
}

int cb_pid_same(pid_t pid, unsigned long long start)
{
	return pid > 0 && start && cb_pid_start_time(pid) == start;
}

int cb_state_monitor_alive(const struct cb_state *st)
{
	return cb_pid_same(st->monitor, st->monitor_start);
}

static long long num(const cJSON *j, const char *k)
{
	return (long long)cJSON_GetNumberValue(cJSON_GetObjectItem(j, k));
}

static void str(const cJSON *j, const char *k, char *out, size_t n)
{
	snprintf(out, n, "%s", cJSON_GetStringValue(cJSON_GetObjectItem(j, k)) ?: "");
}

void cb_state_read(int dirfd, struct cb_state *st)
{
	char *text = NULL, s[16];
	cb_err ignore;
	memset(st, 0, sizeof(*st));
	if (cb_read_file_at(dirfd, "state.json", 1 << 16, &text, NULL, &ignore) < 0)
		return;
	cJSON *j = cJSON_Parse(text);
	free(text);
	str(j, "state", s, sizeof(s));
	for (int i = 0; i <= CB_STATE_EXITED; i++)
		if (!strcmp(s, names[i]))
			st->state = i;
	st->pid = (pid_t)num(j, "pid");
	st->pid_start = (unsigned long long)num(j, "pid_start");
	st->monitor = (pid_t)num(j, "monitor");
	st->monitor_start = (unsigned long long)num(j, "monitor_start");
	st->exit_code = (int)num(j, "exit_code");
	st->stopping = cJSON_IsTrue(cJSON_GetObjectItem(j, "stopping"));
	str(j, "boot_id", st->boot_id, sizeof(st->boot_id));
	str(j, "started", st->started, sizeof(st->started));
	str(j, "finished", st->finished, sizeof(st->finished));
	cJSON_Delete(j);
	/* Another boot, or the pid ended (or names another process now). */
	if (st->state == CB_STATE_RUNNING && (strcmp(st->boot_id, boot_id()) || !cb_pid_same(st->pid, st->pid_start))) {
		st->state = CB_STATE_EXITED;
		if (strcmp(st->boot_id, boot_id()))
			st->monitor = 0;
	}
	/* pause leaves "paused" while its cgroup is frozen (unpause and the end remove it) */
	st->paused = st->state == CB_STATE_RUNNING && faccessat(dirfd, "paused", F_OK, 0) == 0;
}

int cb_state_write(int dirfd, const struct cb_state *st, cb_err *e)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "state", cb_state_name(st->state));
	cJSON_AddNumberToObject(j, "pid", st->pid);
	cJSON_AddNumberToObject(j, "pid_start", (double)st->pid_start);
	cJSON_AddNumberToObject(j, "monitor", st->monitor);
	cJSON_AddNumberToObject(j, "monitor_start", (double)st->monitor_start);
	cJSON_AddStringToObject(j, "boot_id", st->boot_id);
	cJSON_AddNumberToObject(j, "exit_code", st->exit_code);
	cJSON_AddStringToObject(j, "started", st->started);
	cJSON_AddStringToObject(j, "finished", st->finished);
	if (st->stopping)
		cJSON_AddTrueToObject(j, "stopping");
	char *text = cb_json_print(j);
	cJSON_Delete(j);
	int r = text ? cb_write_replace(dirfd, "state.json", text, strlen(text), 0600, !st->ephemeral, e) : cb_fail(e, ENOMEM, "state.json");
	free(text);
	return r;
}

void cb_state_set_running(struct cb_state *st, pid_t pid, pid_t monitor)
{
	st->state = CB_STATE_RUNNING;
	st->pid = pid;
	st->pid_start = cb_pid_start_time(pid);
	st->monitor = monitor;
	st->monitor_start = cb_pid_start_time(monitor);
	snprintf(st->boot_id, sizeof(st->boot_id), "%s", boot_id());
	st->exit_code = 0;
	cb_state_now(st->started, sizeof(st->started));
	st->finished[0] = '\0';
}

void cb_state_set_exited(struct cb_state *st, int code)
{
	st->state = CB_STATE_EXITED;
	st->exit_code = code;
	cb_state_now(st->finished, sizeof(st->finished));
}

int cb_state_lock(int dirfd, cb_err *e)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		int err = errno;
		if (fd >= 0)
			close(fd);
		return cb_fail_errno(e, err, "lock the container's directory");
	}
	return fd;
}

int cb_container_ids(struct cb_store *s, char (**ids)[65], int *n, cb_err *e)
{
	int fd = openat(s->rootfd, "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	*ids = NULL;
	*n = 0;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return errno == ENOENT ? 0 : cb_fail_errno(e, errno, "%s/containers", s->root);
	}
	while ((de = readdir(d))) {
		if (strlen(de->d_name) != 64 || strspn(de->d_name, "0123456789abcdef") != 64)
			continue;
		char (*more)[65] = realloc(*ids, (size_t)(*n + 1) * sizeof(**ids));
		if (!more) {
			closedir(d);
			return cb_fail(e, ENOMEM, "out of memory");
		}
		*ids = more;
		snprintf((*ids)[(*n)++], 65, "%s", de->d_name);
	}
	closedir(d);
	return 0;
}

int cb_container_open(struct cb_store *s, const char *id, int *dirfd, cJSON **cfg, cb_err *e)
{
	char dir[128], *text;
	snprintf(dir, sizeof(dir), "containers/%s", id);
	*dirfd = openat(s->rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return cb_fail_errno(e, errno, "container %s", id);
	*cfg = NULL;
	int r = cb_read_file_at(*dirfd, "config.json", 1 << 20, &text, NULL, e);
	if (r == 0 && !(*cfg = cJSON_Parse(text)))
		r = cb_fail(e, EINVAL, "container %s: config.json is not JSON", id);
	if (r == 0)
		free(text);
	if (r < 0) {
		close(*dirfd);
		*dirfd = -1;
	}
	return r;
}

int cb_container_latest(struct cb_store *s, char *id, cb_err *e)
{
	char (*ids)[65], last[48] = "";
	int count, found = 0;
	if (cb_container_ids(s, &ids, &count, e) < 0)
		return 0;
	for (int i = 0; i < count; i++) {
		int fd;
		cJSON *cfg;
		cb_err ignore;
		if (cb_container_open(s, ids[i], &fd, &cfg, &ignore) < 0)
			continue;
		const char *c = cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "created")) ?: "";
		if (strcmp(c, last) > 0) { /* RFC 3339 UTC with nanoseconds: sorts as text */
			snprintf(last, sizeof(last), "%s", c);
			snprintf(id, 65, "%s", ids[i]);
			found = 1;
		}
		cJSON_Delete(cfg);
		close(fd);
	}
	free(ids);
	if (!found)
		cb_fail(e, ENOENT, "--latest: there are no containers");
	return found;
}

int cb_container_resolve(struct cb_store *s, const char *ref, char *id, size_t n, cb_err *e)
{
	char (*ids)[65];
	int count, r = cb_container_ids(s, &ids, &count, e), by_name = -1, by_prefix = -1, prefixes = 0;
	size_t len = strlen(ref);
	for (int i = 0; r == 0 && i < count && by_name < 0; i++) {
		int fd;
		cJSON *cfg;
		cb_err ignore;
		if (!strcmp(ids[i], ref)) {
			by_name = i;
			break;
		}
		if (len && !strncmp(ids[i], ref, len)) {
			by_prefix = i;
			prefixes++;
		}
		if (cb_container_open(s, ids[i], &fd, &cfg, &ignore) < 0)
			continue;
		if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "name")) ?: "", ref))
			by_name = i;
		cJSON_Delete(cfg);
		close(fd);
	}
	int pick = by_name >= 0 ? by_name : prefixes == 1 ? by_prefix : -1;
	if (r == 0 && pick < 0)
		r = cb_fail(e, ENOENT, "no container with name or ID \"%s\" found: no such container", ref);
	if (r == 0)
		snprintf(id, n, "%s", ids[pick]);
	free(ids);
	return r;
}
