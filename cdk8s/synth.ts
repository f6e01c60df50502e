/**
 * Renders the cluster manifests from the topology (logic in src/cli/synth.ts).
 *   npx tsx cdk8s/synth.ts                          writes k8s/dev/*.yaml and k8s/prod/*.yaml
 *   npx tsx cdk8s/synth.ts --profile dev --stdout   prints one profile as a single stream (Tilt)
 */
import { synthCli } from './src/cli/synth';

synthCli(process.argv.slice(2));
