/* SPDX-License-Identifier: MIT */
/*
 * libmviewclient: typed shared-memory views across processes, brokered by
 * mviewd.
 *
 * The C API comes first: errors, the client, events, segments, views and
 * the view algebra. The last section, "CPython exactness", holds what a
 * language binding needs to reproduce Python's own exceptions; C callers
 * may ignore it. The algebra's rules (memoryview's answers, NumPy's where
 * memoryview has none, and their errors) are described in
 * view-algebra.md, installed with the package's documentation.
 *
 * Conventions
 *   - Functions return 0 (or a documented positive value) on success and a
 *     negative errno on failure; results go through ret_ pointers, which
 *     are left untouched on failure. mview_strerror() describes a code;
 *     mview_client_last_error() has the daemon's own message.
 *   - Handles are opaque. Destructors (mview_client_close,
 *     mview_segment_close, mview_view_release, mview_stream_close) accept
 *     NULL, as free() does. Releasing or closing one handle twice, or
 *     using it afterwards, is the caller's bug, as free() twice is: its
 *     memory is gone and the library cannot tell (views and segment
 *     handles are independent: releasing one never invalidates another).
 *   - Arguments: every function answers -EINVAL, before doing anything,
 *     to NULL where it needs a handle, a string or a result pointer, and
 *     to a count given without its array (optional pointers say "may be
 *     NULL", and a NULL prefix or name means what each function says).
 *     The few that cannot fail answer NULL with a neutral value: NULL, 0,
 *     false, "" or -1 (mview_view_layout() with a NULL result does
 *     nothing).
 *   - Memory: a segment's memory is mapped at most once per client handle
 *     (cache keyed by segment id) and the fd is closed right after mapping.
 *     The mapping stays valid while any segment handle or view refers to
 *     it, even after the client is closed or the daemon restarts, and is
 *     unmapped when the last one goes.
 *   - Threads: a client handle, and the segments and views obtained through
 *     it, may be used from one thread at a time (no internal locking);
 *     distinct clients are independent. mview_strerror() and the pure
 *     view functions (the algebra, mview_view_desc/_data/_dup) on distinct
 *     views are safe from any thread, even when the views share a mapping
 *     (its reference count is atomic). So is mview_view_release(), except
 *     that dropping the last view or handle of a segment while its client
 *     is open tells the daemon through that client.
 *   - File descriptors: a request whose reply brings an fd (segment create
 *     and open, view lookup, stream create and open) fails with -EMFILE
 *     when this process has no free fd to receive it (RLIMIT_NOFILE);
 *     what the daemon did for it is undone (a segment it created is
 *     deleted, one it opened or a stream role it took is given back), no
 *     fd is left behind, and the client stays usable.
 *   - fork(): a client belongs to the process that connected it. In a
 *     child every request on an inherited client fails with -EBADFD and
 *     nothing is written to the parent's socket (dropping inherited views
 *     is silent); mappings stay usable. Connect again in the child.
 *   - The library never logs, never exits, installs no signal handlers,
 *     keeps no global mutable state, and opens every fd O_CLOEXEC.
 *   - Algebra functions take an optional struct mview_error * that
 *     receives the reason in words (CPython's exact message where Python
 *     has one) and its kind (MVIEW_ERR_*, named after the Python
 *     exception a binding raises).
 *   - Growing structs: the structs the library fills in for the caller
 *     (struct mview_status, mview_segment_info, mview_view_info,
 *     mview_desc, mview_session_info, mview_held_segment,
 *     mview_session_stream, mview_stream_info, mview_frame_info) end in
 *     reserved words, which
 *     the library sets to zero.
 *     A later version adds fields only by taking them from the reserved
 *     words, so the size and every offset of these structs stay as they
 *     are for as long as the soname does; a caller built against an
 *     older mview.h keeps working, and reads zero where a newer library
 *     would have told it more. Callers must not write the reserved words
 *     of a struct they pass in (struct mview_desc to mview_view_assign()
 *     ignores them). struct mview_stream_params, which the caller fills
 *     in, ends in reserved words too: the caller zero-initialises it, and
 *     the library refuses (-EINVAL) non-zero reserved words, so that a
 *     field a later version takes from them is never silently ignored.
 *     The other structs (mview_layout, mview_event,
 *     mview_key, mview_value, mview_error, mview_cast_shape) are fixed:
 *     any change to them changes the soname.
 */
#ifndef MVIEW_H
#define MVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MVIEW_MAX_NDIM		64
#define MVIEW_NAME_MAX		1024	/* hard cap; the daemon's limit may be lower */
#define MVIEW_FORMAT_MAX	16	/* bytes of a format string, NUL included */

/* Default socket paths when neither the argument nor $MVIEW_SOCKET is set. */
#define MVIEW_SOCKET_SYSTEM	"/run/mview/mviewd.sock"
#define MVIEW_SOCKET_USER_FMT	"%s/mview/mviewd.sock"	/* %s: $XDG_RUNTIME_DIR */

struct mview_client;
struct mview_segment;
struct mview_view;

/* ---------------------------------------------------------------- errors */

/* Why an algebra function failed, besides its -errno. */
struct mview_error {
	int	errclass;	/* enum mview_errclass (CPython exactness, below) */
	char	message[192];	/* in words; CPython's text where it has one */
};

/* The C library's description of a code returned by this library
 * (positive or negative errno), "Unknown error" for a code it does not
 * know. Never NULL; a constant string; thread-safe. */
const char	*mview_strerror(int err);

/* The code's symbolic name ("ENOENT" for -ENOENT or ENOENT), from the C
 * library; NULL for 0 and for codes it does not know. A constant string;
 * thread-safe. */
const char	*mview_strerrorname(int err);

/* Parse a byte size: digits, optionally followed by K, M, G, T, P or E
 * (binary units, optionally with "B" or "iB": "4096", "64K", "1MiB").
 * Returns 0, -EINVAL on anything else, -ERANGE beyond UINT64_MAX. */
