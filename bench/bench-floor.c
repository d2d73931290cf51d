/* SPDX-License-Identifier: MIT */
/* The kernel's floor, measured in the same run: ping-pong, fd + mmap, memfd, echo server. */
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define FLOOR_WARMUP	200
#define ECHO_MAXEV	64

/*
 * The other end of a ping-pong: answer each packet, with fd when fd >= 0.
 * With epoll, wait in epoll_wait() before each read, as an event loop
 * serving many clients does (mviewd's libevent loop): that wakeup costs more.
 */
static void
floor_responder(int sock, int fd, bool epoll)
{
	struct epoll_event	ev = { .events = EPOLLIN };
	char			buf[BENCH_MSG];
	int			ep = -1;
	ssize_t			n;

	if (epoll && ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    fcntl(sock, F_SETFL, O_NONBLOCK) < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, sock, &ev) < 0))
		_exit(1);
	for (;;) {
		if (ep >= 0 && epoll_wait(ep, &ev, 1, -1) < 0 && errno != EINTR)
			_exit(1);
		n = recv(sock, buf, sizeof(buf), 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			_exit(0);
		if (proc_send_fd(sock, buf, (size_t)n, fd) < 0)
			_exit(1);
	}
}

/* In the child: keep only our socket and memfd, so that no other pair's
 * socket stays open here (its responder would never see EOF). */
static void
floor_responder_start(int sock, int fd, bool epoll)
{
	int	s = fcntl(sock, F_DUPFD_CLOEXEC, 1000);
	int	f = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 1001) : -1;

	if (s < 0)
		_exit(1);
	proc_pin(0, PIN_SERVER);
	close_range(3, 999, 0);
	close_range(1002, ~0U, 0);
	floor_responder(s, f, epoll);
}

/* Two processes over a SOCK_SEQPACKET socketpair; mapsize > 0 passes a
 * memfd; epoll makes the responder an event loop. */
static int
floor_pair_open_as(struct floor_pair *fp, uint64_t mapsize, bool epoll)
{
	int	sv[2], r;

	fp->sock = fp->fd = -1;
	fp->pid = -1;
	fp->mapsize = mapsize;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	if (mapsize > 0 && (r = proc_memfd(mapsize, false, &fp->fd)) < 0) {
		close(sv[0]);
		close(sv[1]);
		return r;
	}
	fflush(NULL);
	if ((fp->pid = fork()) == 0)
		floor_responder_start(sv[1], fp->fd, epoll);
	close(sv[1]);
	fp->sock = sv[0];
	if (fp->pid < 0) {
		floor_pair_close(fp);
		return -EAGAIN;
	}
	return 0;
}

int
floor_pair_open(struct floor_pair *fp, uint64_t mapsize)
{
	return floor_pair_open_as(fp, mapsize, false);
}

void
floor_pair_close(struct floor_pair *fp)
{
	if (fp->sock >= 0)
		close(fp->sock);	/* the responder sees EOF and exits */
	if (fp->pid > 0)
		proc_wait(fp->pid, "floor responder");
	if (fp->fd >= 0)
		close(fp->fd);
	fp->sock = fp->fd = -1;
	fp->pid = -1;
}

/* One request and its answer; with a memfd, map the fd that came with it. */
int
floor_pair_sample(struct floor_pair *fp, int64_t *ret_ns)
{
	char	 buf[BENCH_MSG] = { 'p' };
	void	*p = NULL;
	int64_t	 t0, t1;
	int	 fd;

	t0 = now_ns();
	if (send(fp->sock, buf, sizeof(buf), MSG_NOSIGNAL) < 0)
		return -errno;
	if (proc_recv_fd(fp->sock, buf, sizeof(buf), &fd) <= 0)
		return -EIO;
	if (fp->mapsize > 0) {
		if (fd < 0)
			return -EPROTO;
		p = mmap(NULL, fp->mapsize, PROT_READ, MAP_SHARED, fd, 0);
		close(fd);
		if (p == MAP_FAILED)
			return -errno;
	} else if (fd >= 0)
		close(fd);
	t1 = now_ns();
	if (p != NULL)
		munmap(p, fp->mapsize);
	*ret_ns = t1 - t0;
	return 0;
}

