/* SPDX-License-Identifier: MIT */
/*
 * dp_demux.h - which protocol a UDP payload on a WebRTC port carries.
 *
 * RFC 7983 section 7 multiplexes STUN, DTLS and SRTP/SRTCP on one 5-tuple
 * and tells them apart by the first byte of the UDP payload:
 *
 *     0..3     STUN
 *     16..19   ZRTP          (not used by WebRTC: DP_DEMUX_UNKNOWN)
 *     20..63   DTLS
 *     64..79   TURN channel  (we are not a TURN server: DP_DEMUX_UNKNOWN)
 *     128..191 RTP or RTCP
 *
 * RTP and RTCP share a port (rtcp-mux, RFC 5761 section 4): the second byte
 * of RTCP is its packet type, 192..223 (FIR/NACK legacy .. SR, RR, SDES,
 * BYE, APP, RTPFB, PSFB, XR ...), which RTP never uses as marker + payload
 * type because payload types 64..95 are forbidden with rtcp-mux.
 *
 * Classification looks at one or two bytes only; it does not validate the
 * packet. A payload too short to be told apart (empty, or one byte for the
 * RTP/RTCP range) is DP_DEMUX_UNKNOWN. The parsers report short input of the
 * classified protocol themselves.
 */
#ifndef DP_DEMUX_H
#define DP_DEMUX_H

#include <stddef.h>
#include <stdint.h>

enum dp_demux {
	DP_DEMUX_UNKNOWN = 0,
	DP_DEMUX_STUN = 1,
	DP_DEMUX_DTLS = 2,
	DP_DEMUX_RTP = 3,
	DP_DEMUX_RTCP = 4,
};

/* Classify the UDP payload p[0..len). Pure; reads at most p[0] and p[1]. */
static inline enum dp_demux dp_demux_classify(const uint8_t *p, size_t len)
{
	if (len == 0)
		return DP_DEMUX_UNKNOWN;
	uint8_t b = p[0];
	if (b <= 3)
		return DP_DEMUX_STUN;
	if (b >= 20 && b <= 63)
		return DP_DEMUX_DTLS;
	if (b >= 128 && b <= 191) {
		if (len < 2)
			return DP_DEMUX_UNKNOWN;
		return (p[1] >= 192 && p[1] <= 223) ? DP_DEMUX_RTCP : DP_DEMUX_RTP;
	}
	return DP_DEMUX_UNKNOWN;
}

/* Static lower-case name of a class ("stun", "dtls", ...), for logs/tests. */
const char *dp_demux_name(enum dp_demux d);

#endif /* DP_DEMUX_H */