int	mview_size_parse(const char *text, uint64_t *ret_size);

/* Render a byte size for people ("512 B", "64 MiB", "1.5 GiB") into buf
 * (len bytes, NUL included; 16 suffice); returns buf. */
const char *mview_size_format(uint64_t size, char *buf, size_t len);

/* ------------------------------------------------------------ the client */

/*
 * Connect to mviewd and exchange hellos. path: the socket; NULL means
 * $MVIEW_SOCKET, else MVIEW_SOCKET_USER_FMT under $XDG_RUNTIME_DIR when
 * the caller is not root and that socket exists, else MVIEW_SOCKET_SYSTEM.
 * Errors: -ENOENT/-ECONNREFUSED (no daemon), -EUSERS (too many connections
 * for this uid), -EPROTONOSUPPORT (daemon of
 * another protocol major), -EACCES, -ENOMEM.
 * The caller owns *ret_client and frees it with mview_client_close().
 */
int	mview_client_connect(const char *path, struct mview_client **ret_client);

#define MVIEW_CONNECT_NO_RECONNECT	(1u << 0)	/* report -ECONNRESET instead */

/* As mview_client_connect() with MVIEW_CONNECT_* flags. By default a
 * client whose daemon went away reconnects on the next request, re-sends
 * its watches and re-opens every segment it still maps, so that a
 * restarted daemon keeps session-lifetime segments in use past its
 * session grace; existing mappings are never touched (one whose segment
 * is gone stays valid, but is not reused). A request the
 * daemon may already have acted on is repeated after a reconnect only
 * when repeating it is harmless (open, lookup, stat, list, status,
 * freeze, unpublish, watch, publish with MVIEW_PUBLISH_REPLACE); others
 * fail with -ECONNRESET. While the daemon cannot be reached, requests
 * fail with -ECONNRESET (never -ENOENT, which means "no such name") and
 * the next one tries again; mview_client_last_error() says why. */
int	mview_client_connect_flags(const char *path, unsigned flags,
	    struct mview_client **ret_client);

/* As mview_client_connect_flags(); on failure, when errbuf is not NULL,
 * it receives up to errlen bytes (NUL included) of explanation: the
 * socket path that was tried, or the daemon's refusal (e.g. of the
 * protocol version). */
int	mview_client_connect_full(const char *path, unsigned flags,
	    struct mview_client **ret_client, char *errbuf, size_t errlen);

/* As mview_client_connect_full(), with the timeout of
 * mview_client_set_timeout() in force from the start: connecting, the
 * hello exchange and every request after it each fail with -ETIMEDOUT
 * when mviewd does not answer within timeout_ms (< 0: wait forever), and
 * errbuf (or mview_client_last_error() later) says what timed out. The
 * other connect functions use the default of 30000 ms. */
int	mview_client_connect_timeout(const char *path, unsigned flags,
	    int timeout_ms, struct mview_client **ret_client, char *errbuf,
	    size_t errlen);

/* Disconnect and free. Segments and views obtained through c stay valid
 * (their memory stays mapped) until they are closed/released. */
void	mview_client_close(struct mview_client *c);

/* The daemon's message for the last failed request on c, or the
 * library's explanation of a failed reconnect ("" if none). Owned by c,
 * valid until the next call on c. */
const char *mview_client_last_error(const struct mview_client *c);

/* The socket fd, to poll for POLLIN when watching (events). Owned by c;
 * -1 while disconnected, and another number after a reconnect. Events
 * that arrived during other requests are already queued and do not make
 * it readable: drain with mview_client_next_event(c, 0, ...) until
 * -EAGAIN before polling again. */
int	mview_client_fd(const struct mview_client *c);

/* The socket path c is connected to. Owned by c. */
const char *mview_client_path(const struct mview_client *c);

/* How long a request waits for the daemon's reply before failing with
 * -ETIMEDOUT (default 30000 ms; < 0: forever); a reconnect and its hello
 * are bounded by it too. To bound the first connect, give it to
 * mview_client_connect_timeout(). */
int	mview_client_set_timeout(struct mview_client *c, int timeout_ms);

struct mview_status {
	char		server_version[32];
	uint32_t	pid;
	int64_t		uptime_ns;
	uint64_t	segments, views, bytes, sessions, next_id;
	uint64_t	max_segment_size, max_total_bytes, max_bytes_per_uid;
	uint64_t	max_segments, max_segments_per_uid, max_views;
	uint32_t	max_conns_per_uid, max_packet, max_name, max_ndim;
	uint32_t	max_watch_events;
	uint64_t	uid_bytes, uid_segments;	/* the caller's own use */
	uint64_t	uid_views, max_views_per_uid;
	uint64_t	recovered_segments;	/* kept after a damaged journal */
	uint64_t	notify_queued;		/* waiting for the service manager */
	uint64_t	streams, uid_streams;		/* 0 from a daemon before streams */
	uint64_t	max_streams, max_streams_per_uid;
	/* Deleted segments kept while connections hold them: their bytes and
	 * count, and the bytes of those their owners still pay for (the
	 * owner's own connections hold them); the rest the holders pay.
	 * All seven are 0 from a daemon older than protocol 1.3. */
	uint64_t	deleted_held_bytes, deleted_held_segments;
	uint64_t	deleted_owner_bytes;
	/* The caller's held pool: bytes of segments it does not pay for as
	 * owner that its connections hold (others', or deleted ones). */
	uint64_t	uid_held_bytes, max_held_bytes_per_uid;
	/* mviewd's fds charged to the caller's uid, and the budget. */
	uint64_t	uid_fds, max_fds_per_uid;
	uint64_t	reserved[3];	/* zero; see "Growing structs" above */
};

/* The daemon's counters and limits. */
int	mview_client_status(struct mview_client *c, struct mview_status *ret_status);

