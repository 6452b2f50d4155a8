/* See LICENSE file for copyright and license details. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "pseudo.h"
#include "util.h"

/* 64 words each: one digest byte picks each, six bits at a time. */
static const char *adj[64] = {
	"amber", "bold", "brave", "bright", "calm", "clever", "coral", "cosmic",
	"crisp", "curious", "dapper", "eager", "early", "fancy", "fast", "fuzzy",
	"gentle", "giant", "glad", "golden", "grand", "happy", "hardy", "humble",
	"icy", "jolly", "keen", "kind", "lively", "lucky", "lunar", "mellow",
	"merry", "mighty", "misty", "modest", "noble", "olive", "plucky", "polar",
	"proud", "quick", "quiet", "rapid", "rosy", "royal", "rustic", "sandy",
	"shiny", "silent", "silver", "sleek", "snowy", "solar", "steady", "sunny",
	"swift", "tidy", "vivid", "warm", "wild", "windy", "witty", "zesty",
};
static const char *animal[64] = {
	"badger", "bat", "bear", "beaver", "bison", "bobcat", "camel", "crane",
	"crow", "deer", "dingo", "dolphin", "dove", "eagle", "egret", "elk",
	"falcon", "ferret", "finch", "fox", "gecko", "gibbon", "goose", "hare",
	"hawk", "heron", "ibex", "ibis", "jackal", "jay", "koala", "lemur",
	"lion", "llama", "lynx", "marten", "mole", "moose", "newt", "ocelot",
	"orca", "otter", "owl", "panda", "puffin", "quail", "rabbit", "raven",
	"robin", "salmon", "seal", "shrew", "sloth", "squid", "stork", "swan",
	"tapir", "tiger", "toad", "trout", "walrus", "wolf", "wombat", "yak",
};

/* Canonical bytes of an address: 4 for IPv4 (also v4-mapped), 16 else. */
static int
addrbytes(const char *ip, unsigned char *a, size_t *len)
{
	if (inet_pton(AF_INET, ip, a) == 1) {
		*len = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, ip, a) == 1) {
		static const unsigned char mapped[12] =
		    { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

		if (memcmp(a, mapped, 12) == 0) {
			memmove(a, a + 12, 4);
			*len = 4;
		} else
			*len = 16;
		return 0;
	}
	return -1;
}

int
pseudo_name(const unsigned char *key, size_t keylen, const char *ip,
    char *out)
{
	unsigned char a[16], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t len;

	snprintf(out, PSEUDO_NAMELEN, "unknown");
	if (ip == NULL || addrbytes(ip, a, &len) == -1)
		return -1;
	if (HMAC(EVP_sha256(), key, (int)keylen, a, len, md, &mdlen) == NULL ||
	    mdlen < 5)
		return -1;
	snprintf(out, PSEUDO_NAMELEN, "%s-%s-%02x%02x%02x", adj[md[0] & 63],
	    animal[md[1] & 63], md[2], md[3], md[4]);
	return 0;
}

int
pseudo_network(const char *ip, char *out)
{
	unsigned char a[16];
	size_t len;
	char s[INET6_ADDRSTRLEN];

	snprintf(out, PSEUDO_NAMELEN, "unknown");
	if (ip == NULL || addrbytes(ip, a, &len) == -1)
		return -1;
	if (len == 4) {
		a[3] = 0;
		inet_ntop(AF_INET, a, s, sizeof(s));
		snprintf(out, PSEUDO_NAMELEN, "%s/24", s);
	} else {
		memset(a + 6, 0, 10);
		inet_ntop(AF_INET6, a, s, sizeof(s));
		snprintf(out, PSEUDO_NAMELEN, "%s/48", s);
	}
	return 0;
}

int
pseudo_public_requester(const char *req)
{
	static const char aws[] = ".amazonaws.com";
	size_t i, n;

	if (strcmp(req, "-") == 0 || strcmp(req, "anonymous") == 0 ||
	    strcmp(req, "Anonymous") == 0 || strcmp(req, "AmazonS3") == 0)
		return 1;
	if (strncmp(req, "svc:", 4) == 0)
		req += 4;
	n = strlen(req);
	if (n <= sizeof(aws) - 1 || strcmp(req + n - (sizeof(aws) - 1), aws) != 0)
		return 0;
	/* A bare host name: no ARN, no account id, no address. */
	for (i = 0; i < n; i++)
		if (!((req[i] >= 'a' && req[i] <= 'z') || req[i] == '.' ||
		    req[i] == '-' || (req[i] >= '0' && req[i] <= '9')))
			return 0;
	return 1;
}

int
pseudo_requester(const unsigned char *key, size_t keylen, const char *req,
    char *out)
{
	static const char dom[] = "requester";	/* with its NUL */
	unsigned char md[EVP_MAX_MD_SIZE], *in;
	unsigned int mdlen = 0;
	size_t n = strlen(req);
	int ok;

	snprintf(out, PSEUDO_NAMELEN, "unknown");
	in = xmalloc(sizeof(dom) + n);
	memcpy(in, dom, sizeof(dom));
	memcpy(in + sizeof(dom), req, n);
	ok = HMAC(EVP_sha256(), key, (int)keylen, in, sizeof(dom) + n, md,
	    &mdlen) != NULL && mdlen >= 5;
	free(in);
	if (!ok)
		return -1;
	snprintf(out, PSEUDO_NAMELEN, "id-%s-%s-%02x%02x%02x", adj[md[0] & 63],
	    animal[md[1] & 63], md[2], md[3], md[4]);
	return 0;
}
