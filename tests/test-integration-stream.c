/* SPDX-License-Identifier: MIT */
/* Integration: streams against a real mviewd: frames across processes and threads, crashes, hostile and read-only consumers, permissions. */
#include <sys/wait.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "integration.h"
#include "raw-client.h"

#define NOBODY		((uid_t)65534)
#define NOGROUP		((gid_t)65534)
#define FRAME_WORDS	1024		/* uint32 per frame */

static struct harness_daemon mviewd;

/* A stream of FRAME_WORDS uint32 per frame. */
static void
stream_params(struct mview_stream_params *p, uint32_t slots, uint32_t mode)
{
	static const int64_t shape[1] = { FRAME_WORDS };

	memset(p, 0, sizeof(*p));
	p->slots = slots;
	p->format = "I";
	p->ndim = 1;
	p->shape = shape;
	p->mode = mode;
	p->max_consumers = 4;
	p->max_holds = 2;
}

/* Every word of the frame is its sequence: anything else is torn. */
static void
frame_fill(struct mview_view *v, uint64_t seq)
{
	uint32_t	*w = mview_view_data(v);

	for (size_t i = 0; i < FRAME_WORDS; i++)
		w[i] = (uint32_t)seq;
}

static bool
frame_check(const struct mview_view *v, uint64_t seq)
{
	const uint32_t	*w = mview_view_data(v);

	if (mview_view_nbytes(v) != FRAME_WORDS * sizeof(uint32_t))
		return false;
	for (size_t i = 0; i < FRAME_WORDS; i++)
		if (w[i] != (uint32_t)seq)
			return false;
	return true;
}

/* Loan, fill with the sequence to come, publish; returns the sequence. */
static uint64_t
produce_one(struct mview_stream *p)
{
	struct mview_view	*f;
	struct mview_frame_info	 fi;
	uint64_t		 seq;

	assert_int_equal(mview_stream_loan(p, harness_timeout_ms(), &f), 0);
	assert_int_equal(mview_frame_info(f, &fi), 0);
	frame_fill(f, fi.seq);
	assert_int_equal(mview_stream_publish(p, NULL, &seq), 0);
	assert_int_equal(seq, fi.seq);
	mview_view_release(f);
	return seq;
}

static void
drop_stream(struct mview_client *c, const char *name)
{
	assert_int_equal(mview_stream_delete(c, name), 0);
}

/* ------------------------------------------------- two processes */

struct consumer_arg {
	const char	*socket;
	const char	*name;
	unsigned	 flags;
	int		 ready[2];	/* a byte once the position is taken */
	uint64_t	 frames;	/* to receive */
};

/* Receive arg->frames frames in order, each intact. */
static int
consumer_child(void *p)
{
	struct consumer_arg	*a = p;
	struct mview_client	*c;
	struct mview_stream	*s;
	struct mview_view	*f;
	struct mview_frame_info	 fi;
	uint64_t		 last = 0;

	close(a->ready[0]);
	CHILD_OK(mview_client_connect(a->socket, &c));
	CHILD_OK(mview_stream_open(c, a->name, a->flags, &s));
	CHILD_CHECK(write(a->ready[1], "r", 1) == 1);
	close(a->ready[1]);
	for (uint64_t n = 0; n < a->frames; n++) {
		CHILD_OK(mview_stream_next(s, last, 10000, &f, &fi));
		CHILD_CHECK(fi.seq > last);
		CHILD_CHECK(!(a->flags & MVIEW_STREAM_LOSSLESS) ||
		    fi.seq == last + 1);
		CHILD_CHECK(frame_check(f, fi.seq));
		last = fi.seq;
		mview_view_release(f);
		if (!(a->flags & MVIEW_STREAM_LOSSLESS))
			n = last - 1;	/* the latest: count by sequence */
	}
	mview_stream_close(s);
	mview_client_close(c);
	return 0;
}

static pid_t
start_consumer(struct consumer_arg *a, uid_t uid, gid_t gid)
{
	char	b;
	pid_t	pid;

	a->socket = mviewd.socket;
	assert_int_equal(pipe(a->ready), 0);
	pid = harness_child_start(uid, gid, consumer_child, a);
	assert_true(pid > 0);
	close(a->ready[1]);
	assert_int_equal(read(a->ready[0], &b, 1), 1);
	close(a->ready[0]);
	return pid;
}

