/* SPDX-License-Identifier: MIT */
/* Segment handles: create, open, close, delete, freeze and stat. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client-wire.h"

void
segment_info_from_wire(const Mview__SegmentInfo *w,
    struct mview_segment_info *ret_info)
{
	*ret_info = (struct mview_segment_info){
		.id = w->id,
		.name = NULL,
		.size = w->size,
		.uid = w->uid,
		.gid = w->gid,
		.mode = w->mode,
		.lifetime = w->lifetime == MVIEW__LIFETIME__LIFETIME_SESSION ?
		    MVIEW_LIFETIME_SESSION : MVIEW_LIFETIME_PERSISTENT,
		.frozen = w->frozen,
		.hugetlb = w->hugetlb,
		.deleted = w->deleted,
		.recovered = w->recovered,
		.seals = w->seals,
		.nheld_charged = w->nheld_charged,
		.holders_pay = w->has_owner_charged && !w->owner_charged,
		.writable = w->writable,
		.ctime_ns = w->ctime_ns,
		.nattached = w->nattached,
		.nviews = w->nviews,
	};
}

/* A handle for the segment a reply attached, mapping fd (always closed);
 * flags: MVIEW_OPEN_*. */
static int
segment_wrap(struct mview_client *c, const Mview__SegmentInfo *w,
    unsigned flags, int fd, struct mview_segment **ret_segment)
{
	struct mview_segment	*s;
	struct mview_mapping	*m;
	size_t			 len = w->name != NULL ? strlen(w->name) : 0;
	bool			 want_write = (flags & MVIEW_OPEN_WRITE) != 0;
	bool			 writable = w->has_writable ? w->writable : want_write;
	enum mapping_kind	 kind = writable ? MAPPING_WRITE : MAPPING_READ;
	int			 r;

	if (flags & MVIEW_OPEN_PRIVATE)
		kind = MAPPING_PRIVATE;
	if ((s = malloc(sizeof(*s) + len + 1)) == NULL) {
		r = -ENOMEM;
		goto fail;
	}
	if ((r = mapping_get(c, w->id, w->size, kind, fd, &m)) < 0) {
		fd = -1;
		goto fail;
	}
	s->map = m;
	segment_info_from_wire(w, &s->info);
	memcpy(s->name, w->name != NULL ? w->name : "", len + 1);
	s->info.name = w->name != NULL ? s->name : NULL;
	s->info.size = m->size;
	s->info.writable = (want_write || m->private_copy) && m->writable;
	*ret_segment = s;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(s);
	mapping_abandon(c, w->id);
	return r;
}

/* Run a request answered by a SegmentInfo and an fd; make a handle of it. */
static int
segment_request(struct mview_client *c, Mview__Request *req, unsigned flags,
    unsigned open_flags, struct mview_segment **ret_segment)
{
	Mview__Reply	*rep;
	int		 fd, r;

	if ((r = client_call_reply(c, req, flags, MVIEW__REPLY__BODY_SEGMENT,
	    &rep, &fd)) < 0)
		return r;
	r = segment_wrap(c, rep->segment, open_flags, fd, ret_segment);
	wire_reply_free(rep);
	return r;
}

/* With MVIEW_CREATE_EXIST_OK: the named segment, if it has this size. */
static int
segment_open_existing(struct mview_client *c, const char *name, uint64_t size,
    struct mview_segment **ret_segment)
{
	struct mview_segment	*s;
	int			 r;

	if ((r = mview_segment_open(c, name, MVIEW_OPEN_WRITE, &s)) < 0)
		return r;
	if (mview_segment_size(s) != size) {
		conn_set_error(&c->conn, "segment '%s' exists with a size of "
		    "%" PRIu64 " bytes, not %" PRIu64, name,
		    mview_segment_size(s), size);
		mview_segment_close(s);
		return -EEXIST;
	}
	*ret_segment = s;
	return 0;
}

/* Tries of an open-or-create whose segment is deleted between the two. */
#define SEGMENT_EXIST_OK_TRIES	8

