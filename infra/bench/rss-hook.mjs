// Loaded with `node --import` into the replay process the benchmark starts:
// reports the process's peak resident set size on exit (bytes).
process.on('exit', () => {
  process.stderr.write(`\nREFUND_GATE_MAXRSS_BYTES=${process.resourceUsage().maxRSS * 1024}\n`);
});
