/* fk_name.c - tcpflow-compatible flow file names, see fk_name.h. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fk_addr.h"
#include "fk_decode.h"
#include "fk_hash.h"
#include "fk_name.h"
#include "fk_text.h"
#include "fk_util.h"

static const char tokens[] = "AaBbEeTtVvUuOoCc#NKMGS%";

const char *
fk_name_template_check(const char *t)
{
	struct fk_open o;
	struct fk_name_vars v;
	char buf[FK_NAME_MAX];
	size_t i;

	if (*t == '\0')
		return "empty template";
	for (i = 0; t[i] != '\0'; i++) {
		if (t[i] != '%')
			continue;
		if (t[i + 1] == '\0')
			return "template ends with %";
		if (strchr(tokens, t[i + 1]) == NULL)
			return "unknown % token in template";
		i++;
	}
	/* Expand for a sample flow: literal '..', '/x' and the like fail. */
	memset(&o, 0, sizeof(o));
	memset(&v, 0, sizeof(v));
	o.family = 4;
	o.flags = FK_OPEN_F_VLAN;
	v.count = 1;
	if (fk_name_expand(buf, sizeof(buf), t, &o, FK_DIR_AB, &v) < 0)
		return "template makes an unsafe or too long name "
		    "(absolute, '.' or '..' component, empty component)";
	v.count = 0;
	o.flags = 0;
	if (fk_name_expand(buf, sizeof(buf), t, &o, FK_DIR_AB, &v) < 0)
		return "template makes an unsafe or empty name without a "
		    "VLAN or connection count";
	return NULL;
}

int
fk_name_template_counts(const char *t)
{
	for (; *t != '\0'; t++)
		if (*t == '%') {
			if (t[1] == 'c' || t[1] == '#')
				return 1;
			if (t[1] == '\0')
				break;
			t++;
		}
	return 0;
}

/* v in decimal, zero-padded to width digits (0: none), into tmp[24]. */
static void
dec(char *tmp, unsigned long long v, int width)
{
	char d[24];
	int n = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n < width)
		d[n++] = '0';
	for (int i = 0; i < n; i++)
		tmp[i] = d[n - 1 - i];
	tmp[n] = '\0';
}