static int
floor_pingpong(struct bench *b, const char *key, const char *name,
    uint64_t mapsize, bool epoll, long iters)
{
	struct floor_pair	fp;
	struct samples		s;
	int64_t			ns = 0;
	int			r;

	if ((r = floor_pair_open_as(&fp, mapsize, epoll)) < 0)
		return r;
	samples_init(&s);
	for (long i = 0; i < iters + FLOOR_WARMUP; i++) {
		if ((r = floor_pair_sample(&fp, &ns)) < 0)
			break;
		if (i >= FLOOR_WARMUP)
			samples_add(&s, (double)ns);
	}
	floor_pair_close(&fp);
	if (r == 0)
		bench_row_print(b, bench_row_samples(b, key, name, &s));
	samples_free(&s);
	return r;
}

/* memfd_create + ftruncate + fallocate + fchmod + seals, timed; close not. */
int
floor_memfd_sample(uint64_t size, int64_t *ret_ns)
{
	int64_t	t0 = now_ns();
	int	fd, r;

	if ((r = proc_memfd(size, false, &fd)) < 0)
		return r;
	*ret_ns = now_ns() - t0;
	close(fd);
	return 0;
}

static int
floor_memfd(struct bench *b, const char *key, const char *name,
    uint64_t size, long iters)
{
	struct samples	s;
	long		warm = size < MIB ? FLOOR_WARMUP : 1;
	int64_t		ns = 0;
	int		r = 0;

	samples_init(&s);
	for (long i = 0; i < iters + warm; i++) {
		if ((r = floor_memfd_sample(size, &ns)) < 0)
			break;
		if (i >= warm)
			samples_add(&s, (double)ns);
	}
	if (r == 0)
		bench_row_print(b, bench_row_samples(b, key, name, &s));
	else
		fprintf(stderr, "mview-bench: memfd floor: %s\n", strerror(-r));
	samples_free(&s);
	return r;
}

/* A null system call: what any operation that enters the kernel costs at least. */
static int
floor_syscall(struct bench *b, long batches)
{
	struct samples	s;
	int64_t		t0;

	samples_init(&s);
	for (long i = 0; i < batches; i++) {
		t0 = now_ns();
		for (int j = 0; j < 1000; j++)
			syscall(SYS_getppid);
		samples_add(&s, (double)(now_ns() - t0) / 1000);
	}
	bench_row_print(b, bench_row_samples(b, "floor.syscall",
	    "null system call (getppid)", &s));
	samples_free(&s);
	return 0;
}

static int
echo_connect(const char *path)
{
	struct sockaddr_un	sun = { .sun_family = AF_UNIX };
	int			fd;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/* connect + one round trip to the echo server: the floor of connect + hello. */
int
floor_connect_sample(struct bench *b, int64_t *ret_ns)
{
	char	buf[BENCH_MSG] = { 'c' };
	int64_t	t0 = now_ns(), t1;
	int	fd, r = 0;

	if ((fd = echo_connect(b->echo_sock)) < 0)
		return fd;
	if (send(fd, buf, sizeof(buf), MSG_NOSIGNAL) < 0 ||
	    recv(fd, buf, sizeof(buf), 0) <= 0)
		r = -EIO;
	t1 = now_ns();
	close(fd);
	*ret_ns = t1 - t0;
	return r;
}

static int
floor_connect(struct bench *b, long iters)
{
	struct samples	s;
	int64_t		ns = 0;
	int		r = 0;

	samples_init(&s);
	for (long i = 0; i < iters + FLOOR_WARMUP; i++) {
		if ((r = floor_connect_sample(b, &ns)) < 0)
			break;
		if (i >= FLOOR_WARMUP)
			samples_add(&s, (double)ns);
	}
	if (r == 0)
		bench_row_print(b, bench_row_samples(b, "floor.connect",
		    "raw connect + round trip (echo server)", &s));
	samples_free(&s);
	return r;
}

int
bench_floors(struct bench *b)
{
	long	n = bench_iters(b, 20000, 3000);

	bench_section(b, "floor", "floors: the kernel's minimum, this run");
	floor_pingpong(b, "floor.rt", "raw seqpacket round trip (2 processes)",
	    0, false, n);
	floor_pingpong(b, "floor.rt_epoll", "raw round trip, epoll responder",
	    0, true, n);
	floor_pingpong(b, "floor.rt_fd_mmap", "raw round trip + fd passed + mmap",
	    BENCH_SMALL, false, n);
	floor_memfd(b, "floor.memfd_small", "memfd+ftruncate+fallocate+seals 4K",
	    BENCH_SMALL, n);
	floor_memfd(b, "floor.memfd_1g", "memfd+ftruncate+fallocate+seals 1G",
	    GIB, bench_iters(b, 15, 4));
	floor_syscall(b, bench_iters(b, 500, 100));
	if (b->echo_pid > 0)
		floor_connect(b, bench_iters(b, 5000, 1000));
	return 0;
}

/* ----------------------------------------------------- the echo server */

static void
echo_accept(int ep, int lfd)
{
	struct epoll_event	ev = { .events = EPOLLIN };
	int			fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		ev.data.fd = fd;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			close(fd);
	}
}

