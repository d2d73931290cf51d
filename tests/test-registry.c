/* SPDX-License-Identifier: MIT */
/* Unit tests of the registry: ids, names, holders, delete and lifetime rules, views, quotas. */
#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/errmsg.h"
#include "daemon/access.h"
#include "daemon/registry.h"
#include "view.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE	0x0010
#endif

struct fixture {
	struct limits	limits;
	struct registry	reg;
	struct holder	h1, h2;
	struct cred	alice, bob;
	int		nevents[4];
	char		last[64];
};

static void
record_event(void *arg, enum registry_event type, const char *name,
    const struct segment *seg)
{
	struct fixture	*f = arg;

	assert_non_null(seg);
	f->nevents[type]++;
	snprintf(f->last, sizeof(f->last), "%d:%s", (int)type, name);
}

static int
setup(void **state)
{
	struct fixture	*f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	limits_init(&f->limits);
	if (registry_init(&f->reg, &f->limits) < 0 ||
	    registry_holder_init(&f->h1) < 0 || registry_holder_init(&f->h2) < 0)
		return -1;
	f->reg.hooks.event = record_event;
	f->reg.hooks.arg = f;
	f->alice.uid = 1000;
	f->alice.gid = 1000;
	f->bob.uid = 1001;
	f->bob.gid = 1001;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;

	registry_holder_release(&f->reg, &f->h1);
	registry_holder_release(&f->reg, &f->h2);
	registry_fini(&f->reg);
	free(f);
	return 0;
}

static int
create(struct fixture *f, struct holder *h, const struct cred *c,
    const char *name, uint64_t size, uint32_t lifetime, struct segment **ret)
{
	struct segment_params	p = {
		.name = name, .size = size, .mode = 0640, .lifetime = lifetime,
	};
	struct errmsg		e = { "" };
	int			r;

	r = registry_segment_create(&f->reg, &p, c, h, &e, ret);
	if (r < 0)
		assert_true(e.text[0] != '\0');
	return r;
}

static struct segment *
create_ok(struct fixture *f, struct holder *h, const char *name,
    uint64_t size, uint32_t lifetime)
{
	struct segment	*seg = NULL;

	assert_int_equal(create(f, h, &f->alice, name, size, lifetime, &seg), 0);
	return seg;
}

static void
test_ids_never_reused(void **state)
{
	struct fixture	*f = *state;
	struct segment	*a, *b, *c;
	uint64_t	 ida;

	a = create_ok(f, &f->h1, "a", 4096, SEGMENT_PERSISTENT);
	ida = a->id;
	assert_int_equal(ida, 1);
	registry_segment_delete(&f->reg, a);
	assert_int_equal(registry_detach(&f->reg, &f->h1, a), 0);	/* freed */
	assert_null(registry_segment_find_id(&f->reg, ida));
	b = create_ok(f, &f->h1, "a", 4096, SEGMENT_PERSISTENT);
	c = create_ok(f, &f->h1, NULL, 0, SEGMENT_PERSISTENT);
	assert_int_equal(b->id, ida + 1);
	assert_int_equal(c->id, ida + 2);
	assert_int_equal(f->reg.next_id, ida + 3);
	assert_ptr_equal(registry_segment_find_id(&f->reg, c->id), c);
	assert_null(c->name);
	/* A failed create takes no id. */
	assert_int_equal(create(f, &f->h1, &f->alice, "a", 1, 0, &c), -EEXIST);
	assert_int_equal(f->reg.next_id, ida + 3);
}

static void
test_names(void **state)
{
	struct fixture	*f = *state;
	struct segment	*a, *b = NULL;
	char		 longname[300];

	a = create_ok(f, &f->h1, "x/y", 100, SEGMENT_PERSISTENT);
	assert_ptr_equal(registry_segment_find_name(&f->reg, "x/y"), a);
	assert_int_equal(create(f, &f->h2, &f->bob, "x/y", 1, 0, &b), -EEXIST);
	assert_int_equal(create(f, &f->h2, &f->bob, "has space", 1, 0, &b),
	    -EINVAL);
	assert_int_equal(create(f, &f->h2, &f->bob, "/abs", 1, 0, &b), -EINVAL);
	assert_int_equal(create(f, &f->h2, &f->bob, "", 1, 0, &b), -EINVAL);
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(create(f, &f->h2, &f->bob, longname, 1, 0, &b),
	    -ENAMETOOLONG);
	assert_int_equal(create(f, &f->h2, &f->bob, "lt", 1, 7, &b), -EINVAL);
	/* Deleted but still held: the name is free again at once. */
	registry_segment_delete(&f->reg, a);
	assert_null(registry_segment_find_name(&f->reg, "x/y"));
	assert_ptr_equal(registry_holder_find(&f->h1, a->id), a);
	assert_int_equal(create(f, &f->h2, &f->bob, "x/y", 1, 0, &b), 0);
	assert_true(b->id != a->id);
	assert_int_equal(f->reg.total.segments, 2);
}

