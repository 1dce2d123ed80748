// LINKTYPE_* numbers (tcpdump.org/linktypes.html) that the decoder understands.

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;
/** OpenBSD's DLT_RAW and DLT_RAW on some old BSDs write these numbers instead of 101. */
export const LINKTYPE_RAW_ALT_12 = 12;
export const LINKTYPE_RAW_ALT_14 = 14;

/** Names used by `cap`'s open() return value, mapped to LINKTYPE numbers. */
export const CAP_LINK_NAMES: Readonly<Record<string, number>> = {
  ETHERNET: LINKTYPE_ETHERNET,
  NULL: LINKTYPE_NULL,
  LINKTYPE_NULL: LINKTYPE_NULL,
  RAW: LINKTYPE_RAW,
  IEEE802_11_RADIO: 127,
  LINUX_SLL: LINKTYPE_LINUX_SLL,
  // What cap actually returns for Linux cooked capture (the "any" device).
  LINKTYPE_LINUX_SLL: LINKTYPE_LINUX_SLL,
};

export function linkTypeName(lt: number): string {
  switch (lt) {
    case LINKTYPE_NULL: return 'null';
    case LINKTYPE_ETHERNET: return 'ethernet';
    case LINKTYPE_RAW: case LINKTYPE_RAW_ALT_12: case LINKTYPE_RAW_ALT_14: return 'raw-ip';
    case LINKTYPE_LOOP: return 'loop';
    case LINKTYPE_LINUX_SLL: return 'linux-sll';
    case LINKTYPE_LINUX_SLL2: return 'linux-sll2';
    case LINKTYPE_IPV4: return 'ipv4';
    case LINKTYPE_IPV6: return 'ipv6';
    default: return `linktype-${lt}`;
  }
}
