/* SPDX-License-Identifier: MIT */
/* A stream's shared memory: the layout of its ring and the hand-over of frames. */
#ifndef MVIEW_COMMON_STREAM_RING_H
#define MVIEW_COMMON_STREAM_RING_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stream-clock.h"
#include "view.h"

/*
 * A stream is N slots of `capacity` bytes in shared memory, one producer
 * and up to max_consumers consumers. Three kinds of memfd, all made by
 * the daemon and sealed against shrink and grow:
 *
 * - DATA: the N slots back to back (slot i at i * capacity). The producer
 *   maps it read-write, consumers read-only unless granted write.
 * - CONTROL: struct stream_control, then the index (one uint32 per slot),
 *   then N struct stream_slot. Written by the producer and the daemon,
 *   mapped read-only by consumers.
 * - LEASE, one per consumer position (max_consumers of them, all made at
 *   create so a running producer never needs the daemon to learn about a
 *   new consumer): struct stream_lease, written only by that consumer and
 *   the daemon, mapped read-only by the producer.
 *
 * Nothing read from memory another party can write is trusted: the
 * producer bounds-checks every lease word, consumers bounds-check the
 * index, the head and every frame descriptor (the same overflow-safe check
 * as views). The geometry (struct stream_geometry) comes from the daemon
 * and is kept by each party in its own memory; the copy in the control
 * page is only compared against it.
 *
 * Hand-over (why a frame never tears): a consumer stores its hold (the
 * slot), issues a full fence, then re-reads the slot's state and keeps the
 * frame only if the slot still carries the sequence it wanted. The
 * producer marks a slot STREAM_SLOT_WRITING, issues a full fence, then
 * scans every active lease, and writes the slot only if nobody holds it.
 * Of two such store-fence-load sequences at least one sees the other's
 * store, so either the consumer backs off or the producer picks another
 * slot. The producer never picks the slot of the head frame, a held slot,
 * or a slot whose frame a lossless consumer has not consumed yet; it picks
 * the oldest of the others. With N >= (sum of holds) + 2 one is always
 * free for a "latest"-only stream.
 *
 * Sequences are 64-bit, 1, 2, 3, ... (first_seq at create); a slot's state
 * is 0 (empty), STREAM_SLOT_WRITING, or the sequence of the frame it holds.
 * Sequences past STREAM_SEQ_MAX are refused (-EOVERFLOW): no wrap-around.
 *
 * Errors are 0 / -errno; outputs are untouched on failure. Nothing here
 * logs, allocates (beyond the mappings of stream_map_*) or talks to the
 * daemon.
 */

#define STREAM_MAGIC		0x6d76737472656d31ULL	/* "mvstrem1" */
#define STREAM_VERSION		2u

#define STREAM_MAX_SLOTS	4096u
#define STREAM_MAX_CONSUMERS	64u
#define STREAM_DEFAULT_CONSUMERS 16u
#define STREAM_MAX_HOLDS	16u	/* frames one consumer may hold at once */
#define STREAM_DEFAULT_HOLDS	4u
#define STREAM_MAX_NDIM		8	/* axes of a frame descriptor */
#define STREAM_SLOT_ALIGN	64u	/* capacity is a multiple of this */
#define STREAM_LEASE_SIZE	4096u	/* bytes of a lease memfd */
#define STREAM_REUSE_BYTES	(256u * 1024)	/* slots this big: reuse the newest free */

#define STREAM_SEQ_MAX		(UINT64_MAX - 2)
#define STREAM_SLOT_EMPTY	0ULL
#define STREAM_SLOT_WRITING	UINT64_MAX

/* The value of control->active[i], written by the daemon. */
enum stream_policy {
	STREAM_POLICY_NONE = 0,		/* position free */
	STREAM_POLICY_LATEST = 1,	/* may skip frames; never slows the producer */
	STREAM_POLICY_LOSSLESS = 2,	/* every frame in order; the producer waits */
};

/* What the daemon decides at create; every party keeps its own copy. */
struct stream_geometry {
	uint32_t nslots;		/* 2 .. STREAM_MAX_SLOTS */
	uint32_t max_consumers;		/* 1 .. STREAM_MAX_CONSUMERS */
	uint32_t max_holds;		/* 1 .. STREAM_MAX_HOLDS */
	uint64_t capacity;		/* bytes per slot, multiple of STREAM_SLOT_ALIGN */
};

/* A frame's layout inside its slot: a view descriptor with offsets from
 * the slot's start, plus the frame's sequence and timestamp. */
