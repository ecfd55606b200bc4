/* seccomp_default.c - podman's default seccomp profile (podman 4.3, containers/common's
 * seccomp.json as Debian 12 ships it) as a table: the calls every container may make,
 * the ones that need a capability, the ones allowed on some ABIs only, and the argument
 * checks (personality flavours, the audit netlink socket). Everything else fails with
 * ENOSYS. The groups are in the profile's order: libseccomp then resolves a call named
 * twice (setns is allowed and also needs CAP_SYS_ADMIN) exactly as podman's runtime. */
#include <linux/capability.h>
#include <seccomp.h>

#include "seccomp_profile.h"

/* Allowed with capability c, EPERM without it. */
#define CAPPED(names, c) { names, 0, (c) + 1, 0, 0, { { 0 } } }, { names, EPERM, -((c) + 1), 0, 0, { { 0 } } }
#define ON(names, arches) { names, 0, 0, arches, 0, { { 0 } } }
#define PERSONA(v) { "personality", 0, 0, 0, 1, { { 0, SCMP_CMP_EQ, v } } }
#define AF_NETLINK_ 16
#define NETLINK_AUDIT_ 9

const struct cb_seccomp_group cb_seccomp_default[] = {
	{ "bdflush io_pgetevents kexec_file_load kexec_load migrate_pages move_pages nfsservctl nice "
	  "oldfstat oldlstat oldolduname oldstat olduname pciconfig_iobase pciconfig_read "
	  "pciconfig_write sgetmask ssetmask swapcontext swapoff swapon sysfs uselib userfaultfd ustat "
	  "vm86 vm86old vmsplice", EPERM, 0, 0, 0, { { 0 } } },
	{ "_llseek _newselect accept accept4 access adjtimex alarm bind brk capget capset chdir chmod "
	  "chown chown32 clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime "
	  "clock_gettime64 clock_nanosleep clock_nanosleep_time64 clone clone3 close close_range "
	  "connect copy_file_range creat dup dup2 dup3 epoll_create epoll_create1 epoll_ctl "
	  "epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old eventfd eventfd2 execve "
	  "execveat exit exit_group faccessat faccessat2 fadvise64 fadvise64_64 fallocate "
	  "fanotify_mark fchdir fchmod fchmodat fchown fchown32 fchownat fcntl fcntl64 fdatasync "
	  "fgetxattr flistxattr flock fork fremovexattr fsconfig fsetxattr fsmount fsopen fspick "
	  "fstat fstat64 fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64 futex futex_time64 "
	  "futimesat get_mempolicy get_robust_list get_thread_area getcpu getcwd getdents getdents64 "
	  "getegid getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32 getitimer "
	  "getpeername getpgid getpgrp getpid getppid getpriority getrandom getresgid getresgid32 "
	  "getresuid getresuid32 getrlimit getrusage getsid getsockname getsockopt gettid "
	  "gettimeofday getuid getuid32 getxattr inotify_add_watch inotify_init inotify_init1 "
	  "inotify_rm_watch io_cancel io_destroy io_getevents io_setup io_submit ioctl ioprio_get "
	  "ioprio_set ipc keyctl kill landlock_add_rule landlock_create_ruleset "
	  "landlock_restrict_self lchown lchown32 lgetxattr link linkat listen listxattr llistxattr "
	  "lremovexattr lseek lsetxattr lstat lstat64 madvise mbind membarrier memfd_create "
	  "memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2 mlockall mmap mmap2 mount "
	  "mount_setattr move_mount mprotect mq_getsetattr mq_notify mq_open mq_timedreceive "
	  "mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap msgctl msgget "
	  "msgrcv msgsnd msync munlock munlockall munmap name_to_handle_at nanosleep newfstatat open "
	  "open_tree openat openat2 pause pidfd_getfd pidfd_open pidfd_send_signal pipe pipe2 "
	  "pivot_root pkey_alloc pkey_free pkey_mprotect poll ppoll ppoll_time64 prctl pread64 preadv "
	  "preadv2 prlimit64 process_mrelease process_vm_readv process_vm_writev pselect6 "
	  "pselect6_time64 ptrace pwrite64 pwritev pwritev2 read readahead readdir readlink "
	  "readlinkat readv reboot recv recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages "
	  "removexattr rename renameat renameat2 restart_syscall rmdir rseq rt_sigaction "
	  "rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait "
	  "rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_get_priority_max sched_get_priority_min "
	  "sched_getaffinity sched_getattr sched_getparam sched_getscheduler sched_rr_get_interval "
	  "sched_rr_get_interval_time64 sched_setaffinity sched_setattr sched_setparam "
	  "sched_setscheduler sched_yield seccomp select semctl semget semop semtimedop "
	  "semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg sendto set_mempolicy "
	  "set_robust_list set_thread_area set_tid_address setfsgid setfsgid32 setfsuid setfsuid32 "
	  "setgid setgid32 setgroups setgroups32 setitimer setns setpgid setpriority setregid "
	  "setregid32 setresgid setresgid32 setresuid setresuid32 setreuid setreuid32 setrlimit "
	  "setsid setsockopt setuid setuid32 setxattr shmat shmctl shmdt shmget shutdown sigaction "
	  "sigaltstack signal signalfd signalfd4 sigpending sigprocmask sigreturn sigsuspend "
	  "socketcall socketpair splice stat stat64 statfs statfs64 statx symlink symlinkat sync "
	  "sync_file_range syncfs syscall sysinfo syslog tee tgkill time timer_create timer_delete "
	  "timer_getoverrun timer_gettime timer_gettime64 timer_settime timer_settime64 timerfd "
	  "timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64 times "
	  "tkill truncate truncate64 ugetrlimit umask umount umount2 uname unlink unlinkat unshare "
	  "utime utimensat utimensat_time64 utimes vfork wait4 waitid waitpid write writev",
	  0, 0, 0, 0, { { 0 } } },
	/* personality: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, the query; not
	 * READ_IMPLIES_EXEC or ADDR_NO_RANDOMIZE. */
	PERSONA(0), PERSONA(8), PERSONA(0x20000), PERSONA(0x20008), PERSONA(0xffffffff),
	ON("sync_file_range2", CB_SC_PPC64LE),
	ON("arm_fadvise64_64 arm_sync_file_range breakpoint cacheflush set_tls sync_file_range2", CB_SC_ARM | CB_SC_ARM64),
	ON("arch_prctl", CB_SC_AMD64 | CB_SC_X32),
	ON("modify_ldt", CB_SC_AMD64 | CB_SC_X32 | CB_SC_X86),
	ON("s390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr", CB_SC_S390 | CB_SC_S390X),
	CAPPED("open_by_handle_at", CAP_DAC_READ_SEARCH),
	CAPPED("bpf fanotify_init lookup_dcookie perf_event_open quotactl setdomainname sethostname setns", CAP_SYS_ADMIN),
	CAPPED("chroot", CAP_SYS_CHROOT),
	CAPPED("delete_module finit_module init_module query_module", CAP_SYS_MODULE),
	CAPPED("acct", CAP_SYS_PACCT),
	CAPPED("kcmp process_madvise", CAP_SYS_PTRACE),
	CAPPED("ioperm iopl", CAP_SYS_RAWIO),
	CAPPED("clock_settime clock_settime64 settimeofday stime", CAP_SYS_TIME),
	CAPPED("vhangup", CAP_SYS_TTY_CONFIG),
	/* Without CAP_AUDIT_WRITE no audit netlink socket (EINVAL), every other socket. */
	{ "socket", EINVAL, -(CAP_AUDIT_WRITE + 1), 0, 2,
	  { { 0, SCMP_CMP_EQ, AF_NETLINK_ }, { 2, SCMP_CMP_EQ, NETLINK_AUDIT_ } } },
	{ "socket", 0, -(CAP_AUDIT_WRITE + 1), 0, 1, { { 2, SCMP_CMP_NE, NETLINK_AUDIT_ } } },
	{ "socket", 0, -(CAP_AUDIT_WRITE + 1), 0, 1, { { 0, SCMP_CMP_NE, AF_NETLINK_ } } },
	{ "socket", 0, CAP_AUDIT_WRITE + 1, 0, 0, { { 0 } } },
};
const size_t cb_seccomp_ndefault = CB_ARRAY_SIZE(cb_seccomp_default);