MVIEW_EXPORT int
mview_segment_create(struct mview_client *c, const char *name,
    uint64_t size, uint32_t mode, enum mview_lifetime lifetime,
    unsigned flags, struct mview_segment **ret_segment)
{
	Mview__Request		req = MVIEW__REQUEST__INIT;
	Mview__SegmentCreate	sc = MVIEW__SEGMENT_CREATE__INIT;
	int			r;

	if (c == NULL || ret_segment == NULL ||
	    (flags & ~(MVIEW_CREATE_HUGETLB | MVIEW_CREATE_EXIST_OK)) ||
	    (mode & ~0777u) || (lifetime != MVIEW_LIFETIME_PERSISTENT &&
	    lifetime != MVIEW_LIFETIME_SESSION))
		return -EINVAL;
	if (name != NULL && (r = conn_check_name(&c->conn, name)) < 0)
		return r;
	sc.name = (char *)name;
	sc.size = size;
	sc.has_mode = true;
	sc.mode = mode;
	sc.has_lifetime = true;
	sc.lifetime = lifetime == MVIEW_LIFETIME_SESSION ?
	    MVIEW__LIFETIME__LIFETIME_SESSION : MVIEW__LIFETIME__LIFETIME_PERSISTENT;
	sc.has_hugetlb = (flags & MVIEW_CREATE_HUGETLB) != 0;
	sc.hugetlb = sc.has_hugetlb;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_CREATE;
	req.segment_create = &sc;
	for (int i = 0; i < SEGMENT_EXIST_OK_TRIES; i++) {
		r = segment_request(c, &req, 0, MVIEW_OPEN_WRITE, ret_segment);
		if (r != -EEXIST || name == NULL ||
		    !(flags & MVIEW_CREATE_EXIST_OK))
			break;
		/* -ENOENT: deleted since; create it again. */
		if ((r = segment_open_existing(c, name, size,
		    ret_segment)) != -ENOENT)
			break;
	}
	return r == -ENOENT ? -EEXIST : r;
}

/* A Ref by name after checking the name. */
static int
segment_ref_name(struct mview_client *c, const char *name, Mview__Ref *ref)
{
	int	r;

	if (c == NULL)
		return -EINVAL;
	if ((r = conn_check_name(&c->conn, name)) < 0)
		return r;
	ref->by_case = MVIEW__REF__BY_NAME;
	ref->name = (char *)name;
	return 0;
}

/* A Ref by id. */
static int
segment_ref_id(struct mview_client *c, uint64_t id, Mview__Ref *ref)
{
	if (c == NULL)
		return -EINVAL;
	ref->by_case = MVIEW__REF__BY_ID;
	ref->id = id;
	return 0;
}

static int
segment_open_ref(struct mview_client *c, Mview__Ref *ref, unsigned flags,
    struct mview_segment **ret_segment)
{
	Mview__Request		req = MVIEW__REQUEST__INIT;
	Mview__SegmentOpen	so = MVIEW__SEGMENT_OPEN__INIT;

	if (c == NULL || ret_segment == NULL ||
	    (flags & ~(MVIEW_OPEN_WRITE | MVIEW_OPEN_PRIVATE)) ||
	    flags == (MVIEW_OPEN_WRITE | MVIEW_OPEN_PRIVATE))
		return -EINVAL;
	so.ref = ref;
	so.has_write = true;
	so.write = (flags & MVIEW_OPEN_WRITE) != 0;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_OPEN;
	req.segment_open = &so;
	return segment_request(c, &req, CLIENT_CALL_RETRY, flags, ret_segment);
}

MVIEW_EXPORT int
mview_segment_open(struct mview_client *c, const char *name, unsigned flags,
    struct mview_segment **ret_segment)
{
	Mview__Ref	ref = MVIEW__REF__INIT;
	int		r;

	if ((r = segment_ref_name(c, name, &ref)) < 0)
		return r;
	return segment_open_ref(c, &ref, flags, ret_segment);
}

MVIEW_EXPORT int
mview_segment_open_id(struct mview_client *c, uint64_t id, unsigned flags,
    struct mview_segment **ret_segment)
{
	Mview__Ref	ref = MVIEW__REF__INIT;
	int		r;

	if ((r = segment_ref_id(c, id, &ref)) < 0)
		return r;
	return segment_open_ref(c, &ref, flags, ret_segment);
}

