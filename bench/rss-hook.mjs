// Loaded with `node --import` into the replay process the benchmark starts:
// reports the process's peak resident set size on exit (bytes), and the
// peak RSS (VmHWM) of its descendants (DynamoDB Local's JVM), sampled every
// second while they run (Linux /proc; 0 elsewhere).
import { readdirSync, readFileSync } from 'node:fs';

let childPeak = 0;
function descendants(root) {
  const parent = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {}
  }
  const out = [];
  const walk = (pid) => {
    for (const [child, ppid] of parent) if (ppid === pid) (out.push(child), walk(child));
  };
  walk(root);
  return out;
}
function sample() {
  try {
    let total = 0;
    for (const pid of descendants(process.pid)) {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) total += Number(m[1]) * 1024;
    }
    childPeak = Math.max(childPeak, total);
  } catch {}
}
setInterval(sample, 1000).unref();
process.on('exit', () => {
  process.stderr.write(`\nREFUND_GATE_MAXRSS_BYTES=${process.resourceUsage().maxRSS * 1024}\nREFUND_GATE_CHILD_MAXRSS_BYTES=${childPeak}\n`);
});
