// EtherType values the decoders act on (Ethernet, Linux cooked headers, GRE and Geneve protocol types).

export const ETH_IPV4 = 0x0800;
export const ETH_ARP = 0x0806;
export const ETH_IPV6 = 0x86dd;
export const ETH_VLAN = 0x8100;
export const ETH_QINQ = 0x88a8;
export const ETH_QINQ_OLD = 0x9100;
export const ETH_MPLS = 0x8847;
export const ETH_MPLS_MCAST = 0x8848;
/** Transparent Ethernet bridging: an Ethernet frame follows (GRE, Geneve). */
export const ETH_BRIDGED = 0x6558;
export const ETH_ERSPAN_II = 0x88be;
export const ETH_ERSPAN_III = 0x22eb;
