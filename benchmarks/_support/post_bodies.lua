-- wrk script: POST one JSON body per line of a per-thread file, each body once.
--
--   wrk -s post_bodies.lua URL -- BODIES_PREFIX OUT_PREFIX DUP_EVERY DUP_LAG
--
-- Thread i reads BODIES_PREFIX<i>.jsonl. Every DUP_EVERY-th request (0 = never) re-sends the
-- body this thread sent DUP_LAG fresh requests earlier (a resident pressing "submit" again), so
-- the server must answer 409 and not create a second row. Each response is logged to
-- OUT_PREFIX<i>.tsv as "status<TAB>booking_no": wrk does not say which request a response
-- answers, so the caller checks 409s by count and by the booking number they name. The thread stops itself when it runs out of fresh bodies.
-- done() prints one line "WRK_SUMMARY {json}" for the caller to parse.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  local prefix, out_prefix = args[1], args[2]
  dup_every = tonumber(args[3]) or 0
  dup_lag = tonumber(args[4]) or 256
  bodies = {}
  for line in io.lines(prefix .. tid .. ".jsonl") do
    bodies[#bodies + 1] = line
  end
  out = io.open(out_prefix .. tid .. ".tsv", "w")
  out:setvbuf("full", 1048576)
  headers = { ["Content-Type"] = "application/json" }
  n, fresh, dups, exhausted = 0, 0, 0, 0
end

function request()
  n = n + 1
  local body
  if dup_every > 0 and n % dup_every == 0 and fresh > dup_lag then
    body = bodies[fresh - dup_lag]
    dups = dups + 1
  elseif fresh < #bodies then
    fresh = fresh + 1
    body = bodies[fresh]
  else
    -- Out of fresh bodies: stop; the request built here is a duplicate (a 409 at worst).
    exhausted = 1
    dups = dups + 1
    body = bodies[#bodies]
    wrk.thread:stop()
  end
  return wrk.format("POST", nil, headers, body)
end

function response(status, headers, body)
  local no = ""
  if status == 201 or status == 409 then
    no = string.match(body, '"booking_no"%s*:%s*"([^"]+)"') or ""
  end
  out:write(status, "\t", no, "\n")
  if status >= 500 and status < 600 then
    out:write("#BODY\t", string.sub(body or "", 1, 300):gsub("\n", " "), "\n")
  end
end

function done(summary, latency, requests)
  local sent, fresh_total, dup_total, exhausted_total = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    sent = sent + (t:get("n") or 0)
    fresh_total = fresh_total + (t:get("fresh") or 0)
    dup_total = dup_total + (t:get("dups") or 0)
    exhausted_total = exhausted_total + (t:get("exhausted") or 0)
  end
  local e = summary.errors
  local pct = {}
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    pct[#pct + 1] = string.format('"%s": %d', tostring(p), latency:percentile(p))
  end
  io.write(string.format(
    'WRK_SUMMARY {"duration_us": %d, "requests": %d, "bytes": %d, "sent": %d, "fresh": %d, "dups": %d, '
      .. '"exhausted": %d, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"min": %d, "max": %d, "mean": %.1f, "stdev": %.1f, "p": {%s}}}\n',
    summary.duration, summary.requests, summary.bytes, sent, fresh_total, dup_total, exhausted_total,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.max, latency.mean, latency.stdev, table.concat(pct, ", ")
  ))
end
