/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_HMAP_H
#define S3LOGS_HMAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * A hash map from byte strings to one int64_t each, for caches and
 * per-batch aggregation: open addressing, keys copied into the map's own
 * memory (the caller's key buffer may be reused at once).  Allocation
 * cannot fail (x*alloc); nothing else does.
 */
struct hmap;

/* A new empty map; the caller frees it with hmap_free(). */
struct hmap	*hmap_new(void);

/*
 * The value slot of key[0..len).  When the key is absent: with create 0,
 * NULL; otherwise the key is added with value dflt and *isnew (if not
 * NULL) set to 1.  The pointer is valid until the next hmap_get() with
 * create set, or hmap_clear()/hmap_free().
 */
int64_t		*hmap_get(struct hmap *, const void *key, size_t len,
		    int create, int64_t dflt, int *isnew);

/* How many keys the map holds. */
size_t		 hmap_count(const struct hmap *);

/*
 * Iteration: start with *iter = 0; each call returns 1 with the next key
 * and its value slot, or 0 at the end.  The map must not gain keys
 * meanwhile.
 */
int		 hmap_next(struct hmap *, size_t *iter, const void **key,
		    size_t *len, int64_t **val);

/* Forget every key (the memory is kept for reuse). */
void		 hmap_clear(struct hmap *);

void		 hmap_free(struct hmap *);

#endif
