/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_SEEN_H
#define S3LOGS_SEEN_H

/*
 * A bounded "seen recently" set of 128-bit hashes, for logparse -u.
 *
 * It remembers exactly the last `window` distinct hashes added (a FIFO
 * ring of full 128-bit values plus an open-addressing index at load factor
 * 1/2, with backward-shift deletion on eviction).  So:
 *  - a hash is reported as seen only if that very 128-bit value is among
 *    the last `window` distinct hashes added: no false positives beyond a
 *    true XXH3-128 collision;
 *  - a repeat older than the window is not recognised (a false negative),
 *    which costs a duplicate row downstream, never a lost line.
 * Memory: 24 * window bytes, allocated once.
 */
struct seen;

/* A set remembering the last 2^log2window hashes (1..28).  Never NULL. */
struct seen	*seen_new(unsigned log2window);

/*
 * Whether h (16 bytes) is in the set.  If it is not, it is added,
 * evicting the oldest hash when the window is full.  Returns 1 if seen
 * before, 0 if new.
 */
int		 seen_add(struct seen *, const unsigned char *h);

void		 seen_free(struct seen *);

#endif
