/* SPDX-License-Identifier: MIT */
/*
 * Streams of 1080p RGB frames through mviewd, on the public API only.
 *
 *   mview-stream [OPTIONS] produce   create the stream and publish
 *                                    synthetic frames at a fixed rate
 *   mview-stream [OPTIONS] consume   take frames, hold each one for
 *                                    --hold-ms, then check every byte
 *   mview-stream [OPTIONS] torn      both, in two processes: a 60 fps
 *                                    producer and a consumer that takes
 *                                    ~20 ms per frame; exit 1 on a torn frame
 *
 * Options: --socket PATH, --name NAME (default "demo/camera"), --fps F
 * (60), --seconds S (3), --width W (1920), --height H (1080), --slots N
 * (4), --hold-ms MS (20), --ready-fd FD (produce: write a byte there once
 * the stream exists).
 *
 * Row y of frame seq is filled with the byte (seq + y) mod 256, so that a
 * consumer can tell, byte by byte, whether the frame it holds is still the
 * one that was published under its sequence: a torn frame (one the
 * producer wrote into while the consumer held it) shows other bytes.
 */
#include <sys/wait.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mview.h"

struct opts {
	const char	*socket;
	const char	*name;
	double		 fps;
	double		 seconds;
	int64_t		 width, height;
	uint32_t	 slots;
	int		 hold_ms;
	int		 ready_fd;
};

static int64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
fail(const char *who, const char *what, int r, struct mview_client *c)
{
	const char	*msg = c != NULL ? mview_client_last_error(c) : NULL;

	fprintf(stderr, "%s: %s: %s%s%s\n", who, what, mview_strerror(r),
	    msg != NULL && msg[0] != '\0' ? ": " : "", msg != NULL ? msg : "");
	return 1;
}

static int
connect_to(const struct opts *o, const char *who, struct mview_client **c)
{
	char	msg[256] = "";
	int	r;

	if ((r = mview_client_connect_timeout(o->socket, 0, 10000, c, msg,
	    sizeof(msg))) < 0) {
		fprintf(stderr, "%s: cannot reach mviewd: %s\n", who,
		    msg[0] != '\0' ? msg : mview_strerror(r));
		return 1;
	}
	return 0;
}

/* Row y of frame seq: the byte (seq + y) mod 256, in every column. */
static void
frame_fill(uint8_t *p, const struct opts *o, uint64_t seq)
{
	size_t	row = (size_t)o->width * 3;

	for (int64_t y = 0; y < o->height; y++)
		memset(p + (size_t)y * row, (int)((seq + (uint64_t)y) & 0xff), row);
}

/* Bytes of frame seq that differ from what was published. */
static uint64_t
frame_check(const uint8_t *p, const struct opts *o, uint64_t seq)
{
	size_t		row = (size_t)o->width * 3;
	uint64_t	bad = 0;

	for (int64_t y = 0; y < o->height; y++) {
		uint8_t		want = (uint8_t)((seq + (uint64_t)y) & 0xff);
		const uint8_t	*r = p + (size_t)y * row;

		for (size_t x = 0; x < row; x++)
			bad += r[x] != want;
	}
	return bad;
}

static int
produce(const struct opts *o)
{
	struct mview_stream_params	 p;
	struct mview_client		*c;
	struct mview_stream		*st;
	struct mview_view		*f;
	struct timespec			 at;
	int64_t				 shape[3] = { o->height, o->width, 3 };
	int64_t				 period, next, t0;
	uint64_t			 seq = 0, n, busy = 0;
	int				 r;

	if (connect_to(o, "producer", &c) != 0)
		return 1;
	memset(&p, 0, sizeof(p));
	p.slots = o->slots;
	p.format = "B";
	p.ndim = 3;
	p.shape = shape;
	p.mode = 0644;
	p.lifetime = MVIEW_LIFETIME_SESSION;	/* goes with this process */
	if ((r = mview_stream_create(c, o->name, &p, &st)) < 0) {
		fail("producer", "create the stream", r, c);
		mview_client_close(c);
		return 1;
	}
	printf("[producer %ld] stream %s: %" PRId64 "x%" PRId64 " RGB, %"
	    PRIu32 " slots, %.0f fps for %.1f s\n", (long)getpid(), o->name,
	    o->width, o->height, o->slots, o->fps, o->seconds);
	fflush(stdout);
	if (o->ready_fd >= 0) {
		(void)!write(o->ready_fd, "r", 1);
		close(o->ready_fd);
	}
	n = (uint64_t)(o->fps * o->seconds + 0.5);
	period = (int64_t)(1e9 / o->fps);
	t0 = next = now_ns();
	for (uint64_t k = 0; k < n; k++) {
		/* A free slot at once: the producer never waits on consumers. */
		if ((r = mview_stream_loan(st, 0, &f)) == -EBUSY) {
			busy++;
			goto sleep;
		}
		if (r < 0) {
			fail("producer", "loan", r, NULL);
			break;
		}
		frame_fill(mview_view_data(f), o, seq + 1);
		if ((r = mview_stream_publish(st, NULL, &seq)) < 0) {
			mview_view_release(f);
			fail("producer", "publish", r, NULL);
			break;
		}
		mview_view_release(f);
sleep:
		next += period;
		at.tv_sec = next / 1000000000;
		at.tv_nsec = next % 1000000000;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at,
		    NULL) == EINTR)
			continue;
	}
	printf("[producer %ld] published %" PRIu64 " frames in %.2f s (%"
	    PRIu64 " times no free slot)\n", (long)getpid(), seq,
	    (double)(now_ns() - t0) / 1e9, busy);
	fflush(stdout);
	mview_stream_close(st);
	mview_client_close(c);
	return r < 0 && r != -EBUSY ? 1 : 0;
}

