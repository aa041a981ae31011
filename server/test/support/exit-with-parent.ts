// Preloaded into every Herald process a test starts (see herald-process.ts). When the test
// runner dies without stopping it, the process is re-parented; it then shuts itself down
// instead of lingering on its port and its database after the suite.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) process.kill(process.pid, 'SIGTERM');
}, 500).unref();
