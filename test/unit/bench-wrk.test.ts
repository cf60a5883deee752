import { parseWrk, wrkMs } from '../../scripts/bench/wrk';

// The bench's second load generator: what wrk --latency prints, read back as figures.
const output = `Running 5s test @ http://127.0.0.1:8080/posts
  2 threads and 10 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    26.08ms   11.02ms 112.40ms   71.20%
    Req/Sec   191.35     30.10   250.00     68.00%
  Latency Distribution
     50%   24.51ms
     75%   31.00ms
     90%   40.12ms
     99%    1.02s
  1914 requests in 5.01s, 9.61MB read
  Non-2xx or 3xx responses: 3
Requests/sec:    382.07
Transfer/sec:      1.92MB
`;

it('reads requests/sec, the 50th and 99th percentiles (any unit) and the counts', () => {
  expect(parseWrk(output)).toEqual({
    rps: 382.07,
    p50_ms: 24.51,
    p99_ms: 1020,
    requests: 1914,
    non2xx3xx: 3,
  });
});

it('converts us, ms and s, and refuses anything else', () => {
  expect([wrkMs('812.00us'), wrkMs('3.5ms'), wrkMs('2s')]).toEqual([0.812, 3.5, 2000]);
  expect(() => wrkMs('12 ms?')).toThrow(/not a wrk latency/);
  expect(() => parseWrk('no output')).toThrow(/Requests\/sec/);
});
