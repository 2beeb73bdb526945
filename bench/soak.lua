-- wrk script for bench/soak.sh: mixed traffic over the stories MEMNET_FIRST_STORY ..
-- MEMNET_FIRST_STORY + MEMNET_STORIES - 1, per request:
--   90%  POST /v1/stories/{id}/ask
--    9%  POST /v1/stories/{id}/facts (one fact)
--    1%  POST /v1/stories (a story named "soak-tmp"), or DELETE of one this thread created
-- Every non-2xx answer and socket error counts in the RESULT line's errors.
local first = tonumber(os.getenv("MEMNET_FIRST_STORY") or "1")
local stories = tonumber(os.getenv("MEMNET_STORIES") or "16")
local json = {["Content-Type"] = "application/json"}
local questions = {"Where is Mary?", "Where is John?", "Where is Sandra?", "Where is Daniel?"}
local people = {"Mary", "John", "Sandra", "Daniel"}
local places = {"kitchen", "garden", "office", "bathroom", "hallway", "bedroom"}
local created = {}

init = function(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1e6) + #tostring({}))
end

request = function()
  local r = math.random(1000)
  local id = first + math.random(stories) - 1
  if r <= 900 then
    return wrk.format("POST", "/v1/stories/" .. id .. "/ask", json,
      '{"question": "' .. questions[math.random(#questions)] .. '"}')
  elseif r <= 990 then
    return wrk.format("POST", "/v1/stories/" .. id .. "/facts", json,
      '{"fact": "' .. people[math.random(#people)] .. ' went to the ' ..
      places[math.random(#places)] .. '."}')
  elseif #created > 0 and r > 995 then
    return wrk.format("DELETE", "/v1/stories/" .. table.remove(created, 1))
  else
    return wrk.format("POST", "/v1/stories", json, '{"name": "soak-tmp"}')
  end
end

response = function(status, headers, body)
  if status == 201 and body:find('"name":"soak%-tmp"', 1) then
    local id = body:match('"id":(%d+)')
    if id then table.insert(created, id) end
  end
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d seconds=%.3f p50_us=%d p99_us=%d errors=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.status + summary.errors.timeout))
end
