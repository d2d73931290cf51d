/* SPDX-License-Identifier: MIT */
/* libmviewclient: the mapping cache, one mapping per segment, refcounted by handles and views. */
#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/client-wire.h"

/* A client with no connection: the cache works alone. */
static struct mview_client *
offline_client(void)
{
	struct mview_client	*c = calloc(1, sizeof(*c));

	assert_non_null(c);
	conn_init(&c->conn, events_queue, c);
	c->ev_tail = &c->ev_head;
	return c;
}

/* A memfd of size bytes, byte i holding i & 0xff. */
static int
make_memfd(size_t size)
{
	unsigned char	*p;
	int		 fd = memfd_create("test", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	if (size > 0) {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		assert_true(p != MAP_FAILED);
		for (size_t i = 0; i < size; i++)
			p[i] = (unsigned char)i;
		munmap(p, size);
	}
	return fd;
}

/* The same file opened again read-only, as the daemon sends it. */
static int
reopen_rdonly(int fd)
{
	char	path[64];
	int	ro;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(ro >= 0);
	return ro;
}

static bool
fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* Whether [p, p + len) is inside one mapping of /proc/self/maps. */
static bool
is_mapped(void *p, size_t len)
{
	FILE		*f = fopen("/proc/self/maps", "re");
	unsigned long	 lo, hi, a = (unsigned long)p;
	char		 line[512];
	bool		 found = false;

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			found = a >= lo && a + len <= hi;
	}
	fclose(f);
	return found;
}

static void
test_get_maps_and_closes(void **state)
{
	struct mview_client	*c = offline_client();
	struct mview_mapping	*m = NULL;
	int			 fd = make_memfd(8192), keep = dup(fd);
	unsigned char		 b;

	(void)state;
	assert_int_equal(mapping_get(c, 7, 8192, true, fd, &m), 0);
	assert_false(fd_is_open(fd));		/* closed right after mapping */
	assert_non_null(m->base);
	assert_int_equal(m->size, 8192);
	assert_int_equal(m->refs, 1);
	assert_ptr_equal(m->cache, c);
	assert_int_equal(((unsigned char *)m->base)[300], 300 & 0xff);
	((unsigned char *)m->base)[5] = 0xab;	/* shared with the file */
	assert_int_equal(pread(keep, &b, 1, 5), 1);
	assert_int_equal(b, 0xab);
	assert_ptr_equal(mapping_find(c, 7, true), m);
	assert_null(mapping_find(c, 8, false));
	mapping_unref(m);
	assert_null(mapping_find(c, 7, false));
	close(keep);
	mview_client_close(c);
}

/* A second reply for the same segment reuses the mapping and closes its fd. */
static void
test_cache_hit(void **state)
{
	struct mview_client	*c = offline_client();
	struct mview_mapping	*m1 = NULL, *m2 = NULL, *m3 = NULL;
	int			 fd = make_memfd(4096), fd2 = dup(fd);

	(void)state;
	assert_int_equal(mapping_get(c, 7, 4096, true, fd, &m1), 0);
	assert_int_equal(mapping_get(c, 7, 4096, true, fd2, &m2), 0);
	assert_false(fd_is_open(fd2));
	assert_ptr_equal(m1, m2);
	assert_int_equal(m1->refs, 2);
	/* A read-only user is served by the writable mapping too. */
	assert_int_equal(mapping_get(c, 7, 4096, false, -1, &m3), 0);
	assert_ptr_equal(m3, m1);
	assert_int_equal(m1->refs, 3);
	mapping_unref(m3);
	mapping_unref(m2);
	assert_true(is_mapped(m1->base, 4096));
	assert_ptr_equal(mapping_find(c, 7, false), m1);
	mapping_unref(m1);
	assert_null(mapping_find(c, 7, false));
	mview_client_close(c);
}

/* Read-only first, writable later: a new mapping for new users, the old one lives on. */
static void
test_upgrade_to_writable(void **state)
{
	struct mview_client	*c = offline_client();
	struct mview_mapping	*ro = NULL, *rw = NULL, *again = NULL;
	int			 fd = make_memfd(4096);
	void			*ro_base;

	(void)state;
	assert_int_equal(mapping_get(c, 3, 4096, false, reopen_rdonly(fd), &ro), 0);
	assert_false(ro->writable);
	assert_null(mapping_find(c, 3, true));
	assert_int_equal(mapping_get(c, 3, 4096, false, -1, &again), 0);
	assert_ptr_equal(again, ro);
	mapping_unref(again);
	assert_int_equal(mapping_get(c, 3, 4096, true, dup(fd), &rw), 0);
	assert_ptr_not_equal(rw, ro);
	assert_true(rw->writable);
	assert_ptr_equal(mapping_find(c, 3, false), rw);	/* newest first */
	((unsigned char *)rw->base)[10] = 0x5a;
	assert_int_equal(((unsigned char *)ro->base)[10], 0x5a);	/* same memory */
	mapping_unref(rw);
	assert_ptr_equal(mapping_find(c, 3, false), ro);
	ro_base = ro->base;
	mapping_unref(ro);
	assert_false(is_mapped(ro_base, 4096));
	close(fd);
	mview_client_close(c);
}

