/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_GEO_H
#define S3LOGS_GEO_H

#include <stddef.h>

/*
 * Offline geography of addresses, from MaxMind-format databases
 * (GeoLite2, DB-IP Lite) read by libmaxminddb: country (a country or city
 * database) and network (an ASN database).  Nothing leaves the machine.
 * Several databases may be given; for each answer the first one that has
 * it wins.
 */
#define GEO_ERRSZ	512

struct geo;

/* What is known of one address; empty strings and 0 when unknown. */
struct geo_info {
	char		 cc[4];		/* ISO 3166-1 alpha-2, "US" */
	char		 country[64];	/* English name, "United States" */
	unsigned long	 asn;		/* autonomous system number */
	char		 org[128];	/* its organisation */
};

/*
 * Open the n database files paths[0..n).  Returns NULL with err
 * (GEO_ERRSZ bytes, "path: reason") filled when one cannot be opened.
 */
struct geo	*geo_open(const char *const *paths, size_t n, char *err);

/*
 * Look up the textual address ip into *out.  Returns 1 if any database
 * knew anything of it, 0 if none did or ip is not an address.
 */
int		 geo_lookup(struct geo *, const char *ip, struct geo_info *out);

/* Close every database; NULL is allowed. */
void		 geo_free(struct geo *);

#endif
