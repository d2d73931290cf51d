/* SPDX-License-Identifier: MIT */
/* Processes for the benchmark: the private mviewd, fd passing, memfds, reaping. */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#ifndef MFD_HUGETLB
#define MFD_HUGETLB	0x0004U
#endif

#define DAEMON_MAX_ARGS	32

/* For the exit and signal handlers: what this process started. */
static struct bench	*cleanup_bench;
static pid_t		 cleanup_owner;

/* Where the client side and the server side run (-1: anywhere). */
static int		 pin_client = -1, pin_server = -1;

int
proc_mkdtemp(char *dir, size_t len)
{
	const char	*tmp = getenv("TMPDIR");

	if (tmp == NULL || tmp[0] != '/' || strlen(tmp) > 40)
		tmp = "/tmp";
	snprintf(dir, len, "%s/mview-bench.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "mview-bench: mkdtemp %s: %s\n", dir,
		    strerror(errno));
		return -errno;
	}
	return 0;
}

/* Start mviewd (b->mviewd) through the test harness: a fresh mkdtemp
 * directory, ready by --ready-fd, stopped and removed by daemon_stop(). */
int
daemon_start(struct bench *b, struct harness_daemon *d,
    const char *const *extra)
{
	const char	*argv[DAEMON_MAX_ARGS];
	int		 n = 0, r;

	argv[n++] = "--log-level=warning";
	for (; extra != NULL && *extra != NULL && n < DAEMON_MAX_ARGS - 1;
	    extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	if (setenv("MVIEWD", b->mviewd, 1) < 0)
		return -errno;
	if ((r = harness_daemon_start_flags(d, argv, 0)) < 0) {
		fprintf(stderr, "mview-bench: mviewd did not get ready: %s\n",
		    strerror(-r));
		return r;
	}
	proc_pin(d->pid, PIN_SERVER);
	return 0;
}

void
daemon_stop(struct harness_daemon *d)
{
	harness_daemon_stop(d);
}

const char *
bench_socket(const struct bench *b)
{
	return b->socket != NULL ? b->socket : b->daemon.socket;
}

/* VmRSS in KiB, -1 when unreadable. */
long
proc_rss_kb(pid_t pid)
{
	char	 path[64], line[256];
	long	 kb = -1;
	FILE	*f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/* Reap pid: 0 when it exited 0, else -1 with a word on stderr. */
int
proc_wait(pid_t pid, const char *what)
{
	int	status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		fprintf(stderr, "mview-bench: %s killed by signal %d\n", what,
		    WTERMSIG(status));
	else
		fprintf(stderr, "mview-bench: %s exited %d\n", what,
		    WEXITSTATUS(status));
	return -1;
}

ssize_t
proc_read_full(int fd, void *buf, size_t len)
{
	size_t	done = 0;
	ssize_t	n;

	while (done < len) {
		n = read(fd, (char *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

int
proc_write_full(int fd, const void *buf, size_t len)
{
	size_t	done = 0;
	ssize_t	n;

	while (done < len) {
		n = write(fd, (const char *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	return 0;
}

/* One packet, with fd attached when fd >= 0. */
int
proc_send_fd(int sock, const void *buf, size_t len, int fd)
{
	union {
		char		buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	align;
	} cbuf;
	struct iovec	 iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr	 msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr	*cmsg;

	if (fd >= 0) {
		memset(&cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = sizeof(cbuf.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

/* One packet; *ret_fd gets the fd it carried or -1. */
ssize_t
proc_recv_fd(int sock, void *buf, size_t len, int *ret_fd)
{
	union {
		char		buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	align;
	} cbuf;
	struct iovec	 iov = { .iov_base = buf, .iov_len = len };
	struct msghdr	 msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf),
	};
	struct cmsghdr	*cmsg;
	ssize_t		 n;

	*ret_fd = -1;
	if ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0)
		return -errno;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (cmsg != NULL && cmsg->cmsg_level == SOL_SOCKET &&
	    cmsg->cmsg_type == SCM_RIGHTS)
		memcpy(ret_fd, CMSG_DATA(cmsg), sizeof(int));
	return n;
}

/* What mviewd does for a segment: memfd, size, reserve, mode, seals. */
int
proc_memfd(uint64_t size, bool hugetlb, int *ret_fd)
{
	unsigned	flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
	int		fd, r;

	if (hugetlb)
		flags |= MFD_HUGETLB;
	if ((fd = memfd_create("mview-bench", flags)) < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0 ||
	    (size > 0 && fallocate(fd, 0, 0, (off_t)size) < 0) ||
	    fchmod(fd, 0600) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

/*
 * Keep the CPUs out of idle states while we measure (PM QoS, released when
 * the fd closes): on a VM an idle vCPU halts, and waking it costs tens of
 * microseconds that would swamp what is measured. 0 or -errno.
 */
int
proc_pm_qos_hold(int *ret_fd)
{
	int32_t	zero = 0;
	int	fd, r;

	if ((fd = open("/dev/cpu_dma_latency", O_WRONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (write(fd, &zero, sizeof(zero)) != sizeof(zero)) {
		r = -errno;
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

/*
 * Latency rows pin the client side (this process, the producer) to one
 * CPU and every server (mviewd, the floor responders, the consumer, the
 * echo server) to another: otherwise the scheduler sometimes puts both
 * ends of a ping-pong on one CPU and sometimes not, and a round trip
 * costs 10 or 20 us depending on that alone.
 */
int
proc_pin_setup(bool enable)
{
	cpu_set_t	set;
	int		n = 0;

	pin_client = pin_server = -1;
	if (!enable || sched_getaffinity(0, sizeof(set), &set) < 0)
		return -1;
	for (int cpu = 0; cpu < CPU_SETSIZE && n < 2; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		if (n++ == 0)
			pin_client = cpu;
		else
			pin_server = cpu;
	}
	if (pin_server < 0) {
		pin_client = -1;
		return -1;
	}
	proc_pin(0, PIN_CLIENT);
	return 0;
}

/* The servers' CPU, -1 when not pinning (for bench_py.py's consumers). */
int
proc_server_cpu(void)
{
	return pin_server;
}

/* Pin pid (0: ourselves) to the client's or the server's CPU, or unpin. */
void
proc_pin(pid_t pid, enum proc_pin_side side)
{
	cpu_set_t	set;
	int		cpu = side == PIN_CLIENT ? pin_client : pin_server;

	if (pin_client < 0 || pid < 0)
		return;
	CPU_ZERO(&set);
	if (side == PIN_NONE) {
		CPU_SET(pin_client, &set);
		CPU_SET(pin_server, &set);
	} else
		CPU_SET(cpu, &set);
	sched_setaffinity(pid, sizeof(set), &set);
}

static void
proc_cleanup(void)
{
	if (cleanup_bench == NULL || getpid() != cleanup_owner)
		return;
	bench_echo_stop(cleanup_bench);
	daemon_stop(&cleanup_bench->daemon);
	if (cleanup_bench->tmpdir[0] != '\0') {
		rmdir(cleanup_bench->tmpdir);
		cleanup_bench->tmpdir[0] = '\0';
	}
}

static void
proc_signal(int sig)
{
	proc_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Stop what we started on exit, ^C and SIGTERM (in this process only). */
void
proc_cleanup_register(struct bench *b)
{
	cleanup_bench = b;
	cleanup_owner = getpid();
	atexit(proc_cleanup);
	signal(SIGINT, proc_signal);
	signal(SIGTERM, proc_signal);
	signal(SIGPIPE, SIG_IGN);
}

/* Forbid every system call but write and exit: seccomp strict mode, or a
 * filter (strict mode also turns RDTSC off, which the vDSO's clock and
 * the streams' timestamps need). */
static int
proof_forbid(bool strict)
{
	struct sock_filter	filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_write, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog	prog = { sizeof(filter) / sizeof(filter[0]),
				    filter };

	if (strict)
		return prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

int
proc_syscall_proof(int (*prepare)(void *), long (*body)(void *), void *arg,
    bool strict, const char *what, char *why, size_t len)
{
	const char	*mode = strict ? "seccomp strict" : "seccomp";
	long		 bad = -1;
	int		 pfd[2], status = 0;
	pid_t		 pid;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(why, len, "pipe: %s", strerror(errno));
		return 0;
	}
	fflush(NULL);
	if ((pid = fork()) == 0) {
		close(pfd[0]);
		if ((prepare != NULL && prepare(arg) < 0) ||
		    proof_forbid(strict) < 0)
			_exit(3);
		bad = body(arg);
		if (write(pfd[1], &bad, sizeof(bad)) != sizeof(bad))
			syscall(SYS_exit, 2);
		syscall(SYS_exit, 0);
	}
	close(pfd[1]);
	if (pid < 0 || proc_read_full(pfd[0], &bad, sizeof(bad)) !=
	    sizeof(bad))
		bad = -1;
	close(pfd[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	if (pid > 0 && WIFSIGNALED(status)) {
		snprintf(why, len, "killed by signal %d under %s: a system call",
		    WTERMSIG(status), mode);
		return 0;
	}
	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    bad != 0) {
		snprintf(why, len, "proof child failed (status %d, %ld errors)",
		    pid > 0 ? status : -1, bad);
		return 0;
	}
	snprintf(why, len, "0 syscalls in %s (%s)", what, mode);
	return 1;
}