static void
test_frames_across_processes(void **state)
{
	struct mview_client		*c = integration_connect(&mviewd);
	struct mview_stream_params	 p;
	struct mview_stream		*prod;
	struct mview_stream_info	*info;
	struct consumer_arg		 lossless = {
		.name = "s/two", .flags = MVIEW_STREAM_LOSSLESS, .frames = 2000,
	}, latest = { .name = "s/two", .flags = 0, .frames = 2000 };
	pid_t				 pid[2];

	(void)state;
	stream_params(&p, 8, 0600);
	assert_int_equal(mview_stream_create(c, "s/two", &p, &prod), 0);
	pid[0] = start_consumer(&lossless, (uid_t)-1, (gid_t)-1);
	pid[1] = start_consumer(&latest, (uid_t)-1, (gid_t)-1);
	assert_int_equal(mview_stream_stat(c, "s/two", &info), 0);
	assert_int_equal(info->consumers, 2);
	assert_true(info->has_producer);
	assert_int_equal(info->slots, 8);
	assert_string_equal(info->layout.format, "I");
	free(info);
	for (int i = 0; i < 2000; i++)
		assert_int_equal(produce_one(prod), (uint64_t)i + 1);
	assert_int_equal(harness_child_wait(pid[0]), 0);
	assert_int_equal(harness_child_wait(pid[1]), 0);
	mview_stream_close(prod);
	drop_stream(c, "s/two");
	mview_client_close(c);
}

/* ------------------------------------------------ two threads */

struct thread_arg {
	struct mview_stream	*s;
	uint64_t		 frames;
	int			 result;
};

static void *
consumer_thread(void *p)
{
	struct thread_arg	*a = p;
	struct mview_view	*f, *g;
	struct mview_frame_info	 fi;
	uint64_t		 last = 0;

	a->result = -1;
	while (last < a->frames) {
		if (mview_stream_next(a->s, last, 10000, &f, &fi) < 0)
			return NULL;
		if (fi.seq != last + 1 || !frame_check(f, fi.seq))
			return NULL;
		/* A derived view keeps the hold after the frame goes. */
		if (mview_view_cast(f, "B", -1, NULL, &g, NULL) < 0)
			return NULL;
		mview_view_release(f);
		if (((const uint8_t *)mview_view_data(g))[0] !=
		    (uint8_t)fi.seq)
			return NULL;
		mview_view_release(g);
		last = fi.seq;
	}
	a->result = 0;
	return NULL;
}

static void
test_threads_one_client(void **state)
{
	struct mview_client		*c = integration_connect(&mviewd);
	struct mview_stream_params	 p;
	struct mview_stream		*prod, *cons;
	struct thread_arg		 a = { .frames = 5000 };
	pthread_t			 t;

	(void)state;
	stream_params(&p, 4, 0600);
	assert_int_equal(mview_stream_create(c, "s/threads", &p, &prod), 0);
	assert_int_equal(mview_stream_open(c, "s/threads",
	    MVIEW_STREAM_LOSSLESS, &cons), 0);
	a.s = cons;
	assert_int_equal(pthread_create(&t, NULL, consumer_thread, &a), 0);
	for (uint64_t i = 0; i < a.frames; i++)
		produce_one(prod);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(a.result, 0);
	mview_stream_close(cons);
	mview_stream_close(prod);
	drop_stream(c, "s/threads");
	mview_client_close(c);
}

/* ------------------------------------------ views of frames */

/* Views of a frame come and go in any order, of any ndim (a frame's
 * mapping keeps the last one released for the next frame), and may
 * outlive their stream: each hold lasts exactly as long as its views,
 * and nothing leaks (the sanitizer run checks). */
static void
test_frame_views_any_order(void **state)
{
	static const int64_t	 ten[10] = { 2, 2, 2, 2, 2, 2, 2, 2, 2, 2 };
	struct mview_client		*c = integration_connect(&mviewd);
	struct mview_stream_params	 p;
	struct mview_stream		*prod, *cons;
	struct mview_stream_info	 info;
	struct mview_view		*loan, *loan2, *f, *g, *deep, *late;
	struct mview_frame_info		 fi;
	uint64_t			 seq;

	(void)state;
	stream_params(&p, 6, 0600);
	assert_int_equal(mview_stream_create(c, "s/views", &p, &prod), 0);
	assert_int_equal(mview_stream_open(c, "s/views", 0, &cons), 0);
	for (int round = 0; round < 50; round++) {
		/* The loan's view, a copy, one of 10 axes; released in
		 * turns, the original first or last. */
		assert_int_equal(mview_stream_loan(prod, 0, &loan), 0);
		assert_int_equal(mview_frame_info(loan, &fi), 0);
		frame_fill(loan, fi.seq);
		assert_int_equal(mview_view_dup(loan, &loan2), 0);
		assert_int_equal(mview_view_reshape(loan, 10, ten, &deep, NULL),
		    0);
		assert_int_equal(mview_stream_publish(prod, NULL, &seq), 0);
		mview_view_release(round % 2 ? loan : loan2);
		mview_view_release(deep);
		mview_view_release(round % 2 ? loan2 : loan);

		assert_int_equal(mview_stream_next(cons, seq - 1, 0, &f, &fi),
		    0);
		assert_int_equal(fi.seq, seq);
		assert_int_equal(mview_view_dup(f, &g), 0);
		assert_int_equal(mview_view_reshape(f, 10, ten, &deep, NULL),
		    0);
		mview_view_release(f);
		/* The copy and the 10-axis view still hold the frame. */
		assert_int_equal(mview_stream_info(cons, &info), 0);
		assert_int_equal(info.holds, 1);
		produce_one(prod);
		assert_true(frame_check(g, seq));
		mview_view_release(round % 2 ? g : deep);
		assert_int_equal(mview_stream_info(cons, &info), 0);
		assert_int_equal(info.holds, 1);
		mview_view_release(round % 2 ? deep : g);
		assert_int_equal(mview_stream_info(cons, &info), 0);
		assert_int_equal(info.holds, 0);
	}
	/* Views that outlive both handles (a loan still out at close). */
	seq = produce_one(prod);
	assert_int_equal(mview_stream_next(cons, seq - 1, 0, &late, NULL), 0);
	assert_int_equal(mview_stream_loan(prod, 0, &loan), 0);
	mview_stream_close(cons);
	mview_stream_close(prod);
	mview_view_release(loan);
	assert_true(frame_check(late, seq));
	mview_view_release(late);
	drop_stream(c, "s/views");
	mview_client_close(c);
}

