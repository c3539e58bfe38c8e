/* SPDX-License-Identifier: MIT */
/*
 * fuzz_seqmap - libFuzzer harness for dp_seqmap, the per-consumer sequence
 * number / timestamp rewrite. The input is a list of 4-byte operations:
 *   byte 0 bits 0-1: 0/1 a packet, 2 resume (resync), 3 time passes
 *   byte 0 bits 2-3: the producer SSRC of the packet (one of four)
 *   byte 1-2: signed step of the producer's sequence number (packet) or
 *             milliseconds (time)
 *   byte 3:   timestamp step / 8
 * Invariants (abort() when broken):
 *  - no consumer sequence number is handed out twice at the same extended
 *    position (SRTP must never protect one index twice);
 *  - the first packet sent after a resume or a change of source is the
 *    newest number sent so far + 1;
 *  - within a run of one source without resync, out_seq - in_seq and
 *    out_ts - in_ts stay constant;
 *  - after a source change the timestamp moves forward;
 *  - dp_seqmap_unmap() inverts the packet just sent, and never inverts a
 *    number the map did not hand out in the current run.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dp_seqmap.h"

#define SLOTS (1u << 16)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t sent_at[SLOTS]; /* extended position + 1 */
	struct dp_seqmap m;
	uint16_t in = 1000;
	uint32_t ts = 5000;
	uint64_t now = 1000000000ull, ext_last = 1u << 20;
	int sync_pending = 1, have_run = 0;
	uint32_t run_ssrc = 0, prev_ssrc = 0;
	uint16_t run_seq_off = 0;
	uint32_t run_ts_off = 0;
	uint32_t positions[4096];
	unsigned int n_pos = 0;

	dp_seqmap_init(&m);
	for (size_t i = 0; i + 4 <= size && n_pos < 4096; i += 4) {
		const uint8_t *op = data + i;
		int16_t step = (int16_t)(op[1] << 8 | op[2]);
		uint32_t ssrc = 0x100u + ((op[0] >> 2) & 3u);
		switch (op[0] & 3) {
		case 2:
			dp_seqmap_resync(&m);
			sync_pending = 1;
			continue;
		case 3:
			now += (uint64_t)(uint16_t)step * 1000000ull;
			continue;
		default:
			break;
		}
		in = (uint16_t)(in + step);
		ts += (uint32_t)op[3] * 8u;
		uint16_t before = m.last_seq, os;
		uint32_t before_ts = m.last_ts, ots;
		int started = m.started;
		unsigned int old_run = m.old_run;
		int new_source = started && ssrc != m.src_ssrc;
		int restart = started && old_run >= DP_SEQMAP_RESTART;
		int expect_sync = started && (m.need_sync || new_source || restart);
		uint16_t probe = (uint16_t)(m.last_seq - (uint16_t)(op[3] * 5u)), back;
		if (dp_seqmap_unmap(&m, probe, &back) == 0 &&
		    (!started || (uint16_t)(probe - back) != m.seq_off))
			abort(); /* only the current offsets invert */
		if (dp_seqmap_map(&m, ssrc, in, ts, now, 90000, &os, &ots) != DP_SEQMAP_SEND) {
			if (expect_sync)
				abort(); /* a resync always sends */
			continue;
		}
		if (expect_sync) {
			if (os != (uint16_t)(before + 1))
				abort();
			if ((new_source || restart) && (int32_t)(ots - before_ts) <= 0)
				abort();
			sync_pending = 0;
			have_run = 0;
		}
		(void)sync_pending;
		if (dp_seqmap_unmap(&m, os, &back) != 0 || back != in)
			abort(); /* the packet just sent inverts */
		if (have_run && ssrc == run_ssrc) {
			if ((uint16_t)(os - in) != run_seq_off || ots - ts != run_ts_off)
				abort();
		}
		run_ssrc = ssrc;
		run_seq_off = (uint16_t)(os - in);
		run_ts_off = ots - ts;
		have_run = 1;
		prev_ssrc = ssrc;
		/* extended position of os */
		if (started && m.last_seq != before)
			ext_last += (uint16_t)(m.last_seq - before);
		uint64_t ext = ext_last - (uint16_t)(m.last_seq - os);
		if (sent_at[ext % SLOTS] == ext + 1)
			abort(); /* the same number twice */
		sent_at[ext % SLOTS] = ext + 1;
		positions[n_pos++] = (uint32_t)(ext % SLOTS);
	}
	(void)prev_ssrc;
	/* leave the table clean for the next input */
	for (unsigned int k = 0; k < n_pos; k++)
		sent_at[positions[k]] = 0;
	return 0;
}
