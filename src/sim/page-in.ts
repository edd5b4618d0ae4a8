// Reads a file once so its pages are in the page cache before it is executed. The VMs we
// run on drop an idle page cache within minutes (a 104 MB replica binary went from fully
// resident to 2 MB after three idle minutes), and five replicas started from a cold binary
// took 110-130 ms to connect instead of 5-20: the disk, not the replica's start-up, which
// is what the simulator reports. Warm, the read costs about 20 ms, before the run's clock.
import { closeSync, openSync, readSync } from "node:fs";

const CHUNK = 1 << 20;

/** Reads `path` to its end in 1 MB chunks into one scratch buffer; returns the bytes read. */
export function pageIn(path: string): number {
  const fd = openSync(path, "r");
  try {
    const scratch = Buffer.allocUnsafe(CHUNK);
    let total = 0;
    for (let n = readSync(fd, scratch, 0, CHUNK, null); n > 0; n = readSync(fd, scratch, 0, CHUNK, null)) total += n;
    return total;
  } finally {
    closeSync(fd);
  }
}
