/*
 * fk_console.c - streams as text: tcpflow's console and tcpreen's logs.
 * See fk_console.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fk_addr.h"
#include "fk_b64.h"
#include "fk_console.h"
#include "fk_name.h"
#include "fk_stage.h"
#include "fk_text.h"
#include "fk_util.h"

#define CBUF_CAP	(256 * 1024)
#define PW_LINE		1024	/* longest line the password scanner reads */
#define PW_USER		256

/* Colours of tcpflow -g: client to server blue, the rest red. */
static const char *const color_on[2] = { "\033[0;34m", "\033[0;31m" };
static const char color_off[] = "\033[0m";
static const char hexl[] = "0123456789abcdef", hexu[] = "0123456789ABCDEF";

/* Password scanner: one line buffer per direction. */
struct pw_dir {
	char line[PW_LINE];
	size_t n;
	int skip;		/* line too long or cut by a gap: up to LF */
	int plain;		/* AUTH PLAIN: the next line is the base64 */
	int login;		/* AUTH LOGIN: 1 user next, 2 password next */
	size_t userlen;
	int have_user;
	char user[PW_USER];
};

struct fk_con_flow {
	uint64_t id;
	int have_open;
	struct fk_open open;
	char *name[2];		/* NULL: not named (yet) */
	uint64_t bytes[2];	/* DATA bytes of each direction */
	uint64_t printed[2];	/* bytes shown, for maxbytes */
	struct pw_dir *pw;	/* [2], FK_CON_PASSWORD only */
	struct fk_link link;	/* on c->order */
};

static const struct {
	const char *name;
	int format;
} formats[] = {
	{ "tcpflow", FK_CON_TCPFLOW },
	{ "strip", FK_CON_STRIP },
	{ "hex", FK_CON_HEXDUMP },
	{ "C", FK_CON_C },
	{ "c", FK_CON_C },
	{ "raw", FK_CON_RAW },
	{ "count", FK_CON_COUNT },
	{ "null", FK_CON_NULL },
	{ "password", FK_CON_PASSWORD },
};

int
fk_con_format_parse(const char *name)
{
	for (size_t i = 0; i < FK_ARRAY_LEN(formats); i++)
		if (strcmp(name, formats[i].name) == 0)
			return formats[i].format;
	return -1;
}

int
fk_con_defname(char *buf, size_t len, const struct fk_open *o, uint64_t id,
    int dir)
{
	int n = -1;

	if (o != NULL)
		n = fk_name_default(buf, len, o, dir);
	if (n < 0)
		n = snprintf(buf, len, "flow%llu-%s", (unsigned long long)id,
		    dir ? "ba" : "ab");
	return n;
}

/* Output. */

static void
flush(struct fk_console *c)
{
	fk_write_all(c->fd, c->buf, c->len, c->fdname);
	c->len = 0;
}

/* Bytes that are not stream text (colour codes): bol is unchanged. */
static void
put_ctl(struct fk_console *c, const void *p, size_t n)
{
	const char *s = p;

	while (n > 0) {
		size_t k = CBUF_CAP - c->len < n ? CBUF_CAP - c->len : n;

		memcpy(c->buf + c->len, s, k);
		c->len += k, s += k, n -= k;
		if (c->len == CBUF_CAP)
			flush(c);
	}
}

static void
put(struct fk_console *c, const void *p, size_t n)
{
	if (n == 0)
		return;
	put_ctl(c, p, n);
	c->bol = ((const char *)p)[n - 1] == '\n';
}

static void
putch(struct fk_console *c, char ch)
{
	if (c->len == CBUF_CAP)
		flush(c);
	c->buf[c->len++] = ch;
	c->bol = ch == '\n';
}

