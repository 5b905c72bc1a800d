/*
 * fk_text.h - bytes from the stream shown as text: well-formed UTF-8,
 * and the control characters that must not reach a terminal raw.
 *
 * Control characters are C0 (the bytes 0x00-0x1f), DEL (0x7f) and C1:
 * a byte 0x80-0x9f that is not inside a well-formed UTF-8 character (an
 * 8-bit terminal takes 0x9b for CSI, as ESC [), or U+0080-U+009F in
 * UTF-8, c2 80 to c2 9f (which some UTF-8 terminals obey).  Every writer
 * that may face a terminal (fk_console's names, fk_xml_esc in terminal
 * mode) finds them with fk_text_ctl() and escapes them its own way.
 */
#ifndef FK_TEXT_H
#define FK_TEXT_H

#include <stddef.h>

/*
 * Length (1-4) of the well-formed UTF-8 character at s: ASCII, or a
 * shortest form of a code point up to U+10FFFF that is not a surrogate;
 * 0 if s starts no such character (or len is 0).
 */
size_t fk_utf8_len(const unsigned char *s, size_t len);

/*
 * The length (1, or 2 for UTF-8 C1) of the control character at s, or
 * 0 if there is none; *step (if not NULL) gets how far the next
 * character starts: that length, a well-formed UTF-8 character's, else 1
 * (0 if len is 0).
 */
size_t fk_text_ctl(const unsigned char *s, size_t len, size_t *step);

/*
 * Make s[0..len) printable ASCII for one line of stderr: every other
 * byte (NUL and the other controls, DEL, anything >= 0x80) becomes '?'.
 */
void fk_text_ascii(char *s, size_t len);

#endif
