/* SPDX-License-Identifier: MIT */
/* Integration: processes share memory through a real mviewd; read-only is kernel-enforced. */
#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "integration.h"
#include "raw-client.h"

static struct harness_daemon mviewd;

/* Block until the other side writes one byte on fd (or the pipe closes). */
static int
pipe_wait(int fd)
{
	char	b;

	return read(fd, &b, 1) == 1 ? 0 : -EPIPE;
}

static int
pipe_post(int fd)
{
	return write(fd, "x", 1) == 1 ? 0 : -EPIPE;
}

struct pingpong {
	int	to_child[2], to_parent[2];
	int	rounds;
};

/*
 * The child maps the parent's segment writable, then each round waits for
 * the parent's value in slot 0, answers it + 1 in slot 1.
 */
static int
pingpong_child(void *arg)
{
	struct pingpong		*pp = arg;
	struct mview_client	*c = NULL;
	struct mview_segment	*s = NULL;
	volatile uint64_t	*slot;

	close(pp->to_child[1]);
	close(pp->to_parent[0]);
	CHILD_OK(mview_client_connect(mviewd.socket, &c));
	CHILD_OK(mview_segment_open(c, "share/pingpong", MVIEW_OPEN_WRITE, &s));
	CHILD_CHECK(mview_segment_info(s)->writable);
	slot = mview_segment_data(s);
	CHILD_CHECK(memcmp((const void *)(slot + 2), "from parent", 12) == 0);
	memcpy((void *)(slot + 4), "from child", 11);
	CHILD_OK(pipe_post(pp->to_parent[1]));
	for (int i = 0; i < pp->rounds; i++) {
		CHILD_OK(pipe_wait(pp->to_child[0]));
		CHILD_CHECK(slot[0] == (uint64_t)(2 * i));
		slot[1] = slot[0] + 1;
		CHILD_OK(pipe_post(pp->to_parent[1]));
	}
	mview_segment_close(s);
	mview_client_close(c);
	return 0;
}

/* Two processes write into one segment and each sees the other's writes. */
static void
test_share_both_ways(void **state)
{
	struct pingpong		 pp = { .rounds = 50 };
	struct mview_client	*c = integration_connect(&mviewd);
	struct mview_segment	*s = NULL;
	volatile uint64_t	*slot;
	pid_t			 pid;

	(void)state;
	assert_int_equal(mview_segment_create(c, "share/pingpong", 4096, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &s), 0);
	slot = mview_segment_data(s);
	assert_non_null(slot);
	memcpy((void *)(slot + 2), "from parent", 12);
	assert_int_equal(pipe(pp.to_child), 0);
	assert_int_equal(pipe(pp.to_parent), 0);
	pid = harness_child_start((uid_t)-1, (gid_t)-1, pingpong_child, &pp);
	assert_true(pid > 0);
	close(pp.to_child[0]);
	close(pp.to_parent[1]);
	assert_int_equal(pipe_wait(pp.to_parent[0]), 0);
	assert_memory_equal((const void *)(slot + 4), "from child", 11);
	for (int i = 0; i < pp.rounds; i++) {
		slot[0] = (uint64_t)(2 * i);
		assert_int_equal(pipe_post(pp.to_child[1]), 0);
		assert_int_equal(pipe_wait(pp.to_parent[0]), 0);
		assert_int_equal(slot[1], (uint64_t)(2 * i + 1));
	}
	close(pp.to_child[1]);
	close(pp.to_parent[0]);
	assert_int_equal(harness_child_wait(pid), 0);
	mview_segment_close(s);
	assert_int_equal(mview_segment_delete(c, "share/pingpong"), 0);
	mview_client_close(c);
}

