/* SPDX-License-Identifier: MIT */
/* The data plane: make an array visible to a second process, by mview and by copying. */
#include <sys/mman.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "mview.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#endif

#define DATA_BUF	(4u << 20)	/* socket buffers: give copies their best case */

enum data_kind {
	DATA_MVIEW = 1,		/* look name up, read the last byte */
	DATA_FD,		/* the fd that came along: mmap, read */
	DATA_PIPE,		/* read size bytes from the pipe */
	DATA_SOCK,		/* read size bytes from the stream socket */
	DATA_ALLOC,		/* make (and fault in) a buffer of size */
};

struct data_msg {
	int		kind;
	bool		populate;
	uint64_t	size;
	char		name[96];
};

struct data_ack {
	int		err;
	unsigned char	byte;
};

/* The two processes and their channels. */
struct data_pair {
	pid_t	pid;
	int	ctl;		/* SOCK_SEQPACKET: messages, fds, acks */
	int	pipe_w;		/* pipe to the consumer */
	int	sock;		/* SOCK_STREAM to the consumer */
};

static const struct {
	uint64_t	 size;
	const char	*label;
} data_sizes[] = {
	{ KIB, "1K" }, { MIB, "1M" }, { 64 * MIB, "64M" }, { GIB, "1G" },
};

#define DATA_NSIZES	(sizeof(data_sizes) / sizeof(data_sizes[0]))

/* ------------------------------------------------------------ consumer */

static void
data_ack(int ctl, int err, unsigned char byte)
{
	struct data_ack	a = { .err = err, .byte = byte };

	if (send(ctl, &a, sizeof(a), MSG_NOSIGNAL) < 0)
		_exit(1);
}

static void
data_consume_fd(int ctl, const struct data_msg *m, int fd)
{
	int	 flags = MAP_SHARED | (m->populate ? MAP_POPULATE : 0);
	void	*p;

	if (fd < 0) {
		data_ack(ctl, -EPROTO, 0);
		return;
	}
	p = mmap(NULL, m->size, PROT_READ, flags, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		data_ack(ctl, -errno, 0);
		return;
	}
	data_ack(ctl, 0, ((const volatile unsigned char *)p)[m->size - 1]);
	munmap(p, m->size);
}

static void
data_consume_copy(int ctl, int from, const struct data_msg *m, char *dst)
{
	ssize_t	n;

	if (dst == NULL) {
		data_ack(ctl, -ENOMEM, 0);
		return;
	}
	n = proc_read_full(from, dst, m->size);
	data_ack(ctl, n == (ssize_t)m->size ? 0 : -EIO,
	    (unsigned char)dst[m->size - 1]);
}

/* Look the view up, read its last byte, ack; then let go (unmap) untimed. */
static void
data_consume_mview(int ctl, struct mview_client *c, const struct data_msg *m)
{
	struct mview_view	*v;

	if (c == NULL || mview_view_lookup(c, m->name, 0, &v) < 0) {
		data_ack(ctl, -ENOENT, 0);
		return;
	}
	if (m->populate)	/* what MAP_POPULATE would do; the API has no flag */
		madvise(mview_view_mapping_base(v), mview_view_mapping_size(v),
		    MADV_POPULATE_READ);
	data_ack(ctl, 0, ((const volatile unsigned char *)mview_view_data(v))
	    [mview_view_nbytes(v) - 1]);
	mview_view_release(v);
}

static char *
data_alloc(uint64_t size)
{
	char	*p = malloc(size);

	if (p != NULL)
		memset(p, 0x5a, size);	/* fault it in: copies get their best case */
	return p;
}

static void
data_consumer_loop(struct mview_client *c, int ctl, int pipe_r, int sock)
{
	struct data_msg	 m;
	char		*dst = NULL;
	int		 fd;

	while (proc_recv_fd(ctl, &m, sizeof(m), &fd) == (ssize_t)sizeof(m)) {
		switch (m.kind) {
		case DATA_MVIEW:
			data_consume_mview(ctl, c, &m);
			break;
		case DATA_FD:
			data_consume_fd(ctl, &m, fd);
			break;
		case DATA_PIPE:
			data_consume_copy(ctl, pipe_r, &m, dst);
			break;
		case DATA_SOCK:
			data_consume_copy(ctl, sock, &m, dst);
			break;
		case DATA_ALLOC:
			free(dst);
			dst = m.size > 0 ? data_alloc(m.size) : NULL;
			data_ack(ctl, dst != NULL || m.size == 0 ? 0 : -ENOMEM, 0);
			break;
		}
		data_ack(ctl, 0, 'R');		/* cleaned up: next, please */
	}
	free(dst);
}

