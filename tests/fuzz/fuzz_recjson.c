/*
 * libFuzzer harness: JSON Lines to records (fk_json, fk_recjson; what
 * flowrec reads).  The input is lines; each that makes a record is
 * printed again as flowcat -f json prints it, and that line must make
 * the very same record (type, flags, body), and print the same again.
 * Built and run by `make fuzz`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk_recjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct fk_recjson a, b;
	const char *p = (const char *)data, *e = p + len;

	fk_recjson_init(&a);
	fk_recjson_init(&b);
	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
		char *out = NULL, *out2 = NULL;
		size_t outlen = 0, out2len = 0;
		FILE *m;

		if (fk_recjson_read(&a, p, n) == FK_RJ_RECORD) {
			if ((m = open_memstream(&out, &outlen)) == NULL)
				abort();
			if (fk_recjson_write(m, &a.rec) < 0)
				abort();	/* made a body no stage reads */
			fclose(m);
			if (outlen == 0 || out[outlen - 1] != '\n')
				abort();
			if (fk_recjson_read(&b, out, outlen - 1) !=
			    FK_RJ_RECORD) {
				fprintf(stderr, "%s: %s\n", out, b.err);
				abort();
			}
			if (a.rec.type != b.rec.type ||
			    a.rec.flags != b.rec.flags ||
			    a.rec.len != b.rec.len ||
			    memcmp(a.rec.body, b.rec.body, a.rec.len) != 0)
				abort();
			if ((m = open_memstream(&out2, &out2len)) == NULL)
				abort();
			if (fk_recjson_write(m, &b.rec) < 0)
				abort();
			fclose(m);
			if (outlen != out2len || memcmp(out, out2, outlen) != 0)
				abort();
			free(out);
			free(out2);
		}
		p += n + 1;
	}
	fk_recjson_free(&a);
	fk_recjson_free(&b);
	return 0;
}