int
fk_name_expand(char *buf, size_t len, const char *t, const struct fk_open *o,
    int dir, const struct fk_name_vars *v)
{
	const uint8_t *sa, *da, *se, *de, *so, *dout;
	uint16_t sp, dp;
	int vlan = (o->flags & FK_OPEN_F_VLAN) && !v->novlan;
	int eth = (o->flags & FK_OPEN_F_ETH) != 0;
	int tun = (o->flags & FK_OPEN_F_TUNNEL) != 0;
	static const uint8_t zero[6];
	size_t n = 0;
	char tmp[64];
	time_t ts = (time_t)(o->ts_ns / 1000000000u);
	struct tm tm;

	if (len == 0)
		return -1;
	if (dir == FK_DIR_AB) {
		sa = o->addr_a, da = o->addr_b, sp = o->port_a, dp = o->port_b;
		se = o->eth_a, de = o->eth_b;
		so = o->tun_addr_a, dout = o->tun_addr_b;
	} else {
		sa = o->addr_b, da = o->addr_a, sp = o->port_b, dp = o->port_a;
		se = o->eth_b, de = o->eth_a;
		so = o->tun_addr_b, dout = o->tun_addr_a;
	}
	if (!eth)
		se = de = zero;
	for (; *t != '\0'; t++) {
		size_t k;

		if (*t != '%') {
			tmp[0] = *t;
			tmp[1] = '\0';
		} else {
			tmp[0] = '\0';
			switch (*++t) {
			case 'A':
				fk_addr_str_padded(tmp, sizeof(tmp), o->family,
				    sa);
				break;
			case 'B':
				fk_addr_str_padded(tmp, sizeof(tmp), o->family,
				    da);
				break;
			case 'a':
				dec(tmp, sp, 5);
				break;
			case 'b':
				dec(tmp, dp, 5);
				break;
			case 'E':
				fk_mac_str(tmp, sizeof(tmp), se);
				break;
			case 'e':
				fk_mac_str(tmp, sizeof(tmp), de);
				break;
			case 'T':
				gmtime_r(&ts, &tm);
				strftime(tmp, sizeof(tmp),
				    "%Y-%m-%dT%H:%M:%SZ", &tm);
				break;
			case 't':
				dec(tmp, (unsigned long long)ts, 0);
				break;
			case 'V':
				if (vlan)
					snprintf(tmp, sizeof(tmp), "--");
				break;
			case 'v':
				if (vlan)
					dec(tmp, o->vlan, 0);
				break;
			case 'U':
				if (tun)
					snprintf(tmp, sizeof(tmp), "--");
				break;
			case 'u':
				if (tun)
					snprintf(tmp, sizeof(tmp), "%s-%016llx",
					    fk_tunnel_name(o->tun_type),
					    (unsigned long long)o->tun_id);
				break;
			case 'O':
				if (tun)
					fk_addr_str_padded(tmp, sizeof(tmp),
					    o->tun_family, so);
				break;
			case 'o':
				if (tun)
					fk_addr_str_padded(tmp, sizeof(tmp),
					    o->tun_family, dout);
				break;
			case 'C':
				if (v->count > 0)
					snprintf(tmp, sizeof(tmp), "c");
				break;
			case 'c':
				if (v->count > 0)
					dec(tmp, v->count, 0);
				break;
			case '#':
				dec(tmp, v->count, 0);
				break;
			case 'N':
				dec(tmp, v->number % 1000, 3);
				break;
			case 'K':
				dec(tmp, v->number / 1000 % 1000, 3);
				break;
			case 'M':
				dec(tmp, v->number / 1000000 % 1000, 3);
				break;
			case 'G':
				dec(tmp, v->number / 1000000000 % 1000, 3);
				break;
			case 'S':
				dec(tmp, v->session, 20);
				break;
			case '%':
				snprintf(tmp, sizeof(tmp), "%%");
				break;
			default:	/* unknown token or '%' at the end */
				return -1;
			}
		}
		k = strlen(tmp);
		if (k >= len - n)
			return -1;
		memcpy(buf + n, tmp, k);
		n += k;
	}
	buf[n] = '\0';
	return fk_name_safe(buf, n) ? (int)n : -1;
}

int
fk_name_default(char *buf, size_t len, const struct fk_open *o, int dir)
{
	struct fk_name_vars v;

	memset(&v, 0, sizeof(v));
	return fk_name_expand(buf, len, FK_NAME_TEMPLATE, o, dir, &v);
}

int
fk_name_safe(const char *name, size_t len)
{
	size_t i, start = 0;

	if (len == 0 || len >= FK_NAME_MAX || name[0] == '/' ||
	    name[len - 1] == '/')
		return 0;
	for (i = 0; i <= len; i++) {
		size_t step;

		/* C0, DEL and C1: names are printed in warnings too */
		if (i < len && fk_text_ctl((const unsigned char *)name + i,
		    len - i, &step))
			return 0;
		if (i < len && step > 1) {	/* a UTF-8 character */
			i += step - 1;
			continue;
		}
		if (i == len || name[i] == '/') {
			size_t cl = i - start;

			if (cl == 0 || (cl == 1 && name[start] == '.') ||
			    (cl == 2 && name[start] == '.' &&
			    name[start + 1] == '.'))
				return 0;
			start = i + 1;
		}
	}
	return 1;
}

