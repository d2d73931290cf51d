/* SPDX-License-Identifier: MIT */
/* The fuzz target's entry points and its input format, shared with replay and the corpus maker. */
#ifndef MVIEW_TESTS_FUZZ_H
#define MVIEW_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/*
 * An input is one flags byte, then the packet(s) a client sends:
 *
 *   FUZZ_HELLO	    a valid Hello goes first (else the hello gate is fuzzed)
 *   FUZZ_FIXTURES  the registry already holds segments 1..3 and two views,
 *		    owned by uid 1000 (see fuzz-packet.c)
 *   FUZZ_UID_MASK  which peer: owner (uid 1000), stranger (1001), group
 *		    member (1001 in group 1000), root
 *   FUZZ_MULTI	    the rest is several packets, each a 2-byte little-endian
 *		    length and that many bytes (a short tail is one more);
 *		    without it the rest is one packet
 *   FUZZ_WITH_FD   every packet claims to have come with a file descriptor
 *   FUZZ_NO_READ   the peer reads no reply until the end (queueing)
 *   FUZZ_LOOP	    run the event loop once after each packet (the write
 *		    path, back-pressure, timers that are due)
 */
#define FUZZ_HELLO	0x01
#define FUZZ_FIXTURES	0x02
#define FUZZ_UID_MASK	0x0c
#define FUZZ_UID_OWNER	0x00
#define FUZZ_UID_OTHER	0x04
#define FUZZ_UID_GROUP	0x08
#define FUZZ_UID_ROOT	0x0c
#define FUZZ_MULTI	0x10
#define FUZZ_WITH_FD	0x20
#define FUZZ_NO_READ	0x40
#define FUZZ_LOOP	0x80

#define FUZZ_OWNER_UID	1000
#define FUZZ_OTHER_UID	1001

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* MVIEW_TESTS_FUZZ_H */