/* The daemon's metrics in the Prometheus text exposition format (segments
 * and bytes by state, views, sessions, requests and errors by type, use
 * per uid, limits), NUL-terminated, malloc'd: free() it. For root and
 * members of the daemon's group (-EACCES otherwise); -EOPNOTSUPP from a
 * daemon older than protocol 1.2. */
int	mview_client_metrics(struct mview_client *c, char **ret_text);

/* A segment a session holds (protocol 1.2). */
struct mview_held_segment {
	uint64_t	 id;
	const char	*name;		/* NULL: anonymous */
	uint64_t	 size;
	bool		 deleted;	/* removed by name, kept while held */
	uint64_t	 reserved[2];	/* zero; see "Growing structs" above */
};

/* A role a session plays on a stream: its producer, or a consumer. */
struct mview_session_stream {
	uint64_t	 id;
	const char	*name;
	bool		 producer;	/* else a consumer: */
	bool		 lossless;	/* its policy */
	bool		 deleted;	/* the stream was removed by name */
	uint32_t	 position;
	uint32_t	 holds;		/* frames it holds */
	uint64_t	 reserved[2];	/* zero; see "Growing structs" above */
};

/* One client connection of the daemon (protocol 1.2). */
struct mview_session_info {
	uint64_t	 id;
	uint32_t	 pid, uid, gid;	/* from the socket (SO_PEERCRED) */
	const char	*client_name;	/* what its hello said; NULL: nothing */
	int64_t		 since_ns;	/* connected, CLOCK_REALTIME */
	uint32_t	 nsegments;	/* segments it holds open */
	uint64_t	 bytes;		/* their bytes */
	uint64_t	 views_published;	/* publishes it made */
	bool		 self;		/* this very connection */
	size_t		 nheld;		/* entries of held (at most 256) */
	const struct mview_held_segment *held;
	/* Streams (protocol 1.2 with streams; 0 and NULL from older daemons): */
	uint32_t	 nstreams_total;	/* roles it plays on streams */
	uint32_t	 frames_held;	/* frames its consumers hold */
	size_t		 nstreams;	/* entries of streams (at most 256) */
	const struct mview_session_stream *streams;
	uint64_t	 reserved[3];	/* zero; see "Growing structs" above */
};

/*
 * The daemon's sessions: the caller's own (same uid), or every one for
 * root and members of the daemon's group. *ret_infos is one malloc'd
 * block with every string and held list in it: free() it. -EOPNOTSUPP
 * from a daemon older than protocol 1.2.
 */
int	mview_session_list(struct mview_client *c,
	    struct mview_session_info **ret_infos, size_t *ret_n);

/* ---------------------------------------------------------------- events */

enum mview_event_type {
	MVIEW_EVENT_SEGMENT_CREATED = 0,
	MVIEW_EVENT_SEGMENT_DELETED,
	MVIEW_EVENT_VIEW_PUBLISHED,
	MVIEW_EVENT_VIEW_UNPUBLISHED,
	MVIEW_EVENT_OVERFLOW,	/* the daemon dropped events: rescan */
};

struct mview_event {
	enum mview_event_type	type;
	uint64_t		segment_id;
	char			name[MVIEW_NAME_MAX + 1];
};

/* Receive events for names starting with prefix ("" for all) on c, in
 * addition to earlier watches. Watching needs read access to the names
 * (segments the caller may not open are not reported). */
int	mview_client_watch(struct mview_client *c, const char *prefix);

/* Stop the watch on exactly prefix (as given to mview_client_watch()).
 * Events already received stay queued. -ENOENT when not watching it. */
int	mview_client_unwatch(struct mview_client *c, const char *prefix);

/* Next event: waits up to timeout_ms (-1 forever, 0 poll). Returns 0,
 * -EAGAIN on timeout, -EINTR when a signal interrupted the wait,
 * -ECONNRESET if the daemon went away (events may have been lost: the
 * next call reconnects and watches again, unless
 * MVIEW_CONNECT_NO_RECONNECT). Events that arrived during other requests
 * are queued and come first; when the queue overflowed, an
 * MVIEW_EVENT_OVERFLOW follows them. */
int	mview_client_next_event(struct mview_client *c, int timeout_ms,
	    struct mview_event *ret_event);

/* -------------------------------------------------------------- segments */

enum mview_lifetime {
	MVIEW_LIFETIME_PERSISTENT = 0,	/* until deleted */
	MVIEW_LIFETIME_SESSION = 1,	/* until its creator disconnects and nobody holds it */
};

struct mview_segment_info {
	uint64_t		id;
	const char		*name;		/* NULL: anonymous */
	uint64_t		size;
	uint32_t		uid, gid, mode;
	enum mview_lifetime	lifetime;
	bool			frozen, hugetlb, deleted;
	bool			writable;	/* for an open handle: mapped read-write */
	int64_t			ctime_ns;
	uint32_t		nattached, nviews;
	bool			recovered;	/* kept by a restart that lost its journal
						 * record: owner root, unnamed */
	uint32_t		seals;		/* F_SEAL_* the memfd really has */
	uint32_t		nheld_charged;	/* connections holding it that pay
						 * its size from their held pool */
	bool			holders_pay;	/* deleted (or orphaned) and held:
						 * its owner's quota is free of it */
	uint64_t		reserved[6];	/* zero; see "Growing structs" above */
};

#define MVIEW_CREATE_HUGETLB	(1u << 0)	/* MFD_HUGETLB; -ENOMEM without a pool */
#define MVIEW_CREATE_EXIST_OK	(1u << 1)	/* open a named one of this size instead */
#define MVIEW_OPEN_WRITE	(1u << 0)	/* map read-write (needs w permission) */
/* A private copy-on-write mapping (MAP_PRIVATE) of its own, read-write with
 * read permission only (frozen segments too): writes through it change
 * this process's copy of the pages it writes, never the segment; other
 * processes, and this one's shared views of the segment, keep seeing the
 * segment's bytes (a page written privately stops following the segment's
 * later changes). It costs memory for the pages written and is never
 * shared with other handles or views (mview_view_dup() and views derived
 * from it share it). On a huge-page segment the copy reserves free huge
 * pages for its whole size when mapped (-ENOMEM when the pool lacks
 * them). Not with MVIEW_OPEN_WRITE (-EINVAL). */