struct dup_arg {
	const struct mview_view	*frame;
	uint64_t		 seq;
	int			 result;
};

/* Copy the frame and drop the copy, many times, checking each. */
static void *
dup_thread(void *p)
{
	struct dup_arg		*a = p;
	struct mview_view	*v;

	a->result = -1;
	for (int i = 0; i < 2000; i++) {
		if (mview_view_dup(a->frame, &v) < 0 || !frame_check(v, a->seq))
			return NULL;
		mview_view_release(v);
	}
	a->result = 0;
	return NULL;
}

/* Threads copying and releasing views of one frame at once (the frame's
 * mapping hands its spare view to one of them at a time): every copy
 * reads the frame, and the hold goes with the last view. */
static void
test_frame_views_threads(void **state)
{
	struct mview_client		*c = integration_connect(&mviewd);
	struct mview_stream_params	 p;
	struct mview_stream		*prod, *cons;
	struct mview_stream_info	 info;
	struct mview_view		*f;
	struct mview_frame_info		 fi;
	struct dup_arg			 a[4];
	pthread_t			 t[4];

	(void)state;
	stream_params(&p, 6, 0600);
	assert_int_equal(mview_stream_create(c, "s/view-threads", &p, &prod),
	    0);
	assert_int_equal(mview_stream_open(c, "s/view-threads", 0, &cons), 0);
	for (int round = 0; round < 3; round++) {
		produce_one(prod);
		assert_int_equal(mview_stream_latest(cons, &f, &fi), 0);
		for (int i = 0; i < 4; i++) {
			a[i] = (struct dup_arg){ f, fi.seq, -1 };
			assert_int_equal(pthread_create(&t[i], NULL, dup_thread,
			    &a[i]), 0);
		}
		for (int i = 0; i < 4; i++) {
			assert_int_equal(pthread_join(t[i], NULL), 0);
			assert_int_equal(a[i].result, 0);
		}
		assert_int_equal(mview_stream_info(cons, &info), 0);
		assert_int_equal(info.holds, 1);
		mview_view_release(f);
		assert_int_equal(mview_stream_info(cons, &info), 0);
		assert_int_equal(info.holds, 0);
	}
	mview_stream_close(cons);
	mview_stream_close(prod);
	drop_stream(c, "s/view-threads");
	mview_client_close(c);
}

/* ------------------------------------------------ read-only */

struct writer_arg {
	const char	*socket;
	const char	*name;
	unsigned	 flags;
};

/* Take the newest frame and write into it: faults unless mapped writable. */
static int
writer_child(void *p)
{
	struct writer_arg	*a = p;
	struct mview_client	*c;
	struct mview_stream	*s;
	struct mview_view	*f;
	struct mview_layout	 l;

	CHILD_OK(mview_client_connect(a->socket, &c));
	CHILD_OK(mview_stream_open(c, a->name, a->flags, &s));
	CHILD_OK(mview_stream_next(s, 0, 10000, &f, NULL));
	mview_view_layout(f, &l);
	CHILD_CHECK(l.readonly == !(a->flags & MVIEW_STREAM_WRITE));
	signal(SIGSEGV, SIG_DFL);	/* cmocka's handler would catch it */
	((volatile uint32_t *)mview_view_data(f))[0] = 7;
	mview_view_release(f);
	mview_stream_close(s);
	mview_client_close(c);
	return 0;
}

static void
test_readonly_consumer_faults(void **state)
{
	struct mview_client		*c = integration_connect(&mviewd);
	struct mview_stream_params	 p;
	struct mview_stream		*prod;
	struct writer_arg		 a = {
		.socket = mviewd.socket, .name = "s/ro",
	};
	pid_t				 pid;

	(void)state;
	stream_params(&p, 4, 0600);
	assert_int_equal(mview_stream_create(c, "s/ro", &p, &prod), 0);
	produce_one(prod);
	pid = harness_child_start((uid_t)-1, (gid_t)-1, writer_child, &a);
	assert_true(pid > 0);
	assert_int_equal(harness_child_wait(pid), 128 + SIGSEGV);
	/* Granted write, the same store works (the owner may write). */
	a.flags = MVIEW_STREAM_WRITE;
	pid = harness_child_start((uid_t)-1, (gid_t)-1, writer_child, &a);
	assert_true(pid > 0);
	assert_int_equal(harness_child_wait(pid), 0);
	mview_stream_close(prod);
	drop_stream(c, "s/ro");
	mview_client_close(c);
}


