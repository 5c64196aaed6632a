/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Trimmed stand-in for <linux/if.h>, first on the BPF include path.
 * <linux/icmp.h> includes <linux/if.h>, which pulls <sys/socket.h> and the
 * rest of glibc into a BPF build (and fails without a BPF libc). ICMP only
 * needs IFNAMSIZ from it.
 */
#ifndef _LINUX_IF_H
#define _LINUX_IF_H
#define IFNAMSIZ 16
#endif
