-- wrk script: GET of one path (MEMNET_PATH, default /) on keep-alive connections, ending with
-- the same RESULT line as bench/ask.lua: the static-file side of bench/http_vs_nginx.sh.
wrk.method = "GET"
wrk.path = os.getenv("MEMNET_PATH") or "/"

-- No response() callback, as in bench/ask.lua: wrk would hand every body to Lua.

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d seconds=%.3f p50_us=%d p99_us=%d errors=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.status + summary.errors.timeout))
end
