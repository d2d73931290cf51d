/* SPDX-License-Identifier: MIT */
/* Streams: frame hand-off latency, frame rate and publish cost of the ring, against a cache line, a futex, a pipe and iceoryx. */
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/futex.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "bench-stream.h"
#include "stream-ring.h"

#define HS_SMALL	64
#define HS_HD		(1920 * 1080 * 3)
#define HS_MAXRECV	4

/* The one-way methods a hand-off row can use. */
enum hs_method {
	HS_CACHELINE,	/* a store seen by a spinning reader: the busy floor */
	HS_FUTEX,	/* a store + FUTEX_WAKE to a sleeping reader: the blocking floor */
	HS_PIPE,	/* 64 bytes through a pipe */
	HS_RING_BUSY,	/* our ring, consumers spinning */
	HS_RING_BLOCK,	/* our ring, consumers asleep on the futex */
	HS_IOX_BUSY,	/* iceoryx, the subscriber polling take_chunk */
	HS_IOX_WS,	/* iceoryx, the subscriber asleep in a WaitSet */
	HS_API_BUSY,	/* mview_stream_* against mviewd, consumers spinning */
	HS_API_BLOCK,	/* mview_stream_* against mviewd, consumers asleep */
};

static bool
hs_busy(enum hs_method m)
{
	return m == HS_CACHELINE || m == HS_RING_BUSY || m == HS_IOX_BUSY ||
	    m == HS_API_BUSY;
}

static bool
hs_is_api(enum hs_method m)
{
	return m == HS_API_BUSY || m == HS_API_BLOCK;
}

static bool
hs_is_ring(enum hs_method m)
{
	return m == HS_RING_BUSY || m == HS_RING_BLOCK;
}

static bool
hs_is_iox(enum hs_method m)
{
	return m == HS_IOX_BUSY || m == HS_IOX_WS;
}

/* Shared by the sender and its receivers (a memfd mapped before fork). */
struct hs_shared {
	alignas(64) _Atomic uint64_t go;	/* the floors' message: seq */
	_Atomic int64_t	 t0;			/* in the same line: when sent */
	_Atomic uint32_t go_futex;
	alignas(64) _Atomic uint32_t acks;	/* receivers done with message n */
	alignas(64) _Atomic uint64_t ack[HS_MAXRECV];
	alignas(64) _Atomic uint32_t stop;
};

struct hs_run {
	enum hs_method	 method;
	unsigned	 nrecv;
	uint64_t	 nbytes;
	long		 n;
	const char	*sock;		/* the API rows' mviewd */
	struct hs_shared *sh;
	struct stream_test_ring *ring;
	int		 pipes[HS_MAXRECV][2];
};

static long
hs_futex(_Atomic uint32_t *addr, int op, uint32_t val)
{
	return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}

/* ------------------------------------------------- a ring over memfds */

/* The daemon's part done by hand: memfds, control init, leases. */
int
bench_ring_create(struct stream_test_ring *r, uint32_t nslots,
    uint64_t capacity, uint32_t nconsumers, uint32_t holds)
{
	struct stream_frame_desc	layout;
	void				*p;
	uint32_t			 i;
	int				 e;

	memset(r, 0, sizeof(*r));
	if ((e = stream_geometry_init(&r->geo, nslots, capacity, nconsumers,
	    holds)) < 0)
		return e;
	r->control_size = stream_control_size(&r->geo);
	r->data_size = stream_data_size(&r->geo);
	if ((e = proc_memfd(r->control_size, false, &r->control_fd)) < 0)
		return e;
	if ((e = proc_memfd(r->data_size, false, &r->data_fd)) < 0 ||
	    (e = stream_map(r->control_fd, r->control_size, true, &p)) < 0)
		return e;
	r->control = p;
	if ((e = stream_map(r->data_fd, r->data_size, true, &p)) < 0)
		return e;
	r->data = p;
	for (i = 0; i < r->geo.max_consumers; i++) {
		if ((e = proc_memfd(STREAM_LEASE_SIZE, false,
		    &r->lease_fd[i])) < 0 ||
		    (e = stream_map(r->lease_fd[i], STREAM_LEASE_SIZE, true,
		    &p)) < 0)
			return e;
		r->leases[i] = p;
	}
	memset(&layout, 0, sizeof(layout));
	layout.itemsize = 1;
	layout.ndim = 1;
	layout.format[0] = 'B';
	layout.shape[0] = (int64_t)capacity;
	layout.strides[0] = 1;
	return stream_control_init(r->control, &r->geo, &layout, 1);
}

