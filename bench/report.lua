-- wrk script for bench.run: after the run, print one line of JSON that bench.results
-- finds by its BENCH_JSON marker. Latencies come from wrk in microseconds and are
-- printed in milliseconds. wrk counts a response as a status error when its status
-- is 400 or more; bench.run checks every URL answers 200 before the load starts.

-- With the argument "random-query" (after `--` on wrk's command line) every request
-- gets a fresh random query string, as an attacker who wants uncached renders would send.
local random_query = false

init = function(args)
  random_query = args[1] == "random-query"
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

request = function()
  if not random_query then
    return wrk.request()
  end
  local separator = "?"
  if string.find(wrk.path, "?", 1, true) then
    separator = "&"
  end
  local path = wrk.path .. separator .. "r=" .. math.random(1, 2000000000)
  return wrk.format(nil, path)
end

local function ms(us)
  return us / 1000.0
end

done = function(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1000000.0
  local n = summary.requests
  local p50, p90, p95, p99, max, mean = 0, 0, 0, 0, 0, 0
  if n > 0 then
    p50 = ms(latency:percentile(50))
    p90 = ms(latency:percentile(90))
    p95 = ms(latency:percentile(95))
    p99 = ms(latency:percentile(99))
    max = ms(latency.max)
    mean = ms(latency.mean)
  end
  local rps = 0
  if seconds > 0 then
    rps = n / seconds
  end
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_s": %.6f, "bytes": %d, "rps": %.3f, '
      .. '"latency_ms": {"p50": %.3f, "p90": %.3f, "p95": %.3f, "p99": %.3f, '
      .. '"max": %.3f, "mean": %.3f}, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d}}\n',
    n, seconds, summary.bytes, rps,
    p50, p90, p95, p99, max, mean,
    e.connect, e.read, e.write, e.timeout, e.status
  ))
end
