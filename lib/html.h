/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_HTML_H
#define S3LOGS_HTML_H

#include <stddef.h>

/*
 * HTML generation for report: a growable byte buffer, escaping for HTML
 * text and attribute values, percent-encoding for URL path components and
 * TSV fields, and the page skeleton (inline CSS, no JavaScript, no external
 * resource) that every page of the site shares.
 *
 * Every string that came from a log line (keys, requesters, user agents,
 * referers) must go through html_esc(); nothing in this module trusts its
 * input.  Buffers grow with x*alloc and so cannot fail.
 */
struct html_buf {
	char	*p;
	size_t	 n;
	size_t	 cap;
};

/* Empty the buffer, keeping its memory. */
void	html_reset(struct html_buf *);

/* Release the memory; the buffer is empty and reusable afterwards. */
void	html_free(struct html_buf *);

/* Append bytes / a string / formatted text, unescaped (trusted text). */
void	html_add(struct html_buf *, const void *, size_t);
void	html_puts(struct html_buf *, const char *);
void	html_printf(struct html_buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Append s escaped for HTML text and for a quoted or unquoted attribute
 * value: & < > " ' become character references.  Bytes that are not valid
 * UTF-8 and C0 controls other than tab and newline become U+FFFD so that a
 * hostile log line cannot produce an invalid document.  NULL appends "".
 */
void	html_esc(struct html_buf *, const char *s);

/*
 * Append s percent-encoded as one URL path component (RFC 3986: only
 * unreserved characters stay literal; with keepslash, '/' stays too).
 * Safe inside an attribute without further escaping.
 */
void	html_url(struct html_buf *, const char *s, int keepslash);

/*
 * Append s as one TSV field: log-derived text is percent-encoded like
 * html_url (with '/' ':' '@' '+' '=' ',' kept readable), so a field never
 * holds a tab, a newline or markup; NULL is written as an empty field.
 */
void	html_tsv(struct html_buf *, const char *s);

/* Append n with thousands separators (1,234,567). */
void	html_num(struct html_buf *, long long n);

/* Append a byte count in human units (1.5 GB, decimal). */
void	html_bytes(struct html_buf *, double n);

/* Flags of html_begin(): the optional pages the navigation bar links. */
#define HTML_NAV_COUNTRIES	0x1	/* countries.html */

/*
 * Start a page: doctype, <head> with the title (escaped) and the inline
 * style sheet, and the navigation bar, with the optional pages that nav
 * (HTML_NAV_* flags) names.  root is the relative path from the page to
 * the site root ("" or "../"), so that the site works from any directory,
 * offline and from an S3 website.  sub (may be NULL) is a line shown under
 * the title, escaped.
 */
void	html_begin(struct html_buf *, const char *root, const char *title,
	    const char *sub, int nav);

/* Close the page (footer with the generation note, escaped). */
void	html_end(struct html_buf *, const char *root, const char *note);

#endif
