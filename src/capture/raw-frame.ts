// The one reused descriptor of a captured frame: where its bytes are, when it arrived, how long it was on the wire.

export class RawFrame {
  /** Buffer holding the frame; the frame is data[offset, offset + capLen). */
  data: Uint8Array = new Uint8Array(0);
  offset = 0;
  capLen = 0;
  wireLen = 0;
  /** Arrival time: whole seconds since the epoch, and nanoseconds within the second. */
  tsSec = 0;
  tsNsec = 0;
  /** LINKTYPE_* value of the interface the frame came from. */
  linkType = 0;
  /** 1-based position in its source (pcap_cnt in Suricata's terms). */
  index = 0;
}
