/* hooks.c - runtime-spec hooks: a program per hook, the state on its stdin, a deadline. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hooks.h"
#include "oci.h"

extern char **environ;

static const char *const kinds[] = { "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop" };

static int strings(const cJSON *a)
{
	const cJSON *it;
	if (!a)
		return 1;
	if (!cJSON_IsArray(a))
		return 0;
	cJSON_ArrayForEach(it, a)
		if (!cJSON_IsString(it))
			return 0;
	return 1;
}

int cb_hooks_check(const cJSON *hooks, cb_err *e)
{
	const cJSON *list, *h;
	if (!hooks)
		return 0;
	if (!cJSON_IsObject(hooks))
		return cb_fail(e, EINVAL, "config.json: hooks: want an object");
	cJSON_ArrayForEach(list, hooks) {
		size_t k;
		for (k = 0; k < CB_ARRAY_SIZE(kinds) && strcmp(kinds[k], list->string); k++)
			;
		if (k == CB_ARRAY_SIZE(kinds))
			return cb_fail(e, ENOTSUP, "config.json: hooks.%s: not supported", list->string);
		if (!cJSON_IsArray(list))
			return cb_fail(e, EINVAL, "config.json: hooks.%s: want an array", list->string);
		int i = 0;
		cJSON_ArrayForEach(h, list) {
			const char *path = cJSON_GetStringValue(cJSON_GetObjectItem(h, "path"));
			const cJSON *t = cJSON_GetObjectItem(h, "timeout"), *it;
			if (!path || path[0] != '/')
				return cb_fail(e, EINVAL, "config.json: hooks.%s[%d].path: want an absolute path", list->string, i);
			if (!strings(cJSON_GetObjectItem(h, "args")) || !strings(cJSON_GetObjectItem(h, "env")))
				return cb_fail(e, EINVAL, "config.json: hooks.%s[%d]: args and env want arrays of strings",
					       list->string, i);
			if (t && (!cJSON_IsNumber(t) || t->valuedouble < 1))
				return cb_fail(e, EINVAL, "config.json: hooks.%s[%d].timeout: want a number of seconds > 0",
					       list->string, i);
			cJSON_ArrayForEach(it, h)
				if (strcmp(it->string, "path") && strcmp(it->string, "args") && strcmp(it->string, "env") &&
				    strcmp(it->string, "timeout"))
					return cb_fail(e, ENOTSUP, "config.json: hooks.%s[%d].%s: not supported", list->string, i,
						       it->string);
			i++;
		}
	}
	return 0;
}

cJSON *cb_hooks_state(const char *id, const char *status, int pid, const char *bundle, const cJSON *annotations)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "ociVersion", CB_OCI_VERSION);
	cJSON_AddStringToObject(j, "id", id);
	cJSON_AddStringToObject(j, "status", status);
	cJSON_AddNumberToObject(j, "pid", pid);
	cJSON_AddStringToObject(j, "bundle", bundle ? bundle : "");
	cJSON_AddItemToObject(j, "annotations", annotations ? cJSON_Duplicate(annotations, 1) : cJSON_CreateObject());
	return j;
}

/* A NULL-terminated vector of a JSON array of strings (pointing into it), or dflt. */
static char **vec(const cJSON *a, char **dflt)
{
	const cJSON *it;
	if (!a)
		return dflt;
	char **v = calloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(*v));
	int n = 0;
	if (v)
		cJSON_ArrayForEach(it, a)
			v[n++] = it->valuestring;
	return v;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int run_one(const cJSON *h, const char *where, const char *state, cb_err *e)
{
	const char *path = cJSON_GetStringValue(cJSON_GetObjectItem(h, "path"));
	const cJSON *t = cJSON_GetObjectItem(h, "timeout");
	char *one[] = { (char *)path, NULL };
	char **argv = vec(cJSON_GetObjectItem(h, "args"), one), **envp = vec(cJSON_GetObjectItem(h, "env"), environ);
	int in[2] = { -1, -1 }, err[2] = { -1, -1 }, r = 0, status, child_errno = 0;
	pid_t pid = -1;
	if (!argv || !envp || !argv[0]) {
		r = cb_fail(e, ENOMEM, "%s %s: out of memory or no args", where, path);
		goto out;
	}
	/* stdin a socket: sent with MSG_NOSIGNAL, so a hook that exits unread raises no SIGPIPE. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		r = cb_fail_errno(e, errno, "%s %s: pipe", where, path);
		goto out;
	}
	if ((pid = fork()) < 0) {
		r = cb_fail_errno(e, errno, "%s %s: fork", where, path);
		goto out;
	}
	if (pid == 0) {
		/* stdin: the state; stdout joins stderr (ours is the driver's: never the hook's). */
		if (dup2(in[0], 0) < 0 || shutdown(0, SHUT_WR) < 0 || dup2(2, 1) < 0)
			_exit(127);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execve(path, argv, envp);
		int x = errno;
		(void)!write(err[1], &x, sizeof(x));
		_exit(127);
	}
	close(in[0]);
	close(err[1]);
	in[0] = err[1] = -1;
	/* As much of the state as the pipe takes without blocking (a hook need not read it). */
	(void)!send(in[1], state, strlen(state), MSG_NOSIGNAL | MSG_DONTWAIT);
	close(in[1]);
	in[1] = -1;
	if (read(err[0], &child_errno, sizeof(child_errno)) == (ssize_t)sizeof(child_errno)) {
		waitpid(pid, NULL, 0);
		r = cb_fail_errno(e, child_errno, "%s %s", where, path);
		goto out;
	}
	long long deadline = t ? now_ms() + (long long)(t->valuedouble * 1000) : 0;
	pid_t w;
	while ((w = waitpid(pid, &status, deadline ? WNOHANG : 0)) == 0 || (w < 0 && errno == EINTR)) {
		if (w == 0 && now_ms() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			r = cb_fail(e, ETIMEDOUT, "%s %s: timed out after %.0f s", where, path, t->valuedouble);
			goto out;
		}
		if (w == 0)
			nanosleep(&(struct timespec){ 0, 5000000 }, NULL);
	}
	if (w < 0)
		r = cb_fail_errno(e, errno, "%s %s: wait", where, path);
	else if (WIFSIGNALED(status))
		r = cb_fail(e, ECANCELED, "%s %s: killed by signal %d", where, path, WTERMSIG(status));
	else if (WEXITSTATUS(status))
		r = cb_fail(e, ECANCELED, "%s %s: exit status %d", where, path, WEXITSTATUS(status));
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	if (argv != one)
		free(argv);
	if (envp != environ)
		free(envp);
	return r;
}

int cb_hooks_run(const cJSON *hooks, const char *kind, const cJSON *state, cb_err *e)
{
	const cJSON *h;
	int i = 0, r = 0;
	const cJSON *list = cJSON_GetObjectItem(hooks, kind);
	if (!cJSON_GetArraySize(list))
		return 0;
	char *text = cJSON_PrintUnformatted(state);
	if (!text)
		return cb_fail(e, ENOMEM, "out of memory");
	cJSON_ArrayForEach(h, list) {
		char where[64];
		snprintf(where, sizeof(where), "hooks.%s[%d]", kind, i++);
		cb_debug("%s: %s", where, cJSON_GetStringValue(cJSON_GetObjectItem(h, "path")));
		if ((r = run_one(h, where, text, e)) < 0)
			break;
	}
	free(text);
	return r;
}
