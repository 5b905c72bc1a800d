/*
 * fk_addr.h - printing addresses: IPv4/IPv6 and Ethernet MAC.
 *
 * family is 4 or 6 as in struct fk_open; addr points at 4 or 16 bytes
 * in network order.  Every function writes a NUL-terminated string into
 * buf (truncated if len is too small) and returns buf.
 */
#ifndef FK_ADDR_H
#define FK_ADDR_H

#include <stddef.h>
#include <stdint.h>

#define FK_ADDR_STRLEN	48	/* enough for any address (IPv6: 46) */
#define FK_MAC_STRLEN	18	/* "00:11:22:33:44:55" + NUL */

/* "10.0.0.1", "2001:db8::1" (inet_ntop(3)); "?" for another family. */
char *fk_addr_str(char *buf, size_t len, int family, const uint8_t *addr);
/*
 * tcpflow's file-name form: IPv4 zero-padded to "010.000.000.001",
 * IPv6 as fk_addr_str().
 */
char *fk_addr_str_padded(char *buf, size_t len, int family,
    const uint8_t *addr);
/* "00:19:66:a7:83:b3" (lower-case hex, as tcpflow's %E). */
char *fk_mac_str(char *buf, size_t len, const uint8_t *mac);

#endif
