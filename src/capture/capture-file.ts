// Opens a capture file and picks its reader from the magic number, or says plainly what the file is not.

import { NetwatchError } from '../errors.js';
import { ChunkedFile } from './chunked-file.js';
import { MAX_RECORD_CAPLEN, type FrameReader } from './frame-reader.js';
import { PCAP_MAGIC_NSEC, PCAP_MAGIC_USEC, PcapReader } from './pcap-reader.js';
import { MAX_BLOCK, PCAPNG_SHB, PcapngReader } from './pcapng-reader.js';

export function openCaptureFile(path: string): FrameReader {
  // pcapng blocks (not only packets) may be up to MAX_BLOCK: the buffer may grow that far when one comes.
  const file = new ChunkedFile(path, Math.max(MAX_RECORD_CAPLEN + 64, MAX_BLOCK));
  try {
    if (!file.ensure(4)) {
      throw new NetwatchError('NW_ERR_FILE_FORMAT',
        `${path}: not a capture file: ${file.end} byte${file.end === 1 ? '' : 's'}, too short for a pcap or pcapng header`);
    }
    const le = file.buf.readUInt32LE(0);
    const be = file.buf.readUInt32BE(0);
    if (le === PCAP_MAGIC_USEC || le === PCAP_MAGIC_NSEC || be === PCAP_MAGIC_USEC || be === PCAP_MAGIC_NSEC) {
      return new PcapReader(file);
    }
    if (le === PCAPNG_SHB) return new PcapngReader(file);
    if ((be >>> 16) === 0x1f8b) {
      throw new NetwatchError('NW_ERR_FILE_FORMAT', `${path}: gzip-compressed, not a pcap or pcapng file itself: ` +
        `decompress it first, e.g. zcat ${path} | netwatch analyze -`);
    }
    if (be === 0x28b52ffd) {
      throw new NetwatchError('NW_ERR_FILE_FORMAT', `${path}: zstd-compressed, not a pcap or pcapng file itself: ` +
        `decompress it first, e.g. zstdcat ${path} | netwatch analyze -`);
    }
    throw new NetwatchError('NW_ERR_FILE_FORMAT',
      `${path}: not a pcap or pcapng file (magic 0x${be.toString(16).padStart(8, '0')} at offset 0)`);
  } catch (e) {
    file.close();
    throw e;
  }
}
