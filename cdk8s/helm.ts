/**
 * Generates charts/medlives from the cdk8s app (logic in src/cli/helm.ts).
 *   npx tsx cdk8s/helm.ts [--outdir DIR]
 */
import { helmCli } from './src/cli/helm';

helmCli(process.argv.slice(2));