/* A child publishes an int32 view at an offset; it fills the values. */
static int
publish_child(void *arg)
{
	struct mview_client	*c = NULL;
	struct mview_segment	*s = NULL;
	struct mview_view	*v = NULL;
	struct mview_error	 e;
	const int64_t		 shape = 4;

	(void)arg;
	CHILD_OK(mview_client_connect(mviewd.socket, &c));
	CHILD_OK(mview_segment_open(c, "share/views", MVIEW_OPEN_WRITE, &s));
	CHILD_OK(mview_view_new(s, "i", 1, &shape, NULL, 1024, &v, &e));
	for (int64_t i = 0; i < 4; i++) {
		struct mview_value val = { .type = MVIEW_VALUE_INT, .i = 10 * (i + 1) };

		CHILD_OK(mview_view_set(v, &i, 1, &val, &e));
	}
	CHILD_OK(mview_view_publish(c, "share/views/i32", v, 0));
	mview_view_release(v);
	mview_segment_close(s);
	mview_client_close(c);
	return 0;
}

/* A view published by one process is found and read by another. */
static void
test_share_published_view(void **state)
{
	struct mview_client	*c = integration_connect(&mviewd);
	struct mview_segment	*s = NULL;
	struct mview_view	*v = NULL;
	const struct mview_desc	*d;
	int32_t			*p;

	(void)state;
	assert_int_equal(mview_segment_create(c, "share/views", 4096, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &s), 0);
	assert_int_equal(harness_run_as((uid_t)-1, (gid_t)-1, publish_child,
	    NULL), 0);
	assert_int_equal(mview_view_lookup(c, "share/views/i32", 0, &v), 0);
	d = mview_view_desc(v);
	assert_int_equal(d->segment_id, mview_segment_info(s)->id);
	assert_int_equal(d->offset, 1024);
	assert_int_equal(d->ndim, 1);
	assert_int_equal(d->shape[0], 4);
	assert_int_equal(d->itemsize, 4);
	assert_string_equal(d->format, "i");
	/* One mapping per segment per client: the lookup reuses ours. */
	assert_ptr_equal(mview_view_data(v),
	    (char *)mview_segment_data(s) + 1024);
	p = mview_view_data(v);
	assert_int_equal(p[0], 10);
	assert_int_equal(p[3], 40);
	mview_view_release(v);
	mview_segment_close(s);
	assert_int_equal(mview_segment_delete(c, "share/views"), 0);
	assert_int_equal(mview_view_lookup(c, "share/views/i32", 0, &v),
	    -ENOENT);
	mview_client_close(c);
}

/* Mapped read-only through the library: the kernel refuses PROT_WRITE. */
static void
test_readonly_mapping_refuses_write(void **state)
{
	struct mview_client	*owner = integration_connect(&mviewd);
	struct mview_client	*reader = integration_connect(&mviewd);
	struct mview_segment	*s = NULL, *ro = NULL;
	long			 page = sysconf(_SC_PAGESIZE);

	(void)state;
	assert_int_equal(mview_segment_create(owner, "share/ro", 2 * page, 0644,
	    MVIEW_LIFETIME_PERSISTENT, 0, &s), 0);
	memcpy(mview_segment_data(s), "pattern", 8);
	assert_int_equal(mview_segment_open(reader, "share/ro", 0, &ro), 0);
	assert_false(mview_segment_info(ro)->writable);
	assert_memory_equal(mview_segment_data(ro), "pattern", 8);
	errno = 0;
	assert_int_equal(mprotect(mview_segment_data(ro), (size_t)page,
	    PROT_READ | PROT_WRITE), -1);
	assert_int_equal(errno, EACCES);
	mview_segment_close(ro);
	mview_segment_close(s);
	assert_int_equal(mview_segment_delete(owner, "share/ro"), 0);
	mview_client_close(reader);
	mview_client_close(owner);
}

