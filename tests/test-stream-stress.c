/* SPDX-License-Identifier: MIT */
/* Torn-read stress of the stream ring across processes over raw memfds: every byte of every frame seen is checked. */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stream-internal.h"
#include "stream-test.h"

#define SMALL		256			/* bytes of a small frame */
#define HD		(1920 * 1080 * 3)	/* bytes of a 1080p RGB frame */
#define PATIENCE_NS	60000000000LL		/* no progress this long: fail */

/* What a consumer does between frames. */
enum role {
	ROLE_SPIN,	/* latest, spins before sleeping, releases at once */
	ROLE_LOSSLESS,	/* lossless, sleeps on the futex (no spin) */
	ROLE_HOLDER,	/* latest, keeps max_holds frames, re-checks them late */
	ROLE_SLOW,	/* latest, pauses now and then (drops frames) */
};

static const char *const role_names[] = { "spin", "lossless", "holder",
	"slow" };

struct report {
	uint64_t	seen, dropped, torn, disorder, errors, rechecked;
	uint64_t	lease_seen, lease_dropped;
};

struct run {
	const char	*name;
	unsigned	 consumers;
	uint64_t	 frames;
	uint64_t	 nbytes;
	uint32_t	 holds;
	uint64_t	 first_seq;
};

static void
release_checked(struct stream_consumer *c, struct stream_frame *f,
    uint64_t nbytes, struct report *rep)
{
	rep->torn += stream_test_check(f->data, nbytes, f->seq);
	rep->rechecked++;
	stream_consumer_release(c, f);
}

static void
consume(struct stream_consumer *c, enum role role, uint64_t final,
    uint64_t nbytes, struct report *rep)
{
	struct stream_frame	 held[STREAM_MAX_HOLDS], f;
	struct stream_wait	 w = { PATIENCE_NS, 0 };
	uint64_t		 last = c->last_seq;
	unsigned		 nheld = 0, k;
	int			 r;

	if (role == ROLE_SPIN)
		w.spin_ns = 10000;
	else if (role != ROLE_LOSSLESS)
		w.spin_ns = 2000;
	while (last < final) {
		if (role == ROLE_HOLDER && nheld == c->geo.max_holds) {
			release_checked(c, &held[0], nbytes, rep);
			memmove(held, held + 1, --nheld * sizeof(held[0]));
		}
		if ((r = stream_consumer_next(c, last, &w, &f)) < 0) {
			fprintf(stderr, "consumer %s: next after %" PRIu64
			    ": %s\n", role_names[role], last, strerror(-r));
			rep->errors++;
			break;
		}
		if (f.seq <= last)
			rep->disorder++;
		rep->torn += stream_test_check(f.data, nbytes, f.seq);
		rep->seen++;
		rep->dropped += f.dropped;
		last = f.seq;
		if (role == ROLE_HOLDER) {
			held[nheld++] = f;
			continue;
		}
		if (role == ROLE_SLOW && f.seq % 64 == 0)
			usleep(200);
		release_checked(c, &f, nbytes, rep);
	}
	for (k = 0; k < nheld; k++)
		release_checked(c, &held[k], nbytes, rep);
	rep->lease_seen = atomic_load(&c->lease->seen);
	rep->lease_dropped = atomic_load(&c->lease->dropped);
}

/* A consumer process: its own read-only mappings of control and data. */
static void
consumer_main(struct stream_test *t, unsigned pos, enum role role,
    uint64_t final, uint64_t nbytes, int ready_fd, int report_fd)
{
	struct stream_consumer	 c;
	struct report		 rep;
	void			*control, *data, *lease;

	memset(&rep, 0, sizeof(rep));
	if (stream_map(t->control_fd, t->control_size, false, &control) < 0 ||
	    stream_map(t->data_fd, t->data_size, false, &data) < 0 ||
	    stream_map(t->lease_fd[pos], STREAM_LEASE_SIZE, true, &lease) < 0 ||
	    stream_consumer_attach(&c, &t->geo, control, data, false, lease,
	    pos) < 0)
		_exit(3);
	if (write(ready_fd, "r", 1) != 1)
		_exit(3);
	consume(&c, role, final, nbytes, &rep);
	stream_consumer_detach(&c);
	if (write(report_fd, &rep, sizeof(rep)) != sizeof(rep))
		_exit(4);
	_exit(0);
}

static int
produce(struct stream_test *t, const struct run *run)
{
	struct stream_producer	p;
	struct stream_frame	f;
	struct stream_wait	w = { PATIENCE_NS, 0 };
	uint64_t		i;
	int			r;

	if ((r = stream_test_producer(t, &p)) < 0)
		return r;
	for (i = 0; i < run->frames; i++) {
		if ((r = stream_producer_loan(&p, &w, &f)) < 0) {
			fprintf(stderr, "producer: loan: %s\n", strerror(-r));
			return r;
		}
		stream_test_fill(f.data, run->nbytes, f.seq);
		if ((r = stream_producer_publish(&p, &f)) < 0)
			return r;
	}
	return 0;
}

