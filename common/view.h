/* SPDX-License-Identifier: MIT */
/* The view descriptor and the algebra over it (its rules: docs/view-algebra.md). */
#ifndef MVIEW_COMMON_VIEW_H
#define MVIEW_COMMON_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * Pure: no I/O, no global state, no dependency beyond libc (malloc only
 * where a function says so); thread-safe on distinct outputs. Where
 * memoryview answers, results and messages are CPython's (3.12, where
 * 'e' is native); where memoryview raises NotImplementedError, they are
 * NumPy 1.24 basic indexing's.
 */

#define VIEW_MAX_NDIM	64
#define VIEW_FORMAT_MAX	16	/* bytes of a format string, NUL included */

/* Exactly what a Py_buffer carries, pointing into a segment. */
struct view_desc {
	uint64_t segment_id;
	int64_t	 offset;	/* bytes from segment start to element [0,...,0] */
	int64_t	 itemsize;
	int	 ndim;
	bool	 readonly;
	char	 format[VIEW_FORMAT_MAX];	/* as written, NUL-terminated */
	int64_t	 shape[VIEW_MAX_NDIM];
	int64_t	 strides[VIEW_MAX_NDIM];	/* bytes, any sign */
};

/*
 * The fixed fields of a struct view_desc, in its layout (all before shape):
 * a compact descriptor is a head and 2 * ndim int64s (extents, strides).
 */
struct view_head {
	uint64_t segment_id;
	int64_t	 offset;
	int64_t	 itemsize;
	int	 ndim;
	bool	 readonly;
	char	 format[VIEW_FORMAT_MAX];
};

#define VIEW_HEAD_AT(f) \
	(offsetof(struct view_head, f) == offsetof(struct view_desc, f))
_Static_assert(VIEW_HEAD_AT(segment_id) && VIEW_HEAD_AT(offset) &&
    VIEW_HEAD_AT(itemsize) && VIEW_HEAD_AT(ndim) && VIEW_HEAD_AT(readonly) &&
    VIEW_HEAD_AT(format) &&
    sizeof(struct view_head) <= offsetof(struct view_desc, shape),
    "struct view_head is not the start of struct view_desc");
#undef VIEW_HEAD_AT

/* The fixed fields of src (all but shape and strides) into dst. */
static inline void
view_desc_copy_head(struct view_desc *dst, const struct view_desc *src)
{
	if (dst != src)
		memcpy(dst, src, offsetof(struct view_desc, shape));
}

/*
 * *dst = *src as far as the descriptor means anything: the fixed fields
 * and ndim extents and strides (a full copy is ~1 KiB, and derived views
 * are made on hot paths). dst's entries past src->ndim are left as they
 * were.
 */
static inline void
view_desc_copy(struct view_desc *dst, const struct view_desc *src)
{
	int	i;

	if (dst == src)
		return;
	view_desc_copy_head(dst, src);
	/* A plain loop, bounded: compilers turn the obvious one into memcpy
	 * calls (or rep movsq), slower for a few axes than the loop. */
	for (i = 0; i < src->ndim && i < VIEW_MAX_NDIM; i++) {
		dst->shape[i] = src->shape[i];
		dst->strides[i] = src->strides[i];
	}
}

/* The Python exception class an error maps to. */
enum view_errclass {
	VIEW_ERR_NONE = 0,
	VIEW_ERR_TYPE,		/* TypeError */
	VIEW_ERR_VALUE,		/* ValueError */
	VIEW_ERR_INDEX,		/* IndexError */
	VIEW_ERR_BUFFER,	/* BufferError */
	VIEW_ERR_NOTIMPL,	/* NotImplementedError */
	VIEW_ERR_OVERFLOW,	/* OverflowError */
	VIEW_ERR_AXIS,		/* AxisError: ValueError, IndexError */
	VIEW_ERR_MEMORY,	/* MemoryError */
};

struct view_error {
	enum view_errclass cls;
	char		   msg[192];	/* CPython's exact text where it has one */
};

/*
 * Every function returns 0 (or a documented positive value) on success or
 * a negative errno and fills *err when err is not NULL: -EINVAL for Type,
 * Value and Axis errors, -ERANGE for Index errors, -ENOTSUP for
 * NotImplemented, -EBUSY for Buffer errors, -EOVERFLOW for OverflowError,
 * -ENOMEM for MemoryError. Outputs are left untouched on failure.
 */

/* "TypeError", "ValueError", ... ("" for VIEW_ERR_NONE). */
const char	*view_errclass_name(enum view_errclass cls);

/* ValueError "operation forbidden on released memoryview object": the
 * binding's answer to any operation on a released view. */
int	view_error_released(struct view_error *err);

