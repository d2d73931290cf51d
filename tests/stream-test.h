/* SPDX-License-Identifier: MIT */
/* A stream over raw memfds for the ring's tests and benchmarks (the daemon's part, done by hand). */
#ifndef MVIEW_TESTS_STREAM_TEST_H
#define MVIEW_TESTS_STREAM_TEST_H

#include "stream-ring.h"

struct stream_test {
	struct stream_geometry	 geo;
	int			 control_fd, data_fd;
	int			 lease_fd[STREAM_MAX_CONSUMERS];
	struct stream_control	*control;	/* read-write: the daemon's view */
	uint8_t			*data;
	struct stream_lease	*leases[STREAM_MAX_CONSUMERS];	/* read-write */
	size_t			 control_size;
	uint64_t		 data_size;
};

/* Make the memfds (sealed against shrink and grow) and map them; the
 * default layout is capacity bytes of 'B'. 0 or -errno. */
int	stream_test_create(struct stream_test *t, uint32_t nslots,
	    uint64_t capacity, uint32_t max_consumers, uint32_t max_holds,
	    uint64_t first_seq);

/* Unmap and close everything (safe on a zeroed or half-made one). */
void	stream_test_destroy(struct stream_test *t);

/* A producer on the daemon's mappings (leases seen read-write). */
int	stream_test_producer(struct stream_test *t, struct stream_producer *p);

/* Activate position pos with policy and attach a consumer to it on the
 * daemon's mappings. */
int	stream_test_consumer(struct stream_test *t, struct stream_consumer *c,
	    uint32_t pos, enum stream_policy policy);

/* Loan, fill every byte with stream_test_pattern(seq), publish; *ret_seq
 * (NULL: not wanted) gets the frame's sequence. 0 or -errno. */
int	stream_test_publish(struct stream_producer *p, uint64_t nbytes,
	    uint64_t *ret_seq);

/* The 64-bit word a frame of sequence seq is filled with. */
uint64_t stream_test_pattern(uint64_t seq);

/* Fill / check nbytes (a multiple of 8) with the pattern of seq; check
 * returns the number of bytes that differ from it. */
void	stream_test_fill(void *p, uint64_t nbytes, uint64_t seq);
uint64_t stream_test_check(const void *p, uint64_t nbytes, uint64_t seq);

#endif /* MVIEW_TESTS_STREAM_TEST_H */