/* A restarted daemon may reuse an id for another segment: never the old memory. */
static void
test_same_id_other_file(void **state)
{
	struct mview_client	*c = offline_client();
	struct mview_mapping	*old = NULL, *new = NULL;
	int			 fd1 = make_memfd(4096), fd2 = make_memfd(4096);

	(void)state;
	assert_int_equal(mapping_get(c, 1, 4096, true, fd1, &old), 0);
	((unsigned char *)old->base)[0] = 0xee;
	assert_int_equal(mapping_get(c, 1, 4096, true, fd2, &new), 0);
	assert_ptr_not_equal(new, old);
	assert_int_equal(((unsigned char *)new->base)[0], 0);	/* the new file */
	assert_null(old->cache);		/* forgotten, still mapped */
	assert_int_equal(((unsigned char *)old->base)[0], 0xee);
	assert_ptr_equal(mapping_find(c, 1, false), new);
	mapping_unref(old);
	mapping_unref(new);
	assert_null(c->maps);
	mview_client_close(c);
}

/* The kernel, not convention, keeps a read-only fd read-only. */
static void
test_readonly_fd_refuses_write(void **state)
{
	struct mview_client	*c = offline_client();
	struct mview_mapping	*m = (void *)0x1;
	int			 fd = make_memfd(4096), ro = reopen_rdonly(fd);

	(void)state;
	assert_int_equal(mapping_get(c, 4, 4096, true, ro, &m), -EACCES);
	assert_false(fd_is_open(ro));
	assert_ptr_equal(m, (void *)0x1);
	assert_null(c->maps);
	close(fd);
	mview_client_close(c);
}

/* An fd shorter than the announced size would SIGBUS later: refused now. */
static void
test_short_fd(void **state)
{
	struct mview_client	*c = offline_client();
	struct mview_mapping	*m = NULL;

	(void)state;
	assert_int_equal(mapping_get(c, 5, 8192, true, make_memfd(4096), &m),
	    -EPROTO);
	assert_int_equal(mapping_get(c, 5, 4096, true, -1, &m), -EPROTO);	/* no fd, no cache */
	assert_null(c->maps);
	mview_client_close(c);
}

static void
test_zero_size(void **state)
{
	struct mview_client	*c = offline_client();
	struct mview_mapping	*m = NULL;

	(void)state;
	assert_int_equal(mapping_get(c, 6, 0, true, make_memfd(0), &m), 0);
	assert_null(m->base);
	assert_int_equal(m->size, 0);
	mapping_unref(m);
	mview_client_close(c);
}

/* Mappings outlive their client; the last unref unmaps. */
static void
test_survives_client_close(void **state)
{
	struct mview_client	*c = offline_client();
	struct mview_mapping	*m = NULL;
	void			*base;

	(void)state;
	assert_int_equal(mapping_get(c, 9, 4096, true, make_memfd(4096), &m), 0);
	base = m->base;
	mview_client_close(c);
	assert_null(m->cache);
	assert_int_equal(((unsigned char *)base)[77], 77);
	mapping_unref(m);
	assert_false(is_mapped(base, 4096));
}

/* A segment handle made from a cached mapping, as segment.c does. */
static struct mview_segment *
fake_segment(struct mview_mapping *m, bool writable)
{
	struct mview_segment	*s = calloc(1, sizeof(*s) + 1);

	assert_non_null(s);
	s->map = m;
	s->info.id = m->segment_id;
	s->info.size = m->size;
	s->info.writable = writable;
	return s;
}