void
bench_ring_destroy(struct stream_test_ring *r)
{
	uint32_t	i;

	for (i = 0; i < r->geo.max_consumers; i++) {
		stream_unmap(r->leases[i], STREAM_LEASE_SIZE);
		if (r->leases[i] != NULL)
			close(r->lease_fd[i]);
	}
	stream_unmap(r->control, r->control_size);
	stream_unmap(r->data, r->data_size);
	if (r->control != NULL)
		close(r->control_fd);
	if (r->data != NULL)
		close(r->data_fd);
	memset(r, 0, sizeof(*r));
}

/* A consumer in a child: its own read-only mappings, as a client's. */
static int
ring_consumer(struct stream_test_ring *r, uint32_t pos,
    struct stream_consumer *c)
{
	void	*control, *data, *lease;
	int	 e;

	if ((e = stream_map(r->control_fd, r->control_size, false,
	    &control)) < 0 ||
	    (e = stream_map(r->data_fd, r->data_size, false, &data)) < 0 ||
	    (e = stream_map(r->lease_fd[pos], STREAM_LEASE_SIZE, true,
	    &lease)) < 0)
		return e;
	return stream_consumer_attach(c, &r->geo, control, data, false, lease,
	    pos);
}

/* ------------------------------------------------------ the receivers */

/* End a hand-off child. An iceoryx process leaves through exit(): its
 * runtime tells RouDi it is gone only from a static destructor, and a
 * RouDi (monitoring off) still counting a process that _exit()ed tries
 * to kill it when stopped, fails (no such process) and aborts. */
static _Noreturn void
hs_exit(const struct hs_run *h, int code)
{
	if (hs_is_api(h->method))
		bench_api_close();
	if (!hs_is_iox(h->method))
		_exit(code);
	bench_iox_close();
	exit(code);
}

/* Wait for message seq by method; the time it was sent. */
static int64_t
hs_receive(struct hs_run *h, unsigned idx, struct stream_consumer *c,
    uint64_t seq)
{
	static const struct stream_wait busy = { -1, UINT32_MAX };
	static const struct stream_wait block = { -1, 0 };
	struct stream_frame	 f;
	char			 buf[HS_SMALL];
	volatile uint8_t	 sink;
	uint32_t		 v;
	int64_t			 t0;

	switch (h->method) {
	case HS_CACHELINE:
		while (atomic_load_explicit(&h->sh->go,
		    memory_order_acquire) != seq)
			;
		return atomic_load_explicit(&h->sh->t0, memory_order_relaxed);
	case HS_FUTEX:
		while ((v = atomic_load(&h->sh->go_futex)) != (uint32_t)seq)
			hs_futex(&h->sh->go_futex, FUTEX_WAIT, v);
		return atomic_load_explicit(&h->sh->t0, memory_order_relaxed);
	case HS_PIPE:
		if (proc_read_full(h->pipes[idx][0], buf, sizeof(buf)) !=
		    sizeof(buf))
			_exit(5);
		memcpy(&t0, buf, sizeof(t0));
		return t0;
	case HS_IOX_BUSY:
	case HS_IOX_WS:
		if ((t0 = bench_iox_receive(h->nbytes, seq)) < 0)
			hs_exit(h, 6);
		return t0;
	case HS_API_BUSY:
	case HS_API_BLOCK:
		if ((t0 = bench_api_receive(h->nbytes, seq)) < 0)
			hs_exit(h, 6);
		return t0;
	default:
		if (stream_consumer_next(c, seq - 1, h->method == HS_RING_BUSY ?
		    &busy : &block, &f) < 0 || f.seq != seq)
			_exit(6);
		sink = ((const uint8_t *)f.data)[0];
		sink = ((const uint8_t *)f.data)[h->nbytes - 1];
		(void)sink;
		t0 = (int64_t)f.timestamp_ns;
		stream_consumer_release(c, &f);
		return t0;
	}
}

/* Tell the sender message seq is done (spinning sender or sleeping). */
static void
hs_ack(struct hs_run *h, unsigned idx, uint64_t seq)
{
	if (hs_busy(h->method)) {
		atomic_store_explicit(&h->sh->ack[idx], seq + 1,
		    memory_order_release);
		return;
	}
	atomic_fetch_add(&h->sh->acks, 1);
	hs_futex(&h->sh->acks, FUTEX_WAKE, 1);
}

