/* fk_digest.c - see fk_digest.h. */
#include <err.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "fk_digest.h"
#include "fk_util.h"

struct fk_digest {
	unsigned mask;
	int done;
	uint64_t len;
	EVP_MD_CTX *ctx[FK_DIGEST_NALG];
};

static const char *const names[FK_DIGEST_NALG] = { "MD5", "SHA1", "SHA256" };

const char *
fk_digest_name(int i)
{
	return i >= 0 && i < FK_DIGEST_NALG ? names[i] : "?";
}

int
fk_digest_parse(const char *list)
{
	char buf[128], *p, *tok, *save;
	int mask = 0;

	if (strlen(list) >= sizeof(buf))
		return -1;
	strcpy(buf, list);
	for (p = buf; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL) {
		int i, hit = 0;

		if (strcasecmp(tok, "all") == 0) {
			mask |= FK_DIGEST_ALL;
			continue;
		}
		if (strcasecmp(tok, "none") == 0)
			continue;
		for (i = 0; i < FK_DIGEST_NALG; i++)
			if (strcasecmp(tok, names[i]) == 0 ||
			    (i > 0 && strncasecmp(tok, "sha-", 4) == 0 &&
			    strcasecmp(tok + 4, names[i] + 3) == 0)) {
				mask |= 1 << i;
				hit = 1;
			}
		if (!hit)
			return -1;
	}
	return mask;
}

/* Fetched once: implicit fetches on every init are slow in OpenSSL 3. */
static const EVP_MD *
md(int i)
{
	static const EVP_MD *cache[FK_DIGEST_NALG];

	if (cache[i] == NULL) {
		switch (i) {
		case 0: cache[i] = EVP_md5(); break;
		case 1: cache[i] = EVP_sha1(); break;
		default: cache[i] = EVP_sha256(); break;
		}
		if (cache[i] == NULL)
			errx(FK_EX_FAIL, "OpenSSL has no %s", names[i]);
	}
	return cache[i];
}

struct fk_digest *
fk_digest_new(unsigned mask)
{
	struct fk_digest *d = fk_calloc(1, sizeof(*d));

	d->mask = mask & FK_DIGEST_ALL;
	for (int i = 0; i < FK_DIGEST_NALG; i++) {
		if (!(d->mask & (1u << i)))
			continue;
		if ((d->ctx[i] = EVP_MD_CTX_new()) == NULL ||
		    !EVP_DigestInit_ex(d->ctx[i], md(i), NULL))
			errx(FK_EX_FAIL, "OpenSSL: cannot start %s", names[i]);
	}
	return d;
}

void
fk_digest_update(struct fk_digest *d, const void *p, size_t n)
{
	if (d->done || n == 0)
		return;
	d->len += n;
	for (int i = 0; i < FK_DIGEST_NALG; i++)
		if (d->ctx[i] != NULL && !EVP_DigestUpdate(d->ctx[i], p, n))
			errx(FK_EX_FAIL, "OpenSSL: %s update failed", names[i]);
}

void
fk_digest_zeros(struct fk_digest *d, uint64_t n)
{
	static const uint8_t zero[65536];

	while (n > 0) {
		size_t k = n < sizeof(zero) ? (size_t)n : sizeof(zero);

		fk_digest_update(d, zero, k);
		n -= k;
	}
}

uint64_t
fk_digest_len(const struct fk_digest *d)
{
	return d->len;
}

void
fk_digest_final(struct fk_digest *d, char hex[FK_DIGEST_NALG][FK_DIGEST_HEXLEN])
{
	static const char xd[] = "0123456789abcdef";

	for (int i = 0; i < FK_DIGEST_NALG; i++) {
		unsigned char m[EVP_MAX_MD_SIZE];
		unsigned int n = 0, j;

		hex[i][0] = '\0';
		if (d->ctx[i] == NULL || d->done)
			continue;
		if (!EVP_DigestFinal_ex(d->ctx[i], m, &n) ||
		    n * 2 >= FK_DIGEST_HEXLEN)
			errx(FK_EX_FAIL, "OpenSSL: %s final failed", names[i]);
		for (j = 0; j < n; j++) {
			hex[i][2 * j] = xd[m[j] >> 4];
			hex[i][2 * j + 1] = xd[m[j] & 15];
		}
		hex[i][2 * n] = '\0';
	}
	d->done = 1;
}

void
fk_digest_free(struct fk_digest *d)
{
	if (d == NULL)
		return;
	for (int i = 0; i < FK_DIGEST_NALG; i++)
		EVP_MD_CTX_free(d->ctx[i]);
	free(d);
}