static void
putstr(struct fk_console *c, const char *s)
{
	put(c, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
putf(struct fk_console *c, const char *fmt, ...)
{
	char b[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(c, b, (size_t)n < sizeof(b) ? (size_t)n : sizeof(b) - 1);
}

static void
ensure_bol(struct fk_console *c)
{
	if (!c->bol)
		putch(c, '\n');
}

/*
 * tcpflow -g paints blue only the client-to-server direction of a flow
 * whose SYN it saw (opener FK_OPEN_SYN), everything else red; the
 * tcpreen formats paint by direction.
 */
static void
color(struct fk_console *c, const struct fk_con_flow *f, int dir)
{
	if (!(c->flags & FK_CON_COLOR))
		return;
	if (c->format == FK_CON_TCPFLOW &&
	    (!f->have_open || f->open.opener != FK_OPEN_SYN))
		dir = FK_DIR_BA;
	put_ctl(c, color_on[dir & 1], strlen(color_on[dir & 1]));
}

static void
uncolor(struct fk_console *c)
{
	if (c->flags & FK_CON_COLOR)
		put_ctl(c, color_off, sizeof(color_off) - 1);
}

/* Flow table. */

void
fk_con_init(struct fk_console *c, int fd, const char *fdname, int format,
    unsigned flags, int64_t maxbytes)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->fdname = fdname;
	c->format = format;
	c->flags = flags;
	c->maxbytes = maxbytes;
	c->buf = fk_malloc(CBUF_CAP);
	c->bol = 1;
	fk_idmap_init(&c->flows);
	fk_list_init(&c->order);
}

static struct fk_con_flow *
get_flow(struct fk_console *c, uint64_t id)
{
	int added;
	struct fk_con_flow *f = fk_idmap_obtain(&c->flows, id, sizeof(*f),
	    &added);

	if (added) {
		f->id = id;
		fk_list_append(&c->order, &f->link);
	}
	return f;
}

static struct fk_con_flow *
oldest(struct fk_console *c)
{
	return FK_LIST_FIRST(&c->order, struct fk_con_flow, link);
}

static void
free_flow(struct fk_console *c, struct fk_con_flow *f)
{
	fk_list_remove(&c->order, &f->link);
	fk_idmap_del(&c->flows, f->id);
	if (c->last == f->id)
		c->last = 0;
	free(f->name[0]);
	free(f->name[1]);
	free(f->pw);
	free(f);
}

/* FLOW_NAME: kept as given when it is a safe path, else sanitized. */
static void
set_name(struct fk_con_flow *f, int dir, const char *name, size_t len)
{
	char buf[FK_NAME_MAX];

	if (!fk_name_safe(name, len)) {
		len = fk_name_sanitize(buf, sizeof(buf), name, len);
		name = buf;
	}
	free(f->name[dir]);
	f->name[dir] = fk_malloc(len + 1);
	memcpy(f->name[dir], name, len);
	f->name[dir][len] = '\0';
}

static const char *
dir_name(struct fk_con_flow *f, int dir)
{
	char buf[FK_NAME_MAX];
	int n;

	if (f->name[dir] == NULL) {
		n = fk_con_defname(buf, sizeof(buf),
		    f->have_open ? &f->open : NULL, f->id, dir);
		set_name(f, dir, buf, (size_t)n);
	}
	return f->name[dir];
}

/*
 * A flow's name: control characters from the stream (C1; fk_name_safe
 * names have no C0 or DEL) as '_' on a terminal, as fk_name_sanitize
 * writes C0.
 */
static void
put_name(struct fk_console *c, const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t len = strlen(name), i = 0, start = 0, n, step;

	while ((c->flags & FK_CON_TERMSAFE) && i < len) {
		if ((n = fk_text_ctl(s + i, len - i, &step)) == 0) {
			i += step;
			continue;
		}
		put(c, name + start, i - start);
		for (; n > 0; n--, i++)
			putch(c, '_');
		start = i;
	}
	put(c, name + start, len - start);
}

static int
tcpreen(const struct fk_console *c)
{
	return c->format != FK_CON_TCPFLOW && c->format != FK_CON_PASSWORD;
}

/* "10.0.0.1 port 1024", as tcpreen -n names an end. */
static void
put_end(struct fk_console *c, const struct fk_open *o, int b)
{
	char a[FK_ADDR_STRLEN];

	fk_addr_str(a, sizeof(a), o->family, b ? o->addr_b : o->addr_a);
	putf(c, "%s port %u", a, b ? o->port_b : o->port_a);
}

/* tcpreen formats: say which connection the next lines are about. */
static void
switch_to(struct fk_console *c, struct fk_con_flow *f)
{
	if (c->last == f->id)
		return;
	ensure_bol(c);
	putstr(c, "Connection: ");
	if (f->have_open) {
		put_end(c, &f->open, 0);
		putstr(c, " to ");
		put_end(c, &f->open, 1);
	} else {
		putf(c, "flow %llu", (unsigned long long)f->id);
	}
	putch(c, '\n');
	c->last = f->id;
}

static void
close_flow(struct fk_console *c, struct fk_con_flow *f)
{
	if (tcpreen(c)) {
		switch_to(c, f);
		ensure_bol(c);
		putf(c, "End of input: %llu bytes received.\n"
		    "End of output: %llu bytes sent.\n"
		    "End of transmission.\n",
		    (unsigned long long)f->bytes[0],
		    (unsigned long long)f->bytes[1]);
	}
	free_flow(c, f);
}

static void
open_flow(struct fk_console *c, const struct fk_open *o)
{
	struct fk_con_flow *f = fk_idmap_get(&c->flows, o->flow_id);

	if (f != NULL && f->have_open)
		close_flow(c, f);	/* reopened without a close */
	f = get_flow(c, o->flow_id);
	f->open = *o;
	f->have_open = 1;
	if (tcpreen(c)) {
		ensure_bol(c);
		putstr(c, "Connection from: ");
		put_end(c, o, 0);
		putstr(c, "\nConnection to: ");
		put_end(c, o, 1);
		putstr(c, "\nTransmission follows...\n");
		c->last = f->id;
	}
}

/* tcpflow -c / -D / -B for one chunk. */
static void
tcpflow_chunk(struct fk_console *c, struct fk_con_flow *f, int dir,
    const uint8_t *p, size_t len)
{
	size_t i, j;

	color(c, f, dir);
	if (!(c->flags & FK_CON_NOHEADER)) {
		put_name(c, dir_name(f, dir));
		put(c, ": ", 2);
		if (c->flags & FK_CON_HEX)
			putch(c, '\n');
	}
	if (c->flags & FK_CON_HEX) {
		size_t maxsp = 0;

		for (i = 0; i < len; i += 32) {
			char b[16];
			size_t sp = (size_t)snprintf(b, sizeof(b), "%04x: ",
			    (unsigned)i);

			put(c, b, sp);
			for (j = 0; j < 32 && i + j < len; j++) {
				b[0] = hexl[p[i + j] >> 4];
				b[1] = hexl[p[i + j] & 15];
				put(c, b, 2);
				sp += 2;
				if (j % 2 == 1)
					putch(c, ' '), sp++;
			}
			if (sp > maxsp)
				maxsp = sp;
			for (; sp < maxsp; sp++)
				putch(c, ' ');
			putch(c, ' ');
			for (j = 0; j < 32 && i + j < len; j++) {
				uint8_t ch = p[i + j];

				putch(c, ch >= ' ' && ch <= '~' ? (char)ch :
				    '.');
			}
			putch(c, '\n');
		}
	} else if (c->flags & FK_CON_BINARY) {
		put(c, p, len);
	} else {
		for (i = 0; i < len; i++) {
			uint8_t ch = p[i];

			if (ch == '\r' && (c->flags & FK_CON_TERMSAFE)) {
				/* CR LF as LF; a lone CR could hide text */
				if (i + 1 < len && p[i + 1] == '\n')
					continue;
				ch = '.';
			}
			putch(c, (ch >= ' ' && ch <= '~') || ch == '\n' ||
			    ch == '\r' ? (char)ch : '.');
		}
	}
	uncolor(c);
	if (!(c->flags & FK_CON_NONEWLINE))
		putch(c, '\n');
}

/* tcpflow layout for a note (gap, overlap) in place of bytes. */
static void
tcpflow_note(struct fk_console *c, struct fk_con_flow *f, int dir,
    const char *note)
{
	color(c, f, dir);
	if (!(c->flags & FK_CON_NOHEADER)) {
		put_name(c, dir_name(f, dir));
		put(c, ": ", 2);
	}
	putstr(c, note);
	uncolor(c);
	if (!(c->flags & FK_CON_NONEWLINE))
		putch(c, '\n');
}

static const char *const marker[2] = { "<<< ", ">>> " };

/*
 * C format: printable ASCII as is, \r \n \t \\ \" escaped, "??" broken
 * up (trigraphs), every other byte as a 3-digit octal escape, so that a
 * line is a valid, unambiguous C string literal body.
 */
static void
put_cstring(struct fk_console *c, const uint8_t *p, size_t len)
{
	char b[8];

	for (size_t i = 0; i < len; i++) {
		uint8_t ch = p[i];

		switch (ch) {
		case '\r':
			put(c, "\\r", 2);
			break;
		case '\n':
			put(c, "\\n", 2);
			break;
		case '\t':
			put(c, "\\t", 2);
			break;
		case '\\':
			put(c, "\\\\", 2);
			break;
		case '"':
			put(c, "\\\"", 2);
			break;
		case '?':
			if (i > 0 && p[i - 1] == '?')
				put(c, "\\?", 2);
			else
				putch(c, '?');
			break;
		default:
			if (ch >= ' ' && ch <= '~') {
				putch(c, (char)ch);
			} else {
				b[0] = '\\';
				b[1] = (char)('0' + (ch >> 6));
				b[2] = (char)('0' + (ch >> 3 & 7));
				b[3] = (char)('0' + (ch & 7));
				put(c, b, 4);
			}
		}
	}
}

static void
put_hexdump(struct fk_console *c, int dir, const uint8_t *p, size_t len)
{
	char row[80];

	putstr(c, marker[dir]);
	putstr(c, "   |  0  1  2  3  4  5  6  7  8  9  A  B  C  D  E  F |\n"
	    "-------+-------------------------------------------------+"
	    "----------------\n");
	for (size_t i = 0; i < len; i += 16) {
		size_t j, n;

		putf(c, "0x%04zx | ", i);
		for (j = i, n = 0; j < i + 16; j++) {
			if (j < len) {
				row[n++] = hexu[p[j] >> 4];
				row[n++] = hexu[p[j] & 15];
			} else {
				row[n++] = ' ';
				row[n++] = ' ';
			}
			row[n++] = ' ';
		}
		row[n++] = '|';
		row[n++] = ' ';
		for (j = i; j < i + 16 && j < len; j++)
			row[n++] = p[j] >= ' ' && p[j] <= '~' ? (char)p[j] : '.';
		row[n++] = '\n';
		put(c, row, n);
	}
	putf(c, "Packet length: 0x%04zx (%5zu) bytes\n", len, len);
}

/*
 * tcpreen's formats for one chunk.  A colour ends before the chunk's last
 * newline, so that every line starts uncoloured.
 */
static void
tcpreen_chunk(struct fk_console *c, struct fk_con_flow *f, int dir,
    const uint8_t *p, size_t len)
{
	int nl = 0;

	if (c->format == FK_CON_NULL)
		return;
	switch_to(c, f);
	ensure_bol(c);
	color(c, f, dir);
	switch (c->format) {
	case FK_CON_STRIP:
	case FK_CON_RAW:
		putstr(c, marker[dir]);
		if (p[len - 1] == '\n')
			nl = 1, len--;
		if (c->format == FK_CON_RAW) {
			put(c, p, len);
			break;
		}
		for (size_t i = 0; i < len; i++) {
			uint8_t ch = p[i];

			if (ch == '\r')
				continue;
			putch(c, (ch >= ' ' && ch <= '~') || ch == '\n' ?
			    (char)ch : '.');
		}
		break;
	case FK_CON_C:
		putstr(c, marker[dir]);
		put_cstring(c, p, len);
		nl = 1;
		break;
	case FK_CON_HEXDUMP:
		put_hexdump(c, dir, p, len);
		nl = 1;
		break;
	case FK_CON_COUNT:
		putstr(c, marker[dir]);
		putf(c, "%zu bytes", len);
		nl = 1;
		break;
	}
	uncolor(c);
	if (nl)
		putch(c, '\n');
}

static void
tcpreen_note(struct fk_console *c, struct fk_con_flow *f, int dir,
    const char *note)
{
	if (c->format == FK_CON_NULL)
		return;
	switch_to(c, f);
	ensure_bol(c);
	color(c, f, dir);
	putstr(c, marker[dir]);
	putstr(c, note);
	uncolor(c);
	putch(c, '\n');
}

/* Password scanner. */

/*
 * Decode base64 as login lines carry it: trailing '=' and spaces
 * dropped, padding optional, a lone last character ignored if it is
 * base64; -1 if it is not base64 or is empty.
 */
static long
b64decode(uint8_t *out, size_t cap, const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == '=' || s[n - 1] == ' '))
		n--;
	if (n == 0)
		return -1;
	if (n % 4 == 1) {
		const char q[4] = { s[n - 1], 'A', 'A', 'A' };
		uint8_t t[3];

		if (fk_b64_decode(t, sizeof(t), q, sizeof(q)) < 0)
			return -1;
		n--;
	}
	return fk_b64_decode(out, cap, s, n);
}