static void
hs_receiver_main(struct hs_run *h, unsigned idx, int out)
{
	struct stream_consumer	 c;
	double			*lat;
	uint64_t		 seq;
	int64_t			 t0, t1;

	proc_pin(0, PIN_SERVER);
	if ((lat = calloc(h->n, sizeof(*lat))) == NULL)
		hs_exit(h, 3);
	if (hs_is_ring(h->method) && ring_consumer(h->ring, idx, &c) < 0)
		hs_exit(h, 4);
	if (hs_is_iox(h->method) &&
	    bench_iox_sub_open(h->method == HS_IOX_WS) < 0)
		hs_exit(h, 4);
	if (hs_is_api(h->method) && bench_api_sub_open(h->sock,
	    bench_api_name(), h->method == HS_API_BUSY) < 0)
		hs_exit(h, 4);
	hs_ack(h, idx, 0);
	for (seq = 1; seq <= (uint64_t)h->n; seq++) {
		t0 = hs_receive(h, idx, &c, seq);
		t1 = now_ns();
		lat[seq - 1] = (double)(t1 - t0);
		hs_ack(h, idx, seq);
	}
	hs_exit(h, proc_write_full(out, lat, h->n * sizeof(*lat)) < 0 ?
	    5 : 0);
}

/* ---------------------------------------------------------- the sender */

static void
hs_wait_acks(struct hs_run *h, uint64_t seq)
{
	uint32_t	v, want = (uint32_t)(seq + 1) * h->nrecv;
	unsigned	i;

	if (hs_busy(h->method)) {
		for (i = 0; i < h->nrecv; i++)
			while (atomic_load_explicit(&h->sh->ack[i],
			    memory_order_acquire) != seq + 1)
				;
		return;
	}
	while ((v = atomic_load(&h->sh->acks)) < want)
		hs_futex(&h->sh->acks, FUTEX_WAIT, v);
}

static int
hs_send(struct hs_run *h, struct stream_producer *p, uint64_t seq)
{
	struct stream_frame	f;
	char			buf[HS_SMALL];
	unsigned		i;
	int64_t			t0;
	int			r;

	switch (h->method) {
	case HS_CACHELINE:
		atomic_store_explicit(&h->sh->t0, now_ns(), memory_order_relaxed);
		atomic_store_explicit(&h->sh->go, seq, memory_order_release);
		return 0;
	case HS_FUTEX:
		atomic_store_explicit(&h->sh->t0, now_ns(), memory_order_relaxed);
		atomic_store(&h->sh->go_futex, (uint32_t)seq);
		hs_futex(&h->sh->go_futex, FUTEX_WAKE, INT_MAX);
		return 0;
	case HS_PIPE:
		memset(buf, 0, sizeof(buf));
		t0 = now_ns();
		memcpy(buf, &t0, sizeof(t0));
		for (i = 0; i < h->nrecv; i++)
			if (proc_write_full(h->pipes[i][1], buf, sizeof(buf)) < 0)
				return -EIO;
		return 0;
	case HS_IOX_BUSY:
	case HS_IOX_WS:
		return bench_iox_send(h->nbytes, seq);
	case HS_API_BUSY:
	case HS_API_BLOCK:
		return bench_api_send(h->nbytes, seq);
	default:
		if ((r = stream_producer_loan(p, NULL, &f)) < 0)
			return r;
		memset(f.data, (int)seq, h->nbytes);
		f.desc.shape[0] = (int64_t)h->nbytes;
		f.timestamp_ns = (uint64_t)now_ns();
		return stream_producer_publish(p, &f);
	}
}

/* Send the n messages, each once the receivers acked the previous one. */
static int
hs_send_all(struct hs_run *h, struct stream_producer *p)
{
	uint64_t	seq;
	int		r;

	hs_wait_acks(h, 0);
	for (seq = 1; seq <= (uint64_t)h->n; seq++) {
		if ((r = hs_send(h, p, seq)) < 0)
			return r;
		hs_wait_acks(h, seq);
	}
	return 0;
}

/* One hand-off row: n messages, each sent once every receiver is done
 * with the previous one; one-way = receive time - send time. */