/* ------------------------------------------------ crashes */

struct holder_arg {
	const char	*socket;
	const char	*name;
	int		 ready[2];
	unsigned	 nholds;
};

/* Take nholds frames, keep them, say so, and wait to be killed. */
static int
holder_child(void *p)
{
	struct holder_arg	*a = p;
	struct mview_client	*c;
	struct mview_stream	*s;
	struct mview_view	*f;
	struct mview_frame_info	 fi;
	uint64_t		 last = 0;

	close(a->ready[0]);
	CHILD_OK(mview_client_connect(a->socket, &c));
	CHILD_OK(mview_stream_open(c, a->name, MVIEW_STREAM_LOSSLESS, &s));
	CHILD_CHECK(write(a->ready[1], "o", 1) == 1);
	for (unsigned i = 0; i < a->nholds; i++) {
		CHILD_OK(mview_stream_next(s, last, 10000, &f, &fi));
		last = fi.seq;	/* f is kept: the hold stays */
	}
	CHILD_CHECK(write(a->ready[1], "h", 1) == 1);
	for (;;)
		pause();
}

static void
wait_byte(int fd, char want)
{
	char	b;

	assert_int_equal(read(fd, &b, 1), 1);
	assert_int_equal(b, want);
}

static void
test_killed_consumer_holds_released(void **state)
{
	struct mview_client		*c = integration_connect(&mviewd);
	struct mview_stream_params	 p;
	struct mview_stream		*prod;
	struct mview_stream_info	 info;
	struct holder_arg		 a = {
		.socket = mviewd.socket, .name = "s/kill-consumer", .nholds = 2,
	};
	long long			 t0, deadline;
	struct timespec			 ts0, ts1;
	pid_t				 pid;

	(void)state;
	stream_params(&p, 4, 0600);
	assert_int_equal(mview_stream_create(c, a.name, &p, &prod), 0);
	assert_int_equal(pipe(a.ready), 0);
	pid = harness_child_start((uid_t)-1, (gid_t)-1, holder_child, &a);
	assert_true(pid > 0);
	close(a.ready[1]);
	wait_byte(a.ready[0], 'o');
	produce_one(prod);
	produce_one(prod);
	wait_byte(a.ready[0], 'h');
	close(a.ready[0]);
	assert_int_equal(mview_stream_info(prod, &info), 0);
	assert_int_equal(info.holds, 2);
	/* Two slots held, frame 3 unread by a lossless consumer, frame 4 the
	 * head: the producer finds no slot to loan... */
	produce_one(prod);
	produce_one(prod);
	{
		struct mview_view *f;

		assert_int_equal(mview_stream_loan(prod, 0, &f), -EBUSY);
	}
	clock_gettime(CLOCK_MONOTONIC, &ts0);
	assert_int_equal(kill(pid, SIGKILL), 0);
	t0 = harness_now_ms();
	deadline = t0 + harness_timeout_ms();
	do {
		assert_int_equal(mview_stream_info(prod, &info), 0);
		if (info.holds == 0 && info.consumers == 0)
			break;
		sched_yield();
	} while (harness_now_ms() < deadline);
	clock_gettime(CLOCK_MONOTONIC, &ts1);
	assert_int_equal(info.holds, 0);
	assert_int_equal(info.consumers, 0);
	printf("# a SIGKILLed consumer's holds were released %.3f ms after "
	    "the kill\n", (double)(ts1.tv_sec - ts0.tv_sec) * 1e3 +
	    (double)(ts1.tv_nsec - ts0.tv_nsec) / 1e6);
	assert_int_equal(harness_child_wait(pid), 128 + SIGKILL);
	/* ... and now every slot but the head's is free again. */
	for (int i = 0; i < 8; i++) {
		struct mview_view *f;

		assert_int_equal(mview_stream_loan(prod, 0, &f), 0);
		assert_int_equal(mview_stream_publish(prod, NULL, NULL), 0);
		mview_view_release(f);
	}
	mview_stream_close(prod);
	drop_stream(c, a.name);
	mview_client_close(c);
}

/* Publish frames 1..5, loan the sixth, scribble on it, and wait to die. */
static int
producer_child(void *p)
{
	struct holder_arg	*a = p;
	struct mview_client	*c;
	struct mview_stream	*s;
	struct mview_view	*f;
	uint32_t		*w;

	close(a->ready[0]);
	CHILD_OK(mview_client_connect(a->socket, &c));
	CHILD_OK(mview_stream_open(c, a->name, MVIEW_STREAM_PRODUCE, &s));
	for (uint64_t seq = 1; seq <= 5; seq++) {
		CHILD_OK(mview_stream_loan(s, 10000, &f));
		frame_fill(f, seq);
		CHILD_OK(mview_stream_publish(s, NULL, NULL));
		mview_view_release(f);
	}
	CHILD_OK(mview_stream_loan(s, 10000, &f));
	w = mview_view_data(f);
	for (size_t i = 0; i < FRAME_WORDS / 2; i++)
		w[i] = 0xdead;
	CHILD_CHECK(write(a->ready[1], "w", 1) == 1);
	for (;;)
		pause();
}

