/* inffast.c for cbox's zlib build: zlib's inflate_fast() with a 64-bit bit buffer
 * refilled 8 bytes at a time and matches copied 8 bytes at a time.
 *
 * Same contract as zlib's own inffast.c (the recipe puts this file in its place):
 * entered with state->mode == LEN, avail_in >= 6, avail_out >= 258, bits < 8; decodes
 * literals and matches until end of block, an error, or too little input (fewer than 6
 * bytes) or output room (fewer than 258 bytes) for one more symbol; gives back the
 * whole bytes it read ahead. Needs a 64-bit unsigned long (x86_64, aarch64: LP64).
 * Decompressing layers is the critical path of a pull: this is ~1.5x zlib's loop. */
#include <limits.h>
#include <string.h>

#include "zutil.h"
#include "inftrees.h"
#include "inflate.h"
#include "inffast.h"

#if ULONG_MAX >> 63 != 1
#error "zlib-inffast.c wants a 64-bit unsigned long"
#endif

typedef unsigned long bitbuf;

static bitbuf load64(const unsigned char *p)
{
	unsigned long long v;
	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return (bitbuf)v;
}

/* Copy a match of len bytes from `from` (dist = out - from bytes back) to out. room is
 * how many bytes may be written at out (at least len); 8-byte steps may write up to 7
 * bytes past the match, which the next symbols overwrite. */
static inline __attribute__((always_inline)) unsigned char *copy_match(unsigned char *out, const unsigned char *from, unsigned len, unsigned dist,
				 size_t room)
{
	unsigned char *stop = out + len;
	if (dist >= 8 && room >= (size_t)len + 8) {
		do {
			memcpy(out, from, 8);
			out += 8;
			from += 8;
		} while (out < stop);
		return stop;
	}
	if (dist == 1) {
		memset(out, *from, len);
		return stop;
	}
	while (out < stop)
		*out++ = *from++;
	return stop;
}

void ZLIB_INTERNAL inflate_fast(z_streamp strm, unsigned start)
{
	struct inflate_state FAR *state = (struct inflate_state FAR *)strm->state;
	z_const unsigned char *in = strm->next_in;
	z_const unsigned char *in_end = in + strm->avail_in;
	z_const unsigned char *last = in + (strm->avail_in - 5); /* >= 6 bytes left while in < last */
	unsigned char *out = strm->next_out;
	unsigned char *beg = out - (start - strm->avail_out);   /* inflate()'s first output byte */
	unsigned char *out_end = out + strm->avail_out;
	unsigned char *end = out + (strm->avail_out - 257);     /* room for a 258-byte match while out < end */
	unsigned wsize = state->wsize, whave = state->whave, wnext = state->wnext;
	unsigned char FAR *window = state->window;
	bitbuf hold = state->hold;
	unsigned bits = state->bits;
	code const FAR *lcode = state->lencode;
	code const FAR *dcode = state->distcode;
	bitbuf lmask = (1UL << state->lenbits) - 1;
	bitbuf dmask = (1UL << state->distbits) - 1;
	code here;
	unsigned op, len, dist;

	do {
		/* One refill covers a whole symbol: length code 15 + extra 5 + distance code
		 * 15 + extra 13 = 48 bits. The bits above `bits` may hold the start of the next
		 * byte already; loading it again at the same place ORs in the same bits. */
		if (in_end - in >= 8) {
			hold |= load64(in) << bits;
			op = (63 - bits) >> 3;
			in += op;
			bits += op << 3;
		} else {
			while (bits <= 56 && in < in_end) {
				hold |= (bitbuf)*in++ << bits;
				bits += 8;
			}
		}
		here = lcode[hold & lmask];
	dolen:
		op = here.bits;
		hold >>= op;
		bits -= op;
		op = here.op;
		if (op == 0) { /* literal */
			*out++ = (unsigned char)here.val;
			continue;
		}
		if (!(op & 16)) {
			if (!(op & 64)) { /* second-level length code */
				here = lcode[here.val + (hold & ((1UL << op) - 1))];
				goto dolen;
			}
			if (op & 32) { /* end of block */
				state->mode = TYPE;
				break;
			}
			strm->msg = (char *)"invalid literal/length code";
			state->mode = BAD;
			break;
		}
		len = here.val;
		op &= 15;
		len += (unsigned)(hold & ((1UL << op) - 1));
		hold >>= op;
		bits -= op;
		here = dcode[hold & dmask];
	dodist:
		op = here.bits;
		hold >>= op;
		bits -= op;
		op = here.op;
		if (!(op & 16)) {
			if (!(op & 64)) { /* second-level distance code */
				here = dcode[here.val + (hold & ((1UL << op) - 1))];
				goto dodist;
			}
			strm->msg = (char *)"invalid distance code";
			state->mode = BAD;
			break;
		}
		dist = here.val;
		op &= 15;
		dist += (unsigned)(hold & ((1UL << op) - 1));
		hold >>= op;
		bits -= op;
		op = (unsigned)(out - beg); /* bytes of this call's output: the match may start there */
		if (dist <= op) {
			out = copy_match(out, out - dist, len, dist, (size_t)(out_end - out));
			continue;
		}
		/* The first op bytes come from the sliding window (the output of earlier calls). */
		op = dist - op;
		if (op > whave) {
			strm->msg = (char *)"invalid distance too far back";
			state->mode = BAD;
			break;
		}
		unsigned char FAR *from;
		if (wnext >= op) { /* contiguous, before the write position */
			from = window + wnext - op;
		} else { /* wraps: the tail of the window, then its start */
			from = window + wsize + wnext - op;
			op -= wnext;
			if (op < len) {
				memcpy(out, from, op);
				out += op;
				len -= op;
				from = window;
				op = wnext;
			}
		}
		if (op < len) {
			memcpy(out, from, op);
			out += op;
			len -= op;
			out = copy_match(out, out - dist, len, dist, (size_t)(out_end - out));
		} else {
			memcpy(out, from, len);
			out += len;
		}
	} while (in < last && out < end);

	/* give back the whole bytes read ahead; keep only the valid bits */
	len = bits >> 3;
	in -= len;
	bits -= len << 3;
	hold &= (1UL << bits) - 1;
	strm->next_in = in;
	strm->next_out = out;
	strm->avail_in = (unsigned)(in_end - in);
	strm->avail_out = (unsigned)(out_end - out);
	state->hold = hold;
	state->bits = bits;
}