struct stream_frame_desc {
	uint64_t seq;
	uint64_t timestamp_ns;		/* producer's CLOCK_MONOTONIC */
	int64_t	 offset;		/* slot start to element [0,...,0] */
	int64_t	 itemsize;
	int32_t	 ndim;			/* 0 .. STREAM_MAX_NDIM */
	uint32_t flags;			/* 0 */
	char	 format[VIEW_FORMAT_MAX];
	int64_t	 shape[STREAM_MAX_NDIM];
	int64_t	 strides[STREAM_MAX_NDIM];
};

/* One slot's record in the control memfd (three cache lines). */
struct stream_slot {
	alignas(64) _Atomic uint64_t state;	/* 0, WRITING, or the seq */
	struct stream_frame_desc desc;
};

/* The head of the control memfd. */
struct stream_control {
	/* Written once by the daemon (stream_control_init). */
	uint64_t magic;
	uint32_t version;
	uint32_t nslots;
	uint32_t max_consumers;
	uint32_t max_holds;
	uint64_t capacity;
	uint64_t first_seq;
	struct stream_frame_desc layout;	/* the stream's default layout */

	/* The producer's line: consumers spin on it. */
	alignas(64) _Atomic uint64_t head;	/* last published seq, first_seq - 1 if none */
	_Atomic uint32_t futex;			/* low 32 bits of head; consumers sleep on it */
	_Atomic uint32_t head_slot;		/* the head frame's slot (a hint: the index has it too) */
	_Atomic uint32_t producer_waiting;	/* producer sleeps on a lease's wake word */
	uint32_t	 pad0;
	_Atomic uint64_t producer_epoch;	/* bumped by each producer attach */

	/* The daemon's line(s): which positions are in use, and how. */
	alignas(64) _Atomic uint32_t active[STREAM_MAX_CONSUMERS];
	/* then: uint32_t index[nslots] (seq % nslots -> slot), padded to 64,
	 * then struct stream_slot slots[nslots]. */
};

/* One consumer position's lease page. Each line is written by the
 * consumer at its own pace: the producer reads the holds at each loan
 * and the waiter count at each publish, the cursor only for a lossless
 * consumer, so a latest consumer's per-frame cursor store moves no line
 * the producer reads. */
struct stream_lease {
	/* Read by the producer (bounds-checked, never trusted). */
	alignas(64) _Atomic uint32_t hold[STREAM_MAX_HOLDS];	/* slot + 1, 0 = none */
	alignas(64) _Atomic uint64_t cursor;	/* last frame consumed (lossless: producer keeps newer ones) */
	alignas(64) _Atomic uint32_t waiting;	/* threads of this consumer asleep or poll-armed */
	_Atomic uint32_t wake;		/* bumped on release while the producer waits; it sleeps on it */
	/* Informational: for stat and status. */
	alignas(64) _Atomic uint64_t hold_seq[STREAM_MAX_HOLDS];
	_Atomic uint64_t seen;
	_Atomic uint64_t dropped;
	_Atomic uint32_t policy;	/* copy of the daemon's active[] word */
};

_Static_assert(sizeof(struct stream_lease) <= STREAM_LEASE_SIZE,
    "a lease fits its page");

/* How long to wait: spin for spin_ns (0: never), then sleep on the futex;
 * timeout_ns < 0 waits forever, 0 never waits. */
struct stream_wait {
	int64_t	 timeout_ns;
	uint32_t spin_ns;
};

/* A frame on loan to the producer or held by a consumer. */
struct stream_frame {
	uint64_t seq;
	uint64_t timestamp_ns;
	uint32_t slot;
	uint32_t hold;			/* consumer: index in its lease */
	uint64_t dropped;		/* consumer: frames skipped just before this one */
	void	*data;			/* slot start; read-only for a read-only consumer */
	uint64_t capacity;		/* bytes of the slot */
	struct stream_frame_desc desc;	/* validated copy; producer: fill, then publish */
};

/* Process-local state of the producer (embed it; one thread at a time). */
struct stream_producer {
	struct stream_geometry	 geo;
	uint64_t		 first_seq;
	struct stream_control	*control;	/* read-write */
	uint8_t			*data;		/* read-write */
	const struct stream_lease *leases[STREAM_MAX_CONSUMERS];	/* read-only; NULL: skip */
	uint32_t		*index;
	struct stream_slot	*slots;
	uint32_t		 loan_slot;	/* UINT32_MAX: no loan */
	uint64_t		 loan_prev;	/* the slot's state before the loan */
	uint32_t		 next_slot;	/* claimed at publish for the next loan; UINT32_MAX: none */
	uint64_t		 next_prev;	/* its state before the claim */
	uint32_t		 blocker;	/* position last seen blocking a loan */
	struct stream_frame_desc vcache;	/* last descriptor that passed the check */
	bool			 vcache_ok;
	/* Bit s: slot s's record has vcache's layout. */
	uint64_t		 desc_ok[STREAM_MAX_SLOTS / 64];
	struct stream_clock	 clock;		/* the frames' timestamps */
	uint64_t		 busy[STREAM_MAX_SLOTS / 64];	/* scratch */
};