static int
hs_run(struct bench *b, struct hs_run *h, struct samples *s)
{
	struct stream_test_ring	 ring;
	struct stream_producer	 p;
	pid_t			 pids[HS_MAXRECV];
	int			 out[HS_MAXRECV][2], r = 0, fd;
	double			*lat;
	unsigned		 i;
	pid_t			 sender = -1;
	bool			 is_ring = hs_is_ring(h->method);

	if ((r = proc_memfd(sizeof(*h->sh), false, &fd)) < 0)
		return r;
	h->sh = mmap(NULL, sizeof(*h->sh), PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	close(fd);
	if (h->sh == MAP_FAILED)
		return -errno;
	if ((lat = calloc(h->n, sizeof(*lat))) == NULL)
		return -ENOMEM;
	if (is_ring) {
		if ((r = bench_ring_create(&ring, 2 * h->nrecv + 2, h->nbytes,
		    h->nrecv, 2)) < 0)
			goto out;
		h->ring = &ring;
		for (i = 0; i < h->nrecv; i++)
			stream_consumer_activate(ring.control, &ring.geo,
			    ring.leases[i], i, STREAM_POLICY_LATEST);
		if ((r = stream_producer_attach(&p, &ring.geo, ring.control,
		    ring.data, (const struct stream_lease *const *)ring.leases))
		    < 0)
			goto out;
	}
	if (hs_is_api(h->method) &&
	    (r = bench_api_pub_open(h->sock, h->nbytes, h->nrecv)) < 0)
		goto out;
	fflush(NULL);
	for (i = 0; i < h->nrecv; i++) {
		if (pipe2(out[i], O_CLOEXEC) < 0 ||
		    (h->method == HS_PIPE && pipe2(h->pipes[i], O_CLOEXEC) < 0))
			return -errno;
		if ((pids[i] = fork()) == 0)
			hs_receiver_main(h, i, out[i][1]);
		close(out[i][1]);
	}
	if (hs_is_iox(h->method)) {
		if ((sender = fork()) == 0) {
			proc_pin(0, PIN_CLIENT);
			hs_exit(h, bench_iox_pub_open(h->nbytes) < 0 ||
			    hs_send_all(h, NULL) < 0 ? 1 : 0);
		}
		if (sender < 0)
			r = -errno;
	} else
		r = hs_send_all(h, &p);
	if (sender > 0 && proc_wait(sender, "iceoryx publisher") < 0 && r == 0)
		r = -EIO;
	for (i = 0; i < h->nrecv; i++) {
		if (r == 0 && proc_read_full(out[i][0], lat,
		    h->n * sizeof(*lat)) == (ssize_t)(h->n * sizeof(*lat))) {
			for (long k = h->n / 10; k < h->n; k++)	/* warm-up off */
				samples_add(s, lat[k]);
		} else if (r == 0)
			r = -EIO;
		if (r < 0)
			kill(pids[i], SIGKILL);
		close(out[i][0]);
		if (h->method == HS_PIPE) {
			close(h->pipes[i][0]);
			close(h->pipes[i][1]);
		}
		if (proc_wait(pids[i], "hand-off receiver") < 0 && r == 0)
			r = -EIO;
	}
out:
	if (is_ring)
		bench_ring_destroy(&ring);
	if (hs_is_api(h->method))
		bench_api_close();
	free(lat);
	munmap(h->sh, sizeof(*h->sh));
	(void)b;
	return r;
}

static struct bench_row *
hs_row(struct bench *b, const char *key, const char *name,
    enum hs_method method, unsigned nrecv, uint64_t nbytes, long n)
{
	struct hs_run	 h = { .method = method, .nrecv = nrecv,
			    .nbytes = nbytes, .n = n, .sock = bench_socket(b) };
	struct samples	 s;
	struct bench_row *r = NULL;
	int		 e;

	bench_progress("%s", name);
	samples_init(&s);
	if ((e = hs_run(b, &h, &s)) < 0 || s.n == 0)
		bench_skip(b, name, e < 0 ? strerror(-e) : "no samples");
	else
		r = bench_row_samples(b, key, name, &s);
	samples_free(&s);
	return r;
}

/* ------------------------------------------------------- frames/second */

/* Consumers reading the first and last byte of every frame they get. */
static void
fps_consumer_main(struct stream_test_ring *ring, unsigned idx, uint64_t last,
    int ready)
{
	static const struct stream_wait w = { 10000000000LL, 0 };
	struct stream_consumer	c;
	struct stream_frame	f;
	volatile uint8_t	sink;
	uint64_t		seq = 0;

	proc_pin(0, PIN_SERVER);
	if (ring_consumer(ring, idx, &c) < 0 || write(ready, "r", 1) != 1)
		_exit(4);
	while (seq < last) {
		if (stream_consumer_next(&c, seq, &w, &f) < 0)
			_exit(5);
		sink = ((const uint8_t *)f.data)[0];
		sink = ((const uint8_t *)f.data)[f.capacity - 1];
		(void)sink;
		seq = f.seq;
		stream_consumer_release(&c, &f);
	}
	_exit(0);
}

static int
samples_median_of(struct samples *s, double *ret)
{
	if (s->n == 0)
		return -EIO;
	*ret = samples_quantile(s, 0.5);
	return 0;
}

int
bench_fps_paired(uint64_t nbytes, long frames, int (*send)(void *, long),
    void *arg, struct fps_result *ret)
{
	struct samples	 ring, plain, ratio;
	uint8_t		*buf;
	int64_t		 t0, t1, t2;
	long		 k, j;
	int		 fd, r;

	if ((r = proc_memfd(2 * nbytes, false, &fd)) < 0)
		return r;
	buf = mmap(NULL, 2 * nbytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	    0);
	close(fd);
	if (buf == MAP_FAILED)
		return -errno;
	memset(buf, 1, 2 * nbytes);	/* page faults are not the subject */
	samples_init(&ring);
	samples_init(&plain);
	samples_init(&ratio);
	for (k = 0; k + FPS_CHUNK <= frames && r == 0; k += FPS_CHUNK) {
		t0 = now_ns();
		for (j = k; j < k + FPS_CHUNK && r == 0; j++)
			r = send(arg, j);
		t1 = now_ns();
		for (j = k; j < k + FPS_CHUNK; j++)
			memset(buf + (j % 2) * nbytes, (int)j, nbytes);
		t2 = now_ns();
		samples_add(&ring, FPS_CHUNK * 1e9 / (double)(t1 - t0));
		samples_add(&plain, FPS_CHUNK * 1e9 / (double)(t2 - t1));
		samples_add(&ratio, (double)(t2 - t1) / (double)(t1 - t0));
	}
	if (r == 0 && ((r = samples_median_of(&ring, &ret->ring)) < 0 ||
	    (r = samples_median_of(&plain, &ret->plain)) < 0 ||
	    (r = samples_median_of(&ratio, &ret->ratio)) < 0))
		r = -EIO;
	samples_free(&ring);
	samples_free(&plain);
	samples_free(&ratio);
	munmap(buf, 2 * nbytes);
	return r;
}

/* Frames per second of a producer writing whole 1080p frames alone into
 * plain memory, two buffers in turn. */
static double
fps_plain(long frames)
{
	uint8_t		*buf;
	int64_t		 t0, t1;
	long		 k;
	int		 fd;

	if (proc_memfd(2 * HS_HD, false, &fd) < 0)
		return NAN;
	buf = mmap(NULL, 2 * HS_HD, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	    0);
	close(fd);
	if (buf == MAP_FAILED)
		return NAN;
	memset(buf, 1, 2 * HS_HD);
	t0 = now_ns();
	for (k = 0; k < frames; k++)
		memset(buf + (k % 2) * HS_HD, (int)k, HS_HD);
	t1 = now_ns();
	munmap(buf, 2 * HS_HD);
	return frames / ((t1 - t0) / 1e9);
}

struct fps_ring {
	struct stream_producer	*p;
};

static int
fps_ring_send(void *arg, long k)
{
	struct fps_ring		*fr = arg;
	struct stream_frame	 f;
	int			 r;

	if ((r = stream_producer_loan(fr->p, NULL, &f)) < 0)
		return r;
	memset(f.data, (int)k, HS_HD);
	return stream_producer_publish(fr->p, &f);
}

/* Frames per second of a producer writing whole 1080p frames into the
 * ring directly, with nrecv consumers asleep between frames, paired with
 * plain memory. */
static int
fps_run(unsigned nrecv, long frames, struct fps_result *ret)
{
	struct stream_test_ring	 ring;
	struct stream_producer	 p;
	struct fps_ring		 fr = { &p };
	pid_t			 pids[HS_MAXRECV];
	int			 rfd[2], r;
	unsigned		 i;
	char			 ch;

	frames -= frames % FPS_CHUNK;
	if ((r = bench_ring_create(&ring, 2 * nrecv + 2, HS_HD, nrecv, 2)) < 0)
		return r;
	if (pipe2(rfd, O_CLOEXEC) < 0) {
		r = -errno;
		goto out;
	}
	for (i = 0; i < nrecv; i++)
		stream_consumer_activate(ring.control, &ring.geo,
		    ring.leases[i], i, STREAM_POLICY_LATEST);
	if ((r = stream_producer_attach(&p, &ring.geo, ring.control, ring.data,
	    (const struct stream_lease *const *)ring.leases)) < 0)
		goto out;
	/* Every slot touched once: page faults are not the subject. */
	memset(ring.data, 1, ring.data_size);
	fflush(NULL);
	for (i = 0; i < nrecv; i++)
		if ((pids[i] = fork()) == 0)
			fps_consumer_main(&ring, i, (uint64_t)frames, rfd[1]);
	close(rfd[1]);
	for (i = 0; i < nrecv; i++)
		if (read(rfd[0], &ch, 1) != 1)
			r = -EIO;
	close(rfd[0]);
	if (r == 0)
		r = bench_fps_paired(HS_HD, frames, fps_ring_send, &fr, ret);
	for (i = 0; i < nrecv; i++) {
		if (r < 0)
			kill(pids[i], SIGKILL);
		if (proc_wait(pids[i], "fps consumer") < 0 && r == 0)
			r = -EIO;
	}
out:
	bench_ring_destroy(&ring);
	return r;
}

/* ------------------------------------------------------- publish cost */

#define PUB_BATCH	1000

/* loan + publish with one idle consumer position: ns per frame. */
static int
pub_time(struct bench *b, struct samples *s, long batches)
{
	struct stream_test_ring	ring;
	struct stream_producer	p;
	struct stream_frame	f;
	int64_t			t0;
	long			i, k;

	if (bench_ring_create(&ring, 4, HS_SMALL, 1, 2) < 0)
		return -EIO;
	stream_consumer_activate(ring.control, &ring.geo, ring.leases[0], 0,
	    STREAM_POLICY_LATEST);
	if (stream_producer_attach(&p, &ring.geo, ring.control, ring.data,
	    (const struct stream_lease *const *)ring.leases) < 0)
		return -EIO;
	for (i = 0; i < batches; i++) {
		t0 = now_ns();
		for (k = 0; k < PUB_BATCH; k++) {
			if (stream_producer_loan(&p, NULL, &f) < 0 ||
			    stream_producer_publish(&p, &f) < 0)
				return -EIO;
		}
		samples_add(s, (double)(now_ns() - t0) / PUB_BATCH);
	}
	bench_ring_destroy(&ring);
	(void)b;
	return 0;
}

struct pub_proof {
	struct stream_test_ring	*ring;
	struct stream_producer	 p;
	long			 n;
};

static int
pub_proof_attach(void *arg)
{
	struct pub_proof	*pp = arg;

	(void)now_ns();		/* the vDSO's pages in before the filter */
	return stream_producer_attach(&pp->p, &pp->ring->geo,
	    pp->ring->control, pp->ring->data,
	    (const struct stream_lease *const *)pp->ring->leases);
}

static long
pub_proof_publish(void *arg)
{
	struct pub_proof	*pp = arg;
	struct stream_frame	 f;
	long			 bad = 0;

	for (long i = 0; i < pp->n; i++)
		bad += stream_producer_loan(&pp->p, NULL, &f) < 0 ||
		    stream_producer_publish(&pp->p, &f) < 0;
	return bad;
}

/* A child allowed only write and exit publishes n frames with clock
 * timestamps. 1: proven, 0: not. */
static int
pub_proof(long n, char *why, size_t len)
{
	struct stream_test_ring	 ring;
	struct pub_proof	 pp = { .ring = &ring, .n = n };
	char			 what[64];
	int			 r;

	if (bench_ring_create(&ring, 4, HS_SMALL, 1, 2) < 0) {
		snprintf(why, len, "no ring");
		return 0;
	}
	stream_consumer_activate(ring.control, &ring.geo, ring.leases[0], 0,
	    STREAM_POLICY_LATEST);
	snprintf(what, sizeof(what), "%ld publishes", n);
	r = proc_syscall_proof(pub_proof_attach, pub_proof_publish, &pp,
	    false, what, why, len);
	bench_ring_destroy(&ring);
	return r;
}

/* ------------------------------------------------------------- section */

/* The floor of method m measured again right before a row, so a shared
 * machine's swings fall on both: median ns, NAN when it failed. */
static double
hs_floor_near(struct bench *b, enum hs_method m, long n)
{
	struct hs_run	 h = { .method = m, .nrecv = 1, .nbytes = HS_SMALL,
			    .n = n, .sock = bench_socket(b) };
	struct samples	 s;
	double		 v = NAN;

	samples_init(&s);
	if (hs_run(b, &h, &s) == 0 && s.n > 0)
		v = samples_quantile(&s, 0.5);
	samples_free(&s);
	return v;
}

static void
stream_handoffs(struct bench *b)
{
	long		 n = bench_iters(b, 20000, 3000);
	long		 nhd = bench_iters(b, 1000, 200);
	struct bench_row *r;
	static const struct {
		const char	*key, *name;
		enum hs_method	 method;
		unsigned	 nrecv;
		bool		 hd;
	} rows[] = {
#define HS_ROWS(kind, label, api, ring) \
		{ "stream.api." kind ".64.1", "API " label ", 64 B, 1 consumer", \
		    api, 1, false }, \
		{ "stream.api." kind ".64.4", "API " label ", 64 B, 4 consumers", \
		    api, 4, false }, \
		{ "stream.api." kind ".hd.1", "API " label ", 1080p, 1 consumer", \
		    api, 1, true }, \
		{ "stream.api." kind ".hd.4", "API " label ", 1080p, 4 consumers", \
		    api, 4, true }, \
		{ "stream.ring." kind ".64.1", "ring direct " label ", 64 B, 1 cons.", \
		    ring, 1, false }, \
		{ "stream.ring." kind ".hd.1", "ring direct " label ", 1080p, 1 cons.", \
		    ring, 1, true }
		HS_ROWS("busy", "busy-poll", HS_API_BUSY, HS_RING_BUSY),
		HS_ROWS("block", "blocking", HS_API_BLOCK, HS_RING_BLOCK),
#undef HS_ROWS
		{ "stream.pipe.64", "pipe, 64 B, 1 reader", HS_PIPE, 1, false },
	};

	if ((r = hs_row(b, "stream.floor.cacheline", "floor: cache line, "
	    "spinning reader", HS_CACHELINE, 1, HS_SMALL, n)) != NULL)
		bench_row_print(b, r);
	if ((r = hs_row(b, "stream.floor.futex", "floor: futex wake, "
	    "sleeping reader", HS_FUTEX, 1, HS_SMALL, n)) != NULL)
		bench_row_print(b, r);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		bool	busy = hs_busy(rows[i].method);
		double	floor = hs_floor_near(b, busy ? HS_CACHELINE :
			    HS_FUTEX, n / 2);

		/* Five spinning processes on two CPUs take milliseconds a
		 * hand-off: fewer samples. */
		r = hs_row(b, rows[i].key, rows[i].name, rows[i].method,
		    rows[i].nrecv, rows[i].hd ? HS_HD : HS_SMALL,
		    rows[i].hd || (busy && rows[i].nrecv > 1) ? nhd : n);
		if (r == NULL)
			continue;
		bench_row_floor_value(r, busy ? "cache line, just before" :
		    "futex, just before", floor);
		if (busy && rows[i].nrecv > 1)
			bench_row_note(r, "floor %.0f ns; %u spinning processes "
			    "on %ld CPUs", floor, rows[i].nrecv + 1,
			    sysconf(_SC_NPROCESSORS_ONLN));
		else
			bench_row_note(r, "floor %.0f ns", floor);
		bench_row_print(b, r);
	}
}

