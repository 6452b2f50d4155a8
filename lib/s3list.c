/* See LICENSE file for copyright and license details. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3.h"
#include "s3list.h"
#include "s3xml.h"
#include "util.h"

/* Fetch and parse one page: 0, or -1 with err set. */
static int
page_get(struct s3_client *cl, const struct s3_listing *l, const char *token,
    const char *after, struct s3xml_list *page, char *err, size_t errlen)
{
	struct s3_request r;
	struct s3_response resp;
	int rc;

	memset(&r, 0, sizeof(r));
	memset(&resp, 0, sizeof(resp));
	memset(page, 0, sizeof(*page));
	r.method = "GET";
	r.bucket = l->bucket;
	s3_req_query(&r, "list-type", "2");
	s3_req_query(&r, "encoding-type", "url");
	if (l->prefix != NULL && *l->prefix)
		s3_req_query(&r, "prefix", l->prefix);
	if (l->delimiter != NULL)
		s3_req_query(&r, "delimiter", l->delimiter);
	if (l->max_keys != NULL)
		s3_req_query(&r, "max-keys", l->max_keys);
	if (token != NULL)
		s3_req_query(&r, "continuation-token", token);
	else if (after != NULL && *after)
		s3_req_query(&r, "start-after", after);
	rc = s3_perform(cl, &r, NULL, &resp, err, errlen);
	if (rc == 0)
		rc = s3xml_parse_list(resp.body.p ? resp.body.p : "",
		    resp.body.len, page, err, errlen);
	buf_free(&resp.body);
	return rc;
}

int
s3_list(struct s3_client *cl, const struct s3_listing *l, s3_page_fn *fn,
    void *arg, char *err, size_t errlen)
{
	struct s3xml_list page;
	char *token = NULL, *after = NULL, *last = NULL;
	size_t i;
	int rc = -1, more;

	if (l->start_after != NULL)
		after = xstrdup(l->start_after);
	for (;;) {
		if (page_get(cl, l, token, after, &page, err, errlen) == -1)
			goto bad;
		/* Asking again would get the same page forever. */
		if (page.truncated && token != NULL && page.next_token != NULL &&
		    strcmp(token, page.next_token) == 0) {
			snprintf(err, errlen, "the listing does not advance: "
			    "continuation token %.64s repeated", token);
			goto bad;
		}
		for (i = 0; last != NULL && i < page.nobj; i++)
			if (strcmp(page.obj[i].key, last) <= 0) {
				snprintf(err, errlen, "the listing does not "
				    "advance: key %.200s again or out of order",
				    page.obj[i].key);
				goto bad;
			}
		/* Copied now: fn may take the keys. */
		if (page.nobj > 0) {
			free(last);
			last = xstrdup(page.obj[page.nobj - 1].key);
		}
		if ((more = fn(&page, arg, err, errlen)) == -1)
			goto bad;
		if (more == 1 || !page.truncated)
			break;
		free(token);
		token = NULL;
		if (page.next_token != NULL && *page.next_token) {
			token = page.next_token;
			page.next_token = NULL;
		} else if (page.nobj > 0) {
			/* No token (a V1-style server): go on after the last key. */
			free(after);
			after = xstrdup(last);
		} else {
			snprintf(err, errlen, "truncated listing without a "
			    "continuation token");
			goto bad;
		}
		s3xml_list_free(&page);
	}
	rc = 0;
bad:
	s3xml_list_free(&page);
	free(token);
	free(after);
	free(last);
	return rc;
}
