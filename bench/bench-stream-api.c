/* SPDX-License-Identifier: MIT */
/* The stream rows through libmviewclient's public API (mview_stream_*) against the private mviewd. */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "bench-stream.h"
#include "mview.h"

/* One process plays one part at a time: the producer or a consumer. */
static struct mview_client	*api_client;
static struct mview_stream	*api_stream;
static struct mview_stream	*api_idle;	/* publish cost: a consumer that never takes */
static char			 api_name[64];

static int
api_fail(int r)
{
	bench_api_close();
	return r;
}

/* Connect, create the stream (slots for nconsumers holding 2 frames
 * each, plus 2) and open it as its producer. */
int
bench_api_pub_open(const char *sock, uint64_t nbytes, unsigned nconsumers)
{
	static unsigned			 serial;
	struct mview_stream_params	 p;
	int				 r;

	snprintf(api_name, sizeof(api_name), "bench-stream-%ld-%u",
	    (long)getpid(), serial++);
	if ((r = mview_client_connect(sock, &api_client)) < 0)
		return r;
	memset(&p, 0, sizeof(p));
	p.slots = 2 * nconsumers + 2;
	p.capacity = nbytes;
	p.max_consumers = nconsumers;
	p.max_holds = 2;
	p.lifetime = MVIEW_LIFETIME_SESSION;
	if ((r = mview_stream_create(api_client, api_name, &p,
	    &api_stream)) < 0)
		return api_fail(r);
	return 0;
}

/* The stream the producer of this process made, by name (for children
 * forked after bench_api_pub_open). */
const char *
bench_api_name(void)
{
	return api_name;
}

/* In a child: a client of its own and a consumer handle; busy spins
 * without a bound, else it sleeps at once (spin 0). */
int
bench_api_sub_open(const char *sock, const char *name, bool busy)
{
	int	r;

	api_client = NULL;	/* the parent's: not ours to use */
	api_stream = api_idle = NULL;
	if ((r = mview_client_connect(sock, &api_client)) < 0)
		return r;
	r = mview_stream_open(api_client, name, 0, &api_stream);
	api_name[0] = '\0';	/* the producer deletes it, not us */
	if (r < 0 ||
	    (r = mview_stream_set_spin(api_stream, busy ? UINT32_MAX : 0)) < 0)
		return api_fail(r);
	return 0;
}

/* Fill a frame, stamp its first 8 bytes with the time, publish. */
int
bench_api_send(uint64_t nbytes, uint64_t seq)
{
	struct mview_view	*v;
	uint8_t			*data;
	int64_t			 t0;
	int			 r;

	if ((r = mview_stream_loan(api_stream, 0, &v)) < 0)
		return r;
	data = mview_view_data(v);
	memset(data, (int)seq, nbytes);
	t0 = now_ns();
	memcpy(data, &t0, sizeof(t0));
	r = mview_stream_publish(api_stream, NULL, NULL);
	mview_view_release(v);
	return r;
}

/* Take frame seq, read its stamp and last byte, release it: the stamp. */
int64_t
bench_api_receive(uint64_t nbytes, uint64_t seq)
{
	struct mview_frame_info	 info;
	struct mview_view	*v;
	const uint8_t		*data;
	volatile uint8_t	 sink;
	int64_t			 t0;
	int			 r;

	if ((r = mview_stream_next(api_stream, seq - 1, -1, &v, &info)) < 0)
		return r;
	data = mview_view_data(v);
	memcpy(&t0, data, sizeof(t0));
	sink = data[nbytes - 1];
	(void)sink;
	mview_view_release(v);
	return info.seq == seq ? t0 : -EPROTO;
}

void
bench_api_close(void)
{
	mview_stream_close(api_idle);
	mview_stream_close(api_stream);
	if (api_client != NULL && api_name[0] != '\0')
		mview_stream_delete(api_client, api_name);
	mview_client_close(api_client);
	api_idle = api_stream = NULL;
	api_client = NULL;
}

/* ------------------------------------------------------- frames/second */

static void
api_fps_consumer(const char *sock, const char *name, uint64_t last, int ready)
{
	struct mview_frame_info	 info;
	struct mview_view	*v;
	const uint8_t		*data;
	volatile uint8_t	 sink;
	uint64_t		 seq = 0;

	proc_pin(0, PIN_SERVER);
	if (bench_api_sub_open(sock, name, false) < 0 ||
	    write(ready, "r", 1) != 1)
		_exit(4);
	while (seq < last) {
		if (mview_stream_next(api_stream, seq, 10000, &v, &info) < 0)
			_exit(5);
		data = mview_view_data(v);
		sink = data[0];
		sink = data[mview_view_nbytes(v) - 1];
		(void)sink;
		seq = info.seq;
		mview_view_release(v);
	}
	_exit(0);
}