MVIEW_EXPORT void
mview_segment_close(struct mview_segment *s)
{
	if (s == NULL)
		return;
	mapping_unref(s->map);
	free(s);
}

MVIEW_EXPORT void *
mview_segment_data(const struct mview_segment *s)
{
	return s != NULL ? s->map->base : NULL;
}

MVIEW_EXPORT uint64_t
mview_segment_size(const struct mview_segment *s)
{
	return s != NULL ? s->map->size : 0;
}

MVIEW_EXPORT const struct mview_segment_info *
mview_segment_info(const struct mview_segment *s)
{
	return s != NULL ? &s->info : NULL;
}

/* A request on a segment Ref whose reply carries nothing we keep. */
static int
segment_simple(struct mview_client *c, Mview__Request__BodyCase body,
    Mview__Ref *ref, unsigned flags)
{
	Mview__Request	req = MVIEW__REQUEST__INIT;

	req.body_case = body;
	if (body == MVIEW__REQUEST__BODY_SEGMENT_DELETE)
		req.segment_delete = ref;
	else
		req.segment_freeze = ref;
	return client_call(c, &req, flags, NULL, NULL);
}

MVIEW_EXPORT int
mview_segment_delete(struct mview_client *c, const char *name)
{
	Mview__Ref	ref = MVIEW__REF__INIT;
	int		r;

	if ((r = segment_ref_name(c, name, &ref)) < 0)
		return r;
	return segment_simple(c, MVIEW__REQUEST__BODY_SEGMENT_DELETE, &ref, 0);
}

MVIEW_EXPORT int
mview_segment_delete_id(struct mview_client *c, uint64_t id)
{
	Mview__Ref	ref = MVIEW__REF__INIT;
	int		r;

	if ((r = segment_ref_id(c, id, &ref)) < 0)
		return r;
	return segment_simple(c, MVIEW__REQUEST__BODY_SEGMENT_DELETE, &ref, 0);
}

MVIEW_EXPORT int
mview_segment_freeze(struct mview_client *c, const char *name)
{
	Mview__Ref	ref = MVIEW__REF__INIT;
	int		r;

	if ((r = segment_ref_name(c, name, &ref)) < 0)
		return r;
	return segment_simple(c, MVIEW__REQUEST__BODY_SEGMENT_FREEZE, &ref,
	    CLIENT_CALL_RETRY);
}

MVIEW_EXPORT int
mview_segment_freeze_id(struct mview_client *c, uint64_t id)
{
	Mview__Ref	ref = MVIEW__REF__INIT;
	int		r;

	if ((r = segment_ref_id(c, id, &ref)) < 0)
		return r;
	return segment_simple(c, MVIEW__REQUEST__BODY_SEGMENT_FREEZE, &ref,
	    CLIENT_CALL_RETRY);
}

static int
segment_stat_ref(struct mview_client *c, Mview__Ref *ref,
    struct mview_segment_info **ret_info)
{
	Mview__Request	 req = MVIEW__REQUEST__INIT;
	Mview__Reply	*rep;
	int		 r;

	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_STAT;
	req.segment_stat = ref;
	if ((r = client_call_reply(c, &req, CLIENT_CALL_RETRY,
	    MVIEW__REPLY__BODY_SEGMENT, &rep, NULL)) < 0)
		return r;
	r = list_pack_segments(&rep->segment, 1, ret_info);
	wire_reply_free(rep);
	return r;
}

MVIEW_EXPORT int
mview_segment_stat(struct mview_client *c, const char *name,
    struct mview_segment_info **ret_info)
{
	Mview__Ref	ref = MVIEW__REF__INIT;
	int		r;

	if (ret_info == NULL)
		return -EINVAL;
	if ((r = segment_ref_name(c, name, &ref)) < 0)
		return r;
	return segment_stat_ref(c, &ref, ret_info);
}

MVIEW_EXPORT int
mview_segment_stat_id(struct mview_client *c, uint64_t id,
    struct mview_segment_info **ret_info)
{
	Mview__Ref	ref = MVIEW__REF__INIT;
	int		r;

	if (ret_info == NULL)
		return -EINVAL;
	if ((r = segment_ref_id(c, id, &ref)) < 0)
		return r;
	return segment_stat_ref(c, &ref, ret_info);
}
