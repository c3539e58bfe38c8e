/* SPDX-License-Identifier: MIT */
/* Names of the RFC 7983 classes (the classifier itself is inline). */
#include "dp_demux.h"

const char *dp_demux_name(enum dp_demux d)
{
	switch (d) {
	case DP_DEMUX_STUN: return "stun";
	case DP_DEMUX_DTLS: return "dtls";
	case DP_DEMUX_RTP: return "rtp";
	case DP_DEMUX_RTCP: return "rtcp";
	case DP_DEMUX_UNKNOWN: break;
	}
	return "unknown";
}
