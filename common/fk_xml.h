/*
 * fk_xml.h - writing XML that stays well-formed whatever the input.
 *
 * fk_xml_esc() writes bytes as XML character data or an attribute value
 * (quoted with ' or "): & < > ' " become entities, TAB, LF and CR
 * character references (a parser keeps them then), well-formed UTF-8 that
 * XML 1.0 allows passes through, and every other byte (control
 * characters, broken or overlong UTF-8, surrogates, U+FFFE/U+FFFF) is
 * written as the four characters \xHH; a backslash is written as \x5c
 * so the mapping stays reversible.
 *
 * After fk_xml_termsafe(1) (the output is a terminal) DEL and the C1
 * controls (fk_text.h) are written as \xHH too, byte by byte.
 */
#ifndef FK_XML_H
#define FK_XML_H

#include <stddef.h>
#include <stdio.h>

void fk_xml_esc(FILE *, const void *s, size_t len);
void fk_xml_escs(FILE *, const char *s);
/*
 * The same into a buffer: writes at most size-1 bytes and a NUL, returns
 * the length the whole escaped text needs (like snprintf).
 */
size_t fk_xml_escape(char *dst, size_t size, const void *s, size_t len);
void fk_xml_termsafe(int on);
/* Length of the valid XML UTF-8 character at s (1-4), or 0 if none. */
size_t fk_xml_charlen(const unsigned char *s, size_t len);

#endif
