import { parsePprofTop, summarizeCpuProfile, summarizeFerret } from '../../bench/suite/profile';
import { renderProfiles } from '../../bench/suite/render';

// The shape `go tool pprof -top -cum` prints (lines taken from a real FerretDB profile).
const PPROF = `File: ferretdb-f3b9dd8e48c5
Type: cpu
Duration: 20s, Total samples = 16.85s (84.25%)
Showing nodes accounting for 8.44s, 49.71% of 16.85s total
      flat  flat%   sum%        cum   cum%
         0     0%     0%     13.51s 80.18%  github.com/FerretDB/FerretDB/internal/clientconn.(*conn).run
     0.01s 0.06%  0.06%      9.03s 53.59%  github.com/FerretDB/FerretDB/internal/handler.(*Handler).MsgUpdate
         0     0%  0.06%      4.16s 24.69%  github.com/FerretDB/FerretDB/internal/handler/common.(*filterIterator).Next
     0.02s  0.12%  0.18%      3.83s 22.73%  github.com/FerretDB/FerretDB/internal/handler/sjson.Unmarshal
     0.10s  0.59%  0.77%      2.43s 14.42%  github.com/FerretDB/FerretDB/internal/handler.(*Handler).MsgInsert
         0     0%  0.77%      2.26s 13.41%  runtime.gcBgMarkWorker
     10ms  0.06%  0.83%      210ms  1.25%  log/slog.(*Logger).With
`;

describe('bench profiles', () => {
  it('when pprof prints its cumulative table, then each function gets its cumulative share and the total is read', () => {
    const { totalSeconds, cum } = parsePprofTop(PPROF);
    expect(totalSeconds).toBe(16.85);
    expect(cum.get('github.com/FerretDB/FerretDB/internal/handler.(*Handler).MsgUpdate')).toBe(53.59);
    expect(cum.get('log/slog.(*Logger).With')).toBe(1.25);
  });

  it('when FerretDB is profiled, then the parts of a write are named with their shares and absent parts are left out', () => {
    const s = summarizeFerret(PPROF, 'the drain', 20);
    expect(s.busySeconds).toBe(16.85);
    expect(s.lines).toEqual([
      { what: 'update commands (the replace of existing orders)', percent: 53.59 },
      { what: 'insert commands (new orders)', percent: 14.42 },
      { what: 'reading the current document of each updated order', percent: 24.69 },
      { what: 'decoding stored JSON into documents', percent: 22.73 },
      { what: 'Go garbage collector', percent: 13.41 },
      { what: 'debug-log formatting (removed by patch 7)', percent: 1.25 },
    ]);
  });

  it('when a V8 profile is summarized, then idle time is excluded and self time is grouped by package, Node module and our code', () => {
    const frame = (functionName: string, url: string) => ({ functionName, url });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(idle)', '') },
        { id: 2, callFrame: frame('next', 'file:///repo/node_modules/router/index.js') },
        { id: 3, callFrame: frame('writeHead', 'node:_http_server') },
        { id: 4, callFrame: frame('correlation', 'file:///repo/apps/producer-api/src/http/correlation.ts') },
        { id: 5, callFrame: frame('(garbage collector)', '') },
      ],
      samples: [1, 2, 2, 3, 4, 5, 1],
      timeDeltas: [5_000_000, 300_000, 300_000, 200_000, 100_000, 100_000, 5_000_000],
    };
    const s = summarizeCpuProfile(profile, 'a load', 1_000);
    expect(s.busySeconds).toBe(1);
    expect(s.msPerItem).toBe(1);
    expect(s.lines).toEqual([
      { what: 'npm router', percent: 60 },
      { what: 'Node http', percent: 20 },
      { what: 'ours: apps/producer-api', percent: 10 },
      { what: 'V8 garbage collector', percent: 10 },
    ]);
    expect(renderProfiles([s]).join('\n')).toContain('| npm router | 60.0 % |');
    expect(renderProfiles(undefined)).toEqual([]);
  });
});
