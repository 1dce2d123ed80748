// Per table entry, the flow of the packet a later alert will name. A raise made at its packet marks that
// packet's flow as alerted (the engine does it, for the database's `--db-flows alerted`); a raise the
// once-a-second gate refused and made later (RaiseGate.drain) names an earlier packet, whose flow is
// marked here, while the flow table still holds it, and its serial is the alert's flow_id. Fixed arrays,
// written in place.

import type { FlowTable } from '../track/flow-table.js';

export class NamedFlows {
  /** Flow record of the entry's packet, -1 when it had none (ARP, a later IP fragment). */
  private readonly slots: Int32Array;
  /** That flow's serial: a record closed and reused since holds another flow. */
  private readonly serial: Float64Array;

  constructor(capacity: number) {
    this.slots = new Int32Array(capacity).fill(-1);
    this.serial = new Float64Array(capacity);
  }

  /** Entry s now names the packet whose flow record is flowSlot (or -1). */
  keep(s: number, flows: FlowTable, flowSlot: number): void {
    this.slots[s] = flowSlot;
    this.serial[s] = flowSlot >= 0 ? flows.serialOf(flowSlot) : 0;
  }

  /** Entry s's flow serial (its flow_id), 0 when its packet had no flow. */
  serialOf(s: number): number {
    return this.serial[s];
  }

  /** Marks entry s's flow as alerted, if it is still open in the table. */
  mark(s: number, flows: FlowTable): void {
    const f = this.slots[s];
    if (f >= 0 && flows.isUsed(f) && flows.serialOf(f) === this.serial[s]) flows.markAlerted(f);
  }
}