static void
test_modes(void **state)
{
	struct fixture		*f = *state;
	struct segment_params	 p = { .name = "m", .size = 1, .mode = 0777 };
	struct segment		*seg;

	assert_int_equal(registry_segment_create(&f->reg, &p, &f->alice,
	    &f->h1, NULL, &seg), -EINVAL);
	p.mode = 01600;
	assert_int_equal(registry_segment_create(&f->reg, &p, &f->alice,
	    &f->h1, NULL, &seg), -EINVAL);
	p.mode = 0666;
	assert_int_equal(registry_segment_create(&f->reg, &p, &f->alice,
	    &f->h1, NULL, &seg), 0);
	assert_int_equal(seg->mode, 0666);
	assert_int_equal(seg->uid, 1000);
	assert_int_equal(seg->gid, 1000);
}

/* Delete: name and views go at once, memory when the last holder leaves. */
static void
test_delete_while_attached(void **state)
{
	struct fixture		*f = *state;
	struct segment		*seg = create_ok(f, &f->h1, "d", 4096, 0);
	struct view_desc	 d = { .segment_id = seg->id, .itemsize = 1,
	    .ndim = 1, .format = "B", .shape = { 4096 }, .strides = { 1 } };
	struct view		*v;
	uint64_t		 id = seg->id;

	assert_int_equal(registry_attach(&f->reg, &f->h2, seg, NULL), 0);
	assert_int_equal(seg->nattached, 2);
	assert_int_equal(registry_view_publish(&f->reg, "d/v", &d, seg, 1000,
	    NULL, &v), 0);
	assert_int_equal(f->nevents[REGISTRY_SEGMENT_CREATED], 1);
	assert_int_equal(f->nevents[REGISTRY_VIEW_PUBLISHED], 1);
	registry_segment_delete(&f->reg, seg);
	assert_int_equal(f->nevents[REGISTRY_VIEW_UNPUBLISHED], 1);
	assert_int_equal(f->nevents[REGISTRY_SEGMENT_DELETED], 1);
	assert_string_equal(f->last, "1:d");
	assert_null(registry_view_find(&f->reg, "d/v"));
	assert_null(registry_segment_find_id(&f->reg, id));
	assert_true(seg->deleted);
	assert_int_equal(f->reg.total.views, 0);
	assert_int_equal(f->reg.total.segments, 1);	/* still held */
	assert_int_equal(f->reg.total.bytes, 4096);
	registry_segment_delete(&f->reg, seg);		/* twice is once */
	assert_int_equal(f->nevents[REGISTRY_SEGMENT_DELETED], 1);
	assert_int_equal(registry_detach(&f->reg, &f->h1, seg), 0);
	assert_int_equal(f->reg.total.segments, 1);
	assert_int_equal(registry_detach(&f->reg, &f->h2, seg), 0);
	assert_int_equal(f->reg.total.segments, 0);
	assert_int_equal(f->reg.total.bytes, 0);
	assert_null(registry_holder_find(&f->h2, id));
	assert_int_equal(registry_uid_usage(&f->reg, 1000).bytes, 0);
}

static void
test_attach_is_a_set(void **state)
{
	struct fixture	*f = *state;
	struct segment	*a = create_ok(f, &f->h1, "a", 1, 0);
	struct segment	*b = create_ok(f, &f->h1, "b", 1, 0);
	struct segment	*c = create_ok(f, &f->h1, "c", 1, 0);
	struct errmsg	 e = { "" };

	assert_int_equal(registry_attach(&f->reg, &f->h2, a, NULL), 0);
	assert_int_equal(registry_attach(&f->reg, &f->h2, a, NULL), 0);
	assert_int_equal(a->nattached, 2);
	assert_int_equal(registry_holder_count(&f->h2), 1);
	f->limits.max_attachments = 2;
	assert_int_equal(registry_attach(&f->reg, &f->h2, b, NULL), 0);
	assert_int_equal(registry_attach(&f->reg, &f->h2, c, &e), -EMFILE);
	assert_non_null(strstr(e.text, "max-attachments"));
	assert_int_equal(registry_detach(&f->reg, &f->h2, c), -ENOENT);
	assert_int_equal(registry_detach(&f->reg, &f->h2, a), 0);
	assert_int_equal(a->nattached, 1);
	/* Persistent segments stay when nobody holds them. */
	registry_holder_release(&f->reg, &f->h1);
	assert_int_equal(a->nattached, 0);
	assert_ptr_equal(registry_segment_find_name(&f->reg, "a"), a);
	assert_int_equal(registry_holder_init(&f->h1), 0);
}

