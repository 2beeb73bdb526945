-- wrk script for bench/large_store.sh: POST MEMNET_BODY (a JSON ask request) to
-- /v1/stories/MEMNET_STORY/ask on keep-alive connections; one RESULT line at the end.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.path = "/v1/stories/" .. (os.getenv("MEMNET_STORY") or "1") .. "/ask"
wrk.body = os.getenv("MEMNET_BODY") or '{"question": "Where is Mary?"}'

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d seconds=%.3f p50_us=%d p99_us=%d errors=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.status + summary.errors.timeout))
end
