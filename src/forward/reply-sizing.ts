// The reply a client gets from an upstream reply (pure but for the bytes it patches when it owns
// them): the client's ID and question spelling, TC per SetTruncateBit, within the client's size.
import type { ForwardRequest } from './types.js';
import {
  bareOptOf,
  buildMinimalReply,
  copyQuestionSpelling,
  EdnsOption,
  encodeOpt,
  Flag,
  parseLayout,
  setFlag,
  setId,
  truncateToFit,
  withoutEdnsOptions,
} from './wire.js';
import type { MessageLayout } from './wire.js';

export interface SizingRules {
  readonly setTruncateBit: boolean;
  /** Called when the reply was too big for the client. */
  readonly onTruncated: () => void;
}

/**
 * The reply for this client. `owned`: the bytes are this call's to patch (a cache hit's copy);
 * otherwise they are copied first.
 */
export function replyForClient(
  bytes: Uint8Array,
  layout: MessageLayout,
  request: ForwardRequest,
  owned: boolean,
  rules: SizingRules,
): Uint8Array {
  const queryLayout = request.layout;
  if (layout.qdcount === 0) {
    // An error reply without a question (FORMERR/NOTIMP…): relay its rcode with the client's question.
    return buildMinimalReply(request.query, queryLayout, {
      rcode: layout.rcode,
      extraFlags: layout.flags & (Flag.AA | Flag.RA),
    });
  }
  const out = owned ? bytes : Buffer.from(bytes);
  setId(out, queryLayout.id);
  copyQuestionSpelling(out, layout, request.query, queryLayout);
  if (!rules.setTruncateBit) setFlag(out, Flag.TC, false);
  if (out.length <= request.maxSize) return out;
  rules.onTruncated();
  const opt = queryLayout.opt
    ? layout.opt
      ? bareOptOf(out, layout.opt)
      : encodeOpt({ doBit: queryLayout.opt.doBit })
    : undefined;
  if (rules.setTruncateBit) {
    // RFC 2181 §9 / RFC 1035: too big for UDP → no records and TC, the client retries over TCP.
    return buildMinimalReply(request.query, queryLayout, {
      rcode: layout.rcode,
      extraFlags: (layout.flags & (Flag.AA | Flag.RA | Flag.AD)) | Flag.TC,
      ...(opt ? { opt } : {}),
    });
  }
  // TC turned off by the operator: keep as many whole records as fit, like Mesos-DNS.
  return truncateToFit(out, layout, request.maxSize, opt);
}

export interface SharedReply {
  readonly bytes: Uint8Array;
  readonly layout: MessageLayout;
}

/**
 * The reply as other clients (and the cache) may receive it: without the EDNS cookie meant for the
 * client that asked; undefined when the cookie cannot be removed safely.
 */
export function shareableReply(bytes: Buffer, layout: MessageLayout): SharedReply | undefined {
  const stripped = withoutEdnsOptions(bytes, layout, [EdnsOption.COOKIE]);
  if (!stripped) return undefined;
  if (stripped === bytes) return { bytes, layout };
  const parsed = parseLayout(stripped);
  return parsed.ok ? { bytes: stripped, layout: parsed.layout } : undefined;
}
