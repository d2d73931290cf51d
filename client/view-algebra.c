/* SPDX-License-Identifier: MIT */
/* The public view algebra: mview_view_* over common/'s pure functions. */
#include <errno.h>
#include <stdlib.h>

#include "client-internal.h"

_Static_assert(sizeof(struct mview_key) == sizeof(struct view_key), "key layouts differ");
_Static_assert(sizeof(struct mview_value) == sizeof(struct view_value), "value layouts differ");
_Static_assert((int)MVIEW_VALUE_OTHER == (int)VIEW_VALUE_OTHER, "value types differ");
_Static_assert((int)MVIEW_KEY_ELLIPSIS == (int)VIEW_KEY_ELLIPSIS, "key kinds differ");
_Static_assert(MVIEW_SUBSCRIPT_TUPLE == VIEW_SUBSCRIPT_TUPLE &&
    MVIEW_SUBSCRIPT_MEMORYVIEW == VIEW_SUBSCRIPT_MEMORYVIEW &&
    MVIEW_SUBSCRIPT_STORE == VIEW_SUBSCRIPT_STORE &&
    MVIEW_SUBSCRIPT_DELETE == VIEW_SUBSCRIPT_DELETE &&
    MVIEW_SUBSCRIPT_SCALAR == VIEW_SUBSCRIPT_SCALAR, "subscript flags differ");
_Static_assert(MVIEW_SUB_ITEM == VIEW_SUB_ITEM && MVIEW_SUB_FILL == VIEW_SUB_FILL,
    "subscript results differ");
_Static_assert(MVIEW_TEXT_JSON == VIEW_TEXT_JSON, "text flags differ");

/* The public key and value structs are the internal ones, field for field. */
static const struct view_key *
keys_in(const struct mview_key *k)
{
	return (const struct view_key *)(const void *)k;
}

/* Finish an algebra call: wrap the derived descriptor, or export the error. */
static int
derived(const struct mview_view *v, int r, const struct view_desc *d,
    const struct view_error *err, struct mview_view **ret_view,
    struct mview_error *ret_error)
{
	if (r < 0) {
		client_error_export(err, ret_error);
		return r;
	}
	return client_view_wrap(v->map, d, ret_view);
}

static char *
view_base(const struct mview_view *v)
{
	return v->map->base;
}

MVIEW_EXPORT int
mview_view_subscript(const struct mview_view *v, const struct mview_key *keys,
    size_t nkeys, unsigned flags, struct mview_view **ret_view,
    void **ret_item, struct mview_error *ret_error)
{
	struct view_error	err;
	struct view_desc	src, d;
	int			r, w;

	assert_return(v != NULL, -EINVAL);
	assert_return(keys != NULL || nkeys == 0, -EINVAL);
	client_view_expand(v, &src);
	r = view_subscript(&src, keys_in(keys), nkeys, flags, &d, &err);
	if (r < 0) {
		client_error_export(&err, ret_error);
		return r;
	}
	if (r == VIEW_SUB_ITEM) {
		if (ret_item != NULL)
			*ret_item = view_base(v) + d.offset;
		return r;
	}
	if (ret_view == NULL)
		return r;
	if ((w = client_view_wrap(v->map, &d, ret_view)) < 0)
		return w;
	return r;
}

MVIEW_EXPORT int
mview_key_parse(const char *text, struct mview_key *keys, size_t maxkeys,
    size_t *ret_nkeys, unsigned *ret_flags, struct mview_error *ret_error)
{
	struct view_error	err;
	int			r;

	assert_return(text != NULL, -EINVAL);
	assert_return(keys != NULL || maxkeys == 0, -EINVAL);
	assert_return(ret_nkeys != NULL, -EINVAL);
	assert_return(ret_flags != NULL, -EINVAL);
	r = view_key_parse(text, (struct view_key *)(void *)keys, maxkeys,
	    ret_nkeys, ret_flags, &err);
	if (r < 0)
		client_error_export(&err, ret_error);
	return r;
}

MVIEW_EXPORT int
mview_view_cast(const struct mview_view *v, const char *format, int ndim,
    const int64_t *shape, struct mview_view **ret_view,
    struct mview_error *ret_error)
{
	struct view_error	err;
	struct view_desc	src, d;
	int			r;

	assert_return(v != NULL && format != NULL && ret_view != NULL, -EINVAL);
	assert_return(shape != NULL || ndim <= 0, -EINVAL);
	client_view_expand(v, &src);
	r = view_cast(&src, format, ndim, shape, &d, &err);
	return derived(v, r, &d, &err, ret_view, ret_error);
}