#ifndef HAVE_ICEORYX
bool
bench_iox_available(const char **why)
{
	*why = "iceoryx's C binding was not found at configure time "
	    "(Debian: iceoryx, libiceoryx-binding-c-dev)";
	return false;
}

int bench_iox_roudi_start(const char *dir, pid_t *ret_pid)
{ (void)dir; (void)ret_pid; return -ENOSYS; }
void bench_iox_roudi_stop(pid_t pid) { (void)pid; }
int bench_iox_pub_open(uint64_t nbytes) { (void)nbytes; return -ENOSYS; }
int bench_iox_send(uint64_t nbytes, uint64_t seq)
{ (void)nbytes; (void)seq; return -ENOSYS; }
int bench_iox_sub_open(bool waitset) { (void)waitset; return -ENOSYS; }
int64_t bench_iox_receive(uint64_t nbytes, uint64_t seq)
{ (void)nbytes; (void)seq; return -ENOSYS; }
void bench_iox_close(void) { }
#endif

/* The peer, iceoryx, in the same run: its RouDi, one publisher, one
 * subscriber polling or asleep in a WaitSet. */
static void
stream_iceoryx(struct bench *b, long n, long nhd)
{
	static const struct {
		const char	*key, *name;
		enum hs_method	 method;
		bool		 hd;
	} rows[] = {
		{ "stream.iox.busy.64", "iceoryx busy-poll, 64 B", HS_IOX_BUSY,
		    false },
		{ "stream.iox.busy.hd", "iceoryx busy-poll, 1080p", HS_IOX_BUSY,
		    true },
		{ "stream.iox.ws.64", "iceoryx WaitSet, 64 B", HS_IOX_WS,
		    false },
		{ "stream.iox.ws.hd", "iceoryx WaitSet, 1080p", HS_IOX_WS,
		    true },
	};
	struct bench_row *r;
	const char	*why;
	pid_t		 roudi;
	int		 e;

	if (!bench_iox_available(&why)) {
		bench_skip(b, "iceoryx rows", why);
		return;
	}
	if ((e = bench_iox_roudi_start(b->tmpdir, &roudi)) < 0) {
		bench_skip(b, "iceoryx rows", e == -EADDRINUSE ? "iox-roudi "
		    "exited at start: another RouDi runs on this machine "
		    "(iceoryx allows one)" : strerror(-e));
		return;
	}
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		bool	busy = hs_busy(rows[i].method);
		double	floor = hs_floor_near(b, busy ? HS_CACHELINE :
			    HS_FUTEX, n / 2);

		r = hs_row(b, rows[i].key, rows[i].name, rows[i].method, 1,
		    rows[i].hd ? HS_HD : HS_SMALL, rows[i].hd ? nhd : n);
		if (r == NULL)
			continue;
		bench_row_floor_value(r, busy ? "cache line, just before" :
		    "futex, just before", floor);
		bench_row_note(r, "floor %.0f ns; iceoryx 2.0 C binding, RouDi "
		    "started here", floor);
		bench_row_print(b, r);
	}
	bench_iox_roudi_stop(roudi);
}