static void
test_session_lifetime(void **state)
{
	struct fixture	*f = *state;
	struct segment	*s1 = create_ok(f, &f->h1, "s1", 10, SEGMENT_SESSION);
	struct segment	*s2 = create_ok(f, &f->h1, "s2", 10, SEGMENT_SESSION);
	uint64_t	 id1 = s1->id;

	/* s1: another holder keeps it past its creator. */
	assert_int_equal(registry_attach(&f->reg, &f->h2, s1, NULL), 0);
	/* s2: its creator closed it, yet it lives while the creator does. */
	assert_int_equal(registry_detach(&f->reg, &f->h1, s2), 0);
	assert_ptr_equal(registry_segment_find_name(&f->reg, "s2"), s2);
	registry_holder_release(&f->reg, &f->h1);
	assert_null(registry_segment_find_name(&f->reg, "s2"));
	assert_ptr_equal(registry_segment_find_name(&f->reg, "s1"), s1);
	assert_null(s1->creator);
	assert_int_equal(f->nevents[REGISTRY_SEGMENT_DELETED], 1);
	registry_holder_release(&f->reg, &f->h2);
	assert_null(registry_segment_find_id(&f->reg, id1));
	assert_int_equal(f->nevents[REGISTRY_SEGMENT_DELETED], 2);
	assert_int_equal(f->reg.total.segments, 0);
	assert_int_equal(registry_holder_init(&f->h1), 0);
	assert_int_equal(registry_holder_init(&f->h2), 0);
}

static void
test_quotas(void **state)
{
	struct fixture	*f = *state;
	struct segment	*seg;

	f->limits.max_segment_size = 1 << 20;
	f->limits.max_bytes_per_uid = 3 << 20;
	f->limits.max_total_bytes = 4 << 20;
	f->limits.max_segments_per_uid = 3;
	assert_int_equal(create(f, &f->h1, &f->alice, "big", (1 << 20) + 1, 0,
	    &seg), -EFBIG);
	for (int i = 0; i < 3; i++)
		assert_int_equal(create(f, &f->h1, &f->alice, NULL, 1 << 20, 0,
		    &seg), 0);
	assert_int_equal(create(f, &f->h1, &f->alice, NULL, 1, 0, &seg),
	    -EDQUOT);
	assert_int_equal(registry_uid_usage(&f->reg, 1000).bytes, 3 << 20);
	assert_int_equal(registry_uid_usage(&f->reg, 1000).segments, 3);
	assert_int_equal(create(f, &f->h2, &f->bob, NULL, 1 << 20, 0, &seg), 0);
	assert_int_equal(create(f, &f->h2, &f->bob, NULL, 1, 0, &seg), -ENOSPC);
	assert_int_equal(f->reg.total.bytes, 4 << 20);
}

/* Charge h1 to alice and h2 to bob, as the daemon's sessions are. */
static void
charge_holders(struct fixture *f)
{
	f->h1.uid = f->alice.uid;
	f->h1.charged = true;
	f->h2.uid = f->bob.uid;
	f->h2.charged = true;
}

/* A deleted segment bob holds: alice stops paying once her own
 * connection lets go; bob pays from his held pool until he does. */
