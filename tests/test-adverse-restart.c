/* SPDX-License-Identifier: MIT */
/* Hostile and unlucky restarts: a service manager that stops reading, a damaged journal. */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mview.h"
#include "sdemu.h"

#define START_MS	30000
#define SEG_SIZE	4096

/* One daemon under a stand-in service manager, fresh per test. */
struct env {
	struct sdemu		*m;
	struct mview_client	*c;
	char			 dir[64];
	char			*argv[24];
	char			 cmd[8192];
};

static struct env	*current;	/* stopped by the teardown on failure */

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
timeout_ms(void)
{
	const char	*s = getenv("MVIEW_TEST_TIMEOUT_MS");

	return s != NULL && atoi(s) > 0 ? atoi(s) : 10000;
}

static void
env_connect(struct env *e)
{
	int	r;

	if (e->c != NULL)
		mview_client_close(e->c);
	e->c = NULL;
	if ((r = mview_client_connect(sdemu_socket_path(e->m), &e->c)) < 0)
		fail_msg("connect: %s", mview_strerror(r));
	assert_int_equal(mview_client_set_timeout(e->c, timeout_ms()), 0);
}

static void
env_start(struct env *e)
{
	static char	 level[] = "--log-level=info";
	char		*args[] = { level, NULL };
	int		 r;

	memset(e, 0, sizeof(*e));
	current = e;
	strcpy(e->dir, "/tmp/mview-adverse-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	assert_int_equal(sdemu_mviewd_argv(e->cmd, sizeof(e->cmd), e->argv,
	    sizeof(e->argv) / sizeof(*e->argv), args), 0);
	assert_int_equal(sdemu_new(e->dir, &e->m), 0);
	if ((r = sdemu_start(e->m, e->argv, START_MS)) < 0)
		fail_msg("mviewd did not become ready: %s", strerror(-r));
	env_connect(e);
}

/* SIGKILL (a crash) and start again. */
static void
env_crash_restart(struct env *e)
{
	int	st = sdemu_stop(e->m, SIGKILL), r;

	assert_true(st >= 0 && WIFSIGNALED(st));
	if ((r = sdemu_start(e->m, e->argv, START_MS)) < 0)
		fail_msg("mviewd did not become ready: %s", strerror(-r));
	env_connect(e);
}

static void
env_stop(struct env *e)
{
	mview_client_close(e->c);
	e->c = NULL;
	if (sdemu_pid(e->m) > 0)
		assert_int_equal(sdemu_stop(e->m, SIGTERM), 0);
	sdemu_free(e->m);
	e->m = NULL;
	rmdir(e->dir);
	current = NULL;
}

/* After a failed test: kill its daemon, leave nothing behind. */
static int
env_teardown(void **state)
{
	(void)state;
	if (current == NULL)
		return 0;
	mview_client_close(current->c);
	sdemu_free(current->m);		/* SIGKILLs the daemon */
	rmdir(current->dir);
	current = NULL;
	return 0;
}

static void
create_filled(struct env *e, const char *name, uint8_t fill)
{
	struct mview_segment	*seg;
	int			 r;

	r = mview_segment_create(e->c, name, SEG_SIZE, 0644,
	    MVIEW_LIFETIME_PERSISTENT, 0, &seg);
	if (r < 0)
		fail_msg("create %s: %s (%s)", name, mview_strerror(r),
		    mview_client_last_error(e->c));
	memset(mview_segment_data(seg), fill, SEG_SIZE);
	mview_segment_close(seg);
}

/* Segments listed under prefix. */
static size_t
count_listed(struct env *e, const char *prefix)
{
	struct mview_segment_info	*v;
	size_t				 n;

	assert_int_equal(mview_segment_list(e->c, prefix, &v, &n), 0);
	free(v);
	return n;
}

static bool
wait_stored_count(struct env *e, const char *prefix, size_t want)
{
	int64_t	deadline = now_ms() + timeout_ms();

	do {
		if (sdemu_count_prefix(e->m, prefix) == want)
			return true;
		poll(NULL, 0, 10);
	} while (now_ms() < deadline);
	return false;
}

/* ------------------------------------------------------ a stalled manager */

/*
 * The manager stops reading its notify socket (a busy PID 1): creates go
 * on being served, the fd store catches up in order once it reads again,
 * and a crash after that loses nothing.
 */