/* User and password bytes: printable ASCII, others as \xHH, '\' as \\. */
static void
put_escaped(struct fk_console *c, const char *p, size_t n)
{
	char b[8];

	for (size_t i = 0; i < n; i++) {
		uint8_t ch = (uint8_t)p[i];

		if (ch == '\\')
			put(c, "\\\\", 2);
		else if (ch >= ' ' && ch <= '~')
			putch(c, (char)ch);
		else {
			snprintf(b, sizeof(b), "\\x%02x", ch);
			put(c, b, 4);
		}
	}
}

static void
pw_report(struct fk_console *c, struct fk_con_flow *f, int dir,
    const char *label, const char *user, size_t ulen, const char *pass,
    size_t plen)
{
	ensure_bol(c);
	color(c, f, dir);
	put_name(c, dir_name(f, dir));
	put(c, ": ", 2);
	putstr(c, label);
	putch(c, ' ');
	put_escaped(c, user, ulen);
	putch(c, ':');
	put_escaped(c, pass, plen);
	uncolor(c);
	putch(c, '\n');
}

/* A case-insensitive keyword followed by a space or the end: its length. */
static size_t
keyword(const char *s, size_t n, const char *kw)
{
	size_t k = strlen(kw);

	if (n < k || strncasecmp(s, kw, k) != 0 || (n > k && s[k] != ' '))
		return 0;
	return k;
}