/* Open a segment over the raw protocol and return the fd that came with it. */
static int
raw_open_segment(int sock, const char *name, bool write, uint64_t *ret_size,
    bool *ret_writable)
{
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__SegmentOpen	 op = MVIEW__SEGMENT_OPEN__INIT;
	Mview__Ref		 ref = MVIEW__REF__INIT;
	Mview__Reply		*rep = NULL;
	int			 fd = -1, r;

	ref.by_case = MVIEW__REF__BY_NAME;
	ref.name = (char *)name;
	op.ref = &ref;
	op.has_write = 1;
	op.write = write;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_OPEN;
	req.segment_open = &op;
	if ((r = raw_call(sock, &req, &rep, &fd)) < 0)
		return r;
	if (rep->error != 0 || rep->body_case != MVIEW__REPLY__BODY_SEGMENT) {
		r = rep->error ? -rep->error : -EBADMSG;
		if (fd >= 0)
			close(fd);
		wire_reply_free(rep);
		return r;
	}
	*ret_size = rep->segment->size;
	*ret_writable = rep->segment->has_writable && rep->segment->writable;
	wire_reply_free(rep);
	return fd;
}

/* The fd itself: O_RDONLY, sealed, and mmap(PROT_WRITE) is EACCES. */
static void
test_readonly_fd_refuses_writable_mmap(void **state)
{
	struct mview_client	*owner = integration_connect(&mviewd);
	struct mview_segment	*s = NULL;
	long			 page = sysconf(_SC_PAGESIZE);
	uint64_t		 size = 0;
	bool			 writable = true;
	int			 sock, fd, seals;
	void			*p;

	(void)state;
	assert_int_equal(mview_segment_create(owner, "share/rofd", (uint64_t)page,
	    0644, MVIEW_LIFETIME_PERSISTENT, 0, &s), 0);
	memcpy(mview_segment_data(s), "sealed", 7);
	sock = raw_open(mviewd.socket);
	assert_true(sock >= 0);
	fd = raw_open_segment(sock, "share/rofd", false, &size, &writable);
	assert_true(fd >= 0);
	assert_false(writable);
	assert_int_equal(size, (uint64_t)page);
	assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	seals = fcntl(fd, F_GET_SEALS);
	assert_true(seals >= 0);
	/* F_SEAL_SEAL waits for freeze, which still has to add FUTURE_WRITE. */
	assert_int_equal(seals & (F_SEAL_SHRINK | F_SEAL_GROW),
	    F_SEAL_SHRINK | F_SEAL_GROW);
	errno = 0;
	p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(p == MAP_FAILED);
	assert_int_equal(errno, EACCES);
	p = mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	assert_memory_equal(p, "sealed", 7);
	errno = 0;
	assert_int_equal(mprotect(p, (size_t)page, PROT_READ | PROT_WRITE), -1);
	assert_int_equal(errno, EACCES);
	munmap(p, (size_t)page);
	close(fd);
	/* Asked for write, the owner gets O_RDWR, still sealed against resize. */
	fd = raw_open_segment(sock, "share/rofd", true, &size, &writable);
	assert_true(fd >= 0);
	assert_true(writable);
	assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	errno = 0;
	assert_int_equal(ftruncate(fd, 2 * page), -1);
	assert_int_equal(errno, EPERM);
	close(fd);
	close(sock);
	mview_segment_close(s);
	assert_int_equal(mview_segment_delete(owner, "share/rofd"), 0);
	mview_client_close(owner);
}

/* Freeze: no new writable mapping, existing ones keep working. */
static void
test_freeze(void **state)
{
	struct mview_client		*owner = integration_connect(&mviewd);
	struct mview_client		*other = integration_connect(&mviewd);
	struct mview_segment		*s = NULL, *ro = NULL, *rw = NULL;
	struct mview_segment_info	*info = NULL;

	(void)state;
	assert_int_equal(mview_segment_create(owner, "share/frozen", 4096, 0666,
	    MVIEW_LIFETIME_PERSISTENT, 0, &s), 0);
	assert_int_equal(mview_segment_freeze(owner, "share/frozen"), 0);
	assert_int_equal(mview_segment_stat(other, "share/frozen", &info), 0);
	assert_true(info->frozen);
	free(info);
	assert_int_equal(mview_segment_open(other, "share/frozen",
	    MVIEW_OPEN_WRITE, &rw), -EPERM);
	assert_null(rw);
	assert_int_equal(mview_segment_open(other, "share/frozen", 0, &ro), 0);
	((char *)mview_segment_data(s))[100] = 'F';
	assert_int_equal(((char *)mview_segment_data(ro))[100], 'F');
	mview_segment_close(ro);
	mview_segment_close(s);
	assert_int_equal(mview_segment_delete(owner, "share/frozen"), 0);
	mview_client_close(other);
	mview_client_close(owner);
}