#define MVIEW_OPEN_PRIVATE	(1u << 1)

/*
 * Create a segment of size bytes (name NULL: anonymous), owned by the
 * caller's uid/gid, with mode bits (e.g. 0640) and a lifetime, and map it
 * read-write. With MVIEW_CREATE_EXIST_OK, an existing segment of that name
 * and size is opened read-write instead (mode and lifetime stay its own;
 * -EEXIST when its size differs, mview_client_last_error() giving both
 * sizes; -EACCES when the caller may not write): creators racing for one
 * name all succeed, with the same segment.
 * Errors: -EEXIST, -EINVAL (bad name/size/mode), -ENAMETOOLONG,
 * -EFBIG (over the size limit), -EDQUOT (the caller's quota), -ENOSPC (the
 * daemon's or the machine's memory), -ENOMEM. The caller owns
 * *ret_segment (mview_segment_close()).
 */
int	mview_segment_create(struct mview_client *c, const char *name,
	    uint64_t size, uint32_t mode, enum mview_lifetime lifetime,
	    unsigned flags, struct mview_segment **ret_segment);

/* Open a named (or, _id, any) segment and map it, read-only unless flags
 * has MVIEW_OPEN_WRITE, or privately read-write with MVIEW_OPEN_PRIVATE
 * (info->writable is then true). Errors: -ENOENT, -EACCES, -EPERM (write
 * on a frozen segment), -EMFILE (this process has no free fd for the
 * segment's; nothing stays opened). The caller owns *ret_segment. */
int	mview_segment_open(struct mview_client *c, const char *name,
	    unsigned flags, struct mview_segment **ret_segment);
int	mview_segment_open_id(struct mview_client *c, uint64_t id,
	    unsigned flags, struct mview_segment **ret_segment);

/* Drop the handle. When no other handle or view of the client uses the
 * memory any more, it is unmapped and the daemon (if still connected) is
 * told this session no longer holds the segment. */
void	mview_segment_close(struct mview_segment *s);

/* Data pointer (NULL for a size-0 segment), size, and local info (owned by
 * s; info->nattached/nviews are as of opening). */
void	*mview_segment_data(const struct mview_segment *s);
uint64_t mview_segment_size(const struct mview_segment *s);
const struct mview_segment_info *mview_segment_info(const struct mview_segment *s);

/* Remove the name and its views now; memory goes when the last holder lets
 * go. Owner or root only (-EPERM). */
int	mview_segment_delete(struct mview_client *c, const char *name);
int	mview_segment_delete_id(struct mview_client *c, uint64_t id);

/* Seal against writable mappings from now on (F_SEAL_FUTURE_WRITE);
 * existing writable mappings keep working. Owner or root only. */
int	mview_segment_freeze(struct mview_client *c, const char *name);
int	mview_segment_freeze_id(struct mview_client *c, uint64_t id);

/* The daemon's current info on a segment. *ret_info is one malloc'd block:
 * free() it. */
int	mview_segment_stat(struct mview_client *c, const char *name,
	    struct mview_segment_info **ret_info);
/* By id: any segment the caller may read, and deleted ones it holds. */
int	mview_segment_stat_id(struct mview_client *c, uint64_t id,
	    struct mview_segment_info **ret_info);

/* Segments whose name starts with prefix (NULL or "": all, anonymous ones
 * included) that the caller may read. *ret_infos is one malloc'd block
 * holding *ret_n entries and their names: free() it. */
int	mview_segment_list(struct mview_client *c, const char *prefix,
	    struct mview_segment_info **ret_infos, size_t *ret_n);

/* ----------------------------------------------------------------- views */

/* A view descriptor: exactly what a Py_buffer carries. Only the first ndim
 * entries of shape and strides are meaningful; the rest are unspecified
 * (derived views copy no more than ndim, to stay fast). */
struct mview_desc {
	uint64_t	segment_id;
	int64_t		offset;		/* bytes from segment start to element [0,...,0] */
	int64_t		itemsize;
	int		ndim;
	bool		readonly;
	char		format[MVIEW_FORMAT_MAX];
	int64_t		shape[MVIEW_MAX_NDIM];
	int64_t		strides[MVIEW_MAX_NDIM];	/* bytes, any sign */
	uint64_t	reserved[8];	/* zero; see "Growing structs" above */
};

/*
 * A view over an open segment. format: a struct-module format ("B", "@h",
 * "d"); shape: ndim extents (ndim 0 for a scalar); strides: NULL for
 * C-contiguous; offset: byte offset of element [0,...,0]. Every byte the
 * view can reach must lie inside the segment (-EINVAL otherwise, with the
 * reason in *ret_error). The view is read-only when the segment is mapped
 * read-only. The caller owns *ret_view (mview_view_release()); it holds
 * the memory mapped on its own.
 */
int	mview_view_new(struct mview_segment *s, const char *format, int ndim,
	    const int64_t *shape, const int64_t *strides, int64_t offset,
	    struct mview_view **ret_view, struct mview_error *ret_error);

/* The whole segment as a 1-D view of unsigned bytes ("B"). */
int	mview_view_from_segment(struct mview_segment *s,
	    struct mview_view **ret_view);

/* Drop a view. Views derived from it stay valid. */
void	mview_view_release(struct mview_view *v);

/* Another reference-holding view equal to v (for exports that outlive v). */
int	mview_view_dup(const struct mview_view *v, struct mview_view **ret_view);

/*
 * The descriptor, owned by v and valid until mview_view_release(v); every
 * byte is set (shape and strides zero past ndim), so it may be copied
 * whole. Made on the first call, which may fail: NULL when out of memory
 * (or v is NULL); later calls return the same pointer. mview_view_layout()
 * reads the same without the copy.
 */
const struct mview_desc *mview_view_desc(const struct mview_view *v);

