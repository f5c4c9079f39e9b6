-- wrk script: PUT answers round-robin over prepared (attempt, question, token) triples.
-- The triples come from the file named in the BENCH_TARGETS environment variable.
local targets = {}
local counter = 0

function init(args)
  local path = os.getenv("BENCH_TARGETS")
  for line in io.lines(path) do
    local attempt, question, token, selected = line:match("^(%d+) (%d+) (%S+) (%S+)$")
    table.insert(targets, {attempt = attempt, question = question, token = token, selected = selected})
  end
  counter = math.random(#targets)
end

function request()
  counter = counter % #targets + 1
  local t = targets[counter]
  local body = '{"selected":[' .. t.selected .. ']}'
  return wrk.format("PUT", "/api/v1/attempts/" .. t.attempt .. "/answers/" .. t.question,
    {["Authorization"] = "Bearer " .. t.token, ["Content-Type"] = "application/json"}, body)
end

local errors = 0
function response(status, headers, body)
  if status ~= 200 then errors = errors + 1 end
end

function done(summary, latency, requests)
  io.write(string.format("JSON {\"requests\":%d,\"seconds\":%.3f,\"p50_ms\":%.2f,\"p95_ms\":%.2f,\"p99_ms\":%.2f,\"non2xx\":%d,\"socket_errors\":%d}\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