/* ------------------------------------------------------------- formats */

/* What an element of a native format reads as (VIEW_KIND_NONE: not a
 * native single-character format, element access is NotImplementedError). */
enum view_kind {
	VIEW_KIND_NONE = 0,
	VIEW_KIND_INT,		/* b h i l q n */
	VIEW_KIND_UINT,		/* B H I L Q N P */
	VIEW_KIND_FLOAT,	/* e f d */
	VIEW_KIND_BOOL,		/* ? */
	VIEW_KIND_BYTE,		/* c */
};

/* The itemsize of a native single-character format ("h", "@h"), or
 * -EINVAL when the format is not one. */
int	view_format_itemsize(const char *format);

/* The itemsize of any struct-module format ("3i", "<hQ", "Zf"), as
 * struct.calcsize() has it, or -EINVAL. */
int	view_format_size(const char *format);

/* A NumPy typestr ("<f4", "|u1", "<c8") written as the struct format of the
 * same bytes into buf ("f", "B", "Zf" on little-endian hosts), or -EINVAL. */
int	view_format_from_typestr(const char *format, char *buf,
	    size_t bufsize);

/* The kind of a native format, VIEW_KIND_NONE for anything else. */
enum view_kind view_format_kind(const char *format);

/* ------------------------------------------------- descriptor properties */

/* Fill *ret_desc for a view of ndim extents shape with strides (NULL: C
 * order) at offset, in segment segment_id. itemsize 0 takes the native
 * format's. Structural checks as view_validate() but no bounds check. */
int	view_init(struct view_desc *ret_desc, uint64_t segment_id,
	    int64_t offset, const char *format, int64_t itemsize, int ndim,
	    const int64_t *shape, const int64_t *strides, bool readonly,
	    struct view_error *err);

/* memoryview's flags: ndim 0 is both; ndim 1 iff shape[0] == 1 or
 * stride == itemsize; otherwise the usual check, skipping extent-1 axes,
 * true whenever a zero is in the shape. */
bool	view_is_c_contiguous(const struct view_desc *d);
bool	view_is_f_contiguous(const struct view_desc *d);

/* order 'C', 'F' or 'A' (either); false for any other order. */
bool	view_is_contiguous(const struct view_desc *d, char order);

/* product(shape) * itemsize, -EOVERFLOW when it does not fit an int64. */
int	view_nbytes(const struct view_desc *d, int64_t *ret_nbytes);

/* Overflow-safe bounds check: every byte the view can touch lies in
 * [0, segment_size). A view with a zero in its shape touches nothing. */
int	view_check_bounds(const struct view_desc *d, uint64_t segment_size,
	    struct view_error *err);

/* Structural validation of a descriptor received from outside (the wire):
 * ndim in [0, max_ndim], shape >= 0, itemsize >= 1, format printable and
 * non-empty, itemsize matching the format when the format is native,
 * nbytes computable without overflow, then the bounds check. */
int	view_validate(const struct view_desc *d, uint64_t segment_size,
	    int max_ndim, struct view_error *err);

/* ---------------------------------------------------------- subscripts */

enum view_key_kind {
	VIEW_KEY_INDEX = 0,	/* an int */
	VIEW_KEY_SLICE,		/* start:stop:step, each optional */
	VIEW_KEY_ELLIPSIS,	/* ... */
};

/* One item of a subscript, as Python passed it (ints clamped to int64 the
 * way PySlice_Unpack clamps to Py_ssize_t). */
struct view_key {
	enum view_key_kind kind;
	int64_t		   index;
	int64_t		   start, stop, step;
	bool		   has_start, has_stop, has_step;
};

/*
 * Flags of view_subscript(). TUPLE: the key was a tuple (v[a, b], v[(a,)],
 * v[()]). MEMORYVIEW: memoryview's answer only, its NotImplementedError
 * and "invalid slice key" instead of NumPy's result. NUMPY: NumPy basic
 * indexing only. STORE: the target of v[key] = value. DELETE: the target
 * of del v[key] (always an error). SCALAR (with STORE): the value is not
 * a buffer.
 */
#define VIEW_SUBSCRIPT_TUPLE		(1u << 0)
#define VIEW_SUBSCRIPT_MEMORYVIEW	(1u << 1)
#define VIEW_SUBSCRIPT_NUMPY		(1u << 2)
#define VIEW_SUBSCRIPT_STORE		(1u << 3)
#define VIEW_SUBSCRIPT_DELETE		(1u << 4)
#define VIEW_SUBSCRIPT_SCALAR		(1u << 5)