/* v's descriptor without a copy: the fields, with format, shape and strides
 * pointing into v (valid until mview_view_release(v)). Never fails, never
 * allocates: the cheap way to read a view's layout. */
struct mview_layout {
	uint64_t	 segment_id;
	int64_t		 offset;
	int64_t		 itemsize;
	int		 ndim;
	bool		 readonly;
	const char	*format;
	const int64_t	*shape;		/* ndim extents */
	const int64_t	*strides;	/* ndim strides, bytes */
};
void	mview_view_layout(const struct mview_view *v, struct mview_layout *ret);

/* The address of element [0,...,0]. */
void	*mview_view_data(const struct mview_view *v);

/* The mapping under v: base address and size (for bounds and exports). */
void	*mview_view_mapping_base(const struct mview_view *v);
uint64_t mview_view_mapping_size(const struct mview_view *v);

/* Whether v's memory is a private copy-on-write mapping (MVIEW_OPEN_PRIVATE,
 * and the views derived from such a view): its bytes may differ from the
 * segment's, so handing its segment id and layout to another process
 * (a pickle, a publish) does not hand over what it holds. false for NULL. */
bool	mview_view_is_private(const struct mview_view *v);

/* Publish v under name (the daemon validates it against its segment).
 * Needs read access to the segment; a caller that may not write it gets
 * the view stored read-only. Errors: -EEXIST (unless
 * MVIEW_PUBLISH_REPLACE), -EACCES, -EINVAL (out of bounds), -ENOENT
 * (segment gone). */
#define MVIEW_PUBLISH_REPLACE	(1u << 0)
int	mview_view_publish(struct mview_client *c, const char *name,
	    const struct mview_view *v, unsigned flags);

/* Look a published view up and map its segment (once per client); the
 * view is read-only unless flags has MVIEW_OPEN_WRITE and the caller may
 * write. With MVIEW_OPEN_PRIVATE instead, the view is writable over a
 * private copy-on-write mapping of its own (read access suffices; see
 * MVIEW_OPEN_PRIVATE). The caller owns *ret_view. */
int	mview_view_lookup(struct mview_client *c, const char *name,
	    unsigned flags, struct mview_view **ret_view);

/* Remove a published name (publisher, segment owner or root). */
int	mview_view_unpublish(struct mview_client *c, const char *name);

struct mview_view_info {
	const char		*name;
	struct mview_desc	desc;
	uint32_t		uid;		/* publisher */
	int64_t			ctime_ns;
	uint64_t		reserved[8];	/* zero; see "Growing structs" above */
};

/* Published views whose name starts with prefix that the caller may read.
 * *ret_infos is one malloc'd block: free() it. */
int	mview_view_list(struct mview_client *c, const char *prefix,
	    struct mview_view_info **ret_infos, size_t *ret_n);

/* ---------------------------------------------------------- view algebra
 * Local and pure: no system call, no daemon round trip. The rules are
 * those of view-algebra.md: Python's memoryview where it gives an answer,
 * NumPy's basic indexing where memoryview gives up, memoryview's error
 * where both refuse. */

enum mview_key_kind {
	MVIEW_KEY_INDEX = 0,	/* an int */
	MVIEW_KEY_SLICE,	/* start:stop:step, each optional */
	MVIEW_KEY_ELLIPSIS,	/* ... */
};

struct mview_key {
	enum mview_key_kind	kind;
	int64_t			index;
	int64_t			start, stop, step;
	bool			has_start, has_stop, has_step;
};

/* Flags of mview_view_subscript(). */
#define MVIEW_SUBSCRIPT_TUPLE	  (1u << 0)	/* keys came as a tuple: v[a, b], v[(a,)], v[()] */
#define MVIEW_SUBSCRIPT_MEMORYVIEW (1u << 1)	/* memoryview's answers only (its NotImplementedError) */
#define MVIEW_SUBSCRIPT_STORE	  (1u << 3)	/* the target of v[key] = value */

/* Results of mview_view_subscript(). */
#define MVIEW_SUB_VIEW	0	/* a sub-view (*ret_view) */
#define MVIEW_SUB_ITEM	1	/* one element (*ret_item) */
#define MVIEW_SUB_FILL	2	/* store on the NumPy path: assign a buffer to *ret_view, or fill it */

/*
 * v[keys]: memoryview's answer where memoryview has one, NumPy basic
 * indexing where memoryview raises NotImplementedError (unless
 * MVIEW_SUBSCRIPT_MEMORYVIEW). Returns MVIEW_SUB_VIEW with *ret_view,
 * MVIEW_SUB_ITEM with *ret_item (the element's address inside v's
 * mapping), MVIEW_SUB_FILL with *ret_view (stores only), or -errno with
 * *ret_error. With STORE the read-only check comes first ("cannot modify
 * read-only memory"). ret_view and ret_item may be NULL when that result
 * is not wanted.
 */
int	mview_view_subscript(const struct mview_view *v,
	    const struct mview_key *keys, size_t nkeys, unsigned flags,
	    struct mview_view **ret_view, void **ret_item,
	    struct mview_error *ret_error);

/* Parse a subscript written as in Python ("1:3,::2", "...,0", "-1") into
 * at most maxkeys keys; *ret_flags gets MVIEW_SUBSCRIPT_TUPLE when it had
 * a comma or was "()". */
int	mview_key_parse(const char *text, struct mview_key *keys,
	    size_t maxkeys, size_t *ret_nkeys, unsigned *ret_flags,
	    struct mview_error *ret_error);

/* cast(format, shape): ndim < 0 means no shape given. */
int	mview_view_cast(const struct mview_view *v, const char *format,
	    int ndim, const int64_t *shape, struct mview_view **ret_view,
	    struct mview_error *ret_error);

/* transpose(perm): perm NULL reverses the axes; negative axes count from
 * the end (NumPy's rules and messages). */