static size_t
skip_sp(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

/* SASL PLAIN: authzid NUL authcid NUL passwd. */
static void
pw_plain(struct fk_console *c, struct fk_con_flow *f, int dir, const char *s,
    size_t n)
{
	uint8_t b[PW_LINE];
	long m = b64decode(b, sizeof(b), s, n);
	uint8_t *z1, *z2;

	if (m < 0 || (z1 = memchr(b, 0, (size_t)m)) == NULL ||
	    (z2 = memchr(z1 + 1, 0, (size_t)(b + m - (z1 + 1)))) == NULL)
		return;
	pw_report(c, f, dir, "PLAIN", (char *)z1 + 1, (size_t)(z2 - z1 - 1),
	    (char *)z2 + 1, (size_t)(b + m - (z2 + 1)));
}

/* IMAP astring: atom or "quoted" (\" and \\ escapes); into out. */
static size_t
imap_astring(const char *s, size_t n, size_t i, char *out, size_t *olen)
{
	size_t o = 0;

	if (i < n && s[i] == '"') {
		for (i++; i < n && s[i] != '"'; i++) {
			if (s[i] == '\\' && i + 1 < n)
				i++;
			out[o++] = s[i];
		}
		if (i < n)
			i++;
	} else {
		while (i < n && s[i] != ' ')
			out[o++] = s[i++];
	}
	*olen = o;
	return i;
}

static const char *
userpass_label(const struct fk_con_flow *f, int dir)
{
	unsigned port;

	if (!f->have_open)
		return "USER/PASS";
	port = dir == FK_DIR_AB ? f->open.port_b : f->open.port_a;
	return port == 21 ? "FTP" : port == 110 ? "POP3" : "USER/PASS";
}

static void
pw_line(struct fk_console *c, struct fk_con_flow *f, int dir,
    struct pw_dir *d, const char *s, size_t n)
{
	char u[PW_LINE], p[PW_LINE];
	uint8_t b[PW_LINE];
	size_t k, i, ulen, plen;
	long m;

	if (d->plain) {
		d->plain = 0;
		pw_plain(c, f, dir, s, n);
		return;
	}
	if (d->login == 1) {
		m = b64decode(b, sizeof(b) < PW_USER ? sizeof(b) : PW_USER,
		    s, n);
		if (m < 0) {
			d->login = 0;
			return;
		}
		memcpy(d->user, b, (size_t)m);
		d->userlen = (size_t)m;
		d->have_user = 1;
		d->login = 2;
		return;
	}
	if (d->login == 2) {
		d->login = 0;
		if ((m = b64decode(b, sizeof(b), s, n)) >= 0)
			pw_report(c, f, dir, "LOGIN", d->user, d->userlen,
			    (char *)b, (size_t)m);
		d->have_user = 0;
		return;
	}
	if ((k = keyword(s, n, "USER")) > 0) {
		i = skip_sp(s, n, k);
		d->userlen = n - i < PW_USER ? n - i : PW_USER;
		memcpy(d->user, s + i, d->userlen);
		d->have_user = 1;
		return;
	}
	if ((k = keyword(s, n, "PASS")) > 0) {
		i = skip_sp(s, n, k);
		pw_report(c, f, dir, userpass_label(f, dir), d->user,
		    d->have_user ? d->userlen : 0, s + i, n - i);
		d->have_user = 0;
		return;
	}
	/* SMTP/POP3 AUTH, or an IMAP tag and AUTHENTICATE / LOGIN */
	i = 0;
	if ((k = keyword(s, n, "AUTH")) == 0) {
		while (i < n && s[i] != ' ')
			i++;
		i = skip_sp(s, n, i);
		if ((k = keyword(s + i, n - i, "LOGIN")) > 0 && i > 0) {
			i = skip_sp(s, n, i + k);
			i = imap_astring(s, n, i, u, &ulen);
			i = skip_sp(s, n, i);
			if (i < n) {
				imap_astring(s, n, i, p, &plen);
				pw_report(c, f, dir, "IMAP", u, ulen, p, plen);
			}
			return;
		}
		k = i > 0 ? keyword(s + i, n - i, "AUTHENTICATE") : 0;
	}
	if (k > 0) {
		i = skip_sp(s, n, i + k);
		if ((k = keyword(s + i, n - i, "PLAIN")) > 0) {
			i = skip_sp(s, n, i + k);
			if (i < n)
				pw_plain(c, f, dir, s + i, n - i);
			else
				d->plain = 1;
		} else if ((k = keyword(s + i, n - i, "LOGIN")) > 0) {
			i = skip_sp(s, n, i + k);
			d->login = 1;
			if (i < n)
				pw_line(c, f, dir, d, s + i, n - i);
		}
		return;
	}
	/* HTTP Basic */
	if ((k = strlen("Authorization:"), n >= k &&
	    strncasecmp(s, "Authorization:", k) == 0) ||
	    (k = strlen("Proxy-Authorization:"), n >= k &&
	    strncasecmp(s, "Proxy-Authorization:", k) == 0)) {
		i = skip_sp(s, n, k);
		if ((k = keyword(s + i, n - i, "Basic")) == 0)
			return;
		i = skip_sp(s, n, i + k);
		if ((m = b64decode(b, sizeof(b), s + i, n - i)) < 0)
			return;
		uint8_t *colon = memchr(b, ':', (size_t)m);
		if (colon == NULL)
			return;
		pw_report(c, f, dir, "HTTP", (char *)b, (size_t)(colon - b),
		    (char *)colon + 1, (size_t)(b + m - (colon + 1)));
	}
}

static void
pw_feed(struct fk_console *c, struct fk_con_flow *f, int dir,
    const uint8_t *p, size_t len)
{
	struct pw_dir *d;

	if (f->pw == NULL)
		f->pw = fk_calloc(2, sizeof(*f->pw));
	d = &f->pw[dir];
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\n') {
			if (!d->skip) {
				if (d->n > 0 && d->line[d->n - 1] == '\r')
					d->n--;
				pw_line(c, f, dir, d, d->line, d->n);
			}
			d->n = 0;
			d->skip = 0;
		} else if (!d->skip) {
			if (d->n == PW_LINE)
				d->skip = 1;
			else
				d->line[d->n++] = (char)p[i];
		}
	}
}