/* Views hold the memory on their own: close the handle, then the client. */
static void
test_views_hold_mapping(void **state)
{
	struct mview_client	*c = offline_client();
	struct mview_mapping	*m = NULL;
	struct mview_segment	*s;
	struct mview_view	*v = NULL, *d = NULL, *h = NULL;
	struct mview_error	 e;
	int64_t			 shape[] = { 10 };
	void			*base;

	(void)state;
	assert_int_equal(mapping_get(c, 11, 4096, true, make_memfd(4096), &m), 0);
	base = m->base;
	s = fake_segment(m, true);
	assert_int_equal(mview_view_from_segment(s, &v), 0);
	assert_int_equal(mview_view_desc(v)->shape[0], 4096);
	assert_string_equal(mview_view_desc(v)->format, "B");
	assert_int_equal(mview_view_new(s, "h", 1, shape, NULL, 100, &h, &e), 0);
	assert_ptr_equal(mview_view_data(h), (char *)base + 100);
	assert_int_equal(mview_view_desc(h)->strides[0], 2);
	assert_false(mview_view_desc(h)->readonly);
	assert_int_equal(m->refs, 3);
	mview_segment_close(s);
	assert_int_equal(mview_view_dup(v, &d), 0);
	mview_client_close(c);
	mview_view_release(v);
	mview_view_release(h);
	assert_true(is_mapped(base, 4096));
	assert_ptr_equal(mview_view_mapping_base(d), base);
	assert_int_equal(mview_view_mapping_size(d), 4096);
	assert_int_equal(((unsigned char *)mview_view_data(d))[4095], 0xff);
	mview_view_release(d);
	assert_false(is_mapped(base, 4096));
}

/* mview_view_new checks bounds; a read-only handle makes read-only views. */
static void
test_view_new_checks(void **state)
{
	struct mview_client	*c = offline_client();
	struct mview_mapping	*m = NULL;
	struct mview_segment	*s;
	struct mview_view	*v = (void *)0x1;
	struct mview_error	 e = { 0 };
	int64_t			 shape[] = { 3, 4 }, big[] = { 4097 }, neg[] = { -1 };
	int64_t			 back[] = { -4, 1 };

	(void)state;
	assert_int_equal(mapping_get(c, 12, 4096, true, make_memfd(4096), &m), 0);
	s = fake_segment(m, false);
	assert_true(mview_view_new(s, "B", 1, big, NULL, 0, &v, &e) < 0);
	assert_int_not_equal(e.errclass, MVIEW_ERR_NONE);
	assert_true(mview_view_new(s, "B", 1, neg, NULL, 0, &v, &e) < 0);
	assert_true(mview_view_new(s, "B", 2, shape, back, 0, &v, &e) < 0);	/* reaches byte -8 */
	assert_true(mview_view_new(s, "B", 1, shape, NULL, 4094, &v, &e) < 0);
	assert_true(mview_view_new(s, "not a format", 1, shape, NULL, 0, &v, &e) < 0);
	assert_ptr_equal(v, (void *)0x1);
	assert_int_equal(mview_view_new(s, "B", 2, shape, back, 8, &v, &e), 0);
	assert_true(mview_view_desc(v)->readonly);
	mview_view_release(v);
	mview_segment_close(s);
	mview_client_close(c);
}

/* Every field of a public descriptor, and zeros past ndim. */
static void
assert_desc(const struct mview_desc *d, int ndim, const int64_t *shape,
    const int64_t *strides, int64_t offset, bool readonly)
{
	assert_non_null(d);
	assert_int_equal(d->segment_id, 13);
	assert_int_equal(d->offset, offset);
	assert_int_equal(d->itemsize, 8);
	assert_string_equal(d->format, "d");
	assert_int_equal(d->ndim, ndim);
	assert_int_equal(d->readonly, readonly);
	for (int i = 0; i < MVIEW_MAX_NDIM; i++) {
		assert_int_equal(d->shape[i], i < ndim ? shape[i] : 0);
		assert_int_equal(d->strides[i], i < ndim ? strides[i] : 0);
	}
}

/* mview_view_layout() reads the same fields as the full descriptor, with
 * shape and strides pointing into the view (no copy). */
static void
assert_layout_matches(const struct mview_view *v)
{
	const struct mview_desc	*d = mview_view_desc(v);
	struct mview_layout	 l;

	mview_view_layout(v, &l);
	assert_int_equal(l.segment_id, d->segment_id);
	assert_int_equal(l.offset, d->offset);
	assert_int_equal(l.itemsize, d->itemsize);
	assert_int_equal(l.ndim, d->ndim);
	assert_int_equal(l.readonly, d->readonly);
	assert_string_equal(l.format, d->format);
	assert_memory_equal(l.shape, d->shape, (size_t)l.ndim * sizeof(int64_t));
	assert_memory_equal(l.strides, d->strides,
	    (size_t)l.ndim * sizeof(int64_t));
	assert_true((const char *)l.shape > (const char *)v &&
	    (const char *)l.strides < (const char *)v + client_view_size(l.ndim));
}