/*
 * Results of view_subscript(). VIEW: a view (a store then needs a buffer
 * of the same structure: view_assign()). ITEM: one element, as a 0-dim
 * view whose offset is the element's (view_unpack(), view_pack()). FILL:
 * a store on NumPy's path: assign a buffer, or fill with a scalar.
 */
#define VIEW_SUB_VIEW	0
#define VIEW_SUB_ITEM	1
#define VIEW_SUB_FILL	2

/*
 * v[keys] (nkeys items; a key not flagged TUPLE has exactly one item).
 * Default: memoryview's answer, or NumPy's where memoryview raises
 * NotImplementedError or rejects an Ellipsis / a mixed tuple; 0-dim views
 * keep memoryview's rules. Returns VIEW_SUB_VIEW or VIEW_SUB_ITEM with
 * *ret_view; with STORE also VIEW_SUB_FILL, after the read-only check
 * ("cannot modify read-only memory"). With STORE|SCALAR, memoryview's 1-D
 * slice path returns VIEW_SUB_VIEW (*ret_view = *d) before adjusting the
 * slice: the caller then raises TypeError "a bytes-like object is
 * required, not '...'", as CPython does.
 */
int	view_subscript(const struct view_desc *d,
	    const struct view_key *keys, size_t nkeys, unsigned flags,
	    struct view_desc *ret_view, struct view_error *err);

/* PySlice_Unpack + PySlice_AdjustIndices of key (a VIEW_KEY_SLICE) over
 * an axis of length: ValueError "slice step cannot be zero". */
int	view_slice_adjust(const struct view_key *key, int64_t length,
	    int64_t *ret_start, int64_t *ret_step, int64_t *ret_len,
	    struct view_error *err);

/* Parse a subscript written as in Python ("1:3,::2", "...,0", "-1",
 * "()") into at most maxkeys keys; *ret_flags gets VIEW_SUBSCRIPT_TUPLE
 * when it had a comma or was "()". ValueError on bad text. */
int	view_key_parse(const char *text, struct view_key *keys,
	    size_t maxkeys, size_t *ret_nkeys, unsigned *ret_flags,
	    struct view_error *err);

/* Byte offset of the element at a full index (memoryview's rules: more
 * than ndim ints is TypeError, fewer NotImplementedError, out of range
 * IndexError "index out of bounds on dimension K"). */
int	view_item_offset(const struct view_desc *d, const int64_t *index,
	    size_t nindex, int64_t *ret_offset, struct view_error *err);

/* -------------------------------------------------------- derived views */

/* The shape argument of cast() as Python passed it, for exact errors. */
#define VIEW_DIM_INT		0
#define VIEW_DIM_NOT_INT	1	/* not an int: TypeError */
#define VIEW_DIM_TOO_BIG	2	/* beyond Py_ssize_t: OverflowError */

struct view_cast_shape {
	int		 ndim;		/* < 0: no shape argument */
	const int64_t	*shape;
	const uint8_t	*dims;		/* NULL or ndim VIEW_DIM_* */
	bool		 not_sequence;	/* neither list nor tuple */
};

/* memoryview.cast(format, shape) with CPython's checks in CPython's
 * order; ndim < 0 means no shape. The result is C-ordered, same offset,
 * same readonly. */
int	view_cast(const struct view_desc *d, const char *format, int ndim,
	    const int64_t *shape, struct view_desc *ret_view,
	    struct view_error *err);
int	view_cast_ex(const struct view_desc *d, const char *format,
	    const struct view_cast_shape *shape, struct view_desc *ret_view,
	    struct view_error *err);

/* NumPy's transpose(axes): perm NULL reverses; "axes don't match array",
 * AxisError "axis 5 is out of bounds for array of dimension 2",
 * "repeated axis in transpose". Negative axes count from the end. */
int	view_transpose(const struct view_desc *d, const int64_t *perm,
	    int nperm, struct view_desc *ret_view, struct view_error *err);

/* NumPy's reshape(shape) without copying: one negative extent is inferred
 * ("can only specify one unknown dimension", "cannot reshape array of size
 * 12 into shape (5,newaxis)"); NumPy's strides. A view NumPy would have
 * to copy is TypeError "cannot reshape a non-contiguous view without
 * copying" (every C-contiguous view reshapes). */
int	view_reshape(const struct view_desc *d, int ndim,
	    const int64_t *shape, struct view_desc *ret_view,
	    struct view_error *err);

/* The same view, read-only. */
void	view_toreadonly(const struct view_desc *d,
	    struct view_desc *ret_view);

/* ------------------------------------------------------------ elements */