/* Records. */

static void
show_data(struct fk_console *c, const struct fk_data *x)
{
	struct fk_con_flow *f = get_flow(c, x->flow_id);
	int dir = x->dir;
	size_t len = x->len;

	f->bytes[dir] += x->len;
	if (c->maxbytes >= 0) {
		if (f->printed[dir] >= (uint64_t)c->maxbytes)
			return;
		if (len > (uint64_t)c->maxbytes - f->printed[dir])
			len = (size_t)((uint64_t)c->maxbytes - f->printed[dir]);
	}
	if (len == 0)
		return;
	f->printed[dir] += len;
	if (c->format == FK_CON_TCPFLOW)
		tcpflow_chunk(c, f, dir, x->data, len);
	else if (c->format == FK_CON_PASSWORD)
		pw_feed(c, f, dir, x->data, len);
	else
		tcpreen_chunk(c, f, dir, x->data, len);
}

static void
show_note(struct fk_console *c, struct fk_con_flow *f, int dir,
    const char *note)
{
	if (c->maxbytes >= 0 && f->printed[dir] >= (uint64_t)c->maxbytes)
		return;
	if (c->format == FK_CON_TCPFLOW)
		tcpflow_note(c, f, dir, note);
	else if (c->format != FK_CON_PASSWORD)
		tcpreen_note(c, f, dir, note);
}

