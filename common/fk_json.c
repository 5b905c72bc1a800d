/* fk_json.c - JSON strings from hostile bytes; see fk_json.h. */
#include <stdio.h>
#include <string.h>

#include "fk_json.h"
#include "fk_text.h"

void
fk_json_str(FILE *fp, const void *sv, size_t len)
{
	const unsigned char *s = sv;
	size_t i = 0, n;

	putc('"', fp);
	while (i < len) {
		unsigned char c = s[i];

		if ((n = fk_utf8_len(s + i, len - i)) == 0) {
			fputs("\\ufffd", fp);	/* not UTF-8 */
			i++;
			continue;
		}
		if (fk_text_ctl(s + i, n, NULL) > 0) {
			/* C0, DEL, or C1 (U+0080-U+009F) */
			unsigned cp = n == 2 ? s[i + 1] : c;

			switch (cp) {
			case '\n': fputs("\\n", fp); break;
			case '\r': fputs("\\r", fp); break;
			case '\t': fputs("\\t", fp); break;
			default: fprintf(fp, "\\u%04x", cp); break;
			}
		} else if (c == '"' || c == '\\') {
			putc('\\', fp);
			putc(c, fp);
		} else
			fwrite(s + i, 1, n, fp);
		i += n;
	}
	putc('"', fp);
}

void
fk_json_strs(FILE *fp, const char *s)
{
	if (s == NULL)
		fputs("null", fp);
	else
		fk_json_str(fp, s, strlen(s));
}