/*
 * An element's value (union member in brackets). Read: INT [i] for
 * signed formats, UINT [u] for unsigned ones and P, FLOAT [f] for e f d,
 * BOOL [b] for ?, BYTE [c] for c. Written, what Python passed: INT an
 * int in int64 range (or an __index__ object), UINT an int in (INT64_MAX,
 * UINT64_MAX], BIGINT any other int [f = float(int), +-HUGE_VAL when that
 * overflows], FLOAT a float [f], BOOL True/False [b], BYTE a bytes object
 * of length 1 [c], BYTES one of another length [n], OTHER anything else
 * [b = bool(obj)].
 */
enum view_value_type {
	VIEW_VALUE_INT = 0,
	VIEW_VALUE_UINT,
	VIEW_VALUE_FLOAT,
	VIEW_VALUE_BOOL,
	VIEW_VALUE_BYTE,
	VIEW_VALUE_BIGINT,
	VIEW_VALUE_BYTES,
	VIEW_VALUE_OTHER,
};

struct view_value {
	enum view_value_type type;
	union {
		int64_t		i;
		uint64_t	u;
		double		f;
		bool		b;
		unsigned char	c;
		size_t		n;
	};
};

/* Read one element of format at ptr (view_subscript's item: base +
 * offset). NotImplementedError "memoryview: unsupported format <i" or
 * "memoryview: format x not supported" when the format is not native. */
int	view_unpack(const char *format, const void *ptr,
	    struct view_value *ret_value, struct view_error *err);

/* Store value at ptr with CPython's rules: ValueError "memoryview: invalid
 * value for format 'h'", TypeError "memoryview: invalid type for format
 * 'h'"; 'f' stores +-inf when too large, 'e' rounds half-even and refuses
 * overflow. Nothing is written on failure. */
int	view_pack(const char *format, void *ptr,
	    const struct view_value *value, struct view_error *err);

/* Store value into every element of d (NumPy-path stores); base is the
 * segment's address. TypeError on a read-only view. */
int	view_fill(const struct view_desc *d, void *base,
	    const struct view_value *value, struct view_error *err);

/*
 * dst[...] = src: same format (ignoring '@') and itemsize, same shape
 * (equal up to the first zero) or ValueError "memoryview assignment:
 * lvalue and rvalue have different structures". dbase/sbase are the
 * addresses the offsets count from; overlap is safe (a temporary is
 * malloc'd when the two overlap). TypeError on a read-only dst.
 */
int	view_assign(const struct view_desc *dst, void *dbase,
	    const struct view_desc *src, const void *sbase,
	    struct view_error *err);

/* -------------------------------------------------------------- output */

/* tobytes(order) into out[outlen >= nbytes]: 'C', 'F', or 'A' (physical
 * bytes when C- or F-contiguous, else C); otherwise ValueError "order
 * must be 'C', 'F' or 'A'". */
int	view_tobytes(const struct view_desc *d, const void *base, char order,
	    void *out, size_t outlen, struct view_error *err);

/* bytes.hex(sep, bytes_per_sep) of n bytes: sep an ASCII character or -1
 * for none; bytes_per_sep > 0 groups from the right, < 0 from the left.
 * view_hex_len() is the text length; out needs one more byte (NUL). */
size_t	view_hex_len(size_t n, int sep, int bytes_per_sep);
void	view_hex(const void *data, size_t n, int sep, int bytes_per_sep,
	    char *out);

/* hex() of d's C-order bytes; *ret_text is malloc'd (free() it). */
int	view_hex_text(const struct view_desc *d, const void *base, int sep,
	    int bytes_per_sep, char **ret_text, struct view_error *err);

#define VIEW_TEXT_JSON	(1u << 0)	/* JSON, not Python's repr */

/*
 * tolist() as text: Python's repr ("[[0, 1], [2, 3]]", 0.1, True,
 * b'\x00') or strict JSON as json.dumps() writes it (true, "\u0000"),
 * except that NaN and the infinities are strings ("NaN", "-Infinity").
 * limit > 0 stops after limit elements (an empty innermost list counts
 * as one): the list being written then ends in "..." (JSON: null).
 * *ret_text is malloc'd (free() it).
 */
int	view_tolist_text(const struct view_desc *d, const void *base,
	    unsigned flags, uint64_t limit, char **ret_text,
	    struct view_error *err);

/* One value as repr() or JSON would write it, NUL-terminated in buf
 * (48 bytes always suffice). Returns the length. */
size_t	view_value_text(const struct view_value *v, unsigned flags,
	    char *buf, size_t len);

/* repr(float): the shortest string that round-trips ("0.1", "1e+16",
 * "inf", "nan"). buf of 32 bytes always suffices. Returns the length. */
size_t	view_double_repr(double x, char *buf, size_t len);

#endif /* MVIEW_COMMON_VIEW_H */