static void
con_open(struct fk_stage *sg, const struct fk_open *o)
{
	if (o->flow_id != 0)
		open_flow(sg->arg, o);
}

static void
con_name(struct fk_stage *sg, const struct fk_name *nm)
{
	if (nm->flow_id != 0)
		set_name(get_flow(sg->arg, nm->flow_id), nm->dir, nm->name,
		    nm->len);
}

static void
con_data(struct fk_stage *sg, const struct fk_data *x)
{
	if (x->flow_id != 0)
		show_data(sg->arg, x);
}

static void
con_gap(struct fk_stage *sg, const struct fk_gap *g)
{
	struct fk_console *c = sg->arg;
	struct fk_con_flow *f;
	char note[128];

	if (g->flow_id == 0)
		return;
	f = get_flow(c, g->flow_id);
	if (f->pw != NULL) {
		f->pw[g->dir].skip = 1;	/* the line is cut */
		f->pw[g->dir].n = 0;
	}
	if ((c->flags & FK_CON_MARKS) && g->len > 0) {
		snprintf(note, sizeof(note), "[%llu bytes missing]",
		    (unsigned long long)g->len);
		show_note(c, f, g->dir, note);
	}
}

static void
con_overlap(struct fk_stage *sg, const struct fk_overlap *v)
{
	struct fk_console *c = sg->arg;
	char note[128];

	if (v->flow_id == 0 || !(c->flags & FK_CON_MARKS))
		return;
	snprintf(note, sizeof(note), "[%u bytes at offset %llu sent "
	    "again with other contents, not shown]", v->len,
	    (unsigned long long)v->offset);
	show_note(c, get_flow(c, v->flow_id), v->dir, note);
}

static void
con_close(struct fk_stage *sg, const struct fk_close *cl)
{
	struct fk_console *c = sg->arg;
	struct fk_con_flow *f;

	if (cl->flow_id != 0 &&
	    (f = fk_idmap_get(&c->flows, cl->flow_id)) != NULL)
		close_flow(c, f);
}

static const struct fk_stage_ops con_ops = {
	.open = con_open, .name = con_name, .data = con_data, .gap = con_gap,
	.overlap = con_overlap, .close = con_close,
	.needs = "stream records in the input: put reasm before this stage",
};

void
fk_con_run(struct fk_console *c, struct fk_in *in)
{
	fk_stage_run(in, NULL, &con_ops, c);
}

void
fk_con_finish(struct fk_console *c)
{
	struct fk_con_flow *f;

	while ((f = oldest(c)) != NULL)
		close_flow(c, f);
	flush(c);
}

void
fk_con_free(struct fk_console *c)
{
	struct fk_con_flow *f;

	while ((f = oldest(c)) != NULL)
		free_flow(c, f);
	fk_idmap_free(&c->flows);
	free(c->buf);
	c->buf = NULL;
}
