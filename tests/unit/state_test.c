/* state_test.c - state.json round trip and liveness (a dead or reused pid reads as
 * exited), signal names. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "ctl.h"
#include "state.h"
#include "unit.h"

int main(void)
{
	unit_name = "state";
	CHECK(cb_signal_parse("KILL") == SIGKILL);
	CHECK(cb_signal_parse("sigterm") == SIGTERM);
	CHECK(cb_signal_parse("SIGUSR1") == SIGUSR1);
	CHECK(cb_signal_parse("15") == 15);
	CHECK(cb_signal_parse("0") == -1);
	CHECK(cb_signal_parse("NOPE") == -1);
	CHECK(cb_signal_parse("") == -1);

	CHECK(cb_pid_start_time(getpid()) != 0);
	CHECK(cb_pid_same(getpid(), cb_pid_start_time(getpid())));
	CHECK(!cb_pid_same(getpid(), cb_pid_start_time(getpid()) + 1));

	char dir[] = "/tmp/cbox-state-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	struct cb_state st, got;
	cb_err e;
	cb_state_read(fd, &got);
	CHECK(got.state == CB_STATE_CREATED);
	cb_state_set_running(&st, getpid(), getpid());
	CHECK(cb_state_write(fd, &st, &e) == 0);
	cb_state_read(fd, &got);
	CHECK(got.state == CB_STATE_RUNNING && got.pid == getpid() && got.pid_start == st.pid_start);
	CHECK(cb_state_monitor_alive(&got));

	/* A child that has ended: its pid is dead. */
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	unsigned long long start = 0;
	for (int i = 0; i < 100 && !start; i++)
		start = cb_pid_start_time(child);
	waitpid(child, NULL, 0);
	st.pid = child;
	st.pid_start = start ? start : 1;
	CHECK(cb_state_write(fd, &st, &e) == 0);
	cb_state_read(fd, &got);
	CHECK(got.state == CB_STATE_EXITED);
	CHECK(cb_pid_wait_gone(child, st.pid_start, 0) == 1);

	/* Another boot. */
	cb_state_set_running(&st, getpid(), getpid());
	snprintf(st.boot_id, sizeof(st.boot_id), "00000000-0000-0000-0000-000000000000");
	CHECK(cb_state_write(fd, &st, &e) == 0);
	cb_state_read(fd, &got);
	CHECK(got.state == CB_STATE_EXITED && !got.monitor);

	cb_state_set_exited(&st, 3);
	CHECK(cb_state_write(fd, &st, &e) == 0);
	cb_state_read(fd, &got);
	CHECK(got.state == CB_STATE_EXITED && got.exit_code == 3 && got.finished[0]);
	CHECK_STR(cb_state_name(got.state), "exited");
	unlinkat(fd, "state.json", 0);
	rmdir(dir);
	return unit_end();
}