static void
fps_row(struct bench *b, const char *key, const char *name, int e,
    const struct fps_result *res, long frames)
{
	struct bench_row	*r;

	if (e < 0) {
		bench_skip(b, name, strerror(-e));
		return;
	}
	r = bench_row_add(b, key, name, UNIT_RATE, res->ring, NAN, frames);
	r->ratio = res->ratio;
	snprintf(r->floor, sizeof(r->floor), "plain memory, paired");
	bench_row_note(r, "plain memory in the same loop %.0f/s; consumers "
	    "read a frame's first and last byte, asleep between frames",
	    res->plain);
	bench_row_print(b, r);
}

static void
stream_fps(struct bench *b)
{
	long		 frames = bench_iters(b, 600, 150);
	struct fps_result res;
	struct bench_row *r;
	static const unsigned counts[] = { 1, 4 };

	bench_progress("1080p frames/s");
	r = bench_row_add(b, "stream.fps.plain", "1080p frames/s, plain "
	    "memory, no ring", UNIT_RATE, fps_plain(frames), NAN, frames);
	bench_row_note(r, "memset into 2 buffers in turn");
	bench_row_print(b, r);
	for (size_t i = 0; i < 2; i++) {
		char	key[32], name[64];
		int	e;

		snprintf(key, sizeof(key), "stream.api.fps.%u", counts[i]);
		snprintf(name, sizeof(name), "API 1080p frames/s, %u "
		    "consumer%s", counts[i], counts[i] > 1 ? "s" : "");
		e = bench_api_fps(bench_socket(b), HS_HD, counts[i], frames,
		    &res);
		fps_row(b, key, name, e, &res, frames);
		snprintf(key, sizeof(key), "stream.ring.fps.%u", counts[i]);
		snprintf(name, sizeof(name), "ring direct 1080p frames/s, %u "
		    "cons.", counts[i]);
		e = fps_run(counts[i], frames, &res);
		fps_row(b, key, name, e, &res, frames);
	}
}