int	mview_view_transpose(const struct mview_view *v, const int64_t *perm,
	    int nperm, struct mview_view **ret_view,
	    struct mview_error *ret_error);

/* reshape(shape), NumPy's rules without copying: every C-contiguous view
 * and the non-contiguous ones NumPy can reshape in place (else TypeError
 * "cannot reshape a non-contiguous view without copying"); one extent may
 * be negative (inferred). */
int	mview_view_reshape(const struct mview_view *v, int ndim,
	    const int64_t *shape, struct mview_view **ret_view,
	    struct mview_error *ret_error);

/* A read-only copy of the view (the flag can never be cleared on it). */
int	mview_view_toreadonly(const struct mview_view *v,
	    struct mview_view **ret_view);

/* Contiguity: order 'C', 'F' or 'A' (either). */
bool	mview_view_is_contiguous(const struct mview_view *v, char order);

/* product(shape) * itemsize. */
uint64_t mview_view_nbytes(const struct mview_view *v);

/* One element's value. */
enum mview_value_type {
	MVIEW_VALUE_INT = 0,	/* signed formats and 'n'; as input any int64 */
	MVIEW_VALUE_UINT,	/* unsigned formats, 'N', 'P'; input (INT64_MAX, UINT64_MAX] */
	MVIEW_VALUE_FLOAT,	/* e f d */
	MVIEW_VALUE_BOOL,	/* ? */
	MVIEW_VALUE_BYTE,	/* c: one byte */
};

struct mview_value {
	int	type;	/* enum mview_value_type; bindings: also enum mview_value_input */
	union {
		int64_t		i;
		uint64_t	u;
		double		f;
		bool		b;
		unsigned char	c;
		size_t		n;	/* MVIEW_VALUE_BYTES */
	};
};

/* Read the element at item (from mview_view_subscript or an index walk)
 * per v's format. Non-native formats are -ENOTSUP (NotImplementedError). */
int	mview_view_get_item(const struct mview_view *v, const void *item,
	    struct mview_value *ret_value, struct mview_error *ret_error);

/* Store a value with CPython's range and type rules ("invalid value for
 * format 'h'", "invalid type for format 'h'"); read-only views refuse. */
int	mview_view_set_item(const struct mview_view *v, void *item,
	    const struct mview_value *value, struct mview_error *ret_error);

/* Element at a full index (ndim ints, negative counts from the end). */
int	mview_view_get(const struct mview_view *v, const int64_t *index,
	    int nindex, struct mview_value *ret_value,
	    struct mview_error *ret_error);
int	mview_view_set(const struct mview_view *v, const int64_t *index,
	    int nindex, const struct mview_value *value,
	    struct mview_error *ret_error);

/* Store value into every element of v (NumPy-path stores). */
int	mview_view_fill(const struct mview_view *v,
	    const struct mview_value *value, struct mview_error *ret_error);

/* Copy nbytes of the view in order 'C', 'F' or 'A' into buf (len must be
 * at least mview_view_nbytes(v)). */
int	mview_view_tobytes(const struct mview_view *v, char order, void *buf,
	    size_t len, struct mview_error *ret_error);

/*
 * Assign into dst (ND slice assignment) from memory described by src,
 * whose element [0,...,0] is at src_data: same format and shape required
 * ("lvalue and rvalue have different structures"); overlap is safe.
 */
int	mview_view_assign(const struct mview_view *dst, const void *src_data,
	    const struct mview_desc *src, struct mview_error *ret_error);

#define MVIEW_TEXT_JSON		(1u << 0)	/* JSON instead of Python repr */

/* tolist() rendered as text (Python repr style or strict JSON, each
 * element as mview_value_text() writes it), stopping after limit
 * elements (0: no limit; a truncated list ends in "..." / null).
 * *ret_text is malloc'd: free() it. */
int	mview_view_tolist_text(const struct mview_view *v, unsigned flags,
	    uint64_t limit, char **ret_text, struct mview_error *ret_error);

#define MVIEW_VALUE_TEXT_MAX	48	/* bytes mview_value_text() may need */

/* One value as mview_view_tolist_text() writes an element (its only
 * renderer): Python's repr() (42, 0.1, 1e+16, -0.0, nan, True, b"'",
 * b'\n'), or with MVIEW_TEXT_JSON strict JSON (json.dumps' text: 0.1,
 * true, "\n", "\u00ff"; NaN and the infinities as the strings "NaN",
 * "Infinity", "-Infinity"). NUL-terminated in buf, cut to len bytes;
 * MVIEW_VALUE_TEXT_MAX always suffices. Returns the length written, or
 * -EINVAL. Thread-safe. */
int	mview_value_text(const struct mview_value *value, unsigned flags,
	    char *buf, size_t len);

/* bytes.hex(sep, bytes_per_sep) of the C-order bytes; sep -1 for none.
 * *ret_text is malloc'd: free() it. */
int	mview_view_hex(const struct mview_view *v, int sep, int bytes_per_sep,
	    char **ret_text, struct mview_error *ret_error);

/* --------------------------------------------------------------- streams
 *
 * A stream is a named ring of slots in shared memory: one producer at a
 * time hands typed frames to any number of consumers. Streams have their
 * own namespace (a stream and a segment may share a name). After
 * mview_stream_create()/mview_stream_open(), loan, publish, cancel, next,
 * latest and the release of frames make no request to mviewd and, unless
 * a consumer sleeps, no system call.
 *
 * A frame is a struct mview_view: the algebra works on it and on views
 * derived from it. A consumer holds its frame until the frame and every
 * view derived from it are released (mview_view_release()); while it
 * holds it, the producer never writes that slot. A consumer holds at most
 * max_holds frames at once (-ENOBUFS beyond).
 *
 * Threads: a stream handle is used by one thread at a time, except that
 * frames (and views derived from them) may be released from any thread.
 * A producer and a consumer of the same stream are two handles and may
 * run in two threads, even through the same client, as long as requests
 * on that client (open, close, stat...) are made one at a time.
 * mview_stream_close() must not race with the release of that stream's
 * frames.
 */