/* Process-local state of one consumer (embed it). next/latest/detach from
 * one thread at a time; release, wait_head and stat from any thread. */
struct stream_consumer {
	struct stream_geometry	 geo;
	uint64_t		 first_seq;
	const struct stream_control *control;	/* read-only */
	const uint8_t		*data;		/* read-only unless writable */
	struct stream_lease	*lease;		/* read-write, ours */
	const uint32_t		*index;
	const struct stream_slot *slots;
	uint32_t		 position;
	enum stream_policy	 policy;
	bool			 writable;
	_Atomic uint32_t	 holds_used;	/* bit h: lease->hold[h] is ours */
	_Atomic uint64_t	 held_seq[STREAM_MAX_HOLDS];	/* what hold h holds (never read back from the lease) */
	uint64_t		 last_seq;	/* last frame taken, for drop counts */
	struct stream_frame_desc vcache;	/* last descriptor that passed the check */
	bool			 vcache_ok;
};

/* ------------------------------------------------------ layout (daemon) */

/* Fill *ret for nslots slots of at least capacity bytes (rounded up to
 * STREAM_SLOT_ALIGN); 0 for max_consumers / max_holds takes the default.
 * -EINVAL out of the limits above, -EOVERFLOW when the sizes overflow. */
int	stream_geometry_init(struct stream_geometry *ret, uint32_t nslots,
	    uint64_t capacity, uint32_t max_consumers, uint32_t max_holds);

/* The checks of stream_geometry_init on an existing geometry. */
int	stream_geometry_check(const struct stream_geometry *g);

/* Bytes of the control and data memfds. */
size_t	stream_control_size(const struct stream_geometry *g);
uint64_t stream_data_size(const struct stream_geometry *g);

/* A frame layout's structural and bounds check inside a slot of capacity
 * bytes (view_validate() with offsets from the slot's start). */
int	stream_frame_desc_check(const struct stream_frame_desc *d,
	    uint64_t capacity, struct view_error *err);

/* Fill *ret from a view descriptor (its offset taken inside the slot). */
int	stream_frame_desc_from_view(struct stream_frame_desc *ret,
	    const struct view_desc *v);

/* The view of a frame inside the data memfd taken as segment segment_id
 * (offset slot * capacity + desc.offset). */
void	stream_frame_view(const struct stream_frame *f,
	    const struct stream_geometry *g, uint64_t segment_id,
	    bool readonly, struct view_desc *ret);

/* Lay out a fresh control memfd of stream_control_size(g) zeroed bytes:
 * no frame yet, head first_seq - 1 (first_seq >= 1; tests start high to
 * cover large sequences), layout the default frame descriptor (checked). */
int	stream_control_init(struct stream_control *c,
	    const struct stream_geometry *g, const struct stream_frame_desc *layout,
	    uint64_t first_seq);

/* Check a mapped control memfd of size bytes against the geometry the
 * daemon gave (magic, version, sizes). */
int	stream_control_check(const struct stream_control *c, size_t size,
	    const struct stream_geometry *g);

/* Daemon: give position pos to a consumer with policy (its lease reset,
 * cursor at the current head, so a lossless consumer gets every frame
 * after this call). -EINVAL for a bad position or policy, -EBUSY if taken. */
int	stream_consumer_activate(struct stream_control *c,
	    const struct stream_geometry *g, struct stream_lease *lease,
	    uint32_t pos, enum stream_policy policy);

/* Daemon: take position pos back (consumer closed or died): its holds
 * and waiter flag are dropped, the producer stops reading its lease. */
void	stream_consumer_deactivate(struct stream_control *c,
	    const struct stream_geometry *g, struct stream_lease *lease,
	    uint32_t pos);

/* Daemon: clear a lease page (holds, cursor, flags, counters). */
void	stream_lease_reset(struct stream_lease *lease);

/* Daemon or a new producer: a dead producer's half-written slots (state
 * WRITING, or a seq beyond head) become empty; never-published frames are
 * never seen. Returns the number of slots reclaimed. */
unsigned stream_control_reclaim(struct stream_control *c,
	    const struct stream_geometry *g);

/* What stat reports. Reads only; safe while the stream runs. */
struct stream_stat {
	uint64_t head;			/* last published seq (first_seq - 1: none) */
	uint64_t published;		/* frames since create */
	uint32_t consumers;		/* active positions */
	uint32_t holds;			/* slots held, all consumers */
	uint64_t dropped;		/* sum of consumers' drop counts */
	bool	 loaned;		/* a slot is being written, or claimed for the next frame */
};
void	stream_control_stat(const struct stream_control *c,
	    const struct stream_geometry *g,
	    const struct stream_lease *const *leases, struct stream_stat *ret);

