/* fk_addr.c - printing addresses, see fk_addr.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>

#include "fk_addr.h"

char *
fk_addr_str(char *buf, size_t len, int family, const uint8_t *addr)
{
	if (len == 0)
		return buf;
	if (family == 4)
		snprintf(buf, len, "%u.%u.%u.%u", addr[0], addr[1], addr[2],
		    addr[3]);
	else if (family != 6 || len > (size_t)(socklen_t)-1 ||
	    inet_ntop(AF_INET6, addr, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

char *
fk_addr_str_padded(char *buf, size_t len, int family, const uint8_t *addr)
{
	if (family == 4 && len >= 16) {
		/* "%03u.%03u.%03u.%03u", by hand: it names every flow */
		for (int i = 0; i < 4; i++) {
			buf[4 * i] = (char)('0' + addr[i] / 100);
			buf[4 * i + 1] = (char)('0' + addr[i] / 10 % 10);
			buf[4 * i + 2] = (char)('0' + addr[i] % 10);
			buf[4 * i + 3] = i < 3 ? '.' : '\0';
		}
		return buf;
	}
	if (family == 4 && len > 0) {
		snprintf(buf, len, "%03u.%03u.%03u.%03u", addr[0], addr[1],
		    addr[2], addr[3]);
		return buf;
	}
	return fk_addr_str(buf, len, family, addr);
}

char *
fk_mac_str(char *buf, size_t len, const uint8_t *m)
{
	if (len > 0)
		snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
		    m[2], m[3], m[4], m[5]);
	return buf;
}
