-- wrk script: POST /v1/stories/{id}/ask with a JSON question, on keep-alive connections.
-- The story id comes from the environment (MEMNET_STORY, default 1); the question from
-- MEMNET_QUESTION (default "Where is Mary?"); MEMNET_ATTENTION (all, top or none) adds the
-- "attention" field and MEMNET_SELECT (recent, match, mixed, expand) the "select" field,
-- each left out when unset (the server's defaults).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local story = os.getenv("MEMNET_STORY") or "1"
local question = os.getenv("MEMNET_QUESTION") or "Where is Mary?"
wrk.path = "/v1/stories/" .. story .. "/ask"
wrk.body = '{"question": "' .. question .. '"'
for _, f in ipairs({{"attention", "MEMNET_ATTENTION"}, {"select", "MEMNET_SELECT"}}) do
  local value = os.getenv(f[2])
  if value and value ~= "" then wrk.body = wrk.body .. ', "' .. f[1] .. '": "' .. value .. '"' end
end
wrk.body = wrk.body .. "}"

-- No response() callback: wrk would then hand every 12 KB body to Lua, and wrk shares the
-- machine's cores with the server. Non-2xx answers are counted in summary.errors.status.

done = function(summary, latency, requests)
  -- One machine-readable line for bench/http_ask.sh, http_vs_nginx.sh and large_store.sh.
  io.write(string.format("RESULT requests=%d seconds=%.3f p50_us=%d p99_us=%d errors=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.status + summary.errors.timeout))
end
