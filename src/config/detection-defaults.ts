// Defaults for tracking and every detector, documented in docs/detectors.md; frozen so nothing changes them at run time.

import { AUTH_SERVICE_PORTS } from '../detect/feature-set.js';
import { deepFreeze } from './deep-freeze.js';

export interface DetectionConfig {
  flows: {
    capacity: number;
    timeouts: { tcpAttempt: number; tcpEstablished: number; tcpClosed: number; udp: number; icmp: number; other: number; active: number; fragment: number };
  };
  hosts: { capacity: number };
  alerts: { suppressSec: number; incidentIdleSec: number; maxIncidents: number };
  portScan: { windowSec: number; minPorts: number; maxOpenRatio: number };
  hostSweep: { windowSec: number; minHosts: number; maxAnsweredRatio: number };
  synFlood: { windowSec: number; minSyns: number; maxCompletedRatio: number; networkMinSyns: number; networkMinSources: number; networkMinDestinations: number };
  icmpFlood: { windowSec: number; minEchoRequests: number };
  udpFlood: { windowSec: number; minPackets: number; minBytes: number };
  reflection: { windowSec: number; minPackets: number; minSources: number; ports: number[] };
  unsolicitedSynAck: { windowSec: number; minSynAcks: number; minSources: number };
  bruteForce: { windowSec: number; minConnections: number; ports: number[] };
  slowloris: { minConnections: number; minAgeSec: number; maxBytesPerConnection: number; ports: number[] };
  dnsTunnel: { windowSec: number; minUniqueSubdomains: number; minLongLabels: number; longLabel: number; minEntropy: number; minRareTypeQueries: number };
  icmpTunnel: { windowSec: number; minEchoes: number; minMeanPayload: number; minDistinctPayloads: number };
  highTraffic: { factor: number; minBytes: number; minPackets: number; minHistoryWindows: number };
  rareService: { learnSec: number; minCountToBeCommon: number };
  arpSpoof: { claimMemorySec: number };
  /** The model's scoring (the model file holds its window, threshold and baselines). */
  anomaly: { hostCapacity: number; topFeatures: number; refreshWindows: number };
  /** Against the imported scan (netwatch assets import): new services always; attempts on unknown ports if set (1) or not (0). */
  assets: { alertUnexpectedPorts: number };
  /** The threat score per host (docs/intel.md): weights of the formula. */
  threatScore: {
    severityHigh: number; severityMedium: number; severityLow: number;
    attacker: number; victim: number; halfLifeHours: number; repeatBonus: number; intelListed: number; scale: number; lookbackDays: number;
  };
}

export const DETECTION_DEFAULTS: DetectionConfig = deepFreeze({
  flows: {
    capacity: 262144,
    timeouts: { tcpAttempt: 30, tcpEstablished: 300, tcpClosed: 2, udp: 60, icmp: 30, other: 60, active: 1800, fragment: 30 },
  },
  hosts: { capacity: 16384 },
  alerts: { suppressSec: 60, incidentIdleSec: 600, maxIncidents: 10000 },
  portScan: { windowSec: 60, minPorts: 50, maxOpenRatio: 0.2 },
  hostSweep: { windowSec: 60, minHosts: 30, maxAnsweredRatio: 0.5 },
  synFlood: { windowSec: 10, minSyns: 500, maxCompletedRatio: 0.1, networkMinSyns: 80, networkMinSources: 50, networkMinDestinations: 50 },
  icmpFlood: { windowSec: 10, minEchoRequests: 500 },
  udpFlood: { windowSec: 10, minPackets: 5000, minBytes: 0 },
  reflection: { windowSec: 10, minPackets: 100, minSources: 10, ports: [17, 19, 53, 69, 111, 123, 137, 161, 389, 500, 1900, 3702, 4500, 5353, 11211] },
  unsolicitedSynAck: { windowSec: 60, minSynAcks: 20, minSources: 2 },
  // Authentication services, the list the model's auth_conns_out counts: a config changes the detector's ports, never the feature's.
  bruteForce: { windowSec: 300, minConnections: 10, ports: [...AUTH_SERVICE_PORTS] },
  slowloris: { minConnections: 40, minAgeSec: 5, maxBytesPerConnection: 4096, ports: [80, 443, 8000, 8080, 8443] },
  dnsTunnel: { windowSec: 60, minUniqueSubdomains: 100, minLongLabels: 10, longLabel: 30, minEntropy: 3.5, minRareTypeQueries: 20 },
  icmpTunnel: { windowSec: 60, minEchoes: 10, minMeanPayload: 500, minDistinctPayloads: 10 },
  highTraffic: { factor: 20, minBytes: 500_000_000, minPackets: 500_000, minHistoryWindows: 6 },
  rareService: { learnSec: 3600, minCountToBeCommon: 3 },
  arpSpoof: { claimMemorySec: 300 },
  anomaly: { hostCapacity: 16384, topFeatures: 3, refreshWindows: 50000 },
  assets: { alertUnexpectedPorts: 1 },
  threatScore: {
    severityHigh: 30, severityMedium: 15, severityLow: 5,
    attacker: 1, victim: 0.4, halfLifeHours: 24, repeatBonus: 0.25, intelListed: 20, scale: 50, lookbackDays: 7,
  },
});
