/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_HLL_H
#define S3LOGS_HLL_H

#include <stddef.h>
#include <stdint.h>

/*
 * HyperLogLog sets built on the client, in the storage format of the
 * PostgreSQL extension postgresql-hll (schema version 1, its default
 * parameters: 2^11 registers of 5 bits, explicit cutoff "auto", sparse
 * on), so that pgload can send a batch's sketches and let the server
 * merge them with hll_union() instead of building them with
 * hll_add_agg() from one row per member.  A set built here from the
 * members' hashes serialises to the same bytes as hll_add_agg() over
 * the same hashes (tests/pgload.bats compares them).  Allocation cannot
 * fail (x*alloc); nothing else does.
 */

/* hll_hash_integer(v) and hll_hash_bigint(v) of postgresql-hll (seed 0). */
int64_t	 hll_hash4(int32_t v);
int64_t	 hll_hash8(int64_t v);

struct hllset {
	int64_t	*h;		/* hashes added, until promoted */
	size_t	 n, cap;
	uint8_t	*reg;		/* the registers once promoted, or NULL */
};

/* Add a member's hash; a zeroed struct hllset is an empty set. */
void	 hll_add(struct hllset *, int64_t hash);

/*
 * The set as the bytes of its hll value (what hll's binary input reads)
 * into buf, which must hold HLL_BYTESMAX bytes; returns their number.
 */
#define HLL_BYTESMAX	(3 + 1280)
size_t	 hll_bytes(struct hllset *, uint8_t *buf);

/*
 * The set as COPY text ("\\x" and hex digits, as hll's text input reads
 * it) into buf, which must hold HLL_TEXTMAX bytes; returns the length.
 */
#define HLL_TEXTMAX	(3 + 2 * HLL_BYTESMAX + 1)
size_t	 hll_text(struct hllset *, char *buf);

/* Free the set's memory; it is then empty. */
void	 hll_free(struct hllset *);

#endif
