// --seeds: "3", "1-5" or "1,4,9-11" → the list of seeds to run each scenario with.
export function parseSeeds(text: string): number[] {
  const seeds: number[] = [];
  for (const part of text.split(",")) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new Error(`--seeds: ${JSON.stringify(part)} is not a seed or a range like 1-5`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw new Error(`--seeds: range ${part} runs backwards`);
    if (to - from > 1000) throw new Error(`--seeds: range ${part} is too long`);
    for (let s = from; s <= to; s++) seeds.push(s);
  }
  return [...new Set(seeds)];
}