/* Publish cost: the ring directly and through the API, each with its
 * seccomp proof. */
static void
stream_publish(struct bench *b)
{
	struct bench_row	*r;
	struct samples		 s;
	long			 n = bench_iters(b, 200000, 20000);
	long			 batches = bench_iters(b, 2000, 300);

	bench_progress("publish cost");
	samples_init(&s);
	b->stream_proof_api = bench_api_publish_proof(bench_socket(b), n,
	    b->stream_why_api, sizeof(b->stream_why_api));
	if (bench_api_publish_time(bench_socket(b), &s, batches) == 0) {
		r = bench_row_samples(b, "stream.api.publish", "API loan + "
		    "publish + release, nobody waiting", &s);
		bench_row_note(r, "%s", b->stream_why_api);
		bench_row_print(b, r);
	}
	samples_free(&s);
	samples_init(&s);
	b->stream_proof_ring = pub_proof(n, b->stream_why_ring,
	    sizeof(b->stream_why_ring));
	if (pub_time(b, &s, batches) == 0) {
		r = bench_row_samples(b, "stream.ring.publish", "ring direct "
		    "loan + publish, nobody waiting", &s);
		bench_row_note(r, "%s", b->stream_why_ring);
		bench_row_print(b, r);
	}
	samples_free(&s);
}

int
bench_stream(struct bench *b)
{
	bench_section(b, "stream", "streams: API = mview_stream_* against "
	    "mviewd, ring direct = common/ without the library (ratio = "
	    "median / floor; fps: / plain memory)");
	stream_handoffs(b);
	stream_iceoryx(b, bench_iters(b, 20000, 3000),
	    bench_iters(b, 1000, 200));
	stream_fps(b);
	stream_publish(b);
	return 0;
}