/* ------------------------------------------------------------ producer */

static int
data_pair_start(struct bench *b, struct data_pair *dp)
{
	struct mview_client	*c = NULL;
	int			 ctl[2], pfd[2], sv[2], bufsz = DATA_BUF;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0)
		return -errno;
	if (pipe2(pfd, O_CLOEXEC) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	fcntl(pfd[1], F_SETPIPE_SZ, 1 << 20);	/* the most an unprivileged pipe gets */
	for (int i = 0; i < 2; i++) {
		setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
		setsockopt(sv[i], SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	}
	fflush(NULL);
	if ((dp->pid = fork()) == 0) {
		proc_pin(0, PIN_SERVER);
		close(ctl[0]);
		close(pfd[1]);
		close(sv[0]);
		if (mview_client_connect(bench_socket(b), &c) < 0)
			c = NULL;
		data_consumer_loop(c, ctl[1], pfd[0], sv[1]);
		_exit(0);
	}
	close(ctl[1]);
	close(pfd[0]);
	close(sv[1]);
	dp->ctl = ctl[0];
	dp->pipe_w = pfd[1];
	dp->sock = sv[0];
	return dp->pid > 0 ? 0 : -EAGAIN;
}

static void
data_pair_stop(struct data_pair *dp)
{
	close(dp->ctl);
	close(dp->pipe_w);
	close(dp->sock);
	if (dp->pid > 0)
		proc_wait(dp->pid, "data consumer");
}

static int
data_wait_ack(struct data_pair *dp, struct data_ack *ret)
{
	ssize_t	n = recv(dp->ctl, ret, sizeof(*ret), 0);

	if (n != (ssize_t)sizeof(*ret))
		return -EIO;
	return ret->err;
}

/* Send m (with fd), push size bytes into `to` when given, wait for the ack. */
static int
data_exchange(struct data_pair *dp, const struct data_msg *m, int fd,
    int to, const char *src, int64_t *ret_ns)
{
	struct data_ack	a;
	int64_t		t0 = now_ns();
	int		r;

	if ((r = proc_send_fd(dp->ctl, m, sizeof(*m), fd)) < 0)
		return r;
	if (to >= 0 && (r = proc_write_full(to, src, m->size)) < 0)
		return r;
	if ((r = data_wait_ack(dp, &a)) < 0)
		return r;
	*ret_ns = now_ns() - t0;
	return data_wait_ack(dp, &a);	/* the consumer's clean-up, untimed */
}

static struct bench_row *
data_row(struct bench *b, const char *transport, int i, const char *what,
    struct samples *s, const char *floor_transport)
{
	struct bench_row	*r;
	char			 key[64], name[64], fkey[64];

	snprintf(key, sizeof(key), "data.%s.%s", transport, data_sizes[i].label);
	snprintf(name, sizeof(name), "share %s via %s", data_sizes[i].label,
	    what);
	r = bench_row_samples(b, key, name, s);
	r->size = data_sizes[i].size;
	if (floor_transport != NULL) {
		snprintf(fkey, sizeof(fkey), "data.%s.%s", floor_transport,
		    data_sizes[i].label);
		bench_row_floor(b, r, fkey);
	}
	bench_row_print(b, r);
	return r;
}

/* The kernel floor of sharing: pass the memfd itself, map, read a byte. */
static int
data_fd(struct bench *b, struct data_pair *dp, int i, long iters,
    bool populate)
{
	struct data_msg	 m = { .kind = DATA_FD, .populate = populate };
	struct samples	 s;
	uint64_t	 size = data_sizes[i].size;
	int64_t		 ns;
	void		*p;
	int		 fd, r;

	if ((r = proc_memfd(size, false, &fd)) < 0)
		return r;
	if ((p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	    0)) != MAP_FAILED) {
		memset(p, 0xab, size);
		munmap(p, size);
	}
	m.size = size;
	samples_init(&s);
	for (long k = 0; k < iters + 1 && r == 0; k++) {
		if ((r = data_exchange(dp, &m, fd, -1, NULL, &ns)) == 0 && k > 0)
			samples_add(&s, (double)ns);
	}
	close(fd);
	if (r == 0)
		data_row(b, populate ? "fd_populate" : "fd", i, populate ?
		    "raw fd + mmap(MAP_POPULATE)" : "raw fd + mmap (floor)", &s,
		    populate ? "fd" : NULL);
	samples_free(&s);
	return r;
}

