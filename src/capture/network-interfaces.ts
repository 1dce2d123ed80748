// Capture devices as the kernel lists them (/sys/class/net), with flags, addresses and packet counters.
// Read without libpcap so the main thread never loads `cap` (only the capture worker may).

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { NetwatchError } from '../errors.js';

const SYS = '/sys/class/net';
const IFF_UP = 0x1;
const IFF_BROADCAST = 0x2;
const IFF_LOOPBACK = 0x8;
const IFF_POINTOPOINT = 0x10;
const IFF_RUNNING = 0x40;
const IFF_PROMISC = 0x100;
const IFF_MULTICAST = 0x1000;

export interface InterfaceInfo {
  name: string;
  index: number;
  flags: string[];
  up: boolean;
  loopback: boolean;
  operstate: string;
  mtu: number;
  mac: string;
  addresses: string[];
}

export interface InterfaceCounters {
  rxPackets: number;
  txPackets: number;
  rxDropped: number;
  /** Loopback: every packet is counted once sent and once received, and captured once. */
  loopback: boolean;
}

function readSys(name: string, file: string): string {
  try {
    return readFileSync(`${SYS}/${name}/${file}`, 'utf8').trim();
  } catch {
    return '';
  }
}

export function listInterfaces(): InterfaceInfo[] {
  let names: string[];
  try {
    names = readdirSync(SYS);
  } catch {
    names = Object.keys(networkInterfaces());
  }
  const addrs = networkInterfaces();
  const out: InterfaceInfo[] = names.map((name) => {
    const f = parseInt(readSys(name, 'flags') || '0', 16);
    const flags: string[] = [];
    if (f & IFF_UP) flags.push('UP');
    if (f & IFF_RUNNING) flags.push('RUNNING');
    if (f & IFF_LOOPBACK) flags.push('LOOPBACK');
    if (f & IFF_BROADCAST) flags.push('BROADCAST');
    if (f & IFF_POINTOPOINT) flags.push('POINTOPOINT');
    if (f & IFF_MULTICAST) flags.push('MULTICAST');
    if (f & IFF_PROMISC) flags.push('PROMISC');
    return {
      name,
      index: Number(readSys(name, 'ifindex') || 0),
      flags,
      up: (f & IFF_UP) !== 0,
      loopback: (f & IFF_LOOPBACK) !== 0,
      operstate: readSys(name, 'operstate') || 'unknown',
      mtu: Number(readSys(name, 'mtu') || 0),
      mac: readSys(name, 'address'),
      addresses: (addrs[name] ?? []).map((a) => a.cidr ?? a.address),
    };
  });
  return out.sort((a, b) => a.index - b.index);
}

/** The first interface that is up, not loopback, and has carrier (or does not report it). */
export function defaultInterface(): string {
  const candidates = listInterfaces().filter((i) => i.up && !i.loopback && i.operstate !== 'down');
  const withAddress = candidates.find((i) => i.addresses.length > 0);
  const pick = withAddress ?? candidates[0];
  if (pick === undefined) {
    throw new NetwatchError('NW_ERR_NO_INTERFACE',
      'no interface is up apart from loopback: name one with -i (see `netwatch interfaces`)');
  }
  return pick.name;
}

/** Throws a usage error naming the interface when the kernel does not know it ("any" is libpcap's pseudo-device). */
export function assertInterfaceExists(name: string): void {
  if (name === 'any' || existsSync(`${SYS}/${name}`)) return;
  if (!existsSync(SYS) && networkInterfaces()[name] !== undefined) return;
  const known = listInterfaces().map((i) => i.name).join(', ');
  throw new NetwatchError('NW_ERR_UNKNOWN_INTERFACE', `unknown interface "${name}" (available: ${known}, any)`);
}

/** The kernel's packet counters for the interface, or null when it has none (the "any" device). */
export function readInterfaceCounters(name: string): InterfaceCounters | null {
  const rx = readSys(name, 'statistics/rx_packets');
  if (rx === '') return null;
  return {
    rxPackets: Number(rx),
    txPackets: Number(readSys(name, 'statistics/tx_packets')),
    rxDropped: Number(readSys(name, 'statistics/rx_dropped')),
    loopback: (parseInt(readSys(name, 'flags') || '0', 16) & IFF_LOOPBACK) !== 0,
  };
}

/** The kernel's index of the interface, or 0 when it does not exist (a recreated interface gets a new index). */
export function interfaceIndex(name: string): number {
  return Number(readSys(name, 'ifindex') || 0);
}