MVIEW_EXPORT int
mview_view_cast_ex(const struct mview_view *v, const char *format,
    const struct mview_cast_shape *shape, struct mview_view **ret_view,
    struct mview_error *ret_error)
{
	struct view_cast_shape	s;
	struct view_error	err;
	struct view_desc	src, d;
	int			r;

	assert_return(v != NULL && format != NULL && ret_view != NULL, -EINVAL);
	assert_return(shape != NULL, -EINVAL);
	assert_return(shape->shape != NULL || shape->ndim <= 0, -EINVAL);
	s = (struct view_cast_shape){
		.ndim = shape->ndim, .shape = shape->shape, .dims = shape->dims,
		.not_sequence = shape->not_sequence,
	};
	client_view_expand(v, &src);
	r = view_cast_ex(&src, format, &s, &d, &err);
	return derived(v, r, &d, &err, ret_view, ret_error);
}

MVIEW_EXPORT int
mview_view_transpose(const struct mview_view *v, const int64_t *perm,
    int nperm, struct mview_view **ret_view, struct mview_error *ret_error)
{
	struct view_error	err;
	struct view_desc	src, d;
	int			r;

	assert_return(v != NULL && ret_view != NULL, -EINVAL);
	assert_return(perm != NULL || nperm <= 0, -EINVAL);
	client_view_expand(v, &src);
	r = view_transpose(&src, perm, nperm, &d, &err);
	return derived(v, r, &d, &err, ret_view, ret_error);
}

MVIEW_EXPORT int
mview_view_reshape(const struct mview_view *v, int ndim, const int64_t *shape,
    struct mview_view **ret_view, struct mview_error *ret_error)
{
	struct view_error	err;
	struct view_desc	src, d;
	int			r;

	assert_return(v != NULL && ret_view != NULL, -EINVAL);
	assert_return(shape != NULL || ndim <= 0, -EINVAL);
	client_view_expand(v, &src);
	r = view_reshape(&src, ndim, shape, &d, &err);
	return derived(v, r, &d, &err, ret_view, ret_error);
}

/* view_toreadonly() without unpacking v: a copy with the flag set. */
MVIEW_EXPORT int
mview_view_toreadonly(const struct mview_view *v, struct mview_view **ret_view)
{
	int	r;

	if ((r = mview_view_dup(v, ret_view)) == 0)
		(*ret_view)->desc.readonly = true;
	return r;
}

MVIEW_EXPORT bool
mview_view_is_contiguous(const struct mview_view *v, char order)
{
	struct view_desc	src;

	assert_return(v != NULL, false);
	client_view_expand(v, &src);
	return view_is_contiguous(&src, order);
}

MVIEW_EXPORT uint64_t
mview_view_nbytes(const struct mview_view *v)
{
	struct view_desc	src;
	int64_t			n = 0;

	assert_return(v != NULL, 0);
	/* A view that exists passed its bounds check, so this cannot fail. */
	client_view_expand(v, &src);
	if (view_nbytes(&src, &n) < 0)
		return 0;
	return (uint64_t)n;
}

MVIEW_EXPORT int
mview_view_get_item(const struct mview_view *v, const void *item,
    struct mview_value *ret_value, struct mview_error *ret_error)
{
	struct view_error	err;
	int			r;

	assert_return(v != NULL && item != NULL && ret_value != NULL, -EINVAL);
	r = view_unpack(v->desc.format, item,
	    (struct view_value *)(void *)ret_value, &err);
	if (r < 0)
		client_error_export(&err, ret_error);
	return r;
}

/* memoryview checks writability before anything about the value. */
static int
check_writable(const struct mview_view *v, struct mview_error *ret_error)
{
	struct view_error	err = { .cls = VIEW_ERR_TYPE,
	    .msg = "cannot modify read-only memory" };

	if (!v->desc.readonly)
		return 0;
	client_error_export(&err, ret_error);
	return -EINVAL;
}

MVIEW_EXPORT int
mview_view_set_item(const struct mview_view *v, void *item,
    const struct mview_value *value, struct mview_error *ret_error)
{
	struct view_error	err;
	int			r;

	assert_return(v != NULL && item != NULL && value != NULL, -EINVAL);
	if ((r = check_writable(v, ret_error)) < 0)
		return r;
	r = view_pack(v->desc.format, item,
	    (const struct view_value *)(const void *)value, &err);
	if (r < 0)
		client_error_export(&err, ret_error);
	return r;
}