/* mview: the producer publishes a view of a filled segment; the consumer looks it up. */
static int
data_mview_loop(struct bench *b, struct data_pair *dp, struct mview_client *c,
    struct mview_view *v, int i, long iters, bool populate, const char *tag,
    struct samples *s)
{
	struct data_msg	m = { .kind = DATA_MVIEW, .populate = populate };
	int64_t		t0, tpub, ns;
	int		r = 0;

	m.size = data_sizes[i].size;
	for (long k = 0; k < iters + 1 && r == 0; k++) {
		snprintf(m.name, sizeof(m.name), "bench.share.%ld.%s%s.%ld",
		    (long)getpid(), data_sizes[i].label, tag, k);
		t0 = now_ns();
		if ((r = mview_view_publish(c, m.name, v, 0)) < 0)
			break;
		tpub = now_ns() - t0;
		r = data_exchange(dp, &m, -1, -1, NULL, &ns);
		if (r == 0 && k > 0)
			samples_add(s, (double)(tpub + ns));
		mview_view_unpublish(c, m.name);
	}
	return r;
}

static int
data_mview(struct bench *b, struct data_pair *dp, struct mview_client *c,
    int i, long iters, bool populate, bool hugetlb)
{
	struct mview_segment	*seg;
	struct mview_view	*v;
	struct samples		 s;
	uint64_t		 size = data_sizes[i].size;
	char			 name[64];
	const char		*tag = hugetlb ? "_huge" : populate ? "_populate" : "";
	int64_t			 shape = (int64_t)data_sizes[i].size;
	int			 r;

	if (hugetlb)
		size = (size + 2 * MIB - 1) / (2 * MIB) * (2 * MIB);
	snprintf(name, sizeof(name), "bench.data.%ld.%s%s", (long)getpid(),
	    data_sizes[i].label, tag);
	r = mview_segment_create(c, name, size, 0600, MVIEW_LIFETIME_PERSISTENT,
	    hugetlb ? MVIEW_CREATE_HUGETLB : 0, &seg);
	if (r < 0) {
		fprintf(stderr, "mview-bench: create %s: %s (%s)\n", name,
		    mview_strerror(r), mview_client_last_error(c));
		return r;
	}
	memset(mview_segment_data(seg), 0xab, size);	/* the producer's work */
	if ((r = mview_view_new(seg, "B", 1, &shape, NULL, 0, &v, NULL)) == 0) {
		samples_init(&s);
		r = data_mview_loop(b, dp, c, v, i, iters, populate, tag, &s);
		if (r == 0) {
			char transport[32], what[48];

			snprintf(transport, sizeof(transport), "mview%s", tag);
			snprintf(what, sizeof(what), "mview%s", hugetlb ?
			    " (hugetlb)" : populate ? " + MADV_POPULATE_READ" :
			    " (publish, lookup, read)");
			data_row(b, transport, i, what, &s, populate ?
			    "fd_populate" : "fd");
		}
		samples_free(&s);
		mview_view_release(v);
	}
	mview_segment_close(seg);
	mview_segment_delete(c, name);
	return r;
}

/* Copies: the producer writes size bytes into a pipe or socket; memcpy in-process. */
static int
data_copy(struct bench *b, struct data_pair *dp, int i, long iters,
    const char *src, bool sock)
{
	struct data_msg	m = { .kind = sock ? DATA_SOCK : DATA_PIPE };
	struct samples	s;
	int64_t		ns;
	int		r = 0;

	m.size = data_sizes[i].size;
	samples_init(&s);
	for (long k = 0; k < iters + 1 && r == 0; k++) {
		r = data_exchange(dp, &m, -1, sock ? dp->sock : dp->pipe_w, src,
		    &ns);
		if (r == 0 && k > 0)
			samples_add(&s, (double)ns);
	}
	if (r == 0)
		data_row(b, sock ? "socket" : "pipe", i, sock ?
		    "AF_UNIX stream copy" : "pipe copy", &s, "memcpy");
	samples_free(&s);
	return r;
}

