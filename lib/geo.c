/* See LICENSE file for copyright and license details. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <maxminddb.h>

#include "geo.h"
#include "util.h"

struct geo {
	MMDB_s	*db;
	size_t	 n;
};

struct geo *
geo_open(const char *const *paths, size_t n, char *err)
{
	struct geo *g;
	int st;

	g = xcalloc(1, sizeof(*g));
	g->db = xcalloc(n + 1, sizeof(*g->db));
	for (; g->n < n; g->n++)
		if ((st = MMDB_open(paths[g->n], MMDB_MODE_MMAP,
		    &g->db[g->n])) != MMDB_SUCCESS) {
			snprintf(err, GEO_ERRSZ, "%s: %s", paths[g->n],
			    MMDB_strerror(st));
			geo_free(g);
			return NULL;
		}
	return g;
}

/* A string at path in entry into buf (sz bytes); 1 if there was one. */
static int
getstr(MMDB_entry_s *e, char *buf, size_t sz, const char *const *path)
{
	MMDB_entry_data_s d;
	size_t n;

	if (MMDB_aget_value(e, &d, path) != MMDB_SUCCESS || !d.has_data ||
	    d.type != MMDB_DATA_TYPE_UTF8_STRING || d.data_size == 0)
		return 0;
	n = d.data_size < sz ? d.data_size : sz - 1;
	memcpy(buf, d.utf8_string, n);
	buf[n] = '\0';
	return 1;
}

int
geo_lookup(struct geo *g, const char *ip, struct geo_info *out)
{
	static const char *const cc[] = { "country", "iso_code", NULL };
	static const char *const rcc[] = { "registered_country", "iso_code",
	    NULL };
	static const char *const cn[] = { "country", "names", "en", NULL };
	static const char *const rcn[] = { "registered_country", "names", "en",
	    NULL };
	static const char *const asn[] = { "autonomous_system_number", NULL };
	static const char *const org[] = { "autonomous_system_organization",
	    NULL };
	MMDB_lookup_result_s r;
	MMDB_entry_data_s d;
	size_t i;
	int gai, st, any = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; ip != NULL && i < g->n; i++) {
		r = MMDB_lookup_string(&g->db[i], ip, &gai, &st);
		if (gai != 0 || st != MMDB_SUCCESS || !r.found_entry)
			continue;
		if (out->cc[0] == '\0' &&
		    (getstr(&r.entry, out->cc, sizeof(out->cc), cc) ||
		    getstr(&r.entry, out->cc, sizeof(out->cc), rcc))) {
			if (!getstr(&r.entry, out->country,
			    sizeof(out->country), cn) &&
			    !getstr(&r.entry, out->country,
			    sizeof(out->country), rcn))
				snprintf(out->country, sizeof(out->country),
				    "%s", out->cc);
			any = 1;
		}
		if (out->asn == 0 &&
		    MMDB_aget_value(&r.entry, &d, asn) == MMDB_SUCCESS &&
		    d.has_data && (d.type == MMDB_DATA_TYPE_UINT32 ||
		    d.type == MMDB_DATA_TYPE_UINT16)) {
			out->asn = d.type == MMDB_DATA_TYPE_UINT32 ?
			    d.uint32 : d.uint16;
			getstr(&r.entry, out->org, sizeof(out->org), org);
			any = 1;
		}
	}
	return any;
}

void
geo_free(struct geo *g)
{
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->n; i++)
		MMDB_close(&g->db[i]);
	free(g->db);
	free(g);
}