/* A view published writable, then its segment frozen: a lookup for writing
 * is read-only now, even for a client that still maps it read-write. */
static void
test_frozen_lookup_readonly(void **state)
{
	struct mview_client	*c = integration_connect(&mviewd);
	struct mview_segment	*s = NULL;
	struct mview_view	*v = NULL;
	struct mview_layout	 layout;

	(void)state;
	assert_int_equal(mview_segment_create(c, "share/fz2", 4096, 0600,
	    MVIEW_LIFETIME_SESSION, 0, &s), 0);
	assert_int_equal(mview_view_from_segment(s, &v), 0);
	assert_int_equal(mview_view_publish(c, "share/fz2/v", v, 0), 0);
	mview_view_release(v);
	assert_int_equal(mview_view_lookup(c, "share/fz2/v", MVIEW_OPEN_WRITE,
	    &v), 0);
	mview_view_layout(v, &layout);
	assert_false(layout.readonly);
	mview_view_release(v);
	assert_int_equal(mview_segment_freeze(c, "share/fz2"), 0);
	assert_int_equal(mview_view_lookup(c, "share/fz2/v", MVIEW_OPEN_WRITE,
	    &v), 0);
	mview_view_layout(v, &layout);
	assert_true(layout.readonly);
	mview_view_release(v);
	mview_segment_close(s);
	mview_client_close(c);
}

/* By id: an anonymous segment frozen and stated; a deleted one is gone for
 * others, still stated by a session that holds it. */
static void
test_by_id(void **state)
{
	struct mview_client		*owner = integration_connect(&mviewd);
	struct mview_client		*other = integration_connect(&mviewd);
	struct mview_segment		*s = NULL;
	struct mview_segment_info	*info = NULL;
	uint64_t			 id;

	(void)state;
	assert_int_equal(mview_segment_create(owner, NULL, 4096, 0644,
	    MVIEW_LIFETIME_PERSISTENT, 0, &s), 0);
	id = mview_segment_info(s)->id;
	assert_int_equal(mview_segment_freeze_id(owner, id), 0);
	assert_int_equal(mview_segment_stat_id(other, id, &info), 0);
	assert_true(info->frozen && info->name == NULL && info->id == id);
	free(info);
	assert_int_equal(mview_segment_delete_id(owner, id), 0);
	assert_int_equal(mview_segment_stat_id(other, id, &info), -ENOENT);
	assert_int_equal(mview_segment_freeze_id(owner, id), -ENOENT);
	assert_int_equal(mview_segment_stat_id(owner, id, &info), 0);
	assert_true(info->deleted);
	free(info);
	assert_int_equal(mview_segment_stat_id(owner, id, NULL), -EINVAL);
	mview_segment_close(s);
	mview_client_close(other);
	mview_client_close(owner);
}

