/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_S3LIST_H
#define S3LOGS_S3LIST_H

#include <stddef.h>

#include "s3.h"
#include "s3xml.h"

/*
 * ListObjectsV2, every page of it: the one paging loop behind s3ls and
 * s3put -r.  Keys are asked for with encoding-type=url (raw keys may hold
 * bytes XML 1.0 cannot carry) and come decoded from s3xml.
 */

/* What to list; the strings must outlive the walk. */
struct s3_listing {
	const char	*bucket;
	const char	*prefix;	/* "" or NULL: the whole bucket */
	const char	*delimiter;	/* NULL: none */
	const char	*start_after;	/* NULL or "": from the first key */
	const char	*max_keys;	/* NULL: the server's page size */
};

/*
 * Called for each page in order.  Returns 0 to go on, 1 to stop (the walk
 * then succeeds), or -1 to fail it after writing the reason into err
 * (errlen bytes).  It may take strings out of page (setting the pointers
 * it took to NULL); the page is freed after the call.
 */
typedef int s3_page_fn(struct s3xml_list *page, void *arg, char *err,
    size_t errlen);

/*
 * Walk the listing l with cl, handing each page to fn with arg.  An empty
 * page with IsTruncated=true (RGW sends one after exactly 1000*N keys) is
 * followed like any other; a truncated page without a continuation token
 * (a V1-style server) is followed after its last key.  A listing that does
 * not advance (the same continuation token again, or a page whose keys do
 * not sort after the previous page's last) is an error, not a loop, and so
 * is an empty truncated page without a token.  Request failures come from
 * s3_perform (with its retries).  Returns 0, or -1 with err set.
 */
int	 s3_list(struct s3_client *cl, const struct s3_listing *l,
	    s3_page_fn *fn, void *arg, char *err, size_t errlen);

#endif