/* Derived views keep ndim axes compact; mview_view_desc() is the full
 * descriptor, made once, zeroed past ndim (copyable whole). */
static void
test_derived_view_desc(void **state)
{
	struct mview_client	*c = offline_client();
	struct mview_mapping	*m = NULL;
	struct mview_segment	*s;
	struct mview_view	*v, *t, *tt, *row, *ro, *dup;
	struct mview_key	 k = { .kind = MVIEW_KEY_INDEX, .index = 2 };
	struct mview_desc	 copy;
	int64_t			 shape[] = { 4, 8 }, tshape[] = { 8, 4 };
	int64_t			 strides[] = { 64, 8 }, tstrides[] = { 8, 64 };

	(void)state;
	assert_int_equal(mapping_get(c, 13, 4096, true, make_memfd(4096), &m), 0);
	s = fake_segment(m, true);
	assert_int_equal(mview_view_new(s, "d", 2, shape, NULL, 16, &v, NULL), 0);
	assert_true(client_view_size(2) < sizeof(struct mview_desc) / 4);
	assert_int_equal(mview_view_transpose(v, NULL, 0, &t, NULL), 0);
	assert_int_equal(mview_view_transpose(t, NULL, 0, &tt, NULL), 0);
	assert_int_equal(mview_view_subscript(v, &k, 1, 0, &row, NULL, NULL),
	    MVIEW_SUB_VIEW);
	assert_int_equal(mview_view_toreadonly(t, &ro), 0);
	assert_int_equal(mview_view_dup(ro, &dup), 0);
	assert_desc(mview_view_desc(v), 2, shape, strides, 16, false);
	assert_desc(mview_view_desc(t), 2, tshape, tstrides, 16, false);
	assert_desc(mview_view_desc(tt), 2, shape, strides, 16, false);
	assert_desc(mview_view_desc(row), 1, shape + 1, strides + 1, 16 + 128,
	    false);
	assert_desc(mview_view_desc(dup), 2, tshape, tstrides, 16, true);
	assert_ptr_equal(mview_view_desc(t), mview_view_desc(t));
	assert_layout_matches(t);
	assert_layout_matches(row);
	assert_layout_matches(dup);
	copy = *mview_view_desc(ro);
	assert_memory_equal(&copy, mview_view_desc(dup), sizeof(copy));
	assert_null(mview_view_desc(NULL));
	mview_view_release(dup);
	mview_view_release(ro);
	mview_view_release(row);
	mview_view_release(tt);
	mview_view_release(t);
	mview_view_release(v);
	mview_segment_close(s);
	mview_client_close(c);
}

struct hammer {
	struct mview_view	*v;
	int			 failed;
};

static void *
hammer_cb(void *arg)
{
	struct hammer		*h = arg;
	struct mview_view	*d;

	for (int i = 0; i < 20000; i++) {
		if (mview_view_dup(h->v, &d) < 0) {
			h->failed = 1;
			break;
		}
		mview_view_release(d);
	}
	return NULL;
}

/* Views sharing a mapping may be made and dropped from any thread. */
static void
test_refcount_threads(void **state)
{
	struct mview_client	*c = offline_client();
	struct mview_mapping	*m = NULL;
	struct mview_segment	*s;
	struct hammer		 h = { 0 };
	pthread_t		 t[4];

	(void)state;
	assert_int_equal(mapping_get(c, 13, 4096, true, make_memfd(4096), &m), 0);
	s = fake_segment(m, true);
	assert_int_equal(mview_view_from_segment(s, &h.v), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer_cb, &h), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_false(h.failed);
	assert_int_equal(m->refs, 2);
	mview_view_release(h.v);
	mview_segment_close(s);
	mview_client_close(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_maps_and_closes),
		cmocka_unit_test(test_cache_hit),
		cmocka_unit_test(test_upgrade_to_writable),
		cmocka_unit_test(test_same_id_other_file),
		cmocka_unit_test(test_readonly_fd_refuses_write),
		cmocka_unit_test(test_short_fd),
		cmocka_unit_test(test_zero_size),
		cmocka_unit_test(test_survives_client_close),
		cmocka_unit_test(test_views_hold_mapping),
		cmocka_unit_test(test_view_new_checks),
		cmocka_unit_test(test_derived_view_desc),
		cmocka_unit_test(test_refcount_threads),
	};

	return cmocka_run_group_tests_name("client-mapping", tests, NULL, NULL);
}