static void
test_killed_producer_taken_over(void **state)
{
	struct mview_client		*c = integration_connect(&mviewd);
	struct mview_stream_params	 p;
	struct mview_stream		*cons, *prod;
	struct mview_stream_info	*info = NULL;
	struct mview_view		*f;
	struct mview_frame_info		 fi;
	struct holder_arg		 a = {
		.socket = mviewd.socket, .name = "s/kill-producer",
	};
	long long			 deadline;
	uint64_t			 last = 0;
	pid_t				 pid;

	(void)state;
	stream_params(&p, 8, 0600);
	assert_int_equal(mview_stream_create(c, a.name, &p, NULL), 0);
	assert_int_equal(mview_stream_open(c, a.name, MVIEW_STREAM_LOSSLESS,
	    &cons), 0);
	assert_int_equal(pipe(a.ready), 0);
	pid = harness_child_start((uid_t)-1, (gid_t)-1, producer_child, &a);
	assert_true(pid > 0);
	close(a.ready[1]);
	wait_byte(a.ready[0], 'w');
	close(a.ready[0]);
	/* The role is taken while it lives. */
	assert_int_equal(mview_stream_open(c, a.name, MVIEW_STREAM_PRODUCE,
	    &prod), -EBUSY);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(harness_child_wait(pid), 128 + SIGKILL);
	deadline = harness_now_ms() + harness_timeout_ms();
	do {
		free(info);
		assert_int_equal(mview_stream_stat(c, a.name, &info), 0);
	} while (info->has_producer && harness_now_ms() < deadline);
	assert_false(info->has_producer);
	assert_int_equal(info->head, 5);
	free(info);
	for (uint64_t seq = 1; seq <= 5; seq++) {
		assert_int_equal(mview_stream_next(cons, last, 0, &f, &fi), 0);
		assert_int_equal(fi.seq, seq);
		assert_true(frame_check(f, seq));
		last = seq;
		mview_view_release(f);
	}
	/* The half-written sixth frame is never seen... */
	assert_int_equal(mview_stream_next(cons, last, 0, &f, &fi), -EAGAIN);
	/* ... and a new producer continues the sequence. */
	assert_int_equal(mview_stream_open(c, a.name, MVIEW_STREAM_PRODUCE,
	    &prod), 0);
	assert_int_equal(produce_one(prod), 6);
	assert_int_equal(mview_stream_next(cons, last, 10000, &f, &fi), 0);
	assert_int_equal(fi.seq, 6);
	assert_true(frame_check(f, 6));
	mview_view_release(f);
	mview_stream_close(prod);
	mview_stream_close(cons);
	drop_stream(c, a.name);
	mview_client_close(c);
}

/* ------------------------------------------------ hostile consumer */

/* The lease page of stream name mapped read-write in this process, from
 * its maps, other than skip (NULL: none). */
static uint32_t *
find_lease(const char *name, const uint32_t *skip)
{
	char		 line[512], want[300];
	unsigned long	 lo, hi;
	FILE		*f = fopen("/proc/self/maps", "re");
	uint32_t	*found = NULL;

	snprintf(want, sizeof(want), "stream:%s:lease", name);
	while (f != NULL && found == NULL && fgets(line, sizeof(line), f)) {
		if (strstr(line, want) != NULL && strstr(line, " rw") != NULL &&
		    sscanf(line, "%lx-%lx", &lo, &hi) == 2 &&
		    (uint32_t *)lo != skip)
			found = (uint32_t *)lo;
	}
	if (f != NULL)
		fclose(f);
	return found;
}

/* Open a consumer, then write garbage over its lease page, forever. */
static int
hostile_child(void *p)
{
	struct holder_arg	*a = p;
	struct mview_client	*c;
	struct mview_stream	*s;
	uint32_t		*inherited, *lease, x = 12345;

	close(a->ready[0]);
	/* The parent's consumer lease came along through fork: ours is the
	 * other one, mapped by the open. */
	inherited = find_lease(a->name, NULL);
	CHILD_OK(mview_client_connect(a->socket, &c));
	CHILD_OK(mview_stream_open(c, a->name, 0, &s));
	CHILD_CHECK((lease = find_lease(a->name, inherited)) != NULL);
	CHILD_CHECK(write(a->ready[1], "g", 1) == 1);
	for (;;) {
		for (size_t i = 0; i < 4096 / sizeof(uint32_t); i++) {
			x = x * 1103515245u + 12345u;
			lease[i] = (i & 1) ? x : x % 8;	/* some hit real slots */
		}
	}
}