static void
test_notify_stalled(void **state)
{
	struct mview_status	st;
	struct env		e;
	char			name[32];
	size_t			stored_stalled;

	(void)state;
	env_start(&e);
	sdemu_stall(e.m, true);
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "q/%d", i);
		create_filled(&e, name, (uint8_t)i);
	}
	assert_int_equal(mview_client_status(e.c, &st), 0);
	assert_int_equal(st.segments, 40);
	stored_stalled = sdemu_count_prefix(e.m, "seg-");
	print_message("# 40 creates served while the manager did not read "
	    "(%zu fds stored meanwhile)\n", stored_stalled);
	assert_true(stored_stalled < 40);
	sdemu_stall(e.m, false);
	assert_true(wait_stored_count(&e, "seg-", 40));
	env_crash_restart(&e);
	assert_int_equal(count_listed(&e, "q/"), 40);
	assert_int_equal(sdemu_count_prefix(e.m, "seg-"), 40);

	/* Deleted while stalled: the queued store is cancelled, nothing stays. */
	sdemu_stall(e.m, true);
	for (int i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "t/%d", i);
		create_filled(&e, name, 1);
		assert_int_equal(mview_segment_delete(e.c, name), 0);
	}
	assert_int_equal(mview_segment_delete(e.c, "q/0"), 0);
	sdemu_stall(e.m, false);
	assert_true(wait_stored_count(&e, "seg-", 39));
	env_crash_restart(&e);
	assert_int_equal(count_listed(&e, "q/"), 39);
	assert_int_equal(count_listed(&e, "t/"), 0);
	assert_int_equal(sdemu_count_prefix(e.m, "seg-"), 39);
	env_stop(&e);
}

/* ------------------------------------------------------ a damaged journal */

/* The stored journal's fd (the manager's; valid while it is stored). */
static int
journal_fd(struct env *e)
{
	char	name[300];
	int	fd = -1;
	size_t	n = sdemu_stored_name(e->m, 0, name, sizeof(name));

	for (size_t i = 0; i < n; i++) {
		sdemu_stored_name(e->m, i, name, sizeof(name));
		if (strncmp(name, "journal-", 8) == 0)
			fd = sdemu_stored_fd(e->m, name);
	}
	assert_true(fd >= 0);
	return fd;
}

/* The offset of the k-th (from 0) record of type in the journal. */
static off_t
journal_record(int fd, unsigned type, int k)
{
	uint8_t	head[16];
	off_t	off = 32;

	while (pread(fd, head, sizeof(head), off) == (ssize_t)sizeof(head)) {
		uint32_t len = (uint32_t)head[0] | (uint32_t)head[1] << 8 |
		    (uint32_t)head[2] << 16 | (uint32_t)head[3] << 24;
		unsigned t = head[4] | head[5] << 8;

		if (len == 0 && t == 0)
			break;
		if (t == type && k-- == 0)
			return off;
		off += 20 + (off_t)len;
	}
	fail_msg("no record %d of type %u in the journal", k, type);
	return -1;
}

static void
flip_byte(int fd, off_t off)
{
	uint8_t	b;

	assert_int_equal(pread(fd, &b, 1, off), 1);
	b ^= 0x10;
	assert_int_equal(pwrite(fd, &b, 1, off), 1);
}