struct mview_stream;

enum mview_stream_policy {
	MVIEW_STREAM_LATEST = 0,	/* may skip frames; never slows the producer */
	MVIEW_STREAM_LOSSLESS = 1,	/* every frame in order; the producer waits */
};

/* What mview_stream_create() makes. Zero-initialise, then set. */
struct mview_stream_params {
	uint32_t		 slots;		/* >= 2; >= holds of all consumers + 2 */
	uint64_t		 capacity;	/* bytes of a slot; 0: the layout's extent */
	/* The frames' default layout inside a slot (format NULL: the whole
	 * slot as unsigned bytes "B"); strides NULL: C-contiguous. */
	const char		*format;
	int			 ndim;
	const int64_t		*shape;
	const int64_t		*strides;
	int64_t			 offset;	/* from the slot's start */
	uint32_t		 mode;		/* 0: 0600 */
	enum mview_lifetime	 lifetime;
	uint32_t		 max_consumers;	/* positions; 0: the daemon's default */
	uint32_t		 max_holds;	/* frames one consumer holds; 0: default */
	uint64_t		 reserved[6];	/* zero; see "Growing structs" above */
};

/* A stream as the daemon (mview_stream_stat/_list) or a handle (mview_stream_info) sees it. */
struct mview_stream_info {
	uint64_t		 id;
	const char		*name;
	uint32_t		 uid, gid, mode;
	enum mview_lifetime	 lifetime;
	uint32_t		 slots;
	uint64_t		 capacity;	/* bytes of a slot (rounded up to 64) */
	uint32_t		 max_consumers, max_holds;
	int64_t			 ctime_ns;
	bool			 has_producer;
	bool			 deleted;
	uint32_t		 consumers;	/* positions taken */
	uint64_t		 head;		/* last published sequence (0: none) */
	/* From the daemon (stat, list) or read from the shared memory by
	 * mview_stream_info(): */
	uint64_t		 published;	/* frames since create */
	uint32_t		 holds;		/* frames held, all consumers (producer: all;
						 * consumer: its own) */
	uint64_t		 dropped;	/* frames skipped (consumer: its own; stat:
						 * every consumer's, those that left too) */
	/* By mview_stream_info() only: */
	uint64_t		 seen;		/* frames taken (consumer) */
	double			 rate_hz;	/* frames per second since the handle opened */
	struct mview_desc	 layout;	/* the default frame layout, offset in the slot */
	uint64_t		 reserved[8];	/* zero; see "Growing structs" above */
};

/* A frame's sequence (1, 2, 3, ...), the producer's CLOCK_MONOTONIC
 * timestamp at publish (counted on the TSC between readings of the clock
 * where the TSC is invariant: within about 100 ns of the clock, either
 * side, never going back), and the frames a latest-policy consumer
 * skipped just before it. */
struct mview_frame_info {
	uint64_t		 seq;
	uint64_t		 timestamp_ns;
	uint64_t		 dropped;
	uint32_t		 slot;
	uint64_t		 reserved[4];	/* zero; see "Growing structs" above */
};

#define MVIEW_STREAM_PRODUCE	(1u << 0)	/* open as the producer (needs w) */
#define MVIEW_STREAM_LOSSLESS	(1u << 1)	/* consumer: the lossless policy */
#define MVIEW_STREAM_WRITE	(1u << 2)	/* consumer: frames mapped read-write (needs w) */

/*
 * Create stream name owned by the caller. With ret_producer, also open it
 * as its producer (*ret_producer: mview_stream_close()). Errors: -EEXIST,
 * -EINVAL (geometry, layout that does not fit a slot, mode), -EFBIG,
 * -EDQUOT (the caller's quotas: streams, slots, bytes), -ENOSPC, and
 * those of mview_stream_open().
 */
int	mview_stream_create(struct mview_client *c, const char *name,
	    const struct mview_stream_params *p,
	    struct mview_stream **ret_producer);

/*
 * Open stream name as its producer (MVIEW_STREAM_PRODUCE) or as a
 * consumer, with MVIEW_STREAM_* flags. The producer role is one at a
 * time (-EBUSY when taken); it is given back on close or when this
 * client's connection ends, and a new producer continues the sequence (a
 * frame the last one left unpublished is never seen). A consumer takes a
 * free position (-EBUSY when all max_consumers are taken) and sees frames
 * published from now on. Errors also -ENOENT, -EACCES. The caller owns
 * *ret_stream. After a daemon restart the client takes its role back at
 * its next request (see mview_client_connect_flags()).
 */
int	mview_stream_open(struct mview_client *c, const char *name,
	    unsigned flags, struct mview_stream **ret_stream);

/* Give the role back and free the handle. Frames still held stay mapped
 * but are no longer protected: release them first. NULL-safe. */
void	mview_stream_close(struct mview_stream *s);

/* Remove the name now; the memory goes when nobody uses the stream.
 * Owner or root only (-EPERM). */
int	mview_stream_delete(struct mview_client *c, const char *name);

/* The daemon's info on a stream (needs read access). *ret_info is one
 * malloc'd block: free() it. */
int	mview_stream_stat(struct mview_client *c, const char *name,
	    struct mview_stream_info **ret_info);

/* Streams whose name starts with prefix (NULL: all) that the caller may
 * read. *ret_infos is one malloc'd block of *ret_n entries: free() it. */
int	mview_stream_list(struct mview_client *c, const char *prefix,
	    struct mview_stream_info **ret_infos, size_t *ret_n);

/* The handle's info read from shared memory, no request: id, name (owned
 * by s), geometry, default layout, and the counters (head, published,
 * consumers, holds, drops; seen and drops of its own for a consumer,
 * every consumer's for the producer; rate_hz since s was opened).
 * has_producer tells whether s is the producer; the owner, mode and
 * ctime fields are left 0 (mview_stream_stat() has them). */
int	mview_stream_info(struct mview_stream *s,
	    struct mview_stream_info *ret_info);