static void
test_hostile_consumer(void **state)
{
	struct mview_client		*c = integration_connect(&mviewd);
	struct mview_stream_params	 p;
	struct mview_stream		*prod, *cons;
	struct thread_arg		 t = { .frames = 3000 };
	struct holder_arg		 a = {
		.socket = mviewd.socket, .name = "s/hostile",
	};
	struct mview_view		*f;
	pthread_t			 th;
	pid_t				 pid;

	(void)state;
	stream_params(&p, 8, 0600);
	assert_int_equal(mview_stream_create(c, a.name, &p, &prod), 0);
	assert_int_equal(mview_stream_open(c, a.name, MVIEW_STREAM_LOSSLESS,
	    &cons), 0);
	assert_int_equal(pipe(a.ready), 0);
	pid = harness_child_start((uid_t)-1, (gid_t)-1, hostile_child, &a);
	assert_true(pid > 0);
	close(a.ready[1]);
	wait_byte(a.ready[0], 'g');
	close(a.ready[0]);
	t.s = cons;
	assert_int_equal(pthread_create(&th, NULL, consumer_thread, &t), 0);
	/* The scribbler pins at most its own holds: the producer never
	 * waits for it (it may wait for the honest lossless consumer). */
	for (uint64_t i = 0; i < t.frames; i++)
		produce_one(prod);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(t.result, 0);
	mview_stream_close(cons);
	/* With the honest one gone, loans never wait on the scribbler. */
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(mview_stream_loan(prod, 0, &f), 0);
		assert_int_equal(mview_stream_publish(prod, NULL, NULL), 0);
		mview_view_release(f);
	}
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(harness_child_wait(pid), 128 + SIGKILL);
	mview_stream_close(prod);
	drop_stream(c, a.name);
	mview_client_close(c);
}


/* ------------------------------------------------ limits */

static void
create_expect(struct mview_client *c, const char *name, uint32_t slots,
    uint64_t capacity, uint32_t consumers, uint32_t holds, int want)
{
	struct mview_stream_params	p;

	memset(&p, 0, sizeof(p));
	p.slots = slots;
	p.capacity = capacity;
	p.max_consumers = consumers;
	p.max_holds = holds;
	assert_int_equal(mview_stream_create(c, name, &p, NULL), want);
	if (want < 0) {
		assert_true(mview_client_last_error(c)[0] != '\0');
		print_message("# %s\n", mview_client_last_error(c));
	}
}

static void
test_limits_and_quotas(void **state)
{
	static const char *const argv[] = {
		"--max-streams-per-uid=2", "--max-stream-slots=16",
		"--max-stream-slots-per-uid=24", "--max-stream-consumers=2",
		"--max-stream-holds=2", "--max-segment-size=1M", NULL,
	};
	struct harness_daemon	 d = { .pid = -1, .pidfd = -1 };
	struct mview_client	*c;
	struct mview_stream	*s[3];
	struct mview_status	 st;

	(void)state;
	assert_int_equal(harness_daemon_start(&d, argv), 0);
	c = integration_connect(&d);
	create_expect(c, "q/a", 17, 64, 0, 0, -EINVAL);
	create_expect(c, "q/a", 1, 64, 0, 0, -EINVAL);
	create_expect(c, "q/a", 4, 64, 3, 0, -EINVAL);
	create_expect(c, "q/a", 4, 64, 0, 3, -EINVAL);
	create_expect(c, "q/a", 2, 1u << 20, 0, 0, -EFBIG);
	create_expect(c, "q/a", 16, 64, 0, 0, 0);
	create_expect(c, "q/a", 4, 64, 0, 0, -EEXIST);
	create_expect(c, "q/b", 16, 64, 0, 0, -EDQUOT);
	create_expect(c, "q/b", 8, 64, 0, 0, 0);
	create_expect(c, "q/c", 2, 64, 0, 0, -EDQUOT);
	assert_int_equal(mview_client_status(c, &st), 0);
	assert_int_equal(mview_stream_delete(c, "q/b"), 0);
	create_expect(c, "q/c", 2, 64, 0, 0, 0);
	/* Two consumer positions (the default, clamped to the limit). */
	assert_int_equal(mview_stream_open(c, "q/a", 0, &s[0]), 0);
	assert_int_equal(mview_stream_open(c, "q/a", 0, &s[1]), 0);
	assert_int_equal(mview_stream_open(c, "q/a", 0, &s[2]), -EBUSY);
	mview_stream_close(s[1]);
	assert_int_equal(mview_stream_open(c, "q/a", 0, &s[1]), 0);
	mview_stream_close(s[0]);
	mview_stream_close(s[1]);
	/* One producer. */
	assert_int_equal(mview_stream_open(c, "q/c", MVIEW_STREAM_PRODUCE,
	    &s[0]), 0);
	assert_int_equal(mview_stream_open(c, "q/c", MVIEW_STREAM_PRODUCE,
	    &s[1]), -EBUSY);
	mview_stream_close(s[0]);
	assert_int_equal(mview_stream_delete(c, "q/a"), 0);
	assert_int_equal(mview_stream_delete(c, "q/c"), 0);
	assert_int_equal(mview_stream_delete(c, "q/c"), -ENOENT);
	mview_client_close(c);
	assert_int_equal(harness_daemon_stop(&d), 0);
}

