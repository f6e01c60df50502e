import { infraDown, infraStatus, infraUp, CACHE_DIR } from './index';
import { InfraError, stopDaemon } from './proc';

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'up': {
      const result = await infraUp((line) => console.error(`• ${line}`));
      for (const s of result.services) console.error(`• ${s.name}: ${s.state} ${s.url}${s.pid ? ` (pid ${s.pid})` : ''} — ${s.detail ?? ''}`);
      const t = result.topics;
      console.error(`• topics: ${t.created.length} created, ${t.updated.length} updated, ${t.unchanged.length} unchanged`);
      console.error(`• ready in ${result.seconds.toFixed(1)} s (cache ${CACHE_DIR})`);
      for (const [k, v] of Object.entries(result.env)) console.log(`export ${k}=${v}`);
      return 0;
    }
    case 'down': {
      const stopped = await infraDown();
      console.error(stopped.length ? `• stopped ${stopped.join(', ')}` : '• nothing was running');
      return 0;
    }
    case 'stop': {
      // One server of this state dir (fault injection: `npm run chaos` stops its own broker or database).
      const name = process.argv[3];
      if (name !== 'kafka' && name !== 'ferretdb' && name !== 'mongod' && name !== 'postgres') {
        console.error('usage: infra stop kafka|ferretdb|mongod|postgres');
        return 2;
      }
      console.error((await stopDaemon(name)) ? `• stopped ${name}` : `• ${name} was not running`);
      return 0;
    }
    case 'status': {
      const rows = await infraStatus();
      for (const r of rows) console.log(`${r.name.padEnd(22)} ${r.listening ? 'up  ' : 'down'} ${r.url}${r.pid ? ` pid ${r.pid}` : ''}`);
      return rows.every((r) => r.listening) ? 0 : 3;
    }
    default:
      console.error('usage: infra up|down|status|stop <kafka|ferretdb|mongod|postgres>');
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof InfraError ? `infra: ${error.message}` : error);
    process.exit(1);
  },
);