/* One packet per readiness: epoll is level-triggered, and a client that
 * waits for each answer never has a second one queued (no EAGAIN read). */
static void
echo_serve(int fd)
{
	char	buf[BENCH_MSG * 4];
	ssize_t	n;

	do
		n = recv(fd, buf, sizeof(buf), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0 || send(fd, buf, (size_t)n, MSG_NOSIGNAL) < 0)
		close(fd);	/* also leaves the epoll set */
}

/* A single-threaded epoll echo server on SOCK_SEQPACKET: the rate to beat. */
static void
echo_main(int lfd)
{
	struct epoll_event	ev = { .events = EPOLLIN, .data.fd = lfd };
	struct epoll_event	evs[ECHO_MAXEV];
	int			ep, n;

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
		_exit(1);
	for (;;) {
		n = epoll_wait(ep, evs, ECHO_MAXEV, -1);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == lfd)
				echo_accept(ep, lfd);
			else
				echo_serve(evs[i].data.fd);
		}
	}
}

int
bench_echo_start(struct bench *b)
{
	struct sockaddr_un	sun = { .sun_family = AF_UNIX };
	int			lfd;

	snprintf(b->echo_sock, sizeof(b->echo_sock), "%s/echo.sock", b->tmpdir);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", b->echo_sock);
	lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -errno;
	if (bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(lfd, 256) < 0) {
		int r = -errno;

		close(lfd);
		return r;
	}
	fflush(NULL);
	if ((b->echo_pid = fork()) == 0) {
		proc_pin(0, PIN_SERVER);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		echo_main(lfd);
	}
	close(lfd);
	return b->echo_pid > 0 ? 0 : -errno;
}

void
bench_echo_stop(struct bench *b)
{
	int	status;

	if (b->echo_pid > 0) {
		kill(b->echo_pid, SIGTERM);
		waitpid(b->echo_pid, &status, 0);
		b->echo_pid = -1;
	}
	if (b->echo_sock[0] != '\0') {
		unlink(b->echo_sock);
		b->echo_sock[0] = '\0';
	}
}

/* A client of the echo server: one 64-byte ping-pong per op. */
int
bench_echo_client_cb(struct bench *b, void *arg, struct tput_ctx *t)
{
	char	buf[BENCH_MSG] = { 'e' };
	int64_t	t0;
	int	fd;

	if ((fd = echo_connect(b->echo_sock)) < 0)
		return fd;
	tput_go(t);
	for (long i = 0; i < t->nops; i++) {
		t0 = now_ns();
		if (send(fd, buf, sizeof(buf), MSG_NOSIGNAL) < 0 ||
		    recv(fd, buf, sizeof(buf), 0) <= 0) {
			close(fd);
			return -EIO;
		}
		tput_record(t, t0, now_ns());
	}
	tput_done(t);
	close(fd);
	return 0;
}