/* ------------------------------------------------ permissions */

enum perm_op { OP_CONSUME, OP_CONSUME_WRITE, OP_PRODUCE, OP_STAT, OP_DELETE,
    OP_LIST };

struct perm_req {
	const char	*socket;
	const char	*name;
	enum perm_op	 op;
};

/* The errno (positive) the operation gets, 0 when allowed; 200 for a
 * stream listed though it must not be, 201 for one not listed though it
 * must be (the listing's expectation is in name's readability). */
static int
perm_child(void *p)
{
	struct perm_req			*q = p;
	struct mview_client		*c;
	struct mview_stream		*s;
	struct mview_stream_info	*info;
	size_t				 n;
	int				 r = 0;

	CHILD_OK(mview_client_connect(q->socket, &c));
	switch (q->op) {
	case OP_CONSUME:
	case OP_CONSUME_WRITE:
	case OP_PRODUCE:
		r = mview_stream_open(c, q->name, q->op == OP_PRODUCE ?
		    MVIEW_STREAM_PRODUCE : q->op == OP_CONSUME_WRITE ?
		    MVIEW_STREAM_WRITE : 0, &s);
		if (r == 0)
			mview_stream_close(s);
		break;
	case OP_STAT:
		if ((r = mview_stream_stat(c, q->name, &info)) == 0)
			free(info);
		break;
	case OP_DELETE:
		r = mview_stream_delete(c, q->name);
		break;
	case OP_LIST:
		CHILD_OK(mview_stream_list(c, q->name, &info, &n));
		free(info);
		r = -(int)n;	/* how many it sees */
		break;
	}
	mview_client_close(c);
	return -r;
}

static int
as_nobody(enum perm_op op, const char *name)
{
	struct perm_req	q = { .socket = mviewd.socket, .name = name, .op = op };

	return harness_run_as(NOBODY, NOGROUP, perm_child, &q);
}

static void
make_stream(struct mview_client *c, const char *name, uint32_t mode)
{
	struct mview_stream_params	p;

	stream_params(&p, 4, mode);
	assert_int_equal(mview_stream_create(c, name, &p, NULL), 0);
}

static void
test_permissions_second_uid(void **state)
{
	struct mview_client	*c = integration_connect(&mviewd);
	struct mview_stream	*s;

	(void)state;
	if (geteuid() != 0)
		skip();
	make_stream(c, "p/0600", 0600);
	assert_int_equal(as_nobody(OP_CONSUME, "p/0600"), EACCES);
	assert_int_equal(as_nobody(OP_PRODUCE, "p/0600"), EACCES);
	assert_int_equal(as_nobody(OP_STAT, "p/0600"), EACCES);
	assert_int_equal(as_nobody(OP_DELETE, "p/0600"), EPERM);
	assert_int_equal(as_nobody(OP_LIST, "p/0600"), 0);
	make_stream(c, "p/0644", 0644);
	assert_int_equal(as_nobody(OP_CONSUME, "p/0644"), 0);
	assert_int_equal(as_nobody(OP_CONSUME_WRITE, "p/0644"), EACCES);
	assert_int_equal(as_nobody(OP_PRODUCE, "p/0644"), EACCES);
	assert_int_equal(as_nobody(OP_STAT, "p/0644"), 0);
	assert_int_equal(as_nobody(OP_LIST, "p/0644"), 1);
	assert_int_equal(as_nobody(OP_DELETE, "p/0644"), EPERM);
	make_stream(c, "p/0666", 0666);
	assert_int_equal(as_nobody(OP_PRODUCE, "p/0666"), 0);
	assert_int_equal(as_nobody(OP_CONSUME_WRITE, "p/0666"), 0);
	/* The owner's producer role makes it busy for everyone else. */
	assert_int_equal(mview_stream_open(c, "p/0666", MVIEW_STREAM_PRODUCE,
	    &s), 0);
	assert_int_equal(as_nobody(OP_PRODUCE, "p/0666"), EBUSY);
	mview_stream_close(s);
	assert_int_equal(as_nobody(OP_PRODUCE, "p/0666"), 0);
	drop_stream(c, "p/0600");
	drop_stream(c, "p/0644");
	drop_stream(c, "p/0666");
	mview_client_close(c);
}


/* ------------------------------------------------ the pollable fd */

struct poll_arg {
	struct mview_stream	*prod;
	int			 go[2];		/* a byte: publish one frame */
};

static void *
publisher_thread(void *p)
{
	struct poll_arg	*a = p;
	char		 b;

	while (read(a->go[0], &b, 1) == 1 && b == 'p')
		produce_one(a->prod);
	return NULL;
}

static bool
readable(int fd, int timeout_ms)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, timeout_ms) == 1 && (pfd.revents & POLLIN);
}