/* The one recovered segment: unnamed, root's, its bytes intact. */
static void
check_recovered(struct env *e, uint8_t fill)
{
	struct mview_segment_info	*v;
	struct mview_segment		*seg;
	struct mview_status		 st;
	const uint8_t			*p;
	size_t				 n, found = 0;
	uint64_t			 id = 0;

	assert_int_equal(mview_segment_list(e->c, "", &v, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (v[i].recovered) {
			assert_null(v[i].name);
			assert_int_equal(v[i].uid, 0);
			assert_int_equal(v[i].mode, 0600);
			assert_int_equal(v[i].size, SEG_SIZE);
			id = v[i].id;
			found++;
		}
	free(v);
	assert_int_equal(found, 1);
	assert_int_equal(mview_client_status(e->c, &st), 0);
	assert_int_equal(st.recovered_segments, 1);
	assert_int_equal(mview_segment_open_id(e->c, id, 0, &seg), 0);
	p = mview_segment_data(seg);
	for (size_t i = 0; i < SEG_SIZE; i++)
		if (p[i] != fill)
			fail_msg("recovered byte %zu is %u, not %u", i, p[i], fill);
	mview_segment_close(seg);
}

/*
 * A flipped bit in the record of the third of eight segments loses that
 * record only: the seven others come back by name, and the third, whose
 * memfd is in the store, is kept as recovered (unnamed, root's) with its
 * bytes. A zeroed journal header then loses nothing either.
 */
static void
test_journal_damage(void **state)
{
	struct env	e;
	char		name[32];
	int		fd, r;

	(void)state;
	env_start(&e);
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "j/%d", i);
		create_filled(&e, name, (uint8_t)(i + 1));
	}
	assert_int_equal(sdemu_stop(e.m, SIGKILL) & 0x7f, SIGKILL);
	fd = journal_fd(&e);
	flip_byte(fd, journal_record(fd, 1, 2) + 16 + 20);
	if ((r = sdemu_start(e.m, e.argv, START_MS)) < 0)
		fail_msg("mviewd did not become ready: %s", strerror(-r));
	env_connect(&e);
	assert_int_equal(count_listed(&e, "j/"), 7);
	assert_int_equal(count_listed(&e, ""), 8);
	check_recovered(&e, 3);
	assert_int_equal(sdemu_count_prefix(e.m, "seg-"), 8);

	/* A zeroed header: the records are read without it. */
	assert_int_equal(sdemu_stop(e.m, SIGKILL) & 0x7f, SIGKILL);
	fd = journal_fd(&e);
	{
		uint8_t zero[32] = { 0 };

		assert_int_equal(pwrite(fd, zero, sizeof(zero), 0), 32);
	}
	if ((r = sdemu_start(e.m, e.argv, START_MS)) < 0)
		fail_msg("mviewd did not become ready: %s", strerror(-r));
	env_connect(&e);
	assert_int_equal(count_listed(&e, "j/"), 7);
	assert_int_equal(count_listed(&e, ""), 8);
	check_recovered(&e, 3);
	env_stop(&e);
}

/* ------------------------------------------------------ ids */

/* Send fd to the manager as if the daemon had stored it under fdname. */
static void
store_stray(struct env *e, const char *fdname, int fd)
{
	struct sockaddr_un	 sa = { .sun_family = AF_UNIX };
	char			 msg[128];
	union {
		char		c[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	align;
	} ctl;
	struct iovec		 iov;
	struct msghdr		 mh = { 0 };
	struct cmsghdr		*cm;
	int			 s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(s >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify", e->dir);
	snprintf(msg, sizeof(msg), "FDSTORE=1\nFDNAME=%s", fdname);
	iov.iov_base = msg;
	iov.iov_len = strlen(msg);
	mh.msg_name = &sa;
	mh.msg_namelen = sizeof(sa);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.c;
	mh.msg_controllen = sizeof(ctl.c);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	assert_true(sendmsg(s, &mh, 0) > 0);
	close(s);
}

/* A store entry near 2^64 - 1 (the largest name the parser takes) does
 * not make ids wrap to 0, 1, 2. */
static void
test_ids_do_not_wrap(void **state)
{
	struct mview_segment	*seg[8];
	struct env		 e;
	int			 fd = memfd_create("stray", MFD_CLOEXEC), r;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 4096), 0);
	env_start(&e);
	store_stray(&e, "seg-18446744073709551609", fd);
	close(fd);
	assert_true(wait_stored_count(&e, "seg-18446744073709551609", 1));
	env_crash_restart(&e);
	for (int i = 0; i < 8; i++) {
		r = mview_segment_create(e.c, NULL, 4096, 0600,
		    MVIEW_LIFETIME_SESSION, 0, &seg[i]);
		if (r < 0)
			fail_msg("create: %s", mview_client_last_error(e.c));
		print_message("# id %" PRIu64 "\n",
		    mview_segment_info(seg[i])->id);
		assert_true(mview_segment_info(seg[i])->id > 0);
		assert_true(mview_segment_info(seg[i])->id < (1ULL << 62));
	}
	for (int i = 0; i < 7; i++)
		assert_true(mview_segment_info(seg[i])->id <
		    mview_segment_info(seg[i + 1])->id);
	for (int i = 0; i < 8; i++)
		mview_segment_close(seg[i]);
	env_stop(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_notify_stalled, env_teardown),
		cmocka_unit_test_teardown(test_journal_damage, env_teardown),
		cmocka_unit_test_teardown(test_ids_do_not_wrap, env_teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	alarm(300);
	return cmocka_run_group_tests_name("adverse-restart", tests, NULL,
	    NULL);
}
