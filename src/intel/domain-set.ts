// Domain indicators with exact and parent-domain match: "evil.example" also matches
// "a.b.evil.example". Names are hashed label by label from the end, so a lookup costs one hash
// probe per label and makes no string unless a hash matches (then the name is compared in full).

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a of a lower-case domain given as text, folded the same way as hashSuffixes walks wire names. */
function hashText(name: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

export class DomainSet {
  private readonly byHash = new Map<number, number[]>();
  private readonly names: string[] = [];
  private readonly values: number[] = [];
  private readonly text = new Uint8Array(256);
  private readonly labelStart = new Int32Array(128);
  /** The most labels any listed domain has: a query is looked up only by that many trailing suffixes. */
  private maxLabels = 0;

  get size(): number { return this.names.length; }

  /** Adds a domain (lower-cased, no trailing dot) with its value; false when it was already there. */
  add(domain: string, value: number): boolean {
    const d = domain.toLowerCase().replace(/\.$/, '');
    const h = hashText(d);
    const list = this.byHash.get(h);
    if (list?.some((i) => this.names[i] === d)) return false;
    const i = this.names.length;
    this.names.push(d);
    this.maxLabels = Math.max(this.maxLabels, d.split('.').length);
    this.values.push(value);
    if (list) list.push(i); else this.byHash.set(h, [i]);
    return true;
  }

  /** The value of the longest listed domain that is the name or a parent of it, or -1. */
  lookupText(name: string): number {
    const n = name.toLowerCase().replace(/\.$/, '');
    for (let start = 0; start < n.length;) {
      const s = start === 0 ? n : n.slice(start);
      const list = this.byHash.get(hashText(s));
      if (list) for (const i of list) if (this.names[i] === s) return this.values[i];
      const dot = n.indexOf('.', start);
      if (dot < 0) break;
      start = dot + 1;
    }
    return -1;
  }

  /**
   * The same for a DNS name in wire form (labels with length bytes, compression pointers followed),
   * read in place: the dotted lower-case text is assembled in a fixed buffer and only the suffixes of at
   * most as many labels as the longest listed domain are hashed. A name that does not end properly
   * (a compression loop, a pointer forwards, a dot inside a label) matches nothing.
   */
  lookupWire(d: Uint8Array, msg: number, nameOff: number): number {
    const t = this.text;
    const starts = this.labelStart;
    let n = 0;
    let labels = 0;
    let p = nameOff;
    let ended = false;
    for (let hops = 0; hops < 17 && p < d.length;) {
      const len = d[p];
      if (len === 0) { ended = true; break; }
      if ((len & 0xc0) === 0xc0) {
        if (p + 1 >= d.length) return -1;
        const to = msg + (((len & 0x3f) << 8) | d[p + 1]);
        // Compression points backwards only; anything else is a loop or garbage.
        if (to >= p) return -1;
        p = to;
        hops++;
        continue;
      }
      if (labels >= starts.length) return -1;
      if (n > 0) { if (n >= t.length) return -1; t[n++] = 0x2e; }
      starts[labels++] = n;
      for (let i = 1; i <= len; i++) {
        if (n >= t.length || p + i >= d.length) return -1;
        let c = d[p + i];
        if (c === 0x2e) return -1; // a dot inside a label would fake a parent domain
        if (c >= 0x41 && c <= 0x5a) c |= 0x20;
        t[n++] = c;
      }
      p += len + 1;
    }
    if (!ended) return -1;
    // Suffixes of at most maxLabels labels, longest first: bounded work whatever the name.
    for (let k = Math.max(0, labels - this.maxLabels); k < labels; k++) {
      const start = starts[k];
      let h = FNV_OFFSET;
      for (let i = start; i < n; i++) h = Math.imul(h ^ t[i], FNV_PRIME);
      const list = this.byHash.get(h >>> 0);
      if (list) {
        const s = String.fromCharCode(...t.subarray(start, n));
        for (const i of list) if (this.names[i] === s) return this.values[i];
      }
    }
    return -1;
  }
}