static void
test_pollable_fd(void **state)
{
	struct mview_client		*c = integration_connect(&mviewd);
	struct mview_stream_params	 p;
	struct mview_stream		*cons;
	struct mview_view		*f;
	struct mview_frame_info		 fi;
	struct poll_arg			 a;
	pthread_t			 t;
	uint64_t			 last = 0;
	int				 fd;

	(void)state;
	stream_params(&p, 4, 0600);
	assert_int_equal(mview_stream_create(c, "s/poll", &p, &a.prod), 0);
	assert_int_equal(mview_stream_open(c, "s/poll", 0, &cons), 0);
	assert_true((fd = mview_stream_fd(cons)) >= 0);
	assert_int_equal(mview_stream_fd(cons), fd);
	assert_false(readable(fd, 0));
	assert_int_equal(pipe(a.go), 0);
	assert_int_equal(pthread_create(&t, NULL, publisher_thread, &a), 0);
	for (int round = 0; round < 50; round++) {
		assert_int_equal(write(a.go[1], "p", 1), 1);
		assert_true(readable(fd, harness_timeout_ms()));
		assert_int_equal(mview_stream_next(cons, last, 0, &f, &fi), 0);
		assert_int_equal(fi.seq, last + 1);
		assert_true(frame_check(f, fi.seq));
		last = fi.seq;
		mview_view_release(f);
		/* Drained: -EAGAIN rearms it, and it is quiet again. */
		assert_int_equal(mview_stream_next(cons, last, 0, &f, &fi),
		    -EAGAIN);
		assert_false(readable(fd, 0));
	}
	assert_int_equal(write(a.go[1], "q", 1), 1);
	assert_int_equal(pthread_join(t, NULL), 0);
	close(a.go[0]);
	close(a.go[1]);
	mview_stream_close(cons);
	mview_stream_close(a.prod);
	drop_stream(c, "s/poll");
	mview_client_close(c);
}

/* ------------------------------------------------ an older client */

/* A client of protocol 1.1 (before streams) is served as before. */
static void
test_older_client(void **state)
{
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__Hello		 h = MVIEW__HELLO__INIT;
	Mview__SegmentCreate	 sc = MVIEW__SEGMENT_CREATE__INIT;
	Mview__Status		 st = MVIEW__STATUS__INIT;
	Mview__Ref		 ref = MVIEW__REF__INIT;
	Mview__Reply		*rep;
	int			 sock, fd;

	(void)state;
	assert_true((sock = raw_connect(mviewd.socket)) >= 0);
	h.version_major = 1;
	h.has_version_minor = true;
	h.version_minor = 1;
	req.body_case = MVIEW__REQUEST__BODY_HELLO;
	req.hello = &h;
	assert_int_equal(raw_call(sock, &req, &rep, NULL), 0);
	assert_false(rep->has_error && rep->error != 0);
	assert_int_equal(rep->body_case, MVIEW__REPLY__BODY_HELLO);
	wire_reply_free(rep);
	sc.name = (char *)"old/seg";
	sc.size = 4096;
	req = (Mview__Request)MVIEW__REQUEST__INIT;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_CREATE;
	req.segment_create = &sc;
	assert_int_equal(raw_call(sock, &req, &rep, &fd), 0);
	assert_int_equal(rep->body_case, MVIEW__REPLY__BODY_SEGMENT);
	assert_true(fd >= 0);
	close(fd);
	wire_reply_free(rep);
	req = (Mview__Request)MVIEW__REQUEST__INIT;
	req.body_case = MVIEW__REQUEST__BODY_STATUS;
	req.status = &st;
	assert_int_equal(raw_call(sock, &req, &rep, NULL), 0);
	assert_int_equal(rep->body_case, MVIEW__REPLY__BODY_STATUS);
	wire_reply_free(rep);
	ref.by_case = MVIEW__REF__BY_NAME;
	ref.name = (char *)"old/seg";
	req = (Mview__Request)MVIEW__REQUEST__INIT;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_DELETE;
	req.segment_delete = &ref;
	assert_int_equal(raw_call(sock, &req, &rep, NULL), 0);
	assert_false(rep->has_error && rep->error != 0);
	wire_reply_free(rep);
	close(sock);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frames_across_processes),
		cmocka_unit_test(test_threads_one_client),
		cmocka_unit_test(test_frame_views_any_order),
		cmocka_unit_test(test_frame_views_threads),
		cmocka_unit_test(test_readonly_consumer_faults),
		cmocka_unit_test(test_killed_consumer_holds_released),
		cmocka_unit_test(test_killed_producer_taken_over),
		cmocka_unit_test(test_hostile_consumer),
		cmocka_unit_test(test_limits_and_quotas),
		cmocka_unit_test(test_permissions_second_uid),
		cmocka_unit_test(test_older_client),
		cmocka_unit_test(test_pollable_fd),
	};

	integration_group_daemon(&mviewd, NULL);
	return cmocka_run_group_tests_name("integration-stream", tests,
	    integration_group_setup, integration_group_teardown);
}
