/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_PSEUDO_H
#define S3LOGS_PSEUDO_H

#include <stddef.h>

/*
 * Privacy for client addresses in the published report.
 *
 * A pseudonym is HMAC-SHA256(key, address bytes) turned into a readable
 * name "adjective-animal-xxxxxx" (6 bits + 6 bits + 24 bits = 36 bits): the
 * same key gives the same name for an address in every run, so pages and
 * links stay stable, and without the key a name cannot be traced back to
 * the address (a plain hash of the 2^32 IPv4 addresses could be reversed
 * by brute force; an HMAC with a secret key cannot).  The address is parsed
 * first, so "::ffff:1.2.3.4", "1.2.3.4" and differently written IPv6 forms
 * of one address give one name.
 */
#define PSEUDO_NAMELEN	64	/* room for a name or a network, with NUL */

/*
 * Write the pseudonym of the textual address ip into out (at least
 * PSEUDO_NAMELEN bytes).  Returns 0, or -1 if ip is not an address or
 * the HMAC fails (out then holds "unknown").
 */
int	pseudo_name(const unsigned char *key, size_t keylen, const char *ip,
	    char *out);

/*
 * Write the truncated network of ip into out (PSEUDO_NAMELEN bytes):
 * the /24 of an IPv4 address ("192.0.2.0/24"), the /48 of an IPv6 one
 * ("2001:db8:1::/48").  Returns 0, or -1 if ip is not an address.
 */
int	pseudo_network(const char *ip, char *out);

/*
 * Whether a requester (the log's Requester field) may be published as it
 * is: "-", "anonymous", "AmazonS3" and AWS service principals, a host
 * name under amazonaws.com alone or after "svc:"
 * ("svc:delivery.logs.amazonaws.com").  IAM and STS ARNs, canonical user
 * ids and anything else name an account or a person: 0.
 */
int	pseudo_public_requester(const char *req);

/*
 * Write the pseudonym of the requester req into out (PSEUDO_NAMELEN
 * bytes): "id-adjective-animal-xxxxxx", the HMAC-SHA256 with key of the
 * text (apart from the addresses' names: the input is marked as a
 * requester's).  Returns 0, or -1 if the HMAC fails (out: "unknown").
 */
int	pseudo_requester(const unsigned char *key, size_t keylen,
	    const char *req, char *out);

#endif