/* The address of the element at a full index. */
static int
item_at(const struct mview_view *v, const int64_t *index, int nindex,
    void **ret_item, struct mview_error *ret_error)
{
	struct view_desc	src;
	struct view_error	err;
	int64_t			off;
	int			r;

	if (nindex < 0)
		nindex = 0;
	client_view_expand(v, &src);
	r = view_item_offset(&src, index, (size_t)nindex, &off, &err);
	if (r < 0) {
		client_error_export(&err, ret_error);
		return r;
	}
	*ret_item = view_base(v) + off;
	return 0;
}

MVIEW_EXPORT int
mview_view_get(const struct mview_view *v, const int64_t *index, int nindex,
    struct mview_value *ret_value, struct mview_error *ret_error)
{
	void	*item;
	int	 r;

	assert_return(v != NULL && ret_value != NULL, -EINVAL);
	assert_return(index != NULL || nindex <= 0, -EINVAL);
	if ((r = item_at(v, index, nindex, &item, ret_error)) < 0)
		return r;
	return mview_view_get_item(v, item, ret_value, ret_error);
}

MVIEW_EXPORT int
mview_view_set(const struct mview_view *v, const int64_t *index, int nindex,
    const struct mview_value *value, struct mview_error *ret_error)
{
	void	*item;
	int	 r;

	assert_return(v != NULL && value != NULL, -EINVAL);
	assert_return(index != NULL || nindex <= 0, -EINVAL);
	if ((r = check_writable(v, ret_error)) < 0)
		return r;
	if ((r = item_at(v, index, nindex, &item, ret_error)) < 0)
		return r;
	return mview_view_set_item(v, item, value, ret_error);
}

MVIEW_EXPORT int
mview_view_fill(const struct mview_view *v, const struct mview_value *value,
    struct mview_error *ret_error)
{
	struct view_desc	src;
	struct view_error	err;
	int			r;

	assert_return(v != NULL && value != NULL, -EINVAL);
	client_view_expand(v, &src);
	r = view_fill(&src, view_base(v),
	    (const struct view_value *)(const void *)value, &err);
	if (r < 0)
		client_error_export(&err, ret_error);
	return r;
}

MVIEW_EXPORT int
mview_view_tobytes(const struct mview_view *v, char order, void *buf,
    size_t len, struct mview_error *ret_error)
{
	struct view_desc	src;
	struct view_error	err;
	int			r;

	assert_return(v != NULL, -EINVAL);
	assert_return(buf != NULL || len == 0, -EINVAL);
	client_view_expand(v, &src);
	r = view_tobytes(&src, view_base(v), order, buf, len, &err);
	if (r < 0)
		client_error_export(&err, ret_error);
	return r;
}

MVIEW_EXPORT int
mview_view_assign(const struct mview_view *dst, const void *src_data,
    const struct mview_desc *src, struct mview_error *ret_error)
{
	const struct view_desc	*s = (const struct view_desc *)(const void *)src;
	struct view_desc	 to;
	struct view_error	 err;
	int			 r;

	assert_return(dst != NULL && src_data != NULL && src != NULL, -EINVAL);
	client_view_expand(dst, &to);
	/* view_assign counts src offsets from a base: put element 0 at src_data. */
	r = view_assign(&to, view_base(dst), s,
	    (const char *)src_data - s->offset, &err);
	if (r < 0)
		client_error_export(&err, ret_error);
	return r;
}

MVIEW_EXPORT int
mview_view_tolist_text(const struct mview_view *v, unsigned flags,
    uint64_t limit, char **ret_text, struct mview_error *ret_error)
{
	struct view_desc	src;
	struct view_error	err;
	int			r;

	assert_return(v != NULL && ret_text != NULL, -EINVAL);
	client_view_expand(v, &src);
	r = view_tolist_text(&src, view_base(v), flags, limit, ret_text,
	    &err);
	if (r < 0)
		client_error_export(&err, ret_error);
	return r;
}

MVIEW_EXPORT int
mview_value_text(const struct mview_value *value, unsigned flags, char *buf,
    size_t len)
{
	size_t	n;

	if (value == NULL || buf == NULL || len == 0 ||
	    (flags & ~MVIEW_TEXT_JSON))
		return -EINVAL;
	n = view_value_text((const struct view_value *)(const void *)value,
	    flags, buf, len);
	return (int)n;
}

MVIEW_EXPORT int
mview_view_hex(const struct mview_view *v, int sep, int bytes_per_sep,
    char **ret_text, struct mview_error *ret_error)
{
	struct view_desc	src;
	struct view_error	err;
	int			r;

	assert_return(v != NULL && ret_text != NULL, -EINVAL);
	client_view_expand(v, &src);
	r = view_hex_text(&src, view_base(v), sep, bytes_per_sep,
	    ret_text, &err);
	if (r < 0)
		client_error_export(&err, ret_error);
	return r;
}