static int
consume(const struct opts *o)
{
	struct mview_client	*c;
	struct mview_stream	*st = NULL;
	struct mview_view	*f;
	struct mview_frame_info	 fi;
	struct timespec		 hold = { o->hold_ms / 1000,
				    (long)(o->hold_ms % 1000) * 1000000 };
	uint64_t		 frames = 0, torn = 0, dropped = 0, last = 0;
	int64_t			 t0 = 0, t1 = 0;
	int			 r;

	if (connect_to(o, "consumer", &c) != 0)
		return 1;
	if ((r = mview_stream_open(c, o->name, 0, &st)) < 0) {
		fail("consumer", "open the stream", r, c);
		mview_client_close(c);
		return 1;
	}
	for (;;) {
		/* The stream goes with its producer: 2 s without a frame ends. */
		r = mview_stream_next(st, last, 2000, &f, &fi);
		if (r == -ETIMEDOUT)
			break;
		if (r < 0) {
			fail("consumer", "next", r, NULL);
			break;
		}
		if (frames == 0)
			t0 = now_ns();
		/* Work on the frame while holding it, then look at every byte:
		 * the producer must not have touched it meanwhile. */
		nanosleep(&hold, NULL);
		if (frame_check(mview_view_data(f), o, fi.seq) != 0)
			torn++;
		mview_view_release(f);
		t1 = now_ns();
		frames++;
		dropped += fi.dropped;
		last = fi.seq;
	}
	printf("[consumer %ld] %" PRIu64 " frames checked byte by byte in "
	    "%.2f s holding each %d ms: %" PRIu64 " torn, %" PRIu64
	    " dropped, last sequence %" PRIu64 "\n", (long)getpid(), frames,
	    (double)(t1 - t0) / 1e9, o->hold_ms, torn,
	    dropped, last);
	fflush(stdout);
	mview_stream_close(st);
	mview_client_close(c);
	return torn > 0 || frames == 0 || r != -ETIMEDOUT ? 1 : 0;
}

/* A producer process and a consumer process, as two programs would be. */
static int
torn(struct opts *o)
{
	int	fds[2], status, rc;
	pid_t	pid;
	char	b;

	if (pipe(fds) < 0) {
		perror("pipe");
		return 1;
	}
	fflush(stdout);
	if ((pid = fork()) < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		close(fds[0]);
		o->ready_fd = fds[1];
		_exit(produce(o));
	}
	close(fds[1]);
	/* The stream exists once the producer wrote its byte. */
	if (read(fds[0], &b, 1) != 1) {
		close(fds[0]);
		waitpid(pid, &status, 0);
		fprintf(stderr, "torn: the producer did not start\n");
		return 1;
	}
	close(fds[0]);
	rc = consume(o);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		rc = 1;
	printf("%s\n", rc == 0 ? "0 torn frames: every frame a consumer held "
	    "stayed as published." : "FAILED: see above.");
	return rc;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: mview-stream [--socket PATH] [--name NAME] [--fps F] "
	    "[--seconds S]\n"
	    "           [--width W] [--height H] [--slots N] [--hold-ms MS] "
	    "[--ready-fd FD]\n"
	    "           produce|consume|torn\n");
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "socket", required_argument, NULL, 'S' },
		{ "name", required_argument, NULL, 'n' },
		{ "fps", required_argument, NULL, 'f' },
		{ "seconds", required_argument, NULL, 's' },
		{ "width", required_argument, NULL, 'W' },
		{ "height", required_argument, NULL, 'H' },
		{ "slots", required_argument, NULL, 'N' },
		{ "hold-ms", required_argument, NULL, 'h' },
		{ "ready-fd", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, '?' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts	o = { NULL, "demo/camera", 60, 3, 1920, 1080, 4, 20, -1 };
	int		c;

	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'S': o.socket = optarg; break;
		case 'n': o.name = optarg; break;
		case 'f': o.fps = atof(optarg); break;
		case 's': o.seconds = atof(optarg); break;
		case 'W': o.width = atoll(optarg); break;
		case 'H': o.height = atoll(optarg); break;
		case 'N': o.slots = (uint32_t)atoi(optarg); break;
		case 'h': o.hold_ms = atoi(optarg); break;
		case 'r': o.ready_fd = atoi(optarg); break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || !(o.fps > 0 && o.fps <= 10000) ||
	    !(o.seconds >= 0 && o.seconds <= 86400) || o.width <= 0 ||
	    o.height <= 0 || o.width > 16384 || o.height > 16384 ||
	    o.hold_ms < 0 || o.hold_ms > 10000) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[optind], "produce") == 0)
		return produce(&o);
	if (strcmp(argv[optind], "consume") == 0)
		return consume(&o);
	if (strcmp(argv[optind], "torn") == 0)
		return torn(&o);
	usage(stderr);
	return 2;
}