static void
test_held_charges(void **state)
{
	struct fixture	*f = *state;
	struct segment	*seg;
	struct usage	 a, b;

	charge_holders(f);
	seg = create_ok(f, &f->h1, "x", 1 << 20, SEGMENT_PERSISTENT);
	assert_int_equal(registry_attach(&f->reg, &f->h2, seg, NULL), 0);
	a = registry_uid_usage(&f->reg, 1000);
	b = registry_uid_usage(&f->reg, 1001);
	assert_int_equal(a.bytes, 1 << 20);
	assert_int_equal(a.fds, LIMITS_SEGMENT_FDS);
	assert_int_equal(b.held_bytes, 1 << 20);
	assert_int_equal(b.held_segments, 1);
	assert_int_equal(b.fds, LIMITS_SEGMENT_FDS);
	assert_int_equal(seg->nowner_holds, 1);
	assert_int_equal(seg->nheld, 1);

	registry_segment_delete(&f->reg, seg);
	assert_true(seg->owner_charged);	/* her connection holds it */
	assert_int_equal(f->reg.total.deleted_bytes, 1 << 20);
	assert_int_equal(f->reg.total.deleted_owner_bytes, 1 << 20);
	assert_int_equal(registry_detach(&f->reg, &f->h1, seg), 0);
	assert_false(seg->owner_charged);
	a = registry_uid_usage(&f->reg, 1000);
	assert_int_equal(a.bytes, 0);
	assert_int_equal(a.segments, 0);
	assert_int_equal(a.fds, 0);
	assert_int_equal(f->reg.total.deleted_owner_bytes, 0);
	assert_int_equal(f->reg.total.deleted_segments, 1);
	assert_int_equal(f->reg.total.bytes, 1 << 20);	/* the memory is real */
	assert_int_equal(registry_detach(&f->reg, &f->h2, seg), 0);
	assert_int_equal(f->reg.total.deleted_segments, 0);
	assert_int_equal(f->reg.total.deleted_bytes, 0);
	assert_int_equal(f->reg.total.bytes, 0);
	assert_int_equal(hash_count(&f->reg.uids), 0);
}

/* The held pool and the fd budget refuse in advance, with their names. */
static void
test_held_and_fd_caps(void **state)
{
	struct fixture	*f = *state;
	struct segment	*y, *z, *seg;
	struct errmsg	 e = { "" };

	charge_holders(f);
	f->limits.max_held_bytes_per_uid = 1 << 20;
	f->limits.max_fds_per_uid = 2 * LIMITS_SEGMENT_FDS;
	y = create_ok(f, &f->h1, "y", 1 << 20, SEGMENT_PERSISTENT);
	z = create_ok(f, &f->h1, "z", 4096, SEGMENT_PERSISTENT);
	assert_int_equal(registry_attach(&f->reg, &f->h2, y, NULL), 0);
	assert_int_equal(registry_attach(&f->reg, &f->h2, z, &e), -EDQUOT);
	assert_non_null(strstr(e.text, "max-held-bytes-per-uid"));
	assert_int_equal(z->nattached, 1);
	assert_int_equal(create(f, &f->h1, &f->alice, NULL, 4096, 0, &seg),
	    -EMFILE);
	assert_int_equal(registry_conn_add(&f->reg, 1000, &e), -EMFILE);
	assert_non_null(strstr(e.text, "max-fds-per-uid"));
	assert_int_equal(registry_conn_add(&f->reg, 1001, &e), 0);
	registry_conn_del(&f->reg, 1001);
	registry_fds_charge(&f->reg, 1001, 2);	/* queued reply fds */
	assert_int_equal(registry_uid_usage(&f->reg, 1001).fds,
	    LIMITS_SEGMENT_FDS + 2);
	registry_fds_charge(&f->reg, 1001, -2);
	assert_int_equal(registry_uid_usage(&f->reg, 1001).fds,
	    LIMITS_SEGMENT_FDS);
}

/* A SESSION segment outliving its creator is paid by who holds it. */
static void
test_held_orphan(void **state)
{
	struct fixture	*f = *state;
	struct segment	*s;

	charge_holders(f);
	s = create_ok(f, &f->h1, "o", 8192, SEGMENT_SESSION);
	assert_int_equal(registry_attach(&f->reg, &f->h2, s, NULL), 0);
	registry_holder_release(&f->reg, &f->h1);
	assert_ptr_equal(registry_segment_find_name(&f->reg, "o"), s);
	assert_false(s->owner_charged);
	assert_int_equal(registry_uid_usage(&f->reg, 1000).bytes, 0);
	assert_int_equal(registry_uid_usage(&f->reg, 1001).held_bytes, 8192);
	assert_int_equal(f->reg.total.bytes, 8192);
	registry_holder_release(&f->reg, &f->h2);
	assert_int_equal(f->reg.total.bytes, 0);
	assert_int_equal(hash_count(&f->reg.uids), 0);
	assert_int_equal(registry_holder_init(&f->h1), 0);
	assert_int_equal(registry_holder_init(&f->h2), 0);
}