/* One frame through the API: loan, fill, publish, release the view. */
static int
api_fps_send(void *arg, long k)
{
	struct mview_view	*v;
	uint64_t		 nbytes = *(const uint64_t *)arg;
	int			 r;

	if ((r = mview_stream_loan(api_stream, 0, &v)) < 0)
		return r;
	memset(mview_view_data(v), (int)k, nbytes);
	r = mview_stream_publish(api_stream, NULL, NULL);
	mview_view_release(v);
	return r;
}

/* Frames per second of a producer writing whole frames of nbytes through
 * the API, with nrecv consumers asleep between frames (spin 0), paired
 * with plain memory (bench_fps_paired). */
int
bench_api_fps(const char *sock, uint64_t nbytes, unsigned nrecv, long frames,
    struct fps_result *ret)
{
	pid_t			 pids[8];
	int			 rfd[2], r;
	unsigned		 i;
	char			 ch;

	frames -= frames % FPS_CHUNK;
	if (nrecv > 8)
		return -EINVAL;
	if ((r = bench_api_pub_open(sock, nbytes, nrecv)) < 0)
		return r;
	if (pipe2(rfd, O_CLOEXEC) < 0) {
		r = -errno;
		bench_api_close();
		return r;
	}
	fflush(NULL);
	for (i = 0; i < nrecv; i++)
		if ((pids[i] = fork()) == 0)
			api_fps_consumer(sock, api_name, (uint64_t)frames,
			    rfd[1]);
	close(rfd[1]);
	for (i = 0; i < nrecv; i++)
		if (read(rfd[0], &ch, 1) != 1)
			r = -EIO;
	close(rfd[0]);
	if (r == 0)
		r = bench_fps_paired(nbytes, frames, api_fps_send, &nbytes,
		    ret);
	for (i = 0; i < nrecv; i++) {
		if (r < 0)
			kill(pids[i], SIGKILL);
		if (proc_wait(pids[i], "fps consumer (API)") < 0 && r == 0)
			r = -EIO;
	}
	bench_api_close();
	return r;
}

/* ------------------------------------------------------- publish cost */

#define API_PUB_BATCH	1000

/* loan + publish + release of the loan's view, with one consumer open
 * that never waits: ns per frame. */
int
bench_api_publish_time(const char *sock, struct samples *s, long batches)
{
	struct mview_view	*v;
	int64_t			 t0;
	long			 i, k;
	int			 r;

	if ((r = bench_api_pub_open(sock, BENCH_MSG, 1)) < 0)
		return r;
	if ((r = mview_stream_open(api_client, api_name, 0, &api_idle)) < 0)
		return api_fail(r);
	for (i = 0; i < batches; i++) {
		t0 = now_ns();
		for (k = 0; k < API_PUB_BATCH; k++) {
			if ((r = mview_stream_loan(api_stream, 0, &v)) < 0 ||
			    (r = mview_stream_publish(api_stream, NULL,
			    NULL)) < 0)
				return api_fail(r);
			mview_view_release(v);
		}
		samples_add(s, (double)(now_ns() - t0) / API_PUB_BATCH);
	}
	bench_api_close();
	return 0;
}

/* Warm malloc's cache for the loan's view, and the vDSO, first. */
static int
api_proof_warm(void *arg)
{
	struct mview_view	*v;

	(void)arg;
	if (mview_stream_loan(api_stream, 0, &v) < 0 ||
	    mview_stream_publish(api_stream, NULL, NULL) < 0)
		return -1;
	mview_view_release(v);
	(void)now_ns();
	return 0;
}

static long
api_proof_loop(void *arg)
{
	struct mview_view	*v;
	long			 bad = 0, n = *(const long *)arg;

	for (long i = 0; i < n; i++) {
		if (mview_stream_loan(api_stream, 0, &v) < 0) {
			bad++;
			continue;
		}
		bad += mview_stream_publish(api_stream, NULL, NULL) < 0;
		mview_view_release(v);
	}
	return bad;
}

/* The same loop in a child allowed only write and exit: 1 when n
 * publishes made no other system call. */
int
bench_api_publish_proof(const char *sock, long n, char *why, size_t len)
{
	char	what[64];
	int	r;

	if (bench_api_pub_open(sock, BENCH_MSG, 1) < 0 ||
	    mview_stream_open(api_client, api_name, 0, &api_idle) < 0) {
		bench_api_close();
		snprintf(why, len, "no stream");
		return 0;
	}
	snprintf(what, sizeof(what), "%ld loan+publish+release", n);
	r = proc_syscall_proof(api_proof_warm, api_proof_loop, &n, false,
	    what, why, len);
	bench_api_close();
	return r;
}