static void
data_memcpy(struct bench *b, int i, long iters, const char *src, char *dst)
{
	struct samples	s;
	int64_t		t0;

	samples_init(&s);
	for (long k = 0; k < iters + 1; k++) {
		t0 = now_ns();
		memcpy(dst, src, data_sizes[i].size);
		__asm__ volatile("" : : "r"(dst) : "memory");
		if (k > 0)
			samples_add(&s, (double)(now_ns() - t0));
	}
	data_row(b, "memcpy", i, "memcpy (one process)", &s, NULL);
	samples_free(&s);
}

static long
data_iters(const struct bench *b, int i)
{
	static const long normal[] = { 2000, 500, 30, 7 };
	static const long quick[] = { 300, 100, 8, 3 };

	return bench_iters(b, normal[i], quick[i]);
}

/* Free huge pages, in bytes; 0 when there is no pool. */
static uint64_t
data_hugetlb_free(void)
{
	char		 line[128];
	unsigned long	 free_pages = 0, kb = 0;
	FILE		*f = fopen("/proc/meminfo", "re");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		sscanf(line, "HugePages_Free: %lu", &free_pages);
		sscanf(line, "Hugepagesize: %lu kB", &kb);
	}
	fclose(f);
	return (uint64_t)free_pages * kb * 1024;
}

static void
data_one_size(struct bench *b, struct data_pair *dp, struct mview_client *c,
    int i, char *src, char *dst)
{
	struct data_msg	 alloc = { .kind = DATA_ALLOC };
	struct data_ack	 a;
	long		 iters = data_iters(b, i);
	uint64_t	 size = data_sizes[i].size;

	data_fd(b, dp, i, iters, false);
	data_mview(b, dp, c, i, iters, false, false);
	if (b->populate) {
		data_fd(b, dp, i, iters, true);
		data_mview(b, dp, c, i, iters, true, false);
	}
	if (b->hugetlb) {
		if (data_hugetlb_free() >= (size + 2 * MIB - 1) / (2 * MIB) * 2 * MIB)
			data_mview(b, dp, c, i, iters, false, true);
		else
			bench_skip(b, "share via mview (hugetlb)", "not enough "
			    "free huge pages (see HugePages_Free in /proc/meminfo; "
			    "sysctl vm.nr_hugepages=N)");
	}
	alloc.size = size;
	if (proc_send_fd(dp->ctl, &alloc, sizeof(alloc), -1) == 0 &&
	    data_wait_ack(dp, &a) == 0 && data_wait_ack(dp, &a) == 0) {
		data_copy(b, dp, i, iters, src, false);
		data_copy(b, dp, i, iters, src, true);
	}
	data_memcpy(b, i, iters, src, dst);
	alloc.size = 0;
	if (proc_send_fd(dp->ctl, &alloc, sizeof(alloc), -1) == 0) {
		data_wait_ack(dp, &a);
		data_wait_ack(dp, &a);
	}
}

int
bench_data(struct bench *b)
{
	struct mview_client	*c;
	struct data_pair	 dp;
	char			*src, *dst;
	int			 r;

	bench_section(b, "data", "data plane: an array visible to a second "
	    "process (ratio: mview vs the raw fd floor, copies vs memcpy)");
	if (b->hugetlb && data_hugetlb_free() == 0)
		bench_skip(b, "--hugetlb", "no huge page pool on this machine "
		    "(HugePages_Free is 0): as root, sysctl vm.nr_hugepages=N "
		    "with N * 2 MiB >= the largest size");
	if ((r = mview_client_connect(bench_socket(b), &c)) < 0)
		return r;
	if ((r = data_pair_start(b, &dp)) < 0) {
		mview_client_close(c);
		return r;
	}
	for (size_t i = 0; i < DATA_NSIZES; i++) {
		bench_progress("data plane: %s", data_sizes[i].label);
		src = data_alloc(data_sizes[i].size);
		dst = data_alloc(data_sizes[i].size);
		if (src != NULL && dst != NULL)
			data_one_size(b, &dp, c, (int)i, src, dst);
		free(src);
		free(dst);
	}
	data_pair_stop(&dp);
	mview_client_close(c);
	return 0;
}