static void
test_conns(void **state)
{
	struct fixture	*f = *state;
	struct errmsg	 e = { "" };

	f->limits.max_conns_per_uid = 2;
	f->limits.max_sessions = 3;
	assert_int_equal(registry_conn_add(&f->reg, 1000, &e), 0);
	assert_int_equal(registry_conn_add(&f->reg, 1000, &e), 0);
	assert_int_equal(registry_conn_add(&f->reg, 1000, &e), -EUSERS);
	assert_non_null(strstr(e.text, "max-conns-per-uid"));
	assert_int_equal(registry_conn_add(&f->reg, 1001, &e), 0);
	assert_int_equal(registry_conn_add(&f->reg, 1002, &e), -EUSERS);
	assert_non_null(strstr(e.text, "max-sessions"));
	registry_conn_del(&f->reg, 1000);
	assert_int_equal(registry_conn_add(&f->reg, 1002, &e), 0);
	registry_conn_del(&f->reg, 1000);
	registry_conn_del(&f->reg, 1001);
	registry_conn_del(&f->reg, 1002);
	registry_conn_del(&f->reg, 1002);	/* unbalanced: ignored */
	assert_int_equal(f->reg.total.conns, 0);
	assert_int_equal(hash_count(&f->reg.uids), 0);
}

static void
test_freeze(void **state)
{
	struct fixture	*f = *state;
	struct segment	*seg = create_ok(f, &f->h1, "fz", 8192, 0);
	int		 rw, ro, ro2, kept;
	void		*p;

	assert_int_equal(fcntl(seg->fd, F_GET_SEALS) &
	    (F_SEAL_SHRINK | F_SEAL_GROW), F_SEAL_SHRINK | F_SEAL_GROW);
	assert_int_equal(ftruncate(seg->fd, 4096), -1);
	assert_int_equal(segment_open_fd(seg, false, &ro), 0);
	assert_int_equal(fcntl(ro, F_GETFL) & O_ACCMODE, O_RDONLY);
	/* The reopen is kept: later readers get dups of it, never it. */
	kept = seg->ro_fd;
	assert_true(kept >= 0 && kept != ro);
	assert_int_equal(segment_open_fd(seg, false, &ro2), 0);
	assert_int_equal(seg->ro_fd, kept);
	assert_true(ro2 != kept && ro2 != ro);
	assert_int_equal(fcntl(ro2, F_GETFL) & O_ACCMODE, O_RDONLY);
	close(ro2);
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
	assert_true(p == MAP_FAILED);
	assert_int_equal(errno, EACCES);
	assert_int_equal(registry_segment_freeze(&f->reg, seg, NULL), 0);
	assert_int_equal(registry_segment_freeze(&f->reg, seg, NULL), 0);
	assert_true(seg->frozen);
	assert_true(fcntl(seg->fd, F_GET_SEALS) & F_SEAL_FUTURE_WRITE);
	assert_int_equal(segment_open_fd(seg, true, &rw), 0);
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0);
	assert_true(p == MAP_FAILED);
	assert_int_equal(errno, EPERM);
	p = mmap(NULL, 8192, PROT_READ, MAP_SHARED, ro, 0);
	assert_true(p != MAP_FAILED);
	munmap(p, 8192);
	close(rw);
	close(ro);
}

static void
desc_1d(struct view_desc *d, uint64_t id, int64_t n)
{
	memset(d, 0, sizeof(*d));
	d->segment_id = id;
	d->itemsize = 1;
	d->ndim = 1;
	strcpy(d->format, "B");
	d->shape[0] = n;
	d->strides[0] = 1;
}