size_t
fk_name_sanitize(char *buf, size_t len, const char *name, size_t namelen)
{
	size_t i = 0, n = 0;

	if (len < 2)
		return 0;
	if (len > FK_NAME_MAX)
		len = FK_NAME_MAX;
	while (i < namelen) {
		size_t s = i, cl;

		while (i < namelen && name[i] != '/')
			i++;
		cl = i - s;
		i++;			/* past the '/' */
		if (cl == 0 || (cl == 1 && name[s] == '.') ||
		    (cl == 2 && name[s] == '.' && name[s + 1] == '.'))
			continue;
		if (n > 0) {
			if (n + 2 >= len)
				break;
			buf[n++] = '/';
		}
		while (cl > 0 && n + 1 < len) {
			size_t step, k = fk_text_ctl(
			    (const unsigned char *)name + s, cl, &step);

			if (k > 0) {	/* one '_' a byte, as fk_console */
				buf[n++] = '_';
				step = 1;
			} else if (n + step < len) {
				memcpy(buf + n, name + s, step);
				n += step;
			} else
				break;	/* no half characters */
			s += step;
			cl -= step;
		}
	}
	while (n > 0 && buf[n - 1] == '/')
		n--;
	if (n == 0)
		buf[n++] = '_';
	buf[n] = '\0';
	return n;
}

/*
 * 1 if name[0..len) has a component longer than FK_NAME_COMP_MAX, or a
 * last one longer than lastmax.
 */
static int
long_component(const char *name, size_t len, size_t lastmax)
{
	size_t i, start = 0;

	for (i = 0; i <= len; i++)
		if (i == len || name[i] == '/') {
			if (i - start > (i == len ? lastmax : FK_NAME_COMP_MAX))
				return 1;
			start = i + 1;
		}
	return 0;
}

#define TAG_LEN	17	/* "~" and 16 hex digits */

/*
 * Shorten the safe name buf[0..n) (see fk_name_dup_safe) into out,
 * tagged with tag, its last component at most lastmax bytes; returns
 * the new length.
 */
static size_t
shorten(char *out, const char *buf, size_t n, const char *tag,
    size_t lastmax)
{
	size_t i, start = 0, o = 0, cl, max;
	int tagged = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && buf[i] != '/')
			continue;
		cl = i - start;
		max = i == n ? lastmax : FK_NAME_COMP_MAX;
		if (cl > max || (i == n && !tagged && cl + TAG_LEN > max))
			cl = max - TAG_LEN;
		memcpy(out + o, buf + start, cl);
		o += cl;
		if (cl < i - start || (i == n && !tagged)) {
			memcpy(out + o, tag, TAG_LEN);
			o += TAG_LEN;
			tagged = 1;
		}
		if (i < n)
			out[o++] = '/';
		start = i + 1;
	}
	out[o] = '\0';
	return o;
}

char *
fk_name_dup_safe(const char *name, size_t len, size_t reserve, size_t *lenp,
    int *sanitized)
{
	char buf[FK_NAME_MAX], out[FK_NAME_MAX], tag[TAG_LEN + 1], *d;
	static const char hex[] = "0123456789abcdef";
	size_t lastmax;
	int unsafe = !fk_name_safe(name, len);
	int toolong;

	if (reserve > FK_NAME_COMP_MAX - 2 * TAG_LEN)
		reserve = FK_NAME_COMP_MAX - 2 * TAG_LEN;
	lastmax = FK_NAME_COMP_MAX - reserve;
	toolong = len >= FK_NAME_MAX - reserve ||
	    long_component(name, len, lastmax);

	if (toolong) {
		/* Keyed by constants: the same hash in every process. */
		uint64_t h = fk_hash_keyed(0x666b6e616d65ULL, 0x73686f7274ULL,
		    name, len);

		tag[0] = '~';
		for (int i = 0; i < 16; i++)
			tag[1 + i] = hex[(h >> (60 - 4 * i)) & 15];
		tag[TAG_LEN] = '\0';
		/* Room for the tag on the last component. */
		len = fk_name_sanitize(buf, sizeof(buf) - TAG_LEN - reserve,
		    name, len);
		len = shorten(out, buf, len, tag, lastmax);
		if (!fk_name_safe(out, len)) {
			out[0] = '_';
			memcpy(out + 1, tag, TAG_LEN + 1);
			len = TAG_LEN + 1;
		}
		name = out;
		unsafe = 1;
	} else if (unsafe) {
		len = fk_name_sanitize(buf, sizeof(buf), name, len);
		name = buf;
	}
	d = fk_malloc(len + 1);
	memcpy(d, name, len);
	d[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	if (sanitized != NULL)
		*sanitized = unsafe;
	return d;
}