/* ------------------------------------------------------------ mappings */

/* mmap a memfd of a stream (MAP_SHARED; PROT_READ, plus PROT_WRITE when
 * writable) after checking its size (fstat) is at least size; *ret_addr
 * gets the mapping. stream_unmap(addr, size) undoes it (NULL: nothing). */
int	stream_map(int fd, size_t size, bool writable, void **ret_addr);
void	stream_unmap(void *addr, size_t size);

/* ------------------------------------------------------------- producer */

/*
 * Take the producer role over mapped memory (the daemon decides who may):
 * control and data read-write, leases[i] the read-only mapping of
 * position i's lease (all max_consumers of them; NULL for a position the
 * producer cannot see is treated as absent). Reclaims what a previous
 * producer left half-written; the sequence continues from head.
 */
int	stream_producer_attach(struct stream_producer *p,
	    const struct stream_geometry *g, struct stream_control *control,
	    void *data, const struct stream_lease *const *leases);

/* Cancel any loan and give back the slot claimed for the next one; the
 * mappings stay the caller's. */
void	stream_producer_detach(struct stream_producer *p);

/*
 * Loan the next frame: a free slot, marked being written, *ret filled
 * with its sequence (head + 1), its data and the default layout. One loan
 * at a time (-EALREADY). No free slot (all held, or unread by a lossless
 * consumer): -EBUSY at once when w is NULL or w->timeout_ns == 0,
 * otherwise waits and returns -ETIMEDOUT when none came free.
 * -EOVERFLOW past STREAM_SEQ_MAX.
 */
int	stream_producer_loan(struct stream_producer *p,
	    const struct stream_wait *w, struct stream_frame *ret);

/*
 * Publish the loaned frame with f->desc (checked against the slot: -EINVAL
 * and the loan stays) and f->timestamp_ns (0: now). Wakes sleeping
 * consumers with one shared FUTEX_WAKE; makes no system call when no
 * consumer waits. It also claims the slot of the next loan (marked
 * WRITING, as a loan's), so the fence that orders the head before the
 * waiter counts orders that claim before the holds as well: the next
 * loan needs no fence of its own.
 */
int	stream_producer_publish(struct stream_producer *p,
	    struct stream_frame *f);

/* Give the loaned slot back unpublished (it becomes empty). */
void	stream_producer_cancel(struct stream_producer *p);

/* ------------------------------------------------------------- consumer */

/*
 * Consume through position pos (given by the daemon, which activated it):
 * control and data mapped read-only (data read-write when writable),
 * lease mapped read-write. Frames are taken from after the lease's cursor.
 */
int	stream_consumer_attach(struct stream_consumer *c,
	    const struct stream_geometry *g, const struct stream_control *control,
	    const void *data, bool writable, struct stream_lease *lease,
	    uint32_t pos);

/* Release every hold; the mappings stay the caller's. */
void	stream_consumer_detach(struct stream_consumer *c);

/*
 * Take the next frame after after_seq and hold it until
 * stream_consumer_release(). Latest policy: the newest frame once the
 * head passes after_seq (skipped frames are counted in f->dropped and the
 * lease's drop count). Lossless: the frame after max(after_seq, the last
 * one taken), in order. -EAGAIN when none and w->timeout_ns == 0 (or w
 * NULL), -ETIMEDOUT after waiting, -ENOBUFS when max_holds frames are
 * already held, -EBADMSG when the producer wrote a descriptor that does
 * not fit its slot (the frame is skipped and counted as dropped).
 */
int	stream_consumer_next(struct stream_consumer *c, uint64_t after_seq,
	    const struct stream_wait *w, struct stream_frame *ret);

/* Take the newest published frame without waiting (-EAGAIN: none yet). */
int	stream_consumer_latest(struct stream_consumer *c,
	    struct stream_frame *ret);

/* Drop the hold on f (taken from this consumer); f is not to be read
 * after. Wakes the producer if it sleeps waiting for a slot. */
void	stream_consumer_release(struct stream_consumer *c,
	    const struct stream_frame *f);

/*
 * Block until the head passes after_seq (or the timeout), taking no frame:
 * the primitive behind a pollable fd (a helper thread loops on it and
 * writes an eventfd). *ret_head gets the head; -ETIMEDOUT / -EAGAIN as
 * for next. While it sleeps the producer pays one FUTEX_WAKE per publish.
 */
int	stream_consumer_wait_head(struct stream_consumer *c,
	    uint64_t after_seq, const struct stream_wait *w,
	    uint64_t *ret_head);

/* The current head (last published seq) as this consumer reads it. */
uint64_t stream_consumer_head(const struct stream_consumer *c);

#endif /* MVIEW_COMMON_STREAM_RING_H */
