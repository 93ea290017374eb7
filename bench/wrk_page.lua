-- wrk script for bench/run.py: one page for wrk's duration (-d), the
-- session cookie from the environment, every status checked, percentiles
-- as one JSON line.
--   BENCH_COOKIE   "sessionid=..." (empty: anonymous)
--   BENCH_EXPECT   the status every answer must have (200)
local cookie = os.getenv("BENCH_COOKIE") or ""
local expect = tonumber(os.getenv("BENCH_EXPECT") or "200")
local threads = {}
local thread_count = 0

function setup(thread)
   table.insert(threads, thread)
   thread_count = thread_count + 1
end

function init(args)
   wrk.headers["Accept-Language"] = "fr"
   wrk.headers["X-Forwarded-Proto"] = "https"
   if cookie ~= "" then
      wrk.headers["Cookie"] = cookie
   end
   answered = 0
   unexpected = 0
   last_unexpected = 0
end

function response(status, headers, body)
   answered = answered + 1
   if status ~= expect then
      unexpected = unexpected + 1
      last_unexpected = status
   end
end

function done(summary, latency, requests)
   local unexpected_total, last = 0, 0
   for _, thread in ipairs(threads) do
      unexpected_total = unexpected_total + (thread:get("unexpected") or 0)
      local status = thread:get("last_unexpected") or 0
      if status ~= 0 then last = status end
   end
   io.write(string.format(
      'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p90_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, "socket_errors": %d, "timeouts": %d, "unexpected_status": %d, "last_unexpected": %d}\n',
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
      latency.max, latency.mean,
      summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout,
      unexpected_total, last))
end