/*
 * Producer: loan the next frame, a writable view of the stream's default
 * layout over a free slot. One loan at a time (-EALREADY). No free slot
 * (every one held, or unread by a lossless consumer): -EBUSY at once when
 * timeout_ms is 0, else waits up to timeout_ms (-1: forever) and fails
 * with -ETIMEDOUT. The caller owns *ret_frame (release it after publish
 * or cancel; it must not be written after them).
 */
int	mview_stream_loan(struct mview_stream *s, int timeout_ms,
	    struct mview_view **ret_frame);

/*
 * Producer: publish the loaned frame. layout NULL publishes the default
 * layout; else layout is the loaned frame or a view derived from it (a
 * cast, a slice...) and its format, shape, strides and offset are the
 * frame's (at most 8 dimensions; -EINVAL when it leaves the slot, the
 * loan then stays). *ret_seq (may be NULL) gets the frame's sequence.
 */
int	mview_stream_publish(struct mview_stream *s,
	    const struct mview_view *layout, uint64_t *ret_seq);

/* Producer: give the loaned slot back unpublished. -ENOENT when no loan. */
int	mview_stream_cancel(struct mview_stream *s);

/*
 * Consumer: the next frame after sequence after_seq (0: the first one
 * published after the open), waiting up to timeout_ms (0: no wait, -1:
 * forever; spinning first, see mview_stream_set_spin()). Latest policy:
 * the newest frame once one newer than after_seq exists (info->dropped
 * counts those skipped); lossless: the frame after the last one taken,
 * in order. Errors: -EAGAIN (none yet, timeout 0), -ETIMEDOUT, -ENOBUFS
 * (max_holds frames held), -EBADMSG (the producer wrote a layout that
 * does not fit its slot: that frame is skipped). The caller owns
 * *ret_frame; info may be NULL.
 */
int	mview_stream_next(struct mview_stream *s, uint64_t after_seq,
	    int timeout_ms, struct mview_view **ret_frame,
	    struct mview_frame_info *ret_info);

/* Consumer: the newest published frame, without waiting (-EAGAIN: none). */
int	mview_stream_latest(struct mview_stream *s,
	    struct mview_view **ret_frame, struct mview_frame_info *ret_info);

/* The frame info of a frame, or of a view derived from one (-EINVAL for
 * other views). */
int	mview_frame_info(const struct mview_view *v,
	    struct mview_frame_info *ret_info);

/* Consumer: nanoseconds next() spins before sleeping (default 20000;
 * 0 never spins). */
int	mview_stream_set_spin(struct mview_stream *s, uint32_t spin_ns);

/*
 * Consumer: an fd that polls readable (POLLIN) when a frame newer than
 * the last one taken is published, for epoll, libevent or asyncio. Made
 * on the first call (a helper thread waits on the stream for it; the
 * producer then pays one wake-up per frame); owned by s. Take frames with
 * mview_stream_next(s, ..., 0, ...) until -EAGAIN, which also rearms it.
 */
int	mview_stream_fd(struct mview_stream *s);

/* ================================================================
 * CPython exactness: for language bindings
 *
 * What a binding needs to raise exactly the exception, with exactly the
 * message, that Python's memoryview (or NumPy) raises for the same
 * operation. C callers need none of it.
 * ================================================================ */

/* The Python exception class of an algebra error (mview_error.errclass). */
enum mview_errclass {
	MVIEW_ERR_NONE = 0,
	MVIEW_ERR_TYPE,		/* TypeError */
	MVIEW_ERR_VALUE,	/* ValueError */
	MVIEW_ERR_INDEX,	/* IndexError */
	MVIEW_ERR_BUFFER,	/* BufferError */
	MVIEW_ERR_NOTIMPL,	/* NotImplementedError */
	MVIEW_ERR_OVERFLOW,	/* OverflowError */
	MVIEW_ERR_AXIS,		/* numpy.AxisError (a ValueError and an IndexError) */
	MVIEW_ERR_MEMORY,	/* MemoryError */
};

/* More flags of mview_view_subscript(). DELETE: the target of del v[key]
 * (always an error, after CPython's checks). SCALAR, with STORE: the
 * value is not a buffer; on memoryview's 1-D slice path the result is
 * then MVIEW_SUB_VIEW of v itself, and the binding raises TypeError "a
 * bytes-like object is required, not '...'", as CPython does. */
#define MVIEW_SUBSCRIPT_DELETE	  (1u << 4)
#define MVIEW_SUBSCRIPT_SCALAR	  (1u << 5)

/* Input kinds of mview_value.type beyond enum mview_value_type: what else
 * Python can try to store, so that the library answers with CPython's
 * error for the format. */
enum mview_value_input {
	MVIEW_VALUE_BIGINT = MVIEW_VALUE_BYTE + 1,	/* an int beyond 64 bits: f = float(int), +-HUGE_VAL on overflow */
	MVIEW_VALUE_BYTES,	/* a bytes object of length n != 1 */
	MVIEW_VALUE_OTHER,	/* anything else; b = bool(obj) */
};

/* cast()'s shape argument as Python passed it, for CPython's exact errors. */
#define MVIEW_DIM_INT		0
#define MVIEW_DIM_NOT_INT	1	/* not an int: TypeError */
#define MVIEW_DIM_TOO_BIG	2	/* does not fit Py_ssize_t: OverflowError */

struct mview_cast_shape {
	int		 ndim;		/* < 0: no shape argument */
	const int64_t	*shape;
	const uint8_t	*dims;		/* NULL, or ndim MVIEW_DIM_* */
	bool		 not_sequence;	/* given but neither list nor tuple */
};

/* As mview_view_cast() with the shape as Python passed it. */
int	mview_view_cast_ex(const struct mview_view *v, const char *format,
	    const struct mview_cast_shape *shape, struct mview_view **ret_view,
	    struct mview_error *ret_error);

#ifdef __cplusplus
}
#endif

#endif /* MVIEW_H */
