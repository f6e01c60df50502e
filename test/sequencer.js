/**
 * Jest test order: jest's own (failed first, then slowest first), except that the suites which need
 * the Kubernetes tools (they call `waitForTools(`, test/k8s/tools-ready.ts) run last. CI builds
 * those tools in the background while the other suites run (.ci/run); this order gives the build
 * the whole rest of the test run to finish before anything waits for it.
 */
const { readFileSync } = require('node:fs');
const Sequencer = require('@jest/test-sequencer').default;

const needsTools = (path) => {
  try {
    return readFileSync(path, 'utf8').includes('waitForTools(');
  } catch {
    return false;
  }
};

class KubernetesLastSequencer extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    return [...sorted.filter((t) => !needsTools(t.path)), ...sorted.filter((t) => needsTools(t.path))];
  }
}

module.exports = KubernetesLastSequencer;