static void
test_views(void **state)
{
	struct fixture		*f = *state;
	struct segment		*seg = create_ok(f, &f->h1, "vs", 100, 0);
	struct segment		*other = create_ok(f, &f->h1, "vo", 100, 0);
	struct view_desc	 d;
	struct view		*v, *w;
	struct errmsg		 e = { "" };

	desc_1d(&d, seg->id, 100);
	assert_int_equal(registry_view_publish(&f->reg, "v", &d, seg, 1000, &e,
	    &v), 0);
	assert_ptr_equal(registry_view_find(&f->reg, "v"), v);
	assert_int_equal(seg->nviews, 1);
	d.shape[0] = 101;
	assert_int_equal(registry_view_publish(&f->reg, "w", &d, seg, 1000, &e,
	    &w), -EINVAL);
	assert_non_null(strstr(e.text, "invalid view"));
	d.shape[0] = -1;
	assert_int_equal(registry_view_publish(&f->reg, "w", &d, seg, 1000, &e,
	    &w), -EINVAL);
	desc_1d(&d, other->id, 10);
	assert_int_equal(registry_view_publish(&f->reg, "w", &d, seg, 1000, &e,
	    &w), -EINVAL);	/* names another segment */
	f->limits.max_ndim = 0;
	desc_1d(&d, seg->id, 10);
	assert_int_equal(registry_view_publish(&f->reg, "w", &d, seg, 1000, &e,
	    &w), -EINVAL);
	assert_non_null(strstr(e.text, "max-ndim"));
	f->limits.max_ndim = 64;
	assert_int_equal(registry_view_publish(&f->reg, "bad name", &d, seg,
	    1000, &e, &w), -EINVAL);
	/* Replace: same name, new descriptor, one view. */
	assert_int_equal(registry_view_publish(&f->reg, "v", &d, seg, 1001, &e,
	    &w), 0);
	assert_ptr_equal(registry_view_find(&f->reg, "v"), w);
	assert_int_equal(w->dims[0], 10);
	assert_int_equal(f->reg.total.views, 1);
	assert_int_equal(registry_uid_usage(&f->reg, 1000).views, 0);
	assert_int_equal(registry_uid_usage(&f->reg, 1001).views, 1);
	f->limits.max_views_per_uid = 1;
	assert_int_equal(registry_view_publish(&f->reg, "v2", &d, seg, 1001, &e,
	    &v), -EDQUOT);
	assert_int_equal(registry_view_publish(&f->reg, "v", &d, seg, 1001, &e,
	    &v), 0);	/* replacing one's own costs nothing */
	registry_view_unpublish(&f->reg, v);
	assert_null(registry_view_find(&f->reg, "v"));
	assert_int_equal(seg->nviews, 0);
	assert_int_equal(registry_uid_usage(&f->reg, 1001).views, 0);
}

/* 100k views: O(1) lookups, sorted paging, and all go with the segment. */
static void
test_views_100k(void **state)
{
	enum { N = 100000 };
	struct fixture		*f = *state;
	struct segment		*seg = create_ok(f, &f->h1, "big", 1 << 20, 0);
	struct view_desc	 d;
	struct view		*v = NULL;
	char			 name[64], prev[64] = "";
	size_t			 n = 0;

	memset(&d, 0, sizeof(d));
	d.segment_id = seg->id;
	d.itemsize = 4;
	d.ndim = 2;
	strcpy(d.format, "i");
	d.shape[0] = 16;
	d.shape[1] = 16;
	d.strides[0] = 64;
	d.strides[1] = 4;
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "frames/camera-%d/latest", i);
		assert_int_equal(registry_view_publish(&f->reg, name, &d, seg,
		    1000, NULL, &v), 0);
	}
	assert_true(views_size(v) <= 512);
	assert_true(hash_nbuckets(&f->reg.view_names) >= N);
	for (int i = 0; i < N; i += 997) {
		snprintf(name, sizeof(name), "frames/camera-%d/latest", i);
		v = registry_view_find(&f->reg, name);
		assert_non_null(v);
		assert_string_equal(views_name(v), name);
		assert_int_equal(v->dims[3], 4);
	}
	for (v = registry_view_next(&f->reg, NULL, false); v != NULL;
	    v = registry_view_next(&f->reg, views_name(v), false)) {
		assert_true(strcmp(prev, views_name(v)) < 0);
		snprintf(prev, sizeof(prev), "%s", views_name(v));
		n++;
	}
	assert_int_equal(n, N);
	registry_segment_delete(&f->reg, seg);
	assert_int_equal(f->nevents[REGISTRY_VIEW_UNPUBLISHED], N);
	assert_int_equal(f->reg.total.views, 0);
	assert_null(registry_view_next(&f->reg, NULL, false));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ids_never_reused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_while_attached, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_attach_is_a_set, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_session_lifetime, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_quotas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_charges, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_held_and_fd_caps, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_held_orphan, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_freeze, setup, teardown),
		cmocka_unit_test_setup_teardown(test_views, setup, teardown),
		cmocka_unit_test_setup_teardown(test_views_100k, setup, teardown),
	};

	hash_seed_random();
	return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}
