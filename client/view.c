/* SPDX-License-Identifier: MIT */
/* Views over mappings: make, copy, release, publish, look up and unpublish. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client-wire.h"

/* The public descriptor is the internal one, field for field (list.c and
 * mview_view_assign() pass one as the other). */
#define SAME_FIELD(f) \
	_Static_assert(offsetof(struct mview_desc, f) == \
	    offsetof(struct view_desc, f), "mview_desc." #f " moved")
SAME_FIELD(segment_id);
SAME_FIELD(offset);
SAME_FIELD(itemsize);
SAME_FIELD(ndim);
SAME_FIELD(readonly);
SAME_FIELD(format);
SAME_FIELD(shape);
SAME_FIELD(strides);

/* d's descriptor into v, allocated with client_view_size(d->ndim). */
static void
view_pack_desc(struct mview_view *v, const struct view_desc *d)
{
	int	i, n = d->ndim;

	memcpy(&v->desc, d, sizeof(v->desc));
	/* Bounded, as in view_desc_copy(): else compilers may split the loop
	 * into memcpy calls, slower for a few axes than the loop. */
	for (i = 0; i < n && i < VIEW_MAX_NDIM; i++) {
		v->axes[i] = d->shape[i];
		v->axes[n + i] = d->strides[i];
	}
}

struct mview_view *
client_view_alloc(struct mview_mapping *m, int ndim)
{
	struct mview_view	*v;

	if (m->spare_ndim == 0 || ndim > m->spare_ndim)
		return malloc(client_view_size(ndim));
	if ((v = atomic_exchange_explicit(&m->spare, NULL,
	    memory_order_acquire)) != NULL)
		return v;
	return malloc(client_view_size(m->spare_ndim));
}

void
client_mapping_free_spare(struct mview_mapping *m)
{
	free(atomic_exchange(&m->spare, NULL));
}

int
client_view_wrap(struct mview_mapping *m, const struct view_desc *d,
    struct mview_view **ret_view)
{
	struct mview_view	*v;

	if (d->ndim < 0 || d->ndim > VIEW_MAX_NDIM)
		return -EINVAL;
	if ((v = client_view_alloc(m, d->ndim)) == NULL)
		return -ENOMEM;
	view_pack_desc(v, d);
	if (!m->writable)
		v->desc.readonly = true;
	mapping_ref(m);
	v->map = m;
	v->pub = NULL;
	*ret_view = v;
	return 0;
}

void
client_error_export(const struct view_error *in, struct mview_error *out)
{
	if (out == NULL)
		return;
	if (in == NULL) {
		out->errclass = MVIEW_ERR_NONE;
		out->message[0] = '\0';
		return;
	}
	switch (in->cls) {
	case VIEW_ERR_TYPE:	out->errclass = MVIEW_ERR_TYPE; break;
	case VIEW_ERR_VALUE:	out->errclass = MVIEW_ERR_VALUE; break;
	case VIEW_ERR_INDEX:	out->errclass = MVIEW_ERR_INDEX; break;
	case VIEW_ERR_BUFFER:	out->errclass = MVIEW_ERR_BUFFER; break;
	case VIEW_ERR_NOTIMPL:	out->errclass = MVIEW_ERR_NOTIMPL; break;
	case VIEW_ERR_OVERFLOW:	out->errclass = MVIEW_ERR_OVERFLOW; break;
	case VIEW_ERR_AXIS:	out->errclass = MVIEW_ERR_AXIS; break;
	case VIEW_ERR_MEMORY:	out->errclass = MVIEW_ERR_MEMORY; break;
	default:		out->errclass = MVIEW_ERR_NONE; break;
	}
	snprintf(out->message, sizeof(out->message), "%s", in->msg);
}

MVIEW_EXPORT int
mview_view_new(struct mview_segment *s, const char *format, int ndim,
    const int64_t *shape, const int64_t *strides, int64_t offset,
    struct mview_view **ret_view, struct mview_error *ret_error)
{
	struct view_desc	d;
	struct view_error	verr = { 0 };
	int			r;

	assert_return(s != NULL && format != NULL && ret_view != NULL, -EINVAL);
	assert_return(shape != NULL || ndim <= 0, -EINVAL);
	r = view_init(&d, s->map->segment_id, offset, format, 0, ndim, shape,
	    strides, !s->info.writable, &verr);
	if (r == 0)
		r = view_check_bounds(&d, s->map->size, &verr);
	if (r < 0) {
		client_error_export(&verr, ret_error);
		return r;
	}
	return client_view_wrap(s->map, &d, ret_view);
}

MVIEW_EXPORT int
mview_view_from_segment(struct mview_segment *s, struct mview_view **ret_view)
{
	int64_t	shape;

	if (s == NULL || ret_view == NULL)
		return -EINVAL;
	if (s->map->size > INT64_MAX)
		return -EFBIG;
	shape = (int64_t)s->map->size;
	return mview_view_new(s, "B", 1, &shape, NULL, 0, ret_view, NULL);
}

MVIEW_EXPORT void
mview_view_release(struct mview_view *v)
{
	struct mview_mapping	*m;

	if (v == NULL)
		return;
	m = v->map;
	free(v->pub);
	/* A stream frame's view of the spare size is kept (before the
	 * unref, which may free the mapping's spare with the stream). */
	if (m->spare_ndim != 0 && v->desc.ndim <= m->spare_ndim)
		v = atomic_exchange_explicit(&m->spare, v,
		    memory_order_acq_rel);
	mapping_unref(m);
	free(v);
}

/* v is compact and checked already: copied as it is, field by field (pub
 * may be set meanwhile by another thread, and is not copied). */
MVIEW_EXPORT int
mview_view_dup(const struct mview_view *v, struct mview_view **ret_view)
{
	struct mview_view	*w;

	if (v == NULL || ret_view == NULL)
		return -EINVAL;
	if ((w = client_view_alloc(v->map, v->desc.ndim)) == NULL)
		return -ENOMEM;
	w->map = v->map;
	w->pub = NULL;
	w->desc = v->desc;
	memcpy(w->axes, v->axes, 2 * (size_t)v->desc.ndim * sizeof(v->axes[0]));
	mapping_ref(w->map);
	*ret_view = w;
	return 0;
}

/* v's descriptor in full, every byte set: callers may copy the struct, so
 * fields are copied one by one (padding and the format's tail stay zero). */
static struct mview_desc *
view_desc_public(const struct mview_view *v)
{
	struct mview_desc	*pub;
	size_t			 n = (size_t)v->desc.ndim;

	if ((pub = calloc(1, sizeof(*pub))) == NULL)
		return NULL;
	pub->segment_id = v->desc.segment_id;
	pub->offset = v->desc.offset;
	pub->itemsize = v->desc.itemsize;
	pub->ndim = v->desc.ndim;
	pub->readonly = v->desc.readonly;
	memcpy(pub->format, v->desc.format,
	    strnlen(v->desc.format, sizeof(pub->format) - 1));
	memcpy(pub->shape, client_view_shape(v), n * sizeof(pub->shape[0]));
	memcpy(pub->strides, client_view_strides(v),
	    n * sizeof(pub->strides[0]));
	return pub;
}

MVIEW_EXPORT const struct mview_desc *
mview_view_desc(const struct mview_view *v)
{
	struct mview_view	*w = (struct mview_view *)(uintptr_t)v;
	struct mview_desc	*pub, *seen = NULL;

	if (v == NULL)
		return NULL;
	if ((pub = __atomic_load_n(&w->pub, __ATOMIC_ACQUIRE)) != NULL)
		return pub;
	if ((pub = view_desc_public(v)) == NULL)
		return NULL;
	/* The cache is not part of v's value: set it once, even if raced. */
	if (!__atomic_compare_exchange_n(&w->pub, &seen, pub, false,
	    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		free(pub);
		pub = seen;
	}
	return pub;
}

MVIEW_EXPORT void
mview_view_layout(const struct mview_view *v, struct mview_layout *ret)
{
	if (ret == NULL)
		return;
	if (v == NULL) {
		*ret = (struct mview_layout){ .format = "" };
		return;
	}
	ret->segment_id = v->desc.segment_id;
	ret->offset = v->desc.offset;
	ret->itemsize = v->desc.itemsize;
	ret->ndim = v->desc.ndim;
	ret->readonly = v->desc.readonly;
	ret->format = v->desc.format;
	ret->shape = client_view_shape(v);
	ret->strides = client_view_strides(v);
}

MVIEW_EXPORT void *
mview_view_data(const struct mview_view *v)
{
	if (v == NULL || v->map->base == NULL)
		return NULL;
	/* Integer arithmetic: an empty view's offset may lie past the end. */
	return (void *)((uintptr_t)v->map->base + (uintptr_t)v->desc.offset);
}

MVIEW_EXPORT void *
mview_view_mapping_base(const struct mview_view *v)
{
	return v != NULL ? v->map->base : NULL;
}

MVIEW_EXPORT uint64_t
mview_view_mapping_size(const struct mview_view *v)
{
	return v != NULL ? v->map->size : 0;
}

MVIEW_EXPORT bool
mview_view_is_private(const struct mview_view *v)
{
	return v != NULL && v->map->private_copy;
}

MVIEW_EXPORT int
mview_view_publish(struct mview_client *c, const char *name,
    const struct mview_view *v, unsigned flags)
{
	Mview__Request		req = MVIEW__REQUEST__INIT;
	Mview__ViewPublish	vp = MVIEW__VIEW_PUBLISH__INIT;
	Mview__ViewDesc		wd = MVIEW__VIEW_DESC__INIT;
	bool			replace = (flags & MVIEW_PUBLISH_REPLACE) != 0;
	int			r;

	if (c == NULL || v == NULL || (flags & ~MVIEW_PUBLISH_REPLACE))
		return -EINVAL;
	if ((r = conn_check_name(&c->conn, name)) < 0)
		return r;
	desc_to_wire(&v->desc, v->axes, &wd);
	vp.name = (char *)name;
	vp.desc = &wd;
	vp.has_replace = replace;
	vp.replace = replace;
	req.body_case = MVIEW__REQUEST__BODY_VIEW_PUBLISH;
	req.view_publish = &vp;
	/* With replace, publishing twice leaves the same state: retry. */
	return client_call(c, &req, replace ? CLIENT_CALL_RETRY : 0, NULL, NULL);
}

/* Make the view a lookup reply describes, mapping its segment (fd always
 * closed). -ESTALE: the daemon left the fd out but we map no such segment. */
static int
view_from_lookup(struct mview_client *c, const Mview__ViewLookupReply *lr,
    unsigned flags, int fd, struct mview_view **ret_view)
{
	const Mview__SegmentInfo	*seg = lr->segment;
	struct mview_mapping		*m;
	struct view_desc		 d;
	enum mapping_kind		 kind;
	bool				 writable;
	int				 r;

	if (lr->view == NULL || seg == NULL ||
	    desc_from_wire(lr->view->desc, &d, NULL) < 0 ||
	    d.segment_id != seg->id) {
		if (fd >= 0)
			close(fd);
		if (seg != NULL)
			mapping_abandon(c, seg->id);
		return -EPROTO;
	}
	writable = seg->has_writable ? seg->writable : false;
	kind = writable ? MAPPING_WRITE : MAPPING_READ;
	if (flags & MVIEW_OPEN_PRIVATE) {
		kind = MAPPING_PRIVATE;
		writable = true;
	}
	if (fd < 0 && kind != MAPPING_PRIVATE && seg->has_fd_sent_before &&
	    seg->fd_sent_before) {
		/* Only a mapping attached on this connection is the one the
		 * daemon means (an older one may be of another file). */
		if ((m = mapping_find_current(c, seg->id, writable)) == NULL)
			return -ESTALE;
		mapping_ref(m);
	} else if ((r = mapping_get(c, seg->id, seg->size, kind, fd,
	    &m)) < 0) {
		mapping_abandon(c, seg->id);
		return r;
	}
	/* Read-only unless asked and granted (or private), whatever the
	 * mapping allows. */
	if (!(flags & (MVIEW_OPEN_WRITE | MVIEW_OPEN_PRIVATE)) || !writable)
		d.readonly = true;
	if (view_validate(&d, m->size, VIEW_MAX_NDIM, NULL) < 0)
		r = -EPROTO;
	else
		r = client_view_wrap(m, &d, ret_view);
	mapping_unref(m);
	return r;
}

/* One lookup; with fd_once, the daemon sends no fd for a segment we map. */
static int
view_lookup_call(struct mview_client *c, const char *name, unsigned flags,
    bool fd_once, struct mview_view **ret_view)
{
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__ViewLookup	 vl = MVIEW__VIEW_LOOKUP__INIT;
	Mview__Reply		*rep;
	int			 fd, r;

	vl.name = (char *)name;
	vl.has_write = true;
	vl.write = (flags & MVIEW_OPEN_WRITE) != 0;
	vl.has_want_fd = true;
	vl.want_fd = true;
	vl.has_fd_once = true;
	/* A private mapping is always a new one: it needs the fd. */
	vl.fd_once = fd_once && !(flags & MVIEW_OPEN_PRIVATE);
	req.body_case = MVIEW__REQUEST__BODY_VIEW_LOOKUP;
	req.view_lookup = &vl;
	if ((r = client_call_reply(c, &req, CLIENT_CALL_RETRY,
	    MVIEW__REPLY__BODY_VIEW_LOOKUP, &rep, &fd)) < 0)
		return r;
	r = view_from_lookup(c, rep->view_lookup, flags, fd, ret_view);
	wire_reply_free(rep);
	return r;
}

MVIEW_EXPORT int
mview_view_lookup(struct mview_client *c, const char *name, unsigned flags,
    struct mview_view **ret_view)
{
	int	r;

	if (c == NULL || ret_view == NULL ||
	    (flags & ~(MVIEW_OPEN_WRITE | MVIEW_OPEN_PRIVATE)) ||
	    flags == (MVIEW_OPEN_WRITE | MVIEW_OPEN_PRIVATE))
		return -EINVAL;
	if ((r = conn_check_name(&c->conn, name)) < 0)
		return r;
	r = view_lookup_call(c, name, flags, true, ret_view);
	if (r == -ESTALE)	/* our mapping went without the daemon knowing */
		r = view_lookup_call(c, name, flags, false, ret_view);
	return r == -ESTALE ? -EPROTO : r;
}

MVIEW_EXPORT int
mview_view_unpublish(struct mview_client *c, const char *name)
{
	Mview__Request	req = MVIEW__REQUEST__INIT;
	int		r;

	if (c == NULL)
		return -EINVAL;
	if ((r = conn_check_name(&c->conn, name)) < 0)
		return r;
	req.body_case = MVIEW__REQUEST__BODY_VIEW_UNPUBLISH;
	req.view_unpublish = (char *)name;
	return client_call(c, &req, CLIENT_CALL_RETRY, NULL, NULL);
}