static ssize_t
read_full(int fd, void *buf, size_t len)
{
	size_t	done = 0;
	ssize_t	n;

	while (done < len) {
		n = read(fd, (char *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return done;
		done += n;
	}
	return done;
}

/* Check one consumer's report against what it was promised. */
static int
judge(const struct run *run, unsigned i, enum role role,
    const struct report *rep, uint64_t *ret_torn)
{
	int	bad = 0;

	*ret_torn += rep->torn;
	if (rep->errors || rep->torn || rep->disorder)
		bad = 1;
	if (rep->seen + rep->dropped != run->frames ||
	    rep->lease_seen != rep->seen || rep->lease_dropped != rep->dropped)
		bad = 1;
	if (role == ROLE_LOSSLESS && (rep->dropped != 0 ||
	    rep->seen != run->frames))
		bad = 1;
	printf("#   consumer %2u %-8s seen %8" PRIu64 " dropped %8" PRIu64
	    " torn bytes %" PRIu64 " out of order %" PRIu64 " errors %" PRIu64
	    "%s\n", i, role_names[role], rep->seen, rep->dropped, rep->torn,
	    rep->disorder, rep->errors, bad ? "  <-- FAIL" : "");
	return bad;
}

/* Roles by position: two lossless consumers at most (each one sets the
 * producer's pace), the others spinning, holding and slow in turn. */
static enum role
role_of(unsigned i)
{
	static const enum role others[] = { ROLE_SPIN, ROLE_HOLDER, ROLE_SLOW };

	if (i == 1 || i == 6)
		return ROLE_LOSSLESS;
	return others[(i - (i > 1) - (i > 6)) % 3];
}

static int
run_one(const struct run *run, unsigned num)
{
	struct stream_test	 t;
	struct report		 rep;
	pid_t			 pids[STREAM_MAX_CONSUMERS];
	int			 rfd[2], pfd[STREAM_MAX_CONSUMERS][2];
	uint64_t		 final, torn = 0, t0;
	unsigned		 i, ready = 0;
	char			 ch;
	int			 bad = 0, status;

	if (stream_test_create(&t, run->consumers * run->holds + 2,
	    run->nbytes, run->consumers, run->holds, run->first_seq) < 0 ||
	    pipe2(rfd, O_CLOEXEC) < 0)
		return -1;
	final = run->first_seq + run->frames - 1;
	fflush(NULL);
	for (i = 0; i < run->consumers; i++) {
		if (stream_consumer_activate(t.control, &t.geo, t.leases[i], i,
		    role_of(i) == ROLE_LOSSLESS ? STREAM_POLICY_LOSSLESS :
		    STREAM_POLICY_LATEST) < 0 || pipe2(pfd[i], O_CLOEXEC) < 0)
			return -1;
		if ((pids[i] = fork()) == 0) {
			close(rfd[0]);
			close(pfd[i][0]);
			consumer_main(&t, i, role_of(i), final, run->nbytes, rfd[1],
			    pfd[i][1]);
		}
		close(pfd[i][1]);
	}
	close(rfd[1]);
	while (ready < run->consumers && read(rfd[0], &ch, 1) == 1)
		ready++;
	close(rfd[0]);
	t0 = (uint64_t)stream_now_ns();
	if (ready < run->consumers || produce(&t, run) < 0)
		bad = 1;
	for (i = 0; i < run->consumers; i++) {
		memset(&rep, 0, sizeof(rep));
		if (read_full(pfd[i][0], &rep, sizeof(rep)) != sizeof(rep)) {
			rep.errors = 1;
			if (bad)
				kill(pids[i], SIGKILL);
		}
		close(pfd[i][0]);
		waitpid(pids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			rep.errors++;
		bad |= judge(run, i, role_of(i), &rep, &torn);
	}
	printf("%s %u - %s: %" PRIu64 " frames of %" PRIu64 " bytes, %u "
	    "consumers, %u slots, %.2f s, %" PRIu64 " torn bytes\n",
	    bad ? "not ok" : "ok", num, run->name, run->frames, run->nbytes,
	    run->consumers, t.geo.nslots,
	    ((uint64_t)stream_now_ns() - t0) / 1e9, torn);
	fflush(stdout);
	stream_test_destroy(&t);
	return bad;
}

int
main(int argc, char **argv)
{
	const uint64_t	 big = (1ULL << 63) + 12345;
	struct run	 runs[] = {
		{ "small, 1 consumer", 1, 100000, SMALL, 4, 1 },
		{ "small, 4 consumers", 4, 100000, SMALL, 4, big },
		{ "small, 16 consumers", 16, 20000, SMALL, 2, 1 },
		{ "1080p, 1 consumer", 1, 1000, HD, 2, 1 },
		{ "1080p, 4 consumers", 4, 400, HD, 2, big },
		{ "1080p, 16 consumers", 16, 100, HD, 1, 1 },
	};
	unsigned	 n = sizeof(runs) / sizeof(runs[0]), i, scale = 1;
	int		 bad = 0;

	if (argc > 1 && strcmp(argv[1], "--soak") == 0)
		scale = argc > 2 ? (unsigned)atoi(argv[2]) : 20;
	printf("1..%u\n", n);
	for (i = 0; i < n; i++) {
		runs[i].frames *= scale;
		bad |= run_one(&runs[i], i + 1) != 0;
	}
	return bad;
}
