/* The tests' one pseudo-random stream: xorshift64 (Marsaglia's 13, 7, 17
 * triple), deterministic for a given seed so that a failure replays. Used
 * by the unit tests, the test tools and the fuzz harnesses' oracle. */
#ifndef PSYS_TEST_RNG_H
#define PSYS_TEST_RNG_H

#include <stdint.h>

/* The next value of the stream whose state is *S (never 0). */
static inline uint64_t xorshift64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

#endif