/* Deleting a segment while another session maps it: name gone, bytes kept. */
static void
test_delete_while_attached(void **state)
{
	struct mview_client	*owner = integration_connect(&mviewd);
	struct mview_client	*user = integration_connect(&mviewd);
	struct mview_segment	*s = NULL, *att = NULL, *again = NULL;
	struct mview_segment_info *info = NULL;
	struct mview_view	*v = NULL, *found = NULL;
	struct mview_status	 before, st;
	unsigned char		*mine, *theirs;
	uint64_t		 old_id;
	long long		 deadline;

	(void)state;
	assert_int_equal(mview_client_status(owner, &before), 0);
	assert_int_equal(mview_segment_create(owner, "share/del", 65536, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &s), 0);
	old_id = mview_segment_info(s)->id;
	mine = mview_segment_data(s);
	for (int i = 0; i < 65536; i++)
		mine[i] = (unsigned char)(i * 7);
	assert_int_equal(mview_view_from_segment(s, &v), 0);
	assert_int_equal(mview_view_publish(owner, "share/del/all", v, 0), 0);
	mview_view_release(v);
	assert_int_equal(mview_segment_open(user, "share/del", MVIEW_OPEN_WRITE,
	    &att), 0);
	theirs = mview_segment_data(att);

	assert_int_equal(mview_segment_delete(owner, "share/del"), 0);
	assert_int_equal(mview_segment_stat(user, "share/del", &info), -ENOENT);
	assert_int_equal(mview_view_lookup(user, "share/del/all", 0, &found),
	    -ENOENT);
	/* The attached mapping is intact, and still shared both ways. */
	for (int i = 0; i < 65536; i++)
		if (theirs[i] != (unsigned char)(i * 7))
			fail_msg("byte %d changed after delete", i);
	theirs[10] = 0xAB;
	assert_int_equal(mine[10], 0xAB);
	mine[20] = 0xCD;
	assert_int_equal(theirs[20], 0xCD);

	/* The name is free again, for a new segment with a new id. */
	assert_int_equal(mview_segment_create(owner, "share/del", 4096, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &again), 0);
	assert_true(mview_segment_info(again)->id != old_id);
	assert_int_equal(((unsigned char *)mview_segment_data(again))[20], 0);
	mview_segment_close(again);
	assert_int_equal(mview_segment_delete(owner, "share/del"), 0);

	/* When the last holders let go, the memory goes. */
	mview_segment_close(att);
	mview_segment_close(s);
	deadline = harness_now_ms() + harness_timeout_ms();
	do
		assert_int_equal(mview_client_status(owner, &st), 0);
	while ((st.bytes != before.bytes || st.segments != before.segments) &&
	    harness_now_ms() < deadline);
	assert_int_equal(st.segments, before.segments);
	assert_int_equal(st.bytes, before.bytes);
	mview_client_close(user);
	mview_client_close(owner);
}

/* A mapping outlives its client handle. */
static void
test_mapping_outlives_client(void **state)
{
	struct mview_client	*c = integration_connect(&mviewd);
	struct mview_client	*c2;
	struct mview_segment	*s = NULL;
	struct mview_view	*v = NULL;
	const unsigned char	*p;

	(void)state;
	assert_int_equal(mview_segment_create(c, "share/outlive", 4096, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &s), 0);
	assert_int_equal(mview_view_from_segment(s, &v), 0);
	mview_segment_close(s);
	mview_client_close(c);
	memset(mview_view_data(v), 0x5A, 4096);
	assert_int_equal(((unsigned char *)mview_view_data(v))[4095], 0x5A);
	mview_view_release(v);
	/* What was written without a client is in the shared segment. */
	c2 = integration_connect(&mviewd);
	assert_int_equal(mview_segment_open(c2, "share/outlive", 0, &s), 0);
	p = mview_segment_data(s);
	for (int i = 0; i < 4096; i++)
		if (p[i] != 0x5A)
			fail_msg("byte %d is %#x after the client closed", i, p[i]);
	mview_segment_close(s);
	assert_int_equal(mview_segment_delete(c2, "share/outlive"), 0);
	mview_client_close(c2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_share_both_ways),
		cmocka_unit_test(test_share_published_view),
		cmocka_unit_test(test_readonly_mapping_refuses_write),
		cmocka_unit_test(test_readonly_fd_refuses_writable_mmap),
		cmocka_unit_test(test_freeze),
		cmocka_unit_test(test_frozen_lookup_readonly),
		cmocka_unit_test(test_by_id),
		cmocka_unit_test(test_delete_while_attached),
		cmocka_unit_test(test_mapping_outlives_client),
	};

	integration_group_daemon(&mviewd, NULL);
	return cmocka_run_group_tests_name("integration-share", tests,
	    integration_group_setup, integration_group_teardown);
}
